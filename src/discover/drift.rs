//! `discover --check`: what an environment file says against what the control planes
//! hold now. Only what discovery reads is compared; the file's own choices (names of
//! databases, targets, capacity, twin-only settings) are not drift.

use super::infer::{Discovered, Gate};
use crate::config::Environment;
use crate::model::SafetyRule;
use std::collections::{BTreeMap, BTreeSet};

/// One difference, said for an operator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Drift {
    /// `arc`, `route53`, `rds`, `cloudwatch`.
    pub area: &'static str,
    pub what: String,
    /// True when the file says something the account no longer holds (a step would act
    /// on it); false when the account holds something the file does not name yet.
    pub stale: bool,
}

/// The file names something that moved, changed or is gone.
fn d(area: &'static str, what: String) -> Drift {
    Drift {
        area,
        what,
        stale: true,
    }
}

/// The account has something the file does not name.
fn added(area: &'static str, what: String) -> Drift {
    Drift {
        area,
        what,
        stale: false,
    }
}

pub fn compare(env: &Environment, live: &Discovered) -> Vec<Drift> {
    let mut out = Vec::new();
    let arc = &live.raw.arc;
    if env.arc.cluster_arn != arc.cluster_arn {
        out.push(d(
            "arc",
            format!(
                "cluster: the file names {}, the control plane answered for {}",
                env.arc.cluster_arn, arc.cluster_arn
            ),
        ));
    }
    // Endpoints, by Region.
    let file_ep: BTreeMap<&str, &str> = env
        .arc
        .endpoints
        .iter()
        .map(|e| (e.region.as_str(), e.url.as_str()))
        .collect();
    let live_ep: BTreeMap<&str, &str> = arc
        .endpoints
        .iter()
        .map(|(r, u)| (r.as_str(), u.as_str()))
        .collect();
    for (r, u) in &live_ep {
        match file_ep.get(r) {
            None => out.push(added(
                "arc",
                format!("cluster endpoint in {r} is not in the file: {u}"),
            )),
            Some(f) if f != u => out.push(d(
                "arc",
                format!("cluster endpoint in {r} moved: the file has {f}, the cluster has {u}"),
            )),
            _ => {}
        }
    }
    for (r, u) in &file_ep {
        if !live_ep.contains_key(r) {
            out.push(d(
                "arc",
                format!("cluster endpoint in {r} ({u}) is gone from the cluster"),
            ));
        }
    }
    // Panels and controls, by ARN.
    for p in &arc.panels {
        match env.arc.panels.iter().find(|f| f.arn == p.arn) {
            None => out.push(d(
                "arc",
                format!(
                    "new control panel {} ({}) is not in the file",
                    p.name, p.arn
                ),
            )),
            Some(f) if f.name != p.name => out.push(d(
                "arc",
                format!("control panel {} was renamed {} in ARC", f.name, p.name),
            )),
            _ => {}
        }
        for (name, carn) in &p.controls {
            match env.arc.controls.iter().find(|c| &c.arn == carn) {
                None => out.push(added(
                    "arc",
                    format!(
                        "new routing control {name} in panel {} is not in the file ({carn})",
                        p.name
                    ),
                )),
                Some(c) => {
                    if &c.name != name {
                        out.push(d(
                            "arc",
                            format!("routing control {} was renamed {name} in ARC", c.name),
                        ));
                    }
                    if let Some(Gate::Region(r)) = live.gates.get(carn)
                        && r != &c.gates
                    {
                        out.push(d(
                            "route53",
                            format!(
                                "routing control {}: the file says it gates {}, its Route 53 \
                                 records now name {r}",
                                c.name, c.gates
                            ),
                        ));
                    }
                }
            }
        }
    }
    let live_controls: BTreeSet<&str> = arc
        .panels
        .iter()
        .flat_map(|p| p.controls.iter().map(|(_, a)| a.as_str()))
        .collect();
    for c in &env.arc.controls {
        if !live_controls.contains(c.arn.as_str()) {
            out.push(d(
                "arc",
                format!("routing control {} ({}) is gone from ARC", c.name, c.arn),
            ));
        }
    }
    for f in &env.arc.panels {
        if !arc.panels.iter().any(|p| p.arn == f.arn) {
            out.push(d(
                "arc",
                format!(
                    "control panel {} ({}) is gone from the cluster",
                    f.name, f.arn
                ),
            ));
        }
    }
    // Safety rules, by ARN.
    let live_rules: Vec<&SafetyRule> = arc.panels.iter().flat_map(|p| p.rules.iter()).collect();
    for r in &live_rules {
        match env.arc.rules.iter().find(|f| f.rule.arn == r.arn) {
            None => out.push(added(
                "arc",
                format!("new safety rule {} is not in the file ({})", r.name, r.arn),
            )),
            Some(f) if &f.rule != *r => out.push(d(
                "arc",
                format!(
                    "safety rule {} changed: {}",
                    r.name,
                    rule_change(&f.rule, r)
                ),
            )),
            _ => {}
        }
    }
    for f in &env.arc.rules {
        if !live_rules.iter().any(|r| r.arn == f.rule.arn) {
            out.push(d(
                "arc",
                format!(
                    "safety rule {} ({}) is gone from ARC",
                    f.rule.name, f.rule.arn
                ),
            ));
        }
    }
    // Aurora global databases the file names.
    for a in &env.aurora {
        let Some(l) = live
            .aurora
            .iter()
            .find(|l| l.global_cluster_id == a.global_cluster_id)
        else {
            out.push(d(
                "rds",
                format!("global cluster {} was not found", a.global_cluster_id),
            ));
            continue;
        };
        for m in &l.members {
            if !a.members.iter().any(|f| f.cluster_arn == m.cluster_arn) {
                out.push(added(
                    "rds",
                    format!(
                        "global cluster {}: new member in {} ({}) is not in the file",
                        a.global_cluster_id, m.region, m.cluster_arn
                    ),
                ));
            }
        }
        for f in &a.members {
            if !l.members.iter().any(|m| m.cluster_arn == f.cluster_arn) {
                out.push(d(
                    "rds",
                    format!(
                        "global cluster {}: member {} is no longer in it",
                        a.global_cluster_id, f.cluster_arn
                    ),
                ));
            }
        }
    }
    for p in &env.replicas {
        let found = live.replicas.iter().find(|l| {
            l.replica.region == p.replica.region && l.replica.instance_id == p.replica.instance_id
        });
        match found {
            None => out.push(d(
                "rds",
                format!(
                    "replica {} ({} in {}) is not a read replica any more, or is gone",
                    p.name, p.replica.instance_id, p.replica.region
                ),
            )),
            Some(l) if l.primary != p.primary => out.push(d(
                "rds",
                format!(
                    "replica {}: its source is now {} in {}",
                    p.name, l.primary.instance_id, l.primary.region
                ),
            )),
            _ => {}
        }
    }
    // Health checks and alarms the file names must exist.
    let checks: BTreeSet<&str> = live.raw.health_checks.iter().map(|h| h.id()).collect();
    for r in &env.regions {
        for h in &r.health_checks {
            if !checks.contains(h.as_str()) {
                out.push(d(
                    "route53",
                    format!("health check {h} ({}) does not exist", r.name),
                ));
            }
        }
        if let Some(alarms) = &live.raw.alarms {
            let have = alarms.get(&r.name);
            for a in &r.alarms {
                if !have.is_some_and(|h| h.contains(a)) {
                    out.push(d(
                        "cloudwatch",
                        format!("alarm {a} does not exist in {}", r.name),
                    ));
                }
            }
        }
    }
    out
}

fn rule_change(file: &SafetyRule, live: &SafetyRule) -> String {
    let mut parts = Vec::new();
    if file.name != live.name {
        parts.push(format!("renamed from {}", file.name));
    }
    if file.wait_period_ms != live.wait_period_ms {
        parts.push(format!(
            "wait period {} ms → {} ms",
            file.wait_period_ms, live.wait_period_ms
        ));
    }
    if file.config != live.config {
        parts.push(format!(
            "rule {:?} {} (inverted {}) → {:?} {} (inverted {})",
            file.config.kind,
            file.config.threshold,
            file.config.inverted,
            live.config.kind,
            live.config.threshold,
            live.config.inverted
        ));
    }
    if file.kind != live.kind {
        parts.push("its controls changed".to_string());
    }
    parts.join("; ")
}
