//! `drconsole doctor`'s pure parts: the static-stability analysis of the shipped
//! runbooks and of small synthetic ones, and the runbooks section over a directory.
//! Control-plane findings rest on AWS Well-Architected REL11-BP04 ("Rely on the data
//! plane and not the control plane during recovery").

use drconsole::config::Environment;
use drconsole::doctor::{Finding, Severity, runbooks, stability};
use drconsole::runbook::validate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn env() -> Environment {
    Environment::builtin_default().expect("built-in environment")
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn shipped(name: &str) -> Vec<Finding> {
    let e = env();
    let rb = validate::load(
        &repo(&format!("runbooks/{name}.yaml")),
        &e,
        &BTreeMap::new(),
    )
    .expect("a shipped runbook validates");
    stability::analyse(name, &rb, &e)
}

fn synthetic(yaml: &str) -> Vec<Finding> {
    let e = env();
    let rb = validate::parse(yaml, "synthetic.yaml", &e, &BTreeMap::new())
        .unwrap_or_else(|errs| panic!("{errs}"));
    stability::analyse("synthetic", &rb, &e)
}

fn of_step<'a>(fs: &'a [Finding], step: &str) -> Vec<&'a Finding> {
    fs.iter()
        .filter(|f| f.step.as_deref() == Some(step))
        .collect()
}

#[test]
fn pilot_light_scaling_calls_the_auto_scaling_and_ecs_control_planes_rel11_bp04() {
    let fs = shipped("pilot-light-failover");
    let scale = of_step(&fs, "scale-out");
    let f = scale
        .iter()
        .find(|f| {
            f.calls
                .as_deref()
                .is_some_and(|c| c.contains("UpdateAutoScalingGroup"))
        })
        .unwrap_or_else(|| panic!("{fs:#?}"));
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.runbook.as_deref(), Some("pilot-light-failover"));
    assert!(
        f.message.contains("EC2 Auto Scaling control plane"),
        "{}",
        f.message
    );
    assert!(
        f.reference
            .as_deref()
            .is_some_and(|r| r.contains("REL11-BP04"))
    );
    let workers = of_step(&fs, "scale-workers");
    assert!(
        workers.iter().any(|f| f
            .calls
            .as_deref()
            .is_some_and(|c| c.contains("UpdateService"))
            && f.message.contains("Amazon ECS")),
        "{workers:#?}"
    );
    // The failover and the flip are what a failover should rely on: not flagged.
    // (Their Region-health guards are flagged for us-east-1, see below.)
    for step in ["db-failover", "flip"] {
        assert!(
            of_step(&fs, step).iter().all(|f| f
                .calls
                .as_deref()
                .is_some_and(|c| c.contains("HealthCheckStatus"))),
            "{fs:#?}"
        );
    }
    // Nothing in the shipped pilot light is a problem: it calls us-west-2 only.
    assert!(
        fs.iter().all(|f| f.severity != Severity::Problem),
        "{fs:#?}"
    );
}

/// Route 53 health-check metrics are published in us-east-1 only (Route 53 developer
/// guide, "Monitoring health checks using CloudWatch"): a failover away from
/// us-east-1 that guards on Region health loses that half of the verdict.
#[test]
fn region_health_guards_in_a_failover_from_us_east_1_depend_on_us_east_1_metrics() {
    let fs = shipped("pilot-light-failover");
    let f = fs
        .iter()
        .find(|f| f.message.contains("published only in us-east-1"))
        .unwrap_or_else(|| panic!("{fs:#?}"));
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.calls
            .as_deref()
            .is_some_and(|c| c.contains("HealthCheckStatus in us-east-1"))
    );
}

/// Aurora user guide, "Performing switchovers for Amazon Aurora global databases":
/// planned, on a healthy global database. A planned runbook has no impaired Region,
/// so its switchover is not a problem.
#[test]
fn a_planned_switchover_runbook_has_no_problem() {
    let fs = shipped("aurora-planned-switchover");
    assert!(
        fs.iter().all(|f| f.severity != Severity::Problem),
        "{fs:#?}"
    );
}

#[test]
fn steps_acting_in_or_guarded_by_the_region_failed_away_from_are_problems() {
    let fs = synthetic(
        r#"
name: Bad failover
environment: orders-prod
rto: 15m
steps:
  - id: db-failover
    title: db-failover
    aurora_failover: { database: orders, to: us-west-2, allow_data_loss: true }
    confirm: typed
  - id: scale-old
    title: scale-old
    scale: { asg: orders-web-use1, region: us-east-1, desired: 0, timeout: 5m }
  - id: flip
    title: flip
    routing_controls:
      - { control: cell-us-west-2, state: on }
    require:
      - alarm: { name: orders-api-5xx-use1, state: OK }
"#,
    );
    let old = of_step(&fs, "scale-old");
    assert!(
        old.iter().any(|f| f.severity == Severity::Problem
            && f.message
                .contains("calls us-east-1, the Region this runbook fails away from")),
        "{fs:#?}"
    );
    let flip = of_step(&fs, "flip");
    assert!(
        flip.iter()
            .any(|f| f.severity == Severity::Problem
                && f.message.contains("its guard reads us-east-1")),
        "{fs:#?}"
    );
}

#[test]
fn a_command_step_cannot_be_checked() {
    let fs = synthetic(
        r#"
name: Scripted
environment: orders-prod
rto: 15m
steps:
  - id: script
    title: script
    command: { program: /usr/local/bin/failover.sh, args: [us-west-2] }
"#,
    );
    let f = of_step(&fs, "script");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(
        f[0].message.contains("cannot be checked"),
        "{}",
        f[0].message
    );
}

#[test]
fn a_data_plane_only_runbook_gets_one_ok_line() {
    let fs = synthetic(
        r#"
name: Flip only
environment: orders-prod
rto: 5m
steps:
  - id: flip
    title: flip
    routing_controls:
      - { control: cell-us-west-2, state: on }
"#,
    );
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0].severity, Severity::Info);
    assert!(
        fs[0].message.contains("data-plane calls only"),
        "{}",
        fs[0].message
    );
}

#[test]
fn the_runbooks_section_validates_reports_other_environments_and_break_glass() {
    let e = env();
    let dir = tempfile::tempdir().expect("temp dir");
    for f in ["pilot-light-failover.yaml", "region-evacuation.yaml"] {
        std::fs::copy(repo(&format!("runbooks/{f}")), dir.path().join(f)).expect("copy");
    }
    std::fs::copy(
        repo("tests/fixtures/runbook-break-glass.yaml"),
        dir.path().join("lights-out.yaml"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("broken.yaml"),
        "name: Broken\nenvironment: orders-prod\nrto: 5m\nsteps:\n  - id: a\n    scale: { asg: nope, region: us-west-2, desired: 1 }\n",
    )
    .expect("write");
    let checked = runbooks::check(&runbooks::list(&[dir.path().to_path_buf()]), &e);
    let by = |name: &str| -> Vec<&Finding> {
        checked
            .findings
            .iter()
            .filter(|f| f.runbook.as_deref() == Some(name))
            .collect()
    };
    let other = by("region-evacuation");
    assert_eq!(other.len(), 1, "{other:#?}");
    assert_eq!(other[0].severity, Severity::Info);
    assert!(
        other[0]
            .message
            .contains("written for environment `shop-prod`"),
        "{}",
        other[0].message
    );
    assert!(
        by("pilot-light-failover")
            .iter()
            .all(|f| f.severity == Severity::Info)
    );
    assert!(by("broken").iter().any(|f| f.severity == Severity::Problem));
    let glass = by("lights-out");
    assert!(
        glass.iter().any(|f| f.severity == Severity::Warning
            && f.step.as_deref() == Some("dark")
            && f.message.contains("break-glass")),
        "{glass:#?}"
    );
    let names: Vec<&str> = checked.runbooks.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["lights-out", "pilot-light-failover"]);
}
