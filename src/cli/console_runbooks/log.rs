//! The journal's story in the log pane.

use crate::runbook::journal::Record;

/// The journal's story in the log pane: transitions, calls and who decided what.
pub(super) fn log_record(r: &Record) {
    match r {
        Record::Step {
            step,
            status,
            detail,
        } => match detail {
            Some(d) => tracing::info!("runbook: {step} {status}: {d}"),
            None => tracing::info!("runbook: {step} {status}"),
        },
        Record::Intent { step, mutation, .. } => {
            tracing::info!("runbook: {step} sending {}", mutation.headline())
        }
        Record::Outcome {
            step,
            ok: true,
            endpoint,
            ..
        } => tracing::info!(
            "runbook: {step} call ok (answered by {})",
            endpoint.as_deref().unwrap_or("unknown endpoint")
        ),
        Record::Outcome { step, error: e, .. } => tracing::warn!(
            "runbook: {step} call failed: {}",
            e.as_deref().unwrap_or("?")
        ),
        Record::Confirmed { step, by, .. } => tracing::info!("runbook: {step} confirmed by {by}"),
        Record::Skipped { step, by, reason } => {
            tracing::warn!("runbook: {step} skipped by {by}: {reason}")
        }
        Record::Override {
            step, by, reason, ..
        } => tracing::warn!("runbook: {step} BREAK-GLASS override by {by}: {reason}"),
        Record::RunEnd { outcome } => tracing::info!("runbook: run {outcome}"),
        other => tracing::debug!(?other, "journaled"),
    }
}
