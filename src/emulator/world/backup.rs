//! AWS Backup in the twin: each protected resource of the environment is backed up
//! on a schedule into its own Region's `Default` vault and each point is copied to
//! the resource's DR vault, with a realistic lag.
//!
//! Nothing is ticked: the points and copy jobs at any moment are a pure function of
//! the schedule, the sim time and the fault history (Region outages, copy failures),
//! so a week of history costs nothing and every answer is reproducible.
//!
//! Twin choices, not AWS facts (the README says so): the hourly schedule, how long a
//! backup and a copy take, three days of retention, that a copied point's
//! `CreationDate` is the time its copy started (AWS does not document what it is
//! for copies; this is the choice under which trusting it misleads most, so the
//! console is tested against it), the page size when `MaxResults` is absent, and the
//! oldest-first order of lists (AWS documents no order; the console must not assume
//! one).

use super::TwinWorld;
use super::api::{BackupError, CopyJobView, RecoveryPointView};
use crate::config::ProtectedResource;
use chrono::{DateTime, Duration, Utc};

/// AWS Backup's default vault, present in every Region (AWS Backup Developer Guide,
/// "Backup vaults": "a default vault named Default").
pub const SOURCE_VAULT: &str = "Default";
/// The twin's backup plan: one backup an hour.
const EVERY_S: i64 = 3600;
/// How long a backup job runs before its point is COMPLETED.
const BACKUP_S: i64 = 12 * 60;
/// How long a cross-Region copy runs.
const COPY_S: i64 = 18 * 60;
/// How long a failing copy runs before it is FAILED.
const COPY_FAIL_S: i64 = 3 * 60;
/// How far back the vaults keep points.
const KEEP_S: i64 = 3 * 24 * 3600;

/// `[from, until)` in sim time; `until` is `None` while it lasts.
type Span = (DateTime<Utc>, Option<DateTime<Utc>>);

/// Copy failures and Region outages, as intervals in sim time.
#[derive(Debug, Clone, Default)]
pub(super) struct BackupHistory {
    /// `(resource name or None for all, from, until)`.
    copy_failing: Vec<(Option<String>, Span)>,
    /// `(region, from, until)`: no backup or copy starts in a dark Region.
    outages: Vec<(String, Span)>,
}

impl BackupHistory {
    pub(super) fn region_down(&mut self, region: &str, at: DateTime<Utc>) {
        if !self.region_dark_at(region, at) {
            self.outages.push((region.to_string(), (at, None)));
        }
    }

    pub(super) fn region_up(&mut self, region: &str, at: DateTime<Utc>) {
        for o in self.outages.iter_mut().filter(|o| o.0 == region) {
            o.1.1.get_or_insert(at);
        }
    }

    /// Copies of `resource` (all when `None`) fail from `from` on.
    pub(super) fn copies_fail(&mut self, resource: Option<&str>, from: DateTime<Utc>) {
        self.copy_failing
            .push((resource.map(str::to_string), (from, None)));
    }

    pub(super) fn copies_work(&mut self, resource: Option<&str>, at: DateTime<Utc>) {
        for f in self.copy_failing.iter_mut() {
            if resource.is_none() || f.0.as_deref() == resource {
                f.1.1.get_or_insert(at);
            }
        }
    }

    /// Copy failures in force now: `(resource or None, since)`.
    pub(super) fn failing_now(&self) -> Vec<(Option<&str>, DateTime<Utc>)> {
        self.copy_failing
            .iter()
            .filter(|f| f.1.1.is_none())
            .map(|f| (f.0.as_deref(), f.1.0))
            .collect()
    }

    fn region_dark_at(&self, region: &str, t: DateTime<Utc>) -> bool {
        self.outages
            .iter()
            .any(|(r, span)| r == region && within(span, t))
    }

    fn copy_failing_at(&self, resource: &str, t: DateTime<Utc>) -> bool {
        self.copy_failing
            .iter()
            .any(|(r, span)| r.as_deref().is_none_or(|r| r == resource) && within(span, t))
    }
}

fn within(span: &Span, t: DateTime<Utc>) -> bool {
    span.0 <= t && span.1.is_none_or(|u| t < u)
}

/// One scheduled backup of one resource, and what became of it by `now`.
struct Run {
    index: i64,
    started: DateTime<Utc>,
    source_done: DateTime<Utc>,
}

impl TwinWorld {
    fn protected(&self) -> impl Iterator<Item = (usize, &ProtectedResource)> {
        self.env.backups.iter().enumerate()
    }

    /// The backups of resource `i` whose job started by now and within retention.
    fn runs(&self, i: usize, r: &ProtectedResource) -> Vec<Run> {
        // Spread resources over the hour so their jobs do not all start together.
        let offset = 5 * 60 + 7 * 60 * i as i64;
        let now = self.now.timestamp();
        let first = (now - KEEP_S - offset).div_euclid(EVERY_S);
        let last = (now - offset).div_euclid(EVERY_S);
        (first..=last)
            .filter_map(|k| {
                let started = DateTime::from_timestamp(k * EVERY_S + offset, 0)?;
                (started <= self.now
                    && !self
                        .backup_history
                        .region_dark_at(&r.source_region, started))
                .then(|| Run {
                    index: k,
                    started,
                    source_done: started + Duration::seconds(BACKUP_S),
                })
            })
            .collect()
    }

    fn vault_arn(&self, region: &str, vault: &str) -> String {
        format!(
            "arn:aws:backup:{region}:{}:backup-vault:{vault}",
            self.account
        )
    }

    /// A point's ARN in the API reference's example form
    /// (`arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-…`).
    fn point_arn(&self, region: &str, r: &ProtectedResource, k: i64, side: &str) -> String {
        format!(
            "arn:aws:backup:{region}:{}:recovery-point:{}",
            self.account,
            uuid_like(&[&r.name, side, &k.to_string()])
        )
    }

    fn source_point(&self, r: &ProtectedResource, run: &Run) -> RecoveryPointView {
        let done = run.source_done <= self.now;
        RecoveryPointView {
            arn: self.point_arn(&r.source_region, r, run.index, "src"),
            vault_name: SOURCE_VAULT.to_string(),
            vault_arn: self.vault_arn(&r.source_region, SOURCE_VAULT),
            source_vault_arn: None,
            resource_arn: r.resource_arn.clone(),
            resource_type: r.resource_type.clone(),
            // RecoveryPointStatus (API reference, RecoveryPointByBackupVault.Status):
            // CREATING while the backup job runs, COMPLETED after.
            status: if done { "COMPLETED" } else { "CREATING" },
            creation: run.started,
            initiation: run.started,
            completion: done.then_some(run.source_done),
            iam_role_arn: r.restore.iam_role_arn.clone(),
        }
    }

    /// The copy job that starts when the source point completes, if it has started.
    fn copy_job(&self, r: &ProtectedResource, run: &Run) -> Option<CopyJobView> {
        let created = run.source_done;
        if created > self.now
            || self
                .backup_history
                .region_dark_at(&r.source_region, created)
        {
            return None;
        }
        let failing = self.backup_history.copy_failing_at(&r.name, created)
            || self.backup_history.region_dark_at(&r.dr_region, created);
        let ends = created + Duration::seconds(if failing { COPY_FAIL_S } else { COPY_S });
        let over = ends <= self.now;
        // CopyJob.State (API reference, ListCopyJobs byState): CREATED | RUNNING |
        // COMPLETED | FAILED | PARTIAL.
        let (state, message) = match (over, failing) {
            (false, _) => ("RUNNING", None),
            (true, false) => ("COMPLETED", None),
            (true, true) => (
                "FAILED",
                // StatusMessage is free text in AWS; the twin says which fault it plays.
                Some(format!(
                    "copy to {} failed (twin: {})",
                    r.dr_region,
                    if self.backup_history.region_dark_at(&r.dr_region, created) {
                        "destination Region dark"
                    } else {
                        "backup_copy_failing"
                    }
                )),
            ),
        };
        Some(CopyJobView {
            id: uuid_like(&[&r.name, "copy", &run.index.to_string()]),
            source_vault_arn: self.vault_arn(&r.source_region, SOURCE_VAULT),
            source_point_arn: self.point_arn(&r.source_region, r, run.index, "src"),
            dest_vault_arn: self.vault_arn(&r.dr_region, &r.vault),
            dest_point_arn: (state == "COMPLETED")
                .then(|| self.point_arn(&r.dr_region, r, run.index, "dr")),
            resource_arn: r.resource_arn.clone(),
            resource_type: r.resource_type.clone(),
            state,
            status_message: message,
            creation: created,
            completion: over.then_some(ends),
            iam_role_arn: r.restore.iam_role_arn.clone(),
        })
    }

    fn dr_point(&self, r: &ProtectedResource, run: &Run) -> Option<RecoveryPointView> {
        let job = self.copy_job(r, run)?;
        (job.state == "COMPLETED").then(|| RecoveryPointView {
            arn: self.point_arn(&r.dr_region, r, run.index, "dr"),
            vault_name: r.vault.clone(),
            vault_arn: self.vault_arn(&r.dr_region, &r.vault),
            source_vault_arn: Some(job.source_vault_arn.clone()),
            resource_arn: r.resource_arn.clone(),
            resource_type: r.resource_type.clone(),
            status: "COMPLETED",
            // Unverified for AWS: the copy's own start, not the source's backup time.
            creation: job.creation,
            initiation: job.creation,
            completion: job.completion,
            iam_role_arn: r.restore.iam_role_arn.clone(),
        })
    }

    /// The vaults of `region`: `Default` wherever a protected resource lives, and each
    /// DR vault in its Region.
    pub(super) fn vaults_in(&self, region: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (_, r) in self.protected() {
            if r.source_region == region {
                out.push(SOURCE_VAULT.to_string());
            }
            if r.dr_region == region {
                out.push(r.vault.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// ListRecoveryPointsByBackupVault, oldest first, before paging.
    pub fn recovery_points_in_vault(
        &self,
        region: &str,
        vault: &str,
        resource_arn: Option<&str>,
    ) -> Result<Vec<RecoveryPointView>, BackupError> {
        if !self.vaults_in(region).iter().any(|v| v == vault) {
            // ListRecoveryPointsByBackupVault, Errors: ResourceNotFoundException.
            return Err(BackupError::NotFound(format!(
                "Backup vault {vault} does not exist in {region}"
            )));
        }
        let mut out = Vec::new();
        for (i, r) in self.protected() {
            if resource_arn.is_some_and(|a| a != r.resource_arn) {
                continue;
            }
            for run in self.runs(i, r) {
                if vault == SOURCE_VAULT && r.source_region == region {
                    out.push(self.source_point(r, &run));
                }
                if vault == r.vault && r.dr_region == region {
                    out.extend(self.dr_point(r, &run));
                }
            }
        }
        out.sort_by_key(|p| p.creation);
        Ok(out)
    }

    /// ListRecoveryPointsByResource: the resource's points in every vault of `region`.
    pub fn recovery_points_of_resource(
        &self,
        region: &str,
        resource_arn: &str,
    ) -> Result<Vec<RecoveryPointView>, BackupError> {
        let Some((i, r)) = self
            .protected()
            .find(|(_, r)| r.resource_arn == resource_arn)
        else {
            return Err(BackupError::NotFound(format!(
                "No recovery points found for resource {resource_arn}"
            )));
        };
        let mut out = Vec::new();
        for run in self.runs(i, r) {
            if r.source_region == region {
                out.push(self.source_point(r, &run));
            }
            if r.dr_region == region {
                out.extend(self.dr_point(r, &run));
            }
        }
        out.sort_by_key(|p| p.creation);
        Ok(out)
    }

    /// ListCopyJobs in `region` (copy jobs run in the source Region), oldest first.
    pub fn copy_jobs(
        &self,
        region: &str,
        resource_arn: Option<&str>,
        dest_vault_arn: Option<&str>,
    ) -> Vec<CopyJobView> {
        let mut out = Vec::new();
        for (i, r) in self.protected() {
            if r.source_region != region || resource_arn.is_some_and(|a| a != r.resource_arn) {
                continue;
            }
            for run in self.runs(i, r) {
                out.extend(
                    self.copy_job(r, &run)
                        .filter(|j| dest_vault_arn.is_none_or(|v| v == j.dest_vault_arn)),
                );
            }
        }
        out.sort_by_key(|j| j.creation);
        out
    }
}

/// A stable identifier in the 8-4-4-4-12 upper-case hex form AWS Backup's recovery
/// point ARNs and copy job ids take (API reference examples).
pub(super) fn uuid_like(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let hex = hex::encode_upper(&h.finalize()[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
