//! Appends journal lines, each fsynced before `record` returns.

use super::record::{Line, Record, RecordError, Recorder};
use chrono::{DateTime, Utc};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct JournalWriter {
    file: File,
    path: PathBuf,
    seq: u64,
}

impl JournalWriter {
    /// Creates a new run's journal; fails if it already exists.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(path)?;
        // Make the new directory entry itself durable.
        if let Some(dir) = path.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(JournalWriter {
            file,
            path: path.to_path_buf(),
            seq: 0,
        })
    }

    /// Reopens an existing journal to continue it. A torn last line (a crash mid-write)
    /// is terminated first, so the next record starts on its own line.
    pub fn append(path: &Path, last_seq: u64) -> std::io::Result<Self> {
        let bytes = std::fs::read(path)?;
        let mut file = OpenOptions::new().append(true).open(path)?;
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            file.write_all(b"\n")?;
            file.sync_data()?;
        }
        Ok(JournalWriter {
            file,
            path: path.to_path_buf(),
            seq: last_seq,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Recorder for JournalWriter {
    fn record(&mut self, at: DateTime<Utc>, record: Record) -> Result<(), RecordError> {
        let line = Line {
            seq: self.seq + 1,
            at,
            record,
        };
        let mut text = serde_json::to_string(&line).map_err(|e| RecordError(e.to_string()))?;
        text.push('\n');
        // One write per line, then fsync: after a crash a line is whole or torn at the end.
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| RecordError(format!("{}: {e}", self.path.display())))?;
        self.seq += 1;
        Ok(())
    }
}
