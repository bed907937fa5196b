//! The one gateway to AWS: SDK clients per Region and per ARC cluster endpoint,
//! endpoint rotation, timeouts, and the single choke point for mutating calls.
//!
//! The same code serves the real account and the simulated twin; only the
//! [`Target`] differs (where requests go and which credentials sign them).

mod arc;
mod backup;
mod capacity;
mod clients;
pub(crate) use clients::base_config;
mod cloudwatch;
pub mod error;
mod mutate;
mod rds;
pub mod rotation;
mod sts;
pub mod types;

pub use arc::ArcAnswer;
pub use capacity::{ECS_SERVICES_PER_CALL, count_asg_instances};
pub use error::ProviderError;
pub use mutate::{ControlUpdate, MutatingRequest, MutationOutcome};
pub use types::ControlInfo;
pub use types::*;

use crate::config::Environment;
use crate::model::Mode;
use crate::model::snapshot::EndpointStatus;
use std::collections::BTreeMap;
use std::time::Duration;

/// Timeouts and retries. Every call is bounded: a black-holed Region never hangs a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderConfig {
    pub connect_timeout: Duration,
    /// One HTTP attempt; also the per-endpoint budget of an ARC rotation.
    pub attempt_timeout: Duration,
    /// One operation including retries (RDS, CloudWatch, STS).
    pub operation_timeout: Duration,
    /// Attempts per read (standard retry mode). Mutating RDS calls always get 1
    /// attempt (with `operation_timeout` as its budget) so nothing is re-sent; ARC
    /// uses 1 and rotates endpoints instead.
    pub max_attempts: u32,
}

/// Defaults sized for a real network, not loopback (README, "Timeouts"). The worst
/// case is a cold TLS connection from a bastion in one Region to an ARC cluster
/// endpoint on another continent, round trip (RTT) 150–300 ms:
/// - connect: TCP handshake (1 RTT) + TLS 1.3 handshake (1 RTT) + a DNS miss (up to
///   1 RTT) ≈ 3 × 300 ms = 0.9 s; one lost SYN costs Linux's initial retransmission
///   timeout of 1 s → 2 s;
/// - one attempt: the connect (≤ 2 s) + the SigV4-signed request and its reply (1 RTT,
///   0.3 s) + the service's own time (ARC commits an update across its Regions; AWS
///   documents no figure, 1 s allowed, unverified) ≈ 3.3 s → 4 s;
/// - one read operation: two attempts and a back-off → 10 s.
///
/// Dark endpoints do not cost these bounds on every call: the rotation starts on an
/// endpoint known to answer, and an update with none known first races a read on all.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(2_000);
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_millis(4_000);
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_millis(10_000);

impl Default for ProviderConfig {
    fn default() -> Self {
        ProviderConfig {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            max_attempts: 2,
        }
    }
}

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The simulated twin: dummy static credentials, nothing read from the machine's
    /// AWS environment or profiles.
    Twin {
        /// One URL for RDS, CloudWatch and STS (the Region is in the signature).
        aws_endpoint_url: String,
        /// The five ARC listeners, in the environment file's order.
        arc_endpoint_urls: Vec<String>,
    },
    /// A real account: the standard credential chain, endpoint overrides honoured.
    Live {
        profile: Option<String>,
        /// Region for STS (defaults to the chain's Region, then the primary's).
        region: Option<String>,
    },
}

/// The SDK clients for one environment.
pub struct Provider {
    mode: Mode,
    read_only: bool,
    config: ProviderConfig,
    rds: BTreeMap<String, aws_sdk_rds::Client>,
    /// Same Regions as `rds`, one attempt only: for mutating calls.
    rds_mutating: BTreeMap<String, aws_sdk_rds::Client>,
    cloudwatch: BTreeMap<String, aws_sdk_cloudwatch::Client>,
    backup: BTreeMap<String, aws_sdk_backup::Client>,
    backup_mutating: BTreeMap<String, aws_sdk_backup::Client>,
    /// EC2 Auto Scaling and ECS, in each Region a capacity group is in.
    autoscaling: BTreeMap<String, aws_sdk_autoscaling::Client>,
    /// One attempt, for UpdateAutoScalingGroup.
    autoscaling_mutating: BTreeMap<String, aws_sdk_autoscaling::Client>,
    ecs: BTreeMap<String, aws_sdk_ecs::Client>,
    /// One attempt, for UpdateService.
    ecs_mutating: BTreeMap<String, aws_sdk_ecs::Client>,
    /// Preferred Region first; the others are fallbacks when it does not answer.
    sts: Vec<(String, aws_sdk_sts::Client)>,
    arc: arc::ArcEndpoints,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("mode", &self.mode)
            .field("read_only", &self.read_only)
            .field("regions", &self.rds.keys().collect::<Vec<_>>())
            .field("arc_endpoints", &self.arc.len())
            .finish()
    }
}

impl Provider {
    /// Builds every client. Sends nothing.
    pub async fn connect(
        env: &Environment,
        target: Target,
        config: ProviderConfig,
        read_only: bool,
    ) -> Result<Provider, ProviderError> {
        let built = clients::build(env, &target, &config).await?;
        let mode = match target {
            Target::Twin { .. } => Mode::Simulated,
            Target::Live { .. } => Mode::Live,
        };
        Ok(Provider {
            mode,
            read_only,
            config,
            rds: built.rds,
            rds_mutating: built.rds_mutating,
            cloudwatch: built.cloudwatch,
            backup: built.backup,
            backup_mutating: built.backup_mutating,
            autoscaling: built.autoscaling,
            autoscaling_mutating: built.autoscaling_mutating,
            ecs: built.ecs,
            ecs_mutating: built.ecs_mutating,
            sts: built.sts,
            arc: arc::ArcEndpoints::new(built.arc),
            credentials: built.credentials,
        })
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    pub fn config(&self) -> ProviderConfig {
        self.config
    }

    /// The preferred Region for STS.
    pub fn sts_region(&self) -> &str {
        self.sts
            .first()
            .map(|(r, _)| r.as_str())
            .unwrap_or_default()
    }

    /// Resolves the credential chain once, bounded by `within`, so a machine without
    /// credentials is told so plainly before any call fails (live mode). Sends no
    /// AWS API request (SSO or IMDS may be asked, as the chain requires).
    pub async fn resolve_credentials(&self, within: Duration) -> Result<(), ProviderError> {
        use aws_credential_types::provider::ProvideCredentials;
        let Some(chain) = &self.credentials else {
            return Err(ProviderError::NoCredentials(
                "no credential provider is configured".into(),
            ));
        };
        match tokio::time::timeout(within, chain.provide_credentials()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(ProviderError::NoCredentials(e.to_string())),
            Err(_) => Err(ProviderError::NoCredentials(format!(
                "the credential chain gave no answer within {} ms",
                within.as_millis()
            ))),
        }
    }

    /// Each ARC cluster endpoint's last latency and error.
    pub fn endpoint_statuses(&self) -> Vec<EndpointStatus> {
        self.arc.statuses()
    }

    fn rds(&self, region: &str) -> Result<&aws_sdk_rds::Client, ProviderError> {
        self.rds
            .get(region)
            .ok_or_else(|| ProviderError::NotConfigured(format!("no RDS client for {region}")))
    }

    /// The one-attempt client for mutating calls in `region`.
    fn rds_mutating(&self, region: &str) -> Result<&aws_sdk_rds::Client, ProviderError> {
        self.rds_mutating
            .get(region)
            .ok_or_else(|| ProviderError::NotConfigured(format!("no RDS client for {region}")))
    }

    fn backup(&self, region: &str) -> Result<&aws_sdk_backup::Client, ProviderError> {
        self.backup.get(region).ok_or_else(|| {
            ProviderError::NotConfigured(format!("no AWS Backup client for {region}"))
        })
    }

    fn backup_mutating(&self, region: &str) -> Result<&aws_sdk_backup::Client, ProviderError> {
        self.backup_mutating.get(region).ok_or_else(|| {
            ProviderError::NotConfigured(format!("no AWS Backup client for {region}"))
        })
    }

    fn cloudwatch(&self, region: &str) -> Result<&aws_sdk_cloudwatch::Client, ProviderError> {
        self.cloudwatch.get(region).ok_or_else(|| {
            ProviderError::NotConfigured(format!("no CloudWatch client for {region}"))
        })
    }
}

/// ARC reads.
impl Provider {
    /// ListRoutingControls (every page) through the first endpoint that answers.
    pub async fn list_routing_controls(
        &self,
    ) -> Result<ArcAnswer<Vec<ControlInfo>>, ProviderError> {
        self.arc.list(self.arc_guard()).await
    }

    pub async fn get_routing_control_state(
        &self,
        arn: &str,
    ) -> Result<ArcAnswer<ControlInfo>, ProviderError> {
        self.arc.get_state(arn, self.arc_guard()).await
    }

    /// Per-endpoint bound, a little above the SDK's own attempt timeout.
    fn arc_guard(&self) -> Duration {
        self.config.attempt_timeout + self.config.connect_timeout + Duration::from_millis(200)
    }
}
