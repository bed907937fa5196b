//! `drconsole completions bash|zsh|fish` and `drconsole man`: both generated from
//! the same clap definitions as the parser (`Cli::command()`), so they cannot drift
//! from the flags the binary accepts.

use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: CompletionShell,
}

/// The shells supported (a subset of clap_complete's, the ones we test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

impl From<CompletionShell> for Shell {
    fn from(s: CompletionShell) -> Shell {
        match s {
            CompletionShell::Bash => Shell::Bash,
            CompletionShell::Zsh => Shell::Zsh,
            CompletionShell::Fish => Shell::Fish,
        }
    }
}

/// The completion script for `shell`.
pub fn script(shell: CompletionShell) -> Vec<u8> {
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(Shell::from(shell), &mut cmd, "drconsole", &mut out);
    out
}

/// The man page (roff), starting with its `.TH` header.
///
/// clap_mangen writes a two-line prelude (`.ie \n(.g .ds Aq …`, the portable
/// apostrophe string) before `.TH`. The header goes first here so that tools that
/// look at the first line (file(1), packagers' man-page checks) recognise the page;
/// the prelude only has to come before the first `\*(Aq`, which the header never uses.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    clap_mangen::Man::new(super::Cli::command()).render(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let mut lines: Vec<&str> = text.lines().collect();
    if let Some(i) = lines.iter().position(|l| l.starts_with(".TH ")) {
        let th = lines.remove(i);
        lines.insert(0, th);
    }
    let mut out = lines.join("\n").into_bytes();
    out.push(b'\n');
    Ok(out)
}

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<i32> {
    write(&script(args.shell))?;
    Ok(0)
}

pub fn man() -> anyhow::Result<i32> {
    write(&man_page()?)?;
    Ok(0)
}

fn write(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}
