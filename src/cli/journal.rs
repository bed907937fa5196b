//! `drconsole journal list | show RUN | export RUN --format md|json`

use crate::runbook::journal::resume::ResumePoint;
use crate::runbook::journal::{self, RunLock, approval, read_journal};
use crate::runbook::summary::{summarize, to_markdown};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct JournalArgs {
    /// Where runs are journaled (default: $XDG_STATE_HOME/drconsole).
    #[arg(long, value_name = "DIR", env = "DRCONSOLE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub action: JournalAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum JournalAction {
    /// Every run, newest first, with its outcome.
    List,
    /// One run's timeline.
    Show { run: String },
    /// The postmortem timeline with RTO and data loss.
    Export {
        run: String,
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
}

pub fn run(args: &JournalArgs) -> anyhow::Result<i32> {
    let dir = args
        .state_dir
        .clone()
        .unwrap_or_else(journal::default_state_dir);
    match &args.action {
        JournalAction::List => list(&dir),
        JournalAction::Show { run } => {
            let s = load(&dir, run)?;
            super::out::text(&to_markdown(&s))?;
            Ok(0)
        }
        JournalAction::Export { run, format } => {
            let s = load(&dir, run)?;
            match format {
                ExportFormat::Md => super::out::text(&to_markdown(&s))?,
                ExportFormat::Json => super::out::line(serde_json::to_string_pretty(&s)?)?,
            }
            Ok(0)
        }
    }
}

fn load(dir: &std::path::Path, run: &str) -> anyhow::Result<crate::runbook::summary::Summary> {
    let path = journal::run_path(dir, run);
    let j = read_journal(&path)?;
    if j.torn_tail {
        eprintln!(
            "note: the last line of {} was torn by a crash and is ignored",
            path.display()
        );
    }
    Ok(summarize(&j.lines))
}

fn list(dir: &std::path::Path) -> anyhow::Result<i32> {
    let runs = dir.join("runs");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&runs) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            super::out::line(format_args!("no runs journaled under {}", runs.display()))?;
            return Ok(0);
        }
        Err(e) => return Err(e.into()),
    };
    files.sort();
    files.reverse();
    for f in files {
        let id = f
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let line = match read_journal(&f) {
            Ok(j) => {
                let s = summarize(&j.lines);
                let state = match (&s.outcome, RunLock::holder(&f)) {
                    (Some(o), _) => o.clone(),
                    (None, Some(h)) => format!("running (held by {h})"),
                    (None, None) => "unfinished (can be resumed)".into(),
                };
                format!("{id}  {}  {}  {state}", s.runbook, s.operator)
            }
            Err(e) => format!("{id}  unreadable: {e}"),
        };
        super::out::line(line)?;
    }
    Ok(0)
}

#[derive(Debug, Clone, Args)]
pub struct ApproveArgs {
    /// The run id (see `drconsole journal list`).
    pub run: String,
    #[arg(long, value_name = "DIR", env = "DRCONSOLE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

pub fn approve(args: &ApproveArgs) -> anyhow::Result<i32> {
    let dir = args
        .state_dir
        .clone()
        .unwrap_or_else(journal::default_state_dir);
    let path = journal::run_path(&dir, &args.run);
    let j = read_journal(&path)?;
    let point = ResumePoint::from_lines(&j.lines);
    if !point.is_unfinished() {
        anyhow::bail!("run {} is not in progress", args.run);
    }
    let me = journal::operator_name();
    approval::approve(&path, &point.initiator, &me, chrono::Utc::now())?;
    super::out::line(format_args!("approved run {} as {me}", args.run))?;
    Ok(0)
}
