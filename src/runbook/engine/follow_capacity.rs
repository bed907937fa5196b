//! Following a `scale` step: its group's or service's capacity is read until the
//! capacity asked for serves, with progress and a countdown against the step's
//! timeout. A timeout fails the step but stops nothing: the group goes on scaling
//! toward its desired capacity, and the console says so.

use super::status::StepStatus;
use super::world::World;
use super::{Engine, EngineError};
use crate::config::CapacityTarget;
use crate::provider::CapacityInfo;
use crate::runbook::condition::Probe;
use crate::runbook::journal::record::Recorder;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Whether `asked` serves: exactly that many in service, or more while AWS's desired
/// capacity is above it too (a scaling policy or another operator raised it since:
/// what was asked for serves). More in service while desired is `asked` is a scale-in
/// still under way.
pub fn capacity_reached(c: &CapacityInfo, asked: u32) -> bool {
    c.in_service == asked || (c.in_service > asked && c.desired > asked)
}

/// "2 of 6 instances in service, 4 warming up".
fn progress(c: &CapacityInfo, target: &CapacityTarget, asked: u32) -> String {
    let mut s = format!("{} of {asked} {} in service", c.in_service, target.unit());
    if c.warming > 0 {
        s.push_str(&format!(", {} warming up", c.warming));
    }
    if c.unhealthy > 0 {
        s.push_str(&format!(", {} unhealthy", c.unhealthy));
    }
    if c.desired != asked {
        s.push_str(&format!(
            "; desired is now {} (not {asked}): changed since this step's call, by a \
             scaling policy or someone else",
            c.desired
        ));
    }
    s
}

impl Engine {
    /// The scaling call landed (or was found landed): follow the capacity from now.
    pub(super) fn follow_capacity_from(
        &mut self,
        i: usize,
        timeout: Duration,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let last = "desired capacity set; waiting for it to serve".to_string();
        self.start_following(i, last, timeout, rec, now)
    }

    /// One look at the capacity a `scale` step asked for.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn follow_capacity(
        &mut self,
        i: usize,
        (region, target, asked): (&str, &CapacityTarget, u32),
        timeout: Duration,
        (deadline, next_poll, polls): (DateTime<Utc>, DateTime<Utc>, u32),
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
        if now < next_poll {
            return Ok(Some(next_poll.min(deadline)));
        }
        let key = (region.to_string(), target.clone());
        let facts = w.read(&[Probe::Capacity {
            region: region.to_string(),
            target: target.clone(),
        }]);
        let label = target.label();
        let last = match (facts.capacity.get(&key), facts.capacity_errors.get(&key)) {
            (Some(c), _) if capacity_reached(c, asked) => {
                self.steps[i].status = StepStatus::Waiting {
                    deadline,
                    next_poll,
                    polls,
                    last: format!("{label}: {}", progress(c, target, asked)),
                };
                self.verify_then_done(i, w, rec, now)?;
                return Ok(None);
            }
            (Some(c), _) => format!("{label}: {}", progress(c, target, asked)),
            (None, Some(e)) => format!("{label} could not be read (unknown): {e}"),
            (None, None) => format!("{label} could not be read (unknown)"),
        };
        let unit = target.unit();
        let why = |last: &str| {
            format!(
                "timed out after {} waiting for {asked} {unit} of {label} to serve ({last}); \
                 the desired capacity stays set, so AWS goes on scaling: check the group's \
                 activity before retrying",
                humantime::format_duration(timeout)
            )
        };
        self.keep_following(i, last, why, (deadline, polls), rec, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(desired: u32, in_service: u32) -> CapacityInfo {
        CapacityInfo {
            desired,
            min: None,
            max: None,
            in_service,
            warming: 0,
            unhealthy: 0,
            status: None,
        }
    }

    #[test]
    fn reached_when_what_was_asked_serves() {
        assert!(!capacity_reached(&seen(6, 2), 6), "scale-out under way");
        assert!(capacity_reached(&seen(6, 6), 6));
        assert!(capacity_reached(&seen(9, 7), 6), "a policy raised desired");
        assert!(!capacity_reached(&seen(2, 5), 2), "scale-in under way");
        assert!(capacity_reached(&seen(2, 2), 2));
        assert!(capacity_reached(&seen(0, 0), 0));
    }
}
