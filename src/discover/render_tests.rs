//! Render, then parse: the file discover writes validates as written and says what it
//! could not decide.

use super::raw::*;
use super::render::{Header, render};
use super::*;
use crate::model::Role;

/// What ARC, Route 53 and RDS would answer for `env`, with the records the twin
/// serves: one record per gated Region whose health check is a calculated check over
/// the control's RECOVERY_CONTROL check and the Region's own checks.
fn raw_of(env: &Environment, alarms: bool) -> RawDiscovery {
    let mut raw = RawDiscovery {
        arc: RawArc {
            cluster_arn: env.arc.cluster_arn.clone(),
            cluster_name: env.name.clone(),
            endpoints: env
                .arc
                .endpoints
                .iter()
                .map(|e| (e.region.clone(), e.url.clone()))
                .collect(),
            panels: env
                .arc
                .panels
                .iter()
                .map(|p| RawPanel {
                    name: p.name.clone(),
                    arn: p.arn.clone(),
                    controls: env
                        .arc
                        .controls
                        .iter()
                        .filter(|c| c.panel == p.name)
                        .map(|c| (c.name.clone(), c.arn.clone()))
                        .collect(),
                    rules: env
                        .arc
                        .rules
                        .iter()
                        .filter(|r| r.panel == p.name)
                        .map(|r| r.rule.clone())
                        .collect(),
                })
                .collect(),
        },
        ..RawDiscovery::default()
    };
    for r in &env.regions {
        let mut children = Vec::new();
        for c in env.arc.controls.iter().filter(|c| c.gates == r.name) {
            let id = format!("rc-{}", c.name);
            raw.health_checks.push(RawHealthCheck::RecoveryControl {
                id: id.clone(),
                control_arn: c.arn.clone(),
            });
            children.push(id);
        }
        for h in &r.health_checks {
            raw.health_checks.push(RawHealthCheck::Endpoint {
                id: h.clone(),
                kind: "HTTPS".into(),
            });
            children.push(h.clone());
        }
        let calc = format!("calc-{}", r.name);
        raw.health_checks.push(RawHealthCheck::Calculated {
            id: calc.clone(),
            children,
        });
        raw.records.push(RawRecord {
            zone: "Z1".into(),
            name: "app.example.".into(),
            set_identifier: Some(r.name.clone()),
            routing: match r.role {
                Role::Primary => RawRouting::FailoverPrimary,
                Role::Secondary => RawRouting::FailoverSecondary,
                Role::Active => RawRouting::Latency {
                    region: r.name.clone(),
                },
            },
            health_check_id: calc,
        });
    }
    for a in &env.aurora {
        raw.global_clusters.push(RawGlobalCluster {
            id: a.global_cluster_id.clone(),
            members: a
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| (m.cluster_arn.clone(), i == 0))
                .collect(),
        });
    }
    for p in &env.replicas {
        raw.replicas.push(RawReplica {
            region: p.replica.region.clone(),
            instance_id: p.replica.instance_id.clone(),
            source: format!(
                "arn:aws:rds:{}:111122223333:db:{}",
                p.primary.region, p.primary.instance_id
            ),
        });
    }
    if alarms {
        raw.alarms = Some(
            env.regions
                .iter()
                .map(|r| (r.name.clone(), r.alarms.clone()))
                .collect(),
        );
    }
    raw
}

fn header() -> Header<'static> {
    Header {
        name: "orders-prod",
        when: "2026-12-03T19:00:00Z",
        command: "drconsole discover --twin",
        states: None,
    }
}

#[test]
fn the_builtin_environment_round_trips_through_render_and_parse() {
    for text in [
        crate::config::DEFAULT_ENV,
        include_str!("../../assets/three-region-env.yaml"),
        include_str!("../../assets/active-active-env.yaml"),
    ] {
        let env = Environment::parse(text, "source").expect("source");
        let d = infer(raw_of(&env, true));
        assert!(d.undecided().is_empty(), "{:?}", d.undecided());
        let written = render(&d, &header());
        let back =
            Environment::parse(&written, "written").unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(facts(&back), facts(&env), "{written}");
        assert!(
            drift::compare(&env, &d).is_empty(),
            "{:?}",
            drift::compare(&env, &d)
        );
    }
}

#[test]
fn what_is_undecided_is_marked_todo_and_fails_validation_with_a_position() {
    let env = Environment::builtin_default().expect("env");
    let mut raw = raw_of(&env, false);
    raw.records.clear();
    raw.global_clusters.clear();
    raw.regions_asked = vec!["us-east-1".into()];
    let d = infer(raw);
    let written = render(&d, &header());
    assert!(
        written.contains("# TODO: which Region does it gate?"),
        "{written}"
    );
    assert!(written.contains("gates: TODO"), "{written}");
    assert!(
        written.contains("alarms not read (give --alarm-prefix)"),
        "{written}"
    );
    assert!(written.contains("role: TODO"), "{written}");
    let err = Environment::parse(&written, "env.yaml").expect_err("TODO does not validate");
    assert!(err.to_string().contains("env.yaml:"), "{err}");
}

#[test]
fn drift_names_a_new_control_a_changed_rule_and_a_moved_endpoint() {
    let env = Environment::builtin_default().expect("env");
    let mut raw = raw_of(&env, true);
    let added = format!("{}/routingcontrol/00000000000000aa", raw.arc.panels[0].arn);
    raw.arc.panels[0]
        .controls
        .push(("drift-added-control".into(), added));
    raw.arc.panels[0].rules[0].wait_period_ms += 1000;
    raw.arc.endpoints[0].1 = "https://moved.example.aws/v1".into();
    raw.global_clusters[0].members.push((
        "arn:aws:rds:eu-west-1:111122223333:cluster:orders-euw1".into(),
        false,
    ));
    raw.alarms
        .as_mut()
        .and_then(|a| a.get_mut("us-east-1"))
        .map(|a| a.pop());
    let found: Vec<String> = drift::compare(&env, &infer(raw))
        .into_iter()
        .map(|d| d.what)
        .collect();
    let has = |s: &str| found.iter().any(|f| f.contains(s));
    assert!(has("new routing control drift-added-control"), "{found:?}");
    assert!(has("wait period 5000 ms → 6000 ms"), "{found:?}");
    assert!(has("cluster endpoint in us-east-1 moved"), "{found:?}");
    assert!(has("new member in eu-west-1"), "{found:?}");
    assert!(
        has("alarm orders-api-latency-use1 does not exist in us-east-1"),
        "{found:?}"
    );
    assert_eq!(found.len(), 5, "{found:?}");
}
