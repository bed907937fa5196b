//! Rebuilding an engine from a journal after a crash, kill -9 or SSH drop.

use super::status::{RunStatus, StepStatus};
use super::{Engine, EngineError, RunContext};
use crate::runbook::journal::record::{Record, Recorder};
pub use crate::runbook::journal::resume::ResumePoint;
use crate::runbook::step::Runbook;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error("the runbook changed since the run started (hash {was} → {now}); resume refused")]
    RunbookChanged { was: String, now: String },
    #[error("run {0} already ended ({1}); nothing to resume")]
    Ended(String, String),
}

impl Engine {
    /// Continues a journaled run. Finished steps stay finished, completed calls are
    /// never re-sent, and a call with an intent but no outcome is *settled* first: the
    /// engine re-reads state and asks the operator before re-sending.
    pub fn restore(
        rb: Runbook,
        ctx: RunContext,
        point: &ResumePoint,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Self, EngineError> {
        if point.hash != rb.hash {
            return Err(RestoreError::RunbookChanged {
                was: point.hash.clone(),
                now: rb.hash.clone(),
            }
            .into());
        }
        if let Some(outcome) = &point.ended {
            return Err(RestoreError::Ended(point.run_id.clone(), outcome.clone()).into());
        }
        let mut e = Engine::build(rb, ctx, point.started_at.unwrap_or(now));
        if !point.initiator.is_empty() {
            e.initiator = point.initiator.clone();
        }
        for (i, step) in e.rb.steps.iter().enumerate() {
            let st = &mut e.steps[i];
            for (c, done) in st.calls_done.iter_mut().enumerate() {
                *done = point.calls_done.contains(&(step.id.clone(), c));
            }
            // Only an attempt still open (a call whose outcome is unknown) re-sends
            // what it sent; a finished or failed attempt chooses afresh.
            for (c, sent) in st.sent.iter_mut().enumerate() {
                let key = (step.id.clone(), c);
                if point.dangling.contains(&key) {
                    *sent = point
                        .sent
                        .get(&key)
                        .filter(|m| {
                            matches!(m, crate::runbook::plan::Mutation::StartRestoreJob { .. })
                        })
                        .cloned();
                }
            }
            st.restore_job = point.restore_jobs.get(&step.id).cloned();
            st.restored_arn = point.restored.get(&step.id).cloned();
            if let Some(o) = point.overrides.get(&step.id) {
                st.overrides = o.clone();
                st.override_reason = point.override_reasons.get(&step.id).cloned();
            }
            st.status = match point.statuses.get(&step.id) {
                Some((s, _)) if s == "done" => StepStatus::Done,
                Some((s, d)) if s == "skipped" => StepStatus::Skipped {
                    reason: d.clone().unwrap_or_default(),
                },
                Some((s, d)) if s == "failed" => StepStatus::Failed {
                    why: d.clone().unwrap_or_default(),
                },
                // Every call went out and came back: only verification is left. Its
                // guards are not re-checked: they described the world before the change.
                _ if !st.calls_done.is_empty() && st.calls_done.iter().all(|d| *d) => {
                    StepStatus::Running
                }
                // Anything else in flight starts over from its gate: guards are re-read.
                _ => StepStatus::Pending,
            };
        }
        e.current = point
            .last_step
            .as_deref()
            .and_then(|id| e.rb.step_index(id))
            .or(Some(0));
        if let Some((step, call)) = point.dangling.iter().next()
            && let Some(i) = e.rb.step_index(step)
        {
            e.steps[i].status = StepStatus::Settling {
                call: *call,
                polls: 0,
            };
            e.current = Some(i);
        }
        e.run = RunStatus::Running;
        rec.record(
            now,
            Record::Resumed {
                operator: e.ctx.operator.clone(),
            },
        )?;
        Ok(e)
    }
}
