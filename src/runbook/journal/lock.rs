//! One console per run: an OS file lock (`flock` through `File::try_lock`) on
//! `RUN.lock` next to the journal. The file is never deleted, so there is no
//! remove-and-retry race, and the kernel releases the lock when its holder dies
//! (crash, kill -9, a dropped SSH session): no PID liveness guess is needed. The
//! file's text only says who holds it (or held it, when it was left by a process that
//! died); it never decides anything.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("run is held by a live console: {holder} (lock file {path})")]
    Held { holder: String, path: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// What the lock of a run says right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockState {
    /// Nobody holds it and nobody left a name in it.
    Free,
    /// A live process holds the OS lock; the text names it.
    Held(String),
    /// The OS lock is free but the text names a holder: that process ended without
    /// releasing it cleanly (crash, kill -9), so the kernel released it.
    LeftByDeadProcess(String),
}

/// Held while a console executes a run; released (and its text cleared) on drop, and
/// by the kernel if the process dies.
#[derive(Debug)]
pub struct RunLock {
    file: File,
}

/// How many times a lock that looks held is tried again: a `journal list` or a resume
/// offer probing the lock holds it for a moment.
const ACQUIRE_TRIES: u32 = 5;
const ACQUIRE_PAUSE: Duration = Duration::from_millis(20);

fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

fn text_of(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut s);
    s.trim().to_string()
}

impl RunLock {
    pub fn path_for(journal: &Path) -> PathBuf {
        journal.with_extension("lock")
    }

    /// Takes the lock for `journal`, or says who holds it.
    pub fn acquire(journal: &Path, operator: &str) -> Result<Self, LockError> {
        let path = Self::path_for(journal);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = open(&path).map_err(io)?;
        let mut tries = 0;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if tries + 1 < ACQUIRE_TRIES => {
                    tries += 1;
                    std::thread::sleep(ACQUIRE_PAUSE);
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(LockError::Held {
                        holder: holder_text(&mut file),
                        path: path.display().to_string(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        let content = format!(
            "{operator} pid {} since {}\n",
            std::process::id(),
            chrono::Utc::now().to_rfc3339()
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(content.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(RunLock { file })
    }

    /// The state of `journal`'s lock. Probing holds a shared lock for an instant, so
    /// it never takes a run from anyone.
    pub fn state(journal: &Path) -> LockState {
        let path = Self::path_for(journal);
        let Ok(mut file) = OpenOptions::new().read(true).open(&path) else {
            return LockState::Free;
        };
        match file.try_lock_shared() {
            Ok(()) => {
                let text = text_of(&mut file);
                let _ = file.unlock();
                if text.is_empty() {
                    LockState::Free
                } else {
                    LockState::LeftByDeadProcess(text)
                }
            }
            Err(TryLockError::WouldBlock) => LockState::Held(holder_text(&mut file)),
            // Unlockable (e.g. a filesystem without flock): say what the file says.
            Err(TryLockError::Error(_)) => {
                let text = text_of(&mut file);
                if text.is_empty() {
                    LockState::Free
                } else {
                    LockState::Held(text)
                }
            }
        }
    }

    /// Who holds the lock of `journal` right now (a live process), if anyone.
    pub fn holder(journal: &Path) -> Option<String> {
        match Self::state(journal) {
            LockState::Held(h) => Some(h),
            _ => None,
        }
    }
}

fn holder_text(file: &mut File) -> String {
    let t = text_of(file);
    if t.is_empty() {
        "another process (it has not written its name yet)".into()
    } else {
        t
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // A clean release clears the name; closing the file releases the lock.
        let _ = self.file.set_len(0);
        let _ = self.file.sync_data();
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_and_told_who() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("run.jsonl");
        let held = RunLock::acquire(&j, "alice@box").unwrap();
        let err = RunLock::acquire(&j, "bob@box").unwrap_err().to_string();
        assert!(err.contains("alice@box"), "{err}");
        assert!(matches!(RunLock::state(&j), LockState::Held(h) if h.starts_with("alice@box")));
        drop(held);
        assert_eq!(RunLock::state(&j), LockState::Free);
        assert!(RunLock::acquire(&j, "bob@box").is_ok());
        // The lock file is never deleted.
        assert!(RunLock::path_for(&j).exists());
    }

    /// A crashed holder leaves its name but not the OS lock: the next console takes
    /// the run, and until then the state says the holder died. No PID is consulted:
    /// the text here names a pid that is alive (this test's own).
    #[test]
    fn a_name_left_without_the_os_lock_is_a_dead_holder_and_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("run.jsonl");
        let left = format!("alice@box pid {} since x", std::process::id());
        std::fs::write(RunLock::path_for(&j), format!("{left}\n")).unwrap();
        assert_eq!(RunLock::state(&j), LockState::LeftByDeadProcess(left));
        assert_eq!(RunLock::holder(&j), None);
        let l = RunLock::acquire(&j, "bob@box").unwrap();
        assert!(matches!(RunLock::state(&j), LockState::Held(h) if h.starts_with("bob@box")));
        drop(l);
    }

    /// A live holder on another host's name, or with a dead-looking pid, is still a
    /// live holder: only the kernel's lock decides.
    #[test]
    fn the_os_lock_decides_not_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("run.jsonl");
        let held = RunLock::acquire(&j, "alice@box").unwrap();
        std::fs::write(RunLock::path_for(&j), "alice@box pid 4194304999 since x\n").unwrap();
        assert!(RunLock::acquire(&j, "alice@box").is_err());
        drop(held);
    }
}
