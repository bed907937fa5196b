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
    let strip = app.snapshot.as_deref().map_or(0, |s| {
        endpoint_rows(
            s,
            area.width.saturating_sub(2),
            area.height.saturating_sub(2),
            now,
        )
    });
    let alert = app.snapshot.as_deref().and_then(endpoint_alert);
    let (inner, offset) = panel::frame_with_alert(
        buf,
        area,
        app,
        Panel::Routing,
        &title,
        alert.as_deref(),
        strip,
    );
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
    let state_w = state_width(snap, now);
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
            let rule = &snap.rules[i];
            // Judged over controls read too long ago: not known to hold now.
            let stale = snap
                .controls
                .iter()
                .any(|c| c.panel == rule.panel && c.stale);
            let used = rule_lines(buf, inner, y, rule, stale, 1 + spare);
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
            RoutingRow::Control(i) => control_line(&mut w, &snap.controls[i], name_w, state_w, now),
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
    endpoints(buf, strip_area, snap, now);
    usize::from(list_h)
}

/// A control's state cell. A control whose last read is stale (ARC unreachable) is
/// unknown now: it shows "?" with the last state read and its age, dimmed, never in
/// the colour of a known state.
fn state_cell(c: &ControlStatus, now: DateTime<Utc>) -> (String, ratatui::style::Style) {
    if !c.stale {
        let (word, style) = theme::control(c.state);
        return (word.to_string(), style);
    }
    match (c.state, c.observed_at) {
        (Some(s), Some(t)) => (
            format!("? {s} ({} ago)", text::age((now - t).num_milliseconds())),
            theme::DIM,
        ),
        (Some(s), None) => (format!("? {s} (age ?)"), theme::DIM),
        (None, _) => ("? never read".to_string(), theme::UNKNOWN),
    }
}

/// The width of the state column: the widest cell among the controls shown.
fn state_width(snap: &Snapshot, now: DateTime<Utc>) -> u16 {
    let widest = snap
        .controls
        .iter()
        .map(|c| width(&state_cell(c, now).0))
        .max()
        .unwrap_or(0)
        .max(5);
    u16::try_from(widest).unwrap_or(u16::MAX)
}

fn control_line(w: &mut Row, c: &ControlStatus, name_w: u16, state_w: u16, now: DateTime<Utc>) {
    let (word, style) = state_cell(c, now);
    let name_x = 3 + state_w + 2;
    w.space(3).put(&word, style).col(name_x);
    w.put(&c.name, theme::TEXT).col(name_x + name_w + 1);
    w.put("gates ", theme::DIM).put(&c.gates, theme::LABEL);
}

/// A safety rule in plain words on up to `max_lines` rows (continuations indented
/// under the text). Returns the rows used.
fn rule_lines(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    r: &RuleStatus,
    stale: bool,
    max_lines: usize,
) -> usize {
    let (sym, style) = match (r.satisfied, stale) {
        // "?" as everywhere for unknown; dimmed like the stale controls it judges.
        (Some(_), true) => ("? ", theme::DIM),
        (Some(true), false) => ("✔ ", theme::OK),
        (Some(false), false) => ("✖ VIOLATED ", theme::BAD),
        (None, _) => ("? ", theme::UNKNOWN),
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

/// "ARC: 4 of 5 endpoints failing" when two or more endpoints' last result was an
/// error: one dead endpoint is routine (the client rotates), several are not.
pub fn endpoint_alert(snap: &Snapshot) -> Option<String> {
    let failing = snap
        .endpoints
        .iter()
        .filter(|e| e.last_error.is_some())
        .count();
    (failing >= 2).then(|| {
        format!(
            "· ARC: {failing} of {} endpoints failing",
            snap.endpoints.len()
        )
    })
}

/// One endpoint's slot: head ("1 use1 "), last result, and the age of that result.
/// The age matters because endpoints are only retried when the ones before them fail:
/// an old error may be stale, and the slot has to say so.
struct EndpointCell {
    head: String,
    state: String,
    style: ratatui::style::Style,
    age: String,
}

/// A result younger than this (two poll periods) is fresh and shows no age, so an idle
/// screen does not redraw the strip every second.
fn endpoint_cell(
    e: &EndpointStatus,
    full: bool,
    ago: bool,
    now: DateTime<Utc>,
    fresh_ms: i64,
) -> EndpointCell {
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
    let age = match (
        e.last_used,
        e.last_error.is_some() || e.last_latency_ms.is_some(),
    ) {
        (Some(t), true) if (now - t).num_milliseconds() < fresh_ms => String::new(),
        (Some(t), true) => format!(
            " {}{}",
            text::age_compact((now - t).num_milliseconds()),
            if ago { " ago" } else { "" }
        ),
        // A result with no time: say the age is unknown rather than imply it is fresh.
        (None, true) => " age ?".to_string(),
        (_, false) => String::new(),
    };
    EndpointCell {
        head: format!("{} {name} ", e.index + 1),
        state,
        style,
        age,
    }
}

fn fresh_ms(snap: &Snapshot) -> i64 {
    i64::try_from(snap.poll_period_ms.saturating_mul(2)).unwrap_or(i64::MAX)
}

fn width(s: &str) -> usize {
    ratatui::text::Span::raw(s).width()
}

fn slot_need(snap: &Snapshot, full: bool, ago: bool, now: DateTime<Utc>) -> u16 {
    let widest = snap
        .endpoints
        .iter()
        .map(|e| {
            let c = endpoint_cell(e, full, ago, now, fresh_ms(snap));
            width(&c.head) + width(&c.state) + width(&c.age) + 1
        })
        .max()
        .unwrap_or(0);
    u16::try_from(widest).unwrap_or(u16::MAX)
}

/// As few rows as let every endpoint fit its slot (short names, no "ago"): one or
/// two, or three when the panel is tall enough that the list loses little.
fn endpoint_rows(snap: &Snapshot, width: u16, height: u16, now: DateTime<Utc>) -> u16 {
    let n = snap.endpoints.len().max(1);
    let avail = width.saturating_sub(STRIP_LABEL.len() as u16);
    let need = slot_need(snap, false, false, now);
    let max_rows = if height >= 12 { 3 } else { 2 };
    (1..max_rows)
        .find(|&rows| {
            let per_row = u16::try_from(n.div_ceil(usize::from(rows))).unwrap_or(u16::MAX);
            need.saturating_mul(per_row) <= avail
        })
        .unwrap_or(max_rows)
}

/// `s` cut to `max` columns, the cut marked with "…".
fn clip(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for ch in s.chars() {
        let mut b = [0u8; 4];
        if width(&out) + width(ch.encode_utf8(&mut b)) + 1 > max {
            break;
        }
        out.push(ch);
    }
    out.push('…');
    out
}

/// The five cluster endpoints in equal slots: `ARC 1 use1 12ms 1s ago  2 apne1 ✖ timeout 2m ago …`.
fn endpoints(buf: &mut Buffer, area: Rect, snap: &Snapshot, now: DateTime<Utc>) {
    let n = snap.endpoints.len().max(1);
    let per_row = n.div_ceil(usize::from(area.height.max(1)));
    let label_w = STRIP_LABEL.len() as u16;
    let slot = area.width.saturating_sub(label_w) / u16::try_from(per_row).unwrap_or(1).max(1);
    // Full Region names first, then the word "ago", give way when slots are tight;
    // the result and its age never do.
    let full = slot_need(snap, true, true, now) <= slot;
    let ago = full || slot_need(snap, false, true, now) <= slot;
    for (r, chunk) in snap.endpoints.chunks(per_row.max(1)).enumerate() {
        let y = area.y + r as u16;
        if y >= area.bottom() {
            break;
        }
        let mut w = Row::new(buf, area, y);
        w.put(if r == 0 { STRIP_LABEL } else { "     " }, theme::LABEL);
        for e in chunk {
            let cell_w = slot.saturating_sub(1).min(w.remaining());
            let cell = Rect::new(w.x(), y, cell_w, 1);
            let c = endpoint_cell(e, full, ago, now, fresh_ms(snap));
            // A long error gives way to the age, which says whether the error is current.
            let room = usize::from(cell_w).saturating_sub(width(&c.head) + width(&c.age));
            let state = if e.last_error.is_some() && room >= 3 {
                clip(&c.state, room)
            } else {
                c.state
            };
            Row::new(w.buf(), cell, y)
                .put(&c.head, theme::DIM)
                .put(&state, c.style)
                .put(&c.age, theme::DIM);
            w.advance(slot);
        }
    }
}
