//! Headless rehearsals through the real binary: each shipped runbook runs with
//! `drconsole run --auto-confirm` against a twin in its own process, and the end state
//! is read back through the production provider (the SDK over the wire), never from
//! the run's own output.

#[path = "support/twin_process.rs"]
mod twin_process;

use drconsole::model::ControlState;
use twin_process::{TwinProcess, assert_serving_from, control, control_of, text, writer_region};

fn count(list: &[String], op: &str) -> usize {
    list.iter().filter(|o| *o == op).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pilot_light_failover_on_primary_region_outage() {
    // RPO lag grows 1 s per second after the outage and the runbook accepts 30 s:
    // a moderate speed leaves the lag check well inside that.
    let twin = TwinProcess::start("primary-region-outage", 8.0);
    let out = twin.run("runbooks/pilot-light-failover.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("db-failover") && stdout.contains("completed"),
        "{stdout}"
    );
    let p = twin.provider().await;
    assert_serving_from(&p, "us-west-2", "us-east-1").await;
    let done = twin.completed_mutations();
    assert_eq!(count(&done, "FailoverGlobalCluster"), 1, "{done:?}");
    assert_eq!(count(&done, "UpdateRoutingControlStates"), 1, "{done:?}");
    assert_eq!(count(&done, "UpdateAutoScalingGroup"), 1, "{done:?}");
    assert_eq!(count(&done, "UpdateService"), 1, "{done:?}");
    assert_at_production(&p).await;
}

/// The standby's web tier and workers serve production's need, read back through the
/// SDK (DescribeAutoScalingGroups, DescribeServices).
async fn assert_at_production(p: &drconsole::provider::Provider) {
    let env = drconsole::config::Environment::builtin_default().expect("built-in env");
    for g in env.capacity.iter().filter(|g| g.region == "us-west-2") {
        let c = p
            .read_capacity(&g.region, &g.target)
            .await
            .unwrap_or_else(|e| panic!("{} answers: {e}", g.name));
        assert_eq!(c.desired, g.production, "{}: {c:?}", g.name);
        assert!(c.in_service >= g.production, "{}: {c:?}", g.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_standby_failover_on_primary_region_outage() {
    let twin = TwinProcess::start("primary-region-outage", 8.0);
    let out = twin.run("runbooks/warm-standby-failover.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let p = twin.provider().await;
    assert_eq!(
        writer_region(&p, "us-west-2").await.as_deref(),
        Some("us-west-2")
    );
    assert_eq!(control(&p, "cell-us-west-2").await, Some(ControlState::On));
    let ledger = p
        .describe_db_instance("us-west-2", "ledger-usw2")
        .await
        .expect("ledger-usw2 answers");
    assert_eq!(ledger.replica_source, None, "promoted: {ledger:?}");
    assert_at_production(&p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planned_switchover_then_failback_on_a_calm_day() {
    let twin = TwinProcess::start("calm", 20.0);
    let out = twin.run(
        "runbooks/aurora-planned-switchover.yaml",
        &["--auto-confirm"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let p = twin.provider().await;
    assert_eq!(
        writer_region(&p, "us-east-1").await.as_deref(),
        Some("us-west-2")
    );
    assert_eq!(control(&p, "cell-us-west-2").await, Some(ControlState::On));
    assert_eq!(control(&p, "cell-us-east-1").await, Some(ControlState::Off));

    let out = twin.run("runbooks/failback.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_serving_from(&p, "us-east-1", "us-west-2").await;
    let done = twin.completed_mutations();
    assert_eq!(count(&done, "SwitchoverGlobalCluster"), 2, "{done:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn game_day_on_a_calm_day() {
    let twin = TwinProcess::start("calm", 20.0);
    let out = twin.run(
        "runbooks/game-day.yaml",
        &["--auto-confirm", "--param", "observe=20s"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("approved by rehearsal-approver@twin"),
        "{stdout}"
    );
    let p = twin.provider().await;
    assert_serving_from(&p, "us-west-2", "us-east-1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_replica_promotion_on_primary_region_outage() {
    let twin = TwinProcess::start("primary-region-outage", 30.0);
    let out = twin.run("runbooks/rds-replica-promotion.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let p = twin.provider().await;
    let ledger = p
        .describe_db_instance("us-west-2", "ledger-usw2")
        .await
        .expect("ledger-usw2 answers");
    assert_eq!(ledger.replica_source, None, "promoted: {ledger:?}");
    assert_eq!(count(&twin.completed_mutations(), "PromoteReadReplica"), 1);
}

#[test]
fn auto_confirm_against_a_real_environment_is_refused() {
    let out = std::process::Command::new(twin_process::BIN)
        .arg("run")
        .arg(twin_process::repo("runbooks/pilot-light-failover.yaml"))
        .arg("--env")
        .arg(twin_process::repo("assets/default-env.yaml"))
        .arg("--auto-confirm")
        .arg("--state-dir")
        .arg(tempfile::tempdir().unwrap().path())
        .env("AWS_ACCESS_KEY_ID", "refused-before-use")
        .env("AWS_SECRET_ACCESS_KEY", "refused-before-use")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused against a real environment"), "{err}");
    // Refused before anything started: no run, no journal.
    assert!(String::from_utf8_lossy(&out.stdout).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_run_refuses_to_execute() {
    let twin = TwinProcess::start("calm", 20.0);
    let out = twin.run(
        "runbooks/aurora-planned-switchover.yaml",
        &["--auto-confirm", "--read-only"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("refused: read-only mode"), "{stdout}");
    assert!(stdout.contains("aborted"), "{stdout}");
    // Nothing changed in the world, and no mutating call reached it.
    assert!(
        twin.requests().iter().all(|r| r["mutating"] == false),
        "a mutating call was sent"
    );
    let p = twin.provider().await;
    assert_eq!(
        writer_region(&p, "us-west-2").await.as_deref(),
        Some("us-east-1")
    );
    // The read-only steps before it did run: the guards were read.
    assert!(stdout.contains("both-healthy"), "{stdout}");
}

/// The driver as the console uses it: view on a watch channel, step-bound commands,
/// approvals from `drconsole approve` files, journal records as events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_driver_takes_step_bound_commands_and_file_approvals() {
    use drconsole::emulator::{self, EmulatorOptions};
    use drconsole::provider::{Provider, ProviderConfig, Target};
    use drconsole::runbook::driver::{self, DriverError, DriverEvent, RunClock, RunSetup, Start};
    use drconsole::runbook::engine::{Command, EngineError, Refusal, RunStatus, StepStatus};
    use drconsole::runbook::journal::{Record, approval};
    use std::sync::Arc;
    use std::time::Duration;

    let env = twin_process::env();
    let emu = emulator::start(
        &env,
        EmulatorOptions {
            seed: 3,
            speed: 20.0,
            scenario: None,
            port: 0,
        },
    )
    .await
    .unwrap();
    let target = Target::Twin {
        aws_endpoint_url: emu.aws_endpoint_url(),
        arc_endpoint_urls: emu.arc_endpoint_urls(),
    };
    let provider = Provider::connect(&env, target, ProviderConfig::default(), false)
        .await
        .unwrap();
    let (origin, speed) = emu.clock();
    let dir = tempfile::tempdir().unwrap();
    let params = [("observe".to_string(), "10s".to_string())].into();
    let rb = drconsole::runbook::validate::load(
        &twin_process::repo("runbooks/game-day.yaml"),
        &env,
        &params,
    )
    .unwrap();
    let setup = RunSetup {
        env: Arc::new(env),
        provider: Arc::new(provider),
        clock: RunClock::scaled(origin, speed),
        state_dir: dir.path().to_path_buf(),
        operator: "alice@box".into(),
    };
    let mut h = driver::spawn(setup, Start::New(rb)).await.unwrap();
    let give_up = Duration::from_secs(60);
    let mut view = h.view.clone();
    let at = |id: &'static str, want: fn(&StepStatus) -> bool| {
        move |v: &drconsole::runbook::engine::RunView| {
            v.current
                .and_then(|i| v.steps.get(i))
                .is_some_and(|s| s.id == id && want(&s.status))
        }
    };
    let awaiting = |s: &StepStatus| matches!(s, StepStatus::AwaitingConfirmation { .. });
    tokio::time::timeout(give_up, view.wait_for(at("brief", awaiting)))
        .await
        .unwrap()
        .unwrap();

    // A confirm meant for another step never lands on this one.
    let wrong = h
        .send_at("switchover", Command::Confirm { typed: None })
        .await;
    assert!(
        matches!(
            wrong,
            Err(DriverError::Engine(EngineError::Refused(
                Refusal::NotNow { .. }
            )))
        ),
        "{wrong:?}"
    );
    let early = h.send_at("brief", Command::Confirm { typed: None }).await;
    assert!(
        matches!(
            early,
            Err(DriverError::Engine(EngineError::Refused(
                Refusal::ChecklistIncomplete { remaining: 2 }
            )))
        ),
        "{early:?}"
    );
    for item in 0..2 {
        h.send_at("brief", Command::Tick { item }).await.unwrap();
    }
    h.send_at("brief", Command::Confirm { typed: None })
        .await
        .unwrap();
    tokio::time::timeout(
        give_up,
        view.wait_for(at("approve", |s| *s == StepStatus::AwaitingApproval)),
    )
    .await
    .unwrap()
    .unwrap();

    // An approval bound to no step (the old file format) approves nothing; the
    // initiator's own approval is refused; another operator's, bound to this step's
    // wait, is taken.
    let lines = drconsole::runbook::journal::read_journal(&h.journal)
        .unwrap()
        .lines;
    let (step, seq) = approval::waiting(&lines).unwrap();
    assert_eq!(step, "approve");
    let bound = |by: &str| approval::Approval {
        by: by.into(),
        at: chrono::Utc::now(),
        identity: None,
        step: Some(step.clone()),
        seq: Some(seq),
    };
    std::fs::write(
        approval::path_for(&h.journal),
        "{\"by\":\"carol@box\",\"at\":\"2026-11-27T03:00:00Z\"}\n",
    )
    .unwrap();
    approval::append(&h.journal, &bound("alice@other-host")).unwrap();
    let mut refused = Vec::new();
    tokio::time::timeout(give_up, async {
        while refused.len() < 2 {
            match h.events.recv().await {
                Some(DriverEvent::ApprovalRefused { by, .. }) => refused.push(by),
                Some(_) => continue,
                None => panic!("events ended"),
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(refused, ["carol@box", "alice@other-host"]);
    approval::append(&h.journal, &bound("bob@box")).unwrap();
    let approved = tokio::time::timeout(give_up, async {
        loop {
            match h.events.recv().await {
                Some(DriverEvent::Journal { record, .. }) => {
                    if let Record::Approved { by, .. } = *record {
                        return by;
                    }
                }
                Some(_) => continue,
                None => panic!("events ended"),
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(approved, "bob@box");

    // The run is locked by its executor while it runs.
    let journal = h.journal.clone();
    let holder = drconsole::runbook::journal::RunLock::holder(&journal).unwrap_or_default();
    assert!(holder.starts_with("alice@box"), "{holder}");
    h.send(Command::Abort {
        reason: "test over".into(),
    })
    .await
    .unwrap();
    let end = h.join().await.unwrap();
    assert_eq!(
        end,
        RunStatus::Aborted {
            reason: "test over".into()
        }
    );
    // The lock went with the engine thread.
    assert_eq!(drconsole::runbook::journal::RunLock::holder(&journal), None);
}

/// A failover sent into a Region that never answers: the provider reports the outcome
/// unknown, and the driver's world reads the cluster back (from a Region that answers)
/// instead of guessing; the journal gets what the fresh read showed.
#[test]
fn a_call_without_an_answer_is_read_back_not_guessed() {
    use drconsole::emulator::scenario::{Fault, ImpairMode};
    use drconsole::emulator::{self, EmulatorOptions};
    use drconsole::provider::{Provider, ProviderConfig, Target};
    use drconsole::runbook::Mutation;
    use drconsole::runbook::driver::{ProviderWorld, RunClock};
    use drconsole::runbook::engine::{CallErrorKind, World};
    use std::sync::Arc;
    use std::time::Duration;

    let rt = tokio::runtime::Runtime::new().unwrap();
    let env = Arc::new(twin_process::env());
    let (emu, provider) = rt.block_on(async {
        let emu = emulator::start(
            &env,
            EmulatorOptions {
                seed: 5,
                speed: 1.0,
                scenario: None,
                port: 0,
            },
        )
        .await
        .unwrap();
        let target = Target::Twin {
            aws_endpoint_url: emu.aws_endpoint_url(),
            arc_endpoint_urls: emu.arc_endpoint_urls(),
        };
        let config = ProviderConfig {
            connect_timeout: Duration::from_millis(200),
            attempt_timeout: Duration::from_millis(300),
            operation_timeout: Duration::from_millis(700),
            max_attempts: 1,
        };
        let p = Provider::connect(&env, target, config, false)
            .await
            .unwrap();
        (emu, Arc::new(p))
    });
    emu.inject(Fault::RegionImpaired {
        region: "us-west-2".into(),
        mode: ImpairMode::Hang,
    });
    let db = env.aurora("orders").unwrap();
    let target = db
        .members
        .iter()
        .find(|m| m.region == "us-west-2")
        .unwrap()
        .cluster_arn
        .clone();
    let mut world =
        ProviderWorld::new(provider, env.clone(), RunClock::real(), rt.handle().clone());
    let err = world
        .perform(&Mutation::FailoverGlobalCluster {
            region: "us-west-2".into(),
            global_cluster_identifier: db.global_cluster_id.clone(),
            target_db_cluster_identifier: target,
            allow_data_loss: true,
        })
        .unwrap_err();
    assert_eq!(err.kind, CallErrorKind::OutcomeUnknown, "{err:?}");
    assert!(err.message.contains("outcome unknown"), "{}", err.message);
    assert!(
        err.message
            .contains("a fresh read shows it was not applied: the writer of orders-global is still in us-east-1"),
        "{}",
        err.message
    );
    assert_eq!(err.endpoint.as_deref(), Some("RDS us-west-2 (no answer)"));
    drop(emu);
}

/// Issue 8 §6: every ARC endpoint applies the update and loses the answer (reset
/// after commit). The run must neither call it refused nor send it again once a fresh
/// read shows it landed: the journal has one intent, an outcome that says the read
/// showed it landed, and the twin saw only the rotation's own (idempotent) attempts,
/// every one applied with its answer lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_recorded_as_landed_after_a_read_and_not_resent() {
    use drconsole::runbook::journal::{Record, read_journal};
    let dir = tempfile::tempdir().expect("temp dir");
    let events: String = (1..=5)
        .map(|i| format!("  - at: 0s\n    fault: {{ endpoint_answer_lost: {{ index: {i} }} }}\n"))
        .collect();
    let scenario = dir.path().join("answers-lost.yaml");
    std::fs::write(
        &scenario,
        format!("name: answers-lost\ndescription: every ARC endpoint loses applied answers\nevents:\n{events}"),
    )
    .expect("scenario");
    let runbook = dir.path().join("open-west.yaml");
    std::fs::write(
        &runbook,
        "name: Open the west cell\nsummary: one routing-control change\nenvironment: orders-prod\n\
         rto: 15m\nsteps:\n  - id: open\n    title: Open us-west-2\n    routing_controls:\n      \
         - { control: cell-us-west-2, state: on }\n",
    )
    .expect("runbook");

    let twin = TwinProcess::start(scenario.to_str().expect("utf-8 path"), 20.0);
    let out = twin.run(runbook.to_str().expect("utf-8 path"), &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let runs = twin.state_dir().join("runs");
    let journal = std::fs::read_dir(&runs)
        .expect("runs dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("a journal");
    let records: Vec<Record> = read_journal(&journal)
        .expect("journal")
        .lines
        .into_iter()
        .map(|l| l.record)
        .collect();
    let intents = records
        .iter()
        .filter(|r| matches!(r, Record::Intent { step, .. } if step == "open"))
        .count();
    assert_eq!(intents, 1, "sent once by the engine: {records:#?}");
    let landed = records.iter().any(|r| {
        matches!(r, Record::Outcome { step, ok: true, output: Some(o), .. }
            if step == "open" && o.contains("a fresh read shows the call landed"))
    });
    assert!(landed, "{records:#?}");

    let sent: Vec<serde_json::Value> = twin
        .requests()
        .into_iter()
        .filter(|r| r["operation"] == "UpdateRoutingControlStates")
        .collect();
    assert!(!sent.is_empty() && sent.len() <= 5, "{sent:#?}");
    assert!(
        sent.iter()
            .all(|r| r["outcome"] == "applied_answer_lost" && r["applied"] == true),
        "{sent:#?}"
    );
    let p = twin.provider().await;
    assert_eq!(control(&p, "cell-us-west-2").await, Some(ControlState::On));
}

/// Issue 9: `recovery_point_age` is read fresh through AWS Backup (DR vault and the
/// source Region's copy jobs): it passes on a calm day and fails when copies have
/// been failing for five hours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovery_point_age_guard_passes_when_fresh_and_fails_when_copies_stalled() {
    let calm = TwinProcess::start("calm", 1.0);
    let out = calm.run(
        "tests/fixtures/runbooks/backup-fresh.yaml",
        &["--auto-confirm"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let stalled = TwinProcess::start("backup-copy-stalled", 1.0);
    let out = stalled.run(
        "tests/fixtures/runbooks/backup-fresh.yaml",
        &["--auto-confirm"],
    );
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&out);
    // Copies have failed for 5 h; the last good one's backup is 12 min to 72 min
    // older than that, depending on the minute of the hour the test runs in.
    assert!(
        (all.contains("newest recovery point of orders-db is 5h")
            || all.contains("newest recovery point of orders-db is 6h"))
            && all.contains("needs < 4h00m"),
        "{all}"
    );
}

/// Issue 9: `runbooks/backup-restore-failover.yaml` rehearsed on a calm day: the
/// newest DR point is restored under the runbook's name, followed to COMPLETED, and
/// traffic moves. The end state is read back through the SDK: one restore job in the
/// DR Region, completed, that created the named cluster; one StartRestoreJob sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restore_failover_on_a_calm_day() {
    let twin = TwinProcess::start("calm", 60.0);
    let out = twin.run("runbooks/backup-restore-failover.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("of writes are not in it"), "{stdout}");
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
    // The restored cluster got its writer (CreateDBInstance), and it is available.
    let writer = p
        .describe_db_instance("us-west-2", "orders-restored-1")
        .await
        .expect("orders-restored-1");
    assert_eq!(writer.status.as_deref(), Some("available"), "{writer:?}");
    // The point restored is a COMPLETED one of orders-db in the DR vault, from the
    // last two hours when the job started (the twin backs up hourly and copies within
    // 30 min; which point is the newest at send time is the engine's tests' business).
    let env = drconsole::config::Environment::builtin_default().expect("env");
    let b = env.backup("orders-db").expect("orders-db");
    let points = p
        .list_vault_recovery_points("us-west-2", &b.vault, &b.resource_arn)
        .await
        .expect("vault");
    let restored = points
        .iter()
        .find(|x| Some(x.arn.as_str()) == jobs[0].recovery_point_arn.as_deref())
        .expect("the restored point is in the DR vault");
    assert_eq!(restored.status.as_deref(), Some("COMPLETED"));
    let started = jobs[0].created_at.expect("job creation time");
    let taken = restored.created_at.expect("point creation time");
    assert!(
        started - taken < chrono::Duration::hours(2),
        "{restored:?} vs {started}"
    );
    let done = twin.completed_mutations();
    assert_eq!(count(&done, "StartRestoreJob"), 1, "{done:?}");
    assert_eq!(count(&done, "CreateDBInstance"), 1, "{done:?}");
    assert_eq!(control(&p, "cell-us-west-2").await, Some(ControlState::On));
    assert_eq!(control(&p, "cell-us-east-1").await, Some(ControlState::Off));
    // The completed run is the record of a working restore: `status` reads it from
    // the journal as orders-db's last restore test, and the next is due 7 days on
    // (the environment's `restore_test_every`); ledger-db was never restored.
    let status = twin.status_json();
    let backups = status["backups"].as_array().expect("backups");
    let orders = backups
        .iter()
        .find(|b| b["name"] == "orders-db")
        .expect("orders-db");
    let tested: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(orders["last_tested"].clone()).expect("last_tested");
    let due: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(orders["next_test_due"].clone()).expect("next_test_due");
    assert_eq!(due - tested, chrono::Duration::days(7));
    let ledger = backups
        .iter()
        .find(|b| b["name"] == "ledger-db")
        .expect("ledger-db");
    assert!(ledger["last_tested"].is_null(), "{ledger}");
}

/// Issue 9: `backup-restore-failover.yaml` on `region-lost-backups-only`, the scenario
/// it exists for: the primary is dark from the start and replication had stopped, so
/// a DR copy's backup time is only a lower bound (its source cannot be read). The
/// freshness check is unknown, never passed: it is journaled as failed and the run
/// goes on (`on_failure: continue`); the confirm words the age as "at least"; the
/// restore completes and traffic moves. End state read back through the SDK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restore_failover_when_the_region_is_lost_and_only_backups_remain() {
    let twin = TwinProcess::start("region-lost-backups-only", 60.0);
    let out = twin.run("runbooks/backup-restore-failover.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("backup-fresh") && all.contains("check cannot be confirmed"),
        "{all}"
    );
    assert!(all.contains("the newest point is at least"), "{all}");
    let p = twin.provider().await;
    let jobs = p
        .list_restore_jobs("us-west-2")
        .await
        .expect("restore jobs");
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    assert_eq!(jobs[0].status.as_deref(), Some("COMPLETED"));
    let done = twin.completed_mutations();
    assert_eq!(count(&done, "StartRestoreJob"), 1, "{done:?}");
    assert_eq!(control(&p, "cell-us-west-2").await, Some(ControlState::On));
}

/// Issue 9: AWS Backup applies the StartRestoreJob and the answer is lost. The run
/// must not call it refused nor start a second restore: listing the point's restore
/// jobs finds the new one, and the step follows it to COMPLETED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_restore_answer_is_found_by_listing_and_never_resent() {
    use drconsole::runbook::journal::{Record, read_journal};
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("backup-answer-lost.yaml");
    std::fs::write(
        &scenario,
        "name: backup-answer-lost\ndescription: AWS Backup in us-west-2 loses applied answers\n\
         events:\n  - at: 0s\n    fault: { answer_lost: { service: backup, region: us-west-2 } }\n",
    )
    .expect("scenario");
    let twin = TwinProcess::start(scenario.to_str().expect("utf-8 path"), 60.0);
    let out = twin.run("runbooks/backup-restore-failover.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let sent: Vec<serde_json::Value> = twin
        .requests()
        .into_iter()
        .filter(|r| r["operation"] == "StartRestoreJob")
        .collect();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0]["outcome"], "applied_answer_lost", "{sent:#?}");
    let runs = twin.state_dir().join("runs");
    let journal = std::fs::read_dir(&runs)
        .expect("runs dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("a journal");
    let records: Vec<Record> = read_journal(&journal)
        .expect("journal")
        .lines
        .into_iter()
        .map(|l| l.record)
        .collect();
    let found = records.iter().any(|r| {
        matches!(r, Record::Outcome { step, ok: true, created: Some(_), output: Some(o), .. }
            if step == "restore" && o.contains("a fresh read shows the call landed"))
    });
    assert!(found, "{records:#?}");
    let p = twin.provider().await;
    let jobs = p
        .list_restore_jobs("us-west-2")
        .await
        .expect("restore jobs");
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    assert_eq!(jobs[0].status.as_deref(), Some("COMPLETED"));
}

/// Issue 9: `runbooks/restore-test.yaml` rehearsed on a calm day: the newest DR point
/// is restored under the scratch name, its `restore_job` check passes, an instance is
/// added, the scratch copy is deleted, and the run's journal becomes orders-db's last
/// restore test in `status --json`; a second test on the same twin works too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_test_on_a_calm_day_is_recorded_as_the_last_test() {
    let twin = TwinProcess::start("calm", 60.0);
    let out = twin.run("runbooks/restore-test.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let p = twin.provider().await;
    let jobs = p
        .list_restore_jobs("us-west-2")
        .await
        .expect("restore jobs");
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    assert!(
        jobs[0]
            .created_resource_arn
            .as_deref()
            .is_some_and(|a| a.ends_with(":cluster:orders-db-restore-test")),
        "{jobs:#?}"
    );
    // The scratch copy was deleted (instance, then cluster, as RDS requires).
    let done = twin.completed_mutations();
    assert_eq!(count(&done, "DeleteDBInstance"), 1, "{done:?}");
    assert_eq!(count(&done, "DeleteDBCluster"), 1, "{done:?}");
    let left = p
        .describe_db_cluster_status("us-west-2", "orders-db-restore-test")
        .await;
    assert!(
        matches!(&left, Ok(Some(s)) if s == "deleting")
            || matches!(
                left,
                Err(drconsole::provider::ProviderError::NotFound { .. })
            ),
        "{left:?}"
    );
    let status = twin.status_json();
    let orders = status["backups"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["name"] == "orders-db"))
        .expect("orders-db")
        .clone();
    assert!(orders["last_tested"].is_string(), "{orders}");
    // Next week's test, on the same twin: the scratch name is free again once the
    // deletion finished (while a cluster is `deleting` its name is still taken).
    let gone = async {
        while !matches!(
            p.describe_db_cluster_status("us-west-2", "orders-db-restore-test")
                .await,
            Err(drconsole::provider::ProviderError::NotFound { .. })
        ) {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), gone)
        .await
        .expect("the scratch cluster is deleted");
    let again = twin.run(
        "runbooks/restore-test.yaml",
        &["--auto-confirm", "--new-run"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let jobs = p
        .list_restore_jobs("us-west-2")
        .await
        .expect("restore jobs");
    assert_eq!(jobs.len(), 2, "{jobs:#?}");
}

/// Every journal line this twin's runs wrote.
fn journals_text(twin: &TwinProcess) -> String {
    let dir = twin.state_dir().join("runs");
    let mut out = String::new();
    for e in std::fs::read_dir(&dir).expect("runs directory").flatten() {
        out.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
    }
    out
}

/// Issue 10: multi-site active/active. us-east-1 goes dark; the evacuation scales the
/// two others to carry the load, waits out replication (the dark Region's metrics
/// cannot be read: the runbook's fallback), and turns its cell Off under the
/// at-least-two rule. End state read back through the SDK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_evacuation_on_active_active_region_loss() {
    let twin = TwinProcess::start_with_env(
        "assets/active-active-env.yaml",
        "active-active-region-loss",
        20.0,
    );
    // Let the outage begin (20 s of sim time).
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = twin.run("runbooks/region-evacuation.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let journal = journals_text(&twin);
    assert!(
        journal.contains("waiting the runbook's fallback 2m"),
        "the dark Region's latency cannot be read: the drain used its fallback:\n{journal}"
    );
    let p = twin.provider().await;
    let env = twin.environment();
    assert_eq!(
        control_of(&p, &env, "cell-us-west-2").await,
        Some(ControlState::On)
    );
    assert_eq!(
        control_of(&p, &env, "cell-eu-west-1").await,
        Some(ControlState::On)
    );
    assert_eq!(
        control_of(&p, &env, "cell-us-east-1").await,
        Some(ControlState::Off)
    );
    for g in env.capacity.iter().filter(|g| g.region != "us-east-1") {
        let c = p
            .read_capacity(&g.region, &g.target)
            .await
            .expect("answers");
        assert!(c.in_service >= g.production, "{}: {c:?}", g.name);
    }
    let done = twin.completed_mutations();
    assert_eq!(count(&done, "UpdateAutoScalingGroup"), 2, "{done:?}");
    assert_eq!(count(&done, "UpdateRoutingControlStates"), 1, "{done:?}");
}

/// Issue 10: evacuate a healthy Region on a calm day (a game day), then bring it back
/// with region-return: its capacity, its replica caught up, its cell On, and the
/// others back to their share.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_evacuation_then_return_on_a_calm_day() {
    let twin = TwinProcess::start_with_env("assets/active-active-env.yaml", "calm", 20.0);
    let out = twin.run("runbooks/region-evacuation.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let journal = journals_text(&twin);
    assert!(
        journal.contains("recent maximum replication latency of carts out of us-east-1"),
        "the drain read the latency out of the evacuated Region:\n{journal}"
    );
    let p = twin.provider().await;
    let env = twin.environment();
    assert_eq!(
        control_of(&p, &env, "cell-us-east-1").await,
        Some(ControlState::Off)
    );

    // ARC refuses changes to the rule's controls within its 5 s wait period after the
    // evacuation (ARC API reference, safety rule WaitPeriodMs): let it pass (×20).
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let out = twin.run("runbooks/region-return.yaml", &["--auto-confirm"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        control_of(&p, &env, "cell-us-east-1").await,
        Some(ControlState::On)
    );
    for g in &env.capacity {
        let c = p
            .read_capacity(&g.region, &g.target)
            .await
            .expect("answers");
        assert_eq!(c.desired, 4, "{}: {c:?}", g.name);
    }
}
