//! What `discover` read, before any inference: plain data, so the inference is pure
//! and tested without a network.

use crate::model::SafetyRule;
use std::collections::BTreeMap;

/// ARC control configuration (Recovery Control Configuration API).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawArc {
    pub cluster_arn: String,
    /// DescribeCluster's `Name`.
    pub cluster_name: String,
    /// (Region, URL) as DescribeCluster's `ClusterEndpoints` lists them.
    pub endpoints: Vec<(String, String)>,
    pub panels: Vec<RawPanel>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawPanel {
    pub name: String,
    pub arn: String,
    /// (name, ARN).
    pub controls: Vec<(String, String)>,
    /// Controls named by ARN, as ListSafetyRules returns them.
    pub rules: Vec<SafetyRule>,
}

/// A Route 53 health check, by the part of its `HealthCheckConfig` discovery uses
/// (Route 53 API reference, HealthCheckConfig: `Type`, `RoutingControlArn`,
/// `ChildHealthChecks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawHealthCheck {
    /// `Type: RECOVERY_CONTROL`: healthy while its routing control is On.
    RecoveryControl { id: String, control_arn: String },
    /// `Type: CALCULATED`: healthy from its children.
    Calculated { id: String, children: Vec<String> },
    /// Any other type (HTTP, HTTPS, TCP, CLOUDWATCH_METRIC …): an application check.
    Endpoint { id: String, kind: String },
}

impl RawHealthCheck {
    pub fn id(&self) -> &str {
        match self {
            RawHealthCheck::RecoveryControl { id, .. }
            | RawHealthCheck::Calculated { id, .. }
            | RawHealthCheck::Endpoint { id, .. } => id,
        }
    }
}

/// How a record routes, from ResourceRecordSet (Route 53 API reference): `Failover`
/// PRIMARY/SECONDARY, or `Region` for latency records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawRouting {
    FailoverPrimary,
    FailoverSecondary,
    Latency { region: String },
    Other,
}

/// A record with a health check attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    pub zone: String,
    pub name: String,
    pub set_identifier: Option<String>,
    pub routing: RawRouting,
    pub health_check_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawGlobalCluster {
    pub id: String,
    /// (member DB cluster ARN, IsWriter).
    pub members: Vec<(String, bool)>,
}

/// A DB instance that is a read replica (`ReadReplicaSourceDBInstanceIdentifier`
/// set; across Regions that identifier is the source's ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawReplica {
    pub region: String,
    pub instance_id: String,
    pub source: String,
}

/// Everything read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawDiscovery {
    pub arc: RawArc,
    pub health_checks: Vec<RawHealthCheck>,
    pub records: Vec<RawRecord>,
    pub global_clusters: Vec<RawGlobalCluster>,
    pub replicas: Vec<RawReplica>,
    /// Region → alarm names (metric and composite), when alarms were read.
    pub alarms: Option<BTreeMap<String, Vec<String>>>,
    /// Regions named with `--region`.
    pub regions_asked: Vec<String>,
}
