//! The game-day fault menu: the faults in force (Enter clears one) above the catalogue
//! (Enter injects one), scrolled so the selection stays in view.

use super::overlay::{centered, popup};
use super::text::Row;
use super::theme;
use crate::tui::app::App;
use crate::tui::gameday::MenuItem;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

enum Line<'a> {
    Heading(&'a str),
    Note(&'a str),
    /// Selectable: its index in the menu, its label and detail.
    Item(usize, &'a str, &'a str),
}

fn lines(app: &App) -> Vec<Line<'_>> {
    let mut out = vec![Line::Heading("Active — Enter clears")];
    match &app.active_faults {
        None => out.push(Line::Note("asking the twin…")),
        Some(a) if a.is_empty() => out.push(Line::Note("none: the twin runs clean")),
        Some(a) => out.extend(a.iter().enumerate().map(|(i, l)| Line::Item(i, l, ""))),
    }
    out.push(Line::Heading("Inject — Enter injects"));
    let first = app.active_faults.as_ref().map_or(0, Vec::len);
    let catalogue = app.faults.as_deref().unwrap_or_default();
    if catalogue.is_empty() {
        out.push(Line::Note("the scenario catalogue is empty"));
    }
    out.extend(
        catalogue
            .iter()
            .enumerate()
            .map(|(i, e)| Line::Item(first + i, e.label.as_str(), e.detail.as_str())),
    );
    out
}

pub fn render(buf: &mut Buffer, area: Rect, app: &App, selected: usize) {
    let lines = lines(app);
    let h = u16::try_from(lines.len() + 3).unwrap_or(u16::MAX);
    let outer = centered(area, 76, h.min(area.height.saturating_sub(2)).max(6));
    let inner = popup(buf, outer, "Game day: faults in the twin");
    if inner.height < 2 {
        return;
    }
    // Scroll so the selection stays in view; the last row is the key hint.
    let per_page = usize::from(inner.height - 1).max(1);
    let at = lines
        .iter()
        .position(|l| matches!(l, Line::Item(i, ..) if *i == selected))
        .unwrap_or(0);
    let first = at.saturating_sub(per_page - 1);
    for (y, line) in (inner.y..).zip(lines.iter().skip(first).take(per_page)) {
        let mut w = Row::new(buf, inner, y);
        match line {
            Line::Heading(t) => {
                w.space(1).put(t, theme::TITLE);
            }
            Line::Note(t) => {
                w.space(3).put(t, theme::DIM);
            }
            Line::Item(i, label, detail) => {
                let (marker, style) = if *i == selected {
                    (" ▶ ", theme::SELECTED)
                } else {
                    ("   ", theme::TEXT)
                };
                w.put(marker, style).put(label, style);
                if !detail.is_empty() {
                    w.put("  ", theme::TEXT).put(detail, theme::DIM);
                }
            }
        }
    }
    let total =
        app.active_faults.as_ref().map_or(0, Vec::len) + app.faults.as_ref().map_or(0, Vec::len);
    let verb = match app.menu_item(selected) {
        Some(MenuItem::Active(_)) => "clear",
        _ => "inject",
    };
    let hint = format!(
        " Enter {verb} · ↑↓ choose ({} of {total}) · Esc close",
        (selected + 1).min(total)
    );
    Row::new(buf, inner, inner.bottom() - 1).put(&hint, theme::LABEL);
}
