//! One protected resource's status: the newest usable point in its DR vault, its
//! backup time, and the latest copy job into that vault.

use super::Context;
use crate::config::ProtectedResource;
use crate::model::snapshot::{BackupStatus, CopyJobSeen, RecoveryPointSeen};
use crate::monitor::observe::Observations;
use crate::provider::{CopyJobInfo, RecoveryPointInfo};
use chrono::{DateTime, Utc};

/// Recovery point statuses that can be restored: COMPLETED (AWS Backup API reference,
/// RecoveryPointByBackupVault.Status). CREATING, PARTIAL, EXPIRED, STOPPED, DELETING
/// and AVAILABLE (whose meaning for restores the reference does not give) never count
/// as fresh.
const USABLE: &[&str] = &["COMPLETED"];

/// The newest usable point of a DR vault listing, with its backup time. Every point
/// of the resource in its DR vault is a copy (the DR vault is in another Region, which
/// validation requires), and a copy is as old as its source point, which
/// `source_time` gives by the copy's ARN when it is known. AWS does not say what a
/// copy's own `CreationDate` is (the source's time or the copy's), so it is never
/// taken as the backup time, whatever `SourceBackupVaultArn` says; it only stands
/// as a lower bound of the age (`backup_time_known` false) when no point's source
/// time is known.
///
/// The point with the latest *known* backup time wins: if a later copy's source is
/// unknown, its data is at least as new, so the known age is an upper bound on the
/// newest data's age, and a fresh verdict from it is true. The one rule for the
/// dashboard and for the runbook's `recovery_point_age` reads.
pub fn newest_usable(
    points: &[RecoveryPointInfo],
    source_time: impl Fn(&str) -> Option<DateTime<Utc>>,
) -> Option<RecoveryPointSeen> {
    let usable: Vec<(&RecoveryPointInfo, DateTime<Utc>)> = points
        .iter()
        .filter(|p| p.status.as_deref().is_some_and(|s| USABLE.contains(&s)))
        .filter_map(|p| Some((p, p.created_at?)))
        .collect();
    let seen = |p: &RecoveryPointInfo, created: DateTime<Utc>, known: Option<DateTime<Utc>>| {
        RecoveryPointSeen {
            arn: p.arn.clone(),
            status: p.status.clone().unwrap_or_default(),
            created_at: created,
            backup_time: known.unwrap_or(created),
            backup_time_known: known.is_some(),
        }
    };
    let best_known = usable
        .iter()
        .filter_map(|(p, created)| Some((*p, *created, source_time(&p.arn)?)))
        .max_by_key(|(_, _, at)| *at);
    match best_known {
        Some((p, created, at)) => Some(seen(p, created, Some(at))),
        None => usable
            .iter()
            .max_by_key(|(_, at)| *at)
            .map(|(p, created)| seen(p, *created, None)),
    }
}

/// Copy ARN → the backup time of its source point, from one source-Region read.
pub fn copy_sources(
    jobs: &[CopyJobInfo],
    source_points: &[RecoveryPointInfo],
) -> Vec<(String, DateTime<Utc>)> {
    jobs.iter()
        .filter_map(|j| {
            let (dest, src) = (j.dest_point_arn.as_ref()?, j.source_point_arn.as_ref()?);
            let at = source_points.iter().find(|p| &p.arn == src)?.created_at?;
            Some((dest.clone(), at))
        })
        .collect()
}

/// The time a backup's age is taken at. AWS stamps points in wall time; the steady
/// clock (wall time at start plus a monotonic count) does not count a machine's
/// suspend, which would make an old point look young. The later of the two ages it
/// conservatively.
pub fn aws_now(steady_now: DateTime<Utc>) -> DateTime<Utc> {
    steady_now.max(Utc::now())
}

pub fn status(
    b: &ProtectedResource,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> BackupStatus {
    let vault = obs.backup_vaults.get(&b.name);
    let fresh = vault.is_some_and(|o| o.fresh(now, ctx.backup_read_within));
    let newest = vault
        .and_then(|o| o.value.as_ref())
        .and_then(|points| newest_usable(points, |arn| obs.copied_from.get(arn).copied()));
    let dr_vault_arn_suffix = format!(":backup-vault:{}", b.vault);
    let source = obs.backup_sources.get(&b.name);
    let latest_copy = source
        .and_then(|o| o.value.as_ref())
        .and_then(|read| {
            read.copy_jobs
                .iter()
                // Only jobs that name this DR vault: the Region field of the ARN
                // (arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME) and the name.
                .filter(|j| {
                    j.dest_vault_arn.as_deref().is_some_and(|v| {
                        v.ends_with(&dr_vault_arn_suffix)
                            && v.split(':').nth(3) == Some(b.dr_region.as_str())
                    })
                })
                .filter_map(|j| Some((j, j.created_at?)))
                .max_by_key(|(_, at)| *at)
        })
        .map(|(j, created)| CopyJobSeen {
            id: j.id.clone(),
            state: j.state.clone().unwrap_or_default(),
            created_at: created,
            completed_at: j.completed_at,
            status_message: j.status_message.clone(),
        });
    let copy_error = source.and_then(|o| {
        if o.fresh(now, ctx.backup_read_within) {
            None
        } else {
            Some(match (&o.error, o.at) {
                (Some(e), _) => e.clone(),
                // Read once, and the next read has not come back yet.
                (None, Some(at)) => format!("no answer since {}", at.format("%H:%M:%S UTC")),
                (None, None) => "not read yet".to_string(),
            })
        }
    });
    let last_tested = obs
        .restore_tests
        .as_ref()
        .and_then(|t| t.get(&b.resource_arn).copied());
    let mut status = BackupStatus {
        name: b.name.clone(),
        resource_arn: b.resource_arn.clone(),
        resource_type: b.resource_type.clone(),
        source_region: b.source_region.clone(),
        dr_region: b.dr_region.clone(),
        vault: b.vault.clone(),
        rpo_s: b.rpo.as_secs(),
        newest,
        latest_copy,
        copy_error,
        restore_test_every_s: b.restore_test_every.map(|d| d.as_secs()),
        last_tested,
        next_test_due: last_tested.and_then(|t| {
            let every = chrono::Duration::from_std(b.restore_test_every?).ok()?;
            Some(t + every)
        }),
        observed_at: vault.and_then(|o| o.at),
        stale: !fresh,
        error: vault.and_then(|o| o.error.clone()),
        age_s: None,
        fresh: None,
    };
    let aged_at = aws_now(now);
    status.age_s = status.age_at(aged_at).map(|a| a.num_seconds());
    status.fresh = status.fresh_at(aged_at);
    status
}
