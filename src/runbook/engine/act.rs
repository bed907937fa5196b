//! Entering and performing a step: guards against fresh state, the confirm gate,
//! intent → call → outcome, verification, waits and pauses.

use super::refusal::RuleReading;
use super::status::StepStatus;
use super::world::{CallErrorKind, World};
use super::{Engine, EngineError};
use crate::runbook::condition::{Condition, Truth};
use crate::runbook::journal::record::{Record, Recorder};
use crate::runbook::plan::Mutation;
use crate::runbook::step::{Confirm, StepKind};
use chrono::{DateTime, Utc};

/// Reads the facts the conditions need, fresh, and judges them all.
pub(super) fn judge(w: &mut dyn World, conds: &[Condition]) -> Option<Truth> {
    if conds.is_empty() {
        return None;
    }
    let mut probes = Vec::new();
    conds.iter().for_each(|c| c.probes(&mut probes));
    let facts = w.read(&probes);
    let all = Condition::All(conds.to_vec());
    Some(all.evaluate(&facts))
}

/// How long a `wait_replication` step waits, and why, from a fresh read of the
/// recent maximum latency out of `from`; the runbook's fallback when it is unknown.
fn drain_wait(
    w: &mut dyn World,
    table: &str,
    from: &str,
    factor: u32,
    minimum: std::time::Duration,
    fallback: std::time::Duration,
) -> (std::time::Duration, String) {
    use crate::runbook::condition::Probe;
    let facts = w.read(&[Probe::TableRecentMax {
        table: table.to_string(),
        from: from.to_string(),
    }]);
    let fmt = |d: std::time::Duration| humantime::format_duration(d).to_string();
    match facts
        .table_recent_max_ms
        .get(&(table.to_string(), from.to_string()))
    {
        Some(max) => {
            let max = std::time::Duration::from_secs_f64((max / 1000.0).max(0.0));
            let len = (max * factor).max(minimum);
            let len = std::time::Duration::from_secs(len.as_secs_f64().ceil() as u64);
            (
                len,
                format!(
                    "waiting {} = max({factor} × {} recent maximum replication latency of \
                     {table} out of {from}, minimum {})",
                    fmt(len),
                    fmt(std::time::Duration::from_millis(max.as_millis() as u64)),
                    fmt(minimum)
                ),
            )
        }
        None => (
            fallback,
            format!(
                "the recent replication latency of {table} out of {from} is unknown (its \
                 Region does not answer, or published nothing): waiting the runbook's \
                 fallback {}",
                fmt(fallback)
            ),
        ),
    }
}

fn chrono_of(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Engine {
    /// `conds` with each `restore_job` bound to the job its step started in this run.
    pub(super) fn bound(&self, conds: &[Condition]) -> Vec<Condition> {
        let jobs = |step: &str| {
            let i = self.rb.step_index(step)?;
            self.steps[i].restore_job.clone()
        };
        conds.iter().map(|c| c.bind_restore_jobs(&jobs)).collect()
    }

    /// First entry into a step (or re-entry after retry): refusals, guards, the gate.
    pub(super) fn begin(
        &mut self,
        i: usize,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.steps[i].entries += 1;
        let step = self.rb.steps[i].clone();
        if step.kind.is_mutating() && self.ctx.read_only {
            return self.set(
                i,
                StepStatus::Blocked {
                    guard: "read-only mode".into(),
                    why: format!(
                        "{} changes the world; read-only mode refuses it before anything is sent",
                        step.kind.name()
                    ),
                },
                rec,
                now,
            );
        }
        if let Some(why) = self.not_restored_by_this_run(&step.kind) {
            let guard = "restored by this run".to_string();
            return self.set(i, StepStatus::Blocked { guard, why }, rec, now);
        }
        if self.guards_block(i, w, rec, now)? {
            return Ok(());
        }
        let next = match &step.kind {
            StepKind::Approval { .. } => StepStatus::AwaitingApproval,
            StepKind::Manual { .. } => StepStatus::AwaitingConfirmation {
                prompt: self.prompt(i, w, false),
            },
            // Mutating steps always confirm, whatever the struct says.
            k if k.is_mutating() || step.confirm != Confirm::None => {
                StepStatus::AwaitingConfirmation {
                    prompt: self.prompt(i, w, false),
                }
            }
            _ => StepStatus::Running,
        };
        self.set(i, next, rec, now)
    }

    /// A `delete_restored` step deletes only what its restore step created in this
    /// run: that step's job COMPLETED and named exactly this cluster. Otherwise why
    /// not (nothing is sent).
    fn not_restored_by_this_run(&self, kind: &StepKind) -> Option<String> {
        let StepKind::DeleteRestored {
            restore_step,
            region,
            name,
            ..
        } = kind
        else {
            return None;
        };
        let made = self
            .rb
            .step_index(restore_step)
            .and_then(|r| self.steps[r].restored_arn.clone());
        let expected = format!(":{region}:");
        match made {
            Some(arn) if arn.ends_with(&format!(":cluster:{name}")) && arn.contains(&expected) => {
                None
            }
            Some(arn) => Some(format!(
                "step {restore_step} of this run restored {arn}, not cluster {name} in \
                 {region}: nothing is deleted"
            )),
            None => Some(format!(
                "step {restore_step} of this run has not restored {name} (no completed \
                 restore job): delete_restored deletes only what this run restored, so \
                 nothing is deleted"
            )),
        }
    }

    /// Re-evaluates `require:` against a fresh read; blocks the step if any guard is
    /// false or unknown. Returns true when blocked.
    pub(super) fn guards_block(
        &mut self,
        i: usize,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        let require = self.bound(&self.rb.steps[i].require);
        if require.is_empty() {
            return Ok(false);
        }
        // One fresh read for all guards, so they are judged on one consistent picture.
        let mut probes = Vec::new();
        require.iter().for_each(|c| c.probes(&mut probes));
        let facts = w.read(&probes);
        for (n, guard) in require.iter().enumerate() {
            let t = guard.evaluate(&facts);
            if t.holds != Some(true) {
                let why = match t.holds {
                    None => format!("cannot be confirmed: {}", t.why),
                    _ => t.why,
                };
                self.set(
                    i,
                    StepStatus::Blocked {
                        guard: format!("require #{} ({guard})", n + 1),
                        why,
                    },
                    rec,
                    now,
                )?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Performs a step that has passed its gate.
    pub(super) fn act(
        &mut self,
        i: usize,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let kind = self.rb.steps[i].kind.clone();
        match kind {
            StepKind::Manual { .. } | StepKind::Approval { .. } => {
                self.verify_then_done(i, w, rec, now)
            }
            StepKind::Check { conditions } => match judge(w, &self.bound(&conditions)) {
                Some(t) if t.holds == Some(true) => self.verify_then_done(i, w, rec, now),
                Some(t) => {
                    let why = match t.holds {
                        None => format!("check cannot be confirmed: {}", t.why),
                        _ => format!("check failed: {}", t.why),
                    };
                    self.set(i, StepStatus::Failed { why }, rec, now)
                }
                None => self.verify_then_done(i, w, rec, now),
            },
            StepKind::Wait { timeout, .. } => self.set(
                i,
                StepStatus::Waiting {
                    deadline: now + chrono_of(timeout),
                    next_poll: now,
                    polls: 0,
                    last: "not yet read".into(),
                },
                rec,
                now,
            ),
            StepKind::WaitReplication {
                table,
                from,
                factor,
                minimum,
                fallback,
            } => {
                let (len, last) = drain_wait(w, &table, &from, factor, minimum, fallback);
                let until = now + chrono_of(len);
                self.set(
                    i,
                    StepStatus::Waiting {
                        deadline: until,
                        next_poll: until,
                        polls: 0,
                        last: format!("{last}, until {}", until.format("%H:%M:%S")),
                    },
                    rec,
                    now,
                )
            }
            StepKind::Pause { duration } => {
                let until = now + chrono_of(duration);
                self.set(
                    i,
                    StepStatus::Waiting {
                        deadline: until,
                        next_poll: until,
                        polls: 0,
                        last: format!("pausing until {}", until.format("%H:%M:%S")),
                    },
                    rec,
                    now,
                )
            }
            _ => {
                for c in 0..self.calls[i].len() {
                    if self.steps[i].calls_done[c] {
                        continue; // completed calls are never sent again
                    }
                    if !self.send(i, c, w, rec, now)? {
                        return Ok(());
                    }
                }
                match self.rb.steps[i].kind.clone() {
                    StepKind::RestoreBackup { timeout, .. } => {
                        return self.follow_restore_from(i, timeout, rec, now);
                    }
                    StepKind::CreateDbInstance {
                        instance_id,
                        timeout,
                        ..
                    } => return self.follow_instance_from(i, &instance_id, timeout, rec, now),
                    StepKind::Scale { timeout, .. } => {
                        return self.follow_capacity_from(i, timeout, rec, now);
                    }
                    _ => {}
                }
                self.verify_then_done(i, w, rec, now)
            }
        }
    }

    /// Intent (durable) → call → outcome. Returns false when the call failed.
    fn send(
        &mut self,
        i: usize,
        c: usize,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        let step = self.rb.steps[i].id.clone();
        let call = match self.steps[i].sent.get(c).cloned().flatten() {
            // A re-send of this attempt: the same point, the same token.
            Some(sent) => sent,
            None => {
                let planned = self.calls[i][c]
                    .clone()
                    .with_overrides(&self.steps[i].overrides)
                    .with_token(&self.ctx.run_id, &step, now.timestamp_millis());
                match w.pin(&planned) {
                    Ok(m) => m,
                    Err(e) => {
                        let why = format!("{} not sent: {}", planned.operation(), e.message);
                        self.set(i, StepStatus::Failed { why }, rec, now)?;
                        return Ok(false);
                    }
                }
            }
        };
        if matches!(call, Mutation::StartRestoreJob { .. })
            && let Some(slot) = self.steps[i].sent.get_mut(c)
        {
            *slot = Some(call.clone());
        }
        // If this write fails the call is not sent: nothing happens that is not journaled.
        rec.record(
            now,
            Record::Intent {
                step: step.clone(),
                call: c,
                endpoint: call.endpoint(),
                mutation: call.clone(),
            },
        )?;
        let result = w.perform(&call);
        match result {
            Ok(r) => {
                rec.record(
                    now,
                    Record::Outcome {
                        step,
                        call: c,
                        ok: true,
                        request_id: r.request_id,
                        endpoint: r.endpoint,
                        error: None,
                        blocking_rules: Vec::new(),
                        output: r.output,
                        unknown: false,
                        created: r.created.clone(),
                    },
                )?;
                self.steps[i].calls_done[c] = true;
                if r.created.is_some() {
                    self.steps[i].restore_job = r.created;
                }
                Ok(true)
            }
            Err(e) => {
                let unknown = e.kind == CallErrorKind::OutcomeUnknown;
                // A definite refusal ends the attempt: a retry chooses its point and
                // token afresh. An unknown outcome keeps them, whatever happens next
                // (a guard that blocks the re-send, a retry after that), until the
                // call is settled: a re-send is always the call first sent.
                if !unknown && let Some(slot) = self.steps[i].sent.get_mut(c) {
                    *slot = None;
                }
                rec.record(
                    now,
                    Record::Outcome {
                        step,
                        call: c,
                        ok: false,
                        request_id: e.request_id.clone(),
                        endpoint: e.endpoint.clone(),
                        error: Some(e.message.clone()),
                        blocking_rules: e.blocking_rules.clone(),
                        output: e.output.clone(),
                        unknown,
                        created: None,
                    },
                )?;
                if unknown {
                    // No answer is not a refusal: the change may have landed. Settle it by
                    // re-reading state (as after a crash) before anything is re-sent.
                    self.set(i, StepStatus::Settling { call: c, polls: 0 }, rec, now)?;
                    return Ok(false);
                }
                let why = match self.read_refusal(i, &call, &e, w) {
                    RuleReading::Named(rules) => {
                        let why = self.explain_rules(&rules, &e.message);
                        self.steps[i].blocking_rules = rules;
                        why
                    }
                    RuleReading::Predicted(rules) => {
                        let why = self.explain_predicted(&rules, &e.message);
                        self.steps[i].blocking_rules = rules;
                        why
                    }
                    RuleReading::WaitPeriod { rules, wait_ms } => {
                        self.steps[i].blocking_rules = Vec::new();
                        format!(
                            "ARC refused the change inside the wait period of safety rule {} \
                             (a recent change to a control it governs): wait {} s and retry; \
                             no override is needed. ARC said: {}",
                            rules.join(", "),
                            wait_ms.div_ceil(1000),
                            e.message
                        )
                    }
                    RuleReading::NotARule => {
                        format!("{} failed: {}", call.operation(), e.message)
                    }
                };
                self.set(i, StepStatus::Failed { why }, rec, now)?;
                Ok(false)
            }
        }
    }

    /// "ARC refused: safety rule X (arn) — at least 1 of … must be On. A break-glass
    /// override is possible with a typed reason."
    fn explain_rules(&self, arns: &[String], message: &str) -> String {
        let mut parts = Vec::new();
        for arn in arns {
            match self.ctx.safety_rules.iter().find(|r| &r.arn == arn) {
                Some(r) => {
                    let names: Vec<String> = r
                        .governed()
                        .iter()
                        .map(|a| {
                            self.ctx
                                .control_names
                                .get(a)
                                .cloned()
                                .unwrap_or_else(|| a.clone())
                        })
                        .collect();
                    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                    parts.push(format!(
                        "safety rule {} ({arn}): {}",
                        r.name,
                        r.config.describe(&refs)
                    ));
                }
                None => parts.push(format!("safety rule {arn} (not in the environment file)")),
            }
        }
        if parts.is_empty() {
            format!("ARC refused the change: {message}")
        } else {
            format!(
                "ARC refused the change: {}. A break-glass override of {} is possible with a typed reason.",
                parts.join("; "),
                if arns.len() == 1 {
                    "this rule"
                } else {
                    "these rules"
                }
            )
        }
    }

    pub(super) fn verify_then_done(
        &mut self,
        i: usize,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let verify = self.bound(&self.rb.steps[i].verify);
        match judge(w, &verify) {
            Some(t) if t.holds != Some(true) => {
                let why = match t.holds {
                    None => format!("verify cannot be confirmed: {}", t.why),
                    _ => format!("verify failed: {}", t.why),
                };
                self.set(i, StepStatus::Failed { why }, rec, now)
            }
            _ => self.set(i, StepStatus::Done, rec, now),
        }
    }

    /// A wait polls; a pause counts down. Returns when to come back, if not finished.
    pub(super) fn poll(
        &mut self,
        i: usize,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
        let StepStatus::Waiting {
            deadline,
            next_poll,
            polls,
            ..
        } = self.steps[i].status.clone()
        else {
            return Ok(None);
        };
        let kind = self.rb.steps[i].kind.clone();
        if let StepKind::RestoreBackup {
            region, timeout, ..
        } = &kind
        {
            return self.follow_restore(
                i,
                region,
                *timeout,
                (deadline, next_poll, polls),
                w,
                rec,
                now,
            );
        }
        if let StepKind::CreateDbInstance {
            region,
            instance_id,
            timeout,
            ..
        } = &kind
        {
            return self.follow_instance(
                i,
                region,
                instance_id,
                *timeout,
                (deadline, next_poll, polls),
                w,
                rec,
                now,
            );
        }
        if let StepKind::Scale {
            region,
            target,
            desired,
            timeout,
            ..
        } = &kind
        {
            return self.follow_capacity(
                i,
                (region, target, *desired),
                *timeout,
                (deadline, next_poll, polls),
                w,
                rec,
                now,
            );
        }
        let StepKind::Wait {
            until,
            poll,
            timeout,
        } = kind
        else {
            // pause
            if now >= deadline {
                self.verify_then_done(i, w, rec, now)?;
                return Ok(None);
            }
            return Ok(Some(deadline));
        };
        if now < next_poll {
            return Ok(Some(next_poll.min(deadline)));
        }
        let t = judge(w, &self.bound(&until));
        if let Some(t) = &t
            && t.holds == Some(true)
        {
            self.verify_then_done(i, w, rec, now)?;
            return Ok(None);
        }
        let last = t.map(|t| t.why).unwrap_or_default();
        if now >= deadline {
            let why = format!(
                "timed out after {}: {last}",
                humantime::format_duration(timeout)
            );
            self.set(i, StepStatus::Failed { why }, rec, now)?;
            return Ok(None);
        }
        let next = (now + chrono_of(poll)).min(deadline);
        self.steps[i].status = StepStatus::Waiting {
            deadline,
            next_poll: next,
            polls: polls + 1,
            last,
        };
        Ok(Some(next))
    }
}
