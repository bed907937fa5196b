//! One console per run: a lock file next to the journal says who holds it.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("run is held by {holder} (lock file {path})")]
    Held { holder: String, path: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Held while a console executes a run; removed on drop.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    pub fn path_for(journal: &Path) -> PathBuf {
        journal.with_extension("lock")
    }

    /// Takes the lock for `journal`. A lock left by a dead process on this host is
    /// taken over; a live holder (or one on another host) refuses.
    pub fn acquire(journal: &Path, operator: &str) -> Result<Self, LockError> {
        let path = Self::path_for(journal);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        // "user@host" may carry a note after it ("root@vm (auto-confirm)").
        let host = operator
            .split('@')
            .nth(1)
            .and_then(|h| h.split_whitespace().next())
            .unwrap_or_default()
            .to_string();
        let content = format!(
            "{operator} pid {} since {}\n",
            std::process::id(),
            chrono::Utc::now().to_rfc3339()
        );
        // Two attempts: the second after removing a stale lock.
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(content.as_bytes()).map_err(io)?;
                    f.sync_all().map_err(io)?;
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    if is_stale(&holder, &host) {
                        std::fs::remove_file(&path).map_err(io)?;
                        continue;
                    }
                    return Err(LockError::Held {
                        holder: holder.trim().to_string(),
                        path: path.display().to_string(),
                    });
                }
                Err(e) => return Err(io(e)),
            }
        }
        Err(LockError::Held {
            holder: "another process (lock re-taken while retrying)".into(),
            path: path.display().to_string(),
        })
    }

    /// Who holds the lock of `journal`, if anyone.
    pub fn holder(journal: &Path) -> Option<String> {
        std::fs::read_to_string(Self::path_for(journal))
            .ok()
            .map(|s| s.trim().to_string())
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// "user@host pid N since T": stale when on this host and the pid is gone.
fn is_stale(holder: &str, my_host: &str) -> bool {
    let words: Vec<&str> = holder.split_whitespace().collect();
    let who = words.first().copied().unwrap_or_default();
    let host = who.split('@').nth(1).unwrap_or_default();
    // The operator may carry a note before "pid" ("root@vm (auto-confirm) pid 7 …").
    let pid = words
        .iter()
        .position(|w| *w == "pid")
        .and_then(|i| words.get(i + 1))
        .and_then(|p| p.parse::<u32>().ok());
    match pid {
        Some(pid) if host == my_host => {
            pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => false,
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
        drop(held);
        assert!(RunLock::acquire(&j, "bob@box").is_ok());
    }

    #[test]
    fn dead_holder_on_this_host_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("run.jsonl");
        // A pid above the kernel maximum is never alive.
        std::fs::write(RunLock::path_for(&j), "alice@box pid 4194304999 since x\n").unwrap();
        assert!(RunLock::acquire(&j, "bob@box").is_ok());
        std::fs::write(
            RunLock::path_for(&j),
            "alice@other pid 4194304999 since x\n",
        )
        .unwrap();
        assert!(RunLock::acquire(&j, "bob@box").is_err());
    }

    #[test]
    fn a_note_after_the_operator_does_not_hide_a_dead_holder() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("run.jsonl");
        std::fs::write(
            RunLock::path_for(&j),
            "alice@box (auto-confirm) pid 4194304999 since x\n",
        )
        .unwrap();
        assert!(RunLock::acquire(&j, "alice@box (auto-confirm)").is_ok());
    }
}
