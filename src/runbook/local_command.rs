//! Runs a `command` step's local program with a timeout and captured output, for the
//! integrator's [`World`](super::engine::World) implementation. Blocking: call it from
//! a blocking task, never from the UI thread.

use super::engine::{CallError, CallErrorKind, Receipt};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Output kept per stream; the rest is cut (a runaway program cannot fill the journal).
const MAX_OUTPUT: usize = 16 * 1024;

#[allow(clippy::result_large_err)] // see World::perform
pub fn run(program: &str, args: &[String], timeout: Duration) -> Result<Receipt, CallError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            CallError::new(
                CallErrorKind::CommandFailed,
                format!("cannot start `{program}`: {e}"),
            )
        })?;
    // Drain the pipes on threads so a chatty program cannot block on a full pipe.
    let out = child.stdout.take().map(drain);
    let err = child.stderr.take().map(drain);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                return Err(CallError::new(
                    CallErrorKind::CommandFailed,
                    format!("waiting for `{program}`: {e}"),
                ));
            }
        }
    };
    // A grandchild may hold the pipes open after the program ended: wait only briefly.
    let text = |rx: Option<mpsc::Receiver<String>>| {
        rx.and_then(|rx| rx.recv_timeout(Duration::from_secs(2)).ok())
            .unwrap_or_default()
    };
    let (stdout, stderr) = (text(out), text(err));
    let output = format!(
        "{stdout}{}{stderr}",
        if stderr.is_empty() {
            ""
        } else {
            "\n[stderr]\n"
        }
    );
    match status {
        Some(s) if s.success() => Ok(Receipt {
            request_id: None,
            endpoint: Some("local".into()),
            output: Some(output),
            created: None,
        }),
        Some(s) => {
            let mut e = CallError::new(
                CallErrorKind::CommandFailed,
                format!("`{program}` exited with {s}"),
            );
            e.output = Some(output);
            Err(e)
        }
        None => {
            let mut e = CallError::new(
                CallErrorKind::CommandFailed,
                format!(
                    "`{program}` timed out after {} and was killed",
                    humantime::format_duration(timeout)
                ),
            );
            e.output = Some(output);
            Err(e)
        }
    }
}

fn drain<R: Read + Send + 'static>(mut r: R) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if buf.len() < MAX_OUTPUT {
                buf.extend_from_slice(&chunk[..n.min(MAX_OUTPUT - buf.len())]);
            }
        }
        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_failure_and_timeout() {
        let ok = run(
            "sh",
            &["-c".into(), "echo scaled".into()],
            Duration::from_secs(30),
        )
        .unwrap();
        assert_eq!(ok.output.as_deref(), Some("scaled\n"));
        let bad = run(
            "sh",
            &["-c".into(), "echo nope >&2; exit 3".into()],
            Duration::from_secs(30),
        )
        .unwrap_err();
        assert!(bad.message.contains("exit status: 3"), "{}", bad.message);
        assert!(bad.output.unwrap().contains("nope"));
        let slow = run("sleep", &["30".into()], Duration::from_millis(100)).unwrap_err();
        assert!(slow.message.contains("timed out"), "{}", slow.message);
        let missing = run("/nonexistent/scale-cli", &[], Duration::from_secs(1)).unwrap_err();
        assert!(missing.message.contains("cannot start"));
    }
}
