//! The reads, through the AWS SDK: ARC control configuration, Route 53, RDS and
//! CloudWatch. Reads only; every list is paginated to the end (each loop has a page
//! cap so a service that keeps answering with a token cannot hold discovery forever).

use super::raw::{
    RawArc, RawDiscovery, RawGlobalCluster, RawHealthCheck, RawPanel, RawRecord, RawReplica,
    RawRouting,
};
use crate::model::{RuleConfig, RuleType, SafetyRule, SafetyRuleKind};
use aws_config::{Region, SdkConfig};
use aws_sdk_route53recoverycontrolconfig as arc_cfg;
use std::collections::{BTreeMap, BTreeSet};

/// No list here should need more pages; more is a loop.
const MAX_PAGES: usize = 1000;

/// The Recovery Control Configuration API is served in us-west-2 only (ARC developer
/// guide, "Recovery control configuration API": the endpoint is
/// route53-recovery-control-config.us-west-2.amazonaws.com).
pub const CONTROL_CONFIG_REGION: &str = "us-west-2";
/// Route 53 is a global service signed for us-east-1 (AWS General Reference, Route 53
/// endpoints).
pub const ROUTE53_REGION: &str = "us-east-1";

/// Which alarms to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlarmQuery {
    None,
    /// DescribeAlarms `AlarmNamePrefix`, in every Region found.
    Prefixes(Vec<String>),
    /// Exactly these names per Region (`--check`: do the file's alarms exist?).
    Names(BTreeMap<String, Vec<String>>),
}

/// What to read.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The ARC cluster; `None`: the account's only cluster.
    pub cluster_arn: Option<String>,
    /// Only these control panels; empty: every panel of the cluster.
    pub control_panels: Vec<String>,
    /// Only these global clusters; empty: every global cluster the Regions show.
    pub global_clusters: Vec<String>,
    /// Regions to read RDS and CloudWatch in, besides the ones records name.
    pub regions: Vec<String>,
    /// Only these hosted zones (IDs); empty: every zone.
    pub hosted_zones: Vec<String>,
    pub alarms: AlarmQuery,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{what}: {message}")]
    Call { what: String, message: String },
    #[error("{0}")]
    Scope(String),
}

fn call_error<E: std::error::Error>(what: &str, e: E) -> ReadError {
    // The SDK's Display is "service error"; the source chain has the code and message.
    let mut message = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        message = format!("{message}: {s}");
        src = s.source();
    }
    ReadError::Call {
        what: what.to_string(),
        message,
    }
}

fn client_in<C>(base: &SdkConfig, region: &str, make: impl Fn(&SdkConfig) -> C) -> C {
    let conf = base
        .to_builder()
        .region(Region::new(region.to_string()))
        .build();
    make(&conf)
}

pub async fn read_all(base: &SdkConfig, scope: &Scope) -> Result<RawDiscovery, ReadError> {
    let arc_client = client_in(base, CONTROL_CONFIG_REGION, arc_cfg::Client::new);
    let r53 = client_in(base, ROUTE53_REGION, aws_sdk_route53::Client::new);
    let arc = read_arc(&arc_client, scope).await?;
    let (health_checks, records) = read_route53(&r53, &scope.hosted_zones).await?;

    // Regions to read RDS and CloudWatch in: asked for, named by records, then the
    // global clusters' members once those are known.
    let mut regions: BTreeSet<String> = scope.regions.iter().cloned().collect();
    for r in &records {
        match &r.routing {
            RawRouting::Latency { region } => {
                regions.insert(region.clone());
            }
            _ => {
                if let Some(region) = r
                    .set_identifier
                    .as_deref()
                    .and_then(super::infer::region_in)
                {
                    regions.insert(region);
                }
            }
        }
    }
    if let AlarmQuery::Names(m) = &scope.alarms {
        regions.extend(m.keys().cloned());
    }
    let global_clusters = read_global_clusters(base, &regions, &scope.global_clusters).await?;
    for g in &global_clusters {
        for (arn, _) in &g.members {
            if let Some(r) = arn.split(':').nth(3) {
                regions.insert(r.to_string());
            }
        }
    }
    let mut replicas = Vec::new();
    for region in &regions {
        replicas.extend(read_replicas(base, region).await?);
    }
    let alarms = match &scope.alarms {
        AlarmQuery::None => None,
        q => Some(read_alarms(base, &regions, q).await?),
    };
    Ok(RawDiscovery {
        arc,
        health_checks,
        records,
        global_clusters,
        replicas,
        alarms,
        regions_asked: scope.regions.clone(),
    })
}

async fn read_arc(client: &arc_cfg::Client, scope: &Scope) -> Result<RawArc, ReadError> {
    let cluster_arn = match &scope.cluster_arn {
        Some(a) => a.clone(),
        None => {
            let clusters: Vec<_> = client
                .list_clusters()
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| call_error("ARC control configuration (us-west-2) ListClusters", e))?;
            let arns: Vec<String> = clusters
                .iter()
                .filter_map(|c| c.cluster_arn().map(str::to_string))
                .collect();
            match arns.as_slice() {
                [one] => one.clone(),
                [] => return Err(ReadError::Scope("the account has no ARC cluster".into())),
                many => {
                    return Err(ReadError::Scope(format!(
                        "the account has {} ARC clusters; name one with --cluster: {}",
                        many.len(),
                        many.join(", ")
                    )));
                }
            }
        }
    };
    let cluster = client
        .describe_cluster()
        .cluster_arn(&cluster_arn)
        .send()
        .await
        .map_err(|e| call_error("ARC control configuration (us-west-2) DescribeCluster", e))?;
    let endpoints = cluster
        .cluster()
        .map(|c| {
            c.cluster_endpoints()
                .iter()
                .map(|e| {
                    (
                        e.region().unwrap_or_default().to_string(),
                        e.endpoint().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();

    let panels: Vec<_> = client
        .list_control_panels()
        .cluster_arn(&cluster_arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| call_error("ARC control configuration (us-west-2) ListControlPanels", e))?;
    for wanted in &scope.control_panels {
        if !panels
            .iter()
            .any(|p| p.control_panel_arn() == Some(wanted.as_str()))
        {
            return Err(ReadError::Scope(format!(
                "control panel {wanted} is not in cluster {cluster_arn}"
            )));
        }
    }
    let mut out = Vec::new();
    for p in panels {
        let arn = p.control_panel_arn().unwrap_or_default().to_string();
        // ARC's own DefaultControlPanel holds no routing controls a team made; it is
        // listed like any other (ListControlPanels API reference: DefaultControlPanel).
        if !scope.control_panels.is_empty() && !scope.control_panels.contains(&arn) {
            continue;
        }
        if p.default_control_panel() == Some(true) && scope.control_panels.is_empty() {
            continue;
        }
        let controls: Vec<_> = client
            .list_routing_controls()
            .control_panel_arn(&arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                call_error(
                    "ARC control configuration (us-west-2) ListRoutingControls",
                    e,
                )
            })?;
        let rules: Vec<_> = client
            .list_safety_rules()
            .control_panel_arn(&arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| call_error("ARC control configuration (us-west-2) ListSafetyRules", e))?;
        out.push(RawPanel {
            name: p.name().unwrap_or_default().to_string(),
            arn,
            controls: controls
                .iter()
                .map(|c| {
                    (
                        c.name().unwrap_or_default().to_string(),
                        c.routing_control_arn().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            rules: rules.iter().filter_map(safety_rule).collect(),
        });
    }
    Ok(RawArc {
        cluster_name: cluster
            .cluster()
            .and_then(|c| c.name())
            .unwrap_or_default()
            .to_string(),
        cluster_arn,
        endpoints,
        panels: out,
    })
}

fn rule_config(c: Option<&arc_cfg::types::RuleConfig>) -> Option<RuleConfig> {
    let c = c?;
    // RuleConfig API reference: Type is ATLEAST | AND | OR.
    let kind = match c.r#type()? {
        arc_cfg::types::RuleType::Atleast => RuleType::Atleast,
        arc_cfg::types::RuleType::And => RuleType::And,
        arc_cfg::types::RuleType::Or => RuleType::Or,
        _ => return None,
    };
    Some(RuleConfig {
        kind,
        threshold: u32::try_from(c.threshold().unwrap_or(0)).unwrap_or(0),
        inverted: c.inverted().unwrap_or(false),
    })
}

/// A rule of a type this console does not know is left out (and shows as drift).
fn safety_rule(r: &arc_cfg::types::Rule) -> Option<SafetyRule> {
    if let Some(a) = r.assertion() {
        return Some(SafetyRule {
            name: a.name().unwrap_or_default().to_string(),
            arn: a.safety_rule_arn().unwrap_or_default().to_string(),
            kind: SafetyRuleKind::Assertion {
                asserted: a.asserted_controls().to_vec(),
            },
            config: rule_config(a.rule_config())?,
            wait_period_ms: u64::try_from(a.wait_period_ms().unwrap_or(0)).unwrap_or(0),
        });
    }
    let g = r.gating()?;
    Some(SafetyRule {
        name: g.name().unwrap_or_default().to_string(),
        arn: g.safety_rule_arn().unwrap_or_default().to_string(),
        kind: SafetyRuleKind::Gating {
            gating: g.gating_controls().to_vec(),
            targets: g.target_controls().to_vec(),
        },
        config: rule_config(g.rule_config())?,
        wait_period_ms: u64::try_from(g.wait_period_ms().unwrap_or(0)).unwrap_or(0),
    })
}

async fn read_route53(
    client: &aws_sdk_route53::Client,
    zones_asked: &[String],
) -> Result<(Vec<RawHealthCheck>, Vec<RawRecord>), ReadError> {
    use aws_sdk_route53::types::{HealthCheckType, ResourceRecordSetFailover};
    let checks: Vec<_> = client
        .list_health_checks()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| call_error("Route 53 (us-east-1) ListHealthChecks", e))?;
    let health_checks = checks
        .iter()
        .map(|h| {
            let id = h.id().to_string();
            let cfg = h.health_check_config();
            match cfg.map(|c| c.r#type()) {
                Some(HealthCheckType::RecoveryControl) => RawHealthCheck::RecoveryControl {
                    id,
                    control_arn: cfg
                        .and_then(|c| c.routing_control_arn())
                        .unwrap_or_default()
                        .to_string(),
                },
                Some(HealthCheckType::Calculated) => RawHealthCheck::Calculated {
                    id,
                    children: cfg
                        .map(|c| c.child_health_checks().to_vec())
                        .unwrap_or_default(),
                },
                other => RawHealthCheck::Endpoint {
                    id,
                    kind: other.map(|t| t.as_str().to_string()).unwrap_or_default(),
                },
            }
        })
        .collect();

    let zones: Vec<String> = if zones_asked.is_empty() {
        let zones: Vec<_> = client
            .list_hosted_zones()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| call_error("Route 53 (us-east-1) ListHostedZones", e))?;
        zones.iter().map(|z| z.id().to_string()).collect()
    } else {
        zones_asked.to_vec()
    };
    let mut records = Vec::new();
    for zone in zones {
        // ListResourceRecordSets pages by (name, type, identifier), not by a token
        // (Route 53 API reference: NextRecordName, NextRecordType, NextRecordIdentifier).
        let mut next: Option<(String, aws_sdk_route53::types::RrType, Option<String>)> = None;
        for _ in 0..MAX_PAGES {
            let mut req = client.list_resource_record_sets().hosted_zone_id(&zone);
            if let Some((name, ty, ident)) = next.take() {
                req = req
                    .start_record_name(name)
                    .start_record_type(ty)
                    .set_start_record_identifier(ident);
            }
            let page = req
                .send()
                .await
                .map_err(|e| call_error("Route 53 (us-east-1) ListResourceRecordSets", e))?;
            for r in page.resource_record_sets() {
                let Some(hc) = r.health_check_id() else {
                    continue;
                };
                let routing = match (r.failover(), r.region()) {
                    (Some(ResourceRecordSetFailover::Primary), _) => RawRouting::FailoverPrimary,
                    (Some(ResourceRecordSetFailover::Secondary), _) => {
                        RawRouting::FailoverSecondary
                    }
                    (_, Some(region)) => RawRouting::Latency {
                        region: region.as_str().to_string(),
                    },
                    _ => RawRouting::Other,
                };
                records.push(RawRecord {
                    zone: zone.clone(),
                    name: r.name().to_string(),
                    set_identifier: r.set_identifier().map(str::to_string),
                    routing,
                    health_check_id: hc.to_string(),
                });
            }
            if !page.is_truncated() {
                break;
            }
            match (page.next_record_name(), page.next_record_type()) {
                (Some(n), Some(t)) => {
                    next = Some((
                        n.to_string(),
                        t.clone(),
                        page.next_record_identifier().map(str::to_string),
                    ))
                }
                _ => break,
            }
        }
    }
    Ok((health_checks, records))
}

async fn read_global_clusters(
    base: &SdkConfig,
    regions: &BTreeSet<String>,
    asked: &[String],
) -> Result<Vec<RawGlobalCluster>, ReadError> {
    let mut found: BTreeMap<String, RawGlobalCluster> = BTreeMap::new();
    for region in regions {
        let client = client_in(base, region, aws_sdk_rds::Client::new);
        let pages: Vec<_> = client
            .describe_global_clusters()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| call_error(&format!("RDS DescribeGlobalClusters in {region}"), e))?;
        for g in pages {
            let id = g
                .global_cluster_identifier()
                .unwrap_or_default()
                .to_string();
            if !asked.is_empty() && !asked.contains(&id) {
                continue;
            }
            found.entry(id.clone()).or_insert_with(|| RawGlobalCluster {
                id,
                members: g
                    .global_cluster_members()
                    .iter()
                    .map(|m| {
                        (
                            m.db_cluster_arn().unwrap_or_default().to_string(),
                            m.is_writer().unwrap_or(false),
                        )
                    })
                    .collect(),
            });
        }
    }
    for id in asked {
        if !found.contains_key(id) {
            return Err(ReadError::Scope(format!(
                "global cluster {id} was not found in {}",
                regions.iter().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(found.into_values().collect())
}

async fn read_replicas(base: &SdkConfig, region: &str) -> Result<Vec<RawReplica>, ReadError> {
    let client = client_in(base, region, aws_sdk_rds::Client::new);
    let instances: Vec<_> = client
        .describe_db_instances()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| call_error(&format!("RDS DescribeDBInstances in {region}"), e))?;
    Ok(instances
        .iter()
        .filter_map(|i| {
            Some(RawReplica {
                region: region.to_string(),
                instance_id: i.db_instance_identifier()?.to_string(),
                source: i.read_replica_source_db_instance_identifier()?.to_string(),
            })
        })
        .collect())
}

async fn read_alarms(
    base: &SdkConfig,
    regions: &BTreeSet<String>,
    q: &AlarmQuery,
) -> Result<BTreeMap<String, Vec<String>>, ReadError> {
    use aws_sdk_cloudwatch::types::AlarmType;
    let mut out = BTreeMap::new();
    for region in regions {
        let client = client_in(base, region, aws_sdk_cloudwatch::Client::new);
        // AlarmNames and AlarmNamePrefix cannot be given together (DescribeAlarms API
        // reference), so each prefix or batch of names is its own listing. Without
        // AlarmTypes only metric alarms come back.
        let asks: Vec<(Option<String>, Option<Vec<String>>)> = match q {
            AlarmQuery::None => vec![],
            AlarmQuery::Prefixes(p) => p.iter().map(|p| (Some(p.clone()), None)).collect(),
            AlarmQuery::Names(m) => m
                .get(region)
                .map(|names| {
                    names
                        .chunks(100)
                        .map(|c| (None, Some(c.to_vec())))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let mut names = Vec::new();
        for (prefix, batch) in asks {
            let pages: Vec<_> = client
                .describe_alarms()
                .set_alarm_name_prefix(prefix)
                .set_alarm_names(batch)
                .alarm_types(AlarmType::MetricAlarm)
                .alarm_types(AlarmType::CompositeAlarm)
                .into_paginator()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| call_error(&format!("CloudWatch DescribeAlarms in {region}"), e))?;
            for p in pages {
                names.extend(
                    p.metric_alarms()
                        .iter()
                        .filter_map(|a| a.alarm_name().map(str::to_string)),
                );
                names.extend(
                    p.composite_alarms()
                        .iter()
                        .filter_map(|a| a.alarm_name().map(str::to_string)),
                );
            }
        }
        names.sort();
        names.dedup();
        out.insert(region.clone(), names);
    }
    Ok(out)
}
