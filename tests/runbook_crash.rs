//! Crash tests: the `run` binary is SIGKILLed at every step boundary and between the
//! intent and the outcome of every mutating step (a test-only pause point, see
//! `DRCONSOLE_TEST_PAUSE_AT`), against a twin in its own process that outlives it.
//! Every rerun resumes the same run; the journal parses after every kill; the twin's
//! request log shows that no completed mutating call was sent twice; the end state is
//! read through the SDK.

#[path = "support/twin_process.rs"]
mod twin_process;

use drconsole::model::ControlState;
use drconsole::runbook::driver::PAUSE_ENV;
use drconsole::runbook::journal::{Record, ResumePoint, read_journal};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::mpsc;
use twin_process::{GIVE_UP, TwinProcess, assert_serving_from, control, text, writer_region};

/// Runs until the pause point, then SIGKILLs the process there. Returns its stdout.
fn kill_at(twin: &TwinProcess, runbook: &str, point: &str) -> String {
    let mut child = twin
        .run_command(runbook, &["--auto-confirm"])
        .env(PAUSE_ENV, point)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let marker = format!("DRCONSOLE_TEST_PAUSED {point}");
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(GIVE_UP) {
            Ok(l) if l == marker => break,
            Ok(l) => seen.push(l),
            Err(_) => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("output");
                panic!("never paused at {point}; stderr: {seen:?}\n{}", text(&out));
            }
        }
    }
    // SIGKILL: no destructor, no flush, no lock removal.
    child.kill().expect("SIGKILL");
    let out = child.wait_with_output().expect("killed run");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn journal_of(twin: &TwinProcess) -> PathBuf {
    let runs = twin.state_dir().join("runs");
    let files: Vec<PathBuf> = std::fs::read_dir(&runs)
        .expect("runs dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(files.len(), 1, "one run, resumed every time: {files:?}");
    files[0].clone()
}

/// Kills a run at each point in turn, resuming each time, then lets it finish.
fn crash_through(twin: &TwinProcess, runbook: &str, points: &[&str]) -> Vec<Record> {
    for (n, point) in points.iter().enumerate() {
        let stdout = kill_at(twin, runbook, point);
        if n > 0 {
            assert!(
                stdout.contains("resuming unfinished run"),
                "kill #{n} at {point} did not resume:\n{stdout}"
            );
        }
        let path = journal_of(twin);
        let j = read_journal(&path).unwrap_or_else(|e| panic!("after kill at {point}: {e}"));
        assert!(!j.torn_tail, "a line was torn at {point}");
        assert!(
            ResumePoint::from_lines(&j.lines).is_unfinished(),
            "killed at {point}, yet the journal says the run ended"
        );
    }
    let out = twin.run(runbook, &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("resuming unfinished run"));
    let j = read_journal(&journal_of(twin)).expect("final journal");
    assert!(!ResumePoint::from_lines(&j.lines).is_unfinished());
    j.lines.into_iter().map(|l| l.record).collect()
}

/// The AWS calls the journal says were sent, by operation. Each send is preceded by
/// its intent; an intent was sent when an outcome follows it (whatever the outcome) or
/// when a fresh read settled it as applied; an intent settled as not applied was
/// killed before its call left (the only way to get one on a calm twin). Local
/// commands are not AWS calls.
fn justified_sends(records: &[Record]) -> BTreeMap<String, usize> {
    let mut pending: BTreeMap<(String, usize), String> = BTreeMap::new();
    let mut sent: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        match r {
            Record::Intent {
                step,
                call,
                mutation,
                ..
            } => {
                let op = mutation.operation().to_string();
                if op != "command" {
                    pending.insert((step.clone(), *call), op);
                }
            }
            Record::Outcome { step, call, .. }
            | Record::Settled {
                step,
                call,
                applied: true,
                ..
            } => {
                if let Some(op) = pending.remove(&(step.clone(), *call)) {
                    *sent.entry(op).or_default() += 1;
                }
            }
            Record::Settled { step, call, .. } => {
                pending.remove(&(step.clone(), *call));
            }
            _ => {}
        }
    }
    assert!(pending.is_empty(), "intents never settled: {pending:?}");
    sent
}

/// Issue 8 §6: every mutating request the twin received, whatever its status, by
/// operation, equals what the journal justifies: no more (a re-send of a call that
/// landed), no fewer (a call the journal claims but the twin never saw). On a calm
/// twin one send is one HTTP request (no endpoint fails, so ARC does not rotate).
fn assert_sends_match_the_journal(twin: &TwinProcess, records: &[Record]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for op in twin.mutating_requests() {
        *seen.entry(op).or_default() += 1;
    }
    assert_eq!(
        seen,
        justified_sends(records),
        "twin's mutating requests vs the journal's sends\n{records:#?}"
    );
}

fn settled(records: &[Record], step: &str, applied: bool) -> bool {
    records.iter().any(
        |r| matches!(r, Record::Settled { step: s, applied: a, .. } if s == step && *a == applied),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pilot_light_killed_at_every_boundary_and_between_every_intent_and_outcome() {
    // Calm, so the outcome does not depend on how fast the machine restarts the run
    // (on an outage the runbook's 30 s RPO check races the restarts).
    let twin = TwinProcess::start("calm", 20.0);
    let points = [
        "done:assess",
        "done:target-healthy",
        "done:lag-ok",
        "intent:db-failover",
        "outcome:db-failover",
        "done:db-failover",
        "done:writer-moved",
        "intent:scale-out",
        "outcome:scale-out",
        "done:scale-out",
        "intent:scale-workers",
        "outcome:scale-workers",
        "done:scale-workers",
        "intent:flip",
        "outcome:flip",
        "done:flip",
        "done:healthy",
    ];
    let records = crash_through(&twin, "runbooks/pilot-light-failover.yaml", &points);

    // Killed after the intent, before sending: re-read, not applied, sent once.
    for step in ["db-failover", "scale-out", "scale-workers", "flip"] {
        assert!(settled(&records, step, false), "{step}: {records:#?}");
        // Killed after the call, before its outcome: re-read, applied, never re-sent.
        assert!(settled(&records, step, true), "{step}: {records:#?}");
    }

    let done = twin.completed_mutations();
    let n = |op: &str| done.iter().filter(|o| *o == op).count();
    assert_eq!(n("FailoverGlobalCluster"), 1, "sent twice? {done:?}");
    assert_eq!(n("UpdateRoutingControlStates"), 1, "sent twice? {done:?}");
    // Issue 10: a scale call killed between its intent and outcome resumes without a
    // second call (the desired capacity read settles it).
    assert_eq!(n("UpdateAutoScalingGroup"), 1, "sent twice? {done:?}");
    assert_eq!(n("UpdateService"), 1, "sent twice? {done:?}");
    assert_sends_match_the_journal(&twin, &records);

    let p = twin.provider().await;
    assert_serving_from(&p, "us-west-2", "us-east-1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_promotion_killed_between_intent_and_outcome() {
    let twin = TwinProcess::start("calm", 40.0);
    let points = [
        "done:approve",
        "intent:promote",
        "outcome:promote",
        "done:promote",
        "done:settle",
    ];
    let records = crash_through(&twin, "runbooks/rds-replica-promotion.yaml", &points);
    // Killed before sending: not a replica-in-promotion, so re-sent once on the
    // (auto-)operator's word; killed after: DescribeDBInstances shows it promoted.
    assert!(settled(&records, "promote", false), "{records:#?}");
    assert!(settled(&records, "promote", true), "{records:#?}");
    let done = twin.completed_mutations();
    let promotions = done.iter().filter(|o| *o == "PromoteReadReplica").count();
    assert_eq!(promotions, 1, "sent twice? {done:?}\n{records:#?}");
    assert_sends_match_the_journal(&twin, &records);
    let p = twin.provider().await;
    let ledger = p
        .describe_db_instance("us-west-2", "ledger-usw2")
        .await
        .expect("ledger-usw2 answers");
    assert_eq!(ledger.replica_source, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planned_switchover_killed_between_intent_and_outcome() {
    let twin = TwinProcess::start("calm", 20.0);
    let points = [
        "intent:switchover",
        "outcome:switchover",
        "done:writer-moved",
        "intent:flip",
        "outcome:flip",
    ];
    let records = crash_through(&twin, "runbooks/aurora-planned-switchover.yaml", &points);
    assert!(settled(&records, "switchover", false), "{records:#?}");
    assert!(settled(&records, "switchover", true), "{records:#?}");
    let done = twin.completed_mutations();
    let n = |op: &str| done.iter().filter(|o| *o == op).count();
    assert_eq!(n("SwitchoverGlobalCluster"), 1, "sent twice? {done:?}");
    assert_eq!(n("UpdateRoutingControlStates"), 1, "sent twice? {done:?}");
    assert_sends_match_the_journal(&twin, &records);
    let p = twin.provider().await;
    assert_eq!(
        writer_region(&p, "us-east-1").await.as_deref(),
        Some("us-west-2")
    );
    assert_eq!(control(&p, "cell-us-east-1").await, Some(ControlState::Off));
}

/// Issue 8 §6, crash while settling: killed after the call was sent (no outcome), then
/// killed again while the resumed run settles it (the read is done, the settled record
/// not yet written). The third start settles again by reading, records it once, and
/// never re-sends. (The engine's own test of the same resume point is
/// `a_crash_while_settling_resumes_into_settling_not_the_normal_prompt`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_settling_settles_again_and_never_resends() {
    let twin = TwinProcess::start("calm", 20.0);
    let points = ["outcome:flip", "settled:flip"];
    let records = crash_through(&twin, "runbooks/aurora-planned-switchover.yaml", &points);
    let flips: Vec<_> = records
        .iter()
        .filter(|r| matches!(r, Record::Settled { step, .. } if step == "flip"))
        .collect();
    assert_eq!(
        flips.len(),
        1,
        "settled once, after the last start: {flips:#?}"
    );
    assert!(settled(&records, "flip", true), "{records:#?}");
    assert_sends_match_the_journal(&twin, &records);
    let done = twin.completed_mutations();
    let n = |op: &str| done.iter().filter(|o| *o == op).count();
    assert_eq!(n("UpdateRoutingControlStates"), 1, "sent twice? {done:?}");
    let p = twin.provider().await;
    assert_eq!(control(&p, "cell-us-east-1").await, Some(ControlState::Off));
}

/// Issue 9: a `restore_backup` step killed after its intent (nothing sent yet), after
/// its call was sent but before the outcome was journaled, and while its job is being
/// followed. Every restart resumes the one run; the lost outcome is settled by listing
/// the point's restore jobs, never by starting another, so AWS Backup received exactly
/// one StartRestoreJob and holds exactly one restore job, completed. The instance the
/// restored cluster needs is killed after its CreateDBInstance left: settled by
/// reading, created once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restore_killed_around_the_restore_starts_exactly_one_restore_job() {
    let twin = TwinProcess::start("calm", 60.0);
    let points = [
        "intent:restore",
        "outcome:restore",
        "restore_job:restore",
        "outcome:add-instance",
    ];
    let records = crash_through(&twin, "runbooks/backup-restore-failover.yaml", &points);
    // Killed before sending: the list shows no new job, so the (auto-)operator's word
    // re-sends the journaled call; killed after sending: the list shows the new job.
    assert!(settled(&records, "restore", false), "{records:#?}");
    assert!(settled(&records, "restore", true), "{records:#?}");
    let done = twin.completed_mutations();
    let n = |op: &str| done.iter().filter(|o| *o == op).count();
    assert_eq!(n("StartRestoreJob"), 1, "a second restore? {done:?}");
    // Killed after CreateDBInstance was sent: DescribeDBInstances settles it.
    assert!(settled(&records, "add-instance", true), "{records:#?}");
    assert_eq!(n("CreateDBInstance"), 1, "a second instance? {done:?}");
    assert_sends_match_the_journal(&twin, &records);
    // Every intent of the step carries the same point and idempotency token.
    let sent: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Intent { step, mutation, .. } if step == "restore" => Some(mutation.clone()),
            _ => None,
        })
        .collect();
    assert!(
        sent.len() >= 2 && sent.iter().all(|m| *m == sent[0]),
        "{sent:#?}"
    );
    let p = twin.provider().await;
    let jobs = p
        .list_restore_jobs("us-west-2")
        .await
        .expect("restore jobs");
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    assert_eq!(jobs[0].status.as_deref(), Some("COMPLETED"));
    assert!(
        jobs[0]
            .created_resource_arn
            .as_deref()
            .is_some_and(|a| a.ends_with(":cluster:orders-restored")),
        "{jobs:#?}"
    );
}
