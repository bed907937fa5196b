//! The driver's journal: every record is written and fsynced by the
//! [`JournalWriter`] first, then published to whoever watches the run (console log,
//! headless progress lines).
//!
//! Test hook: `DRCONSOLE_TEST_PAUSE_AT=intent:STEP|outcome:STEP|done:STEP` makes the
//! process print `DRCONSOLE_TEST_PAUSED <point>` on stderr and stop there (after the
//! intent is durable and before the call is sent; after the call returned and before
//! its outcome is written; after the step's `done` is durable), so crash tests can
//! SIGKILL it at exactly that point.

use crate::runbook::journal::{JournalWriter, Record, RecordError, Recorder};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

use super::DriverEvent;

/// Environment variable naming the test pause point.
pub const PAUSE_ENV: &str = "DRCONSOLE_TEST_PAUSE_AT";
/// How long a paused process waits for its SIGKILL before giving up on its own.
const PAUSE_LIMIT: Duration = Duration::from_secs(120);

pub struct DriverRecorder {
    journal: JournalWriter,
    events: UnboundedSender<DriverEvent>,
    pause_at: Option<(PausePoint, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PausePoint {
    Intent,
    Outcome,
    Done,
}

fn pause_from_env() -> Option<(PausePoint, String)> {
    let v = std::env::var(PAUSE_ENV).ok()?;
    let (point, step) = v.split_once(':')?;
    let p = match point {
        "intent" => PausePoint::Intent,
        "outcome" => PausePoint::Outcome,
        "done" => PausePoint::Done,
        _ => return None,
    };
    Some((p, step.to_string()))
}

impl DriverRecorder {
    pub fn new(journal: JournalWriter, events: UnboundedSender<DriverEvent>) -> Self {
        DriverRecorder {
            journal,
            events,
            pause_at: pause_from_env(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.journal.path().to_path_buf()
    }

    fn hits(&self, point: PausePoint, r: &Record) -> bool {
        let Some((want, step)) = &self.pause_at else {
            return false;
        };
        *want == point
            && match (point, r) {
                (PausePoint::Intent, Record::Intent { step: s, .. })
                | (PausePoint::Outcome, Record::Outcome { step: s, .. }) => s == step,
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
        if let Some((p, step)) = &self.pause_at {
            let name = match p {
                PausePoint::Intent => "intent",
                PausePoint::Outcome => "outcome",
                PausePoint::Done => "done",
            };
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "DRCONSOLE_TEST_PAUSED {name}:{step}");
            let _ = err.flush();
        }
        std::thread::sleep(PAUSE_LIMIT);
        std::process::exit(3);
    }
}

impl Recorder for DriverRecorder {
    fn record(&mut self, at: DateTime<Utc>, record: Record) -> Result<(), RecordError> {
        if self.hits(PausePoint::Outcome, &record) {
            self.pause();
        }
        self.journal.record(at, record.clone())?;
        let after = self.hits(PausePoint::Intent, &record) || self.hits(PausePoint::Done, &record);
        // Nobody listening is fine: the journal is the record.
        let _ = self.events.send(DriverEvent::Journal { at, record });
        if after {
            self.pause();
        }
        Ok(())
    }
}
