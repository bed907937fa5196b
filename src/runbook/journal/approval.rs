//! Second-operator approvals. `drconsole approve RUN`, run by another person with
//! their own AWS credentials, appends to `RUN.approvals`; the console executing the
//! run reads it and hands each valid approval to the engine.
//!
//! An approval is bound to one step and to the journal sequence number of the record
//! that put that step in `awaiting_approval`: it approves that wait and nothing else.
//! Once used, the step moves on; if it waits again (after a resume), that wait has a
//! new sequence number, so an approval already used can never approve a later wait or
//! a later step.
//!
//! Who approves is the approver's AWS caller identity (STS GetCallerIdentity with the
//! approver's own credentials), compared with the identity ARN the initiator's run
//! start recorded. `$USER@host` is shown, never trusted. On the twin every caller has
//! the twin's one simulated identity, so there the check can only compare user@host,
//! and says so.

use super::record::{Line, Record};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// user@host of the approver, as the OS reported it: shown, not trusted.
    pub by: String,
    pub at: DateTime<Utc>,
    /// The approver's AWS caller identity ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The step approved. An approval without one (an older file) approves nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The journal sequence number of the `awaiting_approval` record it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl Approval {
    /// Who approved, for the engine and the journal: the identity first.
    pub fn approver(&self) -> String {
        match &self.identity {
            Some(arn) => format!("{arn} (shown as {})", self.by),
            None => self.by.clone(),
        }
    }
}

pub fn path_for(journal: &Path) -> PathBuf {
    journal.with_extension("approvals")
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApprovalError {
    #[error("{0} started this run; a different person must approve it")]
    SelfApproval(String),
    #[error(
        "your AWS identity {0} is the one that started this run; approve with your own credentials"
    )]
    SameIdentity(String),
    #[error("this LIVE run recorded no initiator identity, so no approval can be checked")]
    NoInitiatorIdentity,
    #[error("run {0} is not journaled here")]
    NoSuchRun(String),
    #[error("run {0} is not waiting for an approval")]
    NotWaiting(String),
    #[error("{0}")]
    Io(String),
}

/// The step currently waiting for an approval, and the sequence number of the
/// record that put it there: the last `awaiting_approval` transition of a step that
/// has not moved since.
pub fn waiting(lines: &[Line]) -> Option<(String, u64)> {
    let mut last: Option<(String, u64)> = None;
    for l in lines {
        if let Record::Step { step, status, .. } = &l.record {
            if status == "awaiting_approval" {
                last = Some((step.clone(), l.seq));
            } else if last.as_ref().is_some_and(|(s, _)| s == step) {
                last = None;
            }
        }
        if matches!(l.record, Record::RunEnd { .. }) {
            last = None;
        }
    }
    last
}

/// Whether `approver` may approve a run started by `initiator` (user@host) with
/// identity `initiator_identity`. `simulated`: the twin, where everyone has the same
/// simulated identity and only user@host can be compared.
pub fn check(
    initiator: &str,
    initiator_identity: Option<&str>,
    approval: &Approval,
    simulated: bool,
) -> Result<(), ApprovalError> {
    if simulated {
        let user = |s: &str| s.split('@').next().unwrap_or(s).to_string();
        if user(initiator) == user(&approval.by) {
            return Err(ApprovalError::SelfApproval(initiator.to_string()));
        }
        return Ok(());
    }
    let Some(init) = initiator_identity.filter(|i| !i.is_empty()) else {
        return Err(ApprovalError::NoInitiatorIdentity);
    };
    match approval.identity.as_deref() {
        Some(me) if me == init => Err(ApprovalError::SameIdentity(me.to_string())),
        Some(_) => Ok(()),
        None => Err(ApprovalError::SameIdentity("unknown".into())),
    }
}

/// Appends an approval (already checked) for the run whose journal is `journal`.
pub fn append(journal: &Path, approval: &Approval) -> Result<(), ApprovalError> {
    if !journal.exists() {
        return Err(ApprovalError::NoSuchRun(journal.display().to_string()));
    }
    let io = |e: std::io::Error| ApprovalError::Io(format!("{}: {e}", path_for(journal).display()));
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path_for(journal))
        .map_err(io)?;
    let mut line = serde_json::to_string(approval).map_err(|e| ApprovalError::Io(e.to_string()))?;
    line.push('\n');
    f.write_all(line.as_bytes()).map_err(io)?;
    f.sync_data().map_err(io)?;
    Ok(())
}

/// Every whole approval line so far (a torn or foreign line is ignored).
pub fn read(journal: &Path) -> Vec<Approval> {
    std::fs::read(path_for(journal))
        .map(|t| {
            t.split(|b| *b == b'\n')
                .filter_map(|l| serde_json::from_slice(l).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `a` approves the wait of `step` that began at journal record `seq`.
pub fn answers(a: &Approval, step: &str, seq: u64) -> bool {
    a.step.as_deref() == Some(step) && a.seq == Some(seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::journal::record::Line;

    fn at() -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 4, 14, 0, 0).unwrap()
    }

    fn approval(by: &str, identity: Option<&str>) -> Approval {
        Approval {
            by: by.into(),
            at: at(),
            identity: identity.map(str::to_string),
            step: Some("gate".into()),
            seq: Some(3),
        }
    }

    #[test]
    fn live_approvals_compare_aws_identities_not_user_names() {
        let alice = "arn:aws:sts::111122223333:assumed-role/DrOperator/alice";
        let bob = "arn:aws:sts::111122223333:assumed-role/DrApprover/bob";
        // Same $USER, different identities: allowed ($USER is not trusted either way).
        assert_eq!(
            check(
                "ec2-user@a",
                Some(alice),
                &approval("ec2-user@a", Some(bob)),
                false
            ),
            Ok(())
        );
        // Different $USER, same identity: refused.
        assert!(matches!(
            check(
                "alice@a",
                Some(alice),
                &approval("bob@b", Some(alice)),
                false
            ),
            Err(ApprovalError::SameIdentity(_))
        ));
        // No identity on either side: refused on a LIVE run.
        assert_eq!(
            check("alice@a", None, &approval("bob@b", Some(bob)), false),
            Err(ApprovalError::NoInitiatorIdentity)
        );
        assert!(check("alice@a", Some(alice), &approval("bob@b", None), false).is_err());
        // The twin: one identity for all, user@host compared.
        assert!(
            check(
                "alice@a",
                Some(alice),
                &approval("alice@b", Some(alice)),
                true
            )
            .is_err()
        );
        assert!(
            check(
                "alice@a",
                Some(alice),
                &approval("bob@a", Some(alice)),
                true
            )
            .is_ok()
        );
    }

    fn step(seq: u64, step: &str, status: &str) -> Line {
        Line {
            seq,
            at: at(),
            record: Record::Step {
                step: step.into(),
                status: status.into(),
                detail: None,
            },
        }
    }

    /// An approval answers one wait of one step: after a resume the step waits again
    /// under a new sequence number, and the used approval no longer answers.
    #[test]
    fn an_approval_is_bound_to_its_step_and_wait() {
        let lines = vec![
            step(2, "gate", "pending"),
            step(3, "gate", "awaiting_approval"),
        ];
        assert_eq!(waiting(&lines), Some(("gate".into(), 3)));
        let a = approval("bob@b", None);
        assert!(answers(&a, "gate", 3));
        assert!(!answers(&a, "next", 3), "another step");
        assert!(!answers(&a, "gate", 9), "a later wait of the same step");
        let old = Approval {
            step: None,
            seq: None,
            ..a.clone()
        };
        assert!(
            !answers(&old, "gate", 3),
            "an unbound approval approves nothing"
        );
        let moved = vec![
            step(3, "gate", "awaiting_approval"),
            step(4, "gate", "running"),
        ];
        assert_eq!(waiting(&moved), None);
    }

    #[test]
    fn approvals_round_trip_and_need_a_journal() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("r.jsonl");
        std::fs::write(&j, "").unwrap();
        let a = approval("bob@a", Some("arn:x"));
        append(&j, &a).unwrap();
        // A torn tail (cut inside a multi-byte character) is ignored.
        let mut f = OpenOptions::new().append(true).open(path_for(&j)).unwrap();
        f.write_all(&"{\"by\":\"é".as_bytes()[..8]).unwrap();
        assert_eq!(read(&j), vec![a.clone()]);
        assert!(matches!(
            append(&dir.path().join("none.jsonl"), &a),
            Err(ApprovalError::NoSuchRun(_))
        ));
    }
}
