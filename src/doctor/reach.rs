//! The reachability section: each ARC cluster endpoint answers a data-plane read,
//! each control ARN exists, and each Region's APIs the environment uses answer one
//! cheap read. Every read goes through the production provider with the production
//! timeouts, and all of them run at once, so a dark Region costs one timeout, not
//! one per read. Reads only.

use super::{Finding, Severity};
use crate::config::{CapacityTarget, Environment};
use crate::provider::{Provider, ProviderConfig, ProviderError, Target};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// ARC's data plane is reached through five Regional cluster endpoints; a client
/// moves to another endpoint when one does not answer (ARC developer guide, routing
/// control API; AWS-FACTS.md), so each one is checked on its own.
pub const REF_ENDPOINTS: &str = "ARC developer guide, routing control data plane: a \
     cluster has five Regional endpoints; when one does not answer, try another";

/// One endpoint's own provider: the environment with only that endpoint, so the
/// rotation has exactly one place to go and the production ARC client (signing
/// Region, timeouts) is the one that answers.
fn single_endpoint(
    env: &Environment,
    target: &Target,
    index: usize,
) -> Option<(Environment, Target)> {
    let mut one = env.clone();
    one.arc.endpoints = vec![env.arc.endpoints.get(index)?.clone()];
    let target = match target {
        Target::Twin {
            aws_endpoint_url,
            arc_endpoint_urls,
        } => Target::Twin {
            aws_endpoint_url: aws_endpoint_url.clone(),
            arc_endpoint_urls: vec![arc_endpoint_urls.get(index)?.clone()],
        },
        live @ Target::Live { .. } => live.clone(),
    };
    Some((one, target))
}

/// GetRoutingControlState of the environment's first control through each cluster
/// endpoint, all endpoints at once.
pub async fn arc_endpoints(
    env: &Environment,
    target: &Target,
    config: ProviderConfig,
) -> Vec<Finding> {
    let Some(probe) = env.arc.controls.first().map(|c| c.arn.clone()) else {
        return vec![Finding::new(
            Severity::Problem,
            "ARC",
            "the environment names no routing control: nothing to read through the endpoints",
        )];
    };
    let mut race = JoinSet::new();
    for (i, ep) in env.arc.endpoints.iter().enumerate() {
        let about = format!("ARC endpoint {} ({})", i + 1, ep.region);
        let Some((one, target)) = single_endpoint(env, target, i) else {
            continue;
        };
        let probe = probe.clone();
        race.spawn(async move {
            let provider = match Provider::connect(&one, target, config, true).await {
                Ok(p) => p,
                Err(e) => {
                    let f = Finding::new(Severity::Problem, &about, format!("no client: {e}"));
                    return (i, f);
                }
            };
            let f = match provider.get_routing_control_state(&probe).await {
                Ok(a) => Finding::new(Severity::Info, &about, "answers GetRoutingControlState")
                    .latency(a.latency),
                Err(e) => Finding::new(Severity::Problem, &about, format!("does not answer: {e}")),
            };
            (
                i,
                f.calls("GetRoutingControlState").reference(REF_ENDPOINTS),
            )
        });
    }
    let mut out = Vec::new();
    while let Some(done) = race.join_next().await {
        if let Ok(pair) = done {
            out.push(pair);
        }
    }
    out.sort_by_key(|(i, _)| *i);
    let answering = out
        .iter()
        .filter(|(_, f)| f.severity == Severity::Info)
        .count();
    let mut findings: Vec<Finding> = out.into_iter().map(|(_, f)| f).collect();
    if answering == 0 {
        findings.push(Finding::new(
            Severity::Problem,
            "ARC",
            "no cluster endpoint answers: routing controls cannot be changed",
        ));
    }
    findings
}

/// Each control ARN of the environment file exists: the data plane answers for it.
pub async fn controls(provider: Arc<Provider>, env: &Environment) -> Vec<Finding> {
    let mut set = JoinSet::new();
    for (i, c) in env.arc.controls.iter().enumerate() {
        let provider = provider.clone();
        let (name, arn) = (c.name.clone(), c.arn.clone());
        set.spawn(async move {
            let about = format!("routing control {name}");
            let f = match provider.get_routing_control_state(&arn).await {
                Ok(a) => {
                    let state = a
                        .value
                        .state
                        .map_or_else(|| "unknown".to_string(), |s| s.to_string());
                    Finding::new(Severity::Info, &about, format!("exists, state {state}"))
                        .latency(a.latency)
                }
                Err(ProviderError::NotFound { message, .. }) => Finding::new(
                    Severity::Problem,
                    &about,
                    format!("ARC does not know this ARN ({message}): fix the environment file"),
                ),
                Err(e) => {
                    Finding::new(Severity::Problem, &about, format!("could not be read: {e}"))
                }
            };
            (i, f.calls(format!("GetRoutingControlState {arn}")))
        });
    }
    collect(set).await
}

/// One cheap read per Region per service the environment uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionalRead {
    /// CloudWatch DescribeAlarms of the Region's alarms.
    Alarms { region: String, names: Vec<String> },
    /// RDS DescribeGlobalClusters of one global database, in a member's Region.
    GlobalCluster { region: String, id: String },
    /// RDS DescribeDBInstances of one replica pair's instance.
    Instance { region: String, id: String },
    /// Auto Scaling / ECS describe of one capacity group.
    Capacity {
        region: String,
        name: String,
        target: CapacityTarget,
    },
    /// AWS Backup ListRecoveryPointsByBackupVault in the DR vault.
    Vault {
        region: String,
        vault: String,
        resource_arn: String,
    },
}

impl RegionalRead {
    pub fn region(&self) -> &str {
        match self {
            RegionalRead::Alarms { region, .. }
            | RegionalRead::GlobalCluster { region, .. }
            | RegionalRead::Instance { region, .. }
            | RegionalRead::Capacity { region, .. }
            | RegionalRead::Vault { region, .. } => region,
        }
    }

    /// `us-west-2 CloudWatch`, for the finding's `about`.
    pub fn about(&self) -> String {
        let service = match self {
            RegionalRead::Alarms { .. } => "CloudWatch",
            RegionalRead::GlobalCluster { .. } | RegionalRead::Instance { .. } => "RDS",
            RegionalRead::Capacity {
                target: CapacityTarget::Asg { .. },
                ..
            } => "Auto Scaling",
            RegionalRead::Capacity { .. } => "ECS",
            RegionalRead::Vault { .. } => "AWS Backup",
        };
        format!("{} {service}", self.region())
    }

    pub fn call(&self) -> String {
        match self {
            RegionalRead::Alarms { names, .. } => {
                format!("DescribeAlarms ({} alarms)", names.len())
            }
            RegionalRead::GlobalCluster { id, .. } => format!("DescribeGlobalClusters {id}"),
            RegionalRead::Instance { id, .. } => format!("DescribeDBInstances {id}"),
            RegionalRead::Capacity { target, .. } => match target {
                CapacityTarget::Asg { name } => format!("DescribeAutoScalingGroups {name}"),
                CapacityTarget::EcsService { cluster, service } => {
                    format!("DescribeServices {cluster}/{service}")
                }
            },
            RegionalRead::Vault { vault, .. } => {
                format!("ListRecoveryPointsByBackupVault {vault}")
            }
        }
    }
}

/// The reads, Region by Region, in the environment file's order.
pub fn regional_reads(env: &Environment) -> Vec<RegionalRead> {
    let mut out = Vec::new();
    for r in env.regions.iter().filter(|r| !r.alarms.is_empty()) {
        out.push(RegionalRead::Alarms {
            region: r.name.clone(),
            names: r.alarms.clone(),
        });
    }
    for d in &env.aurora {
        for m in &d.members {
            out.push(RegionalRead::GlobalCluster {
                region: m.region.clone(),
                id: d.global_cluster_id.clone(),
            });
        }
    }
    for p in &env.replicas {
        for end in [&p.primary, &p.replica] {
            out.push(RegionalRead::Instance {
                region: end.region.clone(),
                id: end.instance_id.clone(),
            });
        }
    }
    for c in &env.capacity {
        out.push(RegionalRead::Capacity {
            region: c.region.clone(),
            name: c.name.clone(),
            target: c.target.clone(),
        });
    }
    for b in &env.backups {
        out.push(RegionalRead::Vault {
            region: b.dr_region.clone(),
            vault: b.vault.clone(),
            resource_arn: b.resource_arn.clone(),
        });
    }
    out
}

/// Sends every regional read at once.
pub async fn regional(provider: Arc<Provider>, env: &Environment) -> Vec<Finding> {
    let mut set = JoinSet::new();
    for (i, read) in regional_reads(env).into_iter().enumerate() {
        let provider = provider.clone();
        set.spawn(async move {
            let started = Instant::now();
            let result = one_read(&provider, &read).await;
            (i, finding(&read, result, started.elapsed()))
        });
    }
    collect(set).await
}

/// What one read found: Ok(None) all there, Ok(Some(note)) answered but something
/// named is missing, Err the service did not answer.
async fn one_read(p: &Provider, read: &RegionalRead) -> Result<Option<String>, ProviderError> {
    match read {
        RegionalRead::Alarms { region, names } => {
            let found = p.describe_alarms(region, names).await?;
            let missing: Vec<&str> = names
                .iter()
                .filter(|n| !found.iter().any(|a| &a.name == *n))
                .map(String::as_str)
                .collect();
            Ok((!missing.is_empty()).then(|| format!("alarm not found: {}", missing.join(", "))))
        }
        RegionalRead::GlobalCluster { region, id } => {
            let found = p.describe_global_clusters(region, Some(id)).await?;
            Ok((!found.iter().any(|g| &g.id == id))
                .then(|| format!("global cluster {id} not found")))
        }
        RegionalRead::Instance { region, id } => {
            p.describe_db_instance(region, id).await?;
            Ok(None)
        }
        RegionalRead::Capacity { region, target, .. } => {
            p.read_capacity(region, target).await?;
            Ok(None)
        }
        RegionalRead::Vault {
            region,
            vault,
            resource_arn,
        } => {
            p.list_vault_recovery_points(region, vault, resource_arn)
                .await?;
            Ok(None)
        }
    }
}

fn finding(
    read: &RegionalRead,
    result: Result<Option<String>, ProviderError>,
    latency: Duration,
) -> Finding {
    let about = read.about();
    let f = match result {
        Ok(None) => Finding::new(Severity::Info, &about, format!("answers {}", read.call()))
            .latency(latency),
        // The Region answered; the environment names something it does not have.
        Ok(Some(note)) => {
            Finding::new(Severity::Warning, &about, format!("answers, but {note}")).latency(latency)
        }
        // A resource the environment names is missing: the Region answered.
        Err(ProviderError::NotFound { message, .. }) => Finding::new(
            Severity::Problem,
            &about,
            format!("answers, but not found: {message}"),
        )
        .latency(latency),
        Err(e) => Finding::new(Severity::Problem, &about, format!("does not answer: {e}")),
    };
    f.calls(read.call())
}

async fn collect(mut set: JoinSet<(usize, Finding)>) -> Vec<Finding> {
    let mut out = Vec::new();
    while let Some(done) = set.join_next().await {
        if let Ok(pair) = done {
            out.push(pair);
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, f)| f).collect()
}
