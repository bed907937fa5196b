//! What the console shows for each step and for the run.

use crate::runbook::plan::Mutation;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Ready,
    /// A guard failed or was unknown; or read-only mode refused the step.
    Blocked {
        guard: String,
        why: String,
    },
    AwaitingConfirmation {
        prompt: Prompt,
    },
    /// An approval step waits for a second operator.
    AwaitingApproval,
    Running,
    /// A `wait` polling its conditions, or a `pause` counting down.
    Waiting {
        deadline: DateTime<Utc>,
        next_poll: DateTime<Utc>,
        polls: u32,
        last: String,
    },
    /// On resume: a call's intent was journaled but not its outcome. State is re-read
    /// before anything is re-sent.
    Settling {
        call: usize,
        /// Re-reads so far while the change was seen still in progress.
        polls: u32,
    },
    Done,
    Failed {
        why: String,
    },
    Skipped {
        reason: String,
    },
}

impl StepStatus {
    /// The word journaled and shown.
    pub fn label(&self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Ready => "ready",
            StepStatus::Blocked { .. } => "blocked",
            StepStatus::AwaitingConfirmation { .. } => "awaiting_confirmation",
            StepStatus::AwaitingApproval => "awaiting_approval",
            StepStatus::Running => "running",
            StepStatus::Waiting { .. } => "waiting",
            StepStatus::Settling { .. } => "settling",
            StepStatus::Done => "done",
            StepStatus::Failed { .. } => "failed",
            StepStatus::Skipped { .. } => "skipped",
        }
    }

    pub fn detail(&self) -> Option<String> {
        match self {
            StepStatus::Blocked { guard, why } => Some(format!("{guard}: {why}")),
            StepStatus::AwaitingConfirmation { prompt } => Some(prompt.what.clone()),
            StepStatus::Waiting { last, .. } => Some(last.clone()),
            StepStatus::Failed { why } => Some(why.clone()),
            StepStatus::Skipped { reason } => Some(reason.clone()),
            _ => None,
        }
    }

    pub fn is_finished(&self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Skipped { .. })
    }
}

/// The confirm dialog's content, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    /// What will change.
    pub what: String,
    /// Where: Region or "ARC cluster endpoints (rotating)"; empty when no call is made.
    pub target: String,
    /// The risk, e.g. "at least ≈1.8 s of writes in us-east-1 as of 14:02:10; more if
    /// us-east-1 still accepts writes".
    pub risk: Option<String>,
    /// Safety-rule preview for routing controls.
    pub rules: Option<String>,
    /// What a typed confirm must match; `None` means a plain yes.
    pub typed: Option<String>,
    /// The calls that will be sent (headline + parameters).
    pub calls: Vec<String>,
    /// True when re-sending a call whose earlier outcome is unknown.
    pub resend: bool,
    /// Estimated data loss in ms (aurora_failover), as read fresh.
    pub data_loss_ms: Option<f64>,
    /// A break-glass override in effect for this step: which rules and the typed
    /// reason, in words. `rules` then names the rules the change violates.
    #[serde(default)]
    pub break_glass: Option<String>,
}

impl Prompt {
    pub fn summary(&self) -> String {
        let mut s = if self.target.is_empty() {
            self.what.clone()
        } else {
            format!("{} @ {}", self.what, self.target)
        };
        if let Some(r) = &self.risk {
            s.push_str(&format!("; risk: {r}"));
        }
        if let Some(r) = &self.rules {
            s.push_str(&format!("; safety rules: {r}"));
        }
        if let Some(b) = &self.break_glass {
            s.push_str(&format!("; BREAK-GLASS: {b}"));
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "run", rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Paused,
    /// Stopped on a failed step (on_failure: stop); retry or skip continues it.
    Stopped {
        step: String,
        why: String,
    },
    Aborted {
        reason: String,
    },
    Completed,
}

/// What the driver should do after a call into the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Nothing happens until the operator acts (confirm, retry, skip…).
    Operator,
    /// Call `advance` again at this time (a wait polls, a pause counts down).
    WakeAt(DateTime<Utc>),
    Paused,
    /// Stopped on a failure; the operator may retry, skip or abort.
    Stopped,
    Finished,
}

/// Per-step bookkeeping beyond the status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepState {
    pub status: StepStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub checklist: Vec<bool>,
    /// Calls of this step known to have completed (never re-sent).
    pub calls_done: Vec<bool>,
    /// Safety rules the operator chose to override (only those ARC named).
    pub overrides: Vec<String>,
    /// The typed reason of that break-glass override.
    #[serde(default)]
    pub override_reason: Option<String>,
    /// Rules ARC named in its last refusal.
    pub blocking_rules: Vec<String>,
    pub confirmed_by: Option<String>,
    pub entries: u32,
    /// Calls as sent, where sending fixed what the plan left open (a restore's point
    /// and idempotency token): a re-send of the same attempt sends exactly this.
    #[serde(default)]
    pub sent: Vec<Option<Mutation>>,
    /// The restore job a `restore_backup` step started, once known.
    #[serde(default)]
    pub restore_job: Option<String>,
    /// What that job created, once it COMPLETED (CreatedResourceArn): the only
    /// resource a `delete_restored` step may delete.
    #[serde(default)]
    pub restored_arn: Option<String>,
}

impl StepState {
    pub fn new(checklist: usize, calls: usize) -> Self {
        StepState {
            status: StepStatus::Pending,
            started_at: None,
            ended_at: None,
            checklist: vec![false; checklist],
            calls_done: vec![false; calls],
            overrides: Vec::new(),
            override_reason: None,
            blocking_rules: Vec::new(),
            confirmed_by: None,
            entries: 0,
            sent: vec![None; calls],
            restore_job: None,
            restored_arn: None,
        }
    }
}
