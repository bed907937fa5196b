//! Routing controls panel: controls grouped by control panel with the cell each one
//! gates, each panel's safety rules in plain words, and the five ARC cluster endpoints.

use super::panel;
use super::text::{self, Row};
use super::theme;
use crate::model::snapshot::{ControlStatus, EndpointStatus, RuleStatus, Snapshot};
use crate::tui::app::{App, Panel};
use crate::tui::rows::RoutingRow;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub fn render(buf: &mut Buffer, area: Rect, app: &App, now: DateTime<Utc>) -> usize {
    let title = match (&app.snapshot, app.filter.is_empty()) {
        (Some(s), true) => format!("{} controls ", s.controls.len()),
        (Some(s), false) => format!(
            "filter \"{}\": {} of {} ",
            app.filter,
            app.rows.controls_shown,
            s.controls.len()
        ),
        (None, _) => String::new(),
    };
    let strip = app
        .snapshot
        .as_deref()
        .map_or(0, |s| endpoint_rows(s, area.width.saturating_sub(2)));
    let (inner, offset) = panel::frame(buf, area, app, Panel::Routing, &title, strip);
    let Some(snap) = app.snapshot.as_deref() else {
        super::placeholder(buf, inner, app);
        return panel::rows(inner);
    };
    if inner.height <= strip {
        return 0;
    }
    let list_h = inner.height - strip;
    let bottom = inner.y + list_h;
    let name_w = 16u16;
    // Lines left over when every row fits: a long safety rule may wrap into them.
    // Wrapping only ever uses these, so scrolling stays one row per index entry.
    let mut spare = usize::from(list_h)
        .saturating_sub(app.rows.routing.len() - offset.min(app.rows.routing.len()));
    let mut y = inner.y;
    for row in app.rows.routing.iter().skip(offset) {
        if y >= bottom {
            break;
        }
        if let RoutingRow::Rule(i) = *row {
            let used = rule_lines(buf, inner, y, &snap.rules[i], 1 + spare);
            spare -= used - 1;
            y = y.saturating_add(u16::try_from(used).unwrap_or(u16::MAX));
            continue;
        }
        let mut w = Row::new(buf, inner, y);
        y += 1;
        match *row {
            RoutingRow::Panel(p) => {
                let g = &app.rows.panels[p];
                w.put(" ▾ ", theme::DIM).put(&g.name, theme::TITLE);
                let count = if g.shown == g.total {
                    format!("  {} controls", g.total)
                } else {
                    format!("  {} of {} controls match", g.shown, g.total)
                };
                w.put(&count, theme::DIM);
            }
            RoutingRow::Control(i) => control_line(&mut w, &snap.controls[i], name_w, now),
            RoutingRow::Rule(_) => {}
            RoutingRow::NoMatch => {
                w.put(
                    &format!(" no control matches \"{}\" (Esc clears)", app.filter),
                    theme::WARN,
                );
            }
        }
    }
    let strip_area = Rect::new(inner.x, inner.bottom() - strip, inner.width, strip);
    endpoints(buf, strip_area, snap);
    usize::from(list_h)
}

fn control_line(w: &mut Row, c: &ControlStatus, name_w: u16, now: DateTime<Utc>) {
    let (word, style) = theme::control(c.state);
    w.space(3).put(word, style).col(10);
    w.put(&c.name, theme::TEXT).col(10 + name_w + 1);
    w.put("gates ", theme::DIM).put(&c.gates, theme::LABEL);
    if c.stale {
        let age = c
            .observed_at
            .map(|t| format!("  stale {}", text::age((now - t).num_milliseconds())))
            .unwrap_or_else(|| "  never read".to_string());
        w.put(&age, theme::WARN);
    }
}

/// A safety rule in plain words on up to `max_lines` rows (continuations indented
/// under the text). Returns the rows used.
fn rule_lines(buf: &mut Buffer, area: Rect, y: u16, r: &RuleStatus, max_lines: usize) -> usize {
    let (sym, style) = match r.satisfied {
        Some(true) => ("✔ ", theme::OK),
        Some(false) => ("✖ VIOLATED ", theme::BAD),
        None => ("? ", theme::UNKNOWN),
    };
    let mut w = Row::new(buf, area, y);
    w.space(3).put(sym, style).put("rule: ", theme::DIM);
    let indent = w.x().saturating_sub(area.x);
    let width = usize::from(area.width.saturating_sub(indent));
    let lines = text::wrap(&r.description, width, max_lines);
    let mut used = 0;
    for line in &lines {
        let mut w = Row::new(buf, area, y + used as u16);
        w.space(indent).put(line, theme::LABEL);
        used += 1;
    }
    used.max(1)
}

const STRIP_LABEL: &str = " ARC ";

fn endpoint_text(e: &EndpointStatus, full: bool) -> (String, String, ratatui::style::Style) {
    let name = if full {
        e.region.clone()
    } else {
        text::short_region(&e.region)
    };
    let (state, style) = match (&e.last_error, e.last_latency_ms) {
        (Some(err), _) => (format!("✖ {err}"), theme::BAD),
        (None, Some(ms)) => (format!("{ms}ms"), theme::OK),
        (None, None) => ("unused".to_string(), theme::DIM),
    };
    (format!("{} {name} ", e.index + 1), state, style)
}

fn slot_need(snap: &Snapshot, full: bool) -> u16 {
    let widest = snap
        .endpoints
        .iter()
        .map(|e| {
            let (a, b, _) = endpoint_text(e, full);
            a.chars().count() + b.chars().count() + 1
        })
        .max()
        .unwrap_or(0);
    u16::try_from(widest).unwrap_or(u16::MAX)
}

/// One row when every endpoint fits in its slot (full names or short ones), else two.
fn endpoint_rows(snap: &Snapshot, width: u16) -> u16 {
    let n = u16::try_from(snap.endpoints.len().max(1)).unwrap_or(u16::MAX);
    let avail = width.saturating_sub(STRIP_LABEL.len() as u16);
    if slot_need(snap, false).saturating_mul(n) <= avail {
        1
    } else {
        2
    }
}

/// The five cluster endpoints in equal slots: `ARC 1 use1 12ms  2 apne1 ✖ timed out …`.
fn endpoints(buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    let n = snap.endpoints.len().max(1);
    let per_row = n.div_ceil(usize::from(area.height.max(1)));
    let label_w = STRIP_LABEL.len() as u16;
    let slot = area.width.saturating_sub(label_w) / u16::try_from(per_row).unwrap_or(1).max(1);
    let full = slot_need(snap, true) <= slot;
    for (r, chunk) in snap.endpoints.chunks(per_row.max(1)).enumerate() {
        let y = area.y + r as u16;
        if y >= area.bottom() {
            break;
        }
        let mut w = Row::new(buf, area, y);
        w.put(if r == 0 { STRIP_LABEL } else { "     " }, theme::LABEL);
        for e in chunk {
            let cell = Rect::new(w.x(), y, slot.saturating_sub(1).min(w.remaining()), 1);
            let (head, state, style) = endpoint_text(e, full);
            Row::new(w.buf(), cell, y)
                .put(&head, theme::DIM)
                .put(&state, style);
            w.advance(slot);
        }
    }
}
