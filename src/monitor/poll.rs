//! The pollers: one tokio task per Region and service, plus ARC and STS. Each reads,
//! stamps the answer with the time, and hands it to the assembler.

use super::MonitorOptions;
use super::assemble::HEALTH_CHECK_REGION;
use super::clock::steady_now;
use super::observe::{
    BackupSourceRead, Report, Update, bucket_key, health_check_key, lag_key, replica_key, rpo_key,
    table_link_key,
};
use crate::config::Environment;
use crate::provider::{MetricRequest, Provider, ProviderError};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

type Tx = mpsc::Sender<Update>;

/// Recovery points arrive hourly at the most often; reading them once a minute
/// shows a new one within a minute and costs AWS Backup three calls a minute per
/// protected resource.
pub const BACKUP_READ_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// Capacity is read this often: instances take minutes to launch and warm up, so a
/// change shows within 10 s; a `scale` step follows its own group by itself. After a
/// failed read the next try is at the next tick.
pub const CAPACITY_READ_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// After a failed backup read, the next try comes this much later (not at every
/// tick: a dark Region would otherwise cost three AWS Backup calls per resource every
/// poll period).
pub const BACKUP_RETRY_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether a once-a-minute read is due in poll round `round`: at round 0, every
/// `BACKUP_READ_EVERY`, and every `BACKUP_RETRY_EVERY` while the last read failed.
fn backup_round_due(round: u64, poll: std::time::Duration, last_ok: bool) -> bool {
    let rounds = |d: std::time::Duration| (d.as_millis() / poll.as_millis().max(1)).max(1) as u64;
    let every = if last_ok {
        rounds(BACKUP_READ_EVERY)
    } else {
        rounds(BACKUP_RETRY_EVERY)
    };
    round.is_multiple_of(every)
}

/// Runs one read and stamps it on the steady clock (ages must survive clock steps).
async fn report<T>(fut: impl Future<Output = Result<T, ProviderError>>) -> Report<T> {
    let started = steady_now();
    let result = fut.await.map_err(|e| e.to_string());
    Report {
        started,
        at: steady_now(),
        result,
    }
}

/// Runs `poll(round)` every period until the assembler goes away. A slow poll makes
/// the next tick skip rather than pile up.
fn every<F, Fut>(
    opts: &MonitorOptions,
    tx: Tx,
    refresh: &watch::Sender<u64>,
    mut poll: F,
) -> JoinHandle<()>
where
    F: FnMut(u64) -> Fut + Send + 'static,
    Fut: Future<Output = Vec<Update>> + Send,
{
    let period = opts.poll;
    let mut refresh = refresh.subscribe();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut round = 0u64;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                // A request made while this poller was busy is still seen here.
                Ok(()) = refresh.changed() => {}
            }
            for u in poll(round).await {
                if tx.send(u).await.is_err() {
                    return;
                }
            }
            round = round.saturating_add(1);
        }
    })
}

/// A poller on the backup schedule ([`backup_round_due`]): `read` gives the update
/// and whether the read succeeded, which sets when the next one is due.
fn every_minute<F, Fut>(
    opts: &MonitorOptions,
    tx: Tx,
    refresh: &watch::Sender<u64>,
    read: F,
) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = (Update, bool)> + Send + 'static,
{
    let poll = opts.poll;
    let last_ok = Arc::new(AtomicBool::new(false));
    let read = Arc::new(read);
    every(opts, tx, refresh, move |round| {
        let (read, last_ok) = (read.clone(), last_ok.clone());
        async move {
            if !backup_round_due(round, poll, last_ok.load(Ordering::Relaxed)) {
                return Vec::new();
            }
            let (update, ok) = read().await;
            last_ok.store(ok, Ordering::Relaxed);
            vec![update]
        }
    })
}

/// The restore-test reader: every `opts.restore_tests_every` (10 s: a run that just
/// completed shows as the last test within that, and between runs a check is one
/// directory listing and a stat per journal), re-reads the journals when their
/// fingerprint changed (file reads, off the runtime's threads).
fn restore_tests(
    mode: crate::model::Mode,
    dir: std::path::PathBuf,
    opts: &MonitorOptions,
    tx: Tx,
    refresh: &watch::Sender<u64>,
) -> JoinHandle<()> {
    use crate::runbook::journal::restore_tests::{Fingerprint, fingerprint, last_restores};
    let every_rounds =
        (opts.restore_tests_every.as_millis() / opts.poll.as_millis().max(1)).max(1) as u64;
    let seen: Arc<std::sync::Mutex<Option<Fingerprint>>> = Arc::default();
    every(opts, tx, refresh, move |round| {
        let (dir, seen) = (dir.clone(), seen.clone());
        async move {
            if !round.is_multiple_of(every_rounds) {
                return Vec::new();
            }
            let read = tokio::task::spawn_blocking(move || {
                let now = fingerprint(&dir);
                // A poisoned lock only means an earlier read panicked: read again.
                let mut last = seen.lock().unwrap_or_else(|e| e.into_inner());
                if last.as_ref() == Some(&now) {
                    return None;
                }
                *last = Some(now);
                Some(last_restores(&dir, mode))
            })
            .await;
            match read {
                Ok(Some(tests)) => vec![Update::RestoreTests(tests)],
                _ => Vec::new(),
            }
        }
    })
}

/// Where a metric read starts: the whole history window the first time (sparklines),
/// afterwards from a few periods before the last good read, so a gap is filled in.
pub fn metric_window_start(
    now: DateTime<Utc>,
    last_ok_epoch_s: i64,
    period: chrono::Duration,
    history: chrono::Duration,
) -> DateTime<Utc> {
    let earliest = now - history;
    match DateTime::<Utc>::from_timestamp(last_ok_epoch_s, 0) {
        Some(last) if last_ok_epoch_s > 0 => (last - period * 3).max(earliest),
        _ => earliest,
    }
}

/// Seconds after a period boundary before the new period's datapoint is read, so the
/// read comes after the value can have changed.
const METRIC_READ_AFTER_BOUNDARY_S: i64 = 2;

/// CloudWatch metrics change once a period, so they are read once a period (just
/// after a boundary), not at every tick; until a read has succeeded (or after a
/// failed one, which leaves `last_ok` behind) they are read at every tick. ARC and
/// RDS stay at the tick.
pub fn metric_read_due(now: DateTime<Utc>, last_ok_epoch_s: i64, period_s: i32) -> bool {
    if last_ok_epoch_s <= 0 {
        return true;
    }
    let period = i64::from(period_s.max(1));
    let next = (last_ok_epoch_s.div_euclid(period) + 1) * period + METRIC_READ_AFTER_BOUNDARY_S;
    now.timestamp() >= next
}

/// Regions whose CloudWatch metrics are read: every Region, plus us-east-1 when
/// there are Route 53 health checks.
pub fn metric_regions(env: &Environment) -> Vec<String> {
    let mut out: Vec<String> = env.regions.iter().map(|r| r.name.clone()).collect();
    for m in env.aurora.iter().flat_map(|d| d.members.iter()) {
        out.push(m.region.clone());
    }
    for p in &env.replicas {
        out.push(p.replica.region.clone());
    }
    out.extend(env.dynamodb.iter().flat_map(|t| t.regions.iter().cloned()));
    out.extend(env.s3_replication.iter().map(|b| b.source_region.clone()));
    if env.regions.iter().any(|r| !r.health_checks.is_empty()) {
        out.push(HEALTH_CHECK_REGION.to_string());
    }
    out.sort();
    out.dedup();
    out
}

/// The one batched GetMetricData for `region`.
pub fn metric_plan(env: &Environment, region: &str, period_s: i32) -> Vec<MetricRequest> {
    let mut out = Vec::new();
    let req = |key: String, ns: &str, name: &str, dim: (&str, &str), stat: &str| MetricRequest {
        key,
        namespace: ns.to_string(),
        metric_name: name.to_string(),
        dimensions: vec![(dim.0.to_string(), dim.1.to_string())],
        period_s,
        stat: stat.to_string(),
    };
    for d in &env.aurora {
        for m in d.members.iter().filter(|m| m.region == region) {
            let dim = ("DBClusterIdentifier", m.cluster_id());
            // Lag metrics exist only for secondaries; asking the primary costs nothing.
            out.push(req(
                lag_key(&d.name, region),
                "AWS/RDS",
                "AuroraGlobalDBReplicationLag",
                dim,
                "Maximum",
            ));
            out.push(req(
                rpo_key(&d.name, region),
                "AWS/RDS",
                "AuroraGlobalDBRPOLag",
                dim,
                "Maximum",
            ));
        }
    }
    for p in env.replicas.iter().filter(|p| p.replica.region == region) {
        let dim = ("DBInstanceIdentifier", p.replica.instance_id.as_str());
        out.push(req(
            replica_key(&p.name),
            "AWS/RDS",
            "ReplicaLag",
            dim,
            "Maximum",
        ));
    }
    out.extend(store_metrics(env, region, period_s));
    if region == HEALTH_CHECK_REGION {
        for id in env.regions.iter().flat_map(|r| r.health_checks.iter()) {
            // Minimum: one failing sample in the period counts as failing.
            out.push(req(
                health_check_key(id),
                "AWS/Route53",
                "HealthCheckStatus",
                ("HealthCheckId", id),
                "Minimum",
            ));
        }
    }
    out
}

/// Replication metrics published in `region`: a global table's ReplicationLatency
/// into each other replica Region (published where the write was made), and an S3
/// rule's three metrics (published in the source bucket's Region). Maximum: the
/// worst moment of the period is what data loss depends on.
pub fn store_metrics(env: &Environment, region: &str, period_s: i32) -> Vec<MetricRequest> {
    let metric = |key: String, ns: &str, name: &str, dims: Vec<(&str, &str)>| MetricRequest {
        key,
        namespace: ns.to_string(),
        metric_name: name.to_string(),
        dimensions: dims
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        period_s,
        stat: "Maximum".to_string(),
    };
    let mut out = Vec::new();
    for t in env
        .dynamodb
        .iter()
        .filter(|t| t.regions.iter().any(|r| r == region))
    {
        for to in t.regions.iter().filter(|r| *r != region) {
            out.push(metric(
                table_link_key(&t.name, region, to),
                "AWS/DynamoDB",
                "ReplicationLatency",
                vec![
                    ("TableName", t.table.as_str()),
                    ("ReceivingRegion", to.as_str()),
                ],
            ));
        }
    }
    for b in env
        .s3_replication
        .iter()
        .filter(|b| b.source_region == region)
    {
        for name in S3_METRICS {
            out.push(metric(
                bucket_key(&b.name, name),
                "AWS/S3",
                name,
                vec![
                    ("SourceBucket", b.source_bucket.as_str()),
                    ("DestinationBucket", b.destination_bucket.as_str()),
                    ("RuleId", b.rule_id.as_str()),
                ],
            ));
        }
    }
    out
}

/// S3 replication metrics (S3 user guide, "Monitoring replication with replication
/// metrics"): ReplicationLatency in seconds, the other two counts.
pub const S3_METRICS: [&str; 3] = [
    "ReplicationLatency",
    "OperationsPendingReplication",
    "BytesPendingReplication",
];

pub fn spawn_all(
    provider: &Arc<Provider>,
    env: &Arc<Environment>,
    opts: &MonitorOptions,
    tx: &Tx,
    refresh: &watch::Sender<u64>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();

    for r in &env.regions {
        let (p, region, names) = (provider.clone(), r.name.clone(), r.alarms.clone());
        tasks.push(every(opts, tx.clone(), refresh, move |_| {
            let (p, region, names) = (p.clone(), region.clone(), names.clone());
            async move {
                let report = report(p.describe_alarms(&region, &names)).await;
                vec![Update::Alarms { region, report }]
            }
        }));
    }

    for region in metric_regions(env) {
        let plan = metric_plan(env, &region, opts.metric_period_s);
        let (p, o) = (provider.clone(), opts.clone());
        // Seconds since the epoch of the last successful read; 0 = never.
        let last_ok = Arc::new(AtomicI64::new(0));
        tasks.push(every(opts, tx.clone(), refresh, move |_| {
            let (p, region, plan, last_ok) =
                (p.clone(), region.clone(), plan.clone(), last_ok.clone());
            let now = Utc::now();
            let period = chrono::Duration::seconds(i64::from(o.metric_period_s));
            let last = last_ok.load(Ordering::Relaxed);
            let due = metric_read_due(now, last, o.metric_period_s);
            let start = metric_window_start(now, last, period, o.history_window);
            async move {
                if !due {
                    return Vec::new();
                }
                let report = report(p.get_metric_data(&region, &plan, start, now + period)).await;
                if report.result.is_ok() {
                    last_ok.store(now.timestamp(), Ordering::Relaxed);
                }
                vec![Update::Metrics { region, report }]
            }
        }));
    }

    for d in &env.aurora {
        for m in &d.members {
            let (p, db, id, region) = (
                provider.clone(),
                d.name.clone(),
                d.global_cluster_id.clone(),
                m.region.clone(),
            );
            tasks.push(every(opts, tx.clone(), refresh, move |_| {
                let (p, db, id, region) = (p.clone(), db.clone(), id.clone(), region.clone());
                async move {
                    let report = report(async {
                        p.describe_global_clusters(&region, Some(&id))
                            .await?
                            .into_iter()
                            .find(|g| g.id == id)
                            .ok_or_else(|| ProviderError::NotFound {
                                code: "GlobalClusterNotFoundFault".into(),
                                message: format!("{id} not in the reply from {region}"),
                            })
                    })
                    .await;
                    vec![Update::Cluster { db, region, report }]
                }
            }));
        }
    }

    for pair in &env.replicas {
        let (p, name, region, id) = (
            provider.clone(),
            pair.name.clone(),
            pair.replica.region.clone(),
            pair.replica.instance_id.clone(),
        );
        tasks.push(every(opts, tx.clone(), refresh, move |_| {
            let (p, replica, region, id) = (p.clone(), name.clone(), region.clone(), id.clone());
            async move {
                let report = report(p.describe_db_instance(&region, &id)).await;
                vec![Update::Instance { replica, report }]
            }
        }));
    }

    if let Some(dir) = opts.state_dir.clone().filter(|_| !env.backups.is_empty()) {
        tasks.push(restore_tests(
            provider.mode(),
            dir,
            opts,
            tx.clone(),
            refresh,
        ));
    }

    for b in &env.backups {
        let (p, name, region, vault, arn) = (
            provider.clone(),
            b.name.clone(),
            b.dr_region.clone(),
            b.vault.clone(),
            b.resource_arn.clone(),
        );
        tasks.push(every_minute(opts, tx.clone(), refresh, move || {
            let (p, name, region, vault, arn) = (
                p.clone(),
                name.clone(),
                region.clone(),
                vault.clone(),
                arn.clone(),
            );
            async move {
                let report = report(p.list_vault_recovery_points(&region, &vault, &arn)).await;
                let ok = report.result.is_ok();
                (Update::BackupVault { name, report }, ok)
            }
        }));
        let (p, name, region, arn) = (
            provider.clone(),
            b.name.clone(),
            b.source_region.clone(),
            b.resource_arn.clone(),
        );
        tasks.push(every_minute(opts, tx.clone(), refresh, move || {
            let (p, name, region, arn) = (p.clone(), name.clone(), region.clone(), arn.clone());
            async move {
                let report = report(async {
                    let copy_jobs = p.list_copy_jobs(&region, &arn).await?;
                    let points = p.list_resource_recovery_points(&region, &arn).await?;
                    Ok(BackupSourceRead { copy_jobs, points })
                })
                .await;
                let ok = report.result.is_ok();
                (Update::BackupSource { name, report }, ok)
            }
        }));
    }

    let every_rounds =
        (CAPACITY_READ_EVERY.as_millis() / opts.poll.as_millis().max(1)).max(1) as u64;
    for g in &env.capacity {
        let (p, name, region, target) = (
            provider.clone(),
            g.name.clone(),
            g.region.clone(),
            g.target.clone(),
        );
        let last_ok = Arc::new(AtomicBool::new(false));
        tasks.push(every(opts, tx.clone(), refresh, move |round| {
            let (p, name, region, target, last_ok) = (
                p.clone(),
                name.clone(),
                region.clone(),
                target.clone(),
                last_ok.clone(),
            );
            async move {
                if last_ok.load(Ordering::Relaxed) && !round.is_multiple_of(every_rounds) {
                    return Vec::new();
                }
                let report = report(p.read_capacity(&region, &target)).await;
                last_ok.store(report.result.is_ok(), Ordering::Relaxed);
                vec![Update::Capacity { name, report }]
            }
        }));
    }

    let p = provider.clone();
    tasks.push(every(opts, tx.clone(), refresh, move |_| {
        let p = p.clone();
        async move {
            let report = report(async { p.list_routing_controls().await.map(|a| a.value) }).await;
            vec![Update::Controls(report)]
        }
    }));

    // Identity rarely changes: read it at start, then every `identity_every` rounds
    // (and every round until it succeeds once).
    let (p, n) = (provider.clone(), opts.identity_every.max(1));
    let known = Arc::new(AtomicBool::new(false));
    tasks.push(every(opts, tx.clone(), refresh, move |round| {
        let (p, known) = (p.clone(), known.clone());
        async move {
            if known.load(Ordering::Relaxed) && round % n != 0 {
                return Vec::new();
            }
            let report = report(p.caller_identity()).await;
            known.store(report.result.is_ok(), Ordering::Relaxed);
            vec![Update::Identity(report)]
        }
    }));

    tasks
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn metric_window_covers_history_first_then_the_gap() {
        let now = Utc.timestamp_opt(1_800_000_000, 0).single().unwrap();
        let (p, h) = (Duration::seconds(60), Duration::minutes(10));
        assert_eq!(metric_window_start(now, 0, p, h), now - h);
        let recent = (now - Duration::seconds(2)).timestamp();
        assert_eq!(
            metric_window_start(now, recent, p, h),
            now - Duration::seconds(182)
        );
        let long_ago = (now - Duration::hours(2)).timestamp();
        assert_eq!(metric_window_start(now, long_ago, p, h), now - h);
    }

    /// Issue 8 §7: a metric that changes once a minute is read once a minute, just
    /// after the boundary, not at every 2 s tick.
    #[test]
    fn metrics_are_read_once_per_period_after_the_boundary() {
        let at = |s: i64| Utc.timestamp_opt(1_800_000_000 + s, 0).single().unwrap();
        // 1_800_000_000 is a whole minute.
        assert!(metric_read_due(at(5), 0, 60), "never read: read now");
        let last = at(5).timestamp();
        let reads = (6..=180)
            .step_by(2)
            .filter(|s| metric_read_due(at(*s), last, 60))
            .count();
        assert!(reads > 0);
        assert!(
            !metric_read_due(at(61), last, 60),
            "before the boundary's settle"
        );
        assert!(
            metric_read_due(at(62), last, 60),
            "just after the next boundary"
        );
        // After a read at 62, nothing until 122.
        let last = at(62).timestamp();
        assert!(!metric_read_due(at(90), last, 60));
        assert!(metric_read_due(at(122), last, 60));
    }

    #[test]
    fn backups_are_read_once_a_minute_and_retried_every_ten_seconds_after_a_failure() {
        let poll = std::time::Duration::from_secs(2);
        let due: Vec<u64> = (0..95)
            .filter(|r| backup_round_due(*r, poll, true))
            .collect();
        assert_eq!(due, vec![0, 30, 60, 90]);
        // After a failure: every 10 s, not at every 2 s tick.
        let retry: Vec<u64> = (0..21)
            .filter(|r| backup_round_due(*r, poll, false))
            .collect();
        assert_eq!(retry, vec![0, 5, 10, 15, 20]);
    }

    #[test]
    fn health_checks_are_read_in_us_east_1_only() {
        let env = Environment::builtin_default().unwrap();
        let east = metric_plan(&env, "us-east-1", 60);
        let west = metric_plan(&env, "us-west-2", 60);
        assert_eq!(
            east.iter().filter(|m| m.namespace == "AWS/Route53").count(),
            2
        );
        assert!(west.iter().all(|m| m.namespace != "AWS/Route53"));
        assert!(west.iter().any(|m| m.metric_name == "AuroraGlobalDBRPOLag"));
        assert!(west.iter().any(|m| m.metric_name == "ReplicaLag"));
    }

    #[test]
    fn replication_metrics_are_read_where_aws_publishes_them() {
        let env = Environment::builtin_default().unwrap();
        let east = metric_plan(&env, "us-east-1", 60);
        let west = metric_plan(&env, "us-west-2", 60);
        // DynamoDB: in the source Region, one per receiving Region.
        let ddb = |plan: &[MetricRequest], to: &str| {
            plan.iter().any(|m| {
                m.namespace == "AWS/DynamoDB"
                    && m.dimensions
                        .contains(&("ReceivingRegion".into(), to.into()))
            })
        };
        assert!(ddb(&east, "us-west-2") && ddb(&west, "us-east-1"));
        assert!(!ddb(&east, "us-east-1"), "no link into its own Region");
        // S3: the three metrics, in the source bucket's Region only.
        assert_eq!(east.iter().filter(|m| m.namespace == "AWS/S3").count(), 3);
        assert_eq!(west.iter().filter(|m| m.namespace == "AWS/S3").count(), 0);
    }
}
