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
    let (inner, offset) = panel::frame(buf, area, app, Panel::Routing, &title);
    let Some(snap) = app.snapshot.as_deref() else {
        super::placeholder(buf, inner, app);
        return panel::rows(inner);
    };
    if inner.height == 0 {
        return 0;
    }
    let list_h = inner.height - 1;
    let name_w = 16u16;
    let rows = app.rows.routing.iter().skip(offset).take(usize::from(list_h));
    for (y, row) in (inner.y..).zip(rows) {
        let mut w = Row::new(buf, inner, y);
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
            RoutingRow::Rule(i) => rule_line(&mut w, &snap.rules[i]),
            RoutingRow::NoMatch => {
                w.put(&format!(" no control matches \"{}\" (Esc clears)", app.filter), theme::WARN);
            }
        }
    }
    endpoints(buf, Rect::new(inner.x, inner.bottom() - 1, inner.width, 1), snap);
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

fn rule_line(w: &mut Row, r: &RuleStatus) {
    let (sym, style) = match r.satisfied {
        Some(true) => ("✔ ", theme::OK),
        Some(false) => ("✖ VIOLATED ", theme::BAD),
        None => ("? ", theme::UNKNOWN),
    };
    w.space(3).put(sym, style).put("rule: ", theme::DIM).put(&r.description, theme::LABEL);
}

/// One strip: `ARC 1 use1 12ms  2 apne1 21ms …`, each endpoint in an equal slot.
fn endpoints(buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    let mut w = Row::new(buf, area, area.y);
    w.put(" ARC ", theme::LABEL);
    let n = snap.endpoints.len().max(1) as u16;
    let slot = w.remaining() / n;
    let full_fits = snap
        .endpoints
        .iter()
        .all(|e| (e.region.len() + 12) as u16 <= slot);
    for e in &snap.endpoints {
        let start = w.x();
        let cell = Rect::new(start, area.y, slot.min(w.remaining()), 1);
        endpoint(&mut Row::new(w.buf(), cell, area.y), e, full_fits);
        w.advance(slot);
    }
}

fn endpoint(w: &mut Row, e: &EndpointStatus, full: bool) {
    let name = if full { e.region.clone() } else { text::short_region(&e.region) };
    w.put(&format!("{} ", e.index + 1), theme::DIM).put(&name, theme::TEXT).put(" ", theme::TEXT);
    match (&e.last_error, e.last_latency_ms) {
        (Some(err), _) => w.put("✖ ", theme::BAD).put(err, theme::BAD),
        (None, Some(ms)) => w.put(&format!("{ms}ms"), theme::OK),
        (None, None) => w.put("not tried", theme::DIM),
    };
}
