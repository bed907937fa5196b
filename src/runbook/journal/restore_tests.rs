//! When each protected resource's restore last worked, from the run journals: the DR
//! strategy calls for restores tested on a schedule (a restore is a control-plane
//! operation, and an untested backup is a hope), and the journal is the record of
//! what was done.
//!
//! A restore counts when a run in the same mode (a twin rehearsal never vouches for a
//! live environment) ended `completed` and one of its `restore_backup` steps saw its
//! restore job COMPLETED. It is dated by that journal record. A run that restored but
//! then failed its check (or was aborted) does not count.

use super::record::{Line, Record};
use super::{read_journal, run_files};
use crate::model::Mode;
use crate::runbook::plan::Mutation;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::path::Path;

/// The restores one journal vouches for: (resource ARN, when its job completed).
pub fn from_lines(lines: &[Line], mode: Mode) -> Vec<(String, DateTime<Utc>)> {
    let same_mode = lines
        .iter()
        .any(|l| matches!(&l.record, Record::RunStart { mode: m, .. } if m == mode.as_str()));
    let completed = lines
        .iter()
        .any(|l| matches!(&l.record, Record::RunEnd { outcome } if outcome == "completed"));
    if !same_mode || !completed {
        return Vec::new();
    }
    let mut resource_of: HashMap<&str, &str> = HashMap::new();
    let mut out = Vec::new();
    for l in lines {
        match &l.record {
            Record::Intent {
                step,
                mutation: Mutation::StartRestoreJob { resource_arn, .. },
                ..
            } => {
                resource_of.insert(step, resource_arn);
            }
            Record::RestoreJob { step, status, .. } if status == "COMPLETED" => {
                if let Some(arn) = resource_of.get(step.as_str()) {
                    out.push(((*arn).to_string(), l.at));
                }
            }
            _ => {}
        }
    }
    out
}

/// What changes when a run is journaled: each journal's path, length and modification
/// time. Reading the journals again is needed only when this changed.
pub type Fingerprint = Vec<(std::path::PathBuf, u64, Option<std::time::SystemTime>)>;

pub fn fingerprint(state_dir: &Path) -> Fingerprint {
    run_files(state_dir)
        .into_iter()
        .map(|f| {
            let meta = std::fs::metadata(&f).ok();
            let len = meta.as_ref().map_or(0, std::fs::Metadata::len);
            let modified = meta.and_then(|m| m.modified().ok());
            (f, len, modified)
        })
        .collect()
}

/// Resource ARN → the latest restore of it that counts, over every journal under
/// `state_dir`. A journal that cannot be read vouches for nothing (the console lists
/// it with its reason elsewhere).
pub fn last_restores(state_dir: &Path, mode: Mode) -> HashMap<String, DateTime<Utc>> {
    let mut last: HashMap<String, DateTime<Utc>> = HashMap::new();
    for f in run_files(state_dir) {
        let Ok(j) = read_journal(&f) else { continue };
        for (arn, at) in from_lines(&j.lines, mode) {
            let e = last.entry(arn).or_insert(at);
            *e = (*e).max(at);
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    const ARN: &str = "arn:aws:rds:us-east-1:111122223333:cluster:orders-use1";

    fn line(seq: u64, min: i64, record: Record) -> Line {
        Line {
            seq,
            at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
                + chrono::Duration::minutes(min),
            record,
        }
    }

    fn run(mode: &str, job_status: &str, outcome: &str) -> Vec<Line> {
        vec![
            line(
                1,
                0,
                Record::RunStart {
                    run_id: "r".into(),
                    runbook: "Restore test".into(),
                    path: None,
                    hash: "h".into(),
                    params: BTreeMap::new(),
                    operator: "a@b".into(),
                    identity: None,
                    mode: mode.into(),
                    read_only: false,
                    rto_target_s: 60,
                },
            ),
            line(
                2,
                1,
                Record::Intent {
                    step: "restore".into(),
                    call: 0,
                    endpoint: "AWS Backup us-west-2".into(),
                    mutation: Mutation::StartRestoreJob {
                        region: "us-west-2".into(),
                        vault: "v".into(),
                        resource_arn: ARN.into(),
                        resource_type: "Aurora".into(),
                        recovery_point_arn: Some("arn:rp".into()),
                        iam_role_arn: "arn:role".into(),
                        metadata: BTreeMap::new(),
                        idempotency_token: Some("t".into()),
                        prior_jobs: Vec::new(),
                    },
                },
            ),
            line(
                3,
                25,
                Record::RestoreJob {
                    step: "restore".into(),
                    job: "J".into(),
                    status: job_status.into(),
                    detail: None,
                    created_resource_arn: None,
                },
            ),
            line(
                4,
                30,
                Record::RunEnd {
                    outcome: outcome.into(),
                },
            ),
        ]
    }

    #[test]
    fn only_a_completed_run_whose_restore_completed_in_the_same_mode_counts() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 25, 0).unwrap();
        assert_eq!(
            from_lines(&run("LIVE", "COMPLETED", "completed"), Mode::Live),
            vec![(ARN.to_string(), at)]
        );
        assert!(from_lines(&run("SIMULATED", "COMPLETED", "completed"), Mode::Live).is_empty());
        assert!(from_lines(&run("LIVE", "FAILED", "completed"), Mode::Live).is_empty());
        assert!(
            from_lines(
                &run("LIVE", "COMPLETED", "aborted: check failed"),
                Mode::Live
            )
            .is_empty()
        );
    }
}
