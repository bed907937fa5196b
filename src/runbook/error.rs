//! Runbook errors: always `file:line:column: message`, followed by the offending line
//! and a caret under the column.

use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunbookErrorKind {
    Io,
    Syntax,
    UnknownReference,
    Duplicate,
    Template,
    Invalid,
}

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub struct RunbookError {
    pub kind: RunbookErrorKind,
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
    /// The source line the position points into (empty when unknown).
    pub snippet: String,
}

impl fmt::Display for RunbookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: about the file as a whole; the message names it.
        if self.line == 0 {
            return f.write_str(&self.message);
        }
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if !self.snippet.is_empty() {
            let caret_pad: String = self
                .snippet
                .chars()
                .take(self.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n  | {}\n  | {caret_pad}^", self.snippet)?;
        }
        Ok(())
    }
}

/// Builds errors for one source text.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub origin: &'a str,
    pub text: &'a str,
}

impl Source<'_> {
    pub fn at_pos(
        &self,
        kind: RunbookErrorKind,
        line: u64,
        column: u64,
        message: impl Into<String>,
    ) -> RunbookError {
        let line = line.max(1);
        let snippet = self
            .text
            .lines()
            .nth((line - 1) as usize)
            .unwrap_or_default()
            .trim_end()
            .to_string();
        RunbookError {
            kind,
            file: self.origin.to_string(),
            line,
            column: column.max(1),
            message: message.into(),
            snippet,
        }
    }

    pub fn at(
        &self,
        kind: RunbookErrorKind,
        loc: serde_saphyr::Location,
        message: impl Into<String>,
    ) -> RunbookError {
        self.at_pos(kind, loc.line(), loc.column(), message)
    }

    /// A file refused by [`read_input_file`](crate::config::read_input_file): one
    /// line, no position (line 0).
    pub fn input(&self, e: &crate::config::InputFileError) -> RunbookError {
        RunbookError {
            kind: RunbookErrorKind::Io,
            file: self.origin.to_string(),
            line: 0,
            column: 0,
            message: e.to_string(),
            snippet: String::new(),
        }
    }

    pub fn yaml(&self, e: &serde_saphyr::Error) -> RunbookError {
        let (line, column, message) = crate::config::yaml_error_parts(e);
        self.at_pos(RunbookErrorKind::Syntax, line, column, message)
    }
}

/// All errors of one file, printed one after another.
#[derive(Debug, Clone, Error)]
pub struct RunbookErrors(pub Vec<RunbookError>);

impl fmt::Display for RunbookErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}
