//! Regions panel: role, verdict, and under any Region that is not healthy, why.

use super::panel;
use super::text::{self, Row};
use super::theme;
use crate::model::snapshot::{RegionStatus, Role, Snapshot};
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
    let roles: Vec<(String, bool)> = snap.regions.iter().map(|r| role_text(r, snap)).collect();
    let role_w = roles
        .iter()
        .map(|(t, _)| t.chars().count() as u16 + 2)
        .max()
        .unwrap_or(11)
        .max(11);
    let cap_name_w = snap
        .capacity
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 24) as u16;
    let rows = app
        .rows
        .regions
        .iter()
        .skip(offset)
        .take(panel::rows(inner));
    for (y, row) in (inner.y..).zip(rows) {
        let mut w = Row::new(buf, inner, y);
        match *row {
            RegionRow::Region(i) => {
                let cols = Columns {
                    name_w,
                    role_w,
                    role: &roles[i],
                };
                region_line(&mut w, &snap.regions[i], &cols, now)
            }
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
            RegionRow::Capacity(_, k) => {
                super::capacity::line(&mut w, &snap.capacity[k], cap_name_w);
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

/// What a Region's configured role means now, from where the database writers are:
/// the environment file says who is primary, a failover moves the writer regardless.
/// Returns the text and whether it contradicts the configuration. Only known writer
/// Regions count: an unknown writer is never taken as "not here".
fn role_text(r: &RegionStatus, snap: &Snapshot) -> (String, bool) {
    let role = r.role.as_str();
    let writers: Vec<Option<&str>> = snap
        .databases
        .iter()
        .map(|d| d.writer_region.as_deref())
        .collect();
    let holds_writer = writers.contains(&Some(r.name.as_str()));
    let all_known = !writers.is_empty() && writers.iter().all(Option::is_some);
    match r.role {
        Role::Secondary if holds_writer => (format!("{role} · writer now"), true),
        Role::Primary if all_known && !holds_writer => (format!("{role} · not writer"), true),
        _ => (role.to_string(), false),
    }
}

/// Column layout shared by every Region line, so verdicts line up.
struct Columns<'a> {
    name_w: u16,
    role_w: u16,
    role: &'a (String, bool),
}

fn region_line(w: &mut Row, r: &RegionStatus, c: &Columns, now: DateTime<Utc>) {
    let (sym, word, style) = theme::verdict(r.verdict);
    w.put(" ", theme::TEXT)
        .put(sym, style)
        .put(" ", theme::TEXT);
    let (role, moved) = c.role;
    let role_style = if *moved { theme::WARN } else { theme::LABEL };
    w.put(&r.name, theme::TITLE).col(3 + c.name_w + 2);
    w.put(role, role_style).col(3 + c.name_w + 2 + c.role_w);
    w.put(word, style).col(3 + c.name_w + 2 + c.role_w + 10);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::synthetic;

    fn with_writers(writers: &[Option<&str>]) -> Snapshot {
        let mut snap = synthetic::calm(synthetic::fixed_now());
        let template = snap.databases[0].clone();
        snap.databases = writers
            .iter()
            .map(|w| {
                let mut d = template.clone();
                d.writer_region = w.map(str::to_string);
                d
            })
            .collect();
        snap
    }

    fn roles(snap: &Snapshot) -> Vec<String> {
        snap.regions
            .iter()
            .map(|r| format!("{} {}", r.name, role_text(r, snap).0))
            .collect()
    }

    #[test]
    fn configured_roles_stand_while_the_writer_is_where_configured() {
        let snap = with_writers(&[Some("us-east-1"), Some("us-east-1")]);
        assert_eq!(roles(&snap), ["us-east-1 primary", "us-west-2 secondary"]);
    }

    #[test]
    fn a_moved_writer_is_said_on_both_regions() {
        let snap = with_writers(&[Some("us-west-2"), Some("us-west-2")]);
        assert_eq!(
            roles(&snap),
            [
                "us-east-1 primary · not writer",
                "us-west-2 secondary · writer now"
            ]
        );
    }

    #[test]
    fn an_unknown_writer_is_not_taken_as_moved() {
        let snap = with_writers(&[Some("us-west-2"), None]);
        assert_eq!(
            roles(&snap),
            ["us-east-1 primary", "us-west-2 secondary · writer now"]
        );
        let none = with_writers(&[None]);
        assert_eq!(roles(&none), ["us-east-1 primary", "us-west-2 secondary"]);
    }
}
