//! Publishes each transition the moment it is durable, inside an engine call.
//!
//! One engine call (`advance`, `command`) can run several transitions and, between
//! them, fresh reads and calls that may hang on a dark Region (guard reads, a call's
//! timeouts, a `command` step's program). The loop publishes the engine's view only
//! when the call returns, so the screen used to lag the journal by seconds: a confirmed
//! `sleep 20` showed "awaiting confirmation" for 20 s. Here the recorder the engine
//! writes through applies each record to the last published view right after the
//! journal has it, and publishes that, before the engine goes on to its next read.
//! The engine's own view replaces it when the call returns.

use super::recorder::DriverRecorder;
use crate::runbook::engine::{RunView, StepStatus};
use crate::runbook::journal::{Record, RecordError, Recorder};
use crate::runbook::step::{Runbook, StepKind};
use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// How long each step waits once it starts waiting (`wait` timeout, `pause` length).
pub(super) fn wait_lengths(rb: &Runbook) -> Vec<Option<(std::time::Duration, bool)>> {
    rb.steps
        .iter()
        .map(|s| match &s.kind {
            StepKind::Wait { timeout, .. } => Some((*timeout, false)),
            StepKind::Pause { duration } => Some((*duration, true)),
            // A restore follows its job for up to its timeout.
            StepKind::RestoreBackup { timeout, .. }
            | StepKind::CreateDbInstance { timeout, .. }
            | StepKind::Scale { timeout, .. } => Some((*timeout, false)),
            _ => None,
        })
        .collect()
}

/// The recorder handed to the engine: journal first, then the screen.
pub(super) struct Publishing<'a> {
    pub rec: &'a mut DriverRecorder,
    pub view: &'a watch::Sender<RunView>,
    /// Per step: wait length, and whether it is a pause (polls only at the end).
    pub waits: &'a [Option<(std::time::Duration, bool)>],
}

impl Recorder for Publishing<'_> {
    fn record(&mut self, at: DateTime<Utc>, record: Record) -> Result<(), RecordError> {
        self.rec.record(at, record.clone())?;
        let waits = self.waits;
        self.view.send_if_modified(|v| apply(v, &record, at, waits));
        Ok(())
    }
}

/// Applies one durable record to a view; true when the view changed. Only records
/// that the engine follows with more work are applied: a status that hands the run to
/// the operator (awaiting confirmation, blocked) is followed by the engine's own view
/// at once.
pub(super) fn apply(
    v: &mut RunView,
    record: &Record,
    at: DateTime<Utc>,
    waits: &[Option<(std::time::Duration, bool)>],
) -> bool {
    let Some(i) = record
        .step()
        .and_then(|id| v.steps.iter().position(|s| s.id == id))
    else {
        return false;
    };
    let step = &mut v.steps[i];
    match record {
        // Confirmed: the step is acted on now (its guards are re-read first).
        Record::Confirmed { by, .. } => {
            step.status = StepStatus::Running;
            step.confirmed_by = Some(by.clone());
        }
        Record::Outcome { call, ok: true, .. } => match step.calls.get_mut(*call) {
            Some(c) => c.1 = true,
            None => return false,
        },
        Record::Override { rule_arns, .. } => step.overrides = rule_arns.clone(),
        Record::Step { status, detail, .. } => {
            let detail = detail.clone().unwrap_or_default();
            let new = match status.as_str() {
                "pending" => StepStatus::Pending,
                "ready" => StepStatus::Ready,
                "running" => StepStatus::Running,
                "done" => StepStatus::Done,
                "awaiting_approval" => StepStatus::AwaitingApproval,
                "failed" => StepStatus::Failed { why: detail },
                "skipped" => StepStatus::Skipped { reason: detail },
                "settling" => StepStatus::Settling {
                    call: step.calls.iter().position(|c| !c.1).unwrap_or(0),
                    polls: 0,
                },
                "waiting" => {
                    let Some(Some((len, pause))) = waits.get(i) else {
                        return false;
                    };
                    let deadline =
                        at + chrono::Duration::from_std(*len).unwrap_or(chrono::Duration::MAX);
                    StepStatus::Waiting {
                        deadline,
                        next_poll: if *pause { deadline } else { at },
                        polls: 0,
                        last: detail,
                    }
                }
                // Followed by the engine's own view, with no read in between.
                _ => return false,
            };
            if matches!(new, StepStatus::Ready) && step.started_at.is_none() {
                step.started_at = Some(at);
            }
            if matches!(
                new,
                StepStatus::Done | StepStatus::Failed { .. } | StepStatus::Skipped { .. }
            ) {
                step.ended_at = Some(at);
            }
            step.status = new;
            v.current = Some(i);
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::engine::StepView;

    fn view() -> RunView {
        let step = |id: &str| StepView {
            id: id.into(),
            title: id.into(),
            kind: "command",
            mutating: true,
            status: StepStatus::Pending,
            started_at: None,
            ended_at: None,
            calls: vec![("Run sleep".into(), false)],
            checklist: Vec::new(),
            confirmed_by: None,
            blocking_rules: Vec::new(),
            overrides: Vec::new(),
            override_reason: None,
        };
        RunView {
            run_id: "r".into(),
            runbook: "rb".into(),
            read_only: false,
            run: crate::runbook::engine::RunStatus::Running,
            current: Some(0),
            rto_elapsed_s: 0,
            rto_target_s: 900,
            started_at: Utc::now(),
            ended_at: None,
            steps: vec![step("nap"), step("after")],
        }
    }

    #[test]
    fn a_confirmation_shows_running_before_anything_is_read_or_sent() {
        let mut v = view();
        let confirmed = Record::Confirmed {
            step: "nap".into(),
            by: "alice@bastion".into(),
            typed: None,
            prompt: "run sleep".into(),
            data_loss_ms: None,
        };
        assert!(apply(&mut v, &confirmed, Utc::now(), &[None, None]));
        assert_eq!(v.steps[0].status, StepStatus::Running);
        assert_eq!(v.steps[0].confirmed_by.as_deref(), Some("alice@bastion"));
    }

    #[test]
    fn the_next_step_is_current_as_soon_as_it_is_ready() {
        let mut v = view();
        let at = Utc::now();
        let rec = |step: &str, status: &str| Record::Step {
            step: step.into(),
            status: status.into(),
            detail: None,
        };
        let waits = [None, Some((std::time::Duration::from_secs(5), true))];
        assert!(apply(&mut v, &rec("nap", "done"), at, &waits));
        assert!(apply(&mut v, &rec("after", "ready"), at, &waits));
        assert_eq!(v.current, Some(1));
        assert_eq!(v.steps[0].status, StepStatus::Done);
        assert_eq!(v.steps[1].started_at, Some(at));
        assert!(apply(&mut v, &rec("after", "waiting"), at, &waits));
        assert!(
            matches!(v.steps[1].status, StepStatus::Waiting { deadline, .. } if deadline == at + chrono::Duration::seconds(5))
        );
        // Hand-overs to the operator wait for the engine's own view.
        assert!(!apply(
            &mut v,
            &rec("after", "awaiting_confirmation"),
            at,
            &waits
        ));
    }
}
