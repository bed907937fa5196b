//! The runbooks found on the search path (`--runbooks`, `DRCONSOLE_RUNBOOKS`, `./runbooks`, XDG), to open one.

use crate::tui::app::App;
use crate::tui::view::text::Row;
use crate::tui::view::theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Clear, Widget};

pub fn render(buf: &mut Buffer, area: Rect, app: &App, selected: usize) {
    let entries = &app.runbook.catalogue;
    let w = area.width.saturating_sub(4).min(90);
    let h = u16::try_from(entries.len() * 2 + 3)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(2))
        .max(5);
    let outer = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    );
    Clear.render(outer, buf);
    let block = Block::bordered()
        .border_style(theme::BORDER_FOCUS)
        .title(Span::styled(" Runbooks ", theme::BORDER_FOCUS));
    let inner = block.inner(outer);
    block.render(outer, buf);
    if inner.height < 2 {
        return;
    }
    // Two rows per runbook (name, then summary or error); the last row is the hint.
    let per_page = usize::from((inner.height - 1) / 2).max(1);
    let first = selected.saturating_sub(per_page - 1);
    let mut y = inner.y;
    for (i, e) in entries.iter().enumerate().skip(first).take(per_page) {
        let style = if i == selected {
            theme::SELECTED
        } else {
            theme::TEXT
        };
        let marker = if i == selected { " ▶ " } else { "   " };
        Row::new(buf, inner, y)
            .put(marker, style)
            .put(&e.name, style)
            .put("  ", theme::TEXT)
            .put(&e.title, theme::TITLE);
        let (text, st) = match (&e.error, &e.summary) {
            (Some(err), _) => (format!("does not validate: {err}"), theme::BAD),
            (None, Some(s)) => (s.clone(), theme::DIM),
            (None, None) => (String::new(), theme::DIM),
        };
        Row::new(buf, inner, y + 1).space(5).put(&text, st);
        y += 2;
    }
    let hint = format!(
        " Enter open · ↑↓ choose ({} of {}) · :run NAME k=v sets parameters · Esc close",
        (selected + 1).min(entries.len()),
        entries.len()
    );
    Row::new(buf, inner, inner.bottom() - 1).put(&hint, theme::LABEL);
}
