//! SDK client construction: one RDS and one CloudWatch client per Region, one STS
//! client, one ARC client per cluster endpoint (signed for that endpoint's Region).

use super::{ProviderConfig, ProviderError, Target};
use crate::config::Environment;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use std::collections::BTreeMap;

pub(super) struct Built {
    pub rds: BTreeMap<String, aws_sdk_rds::Client>,
    /// For mutating calls: exactly one attempt, so the SDK never re-sends a
    /// failover that landed but answered late.
    pub rds_mutating: BTreeMap<String, aws_sdk_rds::Client>,
    pub cloudwatch: BTreeMap<String, aws_sdk_cloudwatch::Client>,
    /// AWS Backup, in each Region a protected resource or its DR vault is in.
    pub backup: BTreeMap<String, aws_sdk_backup::Client>,
    /// One attempt, for StartRestoreJob.
    pub backup_mutating: BTreeMap<String, aws_sdk_backup::Client>,
    pub autoscaling: BTreeMap<String, aws_sdk_autoscaling::Client>,
    /// One attempt, for UpdateAutoScalingGroup.
    pub autoscaling_mutating: BTreeMap<String, aws_sdk_autoscaling::Client>,
    pub ecs: BTreeMap<String, aws_sdk_ecs::Client>,
    /// One attempt, for UpdateService.
    pub ecs_mutating: BTreeMap<String, aws_sdk_ecs::Client>,
    /// The preferred STS Region first, then every other Region of the environment.
    pub sts: Vec<(String, aws_sdk_sts::Client)>,
    /// (region, url, client) in file order.
    pub arc: Vec<(String, String, aws_sdk_route53recoverycluster::Client)>,
    /// The credential chain every client signs with.
    pub credentials: Option<SharedCredentialsProvider>,
}

fn timeouts(cfg: &ProviderConfig) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(cfg.connect_timeout)
        .operation_attempt_timeout(cfg.attempt_timeout)
        .operation_timeout(cfg.operation_timeout)
        .build()
}

/// ARC: one attempt per endpoint; the rotation moves on to the next endpoint instead
/// of retrying a sick one.
fn arc_timeouts(cfg: &ProviderConfig) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(cfg.connect_timeout)
        .operation_attempt_timeout(cfg.attempt_timeout)
        .operation_timeout(cfg.attempt_timeout)
        .build()
}

fn retries(cfg: &ProviderConfig) -> RetryConfig {
    RetryConfig::standard().with_max_attempts(cfg.max_attempts.max(1))
}

/// Mutating calls are never retried by the SDK: a retry after a timeout may be a
/// second send of a request that already landed.
fn no_retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(1)
}

/// One attempt, so the operation budget is the attempt budget.
fn mutating_timeouts(cfg: &ProviderConfig) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(cfg.connect_timeout)
        .operation_attempt_timeout(cfg.operation_timeout)
        .operation_timeout(cfg.operation_timeout)
        .build()
}

/// The shared SDK configuration: the twin's static credentials and endpoint (signed
/// for `twin_region`), or the machine's credential chain. `discover` and `doctor`
/// build their own clients from it.
pub(crate) async fn base_config(
    twin_region: &str,
    target: &Target,
    cfg: &ProviderConfig,
) -> Result<SdkConfig, ProviderError> {
    match target {
        Target::Twin {
            aws_endpoint_url, ..
        } => {
            let creds = Credentials::new(
                "AKIDDRCONSOLETWIN",
                "drconsole-twin-secret",
                None,
                None,
                "drconsole-twin",
            );
            Ok(SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(twin_region.to_string()))
                .credentials_provider(SharedCredentialsProvider::new(creds))
                .endpoint_url(aws_endpoint_url.clone())
                .timeout_config(timeouts(cfg))
                .retry_config(retries(cfg))
                .build())
        }
        Target::Live { profile, region } => {
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .timeout_config(timeouts(cfg))
                .retry_config(retries(cfg));
            if let Some(p) = profile {
                loader = loader.profile_name(p);
            }
            if let Some(r) = region {
                loader = loader.region(Region::new(r.clone()));
            }
            Ok(loader.load().await)
        }
    }
}

pub(super) async fn build(
    env: &Environment,
    target: &Target,
    cfg: &ProviderConfig,
) -> Result<Built, ProviderError> {
    let base = base_config(&env.primary().name, target, cfg).await?;
    let mut regions: Vec<String> = env.regions.iter().map(|r| r.name.clone()).collect();
    for m in env.aurora.iter().flat_map(|d| d.members.iter()) {
        regions.push(m.region.clone());
    }
    for p in &env.replicas {
        regions.push(p.primary.region.clone());
        regions.push(p.replica.region.clone());
    }
    for b in &env.backups {
        regions.push(b.source_region.clone());
        regions.push(b.dr_region.clone());
    }
    // Route 53 health-check metrics live in us-east-1 only.
    if env.regions.iter().any(|r| !r.health_checks.is_empty()) {
        regions.push("us-east-1".to_string());
    }
    regions.sort();
    regions.dedup();

    let mut rds = BTreeMap::new();
    let mut rds_mutating = BTreeMap::new();
    let mut cloudwatch = BTreeMap::new();
    let mut backup = BTreeMap::new();
    let mut backup_mutating = BTreeMap::new();
    for b in &env.backups {
        for r in [&b.source_region, &b.dr_region] {
            let conf = aws_sdk_backup::config::Builder::from(&base)
                .region(Region::new(r.clone()))
                .build();
            backup.insert(r.clone(), aws_sdk_backup::Client::from_conf(conf));
            let conf = aws_sdk_backup::config::Builder::from(&base)
                .region(Region::new(r.clone()))
                .retry_config(no_retries())
                .timeout_config(mutating_timeouts(cfg))
                .build();
            backup_mutating.insert(r.clone(), aws_sdk_backup::Client::from_conf(conf));
        }
    }
    let mut autoscaling = BTreeMap::new();
    let mut autoscaling_mutating = BTreeMap::new();
    let mut ecs = BTreeMap::new();
    let mut ecs_mutating = BTreeMap::new();
    for g in &env.capacity {
        let r = &g.region;
        let reader = Region::new(r.clone());
        match g.target {
            crate::config::CapacityTarget::Asg { .. } => {
                let conf = aws_sdk_autoscaling::config::Builder::from(&base)
                    .region(reader.clone())
                    .build();
                autoscaling.insert(r.clone(), aws_sdk_autoscaling::Client::from_conf(conf));
                let conf = aws_sdk_autoscaling::config::Builder::from(&base)
                    .region(reader)
                    .retry_config(no_retries())
                    .timeout_config(mutating_timeouts(cfg))
                    .build();
                autoscaling_mutating
                    .insert(r.clone(), aws_sdk_autoscaling::Client::from_conf(conf));
            }
            crate::config::CapacityTarget::EcsService { .. } => {
                let conf = aws_sdk_ecs::config::Builder::from(&base)
                    .region(reader.clone())
                    .build();
                ecs.insert(r.clone(), aws_sdk_ecs::Client::from_conf(conf));
                let conf = aws_sdk_ecs::config::Builder::from(&base)
                    .region(reader)
                    .retry_config(no_retries())
                    .timeout_config(mutating_timeouts(cfg))
                    .build();
                ecs_mutating.insert(r.clone(), aws_sdk_ecs::Client::from_conf(conf));
            }
        }
    }
    for r in &regions {
        let rc = aws_sdk_rds::config::Builder::from(&base)
            .region(Region::new(r.clone()))
            .build();
        rds.insert(r.clone(), aws_sdk_rds::Client::from_conf(rc));
        let mc = aws_sdk_rds::config::Builder::from(&base)
            .region(Region::new(r.clone()))
            .retry_config(no_retries())
            .timeout_config(mutating_timeouts(cfg))
            .build();
        rds_mutating.insert(r.clone(), aws_sdk_rds::Client::from_conf(mc));
        let cc = aws_sdk_cloudwatch::config::Builder::from(&base)
            .region(Region::new(r.clone()))
            .build();
        cloudwatch.insert(r.clone(), aws_sdk_cloudwatch::Client::from_conf(cc));
    }

    let sts_region = match target {
        Target::Live {
            region: Some(r), ..
        } => r.clone(),
        _ => base
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| env.primary().name.clone()),
    };
    let mut sts_regions = vec![sts_region];
    sts_regions.extend(env.regions.iter().map(|r| r.name.clone()));
    sts_regions.dedup();
    let mut seen = std::collections::BTreeSet::new();
    sts_regions.retain(|r| seen.insert(r.clone()));
    let sts = sts_regions
        .into_iter()
        .map(|r| {
            let conf = aws_sdk_sts::config::Builder::from(&base)
                .region(Region::new(r.clone()))
                .build();
            (r, aws_sdk_sts::Client::from_conf(conf))
        })
        .collect();

    let urls: Vec<String> = match target {
        Target::Twin {
            arc_endpoint_urls, ..
        } => {
            if arc_endpoint_urls.len() != env.arc.endpoints.len() {
                return Err(ProviderError::NotConfigured(format!(
                    "the twin offers {} ARC endpoints, the environment lists {}",
                    arc_endpoint_urls.len(),
                    env.arc.endpoints.len()
                )));
            }
            arc_endpoint_urls.clone()
        }
        Target::Live { .. } => env.arc.endpoints.iter().map(|e| e.url.clone()).collect(),
    };
    let arc = env
        .arc
        .endpoints
        .iter()
        .zip(urls)
        .map(|(ep, url)| {
            // The signing Region must be the endpoint's own Region.
            let conf = aws_sdk_route53recoverycluster::config::Builder::from(&base)
                .region(Region::new(ep.region.clone()))
                .endpoint_url(url.clone())
                .timeout_config(arc_timeouts(cfg))
                .retry_config(no_retries())
                .build();
            (
                ep.region.clone(),
                url,
                aws_sdk_route53recoverycluster::Client::from_conf(conf),
            )
        })
        .collect();

    Ok(Built {
        credentials: base.credentials_provider(),
        rds,
        rds_mutating,
        cloudwatch,
        backup,
        backup_mutating,
        autoscaling,
        autoscaling_mutating,
        ecs,
        ecs_mutating,
        sts,
        arc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twin_target(env: &Environment) -> Target {
        Target::Twin {
            aws_endpoint_url: "http://127.0.0.1:9".into(),
            arc_endpoint_urls: (0..env.arc.endpoints.len())
                .map(|i| format!("http://127.0.0.1:{}", 10 + i))
                .collect(),
        }
    }

    #[tokio::test]
    async fn mutating_rds_clients_never_retry_and_readers_do() {
        let env = Environment::builtin_default().expect("built-in environment");
        let cfg = ProviderConfig::default();
        let built = build(&env, &twin_target(&env), &cfg).await.expect("build");
        assert!(!built.rds_mutating.is_empty());
        assert_eq!(built.rds.len(), built.rds_mutating.len());
        for (region, client) in &built.rds_mutating {
            let retry = client.config().retry_config().expect("retry config");
            assert_eq!(retry.max_attempts(), 1, "mutating client in {region}");
        }
        for (region, client) in &built.rds {
            let retry = client.config().retry_config().expect("retry config");
            assert_eq!(retry.max_attempts(), cfg.max_attempts, "reader in {region}");
        }
        for (region, client) in &built.backup_mutating {
            let retry = client.config().retry_config().expect("retry config");
            assert_eq!(
                retry.max_attempts(),
                1,
                "StartRestoreJob client in {region}"
            );
        }
        for (region, client) in &built.autoscaling_mutating {
            let retry = client.config().retry_config().expect("retry config");
            assert_eq!(
                retry.max_attempts(),
                1,
                "UpdateAutoScalingGroup in {region}"
            );
        }
        for (region, client) in &built.ecs_mutating {
            let retry = client.config().retry_config().expect("retry config");
            assert_eq!(retry.max_attempts(), 1, "UpdateService in {region}");
        }
        assert!(!built.autoscaling_mutating.is_empty() && !built.ecs_mutating.is_empty());
        for (_, _, client) in &built.arc {
            let retry = client.config().retry_config().expect("retry config");
            assert_eq!(retry.max_attempts(), 1, "ARC rotates instead of retrying");
        }
    }
}
