//! `drconsole discover`: read the control planes that hold an environment (ARC control
//! configuration, Route 53, RDS, CloudWatch) ahead of an incident, and write the
//! environment file; `--check` compares a file with them. These are exactly the APIs a
//! failover must not depend on, which is why they are read here and not at 3 a.m.

pub mod drift;
pub mod infer;
pub mod raw;
pub mod read;
pub mod render;

pub use infer::{Discovered, Gate, infer};
pub use raw::RawDiscovery;

use crate::config::Environment;
use std::collections::{BTreeMap, BTreeSet};

/// What `--check` reads for `env`: its cluster, its Regions, the alarms it names;
/// every panel of the cluster (a new panel is drift).
pub fn check_scope(env: &Environment, hosted_zones: &[String]) -> read::Scope {
    read::Scope {
        cluster_arn: Some(env.arc.cluster_arn.clone()),
        control_panels: vec![],
        global_clusters: vec![],
        regions: env.regions.iter().map(|r| r.name.clone()).collect(),
        hosted_zones: hosted_zones.to_vec(),
        alarms: read::AlarmQuery::Names(
            env.regions
                .iter()
                .map(|r| (r.name.clone(), r.alarms.clone()))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// `discover --check` as a library call (the doctor's drift section): read what `env`
/// names through `base` and compare.
pub async fn check(
    base: &aws_config::SdkConfig,
    env: &Environment,
) -> Result<Vec<drift::Drift>, read::ReadError> {
    let raw = read::read_all(base, &check_scope(env, &[])).await?;
    Ok(drift::compare(env, &infer(raw)))
}

/// What discovery can know about an environment, one fact per line: the ARC cluster,
/// its endpoints, panels, controls and what they gate, safety rules, each Region's
/// role, alarms and health checks, Aurora members and replica pairs. Names the file
/// chooses itself (databases, the environment) and what discovery does not read are
/// left out, so a discovered file and its source compare equal when nothing drifted.
pub fn facts(env: &Environment) -> BTreeSet<String> {
    let mut f = BTreeSet::new();
    f.insert(format!("cluster {}", env.arc.cluster_arn));
    for e in &env.arc.endpoints {
        f.insert(format!("endpoint {} {}", e.region, e.url));
    }
    for p in &env.arc.panels {
        f.insert(format!("panel {} {}", p.name, p.arn));
    }
    // `gates` is free text; only a Region name is something discovery can know.
    for c in &env.arc.controls {
        let gates = if env.regions.iter().any(|r| r.name == c.gates) {
            c.gates.as_str()
        } else {
            "(not a Region)"
        };
        f.insert(format!(
            "control {} {} in {} gates {gates}",
            c.name, c.arn, c.panel
        ));
    }
    for r in &env.arc.rules {
        f.insert(format!("rule in {}: {:?}", r.panel, r.rule));
    }
    for r in &env.regions {
        f.insert(format!("region {} {:?}", r.name, r.role));
        for a in &r.alarms {
            f.insert(format!("alarm {} {a}", r.name));
        }
        for h in &r.health_checks {
            f.insert(format!("health check {} {h}", r.name));
        }
    }
    for a in &env.aurora {
        for m in &a.members {
            f.insert(format!(
                "aurora {} {} {}",
                a.global_cluster_id, m.region, m.cluster_arn
            ));
        }
    }
    for p in &env.replicas {
        f.insert(format!(
            "replica {}/{} of {}/{}",
            p.replica.region, p.replica.instance_id, p.primary.region, p.primary.instance_id
        ));
    }
    f
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod render_tests;
