//! The engine's window on the world. The integrator backs it with the AWS provider
//! (fresh targeted reads; `provider::mutate` for calls; a local runner for commands);
//! tests back it with fakes.

use crate::runbook::condition::{Facts, Probe};
use crate::runbook::plan::Mutation;
use serde::{Deserialize, Serialize};

pub trait World {
    /// Reads exactly these resources *now* (not the last poll). Anything that could
    /// not be read is left out of the facts, and so is unknown.
    fn read(&mut self, probes: &[Probe]) -> Facts;
    /// Sends one mutating call. Called only after its intent is journaled.
    // The error carries the request id, endpoint and named rules for the journal; it is
    // built once per failed call, so its size does not matter.
    #[allow(clippy::result_large_err)]
    fn perform(&mut self, call: &Mutation) -> Result<Receipt, CallError>;
    /// Fixes what a planned call leaves open until it is sent (a restore's `latest`
    /// recovery point, and the restore jobs that exist before it), by reading. Called
    /// before the intent is journaled, so the journal holds the exact call.
    #[allow(clippy::result_large_err)]
    fn pin(&mut self, call: &Mutation) -> Result<Mutation, CallError> {
        Ok(call.clone())
    }
}

/// A successful call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub request_id: Option<String>,
    /// The endpoint that answered (an ARC cluster endpoint's Region, or the RDS Region).
    pub endpoint: Option<String>,
    /// Captured output of a local command.
    pub output: Option<String>,
    /// What the call created, when the answer names it (StartRestoreJob's
    /// RestoreJobId).
    #[serde(default)]
    pub created: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallErrorKind {
    /// ARC refused: a safety rule blocked the change.
    SafetyRule,
    Throttled,
    /// No answer (every endpoint failed or timed out, or an answer was lost after
    /// sending): the call's effect is unknown until a read settles it. Journals
    /// written before the rename say `unavailable`.
    #[serde(alias = "unavailable")]
    OutcomeUnknown,
    /// The service rejected the request (validation, state).
    Rejected,
    /// A local command exited non-zero or timed out.
    CommandFailed,
    /// Read-only mode refused it before a byte was sent.
    ReadOnly,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct CallError {
    pub kind: CallErrorKind,
    pub message: String,
    pub request_id: Option<String>,
    pub endpoint: Option<String>,
    /// Safety-rule ARNs named by ARC, the only ones a break-glass override may name.
    pub blocking_rules: Vec<String>,
    pub output: Option<String>,
    /// The AWS error code of a service refusal ("ConflictException",
    /// "AccessDeniedException" …), when the service gave one.
    #[serde(default)]
    pub aws_code: Option<String>,
}

impl CallError {
    pub fn new(kind: CallErrorKind, message: impl Into<String>) -> Self {
        CallError {
            kind,
            message: message.into(),
            request_id: None,
            endpoint: None,
            blocking_rules: Vec::new(),
            output: None,
            aws_code: None,
        }
    }
}
