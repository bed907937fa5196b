//! Engine behaviour against a fake world: guards, confirmation, each on_failure
//! route, operator commands, read-only refusal, waits, and resume after a crash.

use super::*;
use crate::config::Environment;
use crate::model::{ControlState, Verdict};
use crate::runbook::condition::{Facts, FailoverPhase, Probe};
use crate::runbook::journal::{MemoryRecorder, ResumePoint};
use crate::runbook::validate;
use chrono::TimeZone;
use std::collections::BTreeMap;

const EAST: &str = "arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/routingcontrol/a1b2c3d4e5f60718";
const WEST: &str = "arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/routingcontrol/b2c3d4e5f6071829";
const RULE: &str = "arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/safetyrule/c3d4e5f607182930";

fn env() -> Environment {
    Environment::builtin_default().unwrap()
}

fn rb(steps: &str) -> Runbook {
    let text = format!(
        "name: t\nenvironment: orders-prod\nrto: 15m\nparameters:\n  from: {{ default: us-east-1 }}\n  to: {{ default: us-west-2 }}\nsteps:\n{steps}"
    );
    validate::parse(&text, "t.yaml", &env(), &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}"))
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).unwrap()
}

fn ctx(read_only: bool) -> RunContext {
    RunContext::for_environment(
        &env(),
        "run-1".into(),
        "alice@bastion".into(),
        Mode::Simulated,
        read_only,
    )
}

/// A world whose state the test controls; mutating calls change it like AWS would.
struct Fake {
    facts: Facts,
    sent: Vec<Mutation>,
    reads: Vec<Vec<Probe>>,
    /// When false, calls succeed but change nothing (for verify failures).
    apply: bool,
    /// Fail this many calls with a generic error.
    fail: usize,
    /// ARC refuses control changes citing this rule unless it is overridden.
    rule_blocks: bool,
    /// The next this-many calls take effect but their answer never arrives.
    lost_answers: usize,
    /// ARC refuses control changes with this error (a refusal naming no rule).
    refuse_with: Option<CallError>,
}

impl Fake {
    fn healthy() -> Self {
        let mut f = Facts::default();
        f.region_health.insert("us-east-1".into(), Verdict::Healthy);
        f.region_health.insert("us-west-2".into(), Verdict::Healthy);
        f.writer.insert("orders".into(), "us-east-1".into());
        f.failover.insert("orders".into(), FailoverPhase::Idle);
        f.lag_ms
            .insert(("orders".into(), "us-west-2".into()), 400.0);
        f.rpo_lag_ms
            .insert(("orders".into(), "us-west-2".into()), 1800.0);
        f.controls.insert(EAST.into(), ControlState::On);
        f.controls.insert(WEST.into(), ControlState::Off);
        Fake {
            facts: f,
            sent: Vec::new(),
            reads: Vec::new(),
            apply: true,
            fail: 0,
            rule_blocks: false,
            lost_answers: 0,
            refuse_with: None,
        }
    }
    fn sent_ops(&self) -> Vec<&'static str> {
        self.sent.iter().map(|m| m.operation()).collect()
    }
}

impl World for Fake {
    fn read(&mut self, probes: &[Probe]) -> Facts {
        self.reads.push(probes.to_vec());
        self.facts.clone()
    }
    fn perform(&mut self, call: &Mutation) -> Result<Receipt, CallError> {
        self.sent.push(call.clone());
        if self.fail > 0 {
            self.fail -= 1;
            return Err(CallError::new(CallErrorKind::Other, "InternalServer"));
        }
        match call {
            Mutation::UpdateRoutingControlStates {
                entries,
                safety_rules_to_override,
            } => {
                if let Some(e) = &self.refuse_with
                    && safety_rules_to_override.is_empty()
                {
                    return Err(e.clone());
                }
                if self.rule_blocks && !safety_rules_to_override.iter().any(|r| r == RULE) {
                    let mut e =
                        CallError::new(CallErrorKind::SafetyRule, format!("blocked by {RULE}"));
                    e.blocking_rules = vec![RULE.into()];
                    return Err(e);
                }
                if self.apply {
                    for e in entries {
                        self.facts
                            .controls
                            .insert(e.routing_control_arn.clone(), e.routing_control_state);
                    }
                }
            }
            Mutation::FailoverGlobalCluster {
                target_db_cluster_identifier,
                ..
            }
            | Mutation::SwitchoverGlobalCluster {
                target_db_cluster_identifier,
                ..
            } if self.apply => {
                let region = target_db_cluster_identifier
                    .split(':')
                    .nth(3)
                    .unwrap_or_default();
                self.facts.writer.insert("orders".into(), region.into());
            }
            _ => {}
        }
        if self.lost_answers > 0 {
            self.lost_answers -= 1;
            return Err(CallError::new(
                CallErrorKind::OutcomeUnknown,
                "outcome unknown: no answer within the timeout",
            ));
        }
        Ok(Receipt {
            request_id: Some(format!("req-{}", self.sent.len())),
            endpoint: Some("us-west-2".into()),
            output: None,
            created: None,
        })
    }
}

/// Turns every cell Off: against the at-least-one-cell-on rule.
const ALL_OFF: &str = "  - id: flip\n    title: All off\n    routing_controls:\n      - { control: \"cell-{{to}}\", state: off }\n      - { control: \"cell-{{from}}\", state: off }\n";

const FLIP: &str = "  - id: flip\n    title: Flip\n    routing_controls:\n      - { control: \"cell-{{to}}\", state: on }\n      - { control: \"cell-{{from}}\", state: off }\n    require:\n      - region_health: { region: \"{{to}}\", is: healthy }\n    verify:\n      - routing_control: { control: \"cell-{{to}}\", state: on }\n";

fn start(rb: Runbook, read_only: bool, rec: &mut MemoryRecorder) -> Engine {
    Engine::start(rb, ctx(read_only), rec, t0()).unwrap()
}

fn status_word(e: &Engine, id: &str) -> &'static str {
    e.status(id).unwrap().label()
}

#[test]
fn failed_guard_blocks_and_sends_nothing() {
    let mut w = Fake::healthy();
    w.facts
        .region_health
        .insert("us-west-2".into(), Verdict::Impaired);
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(FLIP), false, &mut rec);
    assert_eq!(e.advance(&mut w, &mut rec, t0()).unwrap(), Next::Operator);
    match e.status("flip").unwrap() {
        StepStatus::Blocked { guard, why } => {
            assert!(guard.contains("us-west-2 is healthy"), "{guard}");
            assert!(why.contains("us-west-2 is impaired"), "{why}");
        }
        other => panic!("expected blocked, got {other:?}"),
    }
    assert!(w.sent.is_empty());
    // An unknown guard blocks too: unknown is never healthy.
    w.facts.region_health.remove("us-west-2");
    e.command(Command::Retry, &mut w, &mut rec, t0()).unwrap();
    match e.status("flip").unwrap() {
        StepStatus::Blocked { why, .. } => assert!(why.contains("unknown"), "{why}"),
        other => panic!("expected blocked, got {other:?}"),
    }
    assert!(w.sent.is_empty());
}

#[test]
fn guards_are_read_fresh_again_after_confirmation() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(FLIP), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    assert_eq!(status_word(&e, "flip"), "awaiting_confirmation");
    // The world changes while the dialog is open.
    w.facts
        .region_health
        .insert("us-west-2".into(), Verdict::Degraded);
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(status_word(&e, "flip"), "blocked");
    assert!(w.sent.is_empty());
}

#[test]
fn confirmed_flip_sends_once_and_verifies() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(FLIP), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    let StepStatus::AwaitingConfirmation { prompt } = e.status("flip").unwrap().clone() else {
        panic!()
    };
    assert_eq!(
        prompt.rules.as_deref(),
        Some("every safety rule holds after this change")
    );
    assert_eq!(prompt.target, "ARC cluster endpoints (rotating)");
    let next = e
        .command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(next, Next::Finished);
    assert_eq!(w.sent_ops(), vec!["UpdateRoutingControlStates"]);
    assert_eq!(status_word(&e, "flip"), "done");
    let v = e.view(t0());
    assert_eq!(
        v.steps[0].calls,
        vec![(
            "UpdateRoutingControlStates @ ARC cluster endpoints (rotating)".to_string(),
            true
        )]
    );
    assert_eq!(v.run, RunStatus::Completed);
    // Intent is journaled before the outcome.
    let kinds: Vec<&str> = rec
        .lines
        .iter()
        .filter_map(|l| match &l.record {
            Record::Intent { .. } => Some("intent"),
            Record::Outcome { .. } => Some("outcome"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec!["intent", "outcome"]);
}

#[test]
fn verify_failure_fails_the_step() {
    let mut w = Fake::healthy();
    w.apply = false;
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(FLIP), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    let next = e
        .command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(next, Next::Stopped);
    match e.status("flip").unwrap() {
        StepStatus::Failed { why } => assert!(
            why.contains("verify failed") && why.contains("cell-us-west-2 is Off"),
            "{why}"
        ),
        other => panic!("{other:?}"),
    }
}

const CHECK_LAG: &str = "  - id: lag\n    title: Lag\n    check:\n      - replication_lag: { database: orders, region: \"{{to}}\", below_ms: 100 }\n";
const AFTER: &str = "  - id: after\n    title: After\n    check:\n      - writer_region: { database: orders, is: us-east-1 }\n  - id: rescue\n    title: Rescue\n    check:\n      - failover_state: { database: orders, is: idle }\n";

#[test]
fn on_failure_stop_stops_the_run() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(&format!("{CHECK_LAG}{AFTER}")), false, &mut rec);
    assert_eq!(e.advance(&mut w, &mut rec, t0()).unwrap(), Next::Stopped);
    assert_eq!(status_word(&e, "lag"), "failed");
    assert_eq!(status_word(&e, "after"), "pending");
    assert!(matches!(e.run_status(), RunStatus::Stopped { step, .. } if step == "lag"));
}

#[test]
fn on_failure_continue_moves_on() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(
        rb(&format!("{CHECK_LAG}    on_failure: continue\n{AFTER}")),
        false,
        &mut rec,
    );
    assert_eq!(e.advance(&mut w, &mut rec, t0()).unwrap(), Next::Finished);
    assert_eq!(status_word(&e, "lag"), "failed");
    assert_eq!(status_word(&e, "after"), "done");
    assert_eq!(status_word(&e, "rescue"), "done");
}

#[test]
fn on_failure_goto_jumps_to_the_target() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(
        rb(&format!(
            "{CHECK_LAG}    on_failure: {{ goto: rescue }}\n{AFTER}"
        )),
        false,
        &mut rec,
    );
    assert_eq!(e.advance(&mut w, &mut rec, t0()).unwrap(), Next::Finished);
    assert_eq!(status_word(&e, "lag"), "failed");
    assert_eq!(
        status_word(&e, "after"),
        "pending",
        "the step between was jumped over"
    );
    assert_eq!(status_word(&e, "rescue"), "done");
}

#[test]
fn goto_backwards_cannot_loop_forever() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let steps = format!(
        "  - id: first\n    title: F\n    check:\n      - failover_state: {{ database: orders, is: idle }}\n{CHECK_LAG}    on_failure: {{ goto: first }}\n"
    );
    let mut e = start(rb(&steps), false, &mut rec);
    assert_eq!(e.advance(&mut w, &mut rec, t0()).unwrap(), Next::Stopped);
    let RunStatus::Stopped { why, .. } = e.run_status() else {
        panic!()
    };
    assert!(why.contains("already ran"), "{why}");
}

#[test]
fn retry_skip_and_abort() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(&format!("{CHECK_LAG}{AFTER}")), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    // Retry after the world improves.
    w.facts
        .lag_ms
        .insert(("orders".into(), "us-west-2".into()), 50.0);
    e.command(Command::Retry, &mut w, &mut rec, t0()).unwrap();
    assert_eq!(status_word(&e, "lag"), "done");
    assert_eq!(e.run_status(), &RunStatus::Completed);

    // Skip needs a reason, then moves on.
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(&format!("{CHECK_LAG}{AFTER}")), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    let err = e
        .command(
            Command::Skip {
                reason: "  ".into(),
            },
            &mut w,
            &mut rec,
            t0(),
        )
        .unwrap_err();
    assert_eq!(err, EngineError::Refused(Refusal::EmptyReason));
    e.command(
        Command::Skip {
            reason: "lag metric broken; checked console".into(),
        },
        &mut w,
        &mut rec,
        t0(),
    )
    .unwrap();
    assert_eq!(status_word(&e, "lag"), "skipped");
    assert_eq!(status_word(&e, "after"), "done");
    assert!(rec.lines.iter().any(|l| matches!(&l.record, Record::Skipped { reason, by, .. } if reason.contains("lag metric") && by == "alice@bastion")));

    // Abort ends the run; nothing further runs.
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(&format!("{CHECK_LAG}{AFTER}")), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    assert_eq!(
        e.command(
            Command::Abort {
                reason: "wrong Region".into()
            },
            &mut w,
            &mut rec,
            t0()
        )
        .unwrap(),
        Next::Finished
    );
    assert_eq!(status_word(&e, "after"), "pending");
    assert!(matches!(e.run_status(), RunStatus::Aborted { reason } if reason == "wrong Region"));
    assert!(e.command(Command::Retry, &mut w, &mut rec, t0()).is_err());
}

const FAILOVER: &str = "  - id: db\n    title: DB\n    aurora_failover: { database: orders, to: \"{{to}}\", allow_data_loss: true }\n    confirm: typed\n";

#[test]
fn typed_confirm_must_match_the_target() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(FAILOVER), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    let StepStatus::AwaitingConfirmation { prompt } = e.status("db").unwrap().clone() else {
        panic!()
    };
    assert_eq!(prompt.typed.as_deref(), Some("us-west-2"));
    assert_eq!(
        prompt.risk.as_deref(),
        Some("at least ≈1.8 s of writes in us-east-1; more if us-east-1 still accepts writes")
    );
    for wrong in [None, Some("us-east-1"), Some("us-west")] {
        let err = e
            .command(
                Command::Confirm {
                    typed: wrong.map(String::from),
                },
                &mut w,
                &mut rec,
                t0(),
            )
            .unwrap_err();
        assert!(
            matches!(err, EngineError::Refused(Refusal::TypedMismatch { .. })),
            "{err:?}"
        );
    }
    assert!(w.sent.is_empty());
    assert_eq!(status_word(&e, "db"), "awaiting_confirmation");
    // Lag grew while the dialog was open: the estimate is read again at confirmation
    // and the journal keeps the new one (issue 8 §3).
    w.facts
        .rpo_lag_ms
        .insert(("orders".into(), "us-west-2".into()), 2600.0);
    e.command(
        Command::Confirm {
            typed: Some("us-west-2".into()),
        },
        &mut w,
        &mut rec,
        t0(),
    )
    .unwrap();
    assert!(
        rec.lines.iter().any(|l| matches!(&l.record,
        Record::Confirmed { data_loss_ms: Some(ms), prompt, .. }
            if *ms == 2600.0 && prompt.contains("at least ≈2.6 s of writes in us-east-1"))),
        "{:?}",
        rec.lines
    );
    assert_eq!(w.sent_ops(), vec!["FailoverGlobalCluster"]);
    let Mutation::FailoverGlobalCluster {
        region,
        allow_data_loss,
        ..
    } = &w.sent[0]
    else {
        panic!()
    };
    assert_eq!((region.as_str(), *allow_data_loss), ("us-west-2", true));
}

#[test]
fn read_only_refuses_mutating_steps_but_walks_the_rest() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(&format!("{FLIP}{AFTER}")), true, &mut rec);
    assert_eq!(e.advance(&mut w, &mut rec, t0()).unwrap(), Next::Operator);
    match e.status("flip").unwrap() {
        StepStatus::Blocked { guard, .. } => assert_eq!(guard, "read-only mode"),
        other => panic!("{other:?}"),
    }
    // Retrying does not get around it.
    e.command(Command::Retry, &mut w, &mut rec, t0()).unwrap();
    assert_eq!(status_word(&e, "flip"), "blocked");
    assert!(
        e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
            .is_err()
    );
    e.command(
        Command::Skip {
            reason: "walking read-only".into(),
        },
        &mut w,
        &mut rec,
        t0(),
    )
    .unwrap();
    assert_eq!(status_word(&e, "after"), "done");
    assert!(w.sent.is_empty());
}

#[test]
fn failed_call_then_retry_sends_again() {
    let mut w = Fake::healthy();
    w.fail = 1;
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(FLIP), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(status_word(&e, "flip"), "failed");
    e.command(Command::Retry, &mut w, &mut rec, t0()).unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(status_word(&e, "flip"), "done");
    assert_eq!(w.sent.len(), 2);
}

#[test]
fn safety_rule_refusal_explains_and_override_names_only_that_rule() {
    let mut w = Fake::healthy();
    w.rule_blocks = true;
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(ALL_OFF), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    match e.status("flip").unwrap() {
        StepStatus::Failed { why } => {
            assert!(
                why.contains("at-least-one-cell-on") && why.contains("at least 1 of"),
                "{why}"
            );
            assert!(why.contains("break-glass"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.command(
            Command::Override { reason: "".into() },
            &mut w,
            &mut rec,
            t0()
        )
        .unwrap_err(),
        EngineError::Refused(Refusal::EmptyReason)
    );
    e.command(
        Command::Override {
            reason: "IC approved; rule misconfigured".into(),
        },
        &mut w,
        &mut rec,
        t0(),
    )
    .unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(status_word(&e, "flip"), "done");
    let Mutation::UpdateRoutingControlStates {
        safety_rules_to_override,
        ..
    } = &w.sent[1]
    else {
        panic!()
    };
    assert_eq!(safety_rules_to_override, &vec![RULE.to_string()]);
    assert!(rec.lines.iter().any(|l| matches!(&l.record, Record::Override { rule_arns, .. } if rule_arns == &vec![RULE.to_string()])));
}

#[test]
fn wait_polls_until_true_or_times_out() {
    let steps = "  - id: w\n    title: W\n    wait:\n      until:\n        - writer_region: { database: orders, is: us-west-2 }\n      timeout: 1m\n      poll: 10s\n";
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(steps), false, &mut rec);
    let next = e.advance(&mut w, &mut rec, t0()).unwrap();
    assert_eq!(next, Next::WakeAt(t0() + chrono::Duration::seconds(10)));
    match e.status("w").unwrap() {
        StepStatus::Waiting { last, polls, .. } => {
            assert_eq!(*polls, 1);
            assert!(last.contains("us-east-1"), "{last}");
        }
        other => panic!("{other:?}"),
    }
    // Too early: no read.
    let reads = w.reads.len();
    e.advance(&mut w, &mut rec, t0() + chrono::Duration::seconds(5))
        .unwrap();
    assert_eq!(w.reads.len(), reads);
    w.facts.writer.insert("orders".into(), "us-west-2".into());
    assert_eq!(
        e.advance(&mut w, &mut rec, t0() + chrono::Duration::seconds(10))
            .unwrap(),
        Next::Finished
    );

    let mut w = Fake::healthy();
    let mut e = start(rb(steps), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    e.advance(&mut w, &mut rec, t0() + chrono::Duration::seconds(61))
        .unwrap();
    match e.status("w").unwrap() {
        StepStatus::Failed { why } => assert!(why.starts_with("timed out after 1m"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn approval_needs_a_second_operator_and_manual_needs_the_checklist() {
    let steps = "  - id: m\n    title: M\n    manual:\n      instructions: do it\n      checklist: [one]\n  - id: a\n    title: A\n    approval: {}\n";
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(steps), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    let err = e
        .command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap_err();
    assert_eq!(
        err,
        EngineError::Refused(Refusal::ChecklistIncomplete { remaining: 1 })
    );
    e.command(Command::Tick { item: 0 }, &mut w, &mut rec, t0())
        .unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(status_word(&e, "a"), "awaiting_approval");
    let err = e
        .command(
            Command::Approve {
                by: "alice@laptop".into(),
            },
            &mut w,
            &mut rec,
            t0(),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        EngineError::Refused(Refusal::SelfApproval { .. })
    ));
    assert_eq!(
        e.command(
            Command::Approve {
                by: "bob@bastion".into()
            },
            &mut w,
            &mut rec,
            t0()
        )
        .unwrap(),
        Next::Finished
    );
}

#[test]
fn pause_and_resume_the_run() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(
        rb(&format!("{CHECK_LAG}    on_failure: continue\n{AFTER}")),
        false,
        &mut rec,
    );
    assert_eq!(
        e.command(Command::Pause, &mut w, &mut rec, t0()).unwrap(),
        Next::Paused
    );
    assert_eq!(status_word(&e, "lag"), "pending");
    assert_eq!(
        e.command(Command::Resume, &mut w, &mut rec, t0()).unwrap(),
        Next::Finished
    );
}

#[test]
fn read_only_journal_and_rto_clock() {
    let mut rec = MemoryRecorder::default();
    let e = start(rb(AFTER), true, &mut rec);
    let (elapsed, target) = e.rto_clock(t0() + chrono::Duration::seconds(90));
    assert_eq!(elapsed.num_seconds(), 90);
    assert_eq!(target.as_secs(), 900);
    assert!(matches!(
        &rec.lines[0].record,
        Record::RunStart {
            read_only: true,
            ..
        }
    ));
}

/// Runs FLIP then FAILOVER; returns the journal cut right after the failover's intent.
fn crashed_after_failover_intent() -> (Vec<crate::runbook::journal::Line>, Runbook) {
    let book = rb(&format!("{FLIP}{FAILOVER}{AFTER}"));
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(book.clone(), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    e.command(
        Command::Confirm {
            typed: Some("us-west-2".into()),
        },
        &mut w,
        &mut rec,
        t0(),
    )
    .unwrap();
    let cut = rec
        .lines
        .iter()
        .position(|l| matches!(&l.record, Record::Intent { step, .. } if step == "db"))
        .unwrap();
    (rec.lines[..=cut].to_vec(), book)
}

#[test]
fn resume_settles_an_applied_intent_by_reading_and_never_resends() {
    let (lines, book) = crashed_after_failover_intent();
    let point = ResumePoint::from_lines(&lines);
    assert_eq!(
        point.dangling.iter().cloned().collect::<Vec<_>>(),
        vec![("db".to_string(), 0)]
    );
    assert!(point.calls_done.contains(&("flip".to_string(), 0)));
    // The failover did reach AWS before the crash: the writer is already in us-west-2.
    let mut w = Fake::healthy();
    w.facts.writer.insert("orders".into(), "us-west-2".into());
    w.facts.controls.insert(WEST.into(), ControlState::On);
    w.facts.controls.insert(EAST.into(), ControlState::Off);
    let mut rec = MemoryRecorder {
        lines: lines.clone(),
    };
    let mut e = Engine::restore(book, ctx(false), &point, &mut rec, t0()).unwrap();
    assert_eq!(status_word(&e, "flip"), "done");
    let next = e.advance(&mut w, &mut rec, t0()).unwrap();
    // The first thing the resumed engine did was read the writer.
    assert!(
        w.reads[0].contains(&Probe::Writer {
            database: "orders".into()
        }),
        "{:?}",
        w.reads
    );
    assert!(w.sent.is_empty(), "nothing re-sent: {:?}", w.sent);
    assert_eq!(status_word(&e, "db"), "done");
    // `after` checks the writer is in us-east-1: it is not any more, so the run stops there.
    assert_eq!(next, Next::Stopped);
    assert!(
        rec.lines.iter().any(
            |l| matches!(&l.record, Record::Settled { applied: true, step, .. } if step == "db")
        )
    );
}

#[test]
fn resume_asks_before_resending_an_unapplied_intent() {
    let (lines, book) = crashed_after_failover_intent();
    let point = ResumePoint::from_lines(&lines);
    // The call never reached AWS: the writer is still in us-east-1.
    let mut w = Fake::healthy();
    w.facts.controls.insert(WEST.into(), ControlState::On);
    w.facts.controls.insert(EAST.into(), ControlState::Off);
    let mut rec = MemoryRecorder { lines };
    let mut e = Engine::restore(book, ctx(false), &point, &mut rec, t0()).unwrap();
    assert_eq!(e.advance(&mut w, &mut rec, t0()).unwrap(), Next::Operator);
    let StepStatus::AwaitingConfirmation { prompt } = e.status("db").unwrap().clone() else {
        panic!()
    };
    assert!(prompt.resend);
    assert!(
        prompt.what.contains("still in us-east-1"),
        "{}",
        prompt.what
    );
    assert!(w.sent.is_empty());
    // Still a typed confirm.
    assert!(
        e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
            .is_err()
    );
    e.command(
        Command::Confirm {
            typed: Some("us-west-2".into()),
        },
        &mut w,
        &mut rec,
        t0(),
    )
    .unwrap();
    assert_eq!(
        w.sent_ops(),
        vec!["FailoverGlobalCluster"],
        "flip is never repeated"
    );
}

#[test]
fn resume_refuses_a_changed_runbook_and_an_ended_run() {
    let (lines, book) = crashed_after_failover_intent();
    let point = ResumePoint::from_lines(&lines);
    let mut other = book.clone();
    other.hash = "different".into();
    let mut rec = MemoryRecorder::default();
    assert!(matches!(
        Engine::restore(other, ctx(false), &point, &mut rec, t0()),
        Err(EngineError::Restore(RestoreError::RunbookChanged { .. }))
    ));
    let mut ended = point.clone();
    ended.ended = Some("completed".into());
    assert!(matches!(
        Engine::restore(book, ctx(false), &ended, &mut rec, t0()),
        Err(EngineError::Restore(RestoreError::Ended(..)))
    ));
}

#[test]
fn a_lost_answer_is_settled_by_reading_not_by_resending() {
    let mut w = Fake::healthy();
    w.lost_answers = 1;
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(FLIP), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    let next = e
        .command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    // The change landed though its answer was lost: one send, then a read, then done.
    assert_eq!(next, Next::Finished);
    assert_eq!(w.sent_ops(), vec!["UpdateRoutingControlStates"]);
    assert_eq!(status_word(&e, "flip"), "done");
    assert!(
        rec.lines
            .iter()
            .any(|l| matches!(l.record, Record::Settled { applied: true, .. }))
    );
}

#[test]
fn a_lost_answer_that_did_not_land_asks_before_resending() {
    let mut w = Fake::healthy();
    w.lost_answers = 1;
    w.apply = false;
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(FLIP), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(w.sent.len(), 1, "nothing is re-sent without the operator");
    let StepStatus::AwaitingConfirmation { prompt } = e.status("flip").unwrap().clone() else {
        panic!(
            "expected a re-send question, got {}",
            status_word(&e, "flip")
        )
    };
    assert!(prompt.what.contains("unknown"), "{}", prompt.what);
}

/// A lost answer that did not land leaves the step at the re-send question.
fn at_resend_question(w: &mut Fake, rec: &mut MemoryRecorder) -> Engine {
    w.lost_answers = 1;
    w.apply = false;
    let mut e = start(rb(FLIP), false, rec);
    e.advance(w, rec, t0()).unwrap();
    e.command(Command::Confirm { typed: None }, w, rec, t0())
        .unwrap();
    assert!(
        matches!(e.status("flip"), Some(StepStatus::AwaitingConfirmation { prompt }) if prompt.resend)
    );
    e
}

/// Issue 8 §1, crash while settling: the lost answer is journaled as an outcome that
/// says so, and a resume keeps the call unknown (settle first, then the re-send
/// question), instead of the normal prompt as if nothing had been sent.
#[test]
fn a_crash_while_settling_resumes_into_settling_not_the_normal_prompt() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let _ = at_resend_question(&mut w, &mut rec);
    assert!(rec.lines.iter().any(|l| matches!(
        l.record,
        Record::Outcome {
            ok: false,
            unknown: true,
            ..
        }
    )));
    // kill -9 here: no settled record was written.
    let point = ResumePoint::from_lines(&rec.lines);
    assert!(
        point.dangling.contains(&("flip".to_string(), 0)),
        "{point:?}"
    );
    let mut rec2 = MemoryRecorder::default();
    let mut e = Engine::restore(rb(FLIP), ctx(false), &point, &mut rec2, t0()).unwrap();
    assert_eq!(status_word(&e, "flip"), "settling");
    e.advance(&mut w, &mut rec2, t0()).unwrap();
    let StepStatus::AwaitingConfirmation { prompt } = e.status("flip").unwrap().clone() else {
        panic!("{}", status_word(&e, "flip"))
    };
    assert!(
        prompt.resend && prompt.what.contains("unknown"),
        "{}",
        prompt.what
    );
    assert_eq!(w.sent.len(), 1, "nothing re-sent by the resume");
}

/// Issue 8 §1: the re-send re-reads the guards when the operator confirms; a guard
/// that turned false since the settle read blocks it and nothing is sent.
#[test]
fn a_resend_with_a_guard_that_turned_false_sends_nothing() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = at_resend_question(&mut w, &mut rec);
    w.facts
        .region_health
        .insert("us-west-2".into(), Verdict::Impaired);
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(status_word(&e, "flip"), "blocked");
    assert_eq!(w.sent.len(), 1, "the guard is false now: nothing re-sent");
    assert!(
        !rec.lines
            .iter()
            .any(|l| matches!(l.record, Record::Settled { .. })),
        "the call stays unknown until a read or a re-send settles it"
    );
}

/// Issue 8 §1: the did-it-land read is done again at the re-send: a change that
/// landed since the question was asked is settled as applied, not sent twice.
#[test]
fn a_resend_after_the_change_landed_meanwhile_sends_nothing() {
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = at_resend_question(&mut w, &mut rec);
    w.facts.controls.insert(WEST.into(), ControlState::On);
    w.facts.controls.insert(EAST.into(), ControlState::Off);
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(status_word(&e, "flip"), "done");
    assert_eq!(w.sent.len(), 1);
    assert!(
        rec.lines
            .iter()
            .any(|l| matches!(l.record, Record::Settled { applied: true, .. }))
    );
}

/// Issue 8 §1: ARC refuses naming no rule (message format undocumented): the rules
/// the environment file predicts are violated are offered, labelled as predicted.
#[test]
fn a_refusal_naming_no_rule_offers_the_predicted_rules() {
    let mut w = Fake::healthy();
    let mut refusal = CallError::new(
        CallErrorKind::Rejected,
        "conflict: Cannot change routing control state (ConflictException, HTTP 409)",
    );
    refusal.aws_code = Some("ConflictException".into());
    w.refuse_with = Some(refusal);
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(ALL_OFF), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    let StepStatus::Failed { why } = e.status("flip").unwrap().clone() else {
        panic!("{}", status_word(&e, "flip"))
    };
    assert!(why.contains("PREDICTED") && why.contains(RULE), "{why}");
    assert_eq!(e.steps()[0].blocking_rules, vec![RULE.to_string()]);
    e.command(
        Command::Override {
            reason: "IC approved".into(),
        },
        &mut w,
        &mut rec,
        t0(),
    )
    .unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(status_word(&e, "flip"), "done");
}

/// Issue 8 §1: a refusal that only a rule's wait period explains (the change itself
/// satisfies the rule) says "wait N s and retry", and offers no break-glass.
#[test]
fn a_wait_period_refusal_says_wait_and_retry() {
    let mut w = Fake::healthy();
    w.rule_blocks = true;
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(FLIP), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    let StepStatus::Failed { why } = e.status("flip").unwrap().clone() else {
        panic!("{}", status_word(&e, "flip"))
    };
    assert!(why.contains("wait 5 s and retry"), "{why}");
    assert!(!why.contains("break-glass"), "{why}");
    assert_eq!(
        e.command(
            Command::Override { reason: "x".into() },
            &mut w,
            &mut rec,
            t0()
        )
        .unwrap_err(),
        EngineError::Refused(Refusal::NoRuleToOverride)
    );
}

/// Found by hand and in a flaky pty test: two quick `x` presses were both computed
/// from one view as "tick item 0", so the second unticked it. The console now sends
/// `TickNext`, which the engine resolves against its own checklist.
#[test]
fn two_quick_ticks_tick_two_items_never_toggle_one_back() {
    let steps = "  - id: m\n    title: M\n    manual:\n      instructions: do it\n      checklist: [one, two]\n";
    let mut w = Fake::healthy();
    let mut rec = MemoryRecorder::default();
    let mut e = start(rb(steps), false, &mut rec);
    e.advance(&mut w, &mut rec, t0()).unwrap();
    for _ in 0..2 {
        e.command(Command::TickNext { tick: true }, &mut w, &mut rec, t0())
            .unwrap();
    }
    // A third tick with nothing left changes nothing (it never unticks).
    e.command(Command::TickNext { tick: true }, &mut w, &mut rec, t0())
        .unwrap();
    e.command(Command::Confirm { typed: None }, &mut w, &mut rec, t0())
        .unwrap();
    assert_eq!(status_word(&e, "m"), "done");
}
