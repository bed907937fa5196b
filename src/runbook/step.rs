//! A validated runbook: every template rendered, every name resolved to the
//! environment's ARNs and Regions. This is what `plan` prints and the engine runs.

use super::condition::Condition;
use crate::model::ControlState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Runbook {
    pub name: String,
    pub summary: Option<String>,
    pub environment: String,
    pub rto: Duration,
    /// Parameter values used to render the templates (defaults plus `--param`).
    pub params: BTreeMap<String, String>,
    pub steps: Vec<Step>,
    pub path: Option<PathBuf>,
    /// sha256 of the file's bytes, hex.
    pub hash: String,
}

impl Runbook {
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub kind: StepKind,
    pub require: Vec<Condition>,
    pub verify: Vec<Condition>,
    pub on_failure: OnFailure,
    pub confirm: Confirm,
    /// Line in the runbook file, for the console's "open at" and for messages.
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    Stop,
    Continue,
    Goto(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirm {
    None,
    Yes,
    /// The operator types the target (Region or resource name).
    Typed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlChange {
    pub control: String,
    pub arn: String,
    pub panel: String,
    /// The Region or cell the control gates.
    pub gates: String,
    pub state: ControlState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Manual {
        instructions: String,
        checklist: Vec<String>,
    },
    Check {
        conditions: Vec<Condition>,
    },
    Wait {
        until: Vec<Condition>,
        timeout: Duration,
        poll: Duration,
    },
    RoutingControls {
        changes: Vec<ControlChange>,
    },
    AuroraSwitchover {
        database: String,
        global_cluster_id: String,
        from_region: String,
        to_region: String,
        target_cluster_arn: String,
    },
    AuroraFailover {
        database: String,
        global_cluster_id: String,
        from_region: String,
        to_region: String,
        target_cluster_arn: String,
        allow_data_loss: bool,
    },
    PromoteReplica {
        database: String,
        region: String,
        instance_id: String,
        backup_retention_days: Option<u32>,
    },
    Command {
        program: String,
        args: Vec<String>,
        timeout: Duration,
    },
    Approval {
        note: Option<String>,
    },
    Pause {
        duration: Duration,
    },
    /// AWS Backup StartRestoreJob of a protected resource's recovery point in its DR
    /// vault, then DescribeRestoreJob until the job ends or `timeout` passes.
    RestoreBackup {
        /// The `backups:` name.
        resource: String,
        /// The DR Region (the vault's).
        region: String,
        vault: String,
        resource_arn: String,
        resource_type: String,
        /// `None`: the newest usable point, chosen (and journaled) when the call is sent.
        recovery_point: Option<String>,
        /// The restored resource's name.
        name: String,
        iam_role_arn: String,
        /// The restore template with the name set.
        metadata: BTreeMap<String, String>,
        timeout: Duration,
    },
    /// RDS CreateDBInstance in an Aurora cluster, then DescribeDBInstances until it is
    /// `available` or `timeout` passes.
    CreateDbInstance {
        cluster: String,
        region: String,
        instance_id: String,
        class: String,
        engine: String,
        timeout: Duration,
    },
    /// Deletes the cluster `restore_step` restored in this run, after the instances
    /// this runbook's `create_db_instance` steps added to it. Refused unless this run's
    /// restore step completed and created exactly that cluster.
    DeleteRestored {
        restore_step: String,
        region: String,
        /// The restored cluster's identifier.
        name: String,
        instances: Vec<String>,
    },
    /// EC2 Auto Scaling UpdateAutoScalingGroup or ECS UpdateService of a `capacity:`
    /// group, then its capacity read until `desired` serves or `timeout` passes.
    Scale {
        /// The environment's `capacity:` name.
        group: String,
        region: String,
        target: crate::config::CapacityTarget,
        desired: u32,
        /// Auto Scaling groups only.
        min: Option<u32>,
        max: Option<u32>,
        timeout: Duration,
    },
    /// Waits out DynamoDB replication from `from` (the Region being evacuated):
    /// `factor` × the largest ReplicationLatency out of it in the last 15 minutes, at
    /// least `minimum`; `fallback` when that cannot be read.
    WaitReplication {
        /// The environment's global table name.
        table: String,
        from: String,
        factor: u32,
        minimum: Duration,
        fallback: Duration,
    },
}

/// The restore metadata key that names the restored resource, per AWS Backup resource
/// type (AWS Backup developer guide, "Restoring an Amazon Aurora cluster"
/// (`DBClusterIdentifier`), "Restoring an Amazon RDS database" (`DBInstanceIdentifier`),
/// "Restoring a DynamoDB table" (`targetTableName`), and the DocumentDB and Neptune
/// restore pages (`DBClusterIdentifier`)). Other types are not restored by a step yet.
pub fn restore_name_key(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "Aurora" | "DocumentDB" | "Neptune" => "DBClusterIdentifier",
        "RDS" => "DBInstanceIdentifier",
        "DynamoDB" => "targetTableName",
        _ => return None,
    })
}

impl StepKind {
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Manual { .. } => "manual",
            StepKind::Check { .. } => "check",
            StepKind::Wait { .. } => "wait",
            StepKind::RoutingControls { .. } => "routing_controls",
            StepKind::AuroraSwitchover { .. } => "aurora_switchover",
            StepKind::AuroraFailover { .. } => "aurora_failover",
            StepKind::PromoteReplica { .. } => "promote_replica",
            StepKind::Command { .. } => "command",
            StepKind::Approval { .. } => "approval",
            StepKind::Pause { .. } => "pause",
            StepKind::RestoreBackup { .. } => "restore_backup",
            StepKind::CreateDbInstance { .. } => "create_db_instance",
            StepKind::DeleteRestored { .. } => "delete_restored",
            StepKind::Scale { .. } => "scale",
            StepKind::WaitReplication { .. } => "wait_replication",
        }
    }

    /// Mutating steps change the world: read-only mode refuses them, and they confirm.
    pub fn is_mutating(&self) -> bool {
        matches!(
            self,
            StepKind::RoutingControls { .. }
                | StepKind::AuroraSwitchover { .. }
                | StepKind::AuroraFailover { .. }
                | StepKind::PromoteReplica { .. }
                | StepKind::Command { .. }
                | StepKind::RestoreBackup { .. }
                | StepKind::CreateDbInstance { .. }
                | StepKind::DeleteRestored { .. }
                | StepKind::Scale { .. }
        )
    }

    /// What a `typed` confirm asks the operator to type.
    pub fn typed_target(&self) -> String {
        match self {
            StepKind::AuroraSwitchover { to_region, .. }
            | StepKind::AuroraFailover { to_region, .. } => to_region.clone(),
            StepKind::PromoteReplica { instance_id, .. } => instance_id.clone(),
            StepKind::Command { program, .. } => program.clone(),
            StepKind::RestoreBackup { name, .. } => name.clone(),
            StepKind::CreateDbInstance { instance_id, .. } => instance_id.clone(),
            StepKind::DeleteRestored { name, .. } => name.clone(),
            StepKind::Scale { group, .. } => group.clone(),
            StepKind::RoutingControls { changes } => {
                // The Region being switched on, when the change names exactly one.
                let mut on: Vec<&str> = changes
                    .iter()
                    .filter(|c| c.state == ControlState::On)
                    .map(|c| c.gates.as_str())
                    .collect();
                on.dedup();
                // Else the Region being switched off (an evacuation), when exactly one.
                let mut off: Vec<&str> = changes
                    .iter()
                    .filter(|c| c.state == ControlState::Off)
                    .map(|c| c.gates.as_str())
                    .collect();
                off.dedup();
                match (on.as_slice(), off.as_slice()) {
                    ([one], _) | ([], [one]) => (*one).to_string(),
                    _ => changes.first().map(|c| c.panel.clone()).unwrap_or_default(),
                }
            }
            _ => String::new(),
        }
    }
}
