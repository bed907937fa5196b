//! Replication beyond Aurora and RDS: DynamoDB global tables and S3 replication
//! rules, as CloudWatch reports them.

use crate::config::WriteStrategy;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A DynamoDB global table: one link per (source Region, receiving Region).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableReplicationStatus {
    /// The environment's name.
    pub name: String,
    pub table: String,
    pub write: WriteStrategy,
    pub links: Vec<TableLinkStatus>,
}

/// `ReplicationLatency` (AWS/DynamoDB, dimensions TableName and ReceivingRegion,
/// published in the Region the write was made in; milliseconds — DynamoDB developer
/// guide, "DynamoDB metrics and dimensions").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableLinkStatus {
    pub from: String,
    pub to: String,
    /// Latest datapoint, only while young and its source Region answers.
    pub latency_ms: Option<f64>,
    pub history: Vec<f64>,
    /// The largest latency in the history kept (what an evacuation waits out).
    pub recent_max_ms: Option<f64>,
    pub metrics_at: Option<DateTime<Utc>>,
}

/// One S3 replication rule's metrics (AWS/S3, dimensions SourceBucket,
/// DestinationBucket and RuleId, published in the source bucket's Region; S3 user
/// guide, "Monitoring replication with replication metrics"): ReplicationLatency
/// in seconds, OperationsPendingReplication, BytesPendingReplication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketReplicationStatus {
    pub name: String,
    pub source_region: String,
    pub source_bucket: String,
    pub destination_region: String,
    pub destination_bucket: String,
    pub rule_id: String,
    pub write: WriteStrategy,
    pub latency_s: Option<f64>,
    pub operations_pending: Option<f64>,
    pub bytes_pending: Option<f64>,
    pub latency_history: Vec<f64>,
    pub metrics_at: Option<DateTime<Utc>>,
}

impl TableReplicationStatus {
    pub fn has_unknown(&self) -> bool {
        self.links.iter().any(|l| l.latency_ms.is_none())
    }
}

impl BucketReplicationStatus {
    pub fn has_unknown(&self) -> bool {
        self.latency_s.is_none()
            || self.operations_pending.is_none()
            || self.bytes_pending.is_none()
    }
}
