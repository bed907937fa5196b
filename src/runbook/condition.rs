//! The typed condition vocabulary, resolved against the environment, and its
//! evaluation over [`Facts`] read fresh from the world. A fact that could not be read
//! makes the condition *unknown*, never true.

use crate::model::{AlarmState, ControlState, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// What an Aurora global cluster's FailoverState says. AWS documents `pending`,
/// `failing-over`, `cancelling` and `switching-over` (AWS-FACTS.md; RDS API reference,
/// FailoverState — older SDK docs list only the first three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailoverPhase {
    /// No switchover or failover in progress (FailoverState empty).
    Idle,
    Pending,
    FailingOver,
    Cancelling,
    /// A planned switchover is running.
    SwitchingOver,
    /// A status word this console does not know: some operation is in progress, so it
    /// is never read as idle.
    Unrecognised,
}

impl FailoverPhase {
    /// A word of the runbook vocabulary (`idle` and the AWS status words).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "idle" => Some(Self::Idle),
            "pending" => Some(Self::Pending),
            "failing-over" => Some(Self::FailingOver),
            "cancelling" => Some(Self::Cancelling),
            "switching-over" => Some(Self::SwitchingOver),
            _ => None,
        }
    }

    /// FailoverState.Status as AWS sent it (None = FailoverState empty). A word this
    /// console does not know means an operation is in progress, never idle.
    pub fn from_aws(status: Option<&str>) -> Self {
        match status.map(str::trim) {
            None | Some("") => Self::Idle,
            // "idle" is our word, not AWS's: from AWS it is unknown, so in progress.
            Some("idle") => Self::Unrecognised,
            Some(word) => Self::parse(word).unwrap_or(Self::Unrecognised),
        }
    }

    /// Any phase but idle: a switchover or failover is running.
    pub fn in_progress(self) -> bool {
        self != Self::Idle
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Pending => "pending",
            Self::FailingOver => "failing-over",
            Self::Cancelling => "cancelling",
            Self::SwitchingOver => "switching-over",
            Self::Unrecognised => "in progress (unrecognised status)",
        }
    }
}

/// A resolved condition: every name has been checked against the environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    RegionHealth {
        region: String,
        verdict: Verdict,
        negated: bool,
    },
    /// Aurora AuroraGlobalDBReplicationLag, or RDS ReplicaLag (converted to ms).
    ReplicationLag {
        database: String,
        region: String,
        below_ms: u64,
    },
    RpoLag {
        database: String,
        region: String,
        below_ms: u64,
    },
    WriterRegion {
        database: String,
        region: String,
    },
    FailoverState {
        database: String,
        phase: FailoverPhase,
    },
    RoutingControl {
        control: String,
        arn: String,
        state: ControlState,
    },
    Alarm {
        name: String,
        region: String,
        state: AlarmState,
    },
    /// The newest COMPLETED recovery point of a `backups:` resource in its DR vault is
    /// younger than this. Its age is from the source point's backup time; when only a
    /// lower bound is known (a copy whose source Region cannot be read), a bound
    /// within the limit is unknown, never true.
    RecoveryPointAge {
        resource: String,
        below_s: u64,
    },
    /// The restore job a `restore_backup` step of this run started has this status.
    /// `job` is bound by the engine from the run's record; unbound (the step has not
    /// started one), the condition is unknown.
    RestoreJob {
        step: String,
        region: String,
        is: String,
        #[serde(default)]
        job: Option<String>,
    },
    /// At least this many instances or tasks of a `capacity:` group serve (ASG:
    /// InService and Healthy; ECS: runningCount).
    Capacity {
        /// The environment's `capacity:` name.
        group: String,
        region: String,
        target: crate::config::CapacityTarget,
        at_least: u32,
    },
    /// DynamoDB ReplicationLatency into `region` from every other replica Region of
    /// a global table is below this; unknown if any source cannot be read.
    DynamodbReplication {
        table: String,
        region: String,
        below_ms: u64,
    },
    /// An S3 replication rule's metrics are below the limits given.
    S3Replication {
        rule: String,
        latency_below_s: Option<u64>,
        pending_operations_below: Option<u64>,
        pending_bytes_below: Option<u64>,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// One thing to read fresh so a condition can be judged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    RegionHealth {
        region: String,
    },
    Lag {
        database: String,
        region: String,
    },
    RpoLag {
        database: String,
        region: String,
    },
    Writer {
        database: String,
    },
    Failover {
        database: String,
    },
    Control {
        arn: String,
    },
    Alarm {
        name: String,
        region: String,
    },
    RecoveryPoint {
        resource: String,
    },
    /// One restore job (DescribeRestoreJob in the vault's Region).
    RestoreJob {
        region: String,
        id: String,
    },
    /// The restore jobs of one recovery point (ListRestoreJobs in its Region).
    RestoreJobsOf {
        region: String,
        point: String,
    },
    /// One DB instance by identifier (DescribeDBInstances in its Region).
    DbInstance {
        region: String,
        id: String,
    },
    /// One DB cluster by identifier (DescribeDBClusters in its Region).
    DbCluster {
        region: String,
        id: String,
    },
    /// A global table's ReplicationLatency into `to` (read in each other Region).
    TableLatency {
        table: String,
        to: String,
    },
    /// The largest ReplicationLatency out of `from` to any other replica Region of a
    /// global table over the last 15 minutes (read in `from`).
    TableRecentMax {
        table: String,
        from: String,
    },
    /// An S3 replication rule's three metrics (read in its source Region).
    BucketReplication {
        rule: String,
    },
    /// One Auto Scaling group or ECS service (DescribeAutoScalingGroups /
    /// DescribeServices in its Region).
    Capacity {
        region: String,
        target: crate::config::CapacityTarget,
    },
}

/// A restore job as a fresh read showed it, status words as AWS Backup sends them
/// (DescribeRestoreJob, API reference: `PENDING | RUNNING | COMPLETED | ABORTED |
/// FAILED`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreJobSeen {
    pub id: String,
    pub status: Option<String>,
    pub percent_done: Option<String>,
    pub status_message: Option<String>,
    pub created_resource_arn: Option<String>,
}

/// What a fresh read says about a protected resource's newest DR recovery point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointAge {
    /// `None`: the DR vault was read and holds no COMPLETED point of the resource.
    pub age_s: Option<i64>,
    /// False when `age_s` is only a lower bound (the copy's own CreationDate).
    pub exact: bool,
}

/// Fresh readings. A missing entry means "could not be read": the condition is unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub region_health: HashMap<String, Verdict>,
    /// (database, region) → ms
    pub lag_ms: HashMap<(String, String), f64>,
    /// (database, region) → ms
    pub rpo_lag_ms: HashMap<(String, String), f64>,
    /// (database, region) → the sample time of the RPO lag (the CloudWatch period it
    /// describes), when known.
    pub rpo_lag_at: HashMap<(String, String), chrono::DateTime<chrono::Utc>>,
    pub writer: HashMap<String, String>,
    pub failover: HashMap<String, FailoverPhase>,
    /// By control ARN.
    pub controls: HashMap<String, ControlState>,
    pub alarms: HashMap<String, AlarmState>,
    /// By `backups:` resource name.
    pub recovery_points: HashMap<String, PointAge>,
    /// By `backups:` resource name: the ARN of that newest point.
    pub recovery_point_arns: HashMap<String, String>,
    /// By restore job id.
    pub restore_jobs: HashMap<String, RestoreJobSeen>,
    /// By restore job id: why DescribeRestoreJob failed (for the operator's words;
    /// the job's status stays unknown).
    pub restore_job_errors: HashMap<String, String>,
    /// By DB instance identifier (from a `DbInstance` probe): `Some(status)` when it
    /// exists, `None` when RDS says it does not (DBInstanceNotFound).
    pub db_instances: HashMap<String, Option<String>>,
    /// By DB instance identifier: why it could not be read.
    pub db_instance_errors: HashMap<String, String>,
    /// By DB cluster identifier, as `db_instances`.
    pub db_clusters: HashMap<String, Option<String>>,
    pub db_cluster_errors: HashMap<String, String>,
    /// By recovery point ARN: every restore job of it the list showed.
    pub restore_jobs_of: HashMap<String, Vec<RestoreJobSeen>>,
    /// By (Region, group or service): its capacity as read.
    pub capacity: HashMap<(String, crate::config::CapacityTarget), crate::provider::CapacityInfo>,
    /// By (Region, group or service): why it could not be read.
    pub capacity_errors: HashMap<(String, crate::config::CapacityTarget), String>,
    /// By (global table name, receiving Region): the largest ReplicationLatency into
    /// it, ms, present only when every source Region's metric was read.
    pub table_latency_ms: HashMap<(String, String), f64>,
    /// By (global table name, source Region): the largest ReplicationLatency out of
    /// it in the last 15 minutes, ms, present only when every link was read.
    pub table_recent_max_ms: HashMap<(String, String), f64>,
    /// By S3 replication name: (latency s, operations pending, bytes pending).
    pub bucket_replication: HashMap<String, (f64, f64, f64)>,
}

impl Condition {
    /// This condition with each `restore_job` bound to the job its step started
    /// (`jobs`: step id → restore job id).
    pub fn bind_restore_jobs(&self, jobs: &dyn Fn(&str) -> Option<String>) -> Condition {
        match self {
            Condition::RestoreJob {
                step, region, is, ..
            } => Condition::RestoreJob {
                step: step.clone(),
                region: region.clone(),
                is: is.clone(),
                job: jobs(step),
            },
            Condition::All(cs) => {
                Condition::All(cs.iter().map(|c| c.bind_restore_jobs(jobs)).collect())
            }
            Condition::Any(cs) => {
                Condition::Any(cs.iter().map(|c| c.bind_restore_jobs(jobs)).collect())
            }
            Condition::Not(c) => Condition::Not(Box::new(c.bind_restore_jobs(jobs))),
            other => other.clone(),
        }
    }
}

impl Facts {
    /// Fills facts from a monitor snapshot. The engine asks for *fresh* reads; use this
    /// only on a snapshot produced by a targeted read made for that purpose.
    pub fn from_snapshot(s: &crate::model::snapshot::Snapshot) -> Self {
        let mut f = Facts::default();
        for r in &s.regions {
            if !r.stale && r.verdict != Verdict::Unknown {
                f.region_health.insert(r.name.clone(), r.verdict);
            }
            for a in &r.alarms {
                if let (false, Some(st)) = (r.stale, a.state) {
                    f.alarms.insert(a.name.clone(), st);
                }
            }
        }
        for d in s.databases.iter().filter(|d| !d.stale) {
            if let Some(w) = &d.writer_region {
                f.writer.insert(d.name.clone(), w.clone());
            }
            if d.observed_at.is_some() {
                let status = d.failover.as_ref().map(|fs| fs.status.as_str());
                f.failover
                    .insert(d.name.clone(), FailoverPhase::from_aws(status));
            }
            for m in &d.members {
                if let Some(l) = m.lag_ms {
                    f.lag_ms.insert((d.name.clone(), m.region.clone()), l);
                }
                if let Some(l) = m.rpo_lag_ms {
                    f.rpo_lag_ms.insert((d.name.clone(), m.region.clone()), l);
                }
            }
        }
        for r in s.replicas.iter().filter(|r| !r.stale) {
            // ReplicaLag is seconds; -1 means replication is inactive, which is not "low lag".
            if let Some(l) = r.lag_s.filter(|l| *l >= 0.0) {
                f.lag_ms
                    .insert((r.name.clone(), r.replica_region.clone()), l * 1000.0);
            }
        }
        for c in s.controls.iter().filter(|c| !c.stale) {
            if let Some(st) = c.state {
                f.controls.insert(c.arn.clone(), st);
            }
        }
        f
    }
}

/// The verdict on a condition: `holds` is `None` when a needed fact is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    pub holds: Option<bool>,
    /// Plain words, e.g. "replication lag orders/us-west-2 is 1800 ms (needs < 5000 ms)".
    pub why: String,
}

impl Truth {
    fn known(holds: bool, why: String) -> Self {
        Truth {
            holds: Some(holds),
            why,
        }
    }
    fn unknown(why: String) -> Self {
        Truth { holds: None, why }
    }
}

impl Condition {
    /// Everything that must be read to judge this condition.
    pub fn probes(&self, out: &mut Vec<Probe>) {
        let p = match self {
            Condition::RegionHealth { region, .. } => Probe::RegionHealth {
                region: region.clone(),
            },
            Condition::ReplicationLag {
                database, region, ..
            } => Probe::Lag {
                database: database.clone(),
                region: region.clone(),
            },
            Condition::RpoLag {
                database, region, ..
            } => Probe::RpoLag {
                database: database.clone(),
                region: region.clone(),
            },
            Condition::WriterRegion { database, .. } => Probe::Writer {
                database: database.clone(),
            },
            Condition::FailoverState { database, .. } => Probe::Failover {
                database: database.clone(),
            },
            Condition::RoutingControl { arn, .. } => Probe::Control { arn: arn.clone() },
            Condition::Alarm { name, region, .. } => Probe::Alarm {
                name: name.clone(),
                region: region.clone(),
            },
            Condition::RecoveryPointAge { resource, .. } => Probe::RecoveryPoint {
                resource: resource.clone(),
            },
            Condition::RestoreJob {
                region,
                job: Some(id),
                ..
            } => Probe::RestoreJob {
                region: region.clone(),
                id: id.clone(),
            },
            Condition::RestoreJob { job: None, .. } => return,
            Condition::DynamodbReplication { table, region, .. } => Probe::TableLatency {
                table: table.clone(),
                to: region.clone(),
            },
            Condition::S3Replication { rule, .. } => {
                Probe::BucketReplication { rule: rule.clone() }
            }
            Condition::Capacity { region, target, .. } => Probe::Capacity {
                region: region.clone(),
                target: target.clone(),
            },
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().for_each(|c| c.probes(out));
                return;
            }
            Condition::Not(c) => return c.probes(out),
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }

    pub fn evaluate(&self, f: &Facts) -> Truth {
        match self {
            Condition::RegionHealth {
                region,
                verdict,
                negated,
            } => {
                let want = if *negated { "is not" } else { "is" };
                match f.region_health.get(region) {
                    Some(v) => Truth::known(
                        (v == verdict) != *negated,
                        format!("{region} is {v} (needs: {want} {verdict})"),
                    ),
                    None => Truth::unknown(format!("health of {region} is unknown")),
                }
            }
            Condition::ReplicationLag {
                database,
                region,
                below_ms,
            } => lag(
                f.lag_ms.get(&(database.clone(), region.clone())),
                "replication lag",
                database,
                region,
                *below_ms,
            ),
            Condition::RpoLag {
                database,
                region,
                below_ms,
            } => lag(
                f.rpo_lag_ms.get(&(database.clone(), region.clone())),
                "RPO lag",
                database,
                region,
                *below_ms,
            ),
            Condition::WriterRegion { database, region } => match f.writer.get(database) {
                Some(w) => Truth::known(
                    w == region,
                    format!("writer of {database} is in {w} (needs {region})"),
                ),
                None => Truth::unknown(format!("writer Region of {database} is unknown")),
            },
            Condition::FailoverState { database, phase } => match f.failover.get(database) {
                Some(p) => Truth::known(
                    p == phase,
                    format!(
                        "failover state of {database} is {} (needs {})",
                        p.as_str(),
                        phase.as_str()
                    ),
                ),
                None => Truth::unknown(format!("failover state of {database} is unknown")),
            },
            Condition::RoutingControl {
                control,
                arn,
                state,
            } => match f.controls.get(arn) {
                Some(s) => Truth::known(
                    s == state,
                    format!("routing control {control} is {s} (needs {state})"),
                ),
                None => Truth::unknown(format!("routing control {control} is unknown")),
            },
            Condition::Alarm {
                name,
                region,
                state,
            } => match f.alarms.get(name) {
                Some(s) => Truth::known(
                    s == state,
                    format!("alarm {name} ({region}) is {s} (needs {state})"),
                ),
                None => Truth::unknown(format!("alarm {name} ({region}) is unknown")),
            },
            Condition::RecoveryPointAge { resource, below_s } => {
                point_age(f.recovery_points.get(resource), resource, *below_s)
            }
            Condition::DynamodbReplication {
                table,
                region,
                below_ms,
            } => match f.table_latency_ms.get(&(table.clone(), region.clone())) {
                Some(v) => Truth::known(
                    *v < *below_ms as f64,
                    format!(
                        "DynamoDB replication latency of {table} into {region} is {v:.0} ms \
                         (needs < {below_ms} ms)"
                    ),
                ),
                None => Truth::unknown(format!(
                    "DynamoDB replication latency of {table} into {region} is unknown (a \
                     source Region's metric could not be read)"
                )),
            },
            Condition::S3Replication {
                rule,
                latency_below_s,
                pending_operations_below,
                pending_bytes_below,
            } => match f.bucket_replication.get(rule) {
                Some((lat, ops, bytes)) => {
                    let mut ok = true;
                    let mut said = Vec::new();
                    for (v, limit, what) in [
                        (lat, latency_below_s, "latency s"),
                        (ops, pending_operations_below, "operations pending"),
                        (bytes, pending_bytes_below, "bytes pending"),
                    ] {
                        if let Some(l) = limit {
                            ok &= *v < *l as f64;
                            said.push(format!("{what} {v:.0} (needs < {l})"));
                        }
                    }
                    Truth::known(ok, format!("S3 replication {rule}: {}", said.join(", ")))
                }
                None => Truth::unknown(format!("S3 replication {rule} is unknown")),
            },
            Condition::Capacity {
                group,
                region,
                target,
                at_least,
            } => {
                let key = (region.clone(), target.clone());
                match f.capacity.get(&key) {
                    Some(c) => Truth::known(
                        c.in_service >= *at_least,
                        format!(
                            "{group} ({}) has {} {} in service of {} desired (needs at least {at_least})",
                            target.label(),
                            c.in_service,
                            target.unit(),
                            c.desired
                        ),
                    ),
                    None => Truth::unknown(format!(
                        "capacity of {group} ({}) in {region} is unknown{}",
                        target.label(),
                        f.capacity_errors
                            .get(&key)
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    )),
                }
            }
            Condition::RestoreJob { step, is, job, .. } => {
                let Some(id) = job else {
                    return Truth::unknown(format!("step {step} has not started a restore job"));
                };
                match f.restore_jobs.get(id).and_then(|j| j.status.as_deref()) {
                    Some(s) => Truth::known(
                        s == is,
                        format!("restore job {id} of step {step} is {s} (needs {is})"),
                    ),
                    None => Truth::unknown(format!(
                        "the status of restore job {id} of step {step} is unknown"
                    )),
                }
            }
            Condition::All(cs) => combine(cs, f, true),
            Condition::Any(cs) => combine(cs, f, false),
            Condition::Not(c) => {
                let t = c.evaluate(f);
                Truth {
                    holds: t.holds.map(|h| !h),
                    why: format!("not ({})", t.why),
                }
            }
        }
    }
}

fn lag(v: Option<&f64>, what: &str, db: &str, region: &str, below: u64) -> Truth {
    match v {
        Some(ms) => Truth::known(
            *ms < below as f64,
            format!("{what} {db}/{region} is {ms:.0} ms (needs < {below} ms)"),
        ),
        None => Truth::unknown(format!("{what} {db}/{region} is unknown")),
    }
}

fn point_age(p: Option<&PointAge>, resource: &str, below_s: u64) -> Truth {
    let limit = i64::try_from(below_s).unwrap_or(i64::MAX);
    let hm = |s: i64| format!("{}h{:02}m", s / 3600, (s % 3600) / 60);
    match p {
        None => Truth::unknown(format!(
            "the newest recovery point of {resource} in its DR vault is unknown"
        )),
        Some(PointAge { age_s: None, .. }) => Truth::known(
            false,
            format!("{resource} has no completed recovery point in its DR vault"),
        ),
        Some(PointAge {
            age_s: Some(a),
            exact: true,
        }) => Truth::known(
            *a < limit,
            format!(
                "newest recovery point of {resource} is {} old (needs < {})",
                hm(*a),
                hm(limit)
            ),
        ),
        // A lower bound: past the limit it is certainly too old; within it, unknown.
        Some(PointAge {
            age_s: Some(a),
            exact: false,
        }) if *a >= limit => Truth::known(
            false,
            format!(
                "newest recovery point of {resource} is at least {} old (needs < {})",
                hm(*a),
                hm(limit)
            ),
        ),
        Some(PointAge { age_s: Some(a), .. }) => Truth::unknown(format!(
            "newest recovery point of {resource} is at least {} old; its backup time is \
             unverified (the source Region's copy jobs could not be read)",
            hm(*a)
        )),
    }
}

/// all: false wins, then unknown; any: true wins, then unknown.
fn combine(cs: &[Condition], f: &Facts, all: bool) -> Truth {
    let ts: Vec<Truth> = cs.iter().map(|c| c.evaluate(f)).collect();
    let decisive = Some(!all);
    if let Some(t) = ts.iter().find(|t| t.holds == decisive) {
        return t.clone();
    }
    if let Some(t) = ts.iter().find(|t| t.holds.is_none()) {
        return t.clone();
    }
    let why = ts
        .iter()
        .map(|t| t.why.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    Truth::known(all, why)
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::RegionHealth {
                region,
                verdict,
                negated,
            } => write!(
                f,
                "{region} {} {verdict}",
                if *negated { "is not" } else { "is" }
            ),
            Condition::ReplicationLag {
                database,
                region,
                below_ms,
            } => write!(f, "replication lag {database}/{region} < {below_ms} ms"),
            Condition::RpoLag {
                database,
                region,
                below_ms,
            } => write!(f, "RPO lag {database}/{region} < {below_ms} ms"),
            Condition::WriterRegion { database, region } => {
                write!(f, "writer of {database} is in {region}")
            }
            Condition::FailoverState { database, phase } => {
                write!(f, "failover state of {database} is {}", phase.as_str())
            }
            Condition::RoutingControl { control, state, .. } => {
                write!(f, "routing control {control} is {state}")
            }
            Condition::Alarm { name, state, .. } => write!(f, "alarm {name} is {state}"),
            Condition::RecoveryPointAge { resource, below_s } => write!(
                f,
                "newest recovery point of {resource} in its DR vault is younger than {}h{:02}m",
                below_s / 3600,
                (below_s % 3600) / 60
            ),
            Condition::RestoreJob { step, is, .. } => {
                write!(f, "restore job of step {step} is {is}")
            }
            Condition::DynamodbReplication {
                table,
                region,
                below_ms,
            } => write!(
                f,
                "DynamoDB replication latency of {table} into {region} is below {below_ms} ms"
            ),
            Condition::S3Replication { rule, .. } => {
                write!(f, "S3 replication {rule} is within its limits")
            }
            Condition::Capacity {
                group,
                target,
                at_least,
                ..
            } => write!(
                f,
                "{group} ({}) has at least {at_least} {} in service",
                target.label(),
                target.unit()
            ),
            Condition::All(cs) => list(f, "all", cs),
            Condition::Any(cs) => list(f, "any", cs),
            Condition::Not(c) => write!(f, "not ({c})"),
        }
    }
}

fn list(f: &mut fmt::Formatter<'_>, word: &str, cs: &[Condition]) -> fmt::Result {
    write!(f, "{word} of (")?;
    for (i, c) in cs.iter().enumerate() {
        if i > 0 {
            write!(f, "; ")?;
        }
        write!(f, "{c}")?;
    }
    write!(f, ")")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9: an exact age decides; a lower bound only decides when it is already
    /// past the limit; an unread vault is unknown; an empty vault is false.
    #[test]
    fn a_recovery_point_age_is_true_only_when_known_within_the_limit() {
        let c = Condition::RecoveryPointAge {
            resource: "orders-db".into(),
            below_s: 4 * 3600,
        };
        let with = |age_s: Option<i64>, exact: bool| {
            let mut f = Facts::default();
            f.recovery_points
                .insert("orders-db".into(), PointAge { age_s, exact });
            c.evaluate(&f).holds
        };
        assert_eq!(with(Some(3600), true), Some(true));
        assert_eq!(with(Some(5 * 3600), true), Some(false));
        assert_eq!(
            with(Some(3600), false),
            None,
            "a lower bound within 4 h proves nothing"
        );
        assert_eq!(with(Some(5 * 3600), false), Some(false));
        assert_eq!(with(None, true), Some(false), "no completed point");
        assert_eq!(c.evaluate(&Facts::default()).holds, None, "vault unread");
        assert!(c.to_string().contains("younger than 4h00m"));
    }

    /// AWS-FACTS.md (RDS API reference, FailoverState): pending | failing-over |
    /// cancelling | switching-over; any other word is an operation in progress.
    #[test]
    fn every_aws_failover_status_and_any_unknown_one_is_in_progress() {
        for word in [
            "pending",
            "failing-over",
            "cancelling",
            "switching-over",
            "rolling-back",
            "idle",
        ] {
            let p = FailoverPhase::from_aws(Some(word));
            assert!(p.in_progress(), "{word} → {p:?}");
            let mut f = Facts::default();
            f.failover.insert("orders".into(), p);
            let idle = Condition::FailoverState {
                database: "orders".into(),
                phase: FailoverPhase::Idle,
            };
            assert_eq!(idle.evaluate(&f).holds, Some(false), "{word}");
        }
        assert_eq!(
            FailoverPhase::from_aws(Some("switching-over")),
            FailoverPhase::SwitchingOver
        );
        assert_eq!(FailoverPhase::from_aws(None), FailoverPhase::Idle);
        assert_eq!(FailoverPhase::from_aws(Some("")), FailoverPhase::Idle);
        assert_eq!(
            FailoverPhase::parse("switching-over"),
            Some(FailoverPhase::SwitchingOver)
        );
    }

    #[test]
    fn unknown_never_reads_as_true() {
        let c = Condition::Not(Box::new(Condition::WriterRegion {
            database: "orders".into(),
            region: "us-west-2".into(),
        }));
        assert_eq!(c.evaluate(&Facts::default()).holds, None);
        let mut f = Facts::default();
        f.writer.insert("orders".into(), "us-east-1".into());
        assert_eq!(c.evaluate(&f).holds, Some(true));
    }

    #[test]
    fn combinators() {
        let lag = Condition::ReplicationLag {
            database: "orders".into(),
            region: "us-west-2".into(),
            below_ms: 5000,
        };
        let w = Condition::WriterRegion {
            database: "orders".into(),
            region: "us-east-1".into(),
        };
        let mut f = Facts::default();
        f.writer.insert("orders".into(), "us-east-1".into());
        // lag unknown: all → unknown, any → true (writer holds)
        assert_eq!(
            Condition::All(vec![lag.clone(), w.clone()])
                .evaluate(&f)
                .holds,
            None
        );
        assert_eq!(
            Condition::Any(vec![lag.clone(), w.clone()])
                .evaluate(&f)
                .holds,
            Some(true)
        );
        f.lag_ms
            .insert(("orders".into(), "us-west-2".into()), 7000.0);
        let t = Condition::All(vec![lag, w]).evaluate(&f);
        assert_eq!(t.holds, Some(false));
        assert!(t.why.contains("7000 ms"), "{}", t.why);
    }
}
