//! The driver's journal: every record is written and fsynced by the
//! [`JournalWriter`] first, then published to whoever watches the run (console log,
//! headless progress lines).
//!
//! Every record is stamped when it is written, on the run's clock: an outcome
//! carries the time its answer arrived, so call latency reads from the journal.
//!
//! With the `test-hooks` feature, [`PauseHook`](super::pause_hook) can stop the
//! process at a record for the crash tests; without it there is no hook at all.

use crate::runbook::journal::{JournalWriter, Record, RecordError, Recorder};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use tokio::sync::mpsc::UnboundedSender;

use super::DriverEvent;
use super::clock::RunClock;

pub struct DriverRecorder {
    journal: JournalWriter,
    events: UnboundedSender<DriverEvent>,
    clock: RunClock,
    #[cfg(feature = "test-hooks")]
    pause: super::pause_hook::PauseHook,
}

impl DriverRecorder {
    pub fn new(
        journal: JournalWriter,
        events: UnboundedSender<DriverEvent>,
        clock: RunClock,
    ) -> Self {
        DriverRecorder {
            journal,
            events,
            clock,
            #[cfg(feature = "test-hooks")]
            pause: super::pause_hook::PauseHook::from_env(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.journal.path().to_path_buf()
    }
}

impl Recorder for DriverRecorder {
    /// `at` is when the engine began the turn that produced the record; the record is
    /// stamped now (never earlier than `at`), after whatever call it reports returned.
    fn record(&mut self, at: DateTime<Utc>, record: Record) -> Result<(), RecordError> {
        let at = self.clock.now().max(at);
        #[cfg(feature = "test-hooks")]
        self.pause.before(&record);
        self.journal.record(at, record.clone())?;
        #[cfg(feature = "test-hooks")]
        let after = record.clone();
        // Nobody listening is fine: the journal is the record.
        let _ = self.events.send(DriverEvent::Journal {
            at,
            record: Box::new(record),
        });
        #[cfg(feature = "test-hooks")]
        self.pause.after(&after);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::journal::read_journal;

    /// Issue 7 §4: an outcome is stamped when its answer arrived, not when the engine
    /// began the turn that sent the call (which is what `at` says).
    #[test]
    fn a_record_is_stamped_when_it_is_written_not_when_the_turn_began() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs/r.jsonl");
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let clock = RunClock::real();
        let mut rec = DriverRecorder::new(JournalWriter::create(&path).unwrap(), tx, clock);
        let turn_began = clock.now() - chrono::Duration::seconds(30);
        let before_write = clock.now();
        rec.record(
            turn_began,
            Record::RunEnd {
                outcome: "completed".into(),
            },
        )
        .unwrap();
        let j = read_journal(&path).unwrap();
        assert!(j.lines[0].at >= before_write, "{:?}", j.lines[0].at);
    }
}
