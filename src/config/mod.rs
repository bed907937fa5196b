//! The environment file: Regions, ARC cluster endpoints and controls, databases,
//! health signals and targets. Parsed with positions, then validated into
//! [`Environment`], the clean form every other layer uses.

mod error;
mod file;
pub mod input_file;
mod validate;

pub use error::{ConfigError, ConfigErrorKind, yaml_error_parts};
pub use input_file::{InputFileError, MAX_INPUT_BYTES, read_input_bytes, read_input_file};

use crate::model::{ControlState, Role, SafetyRule};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The built-in default environment (two Regions), used when no `--env` is given.
pub const DEFAULT_ENV: &str = include_str!("../../assets/default-env.yaml");
const DEFAULT_ENV_NAME: &str = "assets/default-env.yaml";

/// `$XDG_CONFIG_HOME/drconsole`, `~/.config/drconsole` when XDG_CONFIG_HOME is unset,
/// empty or relative (XDG Base Directory specification); `None` without a home.
pub fn user_config_dir_from(var: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| var("HOME").map(|h| Path::new(&h).join(".config")))
        .map(|c| c.join("drconsole"))
}

/// Where `discover` writes by default and where the console looks when no `--env` is
/// given: `…/drconsole/env.yaml` under the user's config directory.
pub fn user_env_file() -> Option<PathBuf> {
    user_config_dir_from(&|k| std::env::var_os(k)).map(|d| d.join(USER_ENV_FILE))
}

/// The file name of the user's environment in the config directory.
pub const USER_ENV_FILE: &str = "env.yaml";

/// A validated environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub name: String,
    pub source: Option<PathBuf>,
    pub regions: Vec<Region>,
    pub rto: Duration,
    pub rpo: Duration,
    pub arc: ArcConfig,
    pub aurora: Vec<AuroraGlobal>,
    pub replicas: Vec<ReplicaPair>,
    /// Resources protected by backups copied to a DR vault, in file order.
    pub backups: Vec<ProtectedResource>,
    /// Auto Scaling groups and ECS services that carry the workload, in file order.
    pub capacity: Vec<CapacityGroup>,
    /// DynamoDB global tables.
    pub dynamodb: Vec<GlobalTable>,
    /// S3 replication rules.
    pub s3_replication: Vec<BucketReplication>,
    /// The war room's shared run store URL as the file wrote it (parsed by
    /// `store::StoreUrl`).
    pub store: Option<String>,
    /// Where run events are announced.
    pub notify: NotifyTargets,
}

/// The environment's `notify:`: an SNS topic and webhook URLs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyTargets {
    pub sns_topic: Option<String>,
    pub webhooks: Vec<String>,
}

impl NotifyTargets {
    pub fn is_empty(&self) -> bool {
        self.sns_topic.is_none() && self.webhooks.is_empty()
    }
}

/// How the application writes a data store across Regions (AWS whitepaper
/// "Disaster Recovery of Workloads on AWS", multi-site active/active: write global,
/// write local, write partitioned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteStrategy {
    /// All writes go to one Region (an Aurora global database's writer).
    Global,
    /// Each Region writes its own replica; concurrent writes to one item are
    /// reconciled last-writer-wins (DynamoDB global tables).
    Local,
    /// Each item (bucket, key range) is written in one home Region only.
    Partitioned,
}

impl WriteStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteStrategy::Global => "write global",
            WriteStrategy::Local => "write local",
            WriteStrategy::Partitioned => "write partitioned",
        }
    }

    /// The caveat in a few words, for the Replication panel's line.
    pub fn short_caveat(self) -> &'static str {
        match self {
            WriteStrategy::Global => "one writer Region",
            WriteStrategy::Local => "last writer wins",
            WriteStrategy::Partitioned => "one home Region per partition",
        }
    }

    /// What an operator moving traffic must know (the plan, the confirm dialogs of
    /// evacuation steps and the Replication panel say it).
    pub fn caveat(self) -> &'static str {
        match self {
            WriteStrategy::Global => {
                "one writer Region: move the writer before the traffic that writes"
            }
            // DynamoDB developer guide, global tables: "conflicts are resolved with a
            // last writer wins reconciliation".
            WriteStrategy::Local => {
                "concurrent writes in two Regions are resolved last-writer-wins: pause \
                 writes in the evacuated Region and wait out replication before moving its \
                 users"
            }
            WriteStrategy::Partitioned => {
                "each partition has one home Region: an evacuated Region's partition is \
                 read-only elsewhere until its home moves"
            }
        }
    }
}

/// A DynamoDB global table and its replicas' Regions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalTable {
    /// The environment's short name.
    pub name: String,
    pub table: String,
    pub regions: Vec<String>,
    pub write: WriteStrategy,
}

/// One S3 replication rule from a source bucket to a destination bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketReplication {
    pub name: String,
    pub source_region: String,
    pub source_bucket: String,
    pub destination_region: String,
    pub destination_bucket: String,
    pub rule_id: String,
    pub write: WriteStrategy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub name: String,
    pub role: Role,
    pub alarms: Vec<String>,
    pub health_checks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArcConfig {
    pub cluster_arn: String,
    /// Exactly five, in file order.
    pub endpoints: Vec<ClusterEndpoint>,
    pub panels: Vec<ControlPanel>,
    pub controls: Vec<RoutingControl>,
    pub rules: Vec<PanelRule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterEndpoint {
    pub url: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlPanel {
    pub name: String,
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingControl {
    pub name: String,
    pub arn: String,
    /// Name of the control panel it belongs to.
    pub panel: String,
    /// The Region or cell it gates.
    pub gates: String,
    /// Initial state in the simulated twin (ignored against AWS).
    pub initial: ControlState,
}

/// A safety rule and the panel it lives in; controls are named by ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelRule {
    pub panel: String,
    pub rule: SafetyRule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuroraGlobal {
    /// The environment's short name (e.g. `orders`).
    pub name: String,
    pub global_cluster_id: String,
    pub members: Vec<AuroraMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuroraMember {
    pub region: String,
    pub cluster_arn: String,
}

impl AuroraMember {
    /// The DB cluster identifier: the last `:`-separated part of the ARN.
    pub fn cluster_id(&self) -> &str {
        self.cluster_arn
            .rsplit(':')
            .next()
            .unwrap_or(&self.cluster_arn)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaPair {
    pub name: String,
    pub primary: ReplicaEnd,
    pub replica: ReplicaEnd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaEnd {
    pub region: String,
    pub instance_id: String,
}

/// A resource whose recovery points are copied to a vault in the DR Region
/// (backup and restore; also the point-in-time safety net of the other strategies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedResource {
    /// The environment's short name (e.g. `orders-db`).
    pub name: String,
    pub resource_arn: String,
    /// AWS Backup's resource type word, as ListRecoveryPointsByBackupVault's
    /// `ResourceType` returns it (`Aurora`, `RDS`, `DynamoDB` …).
    pub resource_type: String,
    /// The Region in the resource ARN.
    pub source_region: String,
    pub dr_region: String,
    /// The backup vault's name in `dr_region`.
    pub vault: String,
    /// The backup RPO.
    pub rpo: Duration,
    pub restore_test_every: Option<Duration>,
    pub restore: RestoreTemplate,
}

/// What `StartRestoreJob` needs besides the recovery point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreTemplate {
    pub iam_role_arn: String,
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// Compute that carries the workload in one Region, and what production needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityGroup {
    /// The environment's short name (e.g. `orders-api-usw2`).
    pub name: String,
    pub region: String,
    pub target: CapacityTarget,
    /// Instances or tasks the Region needs to carry the whole production load.
    pub production: u32,
    /// Twin only: the desired capacity it starts with.
    pub initial: u32,
    /// Twin only: the group's MaxSize.
    pub max: u32,
}

/// What a [`CapacityGroup`] is in AWS.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityTarget {
    /// An EC2 Auto Scaling group, by name.
    Asg { name: String },
    /// An ECS service in a cluster.
    EcsService { cluster: String, service: String },
}

impl CapacityTarget {
    /// `ASG orders-api-usw2` or `ECS orders/orders-api`.
    pub fn label(&self) -> String {
        match self {
            CapacityTarget::Asg { name } => format!("ASG {name}"),
            CapacityTarget::EcsService { cluster, service } => format!("ECS {cluster}/{service}"),
        }
    }

    /// What one unit of capacity is called.
    pub fn unit(&self) -> &'static str {
        match self {
            CapacityTarget::Asg { .. } => "instances",
            CapacityTarget::EcsService { .. } => "tasks",
        }
    }
}

impl Environment {
    /// Reads and validates a file; errors carry `file:line:column`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = read_input_file(path).map_err(|e| ConfigError::input(&e))?;
        let mut env = Self::parse(&text, &path.display().to_string())?;
        env.source = Some(path.to_path_buf());
        Ok(env)
    }

    /// Parses and validates text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        if text.trim().is_empty()
            || text
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            return Err(ConfigError {
                kind: ConfigErrorKind::Syntax,
                file: origin.to_string(),
                line: 1,
                column: 1,
                message: "the environment file is empty".into(),
            });
        }
        let raw: file::EnvFile =
            serde_saphyr::from_str(text).map_err(|e| ConfigError::from_yaml(origin, &e))?;
        validate::validate(raw, origin)
    }

    /// The built-in two-Region default.
    pub fn builtin_default() -> Result<Self, ConfigError> {
        Self::parse(DEFAULT_ENV, DEFAULT_ENV_NAME)
    }

    /// The primary; in an active/active environment (no primary) the first active
    /// Region, which is where the twin's and the SDK's default Region points.
    pub fn primary(&self) -> &Region {
        // Validation guarantees one primary or at least two actives; fall back to the
        // first Region.
        self.regions
            .iter()
            .find(|r| r.role == Role::Primary)
            .or_else(|| self.regions.iter().find(|r| r.role == Role::Active))
            .unwrap_or(&self.regions[0])
    }

    /// What moving traffic out of `region` means for each data store with a replica
    /// there: `name (write local): caveat`, one line per store.
    pub fn write_caveats(&self, region: &str) -> Vec<String> {
        let line =
            |name: &str, w: WriteStrategy| format!("{name} ({}): {}", w.as_str(), w.caveat());
        let aurora = self
            .aurora
            .iter()
            .filter(|d| d.members.iter().any(|m| m.region == region))
            .map(|d| line(&d.name, WriteStrategy::Global));
        let tables = self
            .dynamodb
            .iter()
            .filter(|t| t.regions.iter().any(|r| r == region))
            .map(|t| line(&t.name, t.write));
        let buckets = self
            .s3_replication
            .iter()
            .filter(|b| b.source_region == region || b.destination_region == region)
            .map(|b| line(&b.name, b.write));
        aurora.chain(tables).chain(buckets).collect()
    }

    /// True when several Regions serve at once (multi-site active/active).
    pub fn is_active_active(&self) -> bool {
        self.regions
            .iter()
            .filter(|r| r.role == Role::Active)
            .count()
            >= 2
    }

    pub fn region(&self, name: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.name == name)
    }

    pub fn control_by_name(&self, name: &str) -> Option<&RoutingControl> {
        self.arc.controls.iter().find(|c| c.name == name)
    }

    pub fn control_by_arn(&self, arn: &str) -> Option<&RoutingControl> {
        self.arc.controls.iter().find(|c| c.arn == arn)
    }

    pub fn backup(&self, name: &str) -> Option<&ProtectedResource> {
        self.backups.iter().find(|b| b.name == name)
    }

    pub fn global_table(&self, name: &str) -> Option<&GlobalTable> {
        self.dynamodb.iter().find(|t| t.name == name)
    }

    pub fn bucket_replication(&self, name: &str) -> Option<&BucketReplication> {
        self.s3_replication.iter().find(|b| b.name == name)
    }

    pub fn capacity_group(&self, name: &str) -> Option<&CapacityGroup> {
        self.capacity.iter().find(|c| c.name == name)
    }

    pub fn aurora(&self, name: &str) -> Option<&AuroraGlobal> {
        self.aurora.iter().find(|d| d.name == name)
    }
}
