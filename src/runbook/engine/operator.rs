//! Operator commands: pause, resume, skip, abort, retry, confirm, tick, approve and
//! break-glass override. Each is journaled with who and why.

use super::Engine;
use super::landed::Landed;
use super::status::{Next, RunStatus, StepStatus};
use super::world::World;
use crate::runbook::journal::record::{Record, RecordError, Recorder};
use crate::runbook::step::StepKind;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Pause,
    Resume,
    Skip {
        reason: String,
    },
    Abort {
        reason: String,
    },
    Retry,
    /// `typed` must match the target for a typed confirm.
    Confirm {
        typed: Option<String>,
    },
    /// Ticks (or unticks) a manual step's checklist item.
    Tick {
        item: usize,
    },
    /// Ticks the first unticked item (`tick`) or unticks the last ticked one, as the
    /// engine holds them. The console sends this, not `Tick { item }`: two quick `x`
    /// presses computed from one stale view would name the same item twice and
    /// toggle it back off.
    TickNext {
        tick: bool,
    },
    /// A second operator approves an approval step.
    Approve {
        by: String,
    },
    /// Re-send a refused routing-control change overriding the rules ARC named.
    Override {
        reason: String,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Pause => "pause",
            Command::Resume => "resume",
            Command::Skip { .. } => "skip",
            Command::Abort { .. } => "abort",
            Command::Retry => "retry",
            Command::Confirm { .. } => "confirm",
            Command::Tick { .. } | Command::TickNext { .. } => "tick",
            Command::Approve { .. } => "approve",
            Command::Override { .. } => "override",
        }
    }
}

/// Why a command was refused; the run is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("`{command}` does not apply now (step is {status}, run is {run})")]
    NotNow {
        command: &'static str,
        status: String,
        run: String,
    },
    #[error("typed confirmation does not match: type `{expected}` exactly")]
    TypedMismatch { expected: String },
    #[error("a reason is required")]
    EmptyReason,
    #[error("the approver must be a different operator from the initiator ({initiator})")]
    SelfApproval { initiator: String },
    #[error("tick every checklist item first ({remaining} left)")]
    ChecklistIncomplete { remaining: usize },
    #[error("no checklist item {0}")]
    NoSuchItem(usize),
    #[error("no safety rule was named by ARC for this step; nothing to override")]
    NoRuleToOverride,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// The journal could not be written: nothing more is done.
    #[error(transparent)]
    Journal(RecordError),
    #[error(transparent)]
    Restore(#[from] super::restore::RestoreError),
}

impl Engine {
    /// Applies an operator command, then advances as far as possible.
    pub fn command(
        &mut self,
        cmd: Command,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Next, EngineError> {
        self.apply(cmd, w, rec, now)?;
        self.advance(w, rec, now)
    }

    fn refuse(&self, command: &'static str) -> EngineError {
        let status = self
            .current
            .map(|i| self.steps[i].status.label().to_string())
            .unwrap_or_else(|| "none".into());
        EngineError::Refused(Refusal::NotNow {
            command,
            status,
            run: format!("{:?}", self.run),
        })
    }

    fn operator(
        &self,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
        command: &str,
        reason: Option<String>,
    ) -> Result<(), EngineError> {
        rec.record(
            now,
            Record::Operator {
                by: self.ctx.operator.clone(),
                command: command.to_string(),
                reason,
            },
        )?;
        Ok(())
    }

    fn apply(
        &mut self,
        cmd: Command,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let live = matches!(self.run, RunStatus::Running | RunStatus::Stopped { .. });
        let name = cmd.name();
        match cmd {
            Command::Pause => {
                if self.run != RunStatus::Running {
                    return Err(self.refuse(name));
                }
                self.operator(rec, now, name, None)?;
                self.run = RunStatus::Paused;
            }
            Command::Resume => {
                if self.run != RunStatus::Paused {
                    return Err(self.refuse(name));
                }
                self.operator(rec, now, name, None)?;
                self.run = RunStatus::Running;
            }
            Command::Abort { reason } => {
                if matches!(self.run, RunStatus::Aborted { .. } | RunStatus::Completed) {
                    return Err(self.refuse(name));
                }
                let reason = if reason.trim().is_empty() {
                    "no reason given".to_string()
                } else {
                    reason
                };
                self.operator(rec, now, name, Some(reason.clone()))?;
                self.finish(RunStatus::Aborted { reason }, rec, now)?;
            }
            Command::Skip { reason } => {
                if reason.trim().is_empty() {
                    return Err(Refusal::EmptyReason.into());
                }
                let i = self.current.ok_or_else(|| self.refuse(name))?;
                if !live
                    || self.steps[i].status.is_finished()
                    || self.steps[i].status == StepStatus::Running
                {
                    return Err(self.refuse(name));
                }
                rec.record(
                    now,
                    Record::Skipped {
                        step: self.rb.steps[i].id.clone(),
                        by: self.ctx.operator.clone(),
                        reason: reason.clone(),
                    },
                )?;
                self.set(i, StepStatus::Skipped { reason }, rec, now)?;
                self.run = RunStatus::Running;
            }
            Command::Retry => {
                let i = self.current.ok_or_else(|| self.refuse(name))?;
                let retryable = matches!(
                    self.steps[i].status,
                    StepStatus::Failed { .. } | StepStatus::Blocked { .. }
                );
                if !live || !retryable {
                    return Err(self.refuse(name));
                }
                self.operator(rec, now, name, None)?;
                self.set(i, StepStatus::Ready, rec, now)?;
                self.run = RunStatus::Running;
            }
            Command::Override { reason } => {
                if reason.trim().is_empty() {
                    return Err(Refusal::EmptyReason.into());
                }
                let i = self.current.ok_or_else(|| self.refuse(name))?;
                if !live || !matches!(self.steps[i].status, StepStatus::Failed { .. }) {
                    return Err(self.refuse(name));
                }
                // Only the rules ARC itself named may be overridden.
                let rules = self.steps[i].blocking_rules.clone();
                if rules.is_empty() {
                    return Err(Refusal::NoRuleToOverride.into());
                }
                rec.record(
                    now,
                    Record::Override {
                        step: self.rb.steps[i].id.clone(),
                        by: self.ctx.operator.clone(),
                        rule_arns: rules.clone(),
                        reason: reason.clone(),
                    },
                )?;
                self.steps[i].overrides = rules;
                self.steps[i].override_reason = Some(reason);
                self.set(i, StepStatus::Ready, rec, now)?;
                self.run = RunStatus::Running;
            }
            Command::Tick { item } => {
                let i = self.current.ok_or_else(|| self.refuse(name))?;
                let slot = self.steps[i]
                    .checklist
                    .get_mut(item)
                    .ok_or(Refusal::NoSuchItem(item))?;
                *slot = !*slot;
            }
            Command::TickNext { tick } => {
                let i = self.current.ok_or_else(|| self.refuse(name))?;
                let list = &mut self.steps[i].checklist;
                let item = if tick {
                    list.iter().position(|done| !*done)
                } else {
                    list.iter().rposition(|done| *done)
                };
                if let Some(slot) = item.and_then(|n| list.get_mut(n)) {
                    *slot = tick;
                }
            }
            Command::Approve { by } => {
                let i = self.current.ok_or_else(|| self.refuse(name))?;
                if self.run != RunStatus::Running
                    || self.steps[i].status != StepStatus::AwaitingApproval
                {
                    return Err(self.refuse(name));
                }
                let initiator = &self.initiator;
                if user_of(&by) == user_of(initiator) || user_of(&by) == user_of(&self.ctx.operator)
                {
                    return Err(Refusal::SelfApproval {
                        initiator: initiator.clone(),
                    }
                    .into());
                }
                rec.record(
                    now,
                    Record::Approved {
                        step: self.rb.steps[i].id.clone(),
                        by,
                    },
                )?;
                self.set(i, StepStatus::Running, rec, now)?;
            }
            Command::Confirm { typed } => self.confirm(typed, w, rec, now)?,
        }
        Ok(())
    }

    fn confirm(
        &mut self,
        typed: Option<String>,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let i = self.current.ok_or_else(|| self.refuse("confirm"))?;
        let StepStatus::AwaitingConfirmation { prompt } = self.steps[i].status.clone() else {
            return Err(self.refuse("confirm"));
        };
        if self.run != RunStatus::Running {
            return Err(self.refuse("confirm"));
        }
        // The data-loss estimate is read again now: the dialog may have been open for minutes.
        let prompt = self.reread_data_loss(i, prompt, w);
        if let Some(expected) = &prompt.typed
            && typed.as_deref().map(str::trim) != Some(expected.as_str())
        {
            return Err(Refusal::TypedMismatch {
                expected: expected.clone(),
            }
            .into());
        }
        if matches!(self.rb.steps[i].kind, StepKind::Manual { .. }) {
            let remaining = self.steps[i].checklist.iter().filter(|t| !**t).count();
            if remaining > 0 {
                return Err(Refusal::ChecklistIncomplete { remaining }.into());
            }
        }
        rec.record(
            now,
            Record::Confirmed {
                step: self.rb.steps[i].id.clone(),
                by: self.ctx.operator.clone(),
                typed,
                prompt: prompt.summary(),
                data_loss_ms: prompt.data_loss_ms,
            },
        )?;
        self.steps[i].confirmed_by = Some(self.ctx.operator.clone());
        if prompt.resend {
            return self.confirm_resend(i, w, rec, now);
        }
        // Guards again, against a fresh read, immediately before acting.
        if self.guards_block(i, w, rec, now)? {
            return Ok(());
        }
        self.set(i, StepStatus::Running, rec, now)
    }
}

impl Engine {
    /// The operator said "re-send" a call whose outcome was unknown. What they were
    /// shown may be minutes old, so the did-it-land read and the guards are both done
    /// again now: landed since → settled as applied, nothing sent; under way → back
    /// to settling; a guard false or unknown now → blocked, nothing sent (the call
    /// stays unknown). Only then is it settled as not applied and sent again.
    fn confirm_resend(
        &mut self,
        i: usize,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let step = self.rb.steps[i].id.clone();
        let call = self.steps[i]
            .calls_done
            .iter()
            .position(|d| !d)
            .unwrap_or(0);
        let kind = self.rb.steps[i].kind.clone();
        let (fresh, created) = match self.call_of(i, call) {
            Some(m) => self.read_landed(&kind, &m, w),
            None => (Landed::Unknown("no such call".into()), None),
        };
        match fresh {
            Landed::Applied(how) => {
                rec.record(
                    now,
                    Record::Settled {
                        step,
                        call,
                        applied: true,
                        how: format!("read again at the operator's re-send: {how}"),
                        created: created.clone(),
                    },
                )?;
                self.steps[i].calls_done[call] = true;
                if created.is_some() {
                    self.steps[i].restore_job = created;
                }
                return self.set(i, StepStatus::Running, rec, now);
            }
            Landed::InProgress(_) => {
                return self.set(i, StepStatus::Settling { call, polls: 0 }, rec, now);
            }
            Landed::NotApplied(_) | Landed::Unknown(_) => {}
        }
        if self.guards_block(i, w, rec, now)? {
            return Ok(());
        }
        rec.record(
            now,
            Record::Settled {
                step,
                call,
                applied: false,
                how: format!(
                    "re-sent on the operator's word; read again then: {}",
                    fresh.how()
                ),
                created: None,
            },
        )?;
        self.set(i, StepStatus::Running, rec, now)
    }
}

fn user_of(operator: &str) -> &str {
    operator.split('@').next().unwrap_or(operator)
}
