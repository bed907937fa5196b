//! The frame around a panel: title, focus, and a scroll position that says how many
//! rows are out of sight.

use super::theme;
use crate::tui::app::{App, Panel};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

/// Draws the block and returns the inner area and the first row to show.
/// `reserved` rows at the bottom of the inner area are not part of the scrolled list.
pub fn frame(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    panel: Panel,
    title: &str,
    reserved: u16,
) -> (Rect, usize) {
    frame_with_alert(buf, area, app, panel, title, None, reserved)
}

/// As [`frame`], with a warning shown in the title after the panel's own title text
/// (so a failure is seen even when the rows that explain it are scrolled away).
pub fn frame_with_alert(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    panel: Panel,
    title: &str,
    alert: Option<&str>,
    reserved: u16,
) -> (Rect, usize) {
    let focused = app.focus == panel;
    let border = if focused {
        theme::BORDER_FOCUS
    } else {
        theme::BORDER
    };
    let total = app.row_count(panel);
    // The alert is what must be read: when the title row cannot hold everything, the
    // panel's own title text (counts, filter) gives way, never the alert.
    let head = format!(" {} ", panel.title());
    let alert = alert.map(|a| format!("{a} "));
    let room = usize::from(area.width.saturating_sub(2));
    let used = |t: &str| Span::raw(head.as_str()).width() + Span::raw(t).width();
    let title = match &alert {
        Some(a) if used(title) + Span::raw(a.as_str()).width() > room => "",
        _ => title,
    };
    let block = Block::bordered()
        .border_style(border)
        .title(Line::from(vec![
            Span::styled(
                head,
                if focused {
                    theme::BORDER_FOCUS
                } else {
                    theme::TITLE
                },
            ),
            Span::styled(title.to_string(), theme::LABEL),
            Span::styled(alert.unwrap_or_default(), theme::BAD),
        ]));
    let inner = block.inner(area);
    let visible = usize::from(inner.height.saturating_sub(reserved));
    let max_offset = total.saturating_sub(visible);
    let offset = app.scroll[panel.index()].min(max_offset);
    let block = if total > visible && panel != Panel::Log {
        let last = (offset + visible).min(total);
        let more = total - last;
        let pos = format!(
            " {}–{} of {}{}{} ",
            offset + 1,
            last,
            total,
            if offset > 0 { " ↑" } else { "" },
            if more > 0 {
                format!(" ↓{more}")
            } else {
                String::new()
            }
        );
        block.title_bottom(Line::styled(pos, theme::WARN).right_aligned())
    } else {
        block
    };
    block.render(area, buf);
    (inner, offset)
}

/// Rows of `inner` a panel can fill, as the viewport the app scrolls by.
pub fn rows(inner: Rect) -> usize {
    usize::from(inner.height)
}
