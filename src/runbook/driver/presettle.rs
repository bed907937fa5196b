//! Settling, before the engine resumes, the calls whose effect the engine cannot read
//! back by itself: a read-replica promotion sent just before a crash shows in
//! DescribeDBInstances (the instance is no longer a replica, or is mid-promotion), so
//! it is never re-sent on a guess.
//!
//! Anything not settled here is left to the engine, which re-reads what it can and
//! asks the operator before re-sending.

use super::clock::RunClock;
use crate::provider::Provider;
use crate::runbook::journal::{Line, Record, RecordError, Recorder, ResumePoint};
use crate::runbook::plan::Mutation;
use std::sync::Arc;
use tokio::runtime::Handle;

/// Re-reads while a promotion is visibly in progress: every 5 s of run time, for up
/// to 15 minutes of it.
const EVERY_S: i64 = 5;
const POLLS: u32 = 180;

/// What a fresh read says about a promotion sent before the crash.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Promoted,
    InProgress(String),
    NotApplied(String),
    Unknown(String),
}

async fn look(p: &Provider, region: &str, id: &str) -> Seen {
    match p.describe_db_instance(region, id).await {
        Ok(i) if i.replica_source.is_none() => Seen::Promoted,
        Ok(i) => match i.status.as_deref() {
            Some(s @ ("modifying" | "rebooting")) => Seen::InProgress(s.to_string()),
            s => Seen::NotApplied(format!(
                "{id} is still a read replica (status {})",
                s.unwrap_or("unknown")
            )),
        },
        Err(e) => Seen::Unknown(e.to_string()),
    }
}

/// Settles dangling promotions in `point` (journaling each), so the engine resumes
/// past them. Blocking: call from the run's own thread, not the runtime's.
pub fn promotions(
    point: &mut ResumePoint,
    lines: &[Line],
    provider: &Arc<Provider>,
    clock: RunClock,
    rt: &Handle,
    rec: &mut dyn Recorder,
) -> Result<(), RecordError> {
    let dangling: Vec<(String, usize)> = point.dangling.iter().cloned().collect();
    for (step, call) in dangling {
        let Some((region, id)) = lines.iter().rev().find_map(|l| match &l.record {
            Record::Intent {
                step: s,
                call: c,
                mutation:
                    Mutation::PromoteReadReplica {
                        region,
                        db_instance_identifier,
                        ..
                    },
                ..
            } if *s == step && *c == call => Some((region.clone(), db_instance_identifier.clone())),
            _ => None,
        }) else {
            continue;
        };
        let mut seen = rt.block_on(look(provider, &region, &id));
        for _ in 0..POLLS {
            if !matches!(seen, Seen::InProgress(_)) {
                break;
            }
            let at = clock.now() + chrono::Duration::seconds(EVERY_S);
            std::thread::sleep(clock.wall_until(at));
            seen = rt.block_on(look(provider, &region, &id));
        }
        match seen {
            Seen::Promoted => {
                rec.record(
                    clock.now(),
                    Record::Settled {
                        step: step.clone(),
                        call,
                        applied: true,
                        how: format!("{id} in {region} is no longer a read replica: promoted"),
                    },
                )?;
                point.dangling.remove(&(step.clone(), call));
                point.calls_done.insert((step, call));
            }
            other => tracing::info!(
                step,
                state = ?other,
                "promotion not settled by reading; the engine asks before re-sending"
            ),
        }
    }
    Ok(())
}
