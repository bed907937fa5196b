//! Replication panel: per global database its writer, status and any failover; per
//! secondary its lag, RPO lag and a sparkline against the RPO target; then RDS
//! read replicas.

use super::lagchart;
use super::panel;
use super::text::{self, Row};
use super::theme;
use crate::model::Verdict;
use crate::model::snapshot::{DatabaseStatus, MemberStatus, ReplicaStatus, Snapshot};
use crate::tui::app::{App, Panel};
use crate::tui::rows::ReplicationRow;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub fn render(buf: &mut Buffer, area: Rect, app: &App, now: DateTime<Utc>) -> usize {
    let title = app
        .snapshot
        .as_deref()
        .map(|s| format!("RPO target {} ", text::ms(s.rpo_target_ms as f64)))
        .unwrap_or_default();
    // " Replication " + "· " + the headline + " " must fit between the corners.
    let room = usize::from(area.width.saturating_sub(2)).saturating_sub(16);
    let alert = app.snapshot.as_deref().and_then(|s| {
        super::rpo::headline(s)
            .filter(|h| ratatui::text::Span::raw(h.as_str()).width() <= room)
            .or_else(|| super::rpo::headline_short(s))
            .map(|h| format!("· {h}"))
    });
    let (inner, offset) = panel::frame_with_alert(
        buf,
        area,
        app,
        Panel::Replication,
        &title,
        alert.as_deref(),
        0,
    );
    let Some(snap) = app.snapshot.as_deref() else {
        super::placeholder(buf, inner, app);
        return panel::rows(inner);
    };
    if app.rows.replication.is_empty() {
        Row::new(buf, inner, inner.y).put(" no databases in this environment", theme::DIM);
    }
    let members = app
        .rows
        .replication
        .iter()
        .filter(|r| matches!(r, ReplicationRow::Member(..)))
        .count();
    // When everything fits with room to spare, each secondary gets a taller chart.
    let spare = panel::rows(inner).saturating_sub(app.rows.replication.len());
    let chart_h = if members > 0 && offset == 0 {
        (spare / members).min(6)
    } else {
        0
    };
    let chart_h = if chart_h >= 2 { chart_h as u16 } else { 0 };
    let rows = app.rows.replication.iter().skip(offset);
    let mut y = inner.y;
    for row in rows {
        if y >= inner.bottom() {
            break;
        }
        let mut w = Row::new(buf, inner, y);
        y += 1;
        match *row {
            ReplicationRow::Database(i) => database_line(&mut w, snap, &snap.databases[i], now),
            ReplicationRow::Failover(i) => failover_line(&mut w, &snap.databases[i]),
            ReplicationRow::DatabaseError(i) => error_line(&mut w, &snap.databases[i]),
            ReplicationRow::Member(i, j) => {
                let m = &snap.databases[i].members[j];
                member_line(&mut w, snap, m, chart_h == 0);
                if chart_h > 0 {
                    let area = Rect::new(inner.x + 5, y, inner.width.saturating_sub(6), chart_h);
                    let target = snap.rpo_target_ms as f64;
                    let axis = time_axis(snap, &snap.databases[i], now);
                    lagchart::chart(buf, area, &m.chart, &axis, target, &text::ms(target));
                    y += chart_h;
                }
            }
            ReplicationRow::Replica(i) => replica_line(&mut w, snap, &snap.replicas[i], now),
            ReplicationRow::Table(i) => super::stores::table_line(&mut w, &snap.dynamodb[i]),
            ReplicationRow::TableLink(i, j) => {
                super::stores::link_line(&mut w, snap, &snap.dynamodb[i].links[j])
            }
            ReplicationRow::Bucket(i) => {
                super::stores::bucket_line(&mut w, snap, &snap.s3_replication[i])
            }
            ReplicationRow::BackupsHeading => {
                w.put(" backups in the DR vault", theme::LABEL);
            }
            ReplicationRow::Backup(i) => super::backups::point_line(&mut w, &snap.backups[i], now),
            ReplicationRow::BackupCopy(i) => {
                super::backups::copy_line(&mut w, &snap.backups[i], now)
            }
        }
    }
    panel::rows(inner)
}

pub(super) fn stale(w: &mut Row, stale: bool, at: Option<DateTime<Utc>>, now: DateTime<Utc>) {
    if stale {
        let t = at
            .map(|t| format!(" stale {}", text::age((now - t).num_milliseconds())))
            .unwrap_or_else(|| " never read".to_string());
        w.put(&t, theme::WARN);
    }
}

fn database_line(w: &mut Row, snap: &Snapshot, db: &DatabaseStatus, now: DateTime<Utc>) {
    w.put(" ", theme::TEXT).put(&db.name, theme::TITLE).col(14);
    w.put("writer ", theme::LABEL);
    // RDS answers from any member Region, so "available" can arrive while the writer's
    // own Region is dark: say so rather than paint it green.
    let writer_dark = db.writer_region.as_ref().and_then(|r| {
        snap.regions
            .iter()
            .find(|g| &g.name == r)
            .filter(|g| matches!(g.verdict, Verdict::Unknown | Verdict::Impaired))
            .map(|g| g.verdict)
    });
    match &db.writer_region {
        Some(r) => w.put(r, theme::TEXT),
        None => w.put("unknown", theme::UNKNOWN),
    };
    if let Some(v) = writer_dark {
        let why = if v == Verdict::Impaired {
            " (Region impaired)"
        } else {
            " (Region unreachable)"
        };
        w.put(why, theme::BAD);
    }
    w.put("  ", theme::TEXT);
    match &db.status {
        Some(s) if s == "available" && writer_dark.is_none() => w.put(s, theme::OK),
        Some(s) => w.put(s, theme::WARN),
        None => w.put("status unknown", theme::UNKNOWN),
    };
    stale(w, db.stale, db.observed_at, now);
}

fn failover_line(w: &mut Row, db: &DatabaseStatus) {
    if let Some(f) = &db.failover {
        let route = format!(
            "FAILOVER {} {}→{}{}",
            f.status,
            f.from_region.as_deref().unwrap_or("?"),
            f.to_region.as_deref().unwrap_or("?"),
            if f.data_loss_allowed {
                " (data loss allowed)"
            } else {
                ""
            }
        );
        w.put("   » ", theme::BAD).put(&route, theme::BAD);
    }
}

fn error_line(w: &mut Row, db: &DatabaseStatus) {
    if let Some(e) = &db.error {
        w.put("   └ ", theme::DIM).put(e, theme::WARN);
    }
}

pub(super) fn lag_value(w: &mut Row, label: &str, v: Option<f64>, target: f64) {
    w.put(label, theme::LABEL);
    match v {
        Some(v) => {
            let style = if v >= target { theme::BAD } else { theme::TEXT };
            w.put(&text::ms(v), style)
        }
        None => w.put("unknown", theme::UNKNOWN),
    };
}

/// The chart's time axis: CloudWatch's 60 s period, marked where a member Region of
/// the database became unreachable (an outage began).
fn time_axis(snap: &Snapshot, db: &DatabaseStatus, now: DateTime<Utc>) -> lagchart::TimeAxis {
    let marks = snap
        .regions
        .iter()
        .filter(|r| db.members.iter().any(|m| m.region == r.name))
        .filter_map(|r| r.unreachable_since)
        .collect();
    lagchart::TimeAxis {
        now,
        period_s: 60,
        marks,
    }
}

fn history(m: &MemberStatus) -> &[f64] {
    if m.rpo_history.is_empty() {
        &m.lag_history
    } else {
        &m.rpo_history
    }
}

fn member_line(w: &mut Row, snap: &Snapshot, m: &MemberStatus, sparkline: bool) {
    let target = snap.rpo_target_ms as f64;
    w.put("   → ", theme::DIM)
        .put(&m.region, theme::TEXT)
        .col(19);
    if m.detached {
        w.put("detached from the global cluster ", theme::BAD);
    } else if m.is_writer.is_none() {
        w.put("role unknown ", theme::UNKNOWN);
    }
    lag_value(w, "lag ", m.lag_ms, target);
    w.col(34);
    lag_value(w, "RPO lag ", m.rpo_lag_ms, target);
    // Red digits alone do not say why: a secondary that stopped receiving says so.
    if super::rpo::stalled(m, target) {
        w.put("  stalled: lag climbing", theme::BAD);
    }
    if sparkline {
        w.col(53);
        let width = w.remaining();
        lagchart::sparkline(w, history(m), target, width, &text::ms(target));
    }
}

fn replica_line(w: &mut Row, snap: &Snapshot, r: &ReplicaStatus, now: DateTime<Utc>) {
    w.put(" ", theme::TEXT).put(&r.name, theme::TITLE).col(14);
    w.put(
        &format!(
            "{}→{}",
            text::short_region(&r.primary_region),
            text::short_region(&r.replica_region)
        ),
        theme::LABEL,
    );
    w.put(" ", theme::TEXT);
    match &r.replica_status {
        Some(s) if s == "available" => w.put(s, theme::OK),
        Some(s) => w.put(s, theme::WARN),
        None => w.put("unknown", theme::UNKNOWN),
    };
    w.put(" · ", theme::DIM);
    match &r.replication_status {
        Some(s) if s == "replicating" => w.put(s, theme::OK),
        // StatusInfos "read replication" status other than replicating (error,
        // stopped, terminated): the word says replication is broken.
        Some(s) => w.put(&format!("replication {s}"), theme::BAD),
        None => w.put("replication unknown", theme::UNKNOWN),
    };
    w.col(53);
    let target = snap.rpo_target_ms as f64;
    match r.lag_s {
        Some(v) if v < 0.0 => {
            w.put("replication inactive", theme::BAD);
        }
        v => lag_value(w, "lag ", v.map(|s| s * 1000.0), target),
    }
    stale(w, r.stale, r.observed_at, now);
    if let Some(e) = &r.error {
        w.put("  ", theme::TEXT).put(e, theme::WARN);
    }
}
