//! Folding a run's journal into the point to resume from: which steps finished, which
//! calls completed (never to be sent again), and which intents have no outcome.

use super::record::{Line, Record};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResumePoint {
    pub run_id: String,
    pub runbook: String,
    pub path: Option<String>,
    pub hash: String,
    pub params: BTreeMap<String, String>,
    pub initiator: String,
    pub read_only: bool,
    pub started_at: Option<DateTime<Utc>>,
    /// Last journaled status word (and detail) per step id.
    pub statuses: HashMap<String, (String, Option<String>)>,
    /// The step of the most recent transition.
    pub last_step: Option<String>,
    pub calls_done: BTreeSet<(String, usize)>,
    /// Intents with no outcome (or an outcome that says no answer came) and not yet
    /// settled: their effect is unknown.
    pub dangling: BTreeSet<(String, usize)>,
    pub overrides: HashMap<String, Vec<String>>,
    /// The typed reason of each step's break-glass override.
    pub override_reasons: HashMap<String, String>,
    /// Set when the run ended (completed or aborted): nothing to resume.
    pub ended: Option<String>,
    /// The last journaled form of each call (step, call) as sent: a re-send of the
    /// same attempt sends exactly it (a restore's point and idempotency token).
    pub sent: HashMap<(String, usize), crate::runbook::plan::Mutation>,
    /// The restore job each step started, by step id.
    pub restore_jobs: HashMap<String, String>,
    /// What each step's restore job created, once it COMPLETED, by step id.
    pub restored: HashMap<String, String>,
}

impl ResumePoint {
    pub fn from_lines(lines: &[Line]) -> Self {
        let mut p = ResumePoint::default();
        for l in lines {
            match &l.record {
                Record::RunStart {
                    run_id,
                    runbook,
                    path,
                    hash,
                    params,
                    operator,
                    read_only,
                    ..
                } => {
                    p.run_id = run_id.clone();
                    p.runbook = runbook.clone();
                    p.path = path.clone();
                    p.hash = hash.clone();
                    p.params = params.clone();
                    p.initiator = operator.clone();
                    p.read_only = *read_only;
                    p.started_at = Some(l.at);
                }
                Record::Step {
                    step,
                    status,
                    detail,
                } => {
                    p.statuses
                        .insert(step.clone(), (status.clone(), detail.clone()));
                    p.last_step = Some(step.clone());
                }
                Record::Intent {
                    step,
                    call,
                    mutation,
                    ..
                } => {
                    p.dangling.insert((step.clone(), *call));
                    p.sent.insert((step.clone(), *call), mutation.clone());
                }
                // An outcome that says no answer came leaves the call unknown: only a
                // settled record (a fresh read, or the operator's word) ends that.
                Record::Outcome { unknown: true, .. } => {}
                Record::Outcome {
                    step,
                    call,
                    ok,
                    created,
                    ..
                } => {
                    p.dangling.remove(&(step.clone(), *call));
                    if *ok {
                        p.calls_done.insert((step.clone(), *call));
                    }
                    if let Some(id) = created {
                        p.restore_jobs.insert(step.clone(), id.clone());
                    }
                }
                Record::Settled {
                    step,
                    call,
                    applied,
                    created,
                    ..
                } => {
                    p.dangling.remove(&(step.clone(), *call));
                    if *applied {
                        p.calls_done.insert((step.clone(), *call));
                    }
                    if let Some(id) = created {
                        p.restore_jobs.insert(step.clone(), id.clone());
                    }
                }
                // A job that ended without a restored resource ends its attempt: the
                // call is no longer done, so a retry sends a new one (as the engine does).
                Record::RestoreJob {
                    step,
                    job,
                    status,
                    created_resource_arn,
                    ..
                } => {
                    if crate::runbook::engine::RESTORE_ENDED_BADLY.contains(&status.as_str()) {
                        p.calls_done.retain(|(s, _)| s != step);
                        p.restore_jobs.remove(step);
                        p.restored.remove(step);
                    } else {
                        p.restore_jobs.insert(step.clone(), job.clone());
                    }
                    if let Some(arn) = created_resource_arn {
                        p.restored.insert(step.clone(), arn.clone());
                    }
                }
                Record::Override {
                    step,
                    rule_arns,
                    reason,
                    ..
                } => {
                    p.overrides.insert(step.clone(), rule_arns.clone());
                    p.override_reasons.insert(step.clone(), reason.clone());
                }
                Record::RunEnd { outcome } => p.ended = Some(outcome.clone()),
                _ => {}
            }
        }
        p
    }

    /// True when the run started and has not ended.
    pub fn is_unfinished(&self) -> bool {
        self.started_at.is_some() && self.ended.is_none()
    }
}
