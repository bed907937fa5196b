//! Standard output for the sub-commands that print: every write returns its error, so
//! a closed pipe (`drconsole journal list | head -2`) ends the command quietly instead
//! of the panic `println!` gives.
//!
//! Why not reset SIGPIPE to its default instead: that needs `unsafe` and libc, and a
//! signal kills the process wherever it is, so `drconsole run … | head` could die
//! between a mutating call and its journal outcome. Here `run` keeps going and only
//! drops its progress lines (see `run::progress`); the printing commands stop.

use std::fmt::Display;
use std::io::{self, Write};

/// Exit status after a closed stdout: 128 + SIGPIPE, what a shell reports for a filter
/// that stopped on a closed pipe, so a pipeline under `pipefail` reads it the same way.
pub const BROKEN_PIPE_EXIT: u8 = 141;

/// Writes `text` as is (it carries its own line ends).
pub fn text(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes `value` and a line end.
pub fn line(value: impl Display) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{value}")?;
    out.flush()
}

/// True when the error (or anything it wraps) is a write to a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn a_broken_pipe_is_recognised_through_context() {
        let e: anyhow::Error = Err::<(), _>(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("cannot write to stdout")
            .unwrap_err();
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }
}
