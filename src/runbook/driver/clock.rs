//! The run's clock. Against a real account it is wall-clock time; against the twin
//! it is the twin's simulated time (wall time × `--speed` since the twin started), so
//! waits, pauses, RTO and metric windows all move at the twin's pace.

use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunClock {
    /// When simulated and wall time agreed (the twin's start).
    origin: DateTime<Utc>,
    /// Run seconds per wall second; 1 for real time.
    speed: f64,
}

impl RunClock {
    pub fn real() -> Self {
        RunClock {
            origin: DateTime::<Utc>::UNIX_EPOCH,
            speed: 1.0,
        }
    }

    /// A clock running `speed` times faster than wall time since `origin`. A speed
    /// that is not a positive finite number falls back to real time.
    pub fn scaled(origin: DateTime<Utc>, speed: f64) -> Self {
        if speed.is_finite() && speed > 0.0 {
            RunClock { origin, speed }
        } else {
            RunClock::real()
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Run time now, on the steady clock: waits, pauses and deadlines survive a step
    /// of the system clock (issue 8 §3).
    pub fn now(&self) -> DateTime<Utc> {
        self.at(crate::monitor::clock::steady_now())
    }

    /// Run time at wall time `wall`.
    pub fn at(&self, wall: DateTime<Utc>) -> DateTime<Utc> {
        if self.speed == 1.0 {
            return wall;
        }
        let real = (wall - self.origin)
            .num_microseconds()
            .unwrap_or(i64::MAX / 4) as f64;
        let scaled = (real * self.speed).clamp(i64::MIN as f64 / 4.0, i64::MAX as f64 / 4.0);
        self.origin + chrono::Duration::microseconds(scaled as i64)
    }

    /// How long to wait in wall time until run time `t` (zero if it has passed).
    pub fn wall_until(&self, t: DateTime<Utc>) -> Duration {
        let run = (t - self.now()).to_std().unwrap_or(Duration::ZERO);
        run.div_f64(self.speed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_time_runs_faster_and_waits_shrink() {
        let origin: DateTime<Utc> = "2026-11-27T03:00:00Z".parse().unwrap();
        let c = RunClock::scaled(origin, 10.0);
        let wall = origin + chrono::Duration::seconds(3);
        assert_eq!(c.at(wall), origin + chrono::Duration::seconds(30));
        let r = RunClock::real();
        assert_eq!(r.at(wall), wall);
        assert_eq!(RunClock::scaled(origin, f64::NAN), RunClock::real());
        let soon = c.now() + chrono::Duration::seconds(100);
        let w = c.wall_until(soon);
        assert!(
            w <= Duration::from_secs(10) && w > Duration::from_secs(9),
            "{w:?}"
        );
        assert_eq!(c.wall_until(origin), Duration::ZERO);
    }
}
