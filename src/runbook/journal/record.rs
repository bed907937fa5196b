//! One journal line: what happened, when, in which run. The schema is the contract
//! between the writer, the reader, resume and `journal export`.

use crate::runbook::plan::Mutation;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub seq: u64,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub record: Record,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    RunStart {
        run_id: String,
        runbook: String,
        path: Option<String>,
        hash: String,
        params: BTreeMap<String, String>,
        /// user@host
        operator: String,
        /// Caller identity ARN (STS), when known.
        identity: Option<String>,
        /// SIMULATED or LIVE.
        mode: String,
        read_only: bool,
        rto_target_s: u64,
    },
    Resumed {
        operator: String,
    },
    /// A step's status changed.
    Step {
        step: String,
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// Written (and fsynced) before a mutating call is sent.
    Intent {
        step: String,
        call: usize,
        endpoint: String,
        mutation: Mutation,
    },
    /// Written after the call returned (success or error).
    Outcome {
        step: String,
        call: usize,
        ok: bool,
        request_id: Option<String>,
        /// The endpoint that answered (ARC rotates through five).
        endpoint: Option<String>,
        error: Option<String>,
        /// Safety-rule ARNs ARC named when it refused.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        blocking_rules: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
        /// No answer came (a timeout, reset or unreadable reply after sending): the
        /// call may have landed. The call stays unknown, on resume too, until a
        /// `settled` record says what a fresh read showed.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unknown: bool,
        /// What the call created (a restore job id), when the answer named it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        created: Option<String>,
    },
    /// An intent whose outcome was unknown (no outcome, or one with `unknown`),
    /// settled by re-reading state.
    Settled {
        step: String,
        call: usize,
        applied: bool,
        how: String,
        /// What the settled call created (a restore job id), when the read showed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        created: Option<String>,
    },
    /// A followed restore job changed status (DescribeRestoreJob).
    RestoreJob {
        step: String,
        job: String,
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// On COMPLETED: the resource the restore created (CreatedResourceArn).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        created_resource_arn: Option<String>,
    },
    Confirmed {
        step: String,
        by: String,
        typed: Option<String>,
        /// What the operator was shown (what, where, risk).
        prompt: String,
        /// RPO lag read fresh at confirmation (data-loss estimate), in ms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data_loss_ms: Option<f64>,
    },
    Skipped {
        step: String,
        by: String,
        reason: String,
    },
    Override {
        step: String,
        by: String,
        rule_arns: Vec<String>,
        reason: String,
    },
    Approved {
        step: String,
        by: String,
    },
    /// pause, resume, retry, abort.
    Operator {
        by: String,
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    RunEnd {
        outcome: String,
    },
}

impl Record {
    pub fn step(&self) -> Option<&str> {
        match self {
            Record::Step { step, .. }
            | Record::Intent { step, .. }
            | Record::Outcome { step, .. }
            | Record::Settled { step, .. }
            | Record::RestoreJob { step, .. }
            | Record::Confirmed { step, .. }
            | Record::Skipped { step, .. }
            | Record::Override { step, .. }
            | Record::Approved { step, .. } => Some(step),
            _ => None,
        }
    }
}

/// Where records go. The journal writer fsyncs each one; tests collect them.
pub trait Recorder {
    fn record(&mut self, at: DateTime<Utc>, record: Record) -> Result<(), RecordError>;
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("journal write failed: {0}")]
pub struct RecordError(pub String);

/// An in-memory recorder (tests, dry walks).
#[derive(Debug, Default, Clone)]
pub struct MemoryRecorder {
    pub lines: Vec<Line>,
}

impl Recorder for MemoryRecorder {
    fn record(&mut self, at: DateTime<Utc>, record: Record) -> Result<(), RecordError> {
        let seq = self.lines.len() as u64 + 1;
        self.lines.push(Line { seq, at, record });
        Ok(())
    }
}
