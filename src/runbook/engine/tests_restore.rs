//! The `restore_backup` step against a fake AWS Backup: the point is chosen and the
//! token fixed before the intent is journaled, the job is followed to its end, a lost
//! answer is settled by listing the point's restore jobs (never by starting another),
//! and a re-send of one attempt is that attempt's exact call.

use super::*;
use crate::config::Environment;
use crate::model::Verdict;
use crate::runbook::condition::{Facts, PointAge, Probe, RestoreJobSeen};
use crate::runbook::journal::{MemoryRecorder, ResumePoint};
use crate::runbook::validate;
use chrono::TimeZone;
use std::collections::{BTreeMap, HashMap};

const POINT: &str = "arn:aws:backup:us-west-2:111122223333:recovery-point:NEWEST";
const OLD_JOB: &str = "JOB-FROM-LAST-WEEK";

fn env() -> Environment {
    Environment::builtin_default().unwrap()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 3, 0, 0).unwrap()
}

fn secs(s: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::seconds(s)
}

const RESTORE: &str = "  - id: restore\n    title: Restore\n    restore_backup: { resource: orders-db, name: orders-restored, timeout: 30m }\n    confirm: typed\n";

fn book(steps: &str) -> Runbook {
    let text = format!("name: t\nenvironment: orders-prod\nrto: 2h\nsteps:\n{steps}");
    validate::parse(&text, "t.yaml", &env(), &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}"))
}

fn ctx() -> RunContext {
    RunContext::for_environment(
        &env(),
        "run-1".into(),
        "alice@bastion".into(),
        Mode::Simulated,
        false,
    )
}

/// AWS Backup as the test sets it: restore jobs by id with the point they restore.
struct Backup {
    jobs: HashMap<String, (String, RestoreJobSeen)>,
    sent: Vec<Mutation>,
    pins: usize,
    /// The next call starts its job but the answer never arrives.
    lose_answer: bool,
    /// The next call's answer is lost and it starts nothing.
    drop_call: bool,
    /// The vault cannot be read when choosing `latest`.
    vault_dark: bool,
    /// ListRestoreJobs does not answer.
    list_dark: bool,
    /// DescribeRestoreJob reads of JOB-1.
    reads_of_job_1: usize,
    /// RDS instances by id → DBInstanceStatus.
    instances: HashMap<String, String>,
    /// us-west-2 reads unhealthy (a guard that blocks).
    dr_sick: bool,
}

impl Backup {
    fn new() -> Self {
        let mut jobs = HashMap::new();
        jobs.insert(
            OLD_JOB.to_string(),
            (POINT.to_string(), job(OLD_JOB, "COMPLETED")),
        );
        Backup {
            jobs,
            sent: Vec::new(),
            pins: 0,
            lose_answer: false,
            drop_call: false,
            vault_dark: false,
            list_dark: false,
            reads_of_job_1: 0,
            instances: HashMap::new(),
            dr_sick: false,
        }
    }
    fn sent_ops(&self) -> Vec<&'static str> {
        self.sent.iter().map(Mutation::operation).collect()
    }

    fn set(&mut self, id: &str, status: &str, percent: Option<&str>) {
        let j = &mut self.jobs.get_mut(id).expect("job exists").1;
        j.status = Some(status.into());
        j.percent_done = percent.map(str::to_string);
        if status == "COMPLETED" {
            j.created_resource_arn =
                Some("arn:aws:rds:us-west-2:111122223333:cluster:orders-restored".into());
        }
        if status == "FAILED" {
            j.status_message = Some("DBClusterAlreadyExistsFault".into());
        }
    }
}

fn job(id: &str, status: &str) -> RestoreJobSeen {
    RestoreJobSeen {
        id: id.into(),
        status: Some(status.into()),
        percent_done: None,
        status_message: None,
        created_resource_arn: None,
    }
}

impl World for Backup {
    fn read(&mut self, probes: &[Probe]) -> Facts {
        let mut f = Facts::default();
        let health = if self.dr_sick {
            Verdict::Impaired
        } else {
            Verdict::Healthy
        };
        f.region_health.insert("us-west-2".into(), health);
        f.recovery_points.insert(
            "orders-db".into(),
            PointAge {
                age_s: Some(3 * 3600 + 600),
                exact: true,
            },
        );
        f.recovery_point_arns
            .insert("orders-db".into(), POINT.into());
        for p in probes {
            match p {
                Probe::RestoreJob { id, .. } => {
                    self.reads_of_job_1 += usize::from(id == "JOB-1");
                    match self.jobs.get(id) {
                        Some((_, j)) => {
                            f.restore_jobs.insert(id.clone(), j.clone());
                        }
                        None => {
                            f.restore_job_errors.insert(
                                id.clone(),
                                "ResourceNotFoundException (HTTP 400): no such job".into(),
                            );
                        }
                    }
                }
                Probe::DbInstance { id, .. } => {
                    f.db_instances
                        .insert(id.clone(), self.instances.get(id).cloned());
                }
                Probe::RestoreJobsOf { point, .. } if !self.list_dark => {
                    let of = self
                        .jobs
                        .values()
                        .filter(|(p, _)| p == point)
                        .map(|(_, j)| j.clone())
                        .collect();
                    f.restore_jobs_of.insert(point.clone(), of);
                }
                _ => {}
            }
        }
        f
    }

    fn pin(&mut self, call: &Mutation) -> Result<Mutation, CallError> {
        self.pins += 1;
        if self.vault_dark {
            return Err(CallError::new(
                CallErrorKind::Other,
                "the newest recovery point could not be chosen: nothing was sent",
            ));
        }
        let mut m = call.clone();
        if let Mutation::StartRestoreJob {
            recovery_point_arn,
            prior_jobs,
            ..
        } = &mut m
        {
            *recovery_point_arn = Some(POINT.into());
            *prior_jobs = self
                .jobs
                .iter()
                .filter(|(_, (p, _))| p == POINT)
                .map(|(id, _)| id.clone())
                .collect();
        }
        Ok(m)
    }

    fn perform(&mut self, call: &Mutation) -> Result<Receipt, CallError> {
        self.sent.push(call.clone());
        let lost = CallError::new(
            CallErrorKind::OutcomeUnknown,
            "no answer within the timeout",
        );
        if self.drop_call {
            self.drop_call = false;
            return Err(lost);
        }
        if matches!(
            call,
            Mutation::DeleteDbCluster { .. } | Mutation::DeleteDbInstance { .. }
        ) {
            return Ok(Receipt::default());
        }
        if let Mutation::CreateDbInstance {
            db_instance_identifier,
            ..
        } = call
        {
            self.instances
                .insert(db_instance_identifier.clone(), "creating".into());
            if self.lose_answer {
                self.lose_answer = false;
                return Err(lost);
            }
            return Ok(Receipt::default());
        }
        let id = format!("JOB-{}", self.sent.len());
        self.jobs
            .insert(id.clone(), (POINT.into(), job(&id, "PENDING")));
        if self.lose_answer {
            self.lose_answer = false;
            return Err(lost);
        }
        Ok(Receipt {
            request_id: Some("req".into()),
            endpoint: Some("AWS Backup us-west-2".into()),
            output: None,
            created: Some(id),
        })
    }
}

/// Starts the run and confirms the restore (typed: the restored name).
fn confirmed(w: &mut Backup, rec: &mut MemoryRecorder) -> Engine {
    let mut e = Engine::start(book(RESTORE), ctx(), rec, t0()).unwrap();
    assert_eq!(e.advance(w, rec, t0()).unwrap(), Next::Operator);
    let StepStatus::AwaitingConfirmation { prompt } = e.status("restore").unwrap().clone() else {
        panic!("a restore confirms")
    };
    assert_eq!(prompt.typed.as_deref(), Some("orders-restored"));
    assert!(prompt.what.contains(POINT), "which point: {}", prompt.what);
    assert!(
        prompt
            .risk
            .as_deref()
            .is_some_and(|r| r.contains("3h 10m old: about 3h 10m of writes are not in it")),
        "{prompt:?}"
    );
    confirm_typed(&mut e, w, rec, t0());
    e
}

/// The operator types the restored name and confirms.
fn confirm_typed(e: &mut Engine, w: &mut Backup, rec: &mut MemoryRecorder, at: DateTime<Utc>) {
    e.command(
        Command::Confirm {
            typed: Some("orders-restored".into()),
        },
        w,
        rec,
        at,
    )
    .unwrap();
}

fn intents(rec: &MemoryRecorder) -> Vec<Mutation> {
    rec.lines
        .iter()
        .filter_map(|l| match &l.record {
            Record::Intent { mutation, .. } => Some(mutation.clone()),
            _ => None,
        })
        .collect()
}

fn waiting_text(e: &Engine) -> String {
    match e.status("restore").unwrap() {
        StepStatus::Waiting { last, .. } => last.clone(),
        other => panic!("not following: {other:?}"),
    }
}

#[test]
fn the_intent_holds_the_chosen_point_and_token_and_the_job_is_followed_to_completed() {
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = confirmed(&mut w, &mut rec);
    let sent = intents(&rec);
    assert_eq!(sent.len(), 1);
    let Mutation::StartRestoreJob {
        recovery_point_arn,
        idempotency_token,
        prior_jobs,
        metadata,
        ..
    } = &sent[0]
    else {
        panic!()
    };
    assert_eq!(recovery_point_arn.as_deref(), Some(POINT));
    assert!(
        idempotency_token
            .as_deref()
            .is_some_and(|t| t.contains("run-1") && t.contains("restore"))
    );
    assert_eq!(prior_jobs, &vec![OLD_JOB.to_string()]);
    assert_eq!(
        metadata.get("DBClusterIdentifier").map(String::as_str),
        Some("orders-restored")
    );
    assert_eq!(w.sent, sent, "the call sent is the call journaled");

    // Confirming sent the call and looked at the job once; the next look is in 10 s,
    // and a countdown runs against the 30 min timeout.
    assert_eq!(
        e.advance(&mut w, &mut rec, secs(1)).unwrap(),
        Next::WakeAt(secs(10))
    );
    let StepStatus::Waiting { deadline, .. } = e.status("restore").unwrap() else {
        panic!()
    };
    assert_eq!(*deadline, secs(30 * 60));
    assert!(
        waiting_text(&e).ends_with("PENDING"),
        "{}",
        waiting_text(&e)
    );
    w.set("JOB-1", "RUNNING", Some("42.00%"));
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    assert!(
        waiting_text(&e).contains("RUNNING, 42.00% done"),
        "{}",
        waiting_text(&e)
    );
    w.set("JOB-1", "COMPLETED", Some("100.00%"));
    assert_eq!(
        e.advance(&mut w, &mut rec, secs(20)).unwrap(),
        Next::Finished
    );
    assert_eq!(e.status("restore").unwrap().label(), "done");
    let followed: Vec<(String, Option<String>)> = rec
        .lines
        .iter()
        .filter_map(|l| match &l.record {
            Record::RestoreJob { status, detail, .. } => Some((status.clone(), detail.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(followed.len(), 3, "{followed:?}");
    assert_eq!(followed[2].0, "COMPLETED");
    assert!(
        followed[2]
            .1
            .as_deref()
            .is_some_and(|d| d.contains("cluster:orders-restored"))
    );
    assert_eq!(w.sent.len(), 1);
}

#[test]
fn a_failed_job_fails_the_step_with_what_aws_backup_said() {
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = confirmed(&mut w, &mut rec);
    w.set("JOB-1", "FAILED", None);
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    let StepStatus::Failed { why } = e.status("restore").unwrap() else {
        panic!()
    };
    assert!(
        why.contains("JOB-1 FAILED: DBClusterAlreadyExistsFault"),
        "{why}"
    );
}

#[test]
fn a_retry_after_a_failed_job_is_a_new_attempt_with_a_new_token() {
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = confirmed(&mut w, &mut rec);
    w.set("JOB-1", "FAILED", None);
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    // The job failed after the call succeeded: the call is done, so a retry of the
    // step follows nothing new unless it sends again. It must, with a new token.
    e.command(Command::Retry, &mut w, &mut rec, secs(20))
        .unwrap();
    e.advance(&mut w, &mut rec, secs(20)).unwrap();
    if matches!(
        e.status("restore"),
        Some(StepStatus::AwaitingConfirmation { .. })
    ) {
        confirm_typed(&mut e, &mut w, &mut rec, secs(20));
    }
    let tokens: Vec<Option<String>> = w
        .sent
        .iter()
        .map(|m| match m {
            Mutation::StartRestoreJob {
                idempotency_token, ..
            } => idempotency_token.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(tokens.len(), 2, "the retry sends again: {:?}", w.sent);
    assert_ne!(tokens[0], tokens[1]);
}

#[test]
fn a_resume_after_a_failed_job_does_not_count_its_call_as_done() {
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = confirmed(&mut w, &mut rec);
    w.set("JOB-1", "FAILED", None);
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    let point = ResumePoint::from_lines(&rec.lines);
    assert!(!point.calls_done.contains(&("restore".to_string(), 0)));
    assert_eq!(point.restore_jobs.get("restore"), None);
}

#[test]
fn a_timeout_fails_the_step_and_says_the_job_goes_on() {
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = confirmed(&mut w, &mut rec);
    w.set("JOB-1", "RUNNING", Some("10.00%"));
    e.advance(&mut w, &mut rec, secs(31 * 60)).unwrap();
    let StepStatus::Failed { why } = e.status("restore").unwrap() else {
        panic!()
    };
    assert!(why.contains("timed out after 30m"), "{why}");
    assert!(why.contains("no operation to stop a restore"), "{why}");
}

#[test]
fn a_lost_answer_is_settled_by_listing_the_points_jobs_and_the_new_job_is_followed() {
    let mut w = Backup::new();
    w.lose_answer = true;
    let mut rec = MemoryRecorder::default();
    let mut e = confirmed(&mut w, &mut rec);
    assert_eq!(w.sent.len(), 1);
    // Settled by the list: JOB-1 is new (JOB-FROM-LAST-WEEK was there before).
    assert!(rec.lines.iter().any(|l| matches!(
        &l.record,
        Record::Settled { applied: true, created: Some(id), .. } if id == "JOB-1"
    )));
    e.advance(&mut w, &mut rec, secs(1)).unwrap();
    assert!(waiting_text(&e).contains("JOB-1"), "{}", waiting_text(&e));
    w.set("JOB-1", "COMPLETED", None);
    e.advance(&mut w, &mut rec, secs(11)).unwrap();
    assert_eq!(e.status("restore").unwrap().label(), "done");
    assert_eq!(w.sent.len(), 1, "never a second StartRestoreJob");
}

#[test]
fn an_unsettled_lost_answer_asks_and_the_resend_is_the_same_call_with_the_same_token() {
    let mut w = Backup::new();
    w.drop_call = true;
    let mut rec = MemoryRecorder::default();
    let mut e = confirmed(&mut w, &mut rec);
    let StepStatus::AwaitingConfirmation { prompt } = e.status("restore").unwrap().clone() else {
        panic!("asks before re-sending: {:?}", e.status("restore"))
    };
    assert!(prompt.resend);
    assert!(
        prompt.what.contains("no new restore job"),
        "{}",
        prompt.what
    );
    confirm_typed(&mut e, &mut w, &mut rec, secs(5));
    assert_eq!(w.sent.len(), 2);
    assert_eq!(
        w.sent[0], w.sent[1],
        "a re-send of one attempt is that attempt's call"
    );
    assert_eq!(w.pins, 1, "the point is chosen once per attempt");
}

#[test]
fn killed_between_intent_and_outcome_settles_from_the_journal_and_never_resends() {
    let mut w = Backup::new();
    w.lose_answer = true;
    w.list_dark = true;
    let mut rec = MemoryRecorder::default();
    let _ = confirmed(&mut w, &mut rec);
    // Cut the journal at the intent, as a kill -9 right after the send would.
    let cut = rec
        .lines
        .iter()
        .position(|l| matches!(l.record, Record::Intent { .. }))
        .unwrap();
    let lines = rec.lines[..=cut].to_vec();
    let point = ResumePoint::from_lines(&lines);
    let mut rec = MemoryRecorder { lines };
    w.list_dark = false;
    let mut e = Engine::restore(book(RESTORE), ctx(), &point, &mut rec, secs(60)).unwrap();
    e.advance(&mut w, &mut rec, secs(60)).unwrap();
    assert!(
        waiting_text(&e).contains("JOB-1"),
        "{:?}",
        e.status("restore")
    );
    assert_eq!(w.sent.len(), 1, "never a second StartRestoreJob");
}

#[test]
fn a_point_that_cannot_be_chosen_sends_nothing_and_journals_no_intent() {
    let mut w = Backup::new();
    w.vault_dark = true;
    let mut rec = MemoryRecorder::default();
    let e = confirmed(&mut w, &mut rec);
    let StepStatus::Failed { why } = e.status("restore").unwrap() else {
        panic!()
    };
    assert!(why.contains("StartRestoreJob not sent"), "{why}");
    assert!(w.sent.is_empty());
    assert!(intents(&rec).is_empty());
}

#[test]
fn a_restore_job_condition_reads_the_job_its_step_started() {
    let steps = format!(
        "{RESTORE}    on_failure: continue\n  - id: check\n    title: Restored\n    check:\n      - restore_job: {{ step: restore, is: COMPLETED }}\n"
    );
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = Engine::start(book(&steps), ctx(), &mut rec, t0()).unwrap();
    e.advance(&mut w, &mut rec, t0()).unwrap();
    confirm_typed(&mut e, &mut w, &mut rec, t0());
    w.set("JOB-1", "COMPLETED", None);
    assert_eq!(
        e.advance(&mut w, &mut rec, secs(10)).unwrap(),
        Next::Finished
    );
    assert_eq!(e.status("check").unwrap().label(), "done");
    assert!(
        w.reads_of_job_1 > 0,
        "the check described the job the restore step started"
    );
}

#[test]
fn a_restore_job_condition_before_its_step_ran_is_unknown_not_true() {
    let steps = "  - id: check\n    title: Restored\n    check:\n      - restore_job: { step: restore, is: COMPLETED }\n  - id: restore\n    title: Restore\n    restore_backup: { resource: orders-db, name: orders-restored }\n";
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = Engine::start(book(steps), ctx(), &mut rec, t0()).unwrap();
    e.advance(&mut w, &mut rec, t0()).unwrap();
    let StepStatus::Failed { why } = e.status("check").unwrap() else {
        panic!("{:?}", e.status("check"))
    };
    assert!(why.contains("has not started a restore job"), "{why}");
}

#[test]
fn a_restore_job_condition_must_name_a_restore_step_and_a_status_word() {
    let text = "name: t\nenvironment: orders-prod\nrto: 2h\nsteps:\n  - id: check\n    title: c\n    check:\n      - restore_job: { step: nope, is: DONE }\n      - restore_job: { step: nope, is: COMPLETED }\n";
    let errs = validate::parse(text, "t.yaml", &env(), &BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(errs.contains("t.yaml:8:"), "{errs}");
    assert!(
        errs.contains("`DONE` is not a restore job status"),
        "{errs}"
    );
    assert!(
        errs.contains("t.yaml:9:") && errs.contains("`nope` is not a restore_backup step"),
        "{errs}"
    );
}

#[test]
fn a_job_that_cannot_be_described_is_unknown_with_the_reason_never_done_or_failed() {
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = confirmed(&mut w, &mut rec);
    w.jobs.remove("JOB-1");
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    let text = waiting_text(&e);
    assert!(
        text.contains("could not be read (unknown): ResourceNotFoundException"),
        "{text}"
    );
    assert_eq!(w.sent.len(), 1);
}

const INSTANCE: &str = "  - id: writer\n    title: Writer\n    create_db_instance: { cluster: orders-restored, region: us-west-2, class: db.r6g.large, engine: aurora-postgresql, timeout: 20m }\n";

fn instance_started(w: &mut Backup, rec: &mut MemoryRecorder) -> Engine {
    let mut e = Engine::start(book(INSTANCE), ctx(), rec, t0()).unwrap();
    assert_eq!(e.advance(w, rec, t0()).unwrap(), Next::Operator);
    e.command(Command::Confirm { typed: None }, w, rec, t0())
        .unwrap();
    e
}

fn instance_text(e: &Engine) -> String {
    match e.status("writer").unwrap() {
        StepStatus::Waiting { last, .. } => last.clone(),
        other => panic!("not following: {other:?}"),
    }
}

#[test]
fn a_created_instance_is_followed_until_available() {
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = instance_started(&mut w, &mut rec);
    let Mutation::CreateDbInstance {
        db_instance_identifier,
        db_cluster_identifier,
        ..
    } = &w.sent[0]
    else {
        panic!("{:?}", w.sent)
    };
    assert_eq!(
        db_instance_identifier, "orders-restored-1",
        "defaults to <cluster>-1"
    );
    assert_eq!(db_cluster_identifier, "orders-restored");
    assert!(
        instance_text(&e).contains("orders-restored-1 creating"),
        "{}",
        instance_text(&e)
    );
    w.instances
        .insert("orders-restored-1".into(), "available".into());
    assert_eq!(
        e.advance(&mut w, &mut rec, secs(10)).unwrap(),
        Next::Finished
    );
    assert_eq!(e.status("writer").unwrap().label(), "done");
}

#[test]
fn an_instance_that_fails_fails_the_step_and_one_that_never_comes_times_out() {
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = instance_started(&mut w, &mut rec);
    w.instances
        .insert("orders-restored-1".into(), "incompatible-network".into());
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    let StepStatus::Failed { why } = e.status("writer").unwrap() else {
        panic!()
    };
    assert!(why.contains("is incompatible-network"), "{why}");

    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = instance_started(&mut w, &mut rec);
    e.advance(&mut w, &mut rec, secs(21 * 60)).unwrap();
    let StepStatus::Failed { why } = e.status("writer").unwrap() else {
        panic!()
    };
    assert!(why.contains("timed out after 20m"), "{why}");
}

#[test]
fn a_lost_create_answer_is_settled_by_describing_the_instance_not_by_resending() {
    let mut w = Backup::new();
    w.lose_answer = true;
    let mut rec = MemoryRecorder::default();
    let mut e = instance_started(&mut w, &mut rec);
    assert!(
        rec.lines.iter().any(|l| matches!(
            &l.record,
            Record::Settled { applied: true, how, .. } if how.contains("orders-restored-1 exists")
        )),
        "{:#?}",
        rec.lines
    );
    w.instances
        .insert("orders-restored-1".into(), "available".into());
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    assert_eq!(e.status("writer").unwrap().label(), "done");
    assert_eq!(w.sent.len(), 1, "never a second CreateDBInstance");
}

const DELETE: &str = "  - id: delete\n    title: Delete\n    delete_restored: { step: restore }\n    confirm: typed\n";

#[test]
fn delete_restored_deletes_only_what_this_runs_restore_created() {
    let steps = format!("{RESTORE}    on_failure: continue\n{DELETE}");
    // The restore failed: nothing of this run's to delete, and nothing is sent.
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = Engine::start(book(&steps), ctx(), &mut rec, t0()).unwrap();
    e.advance(&mut w, &mut rec, t0()).unwrap();
    confirm_typed(&mut e, &mut w, &mut rec, t0());
    w.set("JOB-1", "FAILED", None);
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    let StepStatus::Blocked { why, .. } = e.status("delete").unwrap() else {
        panic!("{:?}", e.status("delete"))
    };
    assert!(why.contains("deletes only what this run restored"), "{why}");
    assert_eq!(w.sent_ops(), vec!["StartRestoreJob"]);

    // The restore completed and created orders-restored: the delete confirms by the
    // name typed, then deletes that cluster (no instance step in this runbook).
    let mut w = Backup::new();
    let mut rec = MemoryRecorder::default();
    let mut e = Engine::start(book(&steps), ctx(), &mut rec, t0()).unwrap();
    e.advance(&mut w, &mut rec, t0()).unwrap();
    confirm_typed(&mut e, &mut w, &mut rec, t0());
    w.set("JOB-1", "COMPLETED", None);
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    let StepStatus::AwaitingConfirmation { prompt } = e.status("delete").unwrap().clone() else {
        panic!("{:?}", e.status("delete"))
    };
    assert_eq!(prompt.typed.as_deref(), Some("orders-restored"));
    assert!(
        prompt
            .risk
            .as_deref()
            .is_some_and(|r| r.contains("cannot be undone"))
    );
    confirm_typed(&mut e, &mut w, &mut rec, secs(10));
    assert_eq!(w.sent_ops(), vec!["StartRestoreJob", "DeleteDBCluster"]);
    assert_eq!(e.status("delete").unwrap().label(), "done");
    // A resume reads what was restored back from the journal.
    let point = ResumePoint::from_lines(&rec.lines);
    assert_eq!(
        point.restored.get("restore").map(String::as_str),
        Some("arn:aws:rds:us-west-2:111122223333:cluster:orders-restored")
    );
}

#[test]
fn delete_restored_is_validated_against_the_runbook() {
    let errs = |steps: &str| {
        let text = format!("name: t\nenvironment: orders-prod\nrto: 2h\nsteps:\n{steps}");
        validate::parse(&text, "t.yaml", &env(), &BTreeMap::new())
            .unwrap_err()
            .to_string()
    };
    let no_typed = format!(
        "{RESTORE}  - id: delete\n    title: D\n    delete_restored: {{ step: restore }}\n"
    );
    assert!(errs(&no_typed).contains("deletes a database: add `confirm: typed`"));
    let before = format!("{DELETE}{RESTORE}");
    assert!(errs(&before).contains("`restore` is not a restore_backup step before this one"));
    let rds = "  - id: restore\n    title: R\n    restore_backup: { resource: ledger-db, name: ledger-restored }\n  - id: delete\n    title: D\n    delete_restored: { step: restore }\n    confirm: typed\n";
    assert!(errs(rds).contains("delete_restored deletes restored clusters"));
}

/// A lost answer whose job is not listed, then a guard that blocks the re-send, then a
/// retry: the retry is still the first attempt, sent with its first point and token
/// (a new token could start a second restore if the first call had landed unseen).
#[test]
fn a_blocked_resend_then_retry_still_sends_the_first_call() {
    let steps = format!(
        "{RESTORE}    require:\n      - region_health: {{ region: us-west-2, is: healthy }}\n"
    );
    let mut w = Backup::new();
    w.drop_call = true;
    let mut rec = MemoryRecorder::default();
    let mut e = Engine::start(book(&steps), ctx(), &mut rec, t0()).unwrap();
    e.advance(&mut w, &mut rec, t0()).unwrap();
    let typed = || Command::Confirm {
        typed: Some("orders-restored".into()),
    };
    e.command(typed(), &mut w, &mut rec, t0()).unwrap();
    assert!(matches!(
        e.status("restore"),
        Some(StepStatus::AwaitingConfirmation { prompt }) if prompt.resend
    ));
    w.dr_sick = true;
    e.command(typed(), &mut w, &mut rec, secs(5)).unwrap();
    assert_eq!(e.status("restore").unwrap().label(), "blocked");
    w.dr_sick = false;
    e.command(Command::Retry, &mut w, &mut rec, secs(10))
        .unwrap();
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    if matches!(
        e.status("restore"),
        Some(StepStatus::AwaitingConfirmation { .. })
    ) {
        e.command(typed(), &mut w, &mut rec, secs(10)).unwrap();
    }
    assert_eq!(w.sent.len(), 2, "{:?}", w.sent);
    assert_eq!(w.sent[0], w.sent[1], "the same point and token");
    assert_eq!(w.pins, 1);
}
