//! One capacity group's status: its counts only while current.

use super::Context;
use crate::config::CapacityGroup;
use crate::model::snapshot::CapacityStatus;
use crate::monitor::observe::Observations;
use chrono::{DateTime, Utc};

/// Counts are current while the group's read succeeded within the capacity window
/// and its Region still answers at the tick (the alarms poller, every poll period, is
/// not failing): a Region that goes dark turns its capacity unknown within two poll
/// periods, not ten seconds later.
pub fn status(
    g: &CapacityGroup,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> CapacityStatus {
    let o = obs.capacity.get(&g.name);
    let region_answers = obs
        .alarms
        .get(&g.region)
        .is_none_or(|a| !a.reported || a.fresh(now, ctx.stale_after));
    let current = o.is_some_and(|o| o.fresh(now, ctx.capacity_read_within)) && region_answers;
    let seen = o.and_then(|o| o.value.as_ref()).filter(|_| current);
    let error = match o {
        _ if current => None,
        Some(o) if o.error.is_some() => o.error.clone(),
        Some(o) if !region_answers && o.at.is_some() => {
            Some(format!("{} does not answer", g.region))
        }
        Some(o) => match o.at {
            Some(at) => Some(format!("no answer since {}", at.format("%H:%M:%S UTC"))),
            None => Some("not read yet".to_string()),
        },
        None => Some("not read yet".to_string()),
    };
    CapacityStatus {
        name: g.name.clone(),
        region: g.region.clone(),
        resource: g.target.label(),
        unit: g.target.unit().to_string(),
        production: g.production,
        desired: seen.map(|c| c.desired),
        in_service: seen.map(|c| c.in_service),
        warming: seen.map(|c| c.warming),
        unhealthy: seen.map(|c| c.unhealthy),
        min: seen.and_then(|c| c.min),
        max: seen.and_then(|c| c.max),
        service_status: seen.and_then(|c| c.status.clone()),
        observed_at: o.and_then(|o| o.at),
        stale: !current,
        error,
    }
}
