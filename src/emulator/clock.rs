//! The simulated clock: sim now = start + real elapsed × speed.
//!
//! There is no timer: the world is advanced lazily, when a request (or an injected fault)
//! arrives, so an idle emulator costs no CPU.

use chrono::{DateTime, TimeDelta, Utc};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct SimClock {
    start_sim: DateTime<Utc>,
    start_real: Instant,
    speed: f64,
}

impl SimClock {
    /// `speed` must be finite and positive (checked by the caller).
    pub fn new(start_sim: DateTime<Utc>, start_real: Instant, speed: f64) -> SimClock {
        SimClock {
            start_sim,
            start_real,
            speed,
        }
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start_sim
    }

    /// Simulated time for the real instant `at`.
    pub fn sim_at(&self, at: Instant) -> DateTime<Utc> {
        self.start_sim + self.sim_elapsed(at.saturating_duration_since(self.start_real))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.sim_at(Instant::now())
    }

    fn sim_elapsed(&self, real: Duration) -> TimeDelta {
        // f64 seconds keep microsecond precision for centuries of simulated time.
        let micros = (real.as_secs_f64() * self.speed * 1e6).min(i64::MAX as f64 / 2.0);
        TimeDelta::microseconds(micros as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_time_runs_speed_times_faster() {
        let real0 = Instant::now();
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let clock = SimClock::new(start, real0, 10.0);
        let later = real0 + Duration::from_millis(1500);
        assert_eq!(clock.sim_at(later), start + TimeDelta::seconds(15));
        assert_eq!(clock.sim_at(real0), start);
    }

    #[test]
    fn an_instant_before_the_start_is_the_start() {
        let real0 = Instant::now() + Duration::from_secs(5);
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let clock = SimClock::new(start, real0, 2.0);
        assert_eq!(clock.sim_at(Instant::now()), start);
    }
}
