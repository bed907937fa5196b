//! From what was read to an environment: which Region each routing control gates,
//! each Region's role and health checks, the databases. Pure, so every rule is tested.
//!
//! ARC does not store what a routing control gates. A routing control acts on traffic
//! only through a Route 53 health check of type RECOVERY_CONTROL attached to a record
//! (ARC developer guide, "Routing control health checks in Amazon Route 53 ARC"), so
//! the record says where the control sends traffic: a latency record's `Region`, or a
//! set identifier that names a Region. Anything else is left undecided and said so.

use super::raw::{RawDiscovery, RawHealthCheck, RawRecord, RawRouting};
use crate::config::{AuroraGlobal, AuroraMember, ReplicaEnd, ReplicaPair};
use crate::model::Role;
use std::collections::{BTreeMap, BTreeSet};

/// Calculated health checks may nest; deeper than this is a loop or a mistake.
const MAX_NESTING: usize = 8;

/// What a routing control gates, as far as the records tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    Region(String),
    /// A control that only gates other controls in gating rules: an on/off switch
    /// attached to no record (ARC developer guide, "Safety rules": a gating control
    /// is "an overall on/off switch for a group of routing controls").
    Switch(Vec<String>),
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredRegion {
    pub name: String,
    /// `Err(why)` when nothing read decides it.
    pub role: Result<Role, String>,
    pub alarms: Vec<String>,
    pub health_checks: Vec<String>,
}

/// The environment as discovered, with what could not be decided kept visible.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovered {
    pub raw: RawDiscovery,
    /// Routing control ARN → what it gates.
    pub gates: BTreeMap<String, Gate>,
    pub regions: Vec<DiscoveredRegion>,
    pub aurora: Vec<AuroraGlobal>,
    pub replicas: Vec<ReplicaPair>,
    /// Health checks that no record uses (not placed in any Region).
    pub unplaced_health_checks: Vec<String>,
}

impl Discovered {
    /// One line per thing discovery could not decide, for the operator to settle.
    pub fn undecided(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.raw.arc.panels {
            for (name, arn) in &p.controls {
                if let Some(Gate::Unknown(why)) = self.gates.get(arn) {
                    out.push(format!(
                        "routing control {name}: which Region it gates ({why})"
                    ));
                }
            }
        }
        for r in &self.regions {
            if let Err(why) = &r.role {
                out.push(format!("Region {}: its role ({why})", r.name));
            }
        }
        out
    }
}

/// An AWS Region name such as `us-east-1` or `us-gov-west-1`: two letters, a
/// direction, a number, with a partition word (`gov`, `iso`, `isob` …) between the
/// first two in the partitions that have one. (AWS General Reference, "Regional
/// endpoints", lists the codes.)
pub fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let letters = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [geo, dir, n] => geo.len() == 2 && letters(geo) && letters(dir) && digits(n),
        [geo, part, dir, n] => {
            geo.len() == 2
                && letters(geo)
                && matches!(*part, "gov" | "iso" | "isob" | "isoe" | "isof")
                && letters(dir)
                && digits(n)
        }
        _ => false,
    }
}

/// The one Region a set identifier names (`us-east-1`, `cell-us-east-1`, `app_eu-west-1`),
/// or none when it names none or several.
pub fn region_in(set_identifier: &str) -> Option<String> {
    let mut found = BTreeSet::new();
    for token in set_identifier.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let parts: Vec<&str> = token.split('-').collect();
        for len in [3, 4] {
            for start in 0..parts.len().saturating_sub(len - 1) {
                let cand = parts[start..start + len].join("-");
                if is_region_name(&cand) {
                    found.insert(cand);
                }
            }
        }
    }
    let mut it = found.into_iter();
    match (it.next(), it.next()) {
        (Some(r), None) => Some(r),
        _ => None,
    }
}

fn record_region(r: &RawRecord) -> Option<String> {
    match &r.routing {
        RawRouting::Latency { region } => Some(region.clone()),
        _ => r.set_identifier.as_deref().and_then(region_in),
    }
}

/// The region of an RDS ARN (`arn:aws:rds:REGION:ACCOUNT:…`).
fn arn_region(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(3)
        .filter(|r| is_region_name(r))
        .map(str::to_string)
}

/// Every health check reachable from `id` through calculated checks, `id` included.
fn expand<'a>(
    id: &'a str,
    by_id: &BTreeMap<&'a str, &'a RawHealthCheck>,
    depth: usize,
    out: &mut Vec<&'a RawHealthCheck>,
) {
    let Some(hc) = by_id.get(id) else { return };
    if out.iter().any(|h| h.id() == id) || depth > MAX_NESTING {
        return;
    }
    out.push(hc);
    if let RawHealthCheck::Calculated { children, .. } = hc {
        for c in children {
            expand(c, by_id, depth + 1, out);
        }
    }
}

pub fn infer(raw: RawDiscovery) -> Discovered {
    let by_id: BTreeMap<&str, &RawHealthCheck> =
        raw.health_checks.iter().map(|h| (h.id(), h)).collect();

    // What each record's health check reaches, and the Region the record names.
    let mut control_regions: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut region_checks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut region_routing: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    for rec in &raw.records {
        let mut reached = Vec::new();
        expand(&rec.health_check_id, &by_id, 0, &mut reached);
        for hc in &reached {
            placed.insert(hc.id());
        }
        let Some(region) = record_region(rec) else {
            continue;
        };
        let routing = match rec.routing {
            RawRouting::FailoverPrimary => "primary",
            RawRouting::FailoverSecondary => "secondary",
            RawRouting::Latency { .. } => "active",
            RawRouting::Other => "other",
        };
        region_routing
            .entry(region.clone())
            .or_default()
            .insert(routing);
        for hc in reached {
            match hc {
                RawHealthCheck::RecoveryControl { control_arn, .. } => {
                    control_regions
                        .entry(control_arn.as_str())
                        .or_default()
                        .insert(region.clone());
                }
                RawHealthCheck::Endpoint { id, .. } => {
                    let list = region_checks.entry(region.clone()).or_default();
                    if !list.contains(id) {
                        list.push(id.clone());
                    }
                }
                RawHealthCheck::Calculated { .. } => {}
            }
        }
    }

    // Controls that appear in gating rules only as the gate, never as a target or
    // an asserted control: the switches.
    let mut switch_targets: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut governed: BTreeSet<&str> = BTreeSet::new();
    let name_of: BTreeMap<&str, &str> = raw
        .arc
        .panels
        .iter()
        .flat_map(|p| p.controls.iter().map(|(n, a)| (a.as_str(), n.as_str())))
        .collect();
    for rule in raw.arc.panels.iter().flat_map(|p| p.rules.iter()) {
        match &rule.kind {
            crate::model::SafetyRuleKind::Gating { gating, targets } => {
                for g in gating {
                    let list = switch_targets.entry(g.as_str()).or_default();
                    for t in targets {
                        list.push(name_of.get(t.as_str()).map_or(t.clone(), |n| n.to_string()));
                    }
                }
                governed.extend(targets.iter().map(String::as_str));
            }
            crate::model::SafetyRuleKind::Assertion { asserted } => {
                governed.extend(asserted.iter().map(String::as_str));
            }
        }
    }

    let mut gates = BTreeMap::new();
    for p in &raw.arc.panels {
        for (_, arn) in &p.controls {
            if !control_regions.contains_key(arn.as_str())
                && !governed.contains(arn.as_str())
                && let Some(targets) = switch_targets.get(arn.as_str())
            {
                gates.insert(arn.clone(), Gate::Switch(targets.clone()));
                continue;
            }
            let has_check = raw.health_checks.iter().any(
                |h| matches!(h, RawHealthCheck::RecoveryControl { control_arn, .. } if control_arn == arn),
            );
            let gate = match control_regions.get(arn.as_str()) {
                Some(set) if set.len() == 1 => {
                    Gate::Region(set.iter().next().cloned().unwrap_or_default())
                }
                Some(set) => Gate::Unknown(format!(
                    "records in several Regions use it: {}",
                    set.iter().cloned().collect::<Vec<_>>().join(", ")
                )),
                None if has_check => Gate::Unknown(
                    "its RECOVERY_CONTROL health check is on no record that names a Region \
                     (a latency record's Region or a set identifier such as us-east-1)"
                        .to_string(),
                ),
                None => Gate::Unknown(
                    "no Route 53 health check of type RECOVERY_CONTROL points at it".to_string(),
                ),
            };
            gates.insert(arn.clone(), gate);
        }
    }

    // Databases.
    let aurora: Vec<AuroraGlobal> = raw
        .global_clusters
        .iter()
        .map(|g| {
            let mut members: Vec<(bool, AuroraMember)> = g
                .members
                .iter()
                .filter_map(|(arn, writer)| {
                    arn_region(arn).map(|region| {
                        (
                            *writer,
                            AuroraMember {
                                region,
                                cluster_arn: arn.clone(),
                            },
                        )
                    })
                })
                .collect();
            // The writer first, as the environment files list it.
            members.sort_by_key(|(w, _)| !*w);
            AuroraGlobal {
                name: g.id.clone(),
                global_cluster_id: g.id.clone(),
                members: members.into_iter().map(|(_, m)| m).collect(),
            }
        })
        .collect();
    let writer_regions: BTreeSet<String> = raw
        .global_clusters
        .iter()
        .flat_map(|g| g.members.iter())
        .filter(|(_, w)| *w)
        .filter_map(|(arn, _)| arn_region(arn))
        .collect();
    let replicas: Vec<ReplicaPair> = raw
        .replicas
        .iter()
        .map(|r| {
            // Across Regions the source is an ARN (`arn:aws:rds:REGION:ACCOUNT:db:ID`);
            // in the same Region, an identifier (RDS API reference, DBInstance).
            let primary = match arn_region(&r.source) {
                Some(region) => ReplicaEnd {
                    region,
                    instance_id: r.source.rsplit(':').next().unwrap_or(&r.source).to_string(),
                },
                None => ReplicaEnd {
                    region: r.region.clone(),
                    instance_id: r.source.clone(),
                },
            };
            ReplicaPair {
                name: r.instance_id.clone(),
                primary,
                replica: ReplicaEnd {
                    region: r.region.clone(),
                    instance_id: r.instance_id.clone(),
                },
            }
        })
        .collect();

    // Regions: those records name, database members' and the ones asked for.
    let mut names: BTreeSet<String> = region_routing.keys().cloned().collect();
    names.extend(
        aurora
            .iter()
            .flat_map(|a| a.members.iter().map(|m| m.region.clone())),
    );
    for p in &replicas {
        names.insert(p.primary.region.clone());
        names.insert(p.replica.region.clone());
    }
    names.extend(raw.regions_asked.iter().cloned());
    let mut regions: Vec<DiscoveredRegion> = names
        .into_iter()
        .map(|name| {
            let role = role_of(&name, region_routing.get(&name), &writer_regions);
            DiscoveredRegion {
                alarms: raw
                    .alarms
                    .as_ref()
                    .and_then(|a| a.get(&name).cloned())
                    .unwrap_or_default(),
                health_checks: region_checks.get(&name).cloned().unwrap_or_default(),
                role,
                name,
            }
        })
        .collect();
    let rank = |r: &DiscoveredRegion| match r.role {
        Ok(Role::Primary) => 0,
        Ok(Role::Active) => 1,
        Ok(Role::Secondary) => 2,
        Err(_) => 3,
    };
    regions.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.name.cmp(&b.name)));

    let unplaced_health_checks = raw
        .health_checks
        .iter()
        .filter(|h| matches!(h, RawHealthCheck::Endpoint { .. }) && !placed.contains(h.id()))
        .map(|h| h.id().to_string())
        .collect();
    Discovered {
        gates,
        regions,
        aurora,
        replicas,
        unplaced_health_checks,
        raw,
    }
}

/// A failover record says primary or secondary; a latency record, active. Without a
/// record, the Aurora global database's writer Region is the primary.
fn role_of(
    region: &str,
    routing: Option<&BTreeSet<&'static str>>,
    writer_regions: &BTreeSet<String>,
) -> Result<Role, String> {
    let decided: Vec<&str> = routing
        .map(|s| s.iter().copied().filter(|r| *r != "other").collect())
        .unwrap_or_default();
    match decided.as_slice() {
        ["primary"] => Ok(Role::Primary),
        ["secondary"] => Ok(Role::Secondary),
        ["active"] => Ok(Role::Active),
        [] if writer_regions.contains(region) => Ok(Role::Primary),
        [] if !writer_regions.is_empty() => Ok(Role::Secondary),
        [] => Err("no failover or latency record names it and it holds no Aurora writer".into()),
        many => Err(format!("its records route as {}", many.join(" and "))),
    }
}

#[cfg(test)]
#[path = "infer_tests.rs"]
mod tests;
