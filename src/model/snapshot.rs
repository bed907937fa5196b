//! The immutable picture the monitor publishes and every view renders.
//!
//! Every observed item carries the time it was read, so a view can show its age and
//! mark it stale; a value that could not be read is `None`, never a default.

use super::{AlarmState, ControlState, Verdict};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which world the console is looking at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    Simulated,
    Live,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Simulated => "SIMULATED",
            Mode::Live => "LIVE",
        }
    }
}

/// A Region's configured role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Primary,
    Secondary,
    /// Multi-site active/active: one of several Regions that serve at once.
    Active,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Secondary => "secondary",
            Role::Active => "active",
        }
    }
}

/// The caller identity (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// One full snapshot. Cheap to clone behind an `Arc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub environment: String,
    pub mode: Mode,
    pub read_only: bool,
    /// When this snapshot was assembled.
    pub taken_at: DateTime<Utc>,
    /// Poll period the staleness rules are measured against, in milliseconds.
    pub poll_period_ms: u64,
    pub rto_target_s: u64,
    pub rpo_target_ms: u64,
    pub identity: Option<Identity>,
    pub identity_error: Option<String>,
    pub regions: Vec<RegionStatus>,
    pub databases: Vec<DatabaseStatus>,
    pub replicas: Vec<ReplicaStatus>,
    pub controls: Vec<ControlStatus>,
    pub rules: Vec<RuleStatus>,
    pub endpoints: Vec<EndpointStatus>,
    /// Protected resources and their newest recovery point in the DR vault.
    #[serde(default)]
    pub backups: Vec<BackupStatus>,
    /// Auto Scaling groups and ECS services, per Region, against production's need.
    #[serde(default)]
    pub capacity: Vec<CapacityStatus>,
    /// DynamoDB global tables' replication latency per link.
    #[serde(default)]
    pub dynamodb: Vec<super::stores::TableReplicationStatus>,
    /// S3 replication rules' metrics.
    #[serde(default)]
    pub s3_replication: Vec<super::stores::BucketReplicationStatus>,
}

impl Snapshot {
    /// True when any item is unknown or stale (the `status` exit-code contract).
    pub fn has_unknown(&self) -> bool {
        self.identity.is_none()
            || self.regions.iter().any(RegionStatus::has_unknown)
            || self.databases.iter().any(DatabaseStatus::has_unknown)
            || self.replicas.iter().any(ReplicaStatus::has_unknown)
            || self.controls.iter().any(|c| c.state.is_none() || c.stale)
            || self.rules.iter().any(|r| r.satisfied.is_none())
            || self
                .backups
                .iter()
                .any(|b| b.has_unknown() || b.fresh.is_none())
            || self.capacity.iter().any(|c| c.in_service.is_none())
            || self.dynamodb.iter().any(|t| t.has_unknown())
            || self.s3_replication.iter().any(|b| b.has_unknown())
    }

    /// The oldest observation time among everything shown (items never observed are
    /// reported by `has_unknown`, not here).
    pub fn oldest_observation(&self) -> Option<DateTime<Utc>> {
        let regions = self.regions.iter().map(|r| r.observed_at);
        let dbs = self.databases.iter().map(|d| d.observed_at);
        let reps = self.replicas.iter().map(|r| r.observed_at);
        let ctl = self.controls.iter().map(|c| c.observed_at);
        regions.chain(dbs).chain(reps).chain(ctl).flatten().min()
    }
}

/// A Region's health, with the reasons behind the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionStatus {
    pub name: String,
    pub role: Role,
    pub verdict: Verdict,
    /// Plain words: "alarm api-5xx in ALARM", "unreachable since 03:12:09".
    pub reasons: Vec<String>,
    pub alarms: Vec<AlarmStatus>,
    pub health_checks: Vec<HealthCheckStatus>,
    /// Last time this Region's own APIs answered.
    pub observed_at: Option<DateTime<Utc>>,
    /// First failed poll of an unbroken run of failures.
    pub unreachable_since: Option<DateTime<Utc>>,
    pub stale: bool,
}

impl RegionStatus {
    /// Unknown verdict, stale, or any health check without a known result.
    pub fn has_unknown(&self) -> bool {
        self.verdict == Verdict::Unknown
            || self.stale
            || self.health_checks.iter().any(|h| h.healthy.is_none())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmStatus {
    pub name: String,
    /// `None` when the alarm could not be read.
    pub state: Option<AlarmState>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheckStatus {
    pub id: String,
    /// `None` when Route 53 metrics (us-east-1) could not be read.
    pub healthy: Option<bool>,
}

/// An Aurora global database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseStatus {
    /// The environment file's name for it.
    pub name: String,
    pub global_cluster_id: String,
    pub writer_region: Option<String>,
    pub status: Option<String>,
    pub failover: Option<FailoverStatus>,
    pub members: Vec<MemberStatus>,
    pub observed_at: Option<DateTime<Utc>>,
    pub stale: bool,
    pub error: Option<String>,
}

impl DatabaseStatus {
    /// Stale, writer unknown, or any member whose role or lag is unknown.
    pub fn has_unknown(&self) -> bool {
        self.stale || self.writer_region.is_none() || self.members.iter().any(|m| m.has_unknown())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverStatus {
    /// As AWS sent it: pending | failing-over | cancelling | switching-over (or a word
    /// this console does not know, which means an operation is in progress).
    pub status: String,
    pub from_region: Option<String>,
    pub to_region: Option<String>,
    pub data_loss_allowed: bool,
}

/// One member cluster of a global database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberStatus {
    pub region: String,
    pub cluster_arn: String,
    pub is_writer: Option<bool>,
    /// AuroraGlobalDBReplicationLag, latest, ms (secondaries only).
    pub lag_ms: Option<f64>,
    /// AuroraGlobalDBRPOLag, latest, ms (secondaries only).
    pub rpo_lag_ms: Option<f64>,
    /// Recent lag samples, oldest first, for sparklines.
    pub lag_history: Vec<f64>,
    pub rpo_history: Vec<f64>,
    /// Sample time of the lag shown: the CloudWatch period the datapoint describes.
    pub metrics_at: Option<DateTime<Utc>>,
    /// What the lag chart draws — RPO lag (else replication lag) — one point per
    /// CloudWatch period, stamped as CloudWatch stamps it, oldest first.
    #[serde(default)]
    pub chart: Vec<(DateTime<Utc>, f64)>,
    /// The global cluster was read and does not list this cluster: it has been
    /// detached (removed from the global database).
    #[serde(default)]
    pub detached: bool,
}

impl MemberStatus {
    /// A member of unknown role, or a secondary whose replication or RPO lag is
    /// unknown (the writer has no lag to report).
    pub fn has_unknown(&self) -> bool {
        match self.is_writer {
            Some(true) => false,
            Some(false) => self.lag_ms.is_none() || self.rpo_lag_ms.is_none(),
            None => true,
        }
    }
}

/// An RDS read-replica pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaStatus {
    pub name: String,
    pub primary_region: String,
    pub primary_instance: String,
    pub replica_region: String,
    pub replica_instance: String,
    /// DBInstanceStatus of the replica (available, modifying, rebooting…).
    pub replica_status: Option<String>,
    /// StatusInfos "read replication" status (replicating, error…).
    pub replication_status: Option<String>,
    /// ReplicaLag, seconds; -1 means replication is inactive.
    pub lag_s: Option<f64>,
    pub lag_history: Vec<f64>,
    pub observed_at: Option<DateTime<Utc>>,
    pub stale: bool,
    pub error: Option<String>,
}

impl ReplicaStatus {
    /// Stale, or the replica's status or lag unknown.
    pub fn has_unknown(&self) -> bool {
        self.stale || self.replica_status.is_none() || self.lag_s.is_none()
    }
}

/// A routing control as last read from ARC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlStatus {
    pub name: String,
    pub arn: String,
    pub panel: String,
    /// The Region or cell this control gates.
    pub gates: String,
    pub state: Option<ControlState>,
    pub observed_at: Option<DateTime<Utc>>,
    pub stale: bool,
}

/// A safety rule in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStatus {
    pub name: String,
    pub arn: String,
    pub panel: String,
    pub description: String,
    /// Whether the rule holds over the controls as last read; `None` if any is unknown.
    pub satisfied: Option<bool>,
}

/// One ARC cluster endpoint and how it last answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointStatus {
    pub index: usize,
    pub region: String,
    pub url: String,
    pub last_latency_ms: Option<u64>,
    pub last_error: Option<String>,
    pub last_used: Option<DateTime<Utc>>,
}

/// One Auto Scaling group or ECS service. The counts are `None` unless read recently
/// and its Region still answers: a dark Region's capacity is unknown, never the last
/// number seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityStatus {
    /// The environment's name for it.
    pub name: String,
    pub region: String,
    /// `ASG NAME` or `ECS CLUSTER/SERVICE`.
    pub resource: String,
    /// `instances` or `tasks`.
    pub unit: String,
    /// What the whole production load needs.
    pub production: u32,
    pub desired: Option<u32>,
    /// ASG: InService and Healthy instances; ECS: runningCount.
    pub in_service: Option<u32>,
    /// ASG: Pending instances; ECS: pendingCount.
    pub warming: Option<u32>,
    pub unhealthy: Option<u32>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    /// ECS service status (ACTIVE, DRAINING, INACTIVE).
    pub service_status: Option<String>,
    /// When it last answered.
    pub observed_at: Option<DateTime<Utc>>,
    pub stale: bool,
    pub error: Option<String>,
}

impl CapacityStatus {
    /// `pilot light` (nothing serves), `partial`, or `production` (the whole load's
    /// need serves); None when unknown.
    pub fn level(&self) -> Option<&'static str> {
        let n = self.in_service?;
        Some(if n == 0 {
            "pilot light"
        } else if n < self.production {
            "partial"
        } else {
            "production"
        })
    }
}

/// A protected resource: the newest usable recovery point in its DR vault, and the
/// latest cross-Region copy job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupStatus {
    /// The environment file's name for it.
    pub name: String,
    pub resource_arn: String,
    /// AWS Backup's resource type word (`Aurora`, `RDS` …).
    pub resource_type: String,
    pub source_region: String,
    pub dr_region: String,
    pub vault: String,
    pub rpo_s: u64,
    /// The newest recovery point with status COMPLETED in the DR vault. `None` with
    /// `observed_at` set: the vault was read and holds none.
    pub newest: Option<RecoveryPointSeen>,
    /// The newest copy job of this resource into the DR vault (read in the source
    /// Region, where copy jobs run).
    pub latest_copy: Option<CopyJobSeen>,
    /// Why the copy jobs could not be read (the source Region may be dark).
    pub copy_error: Option<String>,
    /// When a restore of this resource last worked in a completed run (from the
    /// run journals of this console's state directory, same mode).
    pub last_tested: Option<DateTime<Utc>>,
    /// When the next restore test is due: `last_tested` plus `restore_test_every`.
    pub next_test_due: Option<DateTime<Utc>>,
    /// `restore_test_every` from the environment, seconds.
    #[serde(default)]
    pub restore_test_every_s: Option<u64>,
    /// When the DR vault last answered.
    pub observed_at: Option<DateTime<Utc>>,
    pub stale: bool,
    pub error: Option<String>,
    /// As of `taken_at`, for `status --json` readers: the newest point's age (a lower
    /// bound when its backup time is not known) and [`BackupStatus::fresh_at`].
    pub age_s: Option<i64>,
    pub fresh: Option<bool>,
}

impl BackupStatus {
    /// Where the restore tests stand at `now`; `None` when there is nothing to say
    /// (never tested and no schedule). The one rule `status` and the dashboard word.
    pub fn restore_test(&self, now: DateTime<Utc>) -> Option<RestoreTest> {
        let every = self
            .restore_test_every_s
            .and_then(|s| i64::try_from(s).ok());
        match (self.last_tested, self.next_test_due, every) {
            (Some(_), Some(due), _) if now > due => Some(RestoreTest::Overdue {
                by_s: (now - due).num_seconds(),
            }),
            (Some(t), _, _) => Some(RestoreTest::Tested {
                ago_s: (now - t).num_seconds().max(0),
            }),
            (None, _, Some(every_s)) => Some(RestoreTest::Never { every_s }),
            (None, _, None) => None,
        }
    }

    /// The DR vault never read, or read too long ago.
    pub fn has_unknown(&self) -> bool {
        self.observed_at.is_none() || self.stale
    }

    /// Age of the newest usable point at `now`, from its backup time. When the
    /// backup time is not known (`backup_time_known` false) this is a lower bound.
    pub fn age_at(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        self.newest.as_ref().map(|p| now - p.backup_time)
    }

    /// True when the vault was read and its newest usable point is within the RPO;
    /// false when it is not (no usable point, or older than the RPO, even as a lower
    /// bound); `None` when that is not known (vault unread or stale, or only a lower
    /// bound of the age within the RPO).
    pub fn fresh_at(&self, now: DateTime<Utc>) -> Option<bool> {
        if self.has_unknown() {
            return None;
        }
        let Some(p) = &self.newest else {
            return Some(false);
        };
        // "Younger than the RPO", the same boundary as `recovery_point_age`.
        let rpo = i64::try_from(self.rpo_s).unwrap_or(i64::MAX);
        let within = (now - p.backup_time).num_seconds() < rpo;
        match (within, p.backup_time_known) {
            (false, _) => Some(false),
            (true, true) => Some(true),
            (true, false) => None,
        }
    }
}

/// A protected resource's restore tests as of some time (from the run journals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreTest {
    Overdue { by_s: i64 },
    Tested { ago_s: i64 },
    Never { every_s: i64 },
}

impl RestoreTest {
    /// Overdue or never run: it stands out.
    pub fn needs_attention(self) -> bool {
        !matches!(self, RestoreTest::Tested { .. })
    }
}

/// A recovery point as `ListRecoveryPointsByBackupVault` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryPointSeen {
    pub arn: String,
    /// As AWS sent it: CREATING | AVAILABLE | COMPLETED | PARTIAL | EXPIRED |
    /// STOPPED | DELETING.
    pub status: String,
    /// `CreationDate` of this point in the DR vault.
    pub created_at: DateTime<Utc>,
    /// The time the data is from: for a copy, the source point's `CreationDate`
    /// (found through the copy job that made it, while the source Region answered);
    /// for a point taken in this vault, its own `CreationDate`. When neither is
    /// known, the copy's own `CreationDate`, which AWS does not document for copies
    /// (it may be the copy's time, later than the data): then `backup_time_known` is
    /// false and the age is only a lower bound.
    pub backup_time: DateTime<Utc>,
    pub backup_time_known: bool,
}

/// A copy job as `ListCopyJobs` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyJobSeen {
    pub id: String,
    /// As AWS sent it: CREATED | RUNNING | COMPLETED | FAILED | PARTIAL.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub status_message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Snapshot {
        let at = Some(Utc::now());
        Snapshot {
            environment: "t".into(),
            mode: Mode::Simulated,
            read_only: true,
            taken_at: Utc::now(),
            poll_period_ms: 2000,
            rto_target_s: 60,
            rpo_target_ms: 1000,
            identity: Some(Identity {
                account: "1".into(),
                arn: "arn".into(),
                user_id: "u".into(),
            }),
            identity_error: None,
            regions: vec![RegionStatus {
                name: "us-east-1".into(),
                role: Role::Primary,
                verdict: Verdict::Healthy,
                reasons: vec!["1 alarm OK".into()],
                alarms: vec![],
                health_checks: vec![HealthCheckStatus {
                    id: "h".into(),
                    healthy: Some(true),
                }],
                observed_at: at,
                unreachable_since: None,
                stale: false,
            }],
            databases: vec![DatabaseStatus {
                name: "db".into(),
                global_cluster_id: "g".into(),
                writer_region: Some("us-east-1".into()),
                status: Some("available".into()),
                failover: None,
                members: vec![
                    member(Some(true), None, None),
                    member(Some(false), Some(20.0), Some(300.0)),
                ],
                observed_at: at,
                stale: false,
                error: None,
            }],
            replicas: vec![ReplicaStatus {
                name: "r".into(),
                primary_region: "us-east-1".into(),
                primary_instance: "p".into(),
                replica_region: "us-west-2".into(),
                replica_instance: "q".into(),
                replica_status: Some("available".into()),
                replication_status: Some("replicating".into()),
                lag_s: Some(1.0),
                lag_history: vec![],
                observed_at: at,
                stale: false,
                error: None,
            }],
            controls: vec![],
            rules: vec![RuleStatus {
                name: "rule".into(),
                arn: "arn".into(),
                panel: "p".into(),
                description: "d".into(),
                satisfied: Some(true),
            }],
            endpoints: vec![],
            backups: vec![],
            capacity: vec![],
            dynamodb: vec![],
            s3_replication: vec![],
        }
    }

    fn member(is_writer: Option<bool>, lag: Option<f64>, rpo: Option<f64>) -> MemberStatus {
        MemberStatus {
            region: "us-west-2".into(),
            cluster_arn: "arn".into(),
            is_writer,
            lag_ms: lag,
            rpo_lag_ms: rpo,
            lag_history: vec![],
            rpo_history: vec![],
            metrics_at: None,
            chart: vec![],
            detached: false,
        }
    }

    #[test]
    fn a_fully_known_snapshot_has_no_unknown() {
        assert!(!known().has_unknown());
    }

    #[test]
    fn every_unknown_item_counts() {
        let mut cases: Vec<(&str, Snapshot)> = Vec::new();
        let mut s = known();
        s.databases[0].members[1].lag_ms = None;
        cases.push(("secondary lag", s));
        let mut s = known();
        s.databases[0].members[1].rpo_lag_ms = None;
        cases.push(("secondary RPO lag", s));
        let mut s = known();
        s.databases[0].members[1].is_writer = None;
        cases.push(("member role", s));
        let mut s = known();
        s.replicas[0].lag_s = None;
        cases.push(("replica lag", s));
        let mut s = known();
        s.replicas[0].replica_status = None;
        cases.push(("replica status", s));
        let mut s = known();
        s.regions[0].health_checks[0].healthy = None;
        cases.push(("health check", s));
        let mut s = known();
        s.rules[0].satisfied = None;
        cases.push(("rule", s));
        let mut s = known();
        s.identity = None;
        cases.push(("identity", s));
        for (what, snap) in cases {
            assert!(snap.has_unknown(), "{what} unknown must count");
        }
    }
}
