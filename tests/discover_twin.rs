//! `drconsole discover` end to end: the real binary reads a twin process through the
//! SDK (ARC control configuration, Route 53, RDS, CloudWatch) with production
//! timeouts, writes an environment file, and that file says what the twin was built
//! from. `--check` reports a drift injected into the twin. These tests check
//! discover's reading and inference against the twin's model of Route 53 and ARC (the
//! twin's record layout is its own choice, see src/emulator); they prove nothing about
//! AWS beyond the wire shapes the SDK accepts.

#[path = "support/twin_process.rs"]
mod twin_process;

use drconsole::config::Environment;
use drconsole::discover::facts;
use std::process::Command;
use twin_process::{BIN, TwinProcess, repo};

fn discover(twin: &TwinProcess, extra: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("discover")
        .arg("--twin-endpoints")
        .arg(&twin.file)
        .args(extra)
        .env("XDG_CONFIG_HOME", twin.dir.path())
        .output()
        .expect("discover runs")
}

fn round_trip(env_file: Option<&str>, alarm_prefix: &str) {
    let (twin, source) = match env_file {
        Some(f) => (
            TwinProcess::start_with_env(f, "calm", 1.0),
            Environment::load(&repo(f)).expect("source"),
        ),
        None => (
            TwinProcess::start("calm", 1.0),
            Environment::builtin_default().expect("source"),
        ),
    };
    let written = twin.dir.path().join("discovered.yaml");
    let out = discover(
        &twin,
        &[
            "--alarm-prefix",
            alarm_prefix,
            "-o",
            written.to_str().expect("utf-8"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("wrote "), "{stderr}");
    let text = std::fs::read_to_string(&written).expect("written");
    let back = Environment::parse(&text, "discovered").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let (want, got) = (facts(&source), facts(&back));
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}\n{text}"
    );

    // States read through the cluster endpoints: the file rehearses as the twin stood.
    for c in &source.arc.controls {
        let got = back
            .arc
            .controls
            .iter()
            .find(|b| b.arn == c.arn)
            .expect("control");
        assert_eq!(got.initial, c.initial, "{}", c.name);
    }

    // The file as written has no drift against the twin it came from.
    let out = Command::new(BIN)
        .args(["discover", "--twin-endpoints"])
        .arg(&twin.file)
        .arg("--check")
        .arg(&written)
        .output()
        .expect("check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("no drift"), "{stdout}");

    // A second discover does not overwrite without --force.
    let again = discover(&twin, &["-o", written.to_str().expect("utf-8")]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    // Nor does a twin's environment ever land where the console opens LIVE.
    let default = discover(&twin, &[]);
    assert_eq!(default.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&default.stderr).contains("opens LIVE"),
        "{}",
        String::from_utf8_lossy(&default.stderr)
    );
    assert!(!twin.dir.path().join("drconsole").join("env.yaml").exists());
}

#[test]
fn discover_round_trips_the_builtin_environment_through_the_twin() {
    round_trip(None, "orders-api-");
}

#[test]
fn discover_round_trips_the_three_region_environment_through_the_twin() {
    round_trip(Some("assets/three-region-env.yaml"), "");
}

#[test]
fn discover_round_trips_the_active_active_environment_through_the_twin() {
    round_trip(Some("assets/active-active-env.yaml"), "shop-");
}

#[test]
fn check_reports_drift_injected_into_the_twin_with_exit_1() {
    let twin = TwinProcess::start("calm", 1.0);
    let file = repo("assets/default-env.yaml");
    twin.inject(serde_json::json!({ "arc_config_drift": {} }));
    let out = Command::new(BIN)
        .args(["discover", "--twin-endpoints"])
        .arg(&twin.file)
        .arg("--check")
        .arg(&file)
        .arg("--json")
        .output()
        .expect("check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let drift: Vec<String> = doc["drift"]
        .as_array()
        .expect("drift list")
        .iter()
        .map(|d| d["what"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        drift
            .iter()
            .any(|d| d.contains("new routing control drift-added-control")),
        "{drift:?}"
    );
    assert!(
        drift
            .iter()
            .any(|d| d.contains("wait period 5000 ms → 6000 ms")),
        "{drift:?}"
    );
}

#[test]
fn discover_refuses_bad_arguments_before_any_call() {
    let out = Command::new(BIN)
        .args(["discover", "--check", "/no/such/file.yaml", "--twin"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.yaml"));
    let out = Command::new(BIN)
        .args(["discover", "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "--json needs --check");
}

/// Against AWS without credentials: the one line every command says, exit 2, and no
/// file written.
#[test]
fn discover_without_credentials_says_so_in_one_line() {
    let dir = tempfile::tempdir().expect("dir");
    let out_file = dir.path().join("env.yaml");
    let mut cmd = Command::new(BIN);
    cmd.args(["discover", "-o"]).arg(&out_file);
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", dir.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no AWS credentials"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!out_file.exists());
}

/// Route 53's control plane lives in us-east-1: with that Region dark, discover ends
/// within its timeouts (production ones), names the service and the Region, exits 2
/// and leaves no file — it never writes a half-read environment.
#[test]
fn discover_with_route53_dark_names_it_and_writes_nothing() {
    let twin = TwinProcess::start("calm", 1.0);
    twin.inject(serde_json::json!({ "region_impaired": { "region": "us-east-1" } }));
    let written = twin.dir.path().join("dark.yaml");
    let out = discover(&twin, &["-o", written.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Route 53 (us-east-1)"), "{stderr}");
    assert!(!written.exists());
}
