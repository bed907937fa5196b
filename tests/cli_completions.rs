//! `drconsole completions SHELL` and `drconsole man`, generated from the clap
//! definitions, through the real binary.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_drconsole");

fn stdout_of(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn completions_for_bash_zsh_and_fish_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let s = stdout_of(&["completions", shell]);
        assert!(!s.trim().is_empty(), "{shell}");
        for sub in ["status", "doctor", "validate", "completions"] {
            assert!(s.contains(sub), "{shell} completion lacks {sub}");
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = Command::new(BIN)
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_is_roff() {
    let s = stdout_of(&["man"]);
    assert!(s.starts_with(".TH"), "{}", &s[..s.len().min(200)]);
    assert!(s.contains("doctor"), "the man page lists the subcommands");
}
