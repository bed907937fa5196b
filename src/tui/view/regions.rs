//! Regions panel: role, verdict, and under any Region that is not healthy, why.

use super::panel;
use super::text::{self, Row};
use super::theme;
use crate::model::snapshot::{RegionStatus, Snapshot};
use crate::model::{AlarmState, Verdict};
use crate::tui::app::{App, Panel};
use crate::tui::rows::RegionRow;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub fn render(buf: &mut Buffer, area: Rect, app: &App, now: DateTime<Utc>) -> usize {
    let title = app.snapshot.as_deref().map(summary).unwrap_or_default();
    let (inner, offset) = panel::frame(buf, area, app, Panel::Regions, &title, 0);
    let Some(snap) = app.snapshot.as_deref() else {
        super::placeholder(buf, inner, app);
        return panel::rows(inner);
    };
    let name_w = snap
        .regions
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(9)
        .clamp(9, 20) as u16;
    let rows = app
        .rows
        .regions
        .iter()
        .skip(offset)
        .take(panel::rows(inner));
    for (y, row) in (inner.y..).zip(rows) {
        let mut w = Row::new(buf, inner, y);
        match *row {
            RegionRow::Region(i) => region_line(&mut w, &snap.regions[i], name_w, now),
            RegionRow::Reason(i, j) => {
                let r = &snap.regions[i];
                // A healthy Region's further reasons are notes on what is unknown.
                let style = if r.verdict == Verdict::Healthy {
                    theme::UNKNOWN
                } else {
                    theme::verdict(r.verdict).2
                };
                w.put("    └ ", theme::DIM).put(&r.reasons[j], style);
            }
        }
    }
    panel::rows(inner)
}

fn summary(s: &Snapshot) -> String {
    let bad = s
        .regions
        .iter()
        .filter(|r| r.verdict != Verdict::Healthy)
        .count();
    if bad == 0 {
        format!("{} healthy ", s.regions.len())
    } else {
        format!("{} of {} not healthy ", bad, s.regions.len())
    }
}

fn region_line(w: &mut Row, r: &RegionStatus, name_w: u16, now: DateTime<Utc>) {
    let (sym, word, style) = theme::verdict(r.verdict);
    w.put(" ", theme::TEXT)
        .put(sym, style)
        .put(" ", theme::TEXT);
    w.put(&r.name, theme::TITLE).col(3 + name_w + 2);
    w.put(r.role.as_str(), theme::LABEL).col(3 + name_w + 13);
    w.put(word, style).col(3 + name_w + 23);
    if r.stale {
        let age = r
            .observed_at
            .map(|t| format!("stale {}", text::age((now - t).num_milliseconds())))
            .unwrap_or_else(|| "never read".to_string());
        w.put(&age, theme::WARN).put("  ", theme::TEXT);
    }
    if r.verdict == Verdict::Healthy && !r.reasons.is_empty() {
        w.put(&r.reasons[0], theme::DIM);
    } else if r.verdict == Verdict::Healthy {
        let alarms_ok = r
            .alarms
            .iter()
            .filter(|a| a.state == Some(AlarmState::Ok))
            .count();
        let checks = r
            .health_checks
            .iter()
            .filter(|h| h.healthy == Some(true))
            .count();
        w.put(
            &format!(
                "{alarms_ok}/{} alarms OK · {checks}/{} checks healthy",
                r.alarms.len(),
                r.health_checks.len()
            ),
            theme::DIM,
        );
    }
}
