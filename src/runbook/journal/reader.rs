//! Reads a journal as bytes, tolerating a torn last line (the process died mid-write),
//! including one cut inside a multi-byte UTF-8 character: such a line is skipped with
//! a warning and every whole line before it is kept.

use super::record::Line;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct ReadJournal {
    pub lines: Vec<Line>,
    /// The last line was incomplete and ignored.
    pub torn_tail: bool,
    /// One sentence per line skipped, for the operator (empty when nothing was).
    pub warnings: Vec<String>,
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
    let bytes = crate::config::read_input_bytes(path)?;
    let mut j = parse_journal(&bytes).map_err(|(line, message)| ReadError::Corrupt {
        path: path.display().to_string(),
        line,
        message,
    })?;
    for w in &mut j.warnings {
        *w = format!("{}: {w}", path.display());
    }
    Ok(j)
}

fn blank(l: &[u8]) -> bool {
    l.iter().all(u8::is_ascii_whitespace)
}

/// Parses journal bytes; `Err((line_number, message))` for damage before the last line.
pub fn parse_journal(bytes: &[u8]) -> Result<ReadJournal, (usize, String)> {
    let mut lines = Vec::new();
    let mut torn_tail = false;
    let mut warnings = Vec::new();
    let raw: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let last_nonempty = raw.iter().rposition(|l| !blank(l));
    for (n, l) in raw.iter().enumerate() {
        if blank(l) {
            continue;
        }
        match serde_json::from_slice::<Line>(l) {
            Ok(line) => lines.push(line),
            // Only the final line can be torn by a crash; the writer terminates it on
            // reopen, so a torn line may also sit just before later whole lines.
            Err(_) if Some(n) == last_nonempty || looks_torn(l) => {
                torn_tail = true;
                warnings.push(format!(
                    "line {} is incomplete ({} bytes, cut by a crash mid-write) and is skipped",
                    n + 1,
                    l.len()
                ));
            }
            Err(e) => return Err((n + 1, e.to_string())),
        }
    }
    Ok(ReadJournal {
        lines,
        torn_tail,
        warnings,
    })
}

/// A line cut short by a crash: a whole line is valid UTF-8 ending in `}`.
fn looks_torn(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii_end();
    std::str::from_utf8(trimmed).is_err() || !trimmed.ends_with(b"}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::journal::fixture;

    #[test]
    fn a_torn_multi_byte_character_drops_only_the_last_line() {
        let bytes = fixture::real_journal_bytes();
        let text = std::str::from_utf8(&bytes).unwrap();
        // The fixture's abort (the line before the run's end) carries a non-ASCII
        // reason ("…"); cut inside that character.
        let cut = text.rfind('…').unwrap() + 1;
        assert!(!text.is_char_boundary(cut));
        let whole = parse_journal(&bytes).unwrap();
        let torn = parse_journal(&bytes[..cut]).unwrap();
        assert!(torn.torn_tail);
        assert_eq!(torn.lines, whole.lines[..whole.lines.len() - 2]);
        assert_eq!(torn.warnings.len(), 1, "{:?}", torn.warnings);
    }

    #[test]
    fn a_damaged_middle_line_is_an_error_with_its_number() {
        let bytes = fixture::real_journal_bytes();
        let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        lines[1] = b"{\"seq\":2,\"at\":\"nonsense\"}";
        let joined = lines.join(&b'\n');
        assert_eq!(parse_journal(&joined).unwrap_err().0, 2);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// A journal written by the real writer, cut at any byte (and optionally
        /// continued by a writer that reopened it), always reads: every whole line
        /// before the cut is kept, never more than the torn one is dropped.
        #[test]
        fn a_real_journal_cut_anywhere_keeps_every_whole_line(frac in 0.0f64..1.0) {
            let bytes = fixture::real_journal_bytes();
            let cut = ((bytes.len() as f64) * frac) as usize;
            check_cut(&bytes, cut);
        }
    }

    /// Every offset, exhaustively (the proptest above samples; this is the guarantee).
    #[test]
    fn a_real_journal_truncated_at_every_byte_offset_reads() {
        let bytes = fixture::real_journal_bytes();
        for cut in 0..=bytes.len() {
            check_cut(&bytes, cut);
        }
    }

    fn check_cut(bytes: &[u8], cut: usize) {
        let whole_lines = bytes[..cut].iter().filter(|b| **b == b'\n').count();
        let j = parse_journal(&bytes[..cut])
            .unwrap_or_else(|e| panic!("cut at {cut}: whole run dropped: {e:?}"));
        // A cut exactly before a newline leaves a whole line without its newline.
        let complete_unterminated = cut < bytes.len() && bytes[cut] == b'\n' && cut > 0;
        let expect = whole_lines + usize::from(complete_unterminated);
        assert_eq!(j.lines.len(), expect, "cut at {cut}");
        assert_eq!(
            j.torn_tail,
            cut > 0 && bytes[cut - 1] != b'\n' && !complete_unterminated,
            "cut at {cut}"
        );
    }
}
