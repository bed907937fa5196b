//! AWS Backup reads: recovery points in a vault or of a resource, copy jobs and
//! restore jobs.
//!
//! Every list is read to its last page (bounded by [`MAX_PAGES`]): AWS documents no
//! order for these lists, so the newest point can be on any page.

use super::cloudwatch::from_smithy;
use super::error::from_sdk;
use super::types::{CopyJobInfo, RecoveryPointInfo, RestoreJobInfo};
use super::{Provider, ProviderError};
use std::future::Future;

/// The most pages one list reads (1000 items each, MaxResults' maximum in the API
/// reference): a vault with more points than this is reported, not walked for ever.
const MAX_PAGES: usize = 20;
/// MaxResults' maximum (AWS Backup API reference, ListRecoveryPointsByBackupVault,
/// ListCopyJobs, ListRecoveryPointsByResource: "Maximum value of 1000").
const PAGE: i32 = 1000;

/// One page: its items and the token of the next, if any.
type Page<T> = (Vec<T>, Option<String>);

/// Reads `fetch(token)` page after page until a page has no next token, at most
/// [`MAX_PAGES`]. Hand-written rather than the SDK's `into_paginator()` so that each
/// page stays under the provider's own per-call bound (`Provider::bounded`).
async fn all_pages<T, F, Fut>(what: &str, mut fetch: F) -> Result<Vec<T>, ProviderError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ProviderError>>,
{
    let mut out = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let (items, next) = fetch(token.take()).await?;
        out.extend(items);
        match next.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
    Err(ProviderError::NotConfigured(format!(
        "{what}: more than {MAX_PAGES} pages of {PAGE}; the console reads no further"
    )))
}

fn point(
    arn: Option<&str>,
    status: Option<&str>,
    created: Option<&aws_smithy_types::DateTime>,
    source_vault_arn: Option<&str>,
) -> RecoveryPointInfo {
    RecoveryPointInfo {
        arn: arn.unwrap_or_default().to_string(),
        status: status.map(str::to_string),
        created_at: created.and_then(from_smithy),
        source_vault_arn: source_vault_arn.map(str::to_string),
    }
}

impl Provider {
    /// ListRecoveryPointsByBackupVault for one resource, every page.
    pub async fn list_vault_recovery_points(
        &self,
        region: &str,
        vault: &str,
        resource_arn: &str,
    ) -> Result<Vec<RecoveryPointInfo>, ProviderError> {
        let client = self.backup(region)?;
        all_pages(vault, |token| async move {
            let page = self
                .bounded(
                    client
                        .list_recovery_points_by_backup_vault()
                        .backup_vault_name(vault)
                        .by_resource_arn(resource_arn)
                        .max_results(PAGE)
                        .set_next_token(token)
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            let items = page
                .recovery_points()
                .iter()
                .map(|p| {
                    point(
                        p.recovery_point_arn(),
                        p.status().map(|s| s.as_str()),
                        p.creation_date(),
                        p.source_backup_vault_arn(),
                    )
                })
                .collect();
            Ok((items, page.next_token().map(str::to_string)))
        })
        .await
    }

    /// ListRecoveryPointsByResource in `region` (every vault there), every page.
    pub async fn list_resource_recovery_points(
        &self,
        region: &str,
        resource_arn: &str,
    ) -> Result<Vec<RecoveryPointInfo>, ProviderError> {
        let client = self.backup(region)?;
        all_pages(resource_arn, |token| async move {
            let page = self
                .bounded(
                    client
                        .list_recovery_points_by_resource()
                        .resource_arn(resource_arn)
                        .max_results(PAGE)
                        .set_next_token(token)
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            let items = page
                .recovery_points()
                .iter()
                .map(|p| {
                    point(
                        p.recovery_point_arn(),
                        p.status().map(|s| s.as_str()),
                        p.creation_date(),
                        None,
                    )
                })
                .collect();
            Ok((items, page.next_token().map(str::to_string)))
        })
        .await
    }

    /// ListCopyJobs of one resource in `region` (where its copies run), every page.
    pub async fn list_copy_jobs(
        &self,
        region: &str,
        resource_arn: &str,
    ) -> Result<Vec<CopyJobInfo>, ProviderError> {
        let client = self.backup(region)?;
        all_pages(resource_arn, |token| async move {
            let page = self
                .bounded(
                    client
                        .list_copy_jobs()
                        .by_resource_arn(resource_arn)
                        .max_results(PAGE)
                        .set_next_token(token)
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            let items = page
                .copy_jobs()
                .iter()
                .map(|j| CopyJobInfo {
                    id: j.copy_job_id().unwrap_or_default().to_string(),
                    state: j.state().map(|s| s.as_str().to_string()),
                    created_at: j.creation_date().and_then(from_smithy),
                    completed_at: j.completion_date().and_then(from_smithy),
                    source_point_arn: j.source_recovery_point_arn().map(str::to_string),
                    dest_point_arn: j.destination_recovery_point_arn().map(str::to_string),
                    dest_vault_arn: j.destination_backup_vault_arn().map(str::to_string),
                    status_message: j.status_message().map(str::to_string),
                })
                .collect();
            Ok((items, page.next_token().map(str::to_string)))
        })
        .await
    }
}

/// DescribeRestoreJob's output and ListRestoreJobs' members carry the same fields in
/// two SDK types; this names them once.
macro_rules! restore_job_info {
    ($j:expr, $fallback_id:expr) => {
        RestoreJobInfo {
            id: $j.restore_job_id().unwrap_or($fallback_id).to_string(),
            recovery_point_arn: $j.recovery_point_arn().map(str::to_string),
            status: $j.status().map(|s| s.as_str().to_string()),
            status_message: $j.status_message().map(str::to_string),
            percent_done: $j.percent_done().map(str::to_string),
            created_at: $j.creation_date().and_then(from_smithy),
            completed_at: $j.completion_date().and_then(from_smithy),
            created_resource_arn: $j.created_resource_arn().map(str::to_string),
        }
    };
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
        Ok(restore_job_info!(j, id))
    }

    /// The restore jobs of one recovery point: ListRestoreJobs in `region` (which
    /// cannot filter by point), every page, kept for `point`.
    pub async fn list_restore_jobs_of(
        &self,
        region: &str,
        point: &str,
    ) -> Result<Vec<RestoreJobInfo>, ProviderError> {
        let jobs = self.list_restore_jobs(region).await?;
        Ok(jobs
            .into_iter()
            .filter(|j| j.recovery_point_arn.as_deref() == Some(point))
            .collect())
    }

    /// ListRestoreJobs in `region`, every page: what settles a StartRestoreJob whose
    /// answer was lost, without starting another.
    pub async fn list_restore_jobs(
        &self,
        region: &str,
    ) -> Result<Vec<RestoreJobInfo>, ProviderError> {
        let client = self.backup(region)?;
        all_pages(region, |token| async move {
            let page = self
                .bounded(
                    client
                        .list_restore_jobs()
                        .max_results(PAGE)
                        .set_next_token(token)
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            let items = page
                .restore_jobs()
                .iter()
                .map(|j| restore_job_info!(j, ""))
                .collect();
            Ok((items, page.next_token().map(str::to_string)))
        })
        .await
    }
}
