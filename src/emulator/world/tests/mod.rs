//! TwinWorld behaviour tests, driven only through the public world API.

mod arc;
mod backup;
mod capacity;
mod faults;
mod rds;
mod signals;
mod store_metrics;

use super::TwinWorld;
use crate::config::Environment;
use chrono::{DateTime, Duration, TimeZone, Utc};

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub(super) fn default_env() -> Environment {
    Environment::builtin_default().expect("default env")
}

pub(super) fn world(seed: u64) -> TwinWorld {
    TwinWorld::new(&default_env(), seed, t0())
}

pub(super) fn step(w: &mut TwinWorld, secs: i64) {
    let t = w.now() + Duration::seconds(secs);
    w.advance_to(t);
}
