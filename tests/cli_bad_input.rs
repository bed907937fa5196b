//! Bad input through the real binary: never a hang, a panic or unbounded memory; a
//! one-line error and exit 2. Also a closed stdout, a missing terminal and the
//! console's runbook search path.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_drconsole"));
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env(
            "DRCONSOLE_STATE_DIR",
            std::env::temp_dir().join("drconsole-cli-bad-input"),
        )
        .env_remove("DRCONSOLE_RUNBOOKS");
    c
}

/// Hang detector, not a performance bound: a run that regresses into reading
/// `/dev/zero` forever is killed after this long, and the test fails on its status.
const HANG_BOUND: Duration = Duration::from_secs(60);

/// Waits for the child (killing it past [`HANG_BOUND`]); returns status and stderr.
fn finish(mut child: Child) -> (ExitStatus, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > HANG_BOUND {
            let _ = child.kill();
            let s = child.wait().expect("wait after kill");
            panic!("drconsole did not finish within {HANG_BOUND:?} (killed: {s})");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    (status, err)
}

fn run(args: &[&str]) -> (ExitStatus, String) {
    finish(bin().args(args).spawn().expect("spawn drconsole"))
}

fn assert_one_line_exit_2(args: &[&str], needle: &str) {
    let (status, err) = run(args);
    assert_eq!(status.code(), Some(2), "{args:?}: {status}\n{err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: not one line:\n{err}"
    );
    assert!(err.contains(needle), "{args:?}: want {needle:?} in\n{err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
}

#[test]
fn dev_zero_is_refused_everywhere_in_one_line_with_exit_2() {
    let dev = "/dev/zero: not a regular file";
    assert_one_line_exit_2(&["validate", "/dev/zero"], dev);
    assert_one_line_exit_2(&["plan", "/dev/zero"], dev);
    assert_one_line_exit_2(
        &["validate", "--env", "/dev/zero", "runbooks/game-day.yaml"],
        dev,
    );
    assert_one_line_exit_2(&["status", "--env", "/dev/zero"], dev);
    assert_one_line_exit_2(&["status", "--scenario", "/dev/zero"], dev);
    assert_one_line_exit_2(&["console", "--scenario", "/dev/zero"], dev);
    assert_one_line_exit_2(&["status", "--twin-endpoints", "/dev/zero"], dev);
    assert_one_line_exit_2(&["emulator", "--scenario", "/dev/zero"], dev);
}

#[test]
fn a_huge_runbook_or_environment_is_refused_by_size() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(drconsole::config::MAX_INPUT_BYTES + 1).unwrap();
    let big = big.to_str().unwrap();
    assert_one_line_exit_2(&["validate", big], "larger than 4 MiB");
    assert_one_line_exit_2(&["status", "--env", big], "larger than 4 MiB");
    assert_one_line_exit_2(&["validate", dir.path().to_str().unwrap()], "a directory");
}

#[test]
fn a_journal_that_is_not_a_file_is_refused() {
    let state = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(state.path().join("runs/r1.jsonl")).unwrap();
    let (status, err) = finish(
        bin()
            .args(["journal", "show", "r1"])
            .env("DRCONSOLE_STATE_DIR", state.path())
            .spawn()
            .unwrap(),
    );
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains("not a regular file (it is a directory)"),
        "{err}"
    );
}

#[test]
fn a_closed_stdout_ends_every_printing_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let state = tempfile::tempdir().unwrap();
    // Enough journaled runs that `journal list` writes after the reader is gone.
    let runs = state.path().join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    for i in 0..50 {
        std::fs::write(runs.join(format!("run-{i:03}.jsonl")), "").unwrap();
    }
    let cases: [&[&str]; 3] = [
        &["journal", "list"],
        &["plan", "runbooks/pilot-light-failover.yaml"],
        &[
            "validate",
            "runbooks/game-day.yaml",
            "runbooks/failback.yaml",
        ],
    ];
    for args in cases {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader); // closed before the first write: every write is EPIPE
        let child = bin()
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DRCONSOLE_STATE_DIR", state.path())
            .stdout(writer)
            .spawn()
            .unwrap();
        let (status, err) = finish(child);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.trim().is_empty(), "{args:?}: not quiet: {err}");
        assert!(
            status.code() == Some(141) || status.signal().is_some(),
            "{args:?}: {status}"
        );
    }
}

#[test]
fn an_unknown_scenario_fails_before_the_terminal_with_the_list() {
    let (status, err) = run(&["--scenario", "nope"]);
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("unknown scenario 'nope'"), "{err}");
    assert!(err.contains("calm"), "lists the built-in scenarios: {err}");
    assert!(!err.contains("terminal"), "{err}");
}

#[test]
fn without_a_terminal_the_console_points_to_status() {
    let (status, err) = run(&[]);
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("drconsole status"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn the_runbooks_flag_is_accepted_by_the_console_only() {
    use clap::Parser;
    use drconsole::cli::{Cli, Command};
    let cli = Cli::try_parse_from(["drconsole", "--runbooks", "/a", "--runbooks", "/b"]).unwrap();
    assert_eq!(cli.console.runbooks.len(), 2);
    let cli = Cli::try_parse_from(["drconsole", "console", "--runbooks", "/a"]).unwrap();
    assert!(matches!(cli.command, Some(Command::Console(c)) if c.runbooks.len() == 1));
    assert!(Cli::try_parse_from(["drconsole", "status", "--runbooks", "/a"]).is_err());
}
