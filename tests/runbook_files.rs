//! Runbook files and journals on disk: the shipped runbooks validate against their
//! environment (the default, or the active/active example), every broken file gives `file:line:column`, the parser never
//! panics on mangled input, `plan` batches ARC changes, and journals survive torn lines.

use drconsole::config::{DEFAULT_ENV, Environment};
use drconsole::runbook::journal::{
    JournalWriter, Record, Recorder, ResumePoint, read_journal, reader::parse_journal,
};
use drconsole::runbook::plan::{self, Mutation};
use drconsole::runbook::validate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env() -> Environment {
    Environment::builtin_default().unwrap_or_else(|e| panic!("{e}"))
}

fn no_params() -> BTreeMap<String, String> {
    BTreeMap::new()
}

#[test]
fn the_shipped_runbooks_validate_against_their_environment() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("runbooks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "aurora-planned-switchover.yaml",
            "backup-restore-failover.yaml",
            "failback.yaml",
            "game-day.yaml",
            "pilot-light-failover.yaml",
            "rds-replica-promotion.yaml",
            "region-evacuation.yaml",
            "region-return.yaml",
            "restore-test.yaml",
            "warm-standby-failover.yaml"
        ]
    );
    let active_active = Environment::load(&root().join("assets/active-active-env.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    for n in &names {
        // The active/active runbooks are for the active/active example environment.
        let env = if n.starts_with("region-") {
            active_active.clone()
        } else {
            env()
        };
        let rb = validate::load(&root().join("runbooks").join(n), &env, &no_params())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!rb.steps.is_empty());
    }
}

#[test]
fn pilot_light_plan_names_the_exact_calls() {
    let rb = validate::load(
        &root().join("runbooks/pilot-light-failover.yaml"),
        &env(),
        &no_params(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let calls: Vec<Mutation> = rb.steps.iter().flat_map(plan::calls).collect();
    let ops: Vec<&str> = calls.iter().map(|c| c.operation()).collect();
    assert_eq!(
        ops,
        [
            "FailoverGlobalCluster",
            "UpdateAutoScalingGroup",
            "UpdateService",
            "UpdateRoutingControlStates"
        ]
    );
    assert_eq!(
        calls[1],
        Mutation::UpdateAutoScalingGroup {
            region: "us-west-2".into(),
            auto_scaling_group_name: "orders-web-usw2".into(),
            desired_capacity: 6,
            min_size: None,
            max_size: None,
        },
        "scaled to the environment's production need"
    );
    assert_eq!(
        calls[0],
        Mutation::FailoverGlobalCluster {
            region: "us-west-2".into(),
            global_cluster_identifier: "orders-global".into(),
            target_db_cluster_identifier: "arn:aws:rds:us-west-2:111122223333:cluster:orders-usw2"
                .into(),
            allow_data_loss: true,
        }
    );
    assert_eq!(calls[3].endpoint(), "ARC cluster endpoints (rotating)");
    // Parameters override defaults: failing over the other way swaps every call.
    let back = BTreeMap::from([
        ("from".to_string(), "us-west-2".to_string()),
        ("to".to_string(), "us-east-1".to_string()),
        (
            "to_5xx_alarm".to_string(),
            "orders-api-5xx-use1".to_string(),
        ),
        ("to_web_asg".to_string(), "orders-web-use1".to_string()),
    ]);
    let rb = validate::load(
        &root().join("runbooks/pilot-light-failover.yaml"),
        &env(),
        &back,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let first = rb.steps.iter().flat_map(plan::calls).next().unwrap();
    assert_eq!(first.endpoint(), "us-east-1");
}

/// Each broken file states its expected error on line 1: `# expect: LINE:COL text`.
#[test]
fn broken_corpus_reports_file_line_column_with_a_snippet() {
    let dir = root().join("tests/fixtures/runbook-broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "corpus too small: {}", files.len());
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks `# expect:`", path.display()));
        let (pos, needle) = expect.split_once(' ').unwrap_or((expect, ""));
        let errs = match validate::load(&path, &env(), &no_params()) {
            Ok(_) => {
                failures.push(format!("{}: validated without error", path.display()));
                continue;
            }
            Err(e) => e,
        };
        let shown = errs.to_string();
        let want = format!("{}:{pos}: ", path.display());
        let first = shown.lines().next().unwrap_or_default();
        if !first.starts_with(&want) || !first.contains(needle.trim()) {
            failures.push(format!(
                "{}\n   want {want}…{needle}\n   got  {first}",
                path.display()
            ));
        }
        // The snippet: the offending line, then a caret under the column.
        let col: usize = pos.split(':').nth(1).unwrap().parse().unwrap();
        let lines: Vec<&str> = shown.lines().collect();
        if lines.len() < 3 || lines[2].find('^') != Some(col - 1 + 4) {
            failures.push(format!(
                "{}: no caret under column {col}:\n{shown}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn validate_and_plan_commands_exit_codes() {
    let bin = env!("CARGO_BIN_EXE_drconsole");
    // The default environment's runbooks, then the active/active ones with theirs.
    let (mut default, mut active): (Vec<String>, Vec<String>) = (vec![], vec![]);
    for e in std::fs::read_dir(root().join("runbooks")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let list = if name.starts_with("region-") {
            &mut active
        } else {
            &mut default
        };
        list.push(p.display().to_string());
    }
    let aa = root().join("assets/active-active-env.yaml");
    for args in [
        [vec!["validate".to_string()], default].concat(),
        [
            vec![
                "validate".to_string(),
                "--env".to_string(),
                aa.display().to_string(),
            ],
            active.clone(),
        ]
        .concat(),
    ] {
        let ok = Command::new(bin).args(&args).output().unwrap();
        assert_eq!(
            ok.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    }
    // Against the default environment they say whose they are.
    let wrong = Command::new(bin)
        .args([vec!["validate".to_string()], active].concat())
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("is for environment `shop-prod`"));

    let broken = root().join("tests/fixtures/runbook-broken/unknown-region.yaml");
    let bad = Command::new(bin)
        .args(["validate", &broken.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("unknown-region.yaml:28:34: Region `eu-west-9`"),
        "{err}"
    );

    let plan = Command::new(bin)
        .args([
            "plan",
            &root()
                .join("runbooks/aurora-planned-switchover.yaml")
                .display()
                .to_string(),
            "--param",
            "to=us-west-2",
        ])
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0));
    let out = String::from_utf8_lossy(&plan.stdout);
    // A switchover is sent in the current primary's Region.
    assert!(out.contains("SwitchoverGlobalCluster @ us-east-1"), "{out}");
    assert!(
        out.contains(
            "TargetDbClusterIdentifier=arn:aws:rds:us-west-2:111122223333:cluster:orders-usw2"
        ),
        "{out}"
    );

    let unknown_param = Command::new(bin)
        .args([
            "plan",
            &root().join("runbooks/failback.yaml").display().to_string(),
            "--param",
            "region=eu-west-1",
        ])
        .output()
        .unwrap();
    assert_eq!(unknown_param.status.code(), Some(1));
}

/// The default environment with `extra` more routing controls in its panel.
fn env_with_controls(extra: usize) -> Environment {
    let mut added = String::new();
    for n in 0..extra {
        added.push_str(&format!(
            "        - name: extra-{n}\n          arn: arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/routingcontrol/e{n:015}\n          gates: us-west-2\n"
        ));
    }
    let text = DEFAULT_ENV.replacen(
        "      safety_rules:",
        &format!("{added}      safety_rules:"),
        1,
    );
    Environment::parse(&text, "many.yaml").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn routing_control_changes_are_split_into_batches_of_ten() {
    let env = env_with_controls(11);
    let mut steps = String::from("  - id: all-on\n    title: All on\n    routing_controls:\n");
    steps.push_str("      - { control: cell-us-west-2, state: on }\n");
    for n in 0..11 {
        steps.push_str(&format!("      - {{ control: extra-{n}, state: on }}\n"));
    }
    let text = format!("name: t\nenvironment: orders-prod\nrto: 5m\nsteps:\n{steps}");
    let rb = validate::parse(&text, "t.yaml", &env, &no_params()).unwrap_or_else(|e| panic!("{e}"));
    let calls = plan::calls(&rb.steps[0]);
    let sizes: Vec<usize> = calls
        .iter()
        .map(|c| match c {
            Mutation::UpdateRoutingControlStates { entries, .. } => entries.len(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sizes, [10, 2]);
    let rendered = plan::render(&rb);
    assert!(rendered.contains("(batch 2 of 2)"), "{rendered}");
}

fn write_run(path: &Path) -> JournalWriter {
    let mut w = JournalWriter::create(path).unwrap();
    let t = chrono::Utc::now();
    w.record(
        t,
        Record::RunStart {
            run_id: "r1".into(),
            runbook: "Pilot light failover".into(),
            path: None,
            hash: "h".into(),
            params: BTreeMap::new(),
            operator: "alice@bastion".into(),
            identity: None,
            mode: "SIMULATED".into(),
            read_only: false,
            rto_target_s: 900,
        },
    )
    .unwrap();
    w.record(
        t,
        Record::Step {
            step: "flip".into(),
            status: "running".into(),
            detail: None,
        },
    )
    .unwrap();
    w
}

#[test]
fn journal_reader_tolerates_a_torn_last_line_and_appending_continues_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs/r1.jsonl");
    drop(write_run(&path));
    // The process died mid-write of an intent line.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(br#"{"seq":3,"at":"2026-11-27T03:00:00Z","event":"intent","step":"fl"#);
    std::fs::write(&path, &bytes).unwrap();

    let j = read_journal(&path).unwrap();
    assert!(j.torn_tail);
    assert_eq!(j.lines.len(), 2);
    let point = ResumePoint::from_lines(&j.lines);
    assert!(point.is_unfinished());
    assert!(
        point.dangling.is_empty(),
        "a torn intent was never durable, so nothing was sent"
    );

    // Resuming appends on a fresh line; the torn fragment stays, tolerated, in the middle.
    let mut w = JournalWriter::append(&path, j.last_seq()).unwrap();
    w.record(
        chrono::Utc::now(),
        Record::Resumed {
            operator: "bob@bastion".into(),
        },
    )
    .unwrap();
    let j = read_journal(&path).unwrap();
    assert_eq!(j.lines.len(), 3);
    assert_eq!(j.lines[2].seq, 3);
    assert!(matches!(j.lines[2].record, Record::Resumed { .. }));

    // Damage that is not a torn write is reported, with its line number.
    let text = "{\"seq\":1,\"at\":\"2026-11-27T03:00:00Z\",\"event\":\"nonsense\"}\n{\"seq\":2}\n";
    assert_eq!(parse_journal(text.as_bytes()).unwrap_err().0, 1);
}

#[test]
fn journal_export_gives_the_postmortem_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs/r1.jsonl");
    let mut w = write_run(&path);
    let t = chrono::Utc::now();
    w.record(
        t,
        Record::Confirmed {
            step: "db".into(),
            by: "alice@bastion".into(),
            typed: Some("us-west-2".into()),
            prompt: "fail over".into(),
            data_loss_ms: Some(1800.0),
        },
    )
    .unwrap();
    w.record(
        t,
        Record::RunEnd {
            outcome: "completed".into(),
        },
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_drconsole");
    let out = Command::new(bin)
        .args([
            "journal",
            "--state-dir",
            &dir.path().display().to_string(),
            "export",
            "r1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rto_target_s"], 900);
    assert_eq!(v["data_loss_ms"], 1800.0);
    assert_eq!(v["outcome"], "completed");
    let md = Command::new(bin)
        .args([
            "journal",
            "--state-dir",
            &dir.path().display().to_string(),
            "show",
            "r1",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("about 1.8 s of committed writes"), "{md}");
    assert!(
        md.contains("confirmed by alice@bastion (typed `us-west-2`)"),
        "{md}"
    );
    let list = Command::new(bin)
        .args([
            "journal",
            "--state-dir",
            &dir.path().display().to_string(),
            "list",
        ])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    // Issue 7 §6: a header, then start, duration, mode and outcome per run.
    let mut rows = list.lines();
    let header = rows.next().unwrap_or_default();
    for col in ["RUN", "STARTED (UTC)", "DURATION", "MODE", "OUTCOME"] {
        assert!(header.contains(col), "{list}");
    }
    let row = rows.next().unwrap_or_default();
    assert!(row.starts_with("r1 "), "{list}");
    assert!(row.contains("completed"), "{list}");
    assert!(
        row.contains("Pilot light failover by alice@bastion"),
        "{list}"
    );
    assert!(
        row.contains(&t.format("%Y-%m-%d").to_string()) || row.contains(" ? "),
        "{list}"
    );
}

/// Issue 7 §6: `journal show` takes a unique prefix of a run id, points to `journal
/// list` when nothing matches, and the JSON export's events are typed, not strings.
#[test]
fn journal_show_takes_a_prefix_and_json_events_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs/20261127T030000Z-pilot-9f3c.jsonl");
    let mut w = write_run(&path);
    w.record(
        chrono::Utc::now(),
        Record::RunEnd {
            outcome: "aborted: test".into(),
        },
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_drconsole");
    let state = dir.path().display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["journal", "--state-dir", &state];
        all.extend_from_slice(args);
        Command::new(bin).args(all).output().unwrap()
    };
    let shown = run(&["show", "20261127T03"]);
    assert_eq!(shown.status.code(), Some(0), "{shown:?}");
    let md = String::from_utf8_lossy(&shown.stdout);
    assert!(md.contains("# Run r1"), "{md}");
    // An aborted run never met its RTO.
    assert!(md.contains("NOT REACHED"), "{md}");
    assert!(!md.contains("(met)"), "{md}");
    let none = run(&["show", "1999"]);
    assert_ne!(none.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("drconsole journal list"),
        "{none:?}"
    );
    let json = run(&["export", "2026", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["rto"]["verdict"], "not_reached");
    let events = v["events"].as_array().unwrap();
    assert!(!events.is_empty());
    for e in events {
        assert!(e["event"].is_string(), "{e}");
        let at = e["at"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    const PILOT: &str = include_str!("../runbooks/pilot-light-failover.yaml");

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Splicing junk anywhere into a shipped runbook gives Ok or positioned errors.
        #[test]
        fn mangled_runbook(cut in 0usize..4000, junk in "[ -~\n\t:\\[\\]{}-]{0,16}") {
            let mut cut = cut.min(PILOT.len());
            while !PILOT.is_char_boundary(cut) { cut -= 1; }
            let text = format!("{}{junk}{}", &PILOT[..cut], &PILOT[cut..]);
            let env = Environment::builtin_default().unwrap();
            if let Err(errs) = validate::parse(&text, "mangled.yaml", &env, &BTreeMap::new()) {
                prop_assert!(!errs.0.is_empty());
                for e in &errs.0 {
                    prop_assert!(e.line >= 1 && e.column >= 1);
                    prop_assert!(e.to_string().starts_with("mangled.yaml:"));
                }
            }
        }

        /// Arbitrary text never panics the journal reader.
        #[test]
        fn arbitrary_journal_text(text in "[ -~\n]{0,200}") {
            let _ = parse_journal(text.as_bytes());
        }

        /// Arbitrary bytes (invalid UTF-8 included) never panic it either.
        #[test]
        fn arbitrary_journal_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse_journal(&bytes);
        }
    }
}

/// Issue 8 §5: `drconsole approve` asks STS who the approver is (through the
/// provider, here the twin), binds the approval to the waiting step and its record,
/// refuses the initiator, and refuses to approve a LIVE run from the twin.
#[test]
fn approve_binds_the_step_and_asks_sts_who_approves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs/20261127T030000Z-gate-1a2b.jsonl");
    let write = |mode: &str, path: &Path| {
        let mut w = JournalWriter::create(path).unwrap();
        let t = chrono::Utc::now();
        w.record(
            t,
            Record::RunStart {
                run_id: "20261127T030000Z-gate-1a2b".into(),
                runbook: "Gate".into(),
                path: None,
                hash: "h".into(),
                params: BTreeMap::new(),
                operator: "alice@bastion".into(),
                identity: Some("arn:aws:sts::111122223333:assumed-role/DrOperator/twin".into()),
                mode: mode.into(),
                read_only: false,
                rto_target_s: 900,
            },
        )
        .unwrap();
        w.record(
            t,
            Record::Step {
                step: "gate".into(),
                status: "awaiting_approval".into(),
                detail: None,
            },
        )
        .unwrap();
    };
    write("SIMULATED", &path);
    let bin = env!("CARGO_BIN_EXE_drconsole");
    let state = dir.path().display().to_string();
    let approve = |user: &str, run: &str| {
        Command::new(bin)
            .args(["approve", run, "--state-dir", &state])
            .env("USER", user)
            .env_remove("DRCONSOLE_STATE_DIR")
            .output()
            .unwrap()
    };
    let own = approve("alice", "20261127T030000Z-gate");
    assert_ne!(own.status.code(), Some(0), "{own:?}");
    assert!(
        String::from_utf8_lossy(&own.stderr).contains("a different person must approve"),
        "{own:?}"
    );
    let ok = approve("bob", "20261127T030000Z-gate");
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let approvals = drconsole::runbook::journal::approval::read(&path);
    assert_eq!(approvals.len(), 1, "{approvals:?}");
    let a = &approvals[0];
    assert_eq!(a.step.as_deref(), Some("gate"));
    assert_eq!(a.seq, Some(2));
    // The twin's STS answer (its account may follow the environment file).
    assert!(
        a.identity
            .as_deref()
            .is_some_and(|i| i.starts_with("arn:aws:sts::") && i.contains(":assumed-role/")),
        "the identity comes from STS GetCallerIdentity: {a:?}"
    );
    assert!(a.by.starts_with("bob@"), "{a:?}");

    // A LIVE run is never approved with the twin's identity.
    let live = dir.path().join("runs/20261127T040000Z-live-3c4d.jsonl");
    write("LIVE", &live);
    let refused = approve("bob", "20261127T040000Z");
    assert_ne!(refused.status.code(), Some(0), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is LIVE"),
        "{refused:?}"
    );
}

#[test]
fn a_step_that_leaves_no_cell_on_is_flagged_as_break_glass_by_validate_and_plan() {
    let path = root().join("tests/fixtures/runbook-break-glass.yaml");
    let rb = validate::load(&path, &env(), &no_params()).unwrap_or_else(|e| panic!("{e}"));
    let flags = plan::break_glass(&rb, &env());
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].step, "dark");
    let m = &flags[0].message;
    assert!(m.starts_with("this step needs break-glass: "), "{m}");
    assert!(m.ends_with("against at-least-one-cell-on"), "{m}");
    assert!(
        plan::render_flagged(&rb, &flags).contains("WARNING: this step needs break-glass"),
        "plan shows it under the step"
    );
    // The shipped runbooks keep a cell On at every step.
    for n in ["pilot-light-failover", "warm-standby-failover", "failback"] {
        let rb = validate::load(
            &root().join(format!("runbooks/{n}.yaml")),
            &env(),
            &no_params(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(plan::break_glass(&rb, &env()).is_empty(), "{n}");
    }
    let bin = env!("CARGO_BIN_EXE_drconsole");
    let v = Command::new(bin)
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(0), "a warning, not an error");
    let err = String::from_utf8_lossy(&v.stderr);
    assert!(
        err.contains("warning: step dark: this step needs break-glass"),
        "{err}"
    );
    let p = Command::new(bin).arg("plan").arg(&path).output().unwrap();
    let out = String::from_utf8_lossy(&p.stdout);
    assert!(
        out.contains("WARNING: this step needs break-glass"),
        "{out}"
    );
}

#[test]
fn template_errors_point_at_their_line_in_multi_line_blocks_once_per_parameter() {
    let text = "\
name: T
environment: orders-prod
rto: 15m
parameters:
  to: { description: where to }
steps:
  - id: a
    title: Move to {{to}}
    manual:
      instructions: |
        First line
        then {{nope}} here
      checklist:
        - >
          folded
          and {{folded}} too
        - \"quoted
          over {{quoted}} lines\"
  - id: b
    title: Again {{to}} and {{nope}}
    pause: 1s
";
    let errs = validate::parse(text, "t.yaml", &env(), &no_params())
        .expect_err("broken")
        .0;
    let shown: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    let about =
        |needle: &str| -> Vec<&String> { shown.iter().filter(|s| s.contains(needle)).collect() };
    // One missing parameter, one error: at its declaration, not at each use.
    assert_eq!(about("`to`").len(), 1, "{shown:#?}");
    assert!(about("`to`")[0].starts_with("t.yaml:5:"), "{shown:#?}");
    assert_eq!(about("`nope`").len(), 1, "{shown:#?}");
    assert!(
        about("`nope`")[0].starts_with("t.yaml:12:14: "),
        "{shown:#?}"
    );
    // One bad template does not hide the next: the checklist's folded and quoted
    // items are checked even though the instructions already failed.
    assert_eq!(about("`folded`").len(), 1, "{shown:#?}");
    assert!(
        about("`folded`")[0].starts_with("t.yaml:16:15: "),
        "{shown:#?}"
    );
    assert_eq!(about("`quoted`").len(), 1, "{shown:#?}");
    assert!(
        about("`quoted`")[0].starts_with("t.yaml:18:16: "),
        "{shown:#?}"
    );
    // No Rust Debug text in any message.
    for s in &shown {
        assert!(!s.contains("Spanned") && !s.contains("Some("), "{s}");
    }
}

#[test]
fn a_millisecond_threshold_can_be_a_parameter_and_a_bad_one_is_positioned_without_hiding_others() {
    let text = |lag: &str| {
        format!(
            "\
name: T
environment: orders-prod
rto: 15m
parameters:
  to: {{ default: us-west-2 }}
  max_lag: {{ default: \"{lag}\" }}
steps:
  - id: lag
    title: Lag
    check:
      - replication_lag: {{ database: orders, region: \"{{{{to}}}}\", below_ms: \"{{{{max_lag}}}}\" }}
      - rpo_lag: {{ database: orders, region: \"{{{{to}}}}\", below_ms: 2500 }}
  - id: b
    title: Again {{{{undefined}}}}
    pause: 1s
"
        )
    };
    // A parameter that renders to a number works like the number.
    let good = text("1500").replace("Again {{undefined}}", "Again");
    let rb =
        validate::parse(&good, "t.yaml", &env(), &no_params()).unwrap_or_else(|e| panic!("{e}"));
    let shown = format!("{:?}", rb.steps[0].kind);
    assert!(shown.contains("below_ms: 1500"), "{shown}");
    assert!(shown.contains("below_ms: 2500"), "{shown}");
    // One that does not is an error at the value, and the file's other errors remain.
    let errs = validate::parse(&text("soon"), "t.yaml", &env(), &no_params())
        .expect_err("broken")
        .0;
    let shown: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert!(
        shown[0].starts_with("t.yaml:11:")
            && shown[0].contains("`soon` is not a whole number of milliseconds"),
        "{shown:#?}"
    );
    assert!(shown[1].contains("`undefined`"), "{shown:#?}");
    // A negative number is refused in words, at its line.
    let neg = good.replace("below_ms: 2500", "below_ms: -5");
    let errs = validate::parse(&neg, "t.yaml", &env(), &no_params())
        .expect_err("negative")
        .0;
    let shown: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("t.yaml:12:") && e.contains("cannot be negative")),
        "{shown:#?}"
    );
}
