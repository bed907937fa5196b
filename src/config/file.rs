//! The environment file as written, with positions kept for validation errors.

use crate::model::{ControlState, RuleConfig};
use serde::Deserialize;
use serde_saphyr::Spanned;

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
