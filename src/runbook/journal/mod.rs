//! The run journal: append-only JSON lines, one file per run, every line fsynced.
//! An intent is durable before each mutating call, an outcome after it.

pub mod approval;
#[cfg(test)]
pub mod fixture;
pub mod lock;
pub mod reader;
pub mod record;
pub mod restore_tests;
pub mod resume;
pub mod writer;

pub use lock::{LockError, LockState, RunLock};
pub use reader::{ReadJournal, read_journal};
pub use record::{Line, MemoryRecorder, Record, RecordError, Recorder};
pub use resume::ResumePoint;
pub use writer::JournalWriter;

use std::path::{Path, PathBuf};

/// `$DRCONSOLE_STATE_DIR` if set (the same variable `--state-dir` reads, so the console
/// and `drconsole run`/`journal` agree), else `$XDG_STATE_HOME/drconsole`, else
/// `~/.local/state/drconsole`. Journals live in its `runs/`.
pub fn default_state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DRCONSOLE_STATE_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("drconsole")
}

/// Every run's journal file under the state directory, newest first (run ids sort by
/// start time). Empty when the directory does not exist yet.
pub fn run_files(state_dir: &Path) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(state_dir.join("runs")) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files.reverse();
    files
}

/// The journal file of a run.
pub fn run_path(state_dir: &Path, run_id: &str) -> PathBuf {
    state_dir.join("runs").join(format!("{run_id}.jsonl"))
}

/// A new run id: UTC time plus a short random suffix, sortable by start time.
pub fn new_run_id(now: chrono::DateTime<chrono::Utc>, runbook_file_stem: &str) -> String {
    let suffix: u32 = rand::random::<u32>() & 0xffff;
    let stem: String = runbook_file_stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{}-{stem}-{suffix:04x}", now.format("%Y%m%dT%H%M%SZ"))
}

/// The account name of this process's real uid, from /proc and /etc/passwd (SSH
/// sessions and cron jobs may not set USER). Hand-written: two small file reads
/// instead of a libc/users dependency.
fn user_from_uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_string())
    });
    Some(name.unwrap_or_else(|| format!("uid{uid}")))
}

/// user@host of whoever runs this process.
pub fn operator_name() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(user_from_uid)
        .unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    format!("{user}@{host}")
}
