//! Targeted, fresh reads for guards, waits, prompts and settling: exactly the
//! resources the probes name, read now through the provider (never the monitor's last
//! poll). Reads run concurrently; anything that does not answer is left out of the
//! facts, so the condition that needs it is unknown, never true.

use crate::config::Environment;
use crate::model::snapshot::RecoveryPointSeen;
use crate::model::snapshot::{AlarmStatus, HealthCheckStatus};
use crate::model::{ControlState, Verdict};
use crate::monitor::HEALTH_CHECK_REGION;
use crate::monitor::verdict::{RegionEvidence, verdict};
use crate::provider::{
    AlarmInfo, GlobalClusterInfo, MetricPoints, MetricRequest, Provider, ProviderError,
    RestoreJobInfo,
};
use crate::runbook::condition::{Facts, FailoverPhase, PointAge, Probe, RestoreJobSeen};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::task::JoinSet;

/// CloudWatch period for lag and health-check reads (the metrics' native resolution).
const METRIC_PERIOD_S: i32 = 60;
/// How far back a metric read looks for the latest datapoint.
const METRIC_LOOKBACK: chrono::Duration = chrono::Duration::minutes(5);
/// How far back "the recent maximum" replication latency looks (`wait_replication`).
const RECENT_MAX_LOOKBACK: chrono::Duration = chrono::Duration::minutes(15);

/// One answer from one concurrent read.
enum Answer {
    Alarms {
        region: String,
        result: Result<Vec<AlarmInfo>, ProviderError>,
    },
    Metrics {
        region: String,
        result: Result<Vec<MetricPoints>, ProviderError>,
    },
    Cluster {
        db: String,
        result: Result<Vec<GlobalClusterInfo>, ProviderError>,
    },
    Control {
        arn: String,
        state: Option<ControlState>,
    },
    Point {
        resource: String,
        /// The newest point's age and ARN.
        age: Option<(PointAge, Option<String>)>,
    },
    RestoreJob {
        id: String,
        seen: Result<RestoreJobSeen, String>,
    },
    DbInstance {
        id: String,
        seen: Result<Option<String>, String>,
    },
    DbCluster {
        id: String,
        seen: Result<Option<String>, String>,
    },
    Capacity {
        key: (String, crate::config::CapacityTarget),
        seen: Result<crate::provider::CapacityInfo, String>,
    },
    /// One Region's ListRestoreJobs, kept for the points asked about.
    RestoreList {
        points: Vec<String>,
        seen: Option<Vec<ListedJob>>,
    },
}

/// What the probes need, grouped into as few calls as possible.
#[derive(Default)]
struct Plan {
    /// Region → alarm names for one DescribeAlarms.
    alarms: BTreeMap<String, BTreeSet<String>>,
    /// Region → metric requests for one GetMetricData.
    metrics: BTreeMap<String, Vec<MetricRequest>>,
    /// Aurora database names whose global cluster is described.
    clusters: BTreeSet<String>,
    controls: BTreeSet<String>,
    /// Regions whose health verdict is wanted.
    health: BTreeSet<String>,
    /// `backups:` resources whose newest DR recovery point is wanted.
    points: BTreeSet<String>,
    /// (Region, restore job id) for DescribeRestoreJob.
    restore_jobs: BTreeSet<(String, String)>,
    /// Region → recovery points whose restore jobs are listed (one list per Region).
    restore_lists: BTreeMap<String, BTreeSet<String>>,
    /// (Region, DB instance id) for DescribeDBInstances.
    db_instances: BTreeSet<(String, String)>,
    /// (Region, DB cluster id) for DescribeDBClusters.
    db_clusters: BTreeSet<(String, String)>,
    /// (Region, group or service) for DescribeAutoScalingGroups / DescribeServices.
    capacity: Vec<(String, crate::config::CapacityTarget)>,
    /// (global table, receiving Region) whose latency from every source is read.
    table_latency: BTreeSet<(String, String)>,
    /// S3 replication names whose metrics are read.
    buckets: BTreeSet<String>,
    /// (global table, source Region) whose recent maximum latency is wanted.
    table_recent: BTreeSet<(String, String)>,
    /// Regions whose metric read looks back [`RECENT_MAX_LOOKBACK`].
    long_window: BTreeSet<String>,
}

fn metric(key: String, name: &str, dim: (&str, &str), stat: &str, ns: &str) -> MetricRequest {
    MetricRequest {
        key,
        namespace: ns.to_string(),
        metric_name: name.to_string(),
        dimensions: vec![(dim.0.to_string(), dim.1.to_string())],
        period_s: METRIC_PERIOD_S,
        stat: stat.to_string(),
    }
}

/// DynamoDB ReplicationLatency of one link, read in the source Region (where
/// DynamoDB publishes it; developer guide, "DynamoDB metrics and dimensions").
fn table_link_metric(t: &crate::config::GlobalTable, from: &str, to: &str) -> MetricRequest {
    MetricRequest {
        key: crate::monitor::table_link_key(&t.name, from, to),
        namespace: "AWS/DynamoDB".into(),
        metric_name: "ReplicationLatency".into(),
        dimensions: vec![
            ("TableName".into(), t.table.clone()),
            ("ReceivingRegion".into(), to.to_string()),
        ],
        period_s: METRIC_PERIOD_S,
        stat: "Maximum".into(),
    }
}

fn lag_key(rpo: bool, db: &str, region: &str) -> String {
    format!("{}|{db}|{region}", if rpo { "rpo" } else { "lag" })
}

fn hc_key(id: &str) -> String {
    format!("hc|{id}")
}

impl Plan {
    fn new(env: &Environment, probes: &[Probe]) -> Plan {
        let mut p = Plan::default();
        for probe in probes {
            match probe {
                Probe::RegionHealth { region } => {
                    let Some(r) = env.region(region) else {
                        continue;
                    };
                    p.health.insert(region.clone());
                    p.alarms
                        .entry(region.clone())
                        .or_default()
                        .extend(r.alarms.iter().cloned());
                    for id in &r.health_checks {
                        p.add_metric(
                            HEALTH_CHECK_REGION,
                            metric(
                                hc_key(id),
                                "HealthCheckStatus",
                                ("HealthCheckId", id),
                                "Minimum",
                                "AWS/Route53",
                            ),
                        );
                    }
                }
                Probe::Alarm { name, region } => {
                    p.alarms
                        .entry(region.clone())
                        .or_default()
                        .insert(name.clone());
                }
                Probe::Lag { database, region } | Probe::RpoLag { database, region } => {
                    let rpo = matches!(probe, Probe::RpoLag { .. });
                    p.add_lag(env, rpo, database, region);
                }
                Probe::Writer { database } | Probe::Failover { database } => {
                    p.clusters.insert(database.clone());
                }
                Probe::Control { arn } => {
                    p.controls.insert(arn.clone());
                }
                Probe::RecoveryPoint { resource } => {
                    p.points.insert(resource.clone());
                }
                Probe::RestoreJob { region, id } => {
                    p.restore_jobs.insert((region.clone(), id.clone()));
                }
                Probe::DbInstance { region, id } => {
                    p.db_instances.insert((region.clone(), id.clone()));
                }
                Probe::DbCluster { region, id } => {
                    p.db_clusters.insert((region.clone(), id.clone()));
                }
                Probe::TableLatency { table, to } => {
                    let Some(t) = env.global_table(table) else {
                        continue;
                    };
                    for from in t.regions.iter().filter(|r| *r != to) {
                        p.add_metric(from, table_link_metric(t, from, to));
                    }
                    p.table_latency.insert((table.clone(), to.clone()));
                }
                Probe::TableRecentMax { table, from } => {
                    let Some(t) = env.global_table(table) else {
                        continue;
                    };
                    for to in t.regions.iter().filter(|r| *r != from) {
                        p.add_metric(from, table_link_metric(t, from, to));
                    }
                    p.long_window.insert(from.clone());
                    p.table_recent.insert((table.clone(), from.clone()));
                }
                Probe::BucketReplication { rule } => {
                    let Some(b) = env.bucket_replication(rule) else {
                        continue;
                    };
                    for name in crate::monitor::poll::S3_METRICS {
                        p.add_metric(
                            &b.source_region,
                            MetricRequest {
                                key: crate::monitor::bucket_key(&b.name, name),
                                namespace: "AWS/S3".into(),
                                metric_name: name.into(),
                                dimensions: vec![
                                    ("SourceBucket".into(), b.source_bucket.clone()),
                                    ("DestinationBucket".into(), b.destination_bucket.clone()),
                                    ("RuleId".into(), b.rule_id.clone()),
                                ],
                                period_s: METRIC_PERIOD_S,
                                stat: "Maximum".into(),
                            },
                        );
                    }
                    p.buckets.insert(rule.clone());
                }
                Probe::Capacity { region, target } => {
                    let key = (region.clone(), target.clone());
                    if !p.capacity.contains(&key) {
                        p.capacity.push(key);
                    }
                }
                Probe::RestoreJobsOf { region, point } => {
                    p.restore_lists
                        .entry(region.clone())
                        .or_default()
                        .insert(point.clone());
                }
            }
        }
        p
    }

    fn add_metric(&mut self, region: &str, m: MetricRequest) {
        let list = self.metrics.entry(region.to_string()).or_default();
        if !list.iter().any(|x| x.key == m.key) {
            list.push(m);
        }
    }

    fn add_lag(&mut self, env: &Environment, rpo: bool, db: &str, region: &str) {
        let key = lag_key(rpo, db, region);
        if let Some(d) = env.aurora(db) {
            let Some(m) = d.members.iter().find(|m| m.region == region) else {
                return;
            };
            let name = if rpo {
                "AuroraGlobalDBRPOLag"
            } else {
                "AuroraGlobalDBReplicationLag"
            };
            let dim = ("DBClusterIdentifier", m.cluster_id());
            self.add_metric(region, metric(key, name, dim, "Maximum", "AWS/RDS"));
        } else if let Some(pair) = env.replicas.iter().find(|p| p.name == db) {
            // An RDS replica has one lag metric (seconds); it serves both vocabularies.
            let dim = ("DBInstanceIdentifier", pair.replica.instance_id.as_str());
            self.add_metric(
                &pair.replica.region,
                metric(key, "ReplicaLag", dim, "Maximum", "AWS/RDS"),
            );
        }
    }
}

/// A datapoint's value while its sample time (the period it describes) is within
/// max(3 periods, 3 minutes) of `now`; older, it is unknown and fails the guard that
/// needs it (issue 8 §3; AWS-FACTS.md: a metric's age is part of its meaning).
fn young(point: Option<&(DateTime<Utc>, f64)>, now: DateTime<Utc>) -> Option<f64> {
    let (at, v) = point?;
    (now - *at <= crate::monitor::metric_freshness(METRIC_PERIOD_S)).then_some(*v)
}

/// Reads every probe now and returns what could be read.
pub async fn read(
    provider: &Arc<Provider>,
    env: &Arc<Environment>,
    probes: &[Probe],
    now: DateTime<Utc>,
) -> Facts {
    let started = std::time::Instant::now();
    let plan = Plan::new(env, probes);
    let mut tasks: JoinSet<Answer> = JoinSet::new();
    for (region, names) in &plan.alarms {
        let (p, region, names) = (provider.clone(), region.clone(), names.clone());
        tasks.spawn(async move {
            let names: Vec<String> = names.into_iter().collect();
            let result = p.describe_alarms(&region, &names).await;
            Answer::Alarms { region, result }
        });
    }
    for (region, reqs) in &plan.metrics {
        let (p, region, reqs) = (provider.clone(), region.clone(), reqs.clone());
        let start = now
            - if plan.long_window.contains(&region) {
                RECENT_MAX_LOOKBACK
            } else {
                METRIC_LOOKBACK
            };
        let end = now + chrono::Duration::seconds(i64::from(METRIC_PERIOD_S));
        tasks.spawn(async move {
            let result = p.get_metric_data(&region, &reqs, start, end).await;
            Answer::Metrics { region, result }
        });
    }
    for db in &plan.clusters {
        let Some(d) = env.aurora(db) else { continue };
        let (p, db) = (provider.clone(), db.clone());
        let (id, regions): (String, Vec<String>) = (
            d.global_cluster_id.clone(),
            d.members.iter().map(|m| m.region.clone()).collect(),
        );
        tasks.spawn(async move {
            let result = first_cluster_answer(p, id, regions).await;
            Answer::Cluster { db, result }
        });
    }
    for arn in &plan.controls {
        let (p, arn) = (provider.clone(), arn.clone());
        tasks.spawn(async move {
            let state = p
                .get_routing_control_state(&arn)
                .await
                .ok()
                .and_then(|a| a.value.state);
            Answer::Control { arn, state }
        });
    }
    for resource in &plan.points {
        let Some(b) = env.backup(resource).cloned() else {
            continue;
        };
        let (p, resource) = (provider.clone(), resource.clone());
        tasks.spawn(async move {
            let age = point_age(&p, &b, now).await;
            Answer::Point { resource, age }
        });
    }
    for (region, id) in &plan.restore_jobs {
        let (p, region, id) = (provider.clone(), region.clone(), id.clone());
        tasks.spawn(async move {
            let seen = p
                .describe_restore_job(&region, &id)
                .await
                .map(restore_job_seen)
                .map_err(|e| e.to_string());
            Answer::RestoreJob { id, seen }
        });
    }
    for (region, id) in &plan.db_instances {
        let (p, region, id) = (provider.clone(), region.clone(), id.clone());
        tasks.spawn(async move {
            let seen = instance_status(&p, &region, &id).await;
            Answer::DbInstance { id, seen }
        });
    }
    for (region, id) in &plan.db_clusters {
        let (p, region, id) = (provider.clone(), region.clone(), id.clone());
        tasks.spawn(async move {
            let seen = cluster_status(&p, &region, &id).await;
            Answer::DbCluster { id, seen }
        });
    }
    for key in &plan.capacity {
        let (p, key) = (provider.clone(), key.clone());
        tasks.spawn(async move {
            let seen = p
                .read_capacity(&key.0, &key.1)
                .await
                .map_err(|e| e.to_string());
            Answer::Capacity { key, seen }
        });
    }
    for (region, points) in &plan.restore_lists {
        let (p, region) = (provider.clone(), region.clone());
        let points: Vec<String> = points.iter().cloned().collect();
        tasks.spawn(async move {
            let seen = p
                .list_restore_jobs(&region)
                .await
                .ok()
                .map(|l| l.into_iter().map(seen_job).collect());
            Answer::RestoreList { points, seen }
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        // A read task that panicked leaves its facts unknown.
        if let Ok(a) = joined {
            answers.push(a);
        }
    }
    tracing::debug!(
        probes = probes.len(),
        ms = started.elapsed().as_millis() as u64,
        "fresh read"
    );
    facts_from(env, &plan, answers, now)
}

/// A DB instance's status: `Ok(None)` when RDS answers that it does not exist (known,
/// not unknown), `Err` when it could not be read.
pub(super) async fn instance_status(
    p: &Arc<Provider>,
    region: &str,
    id: &str,
) -> Result<Option<String>, String> {
    match p.describe_db_instance(region, id).await {
        Ok(i) => Ok(Some(i.status.unwrap_or_else(|| "status unknown".into()))),
        Err(ProviderError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// A DB cluster's status, as [`instance_status`].
pub(super) async fn cluster_status(
    p: &Arc<Provider>,
    region: &str,
    id: &str,
) -> Result<Option<String>, String> {
    match p.describe_db_cluster_status(region, id).await {
        Ok(s) => Ok(Some(s.unwrap_or_else(|| "status unknown".into()))),
        Err(ProviderError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// A restore job as the engine sees it, with the point it restores (for lists).
struct ListedJob {
    recovery_point: Option<String>,
    job: RestoreJobSeen,
}

fn seen_job(j: RestoreJobInfo) -> ListedJob {
    ListedJob {
        recovery_point: j.recovery_point_arn.clone(),
        job: restore_job_seen(j),
    }
}

pub(super) fn restore_job_seen(j: RestoreJobInfo) -> RestoreJobSeen {
    RestoreJobSeen {
        id: j.id,
        status: j.status,
        percent_done: j.percent_done,
        status_message: j.status_message,
        created_resource_arn: j.created_resource_arn,
    }
}

/// The newest usable point of `b` in its DR vault, with its backup time from the
/// source Region when that answers. `Err` when the DR vault cannot be read.
pub(crate) async fn newest_point(
    p: &Arc<Provider>,
    b: &crate::config::ProtectedResource,
) -> Result<Option<RecoveryPointSeen>, ProviderError> {
    let dr = p.list_vault_recovery_points(&b.dr_region, &b.vault, &b.resource_arn);
    let source = async {
        let jobs = p.list_copy_jobs(&b.source_region, &b.resource_arn).await?;
        let points = p
            .list_resource_recovery_points(&b.source_region, &b.resource_arn)
            .await?;
        Ok::<_, ProviderError>(crate::monitor::copy_sources(&jobs, &points))
    };
    let (dr, source) = tokio::join!(dr, source);
    let sources = source.unwrap_or_default();
    Ok(crate::monitor::newest_usable(&dr?, |arn| {
        sources.iter().find(|(d, _)| d == arn).map(|(_, at)| *at)
    }))
}

/// The newest DR point's age now: the DR vault and the source Region are read at
/// once; the source only makes the age exact (a dark source leaves a lower bound).
/// `None` when the DR vault cannot be read.
async fn point_age(
    p: &Arc<Provider>,
    b: &crate::config::ProtectedResource,
    now: DateTime<Utc>,
) -> Option<(PointAge, Option<String>)> {
    let newest = newest_point(p, b).await.ok()?;
    Some(match newest {
        None => (
            PointAge {
                age_s: None,
                exact: true,
            },
            None,
        ),
        Some(n) => (
            PointAge {
                age_s: Some((crate::monitor::aws_now(now) - n.backup_time).num_seconds()),
                exact: n.backup_time_known,
            },
            Some(n.arn),
        ),
    })
}

/// A global cluster is described the same from every member Region: ask them all at
/// once and take the first that answers, so a dark Region costs nothing.
pub(super) async fn first_cluster_answer(
    p: Arc<Provider>,
    id: String,
    regions: Vec<String>,
) -> Result<Vec<GlobalClusterInfo>, ProviderError> {
    let mut set = JoinSet::new();
    for region in regions {
        let (p, id) = (p.clone(), id.clone());
        set.spawn(async move { p.describe_global_clusters(&region, Some(&id)).await });
    }
    let mut last = Err(ProviderError::NotConfigured(format!(
        "{id} has no member Region"
    )));
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(list)) if list.iter().any(|g| g.id == id) => {
                // Dropping the set aborts the reads still waiting on a dark Region.
                return Ok(list);
            }
            Ok(other) => last = other,
            Err(_) => {}
        }
    }
    last
}

fn facts_from(env: &Environment, plan: &Plan, answers: Vec<Answer>, now: DateTime<Utc>) -> Facts {
    let mut f = Facts::default();
    let mut alarms: BTreeMap<String, Result<Vec<AlarmInfo>, String>> = BTreeMap::new();
    let mut metrics: BTreeMap<String, Result<Vec<MetricPoints>, String>> = BTreeMap::new();
    // Per database, the first member Region's answer.
    let mut clusters: BTreeMap<String, GlobalClusterInfo> = BTreeMap::new();
    for a in answers {
        match a {
            Answer::Alarms { region, result } => {
                alarms.insert(region, result.map_err(|e| e.to_string()));
            }
            Answer::Metrics { region, result } => {
                metrics.insert(region, result.map_err(|e| e.to_string()));
            }
            Answer::Cluster { db, result } => {
                let id = env.aurora(&db).map(|d| d.global_cluster_id.clone());
                if let Ok(list) = result
                    && let Some(g) = list.into_iter().find(|g| Some(&g.id) == id.as_ref())
                {
                    clusters.insert(db, g);
                }
            }
            Answer::Control { arn, state } => {
                if let Some(s) = state {
                    f.controls.insert(arn, s);
                }
            }
            Answer::Point { resource, age } => {
                if let Some((a, arn)) = age {
                    if let Some(arn) = arn {
                        f.recovery_point_arns.insert(resource.clone(), arn);
                    }
                    f.recovery_points.insert(resource, a);
                }
            }
            Answer::RestoreJob { id, seen } => match seen {
                Ok(j) => {
                    f.restore_jobs.insert(id, j);
                }
                Err(e) => {
                    f.restore_job_errors.insert(id, e);
                }
            },
            Answer::DbInstance { id, seen } => match seen {
                Ok(s) => {
                    f.db_instances.insert(id, s);
                }
                Err(e) => {
                    f.db_instance_errors.insert(id, e);
                }
            },
            Answer::DbCluster { id, seen } => match seen {
                Ok(s) => {
                    f.db_clusters.insert(id, s);
                }
                Err(e) => {
                    f.db_cluster_errors.insert(id, e);
                }
            },
            Answer::Capacity { key, seen } => match seen {
                Ok(c) => {
                    f.capacity.insert(key, c);
                }
                Err(e) => {
                    f.capacity_errors.insert(key, e);
                }
            },
            Answer::RestoreList { points, seen } => {
                let Some(jobs) = seen else { continue };
                for point in points {
                    let of: Vec<RestoreJobSeen> = jobs
                        .iter()
                        .filter(|j| j.recovery_point.as_deref() == Some(point.as_str()))
                        .map(|j| j.job.clone())
                        .collect();
                    f.restore_jobs_of.insert(point, of);
                }
            }
        }
    }
    let latest = |region: &str, key: &str| -> Option<f64> {
        let list = metrics.get(region)?.as_ref().ok()?;
        let m = list.iter().find(|m| m.key == key)?;
        young(m.points.last(), now)
    };
    let sampled = |region: &str, key: &str| -> Option<DateTime<Utc>> {
        let list = metrics.get(region)?.as_ref().ok()?;
        list.iter()
            .find(|m| m.key == key)?
            .points
            .last()
            .map(|p| p.0)
    };
    for (region, reqs) in &plan.metrics {
        for r in reqs {
            let mut parts = r.key.splitn(3, '|');
            let (Some(kind), Some(db), Some(probe_region)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Some(v) = latest(region, &r.key) else {
                continue;
            };
            let key = (db.to_string(), probe_region.to_string());
            match (kind, r.metric_name.as_str()) {
                // ReplicaLag is seconds; -1 means replication is not running: not "low lag".
                (_, "ReplicaLag") if v < 0.0 => {}
                ("lag", "ReplicaLag") | ("rpo", "ReplicaLag") => {
                    let map = if kind == "rpo" {
                        &mut f.rpo_lag_ms
                    } else {
                        &mut f.lag_ms
                    };
                    map.insert(key, v * 1000.0);
                }
                ("lag", _) => {
                    f.lag_ms.insert(key, v);
                }
                ("rpo", _) => {
                    if let Some(at) = sampled(region, &r.key) {
                        f.rpo_lag_at.insert(key.clone(), at);
                    }
                    f.rpo_lag_ms.insert(key, v);
                }
                _ => {}
            }
        }
    }
    for (table, to) in &plan.table_latency {
        let Some(t) = env.global_table(table) else {
            continue;
        };
        // Every source must answer: a dark source's latency is unknown, not zero.
        let each: Option<Vec<f64>> = t
            .regions
            .iter()
            .filter(|r| *r != to)
            .map(|from| latest(from, &crate::monitor::table_link_key(&t.name, from, to)))
            .collect();
        if let Some(max) = each.and_then(|v| v.into_iter().reduce(f64::max)) {
            f.table_latency_ms.insert((table.clone(), to.clone()), max);
        }
    }
    for (table, from) in &plan.table_recent {
        let Some(t) = env.global_table(table) else {
            continue;
        };
        // Every link out of `from` must have been read with at least one datapoint.
        let each: Option<Vec<f64>> = t
            .regions
            .iter()
            .filter(|r| *r != from)
            .map(|to| {
                let key = crate::monitor::table_link_key(&t.name, from, to);
                let list = metrics.get(from.as_str())?.as_ref().ok()?;
                let m = list.iter().find(|m| m.key == key)?;
                m.points.iter().map(|p| p.1).reduce(f64::max)
            })
            .collect();
        if let Some(max) = each.and_then(|v| v.into_iter().reduce(f64::max)) {
            f.table_recent_max_ms
                .insert((table.clone(), from.clone()), max);
        }
    }
    for rule in &plan.buckets {
        let Some(b) = env.bucket_replication(rule) else {
            continue;
        };
        let [lat, ops, bytes] = crate::monitor::poll::S3_METRICS
            .map(|m| latest(&b.source_region, &crate::monitor::bucket_key(&b.name, m)));
        if let (Some(lat), Some(ops), Some(bytes)) = (lat, ops, bytes) {
            f.bucket_replication.insert(rule.clone(), (lat, ops, bytes));
        }
    }
    for (region, wanted) in &plan.alarms {
        let Some(Ok(list)) = alarms.get(region) else {
            continue;
        };
        for name in wanted {
            if let Some(state) = list.iter().find(|a| &a.name == name).and_then(|a| a.state) {
                f.alarms.insert(name.clone(), state);
            }
        }
    }
    for region in &plan.health {
        if let Some(v) = region_verdict(env, region, &alarms, &metrics, now) {
            f.region_health.insert(region.clone(), v);
        }
    }
    for (db, g) in clusters {
        let Some(d) = env.aurora(&db) else { continue };
        if let Some(w) = g.members.iter().find(|m| m.is_writer == Some(true)) {
            let region = d
                .members
                .iter()
                .find(|m| m.cluster_arn == w.cluster_arn)
                .map(|m| m.region.clone())
                .or_else(|| w.cluster_arn.split(':').nth(3).map(str::to_string));
            if let Some(r) = region {
                f.writer.insert(db.clone(), r);
            }
        }
        let status = g.failover.as_ref().map(|fo| fo.status.as_str());
        f.failover
            .insert(db.clone(), FailoverPhase::from_aws(status));
    }
    f
}

/// The monitor's verdict rules over a fresh read: the Region's alarms must answer;
/// health checks (read in us-east-1) that do not answer are noted, not failed.
fn region_verdict(
    env: &Environment,
    region: &str,
    alarms: &BTreeMap<String, Result<Vec<AlarmInfo>, String>>,
    metrics: &BTreeMap<String, Result<Vec<MetricPoints>, String>>,
    now: DateTime<Utc>,
) -> Option<Verdict> {
    let r = env.region(region)?;
    let read = alarms.get(region);
    let list = match read {
        Some(Ok(list)) => list,
        _ => return None,
    };
    let statuses: Vec<AlarmStatus> = r
        .alarms
        .iter()
        .map(|name| {
            let found = list.iter().find(|a| &a.name == name);
            AlarmStatus {
                name: name.clone(),
                state: found.and_then(|a| a.state),
                reason: found.and_then(|a| a.reason.clone()),
            }
        })
        .collect();
    let hc = metrics
        .get(HEALTH_CHECK_REGION)
        .and_then(|m| m.as_ref().ok());
    let checks: Vec<HealthCheckStatus> = r
        .health_checks
        .iter()
        .map(|id| HealthCheckStatus {
            id: id.clone(),
            healthy: hc.and_then(|list| {
                list.iter()
                    .find(|m| m.key == hc_key(id))
                    .and_then(|m| young(m.points.last(), now))
                    .map(|v| v >= 1.0)
            }),
        })
        .collect();
    let evidence = RegionEvidence {
        region,
        fresh: true,
        last_seen: Some(now),
        unreachable_since: None,
        last_error: None,
        alarms: &statuses,
        health_checks: &checks,
        health_checks_known: hc.is_some(),
    };
    match verdict(&evidence).0 {
        Verdict::Unknown => None,
        v => Some(v),
    }
}

#[cfg(test)]
mod tests;
