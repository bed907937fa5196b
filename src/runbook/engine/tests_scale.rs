//! The `scale` step and the `capacity` condition against a fake Auto Scaling / ECS:
//! one call through the choke point, then the capacity followed until what was asked
//! serves; a lost answer or a kill between intent and outcome is settled by reading
//! the desired capacity, never by a second call.

use super::*;
use crate::config::{CapacityTarget, Environment};
use crate::model::Verdict;
use crate::provider::CapacityInfo;
use crate::runbook::condition::{Condition, Facts, Probe};
use crate::runbook::journal::{MemoryRecorder, ResumePoint};
use crate::runbook::validate;
use chrono::TimeZone;
use std::collections::{BTreeMap, HashMap};

fn env() -> Environment {
    Environment::builtin_default().unwrap()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 3, 0, 0).unwrap()
}

fn secs(s: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::seconds(s)
}

fn book(steps: &str) -> Runbook {
    let text = format!("name: t\nenvironment: orders-prod\nrto: 2h\nsteps:\n{steps}");
    validate::parse(&text, "t.yaml", &env(), &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}"))
}

fn book_err(steps: &str) -> String {
    let text = format!("name: t\nenvironment: orders-prod\nrto: 2h\nsteps:\n{steps}");
    match validate::parse(&text, "t.yaml", &env(), &BTreeMap::new()) {
        Ok(_) => panic!("accepted:\n{steps}"),
        Err(e) => e.to_string(),
    }
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

const SCALE: &str = "  - id: scale\n    title: Scale out\n    scale: { asg: orders-web-usw2, region: us-west-2, desired: production, timeout: 10m }\n";

fn web() -> (String, CapacityTarget) {
    (
        "us-west-2".to_string(),
        CapacityTarget::Asg {
            name: "orders-web-usw2".into(),
        },
    )
}

/// Auto Scaling and ECS as the test sets them.
struct Fleet {
    groups: HashMap<(String, CapacityTarget), CapacityInfo>,
    sent: Vec<Mutation>,
    /// The next call lands but its answer never arrives.
    lose_answer: bool,
    /// Reads of capacity fail.
    dark: bool,
}

fn info(desired: u32, in_service: u32, warming: u32) -> CapacityInfo {
    CapacityInfo {
        desired,
        min: Some(0),
        max: Some(12),
        in_service,
        warming,
        unhealthy: 0,
        status: None,
    }
}

impl Fleet {
    fn new() -> Self {
        let mut groups = HashMap::new();
        groups.insert(web(), info(0, 0, 0));
        Fleet {
            groups,
            sent: Vec::new(),
            lose_answer: false,
            dark: false,
        }
    }

    fn set(&mut self, in_service: u32, warming: u32) {
        let g = self.groups.get_mut(&web()).unwrap();
        g.in_service = in_service;
        g.warming = warming;
    }
}

impl World for Fleet {
    fn read(&mut self, probes: &[Probe]) -> Facts {
        let mut f = Facts::default();
        f.region_health.insert("us-west-2".into(), Verdict::Healthy);
        for p in probes {
            if let Probe::Capacity { region, target } = p {
                let key = (region.clone(), target.clone());
                match self.groups.get(&key) {
                    Some(c) if !self.dark => {
                        f.capacity.insert(key, c.clone());
                    }
                    _ => {
                        f.capacity_errors
                            .insert(key, "timed out: no answer within 12000 ms".into());
                    }
                }
            }
        }
        f
    }

    fn perform(&mut self, call: &Mutation) -> Result<Receipt, CallError> {
        self.sent.push(call.clone());
        let ask = call.scale_ask().expect("only scaling calls here");
        let g = self
            .groups
            .entry((ask.region, ask.target))
            .or_insert(info(0, 0, 0));
        g.desired = ask.desired;
        if self.lose_answer {
            self.lose_answer = false;
            return Err(CallError::new(
                CallErrorKind::OutcomeUnknown,
                "no answer within the timeout",
            ));
        }
        Ok(Receipt {
            request_id: Some("req".into()),
            endpoint: Some(call.endpoint()),
            output: None,
            created: None,
        })
    }
}

fn started(w: &mut Fleet, rec: &mut MemoryRecorder, steps: &str) -> Engine {
    let mut e = Engine::start(book(steps), ctx(), rec, t0()).unwrap();
    assert_eq!(e.advance(w, rec, t0()).unwrap(), Next::Operator);
    let StepStatus::AwaitingConfirmation { prompt } = e.status("scale").unwrap().clone() else {
        panic!("a scale step confirms")
    };
    let risk = prompt.risk.unwrap_or_default();
    assert!(risk.contains("control-plane call"), "{risk}");
    e.command(Command::Confirm { typed: None }, w, rec, t0())
        .unwrap();
    e
}

fn waiting_text(e: &Engine) -> String {
    match e.status("scale").unwrap() {
        StepStatus::Waiting { last, .. } => last.clone(),
        other => panic!("not following: {other:?}"),
    }
}

#[test]
fn scale_sets_desired_to_production_and_waits_until_it_serves() {
    let mut w = Fleet::new();
    let mut rec = MemoryRecorder::default();
    let mut e = started(&mut w, &mut rec, SCALE);
    assert_eq!(
        w.sent,
        vec![Mutation::UpdateAutoScalingGroup {
            region: "us-west-2".into(),
            auto_scaling_group_name: "orders-web-usw2".into(),
            desired_capacity: 6,
            min_size: None,
            max_size: None,
        }],
        "`production` is the environment's need for that group"
    );
    w.set(2, 4);
    assert_eq!(
        e.advance(&mut w, &mut rec, secs(10)).unwrap(),
        Next::WakeAt(secs(20))
    );
    let text = waiting_text(&e);
    assert!(
        text.contains("2 of 6 instances in service, 4 warming up"),
        "{text}"
    );
    w.set(6, 0);
    assert_eq!(
        e.advance(&mut w, &mut rec, secs(20)).unwrap(),
        Next::Finished
    );
    assert_eq!(e.status("scale").unwrap().label(), "done");
    assert_eq!(w.sent.len(), 1);
}

#[test]
fn capacity_that_never_comes_times_out_and_says_aws_goes_on_scaling() {
    let mut w = Fleet::new();
    let mut rec = MemoryRecorder::default();
    let mut e = started(&mut w, &mut rec, SCALE);
    w.set(1, 5);
    e.advance(&mut w, &mut rec, secs(11 * 60)).unwrap();
    let StepStatus::Failed { why } = e.status("scale").unwrap() else {
        panic!("{:?}", e.status("scale"))
    };
    assert!(why.contains("timed out after 10m"), "{why}");
    assert!(why.contains("AWS goes on scaling"), "{why}");
}

#[test]
fn an_unreadable_group_is_unknown_not_done() {
    let mut w = Fleet::new();
    let mut rec = MemoryRecorder::default();
    let mut e = started(&mut w, &mut rec, SCALE);
    w.set(6, 0);
    w.dark = true;
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    let text = waiting_text(&e);
    assert!(text.contains("could not be read (unknown)"), "{text}");
    w.dark = false;
    e.advance(&mut w, &mut rec, secs(20)).unwrap();
    assert_eq!(e.status("scale").unwrap().label(), "done");
}

#[test]
fn a_lost_scale_answer_is_settled_by_reading_desired_and_never_resent() {
    let mut w = Fleet::new();
    w.lose_answer = true;
    let mut rec = MemoryRecorder::default();
    let mut e = started(&mut w, &mut rec, SCALE);
    assert!(
        rec.lines.iter().any(|l| matches!(
            &l.record,
            Record::Settled { applied: true, how, .. } if how.contains("has desired 6")
        )),
        "{:#?}",
        rec.lines
    );
    w.set(6, 0);
    e.advance(&mut w, &mut rec, secs(10)).unwrap();
    assert_eq!(e.status("scale").unwrap().label(), "done");
    assert_eq!(w.sent.len(), 1, "never a second UpdateAutoScalingGroup");
}

#[test]
fn killed_between_intent_and_outcome_resumes_without_a_second_call() {
    let mut w = Fleet::new();
    w.lose_answer = true;
    w.dark = true;
    let mut rec = MemoryRecorder::default();
    let _ = started(&mut w, &mut rec, SCALE);
    let cut = rec
        .lines
        .iter()
        .position(|l| matches!(l.record, Record::Intent { .. }))
        .unwrap();
    let lines = rec.lines[..=cut].to_vec();
    let point = ResumePoint::from_lines(&lines);
    let mut rec = MemoryRecorder { lines };
    w.dark = false;
    let mut e = Engine::restore(book(SCALE), ctx(), &point, &mut rec, secs(60)).unwrap();
    e.advance(&mut w, &mut rec, secs(60)).unwrap();
    assert!(
        waiting_text(&e).contains("0 of 6 instances in service"),
        "{:?}",
        e.status("scale")
    );
    assert_eq!(w.sent.len(), 1, "the desired capacity read settled it");
}

#[test]
fn an_ecs_service_is_scaled_by_update_service() {
    let steps = "  - id: scale\n    title: Workers\n    scale: { ecs_service: orders-worker, region: us-west-2, desired: 4 }\n";
    let mut w = Fleet::new();
    let mut rec = MemoryRecorder::default();
    let _ = started(&mut w, &mut rec, steps);
    assert_eq!(
        w.sent,
        vec![Mutation::UpdateService {
            region: "us-west-2".into(),
            cluster: "orders-usw2".into(),
            service: "orders-worker".into(),
            desired_count: 4,
        }]
    );
}

#[test]
fn a_capacity_condition_is_true_only_when_read_and_enough_serve() {
    let c = Condition::Capacity {
        group: "web-usw2".into(),
        region: "us-west-2".into(),
        target: web().1,
        at_least: 6,
    };
    let mut f = Facts::default();
    let t = c.evaluate(&f);
    assert_eq!(t.holds, None, "{}", t.why);
    f.capacity.insert(web(), info(6, 5, 1));
    let t = c.evaluate(&f);
    assert_eq!(t.holds, Some(false), "{}", t.why);
    assert!(
        t.why.contains("5 instances in service of 6 desired"),
        "{}",
        t.why
    );
    f.capacity.insert(web(), info(6, 6, 0));
    assert_eq!(c.evaluate(&f).holds, Some(true));
}

#[test]
fn scale_and_capacity_are_checked_against_the_environment() {
    let e = book_err(
        "  - id: scale\n    title: S\n    scale: { asg: nope, region: us-west-2, desired: 2 }\n",
    );
    assert!(e.contains("Auto Scaling group `nope` in us-west-2"), "{e}");
    let e = book_err(
        "  - id: scale\n    title: S\n    scale: { ecs_service: orders-worker, region: us-west-2, desired: 2, max: 3 }\n",
    );
    assert!(e.contains("an ECS service has only a desired count"), "{e}");
    let e = book_err(
        "  - id: scale\n    title: S\n    scale: { asg: orders-web-usw2, region: us-west-2, desired: lots }\n",
    );
    assert!(e.contains("not a count"), "{e}");
    let e = book_err(
        "  - id: scale\n    title: S\n    scale: { asg: orders-web-usw2, region: us-west-2, desired: 9, max: 8 }\n",
    );
    assert!(e.contains("outside min/max"), "{e}");
    let rb = book(
        "  - id: c\n    title: C\n    check:\n      - capacity: { ecs_service: orders-worker, region: us-west-2, at_least: production }\n",
    );
    let StepKind::Check { conditions } = &rb.steps[0].kind else {
        panic!()
    };
    assert!(
        matches!(&conditions[0], Condition::Capacity { at_least: 4, group, .. } if group == "worker-usw2"),
        "{conditions:?}"
    );
}

/// The active/active example environment (a write-local global table in three Regions).
fn aa_env() -> Environment {
    Environment::parse(
        include_str!("../../../assets/active-active-env.yaml"),
        "active-active-env.yaml",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn aa_book(steps: &str) -> Runbook {
    let text = format!("name: t\nenvironment: shop-prod\nrto: 1h\nsteps:\n{steps}");
    validate::parse(&text, "t.yaml", &aa_env(), &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}"))
}

/// Replication out of us-east-1 as the test sets it: the recent maximum, or unknown.
struct Drain(Option<f64>);

impl World for Drain {
    fn read(&mut self, probes: &[Probe]) -> Facts {
        let mut f = Facts::default();
        for p in probes {
            if let (Probe::TableRecentMax { table, from }, Some(ms)) = (p, self.0) {
                f.table_recent_max_ms
                    .insert((table.clone(), from.clone()), ms);
            }
        }
        f
    }

    fn perform(&mut self, _call: &Mutation) -> Result<Receipt, CallError> {
        panic!("wait_replication sends nothing")
    }
}

const DRAIN: &str = "  - id: drain\n    title: Drain\n    wait_replication: { table: carts, from: us-east-1, factor: 10, minimum: 10s, fallback: 2m }\n";

#[test]
fn wait_replication_waits_ten_times_the_recent_maximum_or_the_fallback() {
    // Recent maximum 1.8 s: 18 s.
    let mut w = Drain(Some(1800.0));
    let mut rec = MemoryRecorder::default();
    let mut e = Engine::start(aa_book(DRAIN), ctx(), &mut rec, t0()).unwrap();
    assert_eq!(
        e.advance(&mut w, &mut rec, t0()).unwrap(),
        Next::WakeAt(secs(18))
    );
    let StepStatus::Waiting { last, .. } = e.status("drain").unwrap().clone() else {
        panic!()
    };
    assert!(last.contains("waiting 18s = max(10 × 1s 800ms"), "{last}");
    assert_eq!(
        e.advance(&mut w, &mut rec, secs(17)).unwrap(),
        Next::WakeAt(secs(18))
    );
    assert_eq!(
        e.advance(&mut w, &mut rec, secs(18)).unwrap(),
        Next::Finished
    );

    // A tiny latency still waits the minimum.
    let mut w = Drain(Some(40.0));
    let mut rec = MemoryRecorder::default();
    let mut e = Engine::start(aa_book(DRAIN), ctx(), &mut rec, t0()).unwrap();
    assert_eq!(
        e.advance(&mut w, &mut rec, t0()).unwrap(),
        Next::WakeAt(secs(10))
    );

    // The evacuated Region is dark: its metrics cannot be read; the fallback, said so.
    let mut w = Drain(None);
    let mut rec = MemoryRecorder::default();
    let mut e = Engine::start(aa_book(DRAIN), ctx(), &mut rec, t0()).unwrap();
    assert_eq!(
        e.advance(&mut w, &mut rec, t0()).unwrap(),
        Next::WakeAt(secs(120))
    );
    let StepStatus::Waiting { last, .. } = e.status("drain").unwrap().clone() else {
        panic!()
    };
    assert!(
        last.contains("is unknown") && last.contains("fallback 2m"),
        "{last}"
    );
}

#[test]
fn an_evacuation_confirm_says_what_each_store_written_there_means() {
    let steps = "  - id: evacuate\n    title: Off\n    routing_controls:\n      - { control: cell-us-east-1, state: off }\n    confirm: typed\n";
    let env = aa_env();
    let ctx =
        RunContext::for_environment(&env, "run-1".into(), "a@b".into(), Mode::Simulated, false);
    let mut w = Drain(None);
    let mut rec = MemoryRecorder::default();
    let mut e = Engine::start(aa_book(steps), ctx, &mut rec, t0()).unwrap();
    e.advance(&mut w, &mut rec, t0()).unwrap();
    let StepStatus::AwaitingConfirmation { prompt } = e.status("evacuate").unwrap().clone() else {
        panic!("{:?}", e.status("evacuate"))
    };
    assert_eq!(
        prompt.typed.as_deref(),
        Some("us-east-1"),
        "the Region switched off"
    );
    let risk = prompt.risk.unwrap_or_default();
    assert!(
        risk.contains(
            "carts (write local): concurrent writes in two Regions are resolved last-writer-wins"
        ),
        "{risk}"
    );
    assert!(risk.contains("receipts-use1 (write partitioned)"), "{risk}");
}
