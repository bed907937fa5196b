//! Reads a journal, tolerating a torn last line (the process died mid-write).

use super::record::Line;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct ReadJournal {
    pub lines: Vec<Line>,
    /// The last line was incomplete and ignored.
    pub torn_tail: bool,
}

impl ReadJournal {
    pub fn last_seq(&self) -> u64 {
        self.lines.last().map(|l| l.seq).unwrap_or(0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not a regular file, too large or unreadable (see `config::read_input_file`).
    #[error(transparent)]
    Input(#[from] crate::config::InputFileError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A damaged line that is not the last one: the journal is corrupt, not torn.
    #[error("{path}:{line}: damaged journal line: {message}")]
    Corrupt {
        path: String,
        line: usize,
        message: String,
    },
}

pub fn read_journal(path: &Path) -> Result<ReadJournal, ReadError> {
    let text = crate::config::read_input_file(path)?;
    parse_journal(&text).map_err(|(line, message)| ReadError::Corrupt {
        path: path.display().to_string(),
        line,
        message,
    })
}

/// Parses journal text; `Err((line_number, message))` for damage before the last line.
pub fn parse_journal(text: &str) -> Result<ReadJournal, (usize, String)> {
    let mut lines = Vec::new();
    let mut torn_tail = false;
    let raw: Vec<&str> = text.split('\n').collect();
    let last_nonempty = raw.iter().rposition(|l| !l.trim().is_empty());
    for (n, l) in raw.iter().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(l) {
            Ok(line) => lines.push(line),
            // Only the final line can be torn by a crash; the writer terminates it on
            // reopen, so a torn line may also sit just before later whole lines.
            Err(_) if Some(n) == last_nonempty || looks_torn(l) => torn_tail = true,
            Err(e) => return Err((n + 1, e.to_string())),
        }
    }
    Ok(ReadJournal { lines, torn_tail })
}

/// A line cut short by a crash: valid JSON never ends mid-object.
fn looks_torn(line: &str) -> bool {
    !line.trim_end().ends_with('}')
}
