//! AWS Backup restore jobs in the twin: StartRestoreJob, DescribeRestoreJob,
//! ListRestoreJobs.
//!
//! AWS facts (aws-sdk-backup 1.132's service model, generated from AWS's, and the
//! API reference): `PUT /restore-jobs` starts one; statuses are PENDING | RUNNING |
//! COMPLETED | ABORTED | FAILED; "Retrying a successful request with the same
//! idempotency token results in a success message with no action taken."
//!
//! Twin choices, not AWS facts: a restore waits 1 min PENDING and then runs 20 min
//! (Aurora) or 15 min (others) of sim time; a retried token answers with the first
//! job's id (AWS says only "a success message"); `PercentDone` reads like `42.00%`;
//! a restore whose target identifier (`DBClusterIdentifier` / `DBInstanceIdentifier`)
//! is already taken by an earlier restore fails with "already exists".

use super::TwinWorld;
use super::api::{BackupError, RestoreJobView};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

const PENDING_S: i64 = 60;
const AURORA_RESTORE_S: i64 = 20 * 60;
const OTHER_RESTORE_S: i64 = 15 * 60;

/// A restore job as started; its status is derived from the sim time.
#[derive(Debug, Clone)]
pub(super) struct RestoreJob {
    id: String,
    token: Option<String>,
    region: String,
    point_arn: String,
    point_created: DateTime<Utc>,
    vault_arn: String,
    resource_type: String,
    iam_role_arn: Option<String>,
    target: Option<String>,
    /// `Engine` from the restore metadata, if given (the restored cluster's engine).
    engine: Option<String>,
    created: DateTime<Utc>,
    /// Why it fails, decided when it started.
    fails: Option<String>,
}

/// What StartRestoreJob carries.
#[derive(Debug, Clone, Default)]
pub struct RestoreRequest {
    pub point_arn: String,
    pub metadata: BTreeMap<String, String>,
    pub iam_role_arn: Option<String>,
    pub idempotency_token: Option<String>,
    pub resource_type: Option<String>,
}

/// The restored resource's identifier, by resource type (the restore metadata keys
/// of the AWS Backup Developer Guide's restore pages for Aurora and RDS).
fn target_of(resource_type: &str, metadata: &BTreeMap<String, String>) -> Option<String> {
    match resource_type {
        "Aurora" | "DocumentDB" | "Neptune" => metadata.get("DBClusterIdentifier").cloned(),
        "RDS" => metadata.get("DBInstanceIdentifier").cloned(),
        _ => None,
    }
}

impl TwinWorld {
    /// StartRestoreJob in `region`: the point must be in one of that Region's vaults.
    pub fn start_restore_job(
        &mut self,
        region: &str,
        req: &RestoreRequest,
    ) -> Result<String, BackupError> {
        if let Some(token) = &req.idempotency_token
            && let Some(j) = self
                .restore_jobs
                .iter()
                .find(|j| j.region == region && j.token.as_deref() == Some(token))
        {
            return Ok(j.id.clone());
        }
        let point = self
            .point_in_region(region, &req.point_arn)
            .ok_or_else(|| {
                BackupError::NotFound(format!(
                    "Recovery point {} not found in {region}",
                    req.point_arn
                ))
            })?;
        if req.metadata.is_empty() {
            return Err(BackupError::InvalidParameter(
                "Metadata must name the restored resource".into(),
            ));
        }
        let resource_type = req
            .resource_type
            .clone()
            .unwrap_or_else(|| point.resource_type.clone());
        let target = target_of(&resource_type, &req.metadata);
        // Taken by an earlier restore that has not failed, unless what it made was
        // deleted since (a restore test deletes its scratch cluster).
        let deleted = |t: &str| {
            self.deleted_clusters
                .iter()
                .any(|d| d.region == region && d.id == t)
                && !self.restored_clusters(region).iter().any(|c| c.id == t)
        };
        let taken = target.as_ref().is_some_and(|t| {
            !deleted(t)
                && self.restore_jobs.iter().any(|j| {
                    j.region == region && j.target.as_ref() == Some(t) && j.fails.is_none()
                })
        });
        let fails = if taken {
            Some(format!(
                "{} already exists in {region}",
                target.clone().unwrap_or_default()
            ))
        } else if self.restores_failing {
            Some("Restore failed (twin: backup_restore_failing)".to_string())
        } else {
            None
        };
        let id = super::backup::uuid_like(&[
            "restore",
            region,
            &req.point_arn,
            &self.restore_jobs.len().to_string(),
        ]);
        self.restore_jobs.push(RestoreJob {
            id: id.clone(),
            token: req.idempotency_token.clone(),
            region: region.to_string(),
            point_arn: req.point_arn.clone(),
            point_created: point.creation,
            vault_arn: point.vault_arn.clone(),
            resource_type,
            iam_role_arn: req.iam_role_arn.clone(),
            target,
            engine: req.metadata.get("Engine").cloned(),
            created: self.now,
            fails,
        });
        Ok(id)
    }

    fn point_in_region(&self, region: &str, arn: &str) -> Option<super::RecoveryPointView> {
        let vaults = self.vaults_in(region);
        vaults.iter().find_map(|v| {
            self.recovery_points_in_vault(region, v, None)
                .ok()?
                .into_iter()
                .find(|p| p.arn == arn && p.status == "COMPLETED")
        })
    }

    /// DescribeRestoreJob.
    pub fn restore_job(&self, region: &str, id: &str) -> Result<RestoreJobView, BackupError> {
        self.restore_jobs
            .iter()
            .find(|j| j.region == region && j.id == id)
            .map(|j| self.view(j))
            .ok_or_else(|| BackupError::NotFound(format!("Restore job {id} not found")))
    }

    /// ListRestoreJobs in `region`, oldest first.
    pub fn restore_jobs(&self, region: &str) -> Vec<RestoreJobView> {
        self.restore_jobs
            .iter()
            .filter(|j| j.region == region)
            .map(|j| self.view(j))
            .collect()
    }

    fn view(&self, j: &RestoreJob) -> RestoreJobView {
        let run_s = if j.resource_type == "Aurora" {
            AURORA_RESTORE_S
        } else {
            OTHER_RESTORE_S
        };
        let elapsed = (self.now - j.created).num_seconds();
        let fail_at = PENDING_S + run_s / 2;
        let (status, percent, done) = match &j.fails {
            Some(_) if elapsed >= fail_at => {
                ("FAILED", 50.0, Some(j.created + Duration::seconds(fail_at)))
            }
            _ if elapsed < PENDING_S => ("PENDING", 0.0, None),
            None if elapsed >= PENDING_S + run_s => (
                "COMPLETED",
                100.0,
                Some(j.created + Duration::seconds(PENDING_S + run_s)),
            ),
            _ => (
                "RUNNING",
                ((elapsed - PENDING_S) as f64 * 100.0 / run_s as f64).min(99.0),
                None,
            ),
        };
        let created_resource = (status == "COMPLETED")
            .then(|| {
                j.target.as_ref().map(|t| {
                    let kind = if j.resource_type == "RDS" {
                        "db"
                    } else {
                        "cluster"
                    };
                    format!("arn:aws:rds:{}:{}:{kind}:{t}", j.region, self.account)
                })
            })
            .flatten();
        RestoreJobView {
            id: j.id.clone(),
            point_arn: j.point_arn.clone(),
            point_created: j.point_created,
            vault_arn: j.vault_arn.clone(),
            resource_type: j.resource_type.clone(),
            iam_role_arn: j.iam_role_arn.clone(),
            status,
            status_message: if status == "FAILED" {
                j.fails.clone()
            } else {
                None
            },
            percent_done: format!("{percent:.2}%"),
            created: j.created,
            completed: done,
            created_resource_arn: created_resource,
            expected_minutes: (PENDING_S + run_s) / 60,
            engine: j.engine.clone(),
        }
    }
}
