use super::{step, t0};
use crate::config::PanelRule;
use crate::emulator::world::{ArcError, TwinWorld};
use crate::model::ControlState::{self, Off, On};
use crate::model::{RuleConfig, RuleType, SafetyRule, SafetyRuleKind};

const PANEL: &str =
    "arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d";

fn arn(name: &str) -> String {
    format!("{PANEL}/routingcontrol/{name}")
}

fn rule_arn(name: &str) -> String {
    format!("{PANEL}/safetyrule/{name}")
}

fn assertion(
    name: &str,
    controls: &[&str],
    kind: RuleType,
    threshold: u32,
    inverted: bool,
    wait_ms: u64,
) -> SafetyRule {
    SafetyRule {
        name: name.into(),
        arn: rule_arn(name),
        kind: SafetyRuleKind::Assertion {
            asserted: controls.iter().map(|c| arn(c)).collect(),
        },
        config: RuleConfig {
            kind,
            threshold,
            inverted,
        },
        wait_period_ms: wait_ms,
    }
}

/// A world whose only panel holds exactly these controls and rules.
fn arc_world(controls: &[(&str, ControlState)], rules: Vec<SafetyRule>) -> TwinWorld {
    let mut env = super::default_env();
    let template = env.arc.controls[0].clone();
    env.arc.controls = controls
        .iter()
        .map(|(name, state)| {
            let mut c = template.clone();
            c.name = (*name).into();
            c.arn = arn(name);
            c.initial = *state;
            c
        })
        .collect();
    let panel = env.arc.panels[0].name.clone();
    env.arc.rules = rules
        .into_iter()
        .map(|rule| PanelRule {
            panel: panel.clone(),
            rule,
        })
        .collect();
    TwinWorld::new(&env, 7, t0())
}

fn set(w: &mut TwinWorld, changes: &[(&str, ControlState)]) -> Result<(), ArcError> {
    let u: Vec<(String, ControlState)> = changes.iter().map(|(n, s)| (arn(n), *s)).collect();
    w.arc_update(&u, &[])
}

fn state(w: &TwinWorld, name: &str) -> ControlState {
    w.arc_get(&arn(name)).expect("control exists").state
}

fn conflict(r: Result<(), ArcError>) -> (String, Vec<String>) {
    match r {
        Err(ArcError::Conflict { message, rule_arns }) => (message, rule_arns),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn atleast_blocks_and_names_rule_arn() {
    let rule = assertion("two-on", &["a", "b", "c"], RuleType::Atleast, 2, false, 0);
    let mut w = arc_world(&[("a", On), ("b", On), ("c", Off)], vec![rule]);
    let (msg, arns) = conflict(set(&mut w, &[("a", Off)]));
    assert_eq!(arns, vec![rule_arn("two-on")]);
    assert!(msg.contains(&rule_arn("two-on")), "{msg}");
    assert!(msg.contains("at least 2"), "{msg}");
    assert_eq!(state(&w, "a"), On, "rejected batch changes nothing");
    set(&mut w, &[("a", Off), ("c", On)]).expect("two stay on");
    assert_eq!((state(&w, "a"), state(&w, "c")), (Off, On));
}

#[test]
fn and_rule_needs_all_on() {
    let rule = assertion("all-on", &["a", "b"], RuleType::And, 0, false, 0);
    let mut w = arc_world(&[("a", On), ("b", On)], vec![rule]);
    conflict(set(&mut w, &[("b", Off)]));
    assert_eq!(state(&w, "b"), On);
}

#[test]
fn or_rule_needs_one_on() {
    let rule = assertion("any-on", &["a", "b"], RuleType::Or, 0, false, 0);
    let mut w = arc_world(&[("a", Off), ("b", On)], vec![rule]);
    conflict(set(&mut w, &[("b", Off)]));
    set(&mut w, &[("a", On)]).expect("second on is fine");
    set(&mut w, &[("b", Off)]).expect("a still on");
}

#[test]
fn inverted_rule_forbids_both_on() {
    let rule = assertion("never-both", &["a", "b"], RuleType::Atleast, 2, true, 0);
    let mut w = arc_world(&[("a", Off), ("b", Off)], vec![rule]);
    set(&mut w, &[("a", On)]).expect("one on");
    let (msg, _) = conflict(set(&mut w, &[("b", On)]));
    assert!(msg.contains("NOT"), "{msg}");
}

#[test]
fn gating_rule_holds_targets_until_gate_on() {
    let gate = SafetyRule {
        name: "gate".into(),
        arn: rule_arn("gate"),
        kind: SafetyRuleKind::Gating {
            gating: vec![arn("g")],
            targets: vec![arn("t")],
        },
        config: RuleConfig {
            kind: RuleType::And,
            threshold: 0,
            inverted: false,
        },
        wait_period_ms: 0,
    };
    let mut w = arc_world(&[("g", Off), ("t", Off)], vec![gate]);
    let (_, arns) = conflict(set(&mut w, &[("t", On)]));
    assert_eq!(arns, vec![rule_arn("gate")]);
    set(&mut w, &[("g", On)]).expect("the gate itself is free");
    set(&mut w, &[("t", On)]).expect("gate open");
}

#[test]
fn wait_period_runs_in_sim_time() {
    let rule = assertion("one-on", &["a", "b"], RuleType::Atleast, 1, false, 5000);
    let mut w = arc_world(&[("a", On), ("b", Off)], vec![rule]);
    set(&mut w, &[("b", On)]).expect("first change");
    let (msg, _) = conflict(set(&mut w, &[("a", Off)]));
    assert!(msg.contains("wait period"), "{msg}");
    step(&mut w, 3);
    conflict(set(&mut w, &[("a", Off)]));
    step(&mut w, 3);
    set(&mut w, &[("a", Off)]).expect("wait period over");
}

#[test]
fn override_bypasses_named_rule_only() {
    let r1 = assertion("one-on", &["a", "b"], RuleType::Atleast, 1, false, 0);
    let r2 = assertion("a-on", &["a"], RuleType::And, 0, false, 0);
    let mut w = arc_world(&[("a", On), ("b", Off)], vec![r1, r2]);
    let (msg, arns) = conflict(set(&mut w, &[("a", Off)]));
    assert_eq!(arns.len(), 2, "both rules block");
    assert!(
        msg.contains(&rule_arn("one-on")) && msg.contains(&rule_arn("a-on")),
        "{msg}"
    );
    let u = vec![(arn("a"), Off)];
    let (_, arns) = conflict(w.arc_update(&u, &[rule_arn("one-on")]));
    assert_eq!(arns, vec![rule_arn("a-on")]);
    w.arc_update(&u, &[rule_arn("one-on"), rule_arn("a-on")])
        .expect("both overridden");
    assert_eq!(state(&w, "a"), Off);
}

#[test]
fn batch_limits_and_unknown_arns() {
    let names: Vec<String> = (0..11).map(|i| format!("c{i}")).collect();
    let controls: Vec<(&str, ControlState)> = names.iter().map(|n| (n.as_str(), Off)).collect();
    let mut w = arc_world(&controls, Vec::new());
    let eleven: Vec<(&str, ControlState)> = names.iter().map(|n| (n.as_str(), On)).collect();
    assert!(matches!(set(&mut w, &eleven), Err(ArcError::Validation(_))));
    assert!(matches!(set(&mut w, &[]), Err(ArcError::Validation(_))));
    set(&mut w, &eleven[..10]).expect("ten is the limit");
    let r = w.arc_update(&[(arn("c10"), On), (arn("nope"), On)], &[]);
    assert!(matches!(r, Err(ArcError::NotFound(_))), "{r:?}");
    assert_eq!(state(&w, "c10"), Off, "atomic: nothing applied");
    assert!(matches!(
        w.arc_get(&arn("nope")),
        Err(ArcError::NotFound(_))
    ));
}

#[test]
fn list_by_panel() {
    let w = super::world(1);
    let all = w.arc_list(None).expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].state, On, "initial states from the environment");
    assert_eq!(all[1].state, Off);
    assert_eq!(w.arc_list(Some(PANEL)).expect("panel").len(), 2);
    assert!(matches!(
        w.arc_list(Some("arn:nope")),
        Err(ArcError::NotFound(_))
    ));
}

/// A RoutingControlArn that is not a routing-control ARN is a ValidationException;
/// a well-formed one that names nothing stays ResourceNotFound.
#[test]
fn malformed_routing_control_arn_is_a_validation_error() {
    let mut w = TwinWorld::new(&super::default_env(), 1, t0());
    for bad in [
        "",
        "not-an-arn",
        "arn:aws:rds:us-east-1:111122223333:cluster:x",
    ] {
        assert!(
            matches!(w.arc_get(bad), Err(ArcError::Validation(_))),
            "{bad:?}: {:?}",
            w.arc_get(bad)
        );
        let r = w.arc_update(&[(bad.to_string(), On)], &[]);
        assert!(matches!(r, Err(ArcError::Validation(_))), "{bad:?}: {r:?}");
    }
    let unknown =
        "arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/def";
    assert!(matches!(w.arc_get(unknown), Err(ArcError::NotFound(_))));
}

/// ARNs the twin makes carry the environment file's account, not a fixed one.
#[test]
fn arns_carry_the_environment_files_account() {
    let text = crate::config::DEFAULT_ENV.replace("111122223333", "444455556666");
    let env = crate::config::Environment::parse(&text, "other.yaml").expect("env");
    let w = TwinWorld::new(&env, 1, t0());
    assert_eq!(w.account(), "444455556666");
    let g = w
        .rds_global_clusters("us-east-1", None)
        .expect("globals")
        .remove(0);
    assert!(g.arn.contains(":444455556666:"), "{}", g.arn);
    let alarms = w.cw_alarms("us-east-1", &[]);
    assert!(alarms.iter().all(|a| a.arn.contains(":444455556666:")));
    let c = w.arc_list(None).expect("controls").remove(0);
    assert_eq!(c.owner, "444455556666");
}

#[test]
fn config_drift_shows_on_both_apis_and_reverts() {
    use crate::emulator::scenario::Fault;
    let mut w = super::world(1);
    let panel = w.cc_panels(None).expect("panels")[0].0.arn.clone();
    let rule = w.cc_rules(&panel).expect("rules")[0].arn.clone();
    assert_eq!(w.cc_panel(&panel).expect("panel").1, 2);
    w.inject(&Fault::ArcConfigDrift {});
    // Injected twice, it drifts once.
    w.inject(&Fault::ArcConfigDrift {});
    let controls = w.cc_controls(&panel).expect("controls");
    assert_eq!(controls.len(), 3);
    let added = &controls[2];
    assert_eq!(added.name, "drift-added-control");
    let hex = added
        .arn
        .strip_prefix(&format!("{panel}/routingcontrol/"))
        .expect("panel ARN prefix");
    assert!(hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(w.cc_rule(&rule).expect("rule").1.wait_period_ms, 6000);
    // The data plane holds the same control, Off.
    assert_eq!(w.arc_get(&added.arn).expect("data plane").state, Off);
    assert!(
        w.active_faults()
            .iter()
            .any(|f| f.clear == Fault::ArcConfigDriftReverted {})
    );
    w.inject(&Fault::ArcConfigDriftReverted {});
    assert_eq!(w.cc_controls(&panel).expect("controls").len(), 2);
    assert_eq!(w.cc_rule(&rule).expect("rule").1.wait_period_ms, 5000);
    assert!(matches!(w.arc_get(&added.arn), Err(ArcError::NotFound(_))));
    assert!(w.cc_describe_cluster("arn:nope").is_err());
}
