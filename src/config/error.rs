//! Errors in an environment file, always with a position a person can jump to.

use std::fmt;
use thiserror::Error;

/// What went wrong, so callers (and tests) can branch on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigErrorKind {
    Io,
    Syntax,
    UnknownReference,
    Duplicate,
    TooFewRegions,
    Endpoints,
    MalformedArn,
    Invalid,
}

/// `file:line:column: message`.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub struct ConfigError {
    pub kind: ConfigErrorKind,
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: the error has no position in any file (see `ConfigError::plain`).
        if self.line == 0 {
            return f.write_str(&self.message);
        }
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl ConfigError {
    pub fn at(
        kind: ConfigErrorKind,
        file: &str,
        loc: serde_saphyr::Location,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            kind,
            file: file.to_string(),
            line: loc.line().max(1),
            column: loc.column().max(1),
            message: message.into(),
        }
    }

    /// An error about `file` as a whole, shown without a made-up position.
    pub fn plain(kind: ConfigErrorKind, file: &str, message: impl Into<String>) -> Self {
        ConfigError {
            kind,
            file: file.to_string(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }

    /// A file refused by [`read_input_file`](super::read_input_file): one line, no position.
    pub fn input(e: &super::InputFileError) -> Self {
        Self::plain(ConfigErrorKind::Io, e.path(), e.to_string())
    }

    pub fn from_yaml(file: &str, e: &serde_saphyr::Error) -> Self {
        let (line, column, message) = yaml_error_parts(e);
        ConfigError {
            kind: ConfigErrorKind::Syntax,
            file: file.to_string(),
            line,
            column,
            message,
        }
    }
}

/// A serde-saphyr error as `(line, column, message)`: 1-based position (1:1 when it has
/// none) and the first line of its text without the position it repeats. Shared by
/// every YAML file the project reads (environments, scenarios, runbooks).
pub fn yaml_error_parts(e: &serde_saphyr::Error) -> (u64, u64, String) {
    let (line, column) = e
        .location()
        .map(|l| (l.line().max(1), l.column().max(1)))
        .unwrap_or((1, 1));
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("invalid YAML");
    (line, column, strip_position_prefix(first).to_string())
}

/// serde-saphyr prefixes "error: line N column M: "; the position is already ours.
fn strip_position_prefix(msg: &str) -> &str {
    let Some(rest) = msg.strip_prefix("error: line ") else {
        return msg;
    };
    match rest.find(": ") {
        Some(i) if rest[..i].contains(" column ") => &rest[i + 2..],
        _ => msg,
    }
}
