//! AWS Backup reads: recovery points in a vault or of a resource, and copy jobs.
//!
//! Every list is read to its last page (bounded by [`MAX_PAGES`]): AWS documents no
//! order for these lists, so the newest point can be on any page.

use super::cloudwatch::from_smithy;
use super::error::from_sdk;
use super::types::{CopyJobInfo, RecoveryPointInfo, RestoreJobInfo};
use super::{Provider, ProviderError};

/// The most pages one list reads (1000 items each, MaxResults' maximum in the API
/// reference): a vault with more points than this is reported, not walked for ever.
const MAX_PAGES: usize = 20;
/// MaxResults' maximum (AWS Backup API reference, ListRecoveryPointsByBackupVault,
/// ListCopyJobs, ListRecoveryPointsByResource: "Maximum value of 1000").
const PAGE: i32 = 1000;

impl Provider {
    /// ListRecoveryPointsByBackupVault for one resource, every page.
    pub async fn list_vault_recovery_points(
        &self,
        region: &str,
        vault: &str,
        resource_arn: &str,
    ) -> Result<Vec<RecoveryPointInfo>, ProviderError> {
        let client = self.backup(region)?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .bounded(
                    client
                        .list_recovery_points_by_backup_vault()
                        .backup_vault_name(vault)
                        .by_resource_arn(resource_arn)
                        .max_results(PAGE)
                        .set_next_token(token.take())
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            out.extend(page.recovery_points().iter().map(|p| RecoveryPointInfo {
                arn: p.recovery_point_arn().unwrap_or_default().to_string(),
                status: p.status().map(|s| s.as_str().to_string()),
                created_at: p.creation_date().and_then(from_smithy),
                source_vault_arn: p.source_backup_vault_arn().map(str::to_string),
            }));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(out),
            }
        }
        Err(too_many(vault))
    }

    /// ListRecoveryPointsByResource in `region` (every vault there), every page.
    pub async fn list_resource_recovery_points(
        &self,
        region: &str,
        resource_arn: &str,
    ) -> Result<Vec<RecoveryPointInfo>, ProviderError> {
        let client = self.backup(region)?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .bounded(
                    client
                        .list_recovery_points_by_resource()
                        .resource_arn(resource_arn)
                        .max_results(PAGE)
                        .set_next_token(token.take())
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            out.extend(page.recovery_points().iter().map(|p| RecoveryPointInfo {
                arn: p.recovery_point_arn().unwrap_or_default().to_string(),
                status: p.status().map(|s| s.as_str().to_string()),
                created_at: p.creation_date().and_then(from_smithy),
                source_vault_arn: None,
            }));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(out),
            }
        }
        Err(too_many(resource_arn))
    }

    /// ListCopyJobs of one resource in `region` (where its copies run), every page.
    pub async fn list_copy_jobs(
        &self,
        region: &str,
        resource_arn: &str,
    ) -> Result<Vec<CopyJobInfo>, ProviderError> {
        let client = self.backup(region)?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .bounded(
                    client
                        .list_copy_jobs()
                        .by_resource_arn(resource_arn)
                        .max_results(PAGE)
                        .set_next_token(token.take())
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            out.extend(page.copy_jobs().iter().map(|j| CopyJobInfo {
                id: j.copy_job_id().unwrap_or_default().to_string(),
                state: j.state().map(|s| s.as_str().to_string()),
                created_at: j.creation_date().and_then(from_smithy),
                completed_at: j.completion_date().and_then(from_smithy),
                source_point_arn: j.source_recovery_point_arn().map(str::to_string),
                dest_point_arn: j.destination_recovery_point_arn().map(str::to_string),
                dest_vault_arn: j.destination_backup_vault_arn().map(str::to_string),
                status_message: j.status_message().map(str::to_string),
            }));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(out),
            }
        }
        Err(too_many(resource_arn))
    }
}

/// Restore jobs.
impl Provider {
    /// DescribeRestoreJob in `region`.
    pub async fn describe_restore_job(
        &self,
        region: &str,
        id: &str,
    ) -> Result<RestoreJobInfo, ProviderError> {
        let client = self.backup(region)?;
        let j = self
            .bounded(client.describe_restore_job().restore_job_id(id).send())
            .await?
            .map_err(from_sdk)?;
        Ok(RestoreJobInfo {
            id: j.restore_job_id().unwrap_or(id).to_string(),
            recovery_point_arn: j.recovery_point_arn().map(str::to_string),
            status: j.status().map(|s| s.as_str().to_string()),
            status_message: j.status_message().map(str::to_string),
            percent_done: j.percent_done().map(str::to_string),
            created_at: j.creation_date().and_then(from_smithy),
            completed_at: j.completion_date().and_then(from_smithy),
            created_resource_arn: j.created_resource_arn().map(str::to_string),
        })
    }

    /// ListRestoreJobs in `region`, every page: what settles a StartRestoreJob whose
    /// answer was lost, without starting another.
    pub async fn list_restore_jobs(
        &self,
        region: &str,
    ) -> Result<Vec<RestoreJobInfo>, ProviderError> {
        let client = self.backup(region)?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .bounded(
                    client
                        .list_restore_jobs()
                        .max_results(PAGE)
                        .set_next_token(token.take())
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            out.extend(page.restore_jobs().iter().map(|j| RestoreJobInfo {
                id: j.restore_job_id().unwrap_or_default().to_string(),
                recovery_point_arn: j.recovery_point_arn().map(str::to_string),
                status: j.status().map(|s| s.as_str().to_string()),
                status_message: j.status_message().map(str::to_string),
                percent_done: j.percent_done().map(str::to_string),
                created_at: j.creation_date().and_then(from_smithy),
                completed_at: j.completion_date().and_then(from_smithy),
                created_resource_arn: j.created_resource_arn().map(str::to_string),
            }));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(out),
            }
        }
        Err(too_many(region))
    }
}

fn too_many(what: &str) -> ProviderError {
    ProviderError::NotConfigured(format!(
        "{what}: more than {MAX_PAGES} pages of {PAGE}; the console reads no further"
    ))
}
