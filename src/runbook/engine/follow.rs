//! Following what a step started: a `restore_backup` step's restore job, and a
//! `create_db_instance` step's instance until it is available.
//!
//! A restore job: DescribeRestoreJob every
//! few seconds until it ends, with its progress and a countdown against the step's
//! timeout. Each status change is journaled. A timeout fails the step but does not
//! stop the job: the AWS Backup API has no operation to stop a restore job (its
//! StopBackupJob stops backups only, and not RDS or Aurora ones), and the console
//! says so.

use super::status::StepStatus;
use super::world::World;
use super::{Engine, EngineError};
use crate::runbook::condition::{Probe, RestoreJobSeen};
use crate::runbook::journal::record::{Record, Recorder};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How often a restore job is described. Restores take minutes to hours; this keeps
/// the countdown honest without hammering the control plane.
const EVERY_S: i64 = 10;

/// DescribeRestoreJob `Status` words that end a job (AWS Backup API reference,
/// DescribeRestoreJob: `PENDING | RUNNING | COMPLETED | ABORTED | FAILED`). Any other
/// word, known or not, is read as still under way.
const COMPLETED: &str = "COMPLETED";
pub const ENDED_BADLY: &[&str] = &["ABORTED", "FAILED"];

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// "RUNNING, 42.00% done" / "PENDING".
fn progress(j: &RestoreJobSeen) -> String {
    let status = j.status.as_deref().unwrap_or("status unknown");
    match j.percent_done.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => format!("{status}, {p} done"),
        None => status.to_string(),
    }
}

impl Engine {
    /// The restore was started (or found started): follow its job from now.
    pub(super) fn follow_restore_from(
        &mut self,
        i: usize,
        timeout: Duration,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let Some(job) = self.steps[i].restore_job.clone() else {
            let why = "the restore was sent but its job id is not known (the answer or the \
                       read that settled it did not name one): find the job in AWS Backup's \
                       restore jobs before retrying"
                .to_string();
            return self.set(i, StepStatus::Failed { why }, rec, now);
        };
        self.start_following(i, format!("restore job {job} started"), timeout, rec, now)
    }

    /// One look at the followed job. Returns when to look again, if not finished.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn follow_restore(
        &mut self,
        i: usize,
        region: &str,
        timeout: Duration,
        (deadline, next_poll, polls): (DateTime<Utc>, DateTime<Utc>, u32),
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
        if now < next_poll {
            return Ok(Some(next_poll.min(deadline)));
        }
        let Some(job) = self.steps[i].restore_job.clone() else {
            self.follow_restore_from(i, timeout, rec, now)?;
            return Ok(None);
        };
        let facts = w.read(&[Probe::RestoreJob {
            region: region.to_string(),
            id: job.clone(),
        }]);
        let seen = facts.restore_jobs.get(&job);
        let step = self.rb.steps[i].id.clone();
        let last = match (seen, facts.restore_job_errors.get(&job)) {
            (Some(j), _) => progress(j),
            (None, Some(e)) => format!("could not be read (unknown): {e}"),
            (None, None) => "could not be read (unknown)".to_string(),
        };
        let was = match &self.steps[i].status {
            StepStatus::Waiting { last, .. } => last.clone(),
            _ => String::new(),
        };
        let status_word = seen.and_then(|j| j.status.clone());
        // Journal each change of status word (not every percent).
        if let Some(word) = &status_word
            && !was.starts_with(&format!("restore job {job} {word}"))
        {
            let detail = seen.and_then(|j| match word.as_str() {
                COMPLETED => j
                    .created_resource_arn
                    .as_ref()
                    .map(|a| format!("created {a}")),
                _ => j.status_message.clone(),
            });
            rec.record(
                now,
                Record::RestoreJob {
                    step,
                    job: job.clone(),
                    status: word.clone(),
                    detail,
                    created_resource_arn: seen
                        .filter(|_| word == COMPLETED)
                        .and_then(|j| j.created_resource_arn.clone()),
                },
            )?;
        }
        match (status_word.as_deref(), seen) {
            (Some(COMPLETED), Some(j)) => {
                self.steps[i].restored_arn = j.created_resource_arn.clone();
                let created = j
                    .created_resource_arn
                    .clone()
                    .unwrap_or_else(|| "the resource AWS Backup does not name".into());
                self.steps[i].status = StepStatus::Waiting {
                    deadline,
                    next_poll,
                    polls,
                    last: format!("restore job {job} COMPLETED: created {created}"),
                };
                self.verify_then_done(i, w, rec, now)?;
                return Ok(None);
            }
            (Some(s), Some(j)) if ENDED_BADLY.contains(&s) => {
                let why = format!(
                    "restore job {job} {s}{}",
                    j.status_message
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                );
                // The job ended without a restored resource: this attempt is over, and
                // a retry starts a new one (a new point choice and token). The journal's
                // restore_job record says the same to a resume.
                self.steps[i].calls_done.iter_mut().for_each(|d| *d = false);
                self.steps[i].sent.iter_mut().for_each(|m| *m = None);
                self.steps[i].restore_job = None;
                self.set(i, StepStatus::Failed { why }, rec, now)?;
                return Ok(None);
            }
            _ => {}
        }
        let last = format!("restore job {job} {last}");
        let why = |last: &str| {
            format!(
                "timed out after {} following restore job {job} ({last}); AWS Backup has no \
                 operation to stop a restore, so it goes on: check it before retrying",
                humantime::format_duration(timeout)
            )
        };
        self.keep_following(i, last, why, (deadline, polls), rec, now)
    }

    /// Not finished after a look: fails the step with `timed_out(last)` once the
    /// deadline has passed, else records `last` and when to look again.
    pub(super) fn keep_following(
        &mut self,
        i: usize,
        last: String,
        timed_out: impl FnOnce(&str) -> String,
        (deadline, polls): (DateTime<Utc>, u32),
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
        if now >= deadline {
            let why = timed_out(&last);
            self.set(i, StepStatus::Failed { why }, rec, now)?;
            return Ok(None);
        }
        let next = (now + chrono::Duration::seconds(EVERY_S)).min(deadline);
        self.steps[i].status = StepStatus::Waiting {
            deadline,
            next_poll: next,
            polls: polls + 1,
            last,
        };
        Ok(Some(next))
    }

    /// Starts following from now: a countdown of `timeout`, first look at once.
    pub(super) fn start_following(
        &mut self,
        i: usize,
        last: String,
        timeout: Duration,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.set(
            i,
            StepStatus::Waiting {
                deadline: now + chrono_of(timeout),
                next_poll: now,
                polls: 0,
                last,
            },
            rec,
            now,
        )
    }
}

/// DBInstanceStatus words that end a creation badly (RDS user guide, "Viewing Amazon
/// RDS DB instance status"): `failed`, the `incompatible-…` family,
/// `inaccessible-encryption-credentials…`, `storage-full`, and `deleting`. Any other
/// word, known or not, is read as still under way.
fn instance_failed(status: &str) -> bool {
    status == "failed"
        || status == "storage-full"
        || status == "deleting"
        || status.starts_with("incompatible-")
        || status.starts_with("inaccessible-encryption-credentials")
}

impl Engine {
    /// The instance was created (or found created): wait for `available` from now.
    pub(super) fn follow_instance_from(
        &mut self,
        i: usize,
        instance: &str,
        timeout: Duration,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let last = format!("DB instance {instance} requested");
        self.start_following(i, last, timeout, rec, now)
    }

    /// One look at the instance a `create_db_instance` step created.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn follow_instance(
        &mut self,
        i: usize,
        region: &str,
        instance: &str,
        timeout: Duration,
        (deadline, next_poll, polls): (DateTime<Utc>, DateTime<Utc>, u32),
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
        if now < next_poll {
            return Ok(Some(next_poll.min(deadline)));
        }
        let facts = w.read(&[Probe::DbInstance {
            region: region.to_string(),
            id: instance.to_string(),
        }]);
        let last = match (
            facts.db_instances.get(instance),
            facts.db_instance_errors.get(instance),
        ) {
            (Some(Some(s)), _) if s == "available" => {
                self.steps[i].status = StepStatus::Waiting {
                    deadline,
                    next_poll,
                    polls,
                    last: format!("DB instance {instance} available"),
                };
                self.verify_then_done(i, w, rec, now)?;
                return Ok(None);
            }
            (Some(Some(s)), _) if instance_failed(s) => {
                let why = format!("DB instance {instance} is {s}");
                self.set(i, StepStatus::Failed { why }, rec, now)?;
                return Ok(None);
            }
            (Some(Some(s)), _) => format!("DB instance {instance} {s}"),
            // Just created: RDS may not list it yet (how soon is not documented).
            (Some(None), _) => format!("DB instance {instance} not listed yet"),
            (None, Some(e)) => format!("DB instance {instance} could not be read (unknown): {e}"),
            (None, None) => format!("DB instance {instance} could not be read (unknown)"),
        };
        let why = |last: &str| {
            format!(
                "timed out after {} waiting for DB instance {instance} to be available ({last})",
                humantime::format_duration(timeout)
            )
        };
        self.keep_following(i, last, why, (deadline, polls), rec, now)
    }
}
