//! The runbook file as written. Every leaf keeps its position so validation errors
//! point at `file:line:column`. Step kinds are keys of the step map (not a `kind:`
//! field), so an unknown kind is reported exactly where it was typed.
//!
//! ```yaml
//! name: Pilot light failover
//! summary: Move the writer and traffic from {{from}} to {{to}}
//! environment: orders-prod          # the environment file's name (its twin matches too)
//! rto: 15m
//! parameters:
//!   from: { default: us-east-1 }
//!   to:   { default: us-west-2 }    # `--param to=…` overrides; no default = required
//! steps:
//!   - id: db-failover                # unique; goto targets name these
//!     title: Fail over to {{to}}
//!     aurora_failover: { database: orders, to: "{{to}}", allow_data_loss: true }
//!     confirm: typed                 # none | yes (mutating default) | typed
//!     require: [ { region_health: { region: "{{to}}", is: healthy } } ]
//!     verify: []                     # post-conditions, checked once after acting
//!     on_failure: stop               # stop | continue | { goto: STEP }
//! ```
//!
//! Kinds: `manual: {instructions, checklist}`, `check: [COND…]`,
//! `wait: {until: [COND…], timeout, poll}`, `routing_controls: [{control, state}]`,
//! `aurora_switchover: {database, to, from?}`,
//! `aurora_failover: {database, to, from?, allow_data_loss}`,
//! `promote_replica: {database, backup_retention_days?}`,
//! `command: {program, args, timeout}`, `approval: {note?}`, `pause: DURATION`,
//! `restore_backup: {resource, name, region?, recovery_point?: latest|ARN, timeout?}`,
//! `create_db_instance: {cluster, region, class, engine, instance?, timeout?}`,
//! `delete_restored: {step}` (with `confirm: typed`),
//! `scale: {asg|ecs_service, region, desired: N|production, min?, max?, timeout?}`,
//! `wait_replication: {table, from, factor?, minimum?, fallback}`.
//!
//! Conditions: `region_health: {region, is|is_not}`,
//! `replication_lag: {database, region?, below_ms}`, `rpo_lag: {database, region, below_ms}`,
//! `recovery_point_age: {resource, below}` (a `backups:` name and a duration),
//! `restore_job: {step, is: PENDING|RUNNING|COMPLETED|ABORTED|FAILED}` (the job a
//! `restore_backup` step of this runbook started),
//! `writer_region: {database, is}`, `failover_state: {database, is: idle|pending|…}`,
//! `capacity: {asg|ecs_service, region, at_least: N|production}`,
//! `dynamodb_replication: {table, region, below_ms}` (into `region`),
//! `s3_replication: {rule, latency_below_s?, pending_operations_below?, pending_bytes_below?}`,
//! `routing_control: {control, state}`, `alarm: {name, state}`, `all: […]`, `any: […]`,
//! `not: COND`. `{{param}}` works in every string value.

use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

pub type S = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunbookFile {
    pub name: S,
    #[serde(default)]
    pub summary: Option<S>,
    /// The environment (by name) this runbook applies to.
    pub environment: S,
    /// RTO target, e.g. `15m`.
    pub rto: S,
    #[serde(default)]
    pub parameters: BTreeMap<String, Spanned<ParameterFile>>,
    pub steps: Spanned<Vec<StepFile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterFile {
    #[serde(default)]
    pub default: Option<S>,
    #[serde(default)]
    pub description: Option<String>,
}

/// One step: `id`, `title`, exactly one kind key, and the optional common fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    pub id: S,
    /// Required; optional here so its absence is reported at the step's id.
    #[serde(default)]
    pub title: Option<S>,
    // --- kinds: exactly one must be present ---
    #[serde(default)]
    pub manual: Option<Spanned<ManualFile>>,
    #[serde(default)]
    pub check: Option<Spanned<Vec<ConditionFile>>>,
    #[serde(default)]
    pub wait: Option<Spanned<WaitFile>>,
    #[serde(default)]
    pub routing_controls: Option<Spanned<Vec<ControlChangeFile>>>,
    #[serde(default)]
    pub aurora_switchover: Option<Spanned<AuroraMoveFile>>,
    #[serde(default)]
    pub aurora_failover: Option<Spanned<AuroraFailoverFile>>,
    #[serde(default)]
    pub promote_replica: Option<Spanned<PromoteFile>>,
    #[serde(default)]
    pub command: Option<Spanned<CommandFile>>,
    #[serde(default)]
    pub approval: Option<Spanned<ApprovalFile>>,
    #[serde(default)]
    pub pause: Option<S>,
    #[serde(default)]
    pub restore_backup: Option<Spanned<RestoreBackupFile>>,
    #[serde(default)]
    pub create_db_instance: Option<Spanned<CreateDbInstanceFile>>,
    #[serde(default)]
    pub delete_restored: Option<Spanned<DeleteRestoredFile>>,
    #[serde(default)]
    pub scale: Option<Spanned<ScaleFile>>,
    #[serde(default)]
    pub wait_replication: Option<Spanned<WaitReplicationFile>>,
    // --- common ---
    #[serde(default)]
    pub require: Vec<ConditionFile>,
    #[serde(default)]
    pub verify: Vec<ConditionFile>,
    #[serde(default)]
    pub on_failure: Option<Spanned<OnFailureFile>>,
    #[serde(default)]
    pub confirm: Option<Spanned<ConfirmFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualFile {
    pub instructions: S,
    #[serde(default)]
    pub checklist: Vec<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitFile {
    pub until: Vec<ConditionFile>,
    pub timeout: S,
    /// Poll interval; defaults to 5s.
    #[serde(default)]
    pub poll: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlChangeFile {
    pub control: S,
    pub state: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuroraMoveFile {
    pub database: S,
    pub to: S,
    /// The current writer's Region; needed only with more than two members.
    #[serde(default)]
    pub from: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuroraFailoverFile {
    pub database: S,
    pub to: S,
    #[serde(default)]
    pub from: Option<S>,
    /// Required, never defaulted: the operator must say data loss is acceptable.
    pub allow_data_loss: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromoteFile {
    /// The read-replica pair's name in the environment.
    pub database: S,
    #[serde(default)]
    pub backup_retention_days: Option<Spanned<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreBackupFile {
    /// A `backups:` name in the environment.
    pub resource: S,
    /// What the restored resource is called (the restore template's
    /// DBClusterIdentifier / DBInstanceIdentifier / … is replaced by it).
    pub name: S,
    /// The Region to restore in: the resource's DR Region (its vault is there).
    #[serde(default)]
    pub region: Option<S>,
    /// `latest` (the default: the newest usable point, chosen when the call is
    /// sent) or a recovery point ARN.
    #[serde(default)]
    pub recovery_point: Option<S>,
    /// How long the step follows the restore job. Defaults to 2h.
    #[serde(default)]
    pub timeout: Option<S>,
}

/// `scale: {asg | ecs_service, region, desired, min?, max?, timeout?}`: a
/// `capacity:` group of the environment, named by its Auto Scaling group or ECS
/// service name and Region. `desired` is a number or `production`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleFile {
    #[serde(default)]
    pub asg: Option<S>,
    #[serde(default)]
    pub ecs_service: Option<S>,
    pub region: S,
    pub desired: S,
    /// Auto Scaling groups only: MinSize / MaxSize to set with the desired capacity.
    #[serde(default)]
    pub min: Option<S>,
    #[serde(default)]
    pub max: Option<S>,
    /// How long the step waits for the capacity to serve. Defaults to 20m.
    #[serde(default)]
    pub timeout: Option<S>,
}

/// `wait_replication: {table, from, factor?, minimum?, fallback}`: waits `factor` ×
/// the largest DynamoDB replication latency out of `from` in the last 15 minutes (at
/// least `minimum`), or `fallback` when that cannot be read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitReplicationFile {
    pub table: S,
    pub from: S,
    /// Defaults to 10.
    #[serde(default)]
    pub factor: Option<S>,
    /// Defaults to 10s.
    #[serde(default)]
    pub minimum: Option<S>,
    /// Required: the wait when the latency cannot be read (the Region is dark).
    pub fallback: S,
}

/// `capacity: {asg | ecs_service, region, at_least}`: `at_least` is a number or
/// `production`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityCondFile {
    #[serde(default)]
    pub asg: Option<S>,
    #[serde(default)]
    pub ecs_service: Option<S>,
    pub region: S,
    pub at_least: S,
}

/// `dynamodb_replication: {table, region, below_ms}`: `region` receives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableLatencyFile {
    pub table: S,
    pub region: S,
    pub below_ms: S,
}

/// `s3_replication: {rule, latency_below_s?, pending_operations_below?,
/// pending_bytes_below?}` (at least one limit).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketCondFile {
    pub rule: S,
    #[serde(default)]
    pub latency_below_s: Option<S>,
    #[serde(default)]
    pub pending_operations_below: Option<S>,
    #[serde(default)]
    pub pending_bytes_below: Option<S>,
}

/// `delete_restored: {step: restore}`: deletes what that `restore_backup` step of this
/// run restored (and the instances this runbook's `create_db_instance` steps added).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteRestoredFile {
    pub step: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDbInstanceFile {
    /// The Aurora cluster the instance joins (e.g. one a restore created).
    pub cluster: S,
    pub region: S,
    /// DBInstanceClass, e.g. `db.r6g.large`.
    pub class: S,
    /// Engine: the cluster's engine, e.g. `aurora-postgresql`.
    pub engine: S,
    /// DBInstanceIdentifier; defaults to `<cluster>-1`.
    #[serde(default)]
    pub instance: Option<S>,
    /// How long the step waits for `available`. Defaults to 30m.
    #[serde(default)]
    pub timeout: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandFile {
    pub program: S,
    #[serde(default)]
    pub args: Vec<S>,
    /// Defaults to 60s.
    #[serde(default)]
    pub timeout: Option<S>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalFile {
    /// What the approver is asked to agree to.
    #[serde(default)]
    pub note: Option<S>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailureFile {
    Stop,
    Continue,
    Goto(S),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmFile {
    None,
    Yes,
    Typed,
}

/// A condition: one key naming its kind. Combinators nest.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionFile {
    RegionHealth(RegionHealthFile),
    ReplicationLag(LagFile),
    RpoLag(LagFile),
    WriterRegion(WriterFile),
    FailoverState(FailoverFile),
    RoutingControl(ControlCondFile),
    Alarm(AlarmFile),
    RecoveryPointAge(PointAgeFile),
    RestoreJob(RestoreJobFile),
    Capacity(CapacityCondFile),
    DynamodbReplication(TableLatencyFile),
    S3Replication(BucketCondFile),
    All(Vec<ConditionFile>),
    Any(Vec<ConditionFile>),
    Not(Box<ConditionFile>),
}

/// `recovery_point_age: {resource: orders-db, below: 4h}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointAgeFile {
    /// A `backups:` name of the environment.
    pub resource: S,
    pub below: S,
}

/// `restore_job: {step: restore, is: COMPLETED}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreJobFile {
    /// A `restore_backup` step of the same runbook.
    pub step: S,
    /// A DescribeRestoreJob status word.
    pub is: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionHealthFile {
    pub region: S,
    #[serde(default)]
    pub is: Option<S>,
    #[serde(default)]
    pub is_not: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LagFile {
    pub database: S,
    /// The secondary Region whose lag is read (Aurora); optional for an RDS replica pair.
    #[serde(default)]
    pub region: Option<S>,
    /// A whole number of milliseconds, or a string holding one after `{{param}}`
    /// rendering (`below_ms: "{{max_lag}}"`).
    pub below_ms: Spanned<WholeOrTemplate>,
}

/// A non-negative whole number as written, or a string to render and parse at
/// plan time. Hand-written rather than `#[serde(untagged)]`: untagged enums lose the
/// value's position, and a bad value must still be reported at its line:column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WholeOrTemplate {
    Whole(u64),
    Text(String),
}

impl<'de> Deserialize<'de> for WholeOrTemplate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = WholeOrTemplate;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number of milliseconds, or \"{{parameter}}\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(WholeOrTemplate::Whole(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(WholeOrTemplate::Whole)
                    .map_err(|_| E::custom("milliseconds cannot be negative"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(WholeOrTemplate::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriterFile {
    pub database: S,
    pub is: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailoverFile {
    pub database: S,
    pub is: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlCondFile {
    pub control: S,
    pub state: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmFile {
    pub name: S,
    pub state: S,
}
