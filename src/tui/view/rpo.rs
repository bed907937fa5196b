//! RPO at a glance: which databases are over the RPO target, and which secondaries'
//! replication looks stalled, in words for the header and the Replication title.

use super::text;
use crate::model::snapshot::{MemberStatus, Snapshot};

/// One database over its RPO target.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub database: String,
    pub region: String,
    pub lag_ms: f64,
}

/// Every secondary whose RPO lag (AuroraGlobalDBRPOLag, ms) or RDS ReplicaLag (s) is
/// over the environment's RPO target, worst first. Only values read count: an unknown
/// lag is shown as unknown elsewhere, not as a breach.
pub fn breaches(snap: &Snapshot) -> Vec<Breach> {
    let target = snap.rpo_target_ms as f64;
    let mut out: Vec<Breach> = snap
        .databases
        .iter()
        .flat_map(|d| {
            d.members
                .iter()
                .filter(|m| m.is_writer == Some(false))
                .filter_map(move |m| {
                    m.rpo_lag_ms.filter(|v| *v > target).map(|v| Breach {
                        database: d.name.clone(),
                        region: m.region.clone(),
                        lag_ms: v,
                    })
                })
        })
        .chain(snap.replicas.iter().filter_map(|r| {
            r.lag_s
                .map(|s| s * 1000.0)
                .filter(|v| *v > target)
                .map(|v| Breach {
                    database: r.name.clone(),
                    region: r.replica_region.clone(),
                    lag_ms: v,
                })
        }))
        .collect();
    out.sort_by(|a, b| b.lag_ms.total_cmp(&a.lag_ms));
    out
}

/// "RPO breach: orders → us-west-2 31.0 s > 5.0 s (+1 more)", or `None`.
pub fn headline(snap: &Snapshot) -> Option<String> {
    headline_with(snap, true)
}

/// The headline without "(+N more)", for a title too narrow for the whole of it.
pub fn headline_short(snap: &Snapshot) -> Option<String> {
    headline_with(snap, false)
}

fn headline_with(snap: &Snapshot, more: bool) -> Option<String> {
    let b = breaches(snap);
    let first = b.first()?;
    let more = if more && b.len() > 1 {
        format!(" (+{} more)", b.len() - 1)
    } else {
        String::new()
    };
    Some(format!(
        "RPO breach: {} → {} {} > {}{more}",
        first.database,
        first.region,
        text::ms(first.lag_ms),
        text::ms(snap.rpo_target_ms as f64)
    ))
}

/// A secondary whose replication lag is over the target and has risen by at least a
/// second at each of its last three samples: records stopped arriving (a broken link
/// or a dark source), not a spike that is easing.
pub fn stalled(m: &MemberStatus, target_ms: f64) -> bool {
    let h = &m.lag_history;
    let over = m.lag_ms.is_some_and(|v| v > target_ms);
    over && h.len() >= 4 && h[h.len() - 4..].windows(2).all(|w| w[1] - w[0] >= 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::synthetic;

    #[test]
    fn calm_has_no_breach_and_a_storm_names_the_worst() {
        let now = synthetic::fixed_now();
        assert_eq!(headline(&synthetic::calm(now)), None);
        let storm = synthetic::lag_storm(now);
        let h = headline(&storm).unwrap_or_default();
        // The ledger replica (14 s) is worse than orders (11.8 s): worst first.
        assert_eq!(h, "RPO breach: ledger → us-west-2 14.0 s > 5.0 s (+1 more)");
    }

    #[test]
    fn a_steady_climb_of_seconds_per_sample_is_stalled_a_spike_is_not() {
        let now = synthetic::fixed_now();
        let mut m = synthetic::calm(now).databases[0].members[1].clone();
        m.lag_history = vec![400.0, 60_400.0, 120_400.0, 180_400.0];
        m.lag_ms = Some(180_400.0);
        assert!(stalled(&m, 5000.0));
        m.lag_history = vec![8000.0, 7000.0, 6000.0, 5500.0];
        m.lag_ms = Some(5500.0);
        assert!(!stalled(&m, 5000.0));
    }
}
