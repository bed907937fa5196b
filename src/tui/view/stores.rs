//! Replication panel lines for DynamoDB global tables and S3 replication rules.

use super::lagchart;
use super::replication::lag_value;
use super::text::{self, Row};
use super::theme;
use crate::model::snapshot::Snapshot;
use crate::model::stores::{BucketReplicationStatus, TableLinkStatus, TableReplicationStatus};

/// ` carts  DynamoDB · write local (last writer wins)`; the whole
/// caveat is in `status`, the plan and the confirm dialogs.
pub fn table_line(w: &mut Row, t: &TableReplicationStatus) {
    w.put(" ", theme::TEXT).put(&t.name, theme::TITLE).col(14);
    w.put("DynamoDB · ", theme::LABEL);
    w.put(t.write.as_str(), theme::TEXT);
    w.put(&format!(" ({})", t.write.short_caveat()), theme::WARN);
}

/// `   → use1→usw2  latency 180 ms  max 420 ms  ▁▂▃▂ ┤5.0 s`.
pub fn link_line(w: &mut Row, snap: &Snapshot, l: &TableLinkStatus) {
    let target = snap.rpo_target_ms as f64;
    w.put("   → ", theme::DIM)
        .put(
            &format!(
                "{}→{}",
                text::short_region(&l.from),
                text::short_region(&l.to)
            ),
            theme::TEXT,
        )
        .col(19);
    lag_value(w, "latency ", l.latency_ms, target);
    w.col(34);
    if let Some(m) = l.recent_max_ms {
        w.put(&format!("max {}", text::ms(m)), theme::DIM);
    }
    w.col(53);
    let width = w.remaining();
    lagchart::sparkline(w, &l.history, target, width, &text::ms(target));
}

/// ` receipts  S3 use1→usw2 lag 12.0 s · 40 ops, 1.2 MB queued · write partitioned`
/// (ReplicationLatency; the strategy is cut first on a narrow panel).
pub fn bucket_line(w: &mut Row, snap: &Snapshot, b: &BucketReplicationStatus) {
    let target = snap.rpo_target_ms as f64;
    w.put(" ", theme::TEXT).put(&b.name, theme::TITLE).col(14);
    w.put(
        &format!(
            "S3 {}→{} ",
            text::short_region(&b.source_region),
            text::short_region(&b.destination_region)
        ),
        theme::LABEL,
    );
    lag_value(w, "lag ", b.latency_s.map(|s| s * 1000.0), target);
    w.put(" · ", theme::DIM);
    match (b.operations_pending, b.bytes_pending) {
        (Some(ops), Some(bytes)) => {
            let style = if ops > 0.0 { theme::WARN } else { theme::TEXT };
            w.put(
                &format!("{ops:.0} ops, {} queued", human_bytes(bytes)),
                style,
            )
        }
        _ => w.put("pending unknown", theme::UNKNOWN),
    };
    w.put(&format!(" · {}", b.write.as_str()), theme::DIM);
}

fn human_bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = b.max(0.0);
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_read_in_si_units() {
        assert_eq!(super::human_bytes(0.0), "0 B");
        assert_eq!(super::human_bytes(1_200_000.0), "1.2 MB");
    }
}
