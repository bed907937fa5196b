//! `drconsole doctor` through the real binary against a twin in its own process:
//! exit codes, the JSON report, the pilot-light scaling finding, per-endpoint
//! reachability, a dark Region turning into a problem, and no mutating call at all
//! (the twin's request log records every mutating request).

#[path = "support/twin_process.rs"]
mod twin_process;

use std::process::{Command, Output, Stdio};
use twin_process::{BIN, TwinProcess, repo, text, wait_bounded};

/// Short timeouts: the twin is on loopback; a dark Region then costs about a second.
const FAST: [&str; 4] = ["--connect-timeout-ms", "300", "--attempt-timeout-ms", "600"];

fn doctor(args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .arg("doctor")
        .args(args)
        .env_remove("DRCONSOLE_RUNBOOKS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("doctor starts");
    wait_bounded(&mut child);
    child.wait_with_output().expect("doctor output")
}

fn doctor_json(twin: &TwinProcess) -> (Option<i32>, serde_json::Value) {
    let runbooks = repo("runbooks");
    let file = twin.file.to_string_lossy().to_string();
    let mut args = vec![
        "--json",
        "--twin-endpoints",
        file.as_str(),
        "--runbooks",
        runbooks.to_str().expect("utf-8 path"),
    ];
    args.extend(FAST);
    let out = doctor(&args);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (out.status.code(), v)
}

fn section<'a>(v: &'a serde_json::Value, id: &str) -> &'a Vec<serde_json::Value> {
    v["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no section {id}: {v:#}"))["findings"]
        .as_array()
        .expect("findings")
}

#[test]
fn doctor_on_a_calm_twin_is_ready_reports_the_scaling_step_and_mutates_nothing() {
    let twin = TwinProcess::start("calm", 1.0);
    let (code, v) = doctor_json(&twin);
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["ready"], true);
    assert_eq!(v["summary"]["problems"], 0, "{v:#}");

    let stability = section(&v, "static_stability");
    assert!(
        stability
            .iter()
            .any(|f| f["runbook"] == "pilot-light-failover"
                && f["step"] == "scale-out"
                && f["severity"] == "warning"
                && f["calls"]
                    .as_str()
                    .is_some_and(|c| c.contains("UpdateAutoScalingGroup"))),
        "{stability:#?}"
    );

    let reach = section(&v, "reachability");
    for i in 1..=5 {
        let about = format!("ARC endpoint {i} (");
        let f = reach
            .iter()
            .find(|f| f["about"].as_str().is_some_and(|a| a.starts_with(&about)))
            .unwrap_or_else(|| panic!("no entry for endpoint {i}: {reach:#?}"));
        assert_eq!(f["severity"], "info", "{f:#}");
        assert!(f["latency_ms"].is_u64(), "{f:#}");
    }
    assert!(
        reach
            .iter()
            .any(|f| f["about"] == "us-west-2 CloudWatch" && f["latency_ms"].is_u64())
    );
    assert!(
        reach
            .iter()
            .any(|f| f["about"] == "routing control cell-us-east-1")
    );

    let creds = section(&v, "credentials");
    assert!(creds.iter().any(|f| {
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("do not expire"))
    }));
    let drift = v["sections"]
        .as_array()
        .expect("sections")
        .last()
        .expect("drift");
    assert_eq!(drift["id"], "drift");
    assert_eq!(drift["checked"], true, "{drift:#}");
    assert_eq!(
        drift["findings"][0]["severity"], "info",
        "no drift: {drift:#}"
    );

    assert!(
        twin.mutating_requests().is_empty(),
        "{:?}",
        twin.mutating_requests()
    );
}

/// A Region whose endpoints hang (the twin's `region_impaired`, mode hang) answers no
/// read: each of its services is a problem and the doctor exits 1.
#[test]
fn a_dark_region_is_a_problem_and_exits_1() {
    let twin = TwinProcess::start("calm", 1.0);
    twin.inject(serde_json::json!({ "region_impaired": { "region": "us-east-1" } }));
    let (code, v) = doctor_json(&twin);
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(v["ready"], false);
    let reach = section(&v, "reachability");
    let dark: Vec<&serde_json::Value> = reach
        .iter()
        .filter(|f| f["severity"] == "problem")
        .collect();
    assert!(
        dark.iter().any(|f| f["about"] == "us-east-1 CloudWatch"),
        "{reach:#?}"
    );
    assert!(
        dark.iter()
            .any(|f| f["about"] == "ARC endpoint 1 (us-east-1)"),
        "{reach:#?}"
    );
    // The other Region still answers.
    assert!(
        reach
            .iter()
            .any(|f| f["about"] == "us-west-2 CloudWatch" && f["severity"] == "info")
    );
    assert!(
        twin.mutating_requests().is_empty(),
        "{:?}",
        twin.mutating_requests()
    );
}

/// The built-in twin (no flags): text, grouped by section, ending in the summary.
#[test]
fn doctor_text_on_the_built_in_twin() {
    let runbooks = repo("runbooks");
    let out = doctor(&["--runbooks", runbooks.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    for title in [
        "Static stability",
        "Credentials",
        "Reachability",
        "Runbooks",
        "Drift",
    ] {
        assert!(s.contains(&format!("\n{title}\n")), "{s}");
    }
    assert!(s.contains("pilot-light-failover / scale-out"), "{s}");
    assert!(
        s.contains("matches ARC, Route 53, RDS and CloudWatch (discover --check)"),
        "{s}"
    );
    assert!(
        s.trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("ready")),
        "{s}"
    );
}

#[test]
fn a_usage_error_exits_2() {
    let out = doctor(&["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = doctor(&["--env", "/no/such/env.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// The drift section is `discover --check`: a safety rule changed in the account is a
/// problem (a runbook would meet a different wait period); a control the file does not
/// name is a warning.
#[test]
fn drift_in_the_control_plane_is_a_problem_and_exits_1() {
    let twin = TwinProcess::start("calm", 1.0);
    twin.inject(serde_json::json!({ "arc_config_drift": {} }));
    let (code, v) = doctor_json(&twin);
    assert_eq!(code, Some(1), "{v:#}");
    let drift = section(&v, "drift");
    assert!(
        drift.iter().any(|f| f["severity"] == "problem"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("wait period 5000 ms → 6000 ms"))),
        "{drift:#?}"
    );
    assert!(
        drift.iter().any(|f| f["severity"] == "warning"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("drift-added-control"))),
        "{drift:#?}"
    );
    assert!(twin.mutating_requests().is_empty());
}
