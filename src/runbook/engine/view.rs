//! An owned, cloneable picture of a run for the console and the headless runner:
//! render it without holding the engine.

use super::Engine;
use super::status::{RunStatus, StepStatus};
use crate::runbook::condition::{Facts, Truth};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunView {
    pub run_id: String,
    pub runbook: String,
    pub read_only: bool,
    pub run: RunStatus,
    pub current: Option<usize>,
    pub rto_elapsed_s: i64,
    pub rto_target_s: u64,
    /// When the run started and ended, on the run's clock (the RTO clock ticks from these).
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub steps: Vec<StepView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepView {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub mutating: bool,
    pub status: StepStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `Operation @ endpoint` per planned call, and whether it completed.
    pub calls: Vec<(String, bool)>,
    pub checklist: Vec<(String, bool)>,
    pub confirmed_by: Option<String>,
    /// Safety-rule ARNs ARC named in its last refusal (the only ones an override may name).
    pub blocking_rules: Vec<String>,
    /// Rules the operator overrode (break-glass) for this step.
    pub overrides: Vec<String>,
    /// The operator's typed reason for that override.
    pub override_reason: Option<String>,
}

impl Engine {
    pub fn view(&self, now: DateTime<Utc>) -> RunView {
        let (elapsed, target) = self.rto_clock(now);
        RunView {
            run_id: self.ctx.run_id.clone(),
            runbook: self.rb.name.clone(),
            read_only: self.ctx.read_only,
            run: self.run.clone(),
            current: self.current,
            rto_elapsed_s: elapsed.num_seconds(),
            rto_target_s: target.as_secs(),
            started_at: self.started_at,
            ended_at: self.ended_at,
            steps: self
                .rb
                .steps
                .iter()
                .zip(&self.steps)
                .zip(&self.calls)
                .map(|((s, st), calls)| StepView {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    kind: s.kind.name(),
                    mutating: s.kind.is_mutating(),
                    status: st.status.clone(),
                    started_at: st.started_at,
                    ended_at: st.ended_at,
                    calls: calls
                        .iter()
                        .zip(&st.calls_done)
                        .map(|(c, d)| (c.headline(), *d))
                        .collect(),
                    checklist: match &s.kind {
                        crate::runbook::step::StepKind::Manual { checklist, .. } => checklist
                            .iter()
                            .cloned()
                            .zip(st.checklist.iter().copied())
                            .collect(),
                        _ => Vec::new(),
                    },
                    confirmed_by: st.confirmed_by.clone(),
                    blocking_rules: st.blocking_rules.clone(),
                    overrides: st.overrides.clone(),
                    override_reason: st.override_reason.clone(),
                })
                .collect(),
        }
    }

    /// A step's guards judged over the given facts (the console shows them live,
    /// from the monitor's snapshot; the engine itself re-reads fresh before acting).
    pub fn guards_over(&self, step: usize, facts: &Facts) -> Vec<(String, Truth)> {
        self.rb
            .steps
            .get(step)
            .map(|s| {
                s.require
                    .iter()
                    .map(|c| (c.to_string(), c.evaluate(facts)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// True while a step waits on the operator (confirm, approval, blocked, failed).
    pub fn needs_operator(&self) -> bool {
        self.current.is_some_and(|i| {
            matches!(
                self.steps[i].status,
                StepStatus::AwaitingConfirmation { .. }
                    | StepStatus::AwaitingApproval
                    | StepStatus::Blocked { .. }
                    | StepStatus::Failed { .. }
            )
        })
    }
}
