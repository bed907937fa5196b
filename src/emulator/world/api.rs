//! The world's wire-neutral views and errors: what the protocol front ends render.
//!
//! Nothing here knows JSON, XML or CBOR; `crate::emulator::wire` does.

use crate::model::{AlarmState, ControlState};
use chrono::{DateTime, Utc};

/// How a Region's endpoints behave for requests signed for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Up,
    /// Accept the connection, then never answer.
    Hang,
    /// Accept the connection, then drop it without a reply.
    Drop,
}

/// How one ARC cluster endpoint listener behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointMode {
    Up,
    /// Black hole: connections accepted, never answered.
    Down,
    /// Answers after this extra delay.
    Slow {
        latency_ms: u64,
    },
    /// Every request gets ThrottlingException.
    Throttling,
}

/// AWS service, for per-service fault injection and the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Arc,
    Rds,
    CloudWatch,
    Sts,
    Backup,
    /// EC2 Auto Scaling (awsQuery).
    AutoScaling,
    /// Amazon ECS (awsJson1_1).
    Ecs,
    /// ARC Recovery Control Configuration (restJson1), the control plane.
    ArcControlConfig,
    /// Amazon Route 53 (restXml), global.
    Route53,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlView {
    pub panel_arn: String,
    pub panel_name: String,
    pub arn: String,
    pub name: String,
    pub state: ControlState,
    pub owner: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArcError {
    #[error("ResourceNotFoundException: {0}")]
    NotFound(String),
    /// A safety rule (or its wait period) blocked the update; names each rule's ARN.
    #[error("ConflictException: {message}")]
    Conflict {
        message: String,
        rule_arns: Vec<String>,
    },
    #[error("ValidationException: {0}")]
    Validation(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailoverView {
    /// pending | failing-over | cancelling
    pub status: String,
    pub from_cluster_arn: String,
    pub to_cluster_arn: String,
    pub is_data_loss_allowed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalMemberView {
    pub cluster_arn: String,
    pub readers: Vec<String>,
    pub is_writer: bool,
    /// "enabled" | "disabled" etc.
    pub write_forwarding: String,
    /// "connected" | "pending-resync"
    pub synchronization: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalClusterView {
    pub id: String,
    pub resource_id: String,
    pub arn: String,
    pub status: String,
    pub engine: String,
    pub engine_version: String,
    pub members: Vec<GlobalMemberView>,
    pub failover: Option<FailoverView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbClusterView {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub engine: String,
    pub engine_version: String,
    /// Some(global id) when a member of a global database.
    pub global_cluster_id: Option<String>,
    pub is_writer: bool,
    pub endpoint: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbInstanceView {
    pub id: String,
    pub arn: String,
    /// available | modifying | rebooting | …
    pub status: String,
    pub engine: String,
    /// For a replica: the source instance ARN.
    pub replica_source: Option<String>,
    pub replicas: Vec<String>,
    /// StatusInfos "read replication": replicating | error | stopped …
    pub replication_status: Option<String>,
    /// DBClusterIdentifier, for an Aurora cluster's instance.
    pub cluster: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RdsError {
    #[error("GlobalClusterNotFoundFault: {0}")]
    GlobalClusterNotFound(String),
    #[error("DBClusterNotFoundFault: {0}")]
    DbClusterNotFound(String),
    #[error("DBInstanceNotFound: {0}")]
    DbInstanceNotFound(String),
    #[error("DBInstanceAlreadyExists: {0}")]
    DbInstanceAlreadyExists(String),
    #[error("InvalidGlobalClusterStateFault: {0}")]
    InvalidGlobalClusterState(String),
    #[error("InvalidDBClusterStateFault: {0}")]
    InvalidDbClusterState(String),
    #[error("InvalidDBInstanceState: {0}")]
    InvalidDbInstanceState(String),
    #[error("InvalidParameterCombination: {0}")]
    InvalidParameterCombination(String),
    #[error("InvalidParameterValue: {0}")]
    InvalidParameterValue(String),
}

/// One metric query, after protocol decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: Vec<(String, String)>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub period_s: u64,
    /// Average | Maximum | Minimum | Sum | SampleCount
    pub stat: String,
}

/// Datapoints newest first, as GetMetricData returns them by default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricSeries {
    pub timestamps: Vec<DateTime<Utc>>,
    pub values: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmView {
    /// `Some(AlarmRule)` for a composite alarm, `None` for a metric alarm.
    pub composite_rule: Option<String>,
    pub name: String,
    pub arn: String,
    pub state: AlarmState,
    pub reason: String,
    pub updated: DateTime<Utc>,
    pub namespace: String,
    pub metric_name: String,
}

/// Writes lost in an unplanned failover, as the twin recorded them.
#[derive(Debug, Clone, PartialEq)]
pub struct DataLossEvent {
    pub at: DateTime<Utc>,
    pub global_cluster_id: String,
    pub from_region: String,
    pub to_region: String,
    /// The RPO lag at the moment of failover: committed writes that never arrived.
    pub lost_ms: f64,
}

/// A recovery point as AWS Backup's list calls describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPointView {
    pub arn: String,
    pub vault_name: String,
    pub vault_arn: String,
    /// Set on a copy: the vault it was copied from.
    pub source_vault_arn: Option<String>,
    pub resource_arn: String,
    pub resource_type: String,
    /// RecoveryPointStatus: CREATING | COMPLETED | …
    pub status: &'static str,
    pub creation: DateTime<Utc>,
    pub initiation: DateTime<Utc>,
    pub completion: Option<DateTime<Utc>>,
    pub iam_role_arn: String,
}

/// A cross-Region copy job as ListCopyJobs describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyJobView {
    pub id: String,
    pub source_vault_arn: String,
    pub source_point_arn: String,
    pub dest_vault_arn: String,
    /// Known once the copy completed.
    pub dest_point_arn: Option<String>,
    pub resource_arn: String,
    pub resource_type: String,
    /// CopyJobState: CREATED | RUNNING | COMPLETED | FAILED | PARTIAL.
    pub state: &'static str,
    pub status_message: Option<String>,
    pub creation: DateTime<Utc>,
    pub completion: Option<DateTime<Utc>>,
    pub iam_role_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    #[error("ResourceNotFoundException: {0}")]
    NotFound(String),
    #[error("InvalidParameterValueException: {0}")]
    InvalidParameter(String),
}

/// A restore job as DescribeRestoreJob / ListRestoreJobs describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreJobView {
    pub id: String,
    pub point_arn: String,
    pub point_created: DateTime<Utc>,
    pub vault_arn: String,
    pub resource_type: String,
    pub iam_role_arn: Option<String>,
    /// RestoreJobStatus: PENDING | RUNNING | COMPLETED | ABORTED | FAILED.
    pub status: &'static str,
    pub status_message: Option<String>,
    pub percent_done: String,
    pub created: DateTime<Utc>,
    pub completed: Option<DateTime<Utc>>,
    pub created_resource_arn: Option<String>,
    pub expected_minutes: i64,
    /// `Engine` from the restore metadata (twin bookkeeping, not sent on the wire).
    pub engine: Option<String>,
}
