//! A steady clock in UTC terms: the wall time when first asked, plus monotonic time
//! (`std::time::Instant`) since. Ages, freshness and deadlines are measured on it, so
//! a step of the system clock (NTP, a VM resume, an operator's `date -s`) can neither
//! make stale data look fresh nor end a pause early. Wall time stays for display and
//! the journal.

use chrono::{DateTime, Utc};
use std::sync::OnceLock;
use std::time::Instant;

/// Wall time at a base instant, advanced by monotonic time only.
#[derive(Debug, Clone, Copy)]
pub struct SteadyClock {
    base_wall: DateTime<Utc>,
    base: Instant,
}

impl SteadyClock {
    /// A clock that reads `wall` at `at`.
    pub fn starting(wall: DateTime<Utc>, at: Instant) -> Self {
        SteadyClock {
            base_wall: wall,
            base: at,
        }
    }

    /// The clock's reading at instant `i` (never before its base).
    pub fn at(&self, i: Instant) -> DateTime<Utc> {
        let since = i.saturating_duration_since(self.base);
        self.base_wall + chrono::Duration::from_std(since).unwrap_or(chrono::Duration::MAX)
    }
}

/// Now on the process's steady clock.
pub fn steady_now() -> DateTime<Utc> {
    static CLOCK: OnceLock<SteadyClock> = OnceLock::new();
    CLOCK
        .get_or_init(|| SteadyClock::starting(Utc::now(), Instant::now()))
        .at(Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::observe::{Obs, Report};
    use chrono::{Duration, TimeZone};

    /// Issue 8 §3: the wall clock steps back an hour between a read and the freshness
    /// check. Judged on wall time the read would look fresh for another hour (and a
    /// forward step would make it look older than it is); on the steady clock its age
    /// is the 5 s that really passed, and it turns stale on time.
    #[test]
    fn a_wall_clock_step_does_not_make_stale_data_fresh() {
        let wall0 = Utc
            .with_ymd_and_hms(2026, 11, 27, 14, 0, 0)
            .single()
            .unwrap();
        let i0 = Instant::now();
        let clock = SteadyClock::starting(wall0, i0);
        let read_at = clock.at(i0);
        let mut o: Obs<u32> = Obs::default();
        o.record(Report {
            started: read_at,
            at: read_at,
            result: Ok(1),
        });
        let later = i0 + std::time::Duration::from_secs(5);
        // What the wall clock says 5 s later, after stepping back an hour.
        let stepped_wall = wall0 + Duration::seconds(5) - Duration::hours(1);
        assert!(
            o.fresh(stepped_wall, Duration::seconds(4)),
            "on the stepped wall clock the read looks fresh (the bug)"
        );
        let steady = clock.at(later);
        assert_eq!(steady - read_at, Duration::seconds(5));
        assert!(!o.fresh(steady, Duration::seconds(4)), "5 s old: stale");
        // A pause of 10 s that started at the read does not end at a forward step.
        let deadline = read_at + Duration::seconds(10);
        assert!(clock.at(later) < deadline, "the pause is still running");
    }
}
