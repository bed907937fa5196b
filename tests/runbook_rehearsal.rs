//! The shipped runbooks walked by the engine against the twin's world model, in
//! process, with auto-confirmation. This checks the runbooks' *semantics* (guards,
//! waits, calls) against the twin; the end state is read back from the world, not
//! from the engine. The rehearsal through the SDK and the wire is the integrator's.

use chrono::{DateTime, Duration, Utc};
use drconsole::config::Environment;
use drconsole::emulator::scenario::Scenario;
use drconsole::emulator::world::TwinWorld as Twin;
use drconsole::emulator::world::{MetricQuery, Reach};
use drconsole::model::{AlarmState, ControlState, Mode, Verdict};
use drconsole::runbook::condition::{Facts, FailoverPhase, Probe};
use drconsole::runbook::engine::{
    CallError, CallErrorKind, Command, Engine, Next, Receipt, RunContext, StepStatus, World,
};
use drconsole::runbook::journal::{MemoryRecorder, Record};
use drconsole::runbook::{Mutation, Runbook, validate};
use std::collections::BTreeMap;
use std::path::PathBuf;

struct TwinWorld {
    twin: Twin,
    env: Environment,
    sent: Vec<Mutation>,
}

impl TwinWorld {
    fn new(scenario: &str) -> Self {
        let env = Environment::builtin_default().unwrap();
        let start: DateTime<Utc> = "2026-11-27T03:00:00Z".parse().unwrap();
        let mut twin = Twin::new(&env, 7, start);
        twin.set_scenario(Scenario::load(scenario, &env).unwrap_or_else(|e| panic!("{e}")));
        // Let the scenario's first events happen.
        twin.advance_to(start + Duration::seconds(20));
        TwinWorld {
            twin,
            env,
            sent: Vec::new(),
        }
    }

    fn latest(&self, region: &str, metric: &str, dim: (&str, &str)) -> Option<f64> {
        let now = self.twin.now();
        let q = MetricQuery {
            namespace: "AWS/RDS".into(),
            metric_name: metric.into(),
            dimensions: vec![(dim.0.into(), dim.1.into())],
            start: now - Duration::seconds(60),
            end: now + Duration::seconds(1),
            period_s: 10,
            stat: "Average".into(),
        };
        self.twin.cw_metric(region, &q).values.first().copied()
    }

    /// A group's or service's capacity as the twin's world holds it, counted by the
    /// provider's own rule.
    fn capacity(
        &self,
        region: &str,
        target: &drconsole::config::CapacityTarget,
    ) -> Option<drconsole::provider::CapacityInfo> {
        use drconsole::config::CapacityTarget as T;
        match target {
            T::Asg { name } => {
                let g = self
                    .twin
                    .asg_describe(region, std::slice::from_ref(name))
                    .into_iter()
                    .next()?;
                let (in_service, warming, unhealthy) = drconsole::provider::count_asg_instances(
                    g.instances
                        .iter()
                        .map(|i| (i.lifecycle_state.as_str(), i.health_status)),
                );
                Some(drconsole::provider::CapacityInfo {
                    desired: g.desired_capacity,
                    min: Some(g.min_size),
                    max: Some(g.max_size),
                    in_service,
                    warming,
                    unhealthy,
                    status: None,
                })
            }
            T::EcsService { cluster, service } => {
                let d = self
                    .twin
                    .ecs_describe_services(region, Some(cluster), std::slice::from_ref(service))
                    .ok()?;
                let s = d.services.into_iter().next()?;
                Some(drconsole::provider::CapacityInfo {
                    desired: s.desired_count,
                    min: None,
                    max: None,
                    in_service: s.running_count,
                    warming: s.pending_count,
                    unhealthy: 0,
                    status: Some(s.status.to_string()),
                })
            }
        }
    }

    fn writer_region(&self) -> String {
        let g = &self
            .twin
            .rds_global_clusters("us-west-2", Some("orders-global"))
            .unwrap()[0];
        let w = g.members.iter().find(|m| m.is_writer).unwrap();
        w.cluster_arn.split(':').nth(3).unwrap().to_string()
    }

    fn control(&self, name: &str) -> ControlState {
        let c = self.env.control_by_name(name).unwrap();
        self.twin.arc_get(&c.arn).unwrap().state
    }
}

impl World for TwinWorld {
    /// Reads like the provider would: nothing from a Region that does not answer.
    fn read(&mut self, probes: &[Probe]) -> Facts {
        let mut f = Facts::default();
        let up = |r: &str| self.twin.region_reach(r) == Reach::Up;
        for p in probes {
            match p {
                Probe::RegionHealth { region } if up(region) => {
                    let names = self
                        .env
                        .region(region)
                        .map(|r| r.alarms.clone())
                        .unwrap_or_default();
                    let states: Vec<AlarmState> = self
                        .twin
                        .cw_alarms(region, &names)
                        .iter()
                        .map(|a| a.state)
                        .collect();
                    let v = if states.contains(&AlarmState::Alarm) {
                        Verdict::Impaired
                    } else if states.iter().all(|s| *s == AlarmState::Ok) {
                        Verdict::Healthy
                    } else {
                        Verdict::Degraded
                    };
                    f.region_health.insert(region.clone(), v);
                }
                Probe::Lag { database, region } | Probe::RpoLag { database, region }
                    if up(region) =>
                {
                    let rpo = matches!(p, Probe::RpoLag { .. });
                    let value = match self.env.aurora(database) {
                        Some(db) => {
                            let m = db.members.iter().find(|m| &m.region == region).unwrap();
                            let metric = if rpo {
                                "AuroraGlobalDBRPOLag"
                            } else {
                                "AuroraGlobalDBReplicationLag"
                            };
                            self.latest(region, metric, ("DBClusterIdentifier", m.cluster_id()))
                        }
                        None => {
                            let pair = self
                                .env
                                .replicas
                                .iter()
                                .find(|r| &r.name == database)
                                .unwrap();
                            self.latest(
                                region,
                                "ReplicaLag",
                                ("DBInstanceIdentifier", &pair.replica.instance_id),
                            )
                            .filter(|s| *s >= 0.0)
                            .map(|s| s * 1000.0)
                        }
                    };
                    if let Some(v) = value {
                        let map = if rpo {
                            &mut f.rpo_lag_ms
                        } else {
                            &mut f.lag_ms
                        };
                        map.insert((database.clone(), region.clone()), v);
                    }
                }
                Probe::Writer { database } | Probe::Failover { database } => {
                    let db = self.env.aurora(database).unwrap();
                    let g = &self
                        .twin
                        .rds_global_clusters("us-west-2", Some(&db.global_cluster_id))
                        .unwrap()[0];
                    if let Some(w) = g.members.iter().find(|m| m.is_writer) {
                        f.writer.insert(
                            database.clone(),
                            w.cluster_arn.split(':').nth(3).unwrap().into(),
                        );
                    }
                    let phase = match &g.failover {
                        None => Some(FailoverPhase::Idle),
                        Some(fo) => FailoverPhase::parse(&fo.status),
                    };
                    if let Some(p) = phase {
                        f.failover.insert(database.clone(), p);
                    }
                }
                Probe::Capacity { region, target } if up(region) => {
                    if let Some(c) = self.capacity(region, target) {
                        f.capacity.insert((region.clone(), target.clone()), c);
                    }
                }
                Probe::Control { arn } => {
                    if let Ok(c) = self.twin.arc_get(arn) {
                        f.controls.insert(arn.clone(), c.state);
                    }
                }
                Probe::Alarm { name, region } if up(region) => {
                    if let Some(a) = self
                        .twin
                        .cw_alarms(region, std::slice::from_ref(name))
                        .first()
                    {
                        f.alarms.insert(name.clone(), a.state);
                    }
                }
                _ => {}
            }
        }
        f
    }

    fn perform(&mut self, call: &Mutation) -> Result<Receipt, CallError> {
        self.sent.push(call.clone());
        let err = |m: String| CallError::new(CallErrorKind::Rejected, m);
        match call {
            Mutation::UpdateRoutingControlStates {
                entries,
                safety_rules_to_override,
            } => {
                let u: Vec<_> = entries
                    .iter()
                    .map(|e| (e.routing_control_arn.clone(), e.routing_control_state))
                    .collect();
                self.twin
                    .arc_update(&u, safety_rules_to_override)
                    .map_err(|e| err(e.to_string()))?;
            }
            Mutation::SwitchoverGlobalCluster {
                region,
                global_cluster_identifier,
                target_db_cluster_identifier,
            } => {
                self.twin
                    .rds_switchover(
                        region,
                        global_cluster_identifier,
                        target_db_cluster_identifier,
                    )
                    .map_err(|e| err(e.to_string()))?;
            }
            Mutation::FailoverGlobalCluster {
                region,
                global_cluster_identifier,
                target_db_cluster_identifier,
                allow_data_loss,
            } => {
                self.twin
                    .rds_failover(
                        region,
                        global_cluster_identifier,
                        target_db_cluster_identifier,
                        Some(*allow_data_loss),
                        None,
                    )
                    .map_err(|e| err(e.to_string()))?;
            }
            Mutation::PromoteReadReplica {
                region,
                db_instance_identifier,
                ..
            } => {
                self.twin
                    .rds_promote_read_replica(region, db_instance_identifier)
                    .map_err(|e| err(e.to_string()))?;
            }
            Mutation::UpdateAutoScalingGroup {
                region,
                auto_scaling_group_name,
                desired_capacity,
                min_size,
                max_size,
            } => {
                let change = drconsole::emulator::world::AsgSizeChange {
                    min_size: *min_size,
                    max_size: *max_size,
                    desired_capacity: Some(*desired_capacity),
                };
                self.twin
                    .asg_update(region, auto_scaling_group_name, change)
                    .map_err(|e| err(e.to_string()))?;
            }
            Mutation::UpdateService {
                region,
                cluster,
                service,
                desired_count,
            } => {
                self.twin
                    .ecs_update_service(region, Some(cluster), service, Some(*desired_count))
                    .map_err(|e| err(e.to_string()))?;
            }
            Mutation::RunCommand { .. } => {}
            // Restores are rehearsed through the SDK and the wire (tests/runbook_run.rs).
            Mutation::StartRestoreJob { .. }
            | Mutation::CreateDbInstance { .. }
            | Mutation::DeleteDbInstance { .. }
            | Mutation::DeleteDbCluster { .. } => {
                return Err(err("not modelled by this in-process rehearsal".into()));
            }
        }
        Ok(Receipt {
            request_id: Some(format!("twin-{}", self.sent.len())),
            endpoint: Some(call.endpoint()),
            output: None,
            created: None,
        })
    }
}

fn runbook(name: &str, params: &[(&str, &str)]) -> Runbook {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("runbooks")
        .join(name);
    let p: BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    validate::load(&path, &Environment::builtin_default().unwrap(), &p)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Walks a runbook to its end, confirming everything (typing the target when asked)
/// and approving as a second operator. Panics with the run's view if it stops.
fn rehearse(w: &mut TwinWorld, rb: Runbook) -> MemoryRecorder {
    let env = w.env.clone();
    let ctx = RunContext::for_environment(
        &env,
        "rehearsal".into(),
        "alice@twin".into(),
        Mode::Simulated,
        false,
    );
    let mut rec = MemoryRecorder::default();
    let now = w.twin.now();
    let mut e = Engine::start(rb, ctx, &mut rec, now).unwrap();
    let mut next = e.advance(w, &mut rec, now).unwrap();
    for _ in 0..2000 {
        let now = w.twin.now();
        next = match next {
            Next::Finished => return rec,
            Next::WakeAt(t) => {
                w.twin.advance_to(t);
                e.advance(w, &mut rec, t).unwrap()
            }
            Next::Operator => {
                let i = e.current().unwrap();
                match e.steps()[i].status.clone() {
                    StepStatus::AwaitingConfirmation { prompt } => {
                        for n in 0..e.steps()[i].checklist.len() {
                            e.command(Command::Tick { item: n }, w, &mut rec, now)
                                .unwrap();
                        }
                        e.command(
                            Command::Confirm {
                                typed: prompt.typed.clone(),
                            },
                            w,
                            &mut rec,
                            now,
                        )
                        .unwrap()
                    }
                    StepStatus::AwaitingApproval => e
                        .command(
                            Command::Approve {
                                by: "bob@twin".into(),
                            },
                            w,
                            &mut rec,
                            now,
                        )
                        .unwrap(),
                    other => panic!("{} needs an operator: {other:?}", e.runbook().steps[i].id),
                }
            }
            Next::Stopped | Next::Paused => panic!("run stopped: {:#?}", e.view(now)),
        };
    }
    panic!("the rehearsal did not finish: {:#?}", e.view(w.twin.now()));
}

#[test]
fn pilot_light_failover_on_primary_region_outage() {
    let mut w = TwinWorld::new("primary-region-outage");
    let rec = rehearse(&mut w, runbook("pilot-light-failover.yaml", &[]));
    assert_eq!(w.writer_region(), "us-west-2");
    assert_eq!(w.control("cell-us-west-2"), ControlState::On);
    assert_eq!(w.control("cell-us-east-1"), ControlState::Off);
    // The data-loss estimate shown at confirmation was journaled.
    assert!(rec.lines.iter().any(|l| matches!(&l.record, Record::Confirmed { step, data_loss_ms: Some(_), .. } if step == "db-failover")));
    assert_eq!(
        w.sent
            .iter()
            .filter(|m| m.operation() == "FailoverGlobalCluster")
            .count(),
        1
    );
}

#[test]
fn warm_standby_failover_on_primary_region_outage() {
    let mut w = TwinWorld::new("primary-region-outage");
    rehearse(&mut w, runbook("warm-standby-failover.yaml", &[]));
    assert_eq!(w.writer_region(), "us-west-2");
    assert_eq!(w.control("cell-us-west-2"), ControlState::On);
}

#[test]
fn planned_switchover_then_failback_on_a_calm_day() {
    let mut w = TwinWorld::new("calm");
    rehearse(&mut w, runbook("aurora-planned-switchover.yaml", &[]));
    assert_eq!(w.writer_region(), "us-west-2");
    assert_eq!(
        (w.control("cell-us-west-2"), w.control("cell-us-east-1")),
        (ControlState::On, ControlState::Off)
    );
    // Let the safety rule's wait period pass, then come home.
    let t = w.twin.now() + Duration::seconds(30);
    w.twin.advance_to(t);
    rehearse(&mut w, runbook("failback.yaml", &[]));
    assert_eq!(w.writer_region(), "us-east-1");
    assert_eq!(
        (w.control("cell-us-east-1"), w.control("cell-us-west-2")),
        (ControlState::On, ControlState::Off)
    );
}

#[test]
fn game_day_on_a_calm_day() {
    let mut w = TwinWorld::new("calm");
    rehearse(&mut w, runbook("game-day.yaml", &[("observe", "30s")]));
    assert_eq!(w.writer_region(), "us-west-2");
    assert_eq!(
        (w.control("cell-us-west-2"), w.control("cell-us-east-1")),
        (ControlState::On, ControlState::Off)
    );
}

#[test]
fn rds_replica_promotion_on_primary_region_outage() {
    let mut w = TwinWorld::new("primary-region-outage");
    rehearse(&mut w, runbook("rds-replica-promotion.yaml", &[]));
    let inst = &w
        .twin
        .rds_db_instances("us-west-2", Some("ledger-usw2"))
        .unwrap()[0];
    assert_eq!(
        inst.replica_source, None,
        "the replica is standalone: {inst:?}"
    );
}

/// A journal that "crashes" the console at a chosen record: the record is written
/// (durable) or not, then the write reports failure, so the engine stops right there.
struct CrashAt {
    inner: drconsole::runbook::journal::JournalWriter,
    at: fn(&Record) -> bool,
    write_hit: bool,
    crashed: bool,
}

impl drconsole::runbook::journal::Recorder for CrashAt {
    fn record(
        &mut self,
        at: DateTime<Utc>,
        r: Record,
    ) -> Result<(), drconsole::runbook::journal::RecordError> {
        if self.crashed {
            return Err(drconsole::runbook::journal::RecordError(
                "process is dead".into(),
            ));
        }
        let hit = (self.at)(&r);
        if !hit || self.write_hit {
            self.inner.record(at, r)?;
        }
        if hit {
            self.crashed = true;
            return Err(drconsole::runbook::journal::RecordError("killed".into()));
        }
        Ok(())
    }
}

/// Runs pilot light until the crash point, then resumes from the journal on disk in a
/// "new process" against the same twin, and finishes. Returns the twin world.
fn crash_and_resume(
    at: fn(&Record) -> bool,
    write_hit: bool,
) -> (TwinWorld, Vec<drconsole::runbook::journal::Line>) {
    use drconsole::runbook::journal::{JournalWriter, ResumePoint, read_journal};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs/r.jsonl");
    let mut w = TwinWorld::new("primary-region-outage");
    let rb = runbook("pilot-light-failover.yaml", &[]);
    let ctx = || {
        RunContext::for_environment(
            &w_env(),
            "r".into(),
            "alice@twin".into(),
            Mode::Simulated,
            false,
        )
    };
    let mut rec = CrashAt {
        inner: JournalWriter::create(&path).unwrap(),
        at,
        write_hit,
        crashed: false,
    };
    let now = w.twin.now();
    let mut e = Engine::start(rb.clone(), ctx(), &mut rec, now).unwrap();
    // Drive until the crash.
    let mut next = e.advance(&mut w, &mut rec, now);
    for _ in 0..200 {
        let now = w.twin.now();
        next = match next {
            Err(_) => break,
            Ok(Next::WakeAt(t)) => {
                w.twin.advance_to(t);
                e.advance(&mut w, &mut rec, t)
            }
            Ok(Next::Operator) => {
                let i = e.current().unwrap();
                let StepStatus::AwaitingConfirmation { prompt } = e.steps()[i].status.clone()
                else {
                    panic!()
                };
                for n in 0..e.steps()[i].checklist.len() {
                    let _ = e.command(Command::Tick { item: n }, &mut w, &mut rec, now);
                }
                e.command(
                    Command::Confirm {
                        typed: prompt.typed,
                    },
                    &mut w,
                    &mut rec,
                    now,
                )
            }
            other => panic!("finished before the crash point: {other:?}"),
        };
    }
    assert!(rec.crashed, "never reached the crash point");
    drop(e);
    // The new process: read the journal, resume, finish.
    let j = read_journal(&path).unwrap();
    let point = ResumePoint::from_lines(&j.lines);
    assert!(point.is_unfinished());
    let mut rec2 = JournalWriter::append(&path, j.last_seq()).unwrap();
    let now = w.twin.now();
    let mut e = Engine::restore(rb, ctx(), &point, &mut rec2, now).unwrap();
    let mut next = e.advance(&mut w, &mut rec2, now).unwrap();
    for _ in 0..200 {
        let now = w.twin.now();
        next = match next {
            Next::Finished => break,
            Next::WakeAt(t) => {
                w.twin.advance_to(t);
                e.advance(&mut w, &mut rec2, t).unwrap()
            }
            Next::Operator => {
                let i = e.current().unwrap();
                let StepStatus::AwaitingConfirmation { prompt } = e.steps()[i].status.clone()
                else {
                    panic!("{:?}", e.steps()[i].status)
                };
                for n in 0..e.steps()[i].checklist.len() {
                    e.command(Command::Tick { item: n }, &mut w, &mut rec2, now)
                        .unwrap();
                }
                e.command(
                    Command::Confirm {
                        typed: prompt.typed,
                    },
                    &mut w,
                    &mut rec2,
                    now,
                )
                .unwrap()
            }
            other => panic!("resumed run stopped: {other:?} {:#?}", e.view(now)),
        };
    }
    assert_eq!(next, Next::Finished);
    let lines = read_journal(&path).unwrap().lines;
    (w, lines)
}

fn w_env() -> Environment {
    Environment::builtin_default().unwrap()
}

fn is_failover_intent(r: &Record) -> bool {
    matches!(r, Record::Intent { step, .. } if step == "db-failover")
}

fn is_failover_outcome(r: &Record) -> bool {
    matches!(r, Record::Outcome { step, .. } if step == "db-failover")
}

#[test]
fn killed_after_the_failover_was_sent_resumes_without_resending() {
    // Killed after the call was sent, before its outcome reached the disk.
    let (w, lines) = crash_and_resume(is_failover_outcome, false);
    let failovers = w
        .sent
        .iter()
        .filter(|m| m.operation() == "FailoverGlobalCluster")
        .count();
    assert_eq!(failovers, 1, "sent twice: {:?}", w.sent);
    assert_eq!(w.writer_region(), "us-west-2");
    assert_eq!(w.control("cell-us-west-2"), ControlState::On);
    assert!(lines.iter().any(|l| matches!(&l.record, Record::Settled { applied: true, step, .. } if step == "db-failover")));
}

#[test]
fn killed_between_intent_and_send_reads_state_then_sends_once_on_confirmation() {
    // Killed after the intent was durable, before the call was sent.
    let (w, lines) = crash_and_resume(is_failover_intent, true);
    let failovers = w
        .sent
        .iter()
        .filter(|m| m.operation() == "FailoverGlobalCluster")
        .count();
    assert_eq!(failovers, 1, "{:?}", w.sent);
    assert_eq!(w.writer_region(), "us-west-2");
    assert!(lines.iter().any(|l| matches!(&l.record, Record::Settled { applied: false, step, .. } if step == "db-failover")));
    // The earlier steps' confirmations are not asked again; the resend is confirmed anew.
    let confirms = lines
        .iter()
        .filter(|l| matches!(&l.record, Record::Confirmed { step, .. } if step == "db-failover"))
        .count();
    assert_eq!(confirms, 2);
}

#[test]
fn killed_after_the_outcome_was_journaled_resumes_past_the_step() {
    // The failover's outcome is on disk, but not the step's `done`: the guards (which
    // described the world before the change) are not re-checked, nothing is re-sent.
    let (w, lines) = crash_and_resume(is_failover_outcome, true);
    let failovers = w
        .sent
        .iter()
        .filter(|m| m.operation() == "FailoverGlobalCluster")
        .count();
    assert_eq!(failovers, 1, "{:?}", w.sent);
    assert_eq!(w.writer_region(), "us-west-2");
    assert!(!lines.iter().any(|l| matches!(&l.record, Record::Step { step, status, .. } if step == "db-failover" && status == "blocked")));
}
