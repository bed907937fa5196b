//! What the provider's reads return: plain data, no SDK types leak out.

use crate::model::{AlarmState, ControlState};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// One Aurora global cluster as DescribeGlobalClusters reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalClusterInfo {
    pub id: String,
    pub status: Option<String>,
    pub members: Vec<GlobalMemberInfo>,
    pub failover: Option<FailoverInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalMemberInfo {
    pub cluster_arn: String,
    pub is_writer: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailoverInfo {
    pub status: String,
    pub from_cluster_arn: Option<String>,
    pub to_cluster_arn: Option<String>,
    pub data_loss_allowed: bool,
}

/// One DB instance (DescribeDBInstances).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceInfo {
    pub id: String,
    pub status: Option<String>,
    /// StatusInfos entry of type "read replication".
    pub replication_status: Option<String>,
    pub replica_source: Option<String>,
}

/// One CloudWatch alarm (DescribeAlarms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmInfo {
    pub name: String,
    /// A composite alarm (DescribeAlarms CompositeAlarms), not a metric alarm.
    pub composite: bool,
    pub state: Option<AlarmState>,
    pub reason: Option<String>,
}

/// One metric in a batched GetMetricData call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricRequest {
    /// Caller's key; echoed in the answer.
    pub key: String,
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: Vec<(String, String)>,
    pub period_s: i32,
    pub stat: String,
}

/// Datapoints of one metric, oldest first, each stamped with the period it describes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricPoints {
    pub key: String,
    pub points: Vec<(DateTime<Utc>, f64)>,
    /// Why this is not CloudWatch's whole answer (a StatusCode other than Complete,
    /// with its Messages); None when complete. After InternalError or Forbidden the
    /// points are dropped: the metric is unknown.
    pub incomplete: Option<String>,
}

/// One routing control as ARC reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlInfo {
    pub arn: String,
    pub name: Option<String>,
    pub panel_arn: Option<String>,
    pub state: Option<ControlState>,
}

/// The caller identity.
pub use crate::model::snapshot::Identity;

/// How long a call took.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A recovery point (AWS Backup ListRecoveryPointsByBackupVault / ByResource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPointInfo {
    pub arn: String,
    /// As AWS sent it (RecoveryPointStatus).
    pub status: Option<String>,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Set on a copy: the vault it came from.
    pub source_vault_arn: Option<String>,
}

/// A copy job (AWS Backup ListCopyJobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyJobInfo {
    pub id: String,
    /// As AWS sent it (CopyJobState).
    pub state: Option<String>,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub source_point_arn: Option<String>,
    pub dest_point_arn: Option<String>,
    pub dest_vault_arn: Option<String>,
    pub status_message: Option<String>,
}

/// A restore job (AWS Backup DescribeRestoreJob / ListRestoreJobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreJobInfo {
    pub id: String,
    pub recovery_point_arn: Option<String>,
    /// As AWS sent it: PENDING | RUNNING | COMPLETED | ABORTED | FAILED.
    pub status: Option<String>,
    pub status_message: Option<String>,
    /// As AWS sent it (e.g. `42.00%` on the twin; the format is not documented).
    pub percent_done: Option<String>,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_resource_arn: Option<String>,
}

/// One Auto Scaling group or ECS service, counted (DescribeAutoScalingGroups /
/// DescribeServices). Counts are of what AWS listed at the moment of the read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityInfo {
    /// DesiredCapacity / desiredCount.
    pub desired: u32,
    /// ASG: MinSize and MaxSize; ECS services have none.
    pub min: Option<u32>,
    pub max: Option<u32>,
    /// ASG: instances InService and Healthy; ECS: runningCount.
    pub in_service: u32,
    /// ASG: instances launching (Pending, Pending:Wait, Pending:Proceed); ECS:
    /// pendingCount.
    pub warming: u32,
    /// ASG: InService instances whose HealthStatus is Unhealthy.
    pub unhealthy: u32,
    /// ECS: the service's status (ACTIVE, DRAINING, INACTIVE); None for an ASG.
    pub status: Option<String>,
}
