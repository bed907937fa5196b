//! Test hook, built only with the `test-hooks` cargo feature (which `cargo test`
//! turns on; a release build has none of this, and the variable is ignored):
//! `DRCONSOLE_TEST_PAUSE_AT=intent:STEP|outcome:STEP|settled:STEP|done:STEP|restore_job:STEP`
//! makes the
//! process print `DRCONSOLE_TEST_PAUSED <point>` on stderr and stop there (after the
//! intent is durable and before the call is sent; after the call returned and before
//! its outcome is written; after a fresh read settled an unknown call and before the
//! settled record is written; after the step's `done` is durable; after a followed
//! restore job's status record is durable), so crash tests can
//! SIGKILL it at exactly that point.

use crate::runbook::journal::Record;
use std::io::Write;
use std::time::Duration;

/// Environment variable naming the test pause point.
pub const PAUSE_ENV: &str = "DRCONSOLE_TEST_PAUSE_AT";
/// How long a paused process waits for its SIGKILL before giving up on its own.
const PAUSE_LIMIT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PausePoint {
    Intent,
    Outcome,
    Settled,
    Done,
    RestoreJob,
}

#[derive(Debug, Clone)]
pub struct PauseHook(Option<(PausePoint, String)>);

impl PauseHook {
    pub fn from_env() -> Self {
        PauseHook(parse(&std::env::var(PAUSE_ENV).unwrap_or_default()))
    }

    /// Before a record is written: pauses at `outcome:STEP`, `settled:STEP`.
    pub fn before(&self, r: &Record) {
        if self.hits(PausePoint::Outcome, r) || self.hits(PausePoint::Settled, r) {
            self.pause();
        }
    }

    /// After a record is durable (and published): pauses at `intent:STEP`, `done:STEP`,
    /// `restore_job:STEP` (a followed restore job's first journaled status).
    pub fn after(&self, r: &Record) {
        if self.hits(PausePoint::Intent, r)
            || self.hits(PausePoint::Done, r)
            || self.hits(PausePoint::RestoreJob, r)
        {
            self.pause();
        }
    }

    fn hits(&self, point: PausePoint, r: &Record) -> bool {
        let Some((want, step)) = &self.0 else {
            return false;
        };
        *want == point
            && match (point, r) {
                (PausePoint::Intent, Record::Intent { step: s, .. })
                | (PausePoint::Outcome, Record::Outcome { step: s, .. })
                | (PausePoint::Settled, Record::Settled { step: s, .. })
                | (PausePoint::RestoreJob, Record::RestoreJob { step: s, .. }) => s == step,
                (
                    PausePoint::Done,
                    Record::Step {
                        step: s, status, ..
                    },
                ) => s == step && status == "done",
                _ => false,
            }
    }

    fn pause(&self) {
        if let Some((p, step)) = &self.0 {
            let name = match p {
                PausePoint::Intent => "intent",
                PausePoint::Outcome => "outcome",
                PausePoint::Settled => "settled",
                PausePoint::Done => "done",
                PausePoint::RestoreJob => "restore_job",
            };
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "DRCONSOLE_TEST_PAUSED {name}:{step}");
            let _ = err.flush();
        }
        std::thread::sleep(PAUSE_LIMIT);
        std::process::exit(3);
    }
}

fn parse(v: &str) -> Option<(PausePoint, String)> {
    let (point, step) = v.split_once(':')?;
    let p = match point {
        "intent" => PausePoint::Intent,
        "outcome" => PausePoint::Outcome,
        "settled" => PausePoint::Settled,
        "done" => PausePoint::Done,
        "restore_job" => PausePoint::RestoreJob,
        _ => return None,
    };
    Some((p, step.to_string()))
}
