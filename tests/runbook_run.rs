//! Headless rehearsals through the real binary: each shipped runbook runs with
//! `drconsole run --auto-confirm` against a twin in its own process, and the end state
//! is read back through the production provider (the SDK over the wire), never from
//! the run's own output.

#[path = "support/twin_process.rs"]
mod twin_process;

use drconsole::model::ControlState;
use twin_process::{TwinProcess, control, text, writer_region};

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
    assert_eq!(
        writer_region(&p, "us-west-2").await.as_deref(),
        Some("us-west-2")
    );
    assert_eq!(control(&p, "cell-us-west-2").await, Some(ControlState::On));
    assert_eq!(control(&p, "cell-us-east-1").await, Some(ControlState::Off));
    let done = twin.completed_mutations();
    assert_eq!(count(&done, "FailoverGlobalCluster"), 1, "{done:?}");
    assert_eq!(count(&done, "UpdateRoutingControlStates"), 1, "{done:?}");
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
    assert_eq!(
        writer_region(&p, "us-west-2").await.as_deref(),
        Some("us-east-1")
    );
    assert_eq!(control(&p, "cell-us-east-1").await, Some(ControlState::On));
    assert_eq!(control(&p, "cell-us-west-2").await, Some(ControlState::Off));
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
    assert_eq!(
        writer_region(&p, "us-west-2").await.as_deref(),
        Some("us-west-2")
    );
    assert_eq!(control(&p, "cell-us-west-2").await, Some(ControlState::On));
    assert_eq!(control(&p, "cell-us-east-1").await, Some(ControlState::Off));
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
