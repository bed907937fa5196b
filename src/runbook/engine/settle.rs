//! Settling a call whose outcome is unknown (a crash, kill -9 or SSH drop between intent
//! and outcome, or a call that got no answer): re-read state before anything is re-sent.

use super::status::StepStatus;
use super::world::World;
use super::{Engine, EngineError};
use crate::runbook::condition::{Facts, FailoverPhase, Probe};
use crate::runbook::journal::record::{Record, Recorder};
use crate::runbook::plan::Mutation;
use crate::runbook::step::StepKind;
use chrono::{DateTime, Utc};

impl Engine {
    /// An intent without outcome: re-read state. Applied → record it as settled and
    /// move on; still in progress → re-read later (bounded); otherwise ask the operator
    /// before re-sending. Returns when to re-read, if waiting.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle(
        &mut self,
        i: usize,
        call: usize,
        polls: u32,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
        let kind = self.rb.steps[i].kind.clone();
        let Some(mutation) = self.calls[i].get(call).cloned() else {
            self.set(i, StepStatus::Running, rec, now)?;
            return Ok(None);
        };
        let (probes, check) = applied_probes(&kind, &mutation);
        let facts = if probes.is_empty() {
            Facts::default()
        } else {
            w.read(&probes)
        };
        let (verdict, how) = check(&facts);
        let step = self.rb.steps[i].id.clone();
        match verdict {
            Applied::Yes => {
                rec.record(
                    now,
                    Record::Settled {
                        step,
                        call,
                        applied: true,
                        how,
                    },
                )?;
                self.steps[i].calls_done[call] = true;
                self.set(i, StepStatus::Running, rec, now)?;
                Ok(None)
            }
            Applied::InProgress if polls < SETTLE_POLLS => {
                self.steps[i].status = StepStatus::Settling {
                    call,
                    polls: polls + 1,
                };
                Ok(Some(now + chrono::Duration::seconds(SETTLE_EVERY_S)))
            }
            Applied::No | Applied::InProgress | Applied::Unknown => {
                let mut prompt = self.prompt(i, w, true);
                prompt.what = format!(
                    "The outcome of {} is unknown (no answer, or an interruption). Fresh state: {how}. Re-send it?",
                    mutation.headline()
                );
                self.set(i, StepStatus::AwaitingConfirmation { prompt }, rec, now)?;
                Ok(None)
            }
        }
    }
}

/// While a change sent before a crash is visibly still in progress, re-read every
/// few seconds for up to 15 minutes before asking the operator.
const SETTLE_EVERY_S: i64 = 5;
const SETTLE_POLLS: u32 = 180;

/// Did a call sent before a crash take effect?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applied {
    Yes,
    No,
    InProgress,
    Unknown,
}

type AppliedCheck = Box<dyn Fn(&Facts) -> (Applied, String)>;

/// What to read to tell whether a call already took effect, and how to judge it.
fn applied_probes(kind: &StepKind, m: &Mutation) -> (Vec<Probe>, AppliedCheck) {
    match (kind, m) {
        (_, Mutation::UpdateRoutingControlStates { entries, .. }) => {
            let probes = entries
                .iter()
                .map(|e| Probe::Control {
                    arn: e.routing_control_arn.clone(),
                })
                .collect();
            let entries = entries.clone();
            (
                probes,
                Box::new(move |f: &Facts| {
                    let mut unknown = Vec::new();
                    let mut differ = Vec::new();
                    for e in &entries {
                        match f.controls.get(&e.routing_control_arn) {
                            None => unknown.push(e.name.clone()),
                            Some(s) if *s != e.routing_control_state => {
                                differ.push(format!("{} is {s}", e.name))
                            }
                            Some(_) => {}
                        }
                    }
                    if !differ.is_empty() {
                        (Applied::No, format!("not applied: {}", differ.join(", ")))
                    } else if !unknown.is_empty() {
                        (
                            Applied::Unknown,
                            format!("state of {} unknown", unknown.join(", ")),
                        )
                    } else {
                        (
                            Applied::Yes,
                            "every control is already in the wanted state".into(),
                        )
                    }
                }),
            )
        }
        (
            StepKind::AuroraFailover {
                database,
                to_region,
                ..
            }
            | StepKind::AuroraSwitchover {
                database,
                to_region,
                ..
            },
            _,
        ) => {
            let (db, to) = (database.clone(), to_region.clone());
            (
                vec![
                    Probe::Writer {
                        database: db.clone(),
                    },
                    Probe::Failover {
                        database: db.clone(),
                    },
                ],
                Box::new(move |f: &Facts| {
                    let busy = f.failover.get(&db).filter(|p| **p != FailoverPhase::Idle);
                    match (f.writer.get(&db), busy) {
                        (Some(w), _) if *w == to => (
                            Applied::Yes,
                            format!("the writer of {db} is already in {to}"),
                        ),
                        (w, Some(p)) => (
                            Applied::InProgress,
                            format!(
                                "a failover of {db} is {} (writer {}); re-checking",
                                p.as_str(),
                                w.map(String::as_str).unwrap_or("unknown")
                            ),
                        ),
                        (Some(w), None) => {
                            (Applied::No, format!("the writer of {db} is still in {w}"))
                        }
                        (None, None) => {
                            (Applied::Unknown, format!("the writer of {db} is unknown"))
                        }
                    }
                }),
            )
        }
        _ => (
            Vec::new(),
            Box::new(|_: &Facts| {
                (
                    Applied::Unknown,
                    "its effect cannot be read back".to_string(),
                )
            }),
        ),
    }
}
