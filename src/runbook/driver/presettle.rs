//! Settling, before the engine resumes, the calls whose effect the engine cannot read
//! back by itself: a read-replica promotion sent just before a crash shows in
//! DescribeDBInstances (the instance is no longer a replica, or is mid-promotion), so
//! it is never re-sent on a guess.
//!
//! Anything not settled here is left to the engine, which re-reads what it can and
//! asks the operator before re-sending.

use super::clock::RunClock;
use super::readback::{self, Landed};
use crate::config::Environment;
use crate::provider::Provider;
use crate::runbook::journal::{Line, Record, RecordError, Recorder, ResumePoint};
use crate::runbook::plan::Mutation;
use std::sync::Arc;
use tokio::runtime::Handle;

/// Re-reads while a promotion is visibly in progress: every 5 s of run time, for up
/// to 15 minutes of it.
const EVERY_S: i64 = 5;
const POLLS: u32 = 180;

/// Settles dangling promotions in `point` (journaling each), so the engine resumes
/// past them. Blocking: call from the run's own thread, not the runtime's.
#[allow(clippy::too_many_arguments)]
pub fn promotions(
    point: &mut ResumePoint,
    lines: &[Line],
    provider: &Arc<Provider>,
    env: &Environment,
    clock: RunClock,
    rt: &Handle,
    rec: &mut dyn Recorder,
) -> Result<(), RecordError> {
    let dangling: Vec<(String, usize)> = point.dangling.iter().cloned().collect();
    for (step, call) in dangling {
        let Some(m) = lines.iter().rev().find_map(|l| match &l.record {
            Record::Intent {
                step: s,
                call: c,
                mutation: m @ Mutation::PromoteReadReplica { .. },
                ..
            } if *s == step && *c == call => Some(m.clone()),
            _ => None,
        }) else {
            continue;
        };
        let mut seen = rt.block_on(readback::look(provider, env, &m));
        for _ in 0..POLLS {
            if !matches!(seen, Landed::InProgress(_)) {
                break;
            }
            let at = clock.now() + chrono::Duration::seconds(EVERY_S);
            std::thread::sleep(clock.wall_until(at));
            seen = rt.block_on(readback::look(provider, env, &m));
        }
        match seen {
            Landed::Applied(how) => {
                rec.record(
                    clock.now(),
                    Record::Settled {
                        step: step.clone(),
                        call,
                        applied: true,
                        how,
                        created: None,
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
