//! Backups rows of the Replication panel: per protected resource the newest usable
//! recovery point in its DR vault against the backup RPO, and the latest copy job
//! when it is not a completed one.

use super::text::{self, Row};
use super::theme;
use crate::model::snapshot::{BackupStatus, RestoreTest};
use chrono::{DateTime, Utc};

/// `orders-db    use1→usw2 newest 1h12m / RPO 4h  ok`
pub fn point_line(w: &mut Row, b: &BackupStatus, now: DateTime<Utc>) {
    w.put(" ", theme::TEXT).put(&b.name, theme::TITLE).col(14);
    w.put(
        &format!(
            "{}→{} ",
            text::short_region(&b.source_region),
            text::short_region(&b.dr_region)
        ),
        theme::LABEL,
    );
    let rpo = text::age_compact(
        i64::try_from(b.rpo_s)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000),
    );
    if b.observed_at.is_none() {
        w.put("DR vault unknown", theme::UNKNOWN);
        super::replication::stale(w, true, None, now);
        error(w, b);
        return;
    }
    match (&b.newest, b.age_at(now)) {
        (Some(p), Some(age)) => {
            let bound = if p.backup_time_known { "" } else { "≥" };
            let shown = format!("newest {bound}{}", text::age(age.num_milliseconds()));
            // The verdict as the monitor judged it (on wall time, see assemble).
            let style = match b.fresh {
                Some(true) => theme::TEXT,
                Some(false) => theme::BAD,
                None => theme::UNKNOWN,
            };
            w.put(&shown, style);
            w.put(&format!(" / RPO {rpo}"), theme::LABEL);
            match b.fresh {
                Some(true) => w.put("  ok", theme::OK),
                Some(false) => w.put("  OVER RPO", theme::BAD),
                // Only a lower bound: the copy's time, not the data's.
                None if !p.backup_time_known => w.put("  age unverified", theme::UNKNOWN),
                None => w.put("", theme::TEXT),
            };
        }
        _ => {
            w.put("no completed point in the DR vault", theme::BAD);
        }
    }
    super::replication::stale(w, b.stale, b.observed_at, now);
    error(w, b);
}

/// ` · tested 3d ago` / ` · test overdue 2d` / ` · never tested`, compact: the panel
/// is narrow. `status` words it in full from the same [`BackupStatus::restore_test`].
fn test_note(w: &mut Row, b: &BackupStatus, now: DateTime<Utc>) {
    let compact = |s: i64| text::age_compact(s.saturating_mul(1000));
    let (note, style) = match b.restore_test(now) {
        Some(RestoreTest::Overdue { by_s }) => {
            (format!("test overdue {}", compact(by_s)), theme::WARN)
        }
        Some(RestoreTest::Tested { ago_s }) => {
            (format!("tested {} ago", compact(ago_s)), theme::LABEL)
        }
        Some(RestoreTest::Never { .. }) => ("never tested".to_string(), theme::WARN),
        None => return,
    };
    w.put(" · ", theme::DIM).put(&note, style);
}

fn error(w: &mut Row, b: &BackupStatus) {
    if let Some(e) = &b.error {
        w.put("  ", theme::TEXT).put(e, theme::WARN);
    }
}

/// `   └ copy FAILED 25m ago: …` or `   └ copies unreadable in use1: timeout`.
pub fn copy_line(w: &mut Row, b: &BackupStatus, now: DateTime<Utc>) {
    w.put("   └ ", theme::DIM);
    if let Some(e) = &b.copy_error {
        w.put(
            &format!("copy jobs unknown ({} unreadable)", b.source_region),
            theme::UNKNOWN,
        );
        test_note(w, b, now);
        w.put(": ", theme::LABEL).put(e, theme::WARN);
        return;
    }
    match &b.latest_copy {
        None => {
            w.put("no copy job seen", theme::WARN);
        }
        Some(c) => {
            let ago = text::age_compact((now - c.created_at).num_milliseconds());
            let style = match c.state.as_str() {
                "FAILED" | "PARTIAL" => theme::BAD,
                "COMPLETED" => theme::OK,
                _ => theme::WARN,
            };
            w.put(&format!("copy {} ", c.state), style)
                .put(&format!("{ago} ago"), theme::LABEL);
            test_note(w, b, now);
            if let Some(m) = &c.status_message {
                w.put(": ", theme::LABEL).put(m, theme::WARN);
            }
            return;
        }
    }
    test_note(w, b, now);
}
