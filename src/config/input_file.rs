//! The one way drconsole reads a file it was given (environment, runbook, scenario,
//! journal, twin endpoints file): a regular file, at most [`MAX_INPUT_BYTES`], UTF-8.
//!
//! Why: `validate /dev/zero` once grew to 13 GB and `--env /dev/zero` hung. A device,
//! FIFO or directory is refused from its metadata *before* it is opened (opening a
//! FIFO blocks until a writer comes), and the read itself stops one byte past the cap,
//! so a file that grows while it is read cannot eat memory either.

use std::io::Read;
use std::path::Path;
use thiserror::Error;

/// Largest input file accepted: 4 MiB. The biggest shipped runbook is a few KiB and a
/// long run's journal a few hundred KiB; anything near this is not an input file.
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Why an input file was refused; each renders as one line naming the file.
#[derive(Debug, Error)]
pub enum InputFileError {
    #[error("{path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path}: not a regular file (it is {what}); give the path of a file")]
    NotRegular { path: String, what: &'static str },
    #[error("{path}: larger than {} MiB; not a drconsole input file", MAX_INPUT_BYTES / 1024 / 1024)]
    TooLarge { path: String },
    #[error("{path}: not UTF-8 text")]
    NotText { path: String },
}

impl InputFileError {
    /// The file as the operator named it.
    pub fn path(&self) -> &str {
        match self {
            InputFileError::Unreadable { path, .. }
            | InputFileError::NotRegular { path, .. }
            | InputFileError::TooLarge { path }
            | InputFileError::NotText { path } => path,
        }
    }

    /// True when nothing exists at the path (callers may offer alternatives).
    pub fn is_not_found(&self) -> bool {
        matches!(self, InputFileError::Unreadable { reason, .. } if reason == NOT_FOUND)
    }
}

const NOT_FOUND: &str = "no such file";

/// Reads `path` whole as text, or says in one line why not.
pub fn read_input_file(path: &Path) -> Result<String, InputFileError> {
    let bytes = read_input_bytes(path)?;
    String::from_utf8(bytes).map_err(|_| InputFileError::NotText {
        path: path.display().to_string(),
    })
}

/// Reads `path` whole as bytes under the same checks (the journal reader takes bytes,
/// so a torn multi-byte character on its last line costs that line, not the run).
pub fn read_input_bytes(path: &Path) -> Result<Vec<u8>, InputFileError> {
    let shown = path.display().to_string();
    let unreadable = |e: std::io::Error| InputFileError::Unreadable {
        path: shown.clone(),
        reason: io_reason(&e),
    };
    // Metadata first (follows symlinks): never open a device or a FIFO.
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    check_kind(&shown, &meta)?;
    let file = std::fs::File::open(path).map_err(unreadable)?;
    // Again on the handle: the path may have been swapped between the two calls.
    check_kind(&shown, &file.metadata().map_err(unreadable)?)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputFileError::TooLarge { path: shown });
    }
    Ok(bytes)
}

fn check_kind(shown: &str, meta: &std::fs::Metadata) -> Result<(), InputFileError> {
    if meta.is_file() {
        if meta.len() > MAX_INPUT_BYTES {
            return Err(InputFileError::TooLarge {
                path: shown.to_string(),
            });
        }
        return Ok(());
    }
    Err(InputFileError::NotRegular {
        path: shown.to_string(),
        what: kind_name(meta),
    })
}

fn kind_name(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_fifo() {
        "a pipe"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// The reason in plain words, without the OS's "(os error N)" suffix.
fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => NOT_FOUND.into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_fifos_are_refused_without_reading() {
        let e = read_input_file(Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(e, InputFileError::NotRegular { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "/dev/zero: not a regular file (it is a device); give the path of a file"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = read_input_file(dir.path()).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening a FIFO would block forever; refused from its metadata instead.
            let e = read_input_file(&fifo).unwrap_err();
            assert!(e.to_string().contains("a pipe"), "{e}");
        }
    }

    #[test]
    fn big_missing_and_binary_files_are_one_line_errors() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; MAX_INPUT_BYTES as usize + 1]).unwrap();
        let e = read_input_file(&big).unwrap_err();
        assert!(matches!(e, InputFileError::TooLarge { .. }), "{e}");
        let at_cap = dir.path().join("cap.yaml");
        std::fs::write(&at_cap, vec![b'#'; MAX_INPUT_BYTES as usize]).unwrap();
        assert!(read_input_file(&at_cap).is_ok());
        let e = read_input_file(&dir.path().join("nope.yaml")).unwrap_err();
        assert!(e.is_not_found());
        assert!(e.to_string().ends_with("nope.yaml: no such file"), "{e}");
        let bin = dir.path().join("bin.yaml");
        std::fs::write(&bin, [0xff, 0xfe, 0x00]).unwrap();
        let e = read_input_file(&bin).unwrap_err();
        assert!(e.to_string().ends_with("not UTF-8 text"), "{e}");
        for e in [
            read_input_file(&big).unwrap_err(),
            read_input_file(Path::new("/dev/zero")).unwrap_err(),
        ] {
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
}
