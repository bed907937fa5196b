//! The runbook execution state machine. Pure: no clock (the caller passes `now`), no
//! network, no async. It reaches the world only through [`World`] (fresh reads and
//! mutating calls) and writes every transition through a [`Recorder`], so a journal
//! line is durable before each call is sent.
//!
//! Drive it with [`Engine::advance`] (after start, and when [`Next::WakeAt`] is due)
//! and [`Engine::command`] (operator input). Both return what to wait for next.
//!
//! Seams for the console and `drconsole run`:
//! - run the engine on a blocking task (`spawn_blocking` or a thread) that owns it,
//!   a [`World`] and a [`JournalWriter`](crate::runbook::journal::JournalWriter); feed it
//!   operator [`Command`]s over a channel and publish [`Engine::view`] after each call;
//! - `World::read` does a targeted, fresh read through the provider (not the monitor's
//!   last poll) and fills [`Facts`](crate::runbook::Facts); `World::perform` calls
//!   `provider::mutate` for AWS calls and [`local_command::run`](crate::runbook::local_command::run)
//!   for `command` steps; the provider's read-only refusal maps to `CallErrorKind::ReadOnly`;
//! - before starting, take a [`RunLock`](crate::runbook::journal::RunLock); on start,
//!   offer unfinished runs ([`ResumePoint::is_unfinished`]) and continue them with
//!   [`Engine::restore`] and `JournalWriter::append`.

mod act;
mod follow;
mod follow_capacity;
pub use follow_capacity::capacity_reached;
pub mod landed;
mod operator;
mod prompt;
mod refusal;
mod restore;
mod settle;
mod status;
mod view;
mod world;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_restore;
#[cfg(test)]
mod tests_scale;

pub use follow::ENDED_BADLY as RESTORE_ENDED_BADLY;
pub use operator::{Command, EngineError, Refusal};
pub use restore::{RestoreError, ResumePoint};
pub use status::{Next, Prompt, RunStatus, StepState, StepStatus};
pub use view::{RunView, StepView};
pub use world::{CallError, CallErrorKind, Receipt, World};

use super::journal::record::{Record, RecordError, Recorder};
use super::plan::{self, Mutation};
use super::step::{OnFailure, Runbook, StepKind};
use crate::model::{Mode, SafetyRule};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A goto may re-enter a step this many times before the run stops (no endless loops).
const MAX_ENTRIES: u32 = 5;

/// Who runs the run, and how.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub run_id: String,
    /// user@host
    pub operator: String,
    pub identity: Option<String>,
    pub mode: Mode,
    pub read_only: bool,
    /// The environment's safety rules, to preview routing-control changes and explain
    /// refusals.
    pub safety_rules: Vec<SafetyRule>,
    /// Control ARN → name, for plain words.
    pub control_names: HashMap<String, String>,
    /// Region → the write-strategy caveat of each data store with a replica there,
    /// said when a step turns that Region's traffic off.
    pub write_caveats: HashMap<String, Vec<String>>,
}

impl RunContext {
    pub fn for_environment(
        env: &crate::config::Environment,
        run_id: String,
        operator: String,
        mode: Mode,
        read_only: bool,
    ) -> Self {
        RunContext {
            run_id,
            operator,
            identity: None,
            mode,
            read_only,
            safety_rules: env.arc.rules.iter().map(|r| r.rule.clone()).collect(),
            control_names: env
                .arc
                .controls
                .iter()
                .map(|c| (c.arn.clone(), c.name.clone()))
                .collect(),
            write_caveats: env
                .regions
                .iter()
                .map(|r| (r.name.clone(), env.write_caveats(&r.name)))
                .filter(|(_, c)| !c.is_empty())
                .collect(),
        }
    }
}

pub struct Engine {
    rb: Runbook,
    calls: Vec<Vec<Mutation>>,
    steps: Vec<StepState>,
    current: Option<usize>,
    run: RunStatus,
    ctx: RunContext,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    /// Who started the run (an approver must be someone else), even after a resume
    /// by another operator.
    initiator: String,
}

impl Engine {
    fn build(rb: Runbook, ctx: RunContext, started_at: DateTime<Utc>) -> Self {
        let calls: Vec<Vec<Mutation>> = rb.steps.iter().map(plan::calls).collect();
        let steps = rb
            .steps
            .iter()
            .zip(&calls)
            .map(|(s, c)| {
                let checklist = match &s.kind {
                    StepKind::Manual { checklist, .. } => checklist.len(),
                    _ => 0,
                };
                StepState::new(checklist, c.len())
            })
            .collect();
        let current = if rb.steps.is_empty() { None } else { Some(0) };
        Engine {
            rb,
            calls,
            steps,
            current,
            run: RunStatus::Running,
            started_at,
            ended_at: None,
            initiator: ctx.operator.clone(),
            ctx,
        }
    }

    /// Starts a new run: journals the run start, then nothing else until `advance`.
    pub fn start(
        rb: Runbook,
        ctx: RunContext,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Self, EngineError> {
        rec.record(
            now,
            Record::RunStart {
                run_id: ctx.run_id.clone(),
                runbook: rb.name.clone(),
                path: rb.path.as_ref().map(|p| p.display().to_string()),
                hash: rb.hash.clone(),
                params: rb.params.clone(),
                operator: ctx.operator.clone(),
                identity: ctx.identity.clone(),
                mode: ctx.mode.as_str().to_string(),
                read_only: ctx.read_only,
                rto_target_s: rb.rto.as_secs(),
            },
        )?;
        Ok(Self::build(rb, ctx, now))
    }

    pub fn runbook(&self) -> &Runbook {
        &self.rb
    }
    pub fn steps(&self) -> &[StepState] {
        &self.steps
    }
    pub fn status(&self, id: &str) -> Option<&StepStatus> {
        self.rb.step_index(id).map(|i| &self.steps[i].status)
    }
    pub fn current(&self) -> Option<usize> {
        self.current
    }
    pub fn run_status(&self) -> &RunStatus {
        &self.run
    }
    /// Call `c` of step `i` as it was sent, or as planned when it was not.
    fn call_of(&self, i: usize, c: usize) -> Option<Mutation> {
        match self.steps.get(i)?.sent.get(c) {
            Some(Some(m)) => Some(m.clone()),
            _ => self.calls.get(i)?.get(c).cloned(),
        }
    }

    /// The calls each step makes, as planned.
    pub fn planned_calls(&self, step: usize) -> &[Mutation] {
        self.calls.get(step).map(Vec::as_slice).unwrap_or_default()
    }
    /// Time since the run started (the RTO clock), and the runbook's target.
    pub fn rto_clock(&self, now: DateTime<Utc>) -> (chrono::Duration, std::time::Duration) {
        let end = self.ended_at.unwrap_or(now);
        (end - self.started_at, self.rb.rto)
    }

    /// Runs as far as possible without operator input or time passing.
    pub fn advance(
        &mut self,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Next, EngineError> {
        // Each step moves through a handful of states; bound the loop anyway.
        let bound = 16 * (self.rb.steps.len() + 1) * MAX_ENTRIES as usize;
        for _ in 0..bound {
            match &self.run {
                RunStatus::Running => {}
                RunStatus::Paused => return Ok(Next::Paused),
                RunStatus::Stopped { .. } => return Ok(Next::Stopped),
                RunStatus::Aborted { .. } | RunStatus::Completed => return Ok(Next::Finished),
            }
            let Some(i) = self.current else {
                self.finish(RunStatus::Completed, rec, now)?;
                return Ok(Next::Finished);
            };
            match self.steps[i].status.clone() {
                StepStatus::Pending => self.set(i, StepStatus::Ready, rec, now)?,
                StepStatus::Ready => self.begin(i, w, rec, now)?,
                StepStatus::Running => self.act(i, w, rec, now)?,
                StepStatus::Waiting { .. } => {
                    if let Some(at) = self.poll(i, w, rec, now)? {
                        return Ok(Next::WakeAt(at));
                    }
                }
                StepStatus::Settling { call, polls } => {
                    if let Some(at) = self.settle(i, call, polls, w, rec, now)? {
                        return Ok(Next::WakeAt(at));
                    }
                }
                StepStatus::Blocked { .. }
                | StepStatus::AwaitingConfirmation { .. }
                | StepStatus::AwaitingApproval => return Ok(Next::Operator),
                StepStatus::Done | StepStatus::Skipped { .. } => self.current = self.next_after(i),
                StepStatus::Failed { why } => self.route_failure(i, why),
            }
        }
        self.run = RunStatus::Stopped {
            step: self.current_id(),
            why: "the engine made no progress (runbook loop?)".into(),
        };
        Ok(Next::Stopped)
    }

    fn current_id(&self) -> String {
        self.current
            .and_then(|i| self.rb.steps.get(i))
            .map(|s| s.id.clone())
            .unwrap_or_default()
    }

    fn next_after(&self, i: usize) -> Option<usize> {
        (i + 1 < self.rb.steps.len()).then_some(i + 1)
    }

    /// Sets a step's status, journaling the transition when the status word changes.
    fn set(
        &mut self,
        i: usize,
        status: StepStatus,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let changed = self.steps[i].status.label() != status.label();
        if changed {
            rec.record(
                now,
                Record::Step {
                    step: self.rb.steps[i].id.clone(),
                    status: status.label().to_string(),
                    detail: status.detail(),
                },
            )?;
        }
        let st = &mut self.steps[i];
        if matches!(status, StepStatus::Ready) && st.started_at.is_none() {
            st.started_at = Some(now);
        }
        if matches!(
            status,
            StepStatus::Done | StepStatus::Failed { .. } | StepStatus::Skipped { .. }
        ) {
            st.ended_at = Some(now);
        }
        st.status = status;
        Ok(())
    }

    /// Applies the step's on_failure route once the step has failed.
    fn route_failure(&mut self, i: usize, why: String) {
        match self.rb.steps[i].on_failure.clone() {
            OnFailure::Stop => {
                self.run = RunStatus::Stopped {
                    step: self.rb.steps[i].id.clone(),
                    why,
                };
            }
            OnFailure::Continue => self.current = self.next_after(i),
            OnFailure::Goto(target) => {
                let Some(t) = self.rb.step_index(&target) else {
                    self.run = RunStatus::Stopped {
                        step: self.rb.steps[i].id.clone(),
                        why: format!("goto target `{target}` does not exist"),
                    };
                    return;
                };
                if self.steps[t].entries >= MAX_ENTRIES {
                    self.run = RunStatus::Stopped {
                        step: self.rb.steps[i].id.clone(),
                        why: format!("{why}; goto `{target}` already ran {MAX_ENTRIES} times"),
                    };
                    return;
                }
                // The target runs again unless it completed a mutation (never repeated).
                let target_mutated = self.steps[t].calls_done.iter().any(|d| *d);
                if !target_mutated {
                    self.steps[t].status = StepStatus::Pending;
                }
                // A backward jump re-runs the failed step too when the flow comes back.
                if t < i {
                    self.steps[i].status = StepStatus::Pending;
                }
                self.current = Some(t);
            }
        }
    }

    fn finish(
        &mut self,
        status: RunStatus,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let outcome = match &status {
            RunStatus::Completed => "completed".to_string(),
            RunStatus::Aborted { reason } => format!("aborted: {reason}"),
            other => format!("{other:?}"),
        };
        rec.record(now, Record::RunEnd { outcome })?;
        self.ended_at = Some(now);
        self.run = status;
        Ok(())
    }
}

impl From<RecordError> for EngineError {
    fn from(e: RecordError) -> Self {
        EngineError::Journal(e)
    }
}
