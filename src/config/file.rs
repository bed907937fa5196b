//! The environment file as written, with positions kept for validation errors.

use crate::model::{ControlState, RuleConfig};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

pub type S = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvFile {
    pub name: S,
    pub targets: Targets,
    pub regions: Spanned<Vec<RegionFile>>,
    pub arc: ArcFile,
    #[serde(default)]
    pub databases: Databases,
    /// Backup and restore: resources whose recovery points are copied to a DR vault.
    #[serde(default)]
    pub backups: Vec<BackupFile>,
    /// Scale-out: the Auto Scaling groups and ECS services that carry the workload.
    #[serde(default)]
    pub capacity: Vec<CapacityFile>,
    /// The war room's shared run store, `dynamodb://TABLE?region=R` (`--store` and
    /// `DRCONSOLE_STORE` take precedence).
    #[serde(default)]
    pub store: Option<S>,
    /// Where run events are announced: an SNS topic and/or webhook URLs.
    #[serde(default)]
    pub notify: Option<NotifyFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyFile {
    /// An SNS topic ARN.
    #[serde(default)]
    pub sns_topic: Option<S>,
    /// URLs that receive a JSON POST per event.
    #[serde(default)]
    pub webhooks: Vec<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// e.g. `15m`
    pub rto: S,
    /// e.g. `5s`
    pub rpo: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionFile {
    pub name: S,
    pub role: Spanned<RoleFile>,
    #[serde(default)]
    pub alarms: Vec<S>,
    #[serde(default)]
    pub health_checks: Vec<S>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleFile {
    Primary,
    Secondary,
    /// Multi-site active/active: serves together with the other active Regions.
    Active,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArcFile {
    pub cluster_arn: S,
    pub endpoints: Spanned<Vec<EndpointFile>>,
    pub control_panels: Vec<PanelFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointFile {
    pub url: S,
    pub region: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelFile {
    pub name: S,
    pub arn: S,
    #[serde(default)]
    pub routing_controls: Vec<ControlFile>,
    #[serde(default)]
    pub safety_rules: Vec<RuleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlFile {
    pub name: S,
    pub arn: S,
    pub gates: S,
    /// Initial state in the twin; defaults to On.
    #[serde(default)]
    pub initial: Option<InitialState>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InitialState {
    On,
    Off,
}

impl From<InitialState> for ControlState {
    fn from(s: InitialState) -> Self {
        match s {
            InitialState::On => ControlState::On,
            InitialState::Off => ControlState::Off,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub name: S,
    pub arn: S,
    #[serde(default)]
    pub assertion: Option<AssertionFile>,
    #[serde(default)]
    pub gating: Option<GatingFile>,
    pub rule: Spanned<RuleConfig>,
    /// ARC's default wait period is 5000 ms.
    #[serde(default = "default_wait")]
    pub wait_period_ms: u64,
}

fn default_wait() -> u64 {
    5000
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertionFile {
    pub controls: Vec<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatingFile {
    pub gating_controls: Vec<S>,
    pub target_controls: Vec<S>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Databases {
    #[serde(default)]
    pub aurora_global: Vec<AuroraFile>,
    #[serde(default)]
    pub rds_replicas: Vec<ReplicaFile>,
    /// DynamoDB global tables (their replicas' Regions).
    #[serde(default)]
    pub dynamodb_global_tables: Vec<DynamoTableFile>,
    /// S3 replication rules (with replication metrics / Replication Time Control).
    #[serde(default)]
    pub s3_replication: Vec<S3ReplicationFile>,
}

/// How the application writes a data store across Regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteStrategyFile {
    Global,
    Local,
    Partitioned,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoTableFile {
    pub name: S,
    pub table: S,
    /// The Regions with a replica of the table.
    pub regions: Spanned<Vec<S>>,
    /// Defaults to `local` (every Region writes; last writer wins).
    #[serde(default)]
    pub write: Option<WriteStrategyFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3ReplicationFile {
    pub name: S,
    pub source: BucketFile,
    pub destination: BucketFile,
    /// The replication rule's ID (the `RuleId` metric dimension).
    pub rule_id: S,
    /// Defaults to `partitioned`.
    #[serde(default)]
    pub write: Option<WriteStrategyFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketFile {
    pub region: S,
    pub bucket: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuroraFile {
    pub name: S,
    pub global_cluster_id: S,
    pub members: Spanned<Vec<MemberFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberFile {
    pub region: S,
    pub cluster_arn: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaFile {
    pub name: S,
    pub primary: ReplicaEndFile,
    pub replica: ReplicaEndFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaEndFile {
    pub region: S,
    pub instance_id: S,
}

/// One protected resource under `backups:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupFile {
    pub name: S,
    /// The source resource's ARN; its Region is the source Region.
    pub resource_arn: S,
    /// AWS Backup's resource type word (`Aurora`, `RDS`, `DynamoDB`, `EFS`, `EC2` …).
    pub resource_type: S,
    /// The Region of the vault the recovery points are copied to.
    pub dr_region: S,
    /// The backup vault's name in `dr_region`.
    pub vault: S,
    /// The backup RPO: the newest usable point in the DR vault must be younger.
    pub rpo: S,
    /// How often a restore must be tested (e.g. `7d`); absent: no schedule.
    #[serde(default)]
    pub restore_test_every: Option<S>,
    pub restore: RestoreFile,
}

/// What `StartRestoreJob` needs besides the recovery point.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreFile {
    pub iam_role_arn: S,
    /// The restore metadata for the resource type, passed to StartRestoreJob as is.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// One Auto Scaling group or ECS service under `capacity:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityFile {
    pub name: S,
    pub region: S,
    /// An EC2 Auto Scaling group's name (exactly one of `asg` and `ecs`).
    #[serde(default)]
    pub asg: Option<S>,
    /// An ECS service.
    #[serde(default)]
    pub ecs: Option<Spanned<EcsServiceFile>>,
    /// Instances or tasks the Region needs to carry the whole production load.
    pub production: Spanned<u32>,
    /// Twin only: the desired capacity it starts with (pilot light 0, warm standby a
    /// part of `production`); defaults to `production`. Ignored against AWS.
    #[serde(default)]
    pub initial: Option<Spanned<u32>>,
    /// Twin only: the group's MaxSize; defaults to `production`.
    #[serde(default)]
    pub max: Option<Spanned<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcsServiceFile {
    pub cluster: S,
    pub service: S,
}
