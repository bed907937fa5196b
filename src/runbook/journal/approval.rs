//! Second-operator approvals. `drconsole approve RUN`, run by another user, appends
//! to `RUN.approvals`; the console executing the run reads it and hands each approval
//! to the engine, which refuses one from the initiator.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub by: String,
    pub at: DateTime<Utc>,
}

pub fn path_for(journal: &Path) -> PathBuf {
    journal.with_extension("approvals")
}

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("{0} started this run; a different operator must approve it")]
    SelfApproval(String),
    #[error("run {0} is not journaled here")]
    NoSuchRun(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Records an approval by `by` (user@host) for the run whose journal is `journal`.
pub fn approve(
    journal: &Path,
    initiator: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), ApprovalError> {
    if !journal.exists() {
        return Err(ApprovalError::NoSuchRun(journal.display().to_string()));
    }
    let user = |s: &str| s.split('@').next().unwrap_or(s).to_string();
    if user(initiator) == user(by) {
        return Err(ApprovalError::SelfApproval(initiator.to_string()));
    }
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path_for(journal))?;
    let mut line = serde_json::to_string(&Approval {
        by: by.to_string(),
        at,
    })
    .map_err(std::io::Error::other)?;
    line.push('\n');
    f.write_all(line.as_bytes())?;
    f.sync_data()?;
    Ok(())
}

/// Every whole approval line so far (a torn last line is ignored).
pub fn read(journal: &Path) -> Vec<Approval> {
    std::fs::read_to_string(path_for(journal))
        .map(|t| {
            t.lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_user_approves_the_initiator_cannot() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("r.jsonl");
        std::fs::write(&j, "").unwrap();
        let now = Utc::now();
        assert!(matches!(
            approve(&j, "alice@a", "alice@b", now),
            Err(ApprovalError::SelfApproval(_))
        ));
        approve(&j, "alice@a", "bob@a", now).unwrap();
        assert_eq!(
            read(&j),
            vec![Approval {
                by: "bob@a".into(),
                at: now
            }]
        );
        assert!(matches!(
            approve(&dir.path().join("none.jsonl"), "a@x", "b@x", now),
            Err(ApprovalError::NoSuchRun(_))
        ));
    }
}
