//! `drconsole journal list | show RUN | export RUN --format md|json`, and
//! `drconsole approve RUN`.

use crate::cli::{TargetArgs, target};
use crate::runbook::journal::resume::ResumePoint;
use crate::runbook::journal::{self, LockState, Record, RunLock, approval, read_journal};
use crate::runbook::summary::{Summary, summarize, to_markdown};
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// Every run, newest first: start, duration, mode and outcome.
    List,
    /// One run's timeline (RUN may be a unique prefix of the run id).
    Show { run: String },
    /// The postmortem timeline with RTO and data loss (RUN may be a unique prefix).
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
            let s = load(&resolve_run(&dir, run)?)?;
            super::out::text(&to_markdown(&s))?;
            Ok(0)
        }
        JournalAction::Export { run, format } => {
            let s = load(&resolve_run(&dir, run)?)?;
            match format {
                ExportFormat::Md => super::out::text(&to_markdown(&s))?,
                ExportFormat::Json => super::out::line(serde_json::to_string_pretty(&s)?)?,
            }
            Ok(0)
        }
    }
}

/// The journal of the run whose id is `run` or starts with it (exactly one).
pub fn resolve_run(dir: &Path, run: &str) -> anyhow::Result<PathBuf> {
    let exact = journal::run_path(dir, run);
    if exact.is_file() {
        return Ok(exact);
    }
    let matches: Vec<PathBuf> = journal::run_files(dir)
        .into_iter()
        .filter(|f| {
            f.file_stem()
                .is_some_and(|s| s.to_string_lossy().starts_with(run))
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => anyhow::bail!(
            "no run {run:?} under {}; `drconsole journal list` shows the runs journaled there",
            dir.join("runs").display()
        ),
        many => anyhow::bail!(
            "{run:?} matches {} runs ({}); give more of the run id",
            many.len(),
            many.iter()
                .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn load(path: &Path) -> anyhow::Result<Summary> {
    let j = read_journal(path)?;
    for w in &j.warnings {
        eprintln!("note: {w}");
    }
    Ok(summarize(&j.lines))
}

fn duration(s: i64) -> String {
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

fn list(dir: &Path) -> anyhow::Result<i32> {
    let runs = dir.join("runs");
    let files = if runs.is_dir() {
        journal::run_files(dir)
    } else {
        Vec::new()
    };
    if files.is_empty() {
        super::out::line(format_args!("no runs journaled under {}", runs.display()))?;
        return Ok(0);
    }
    super::out::line(format_args!(
        "{:<44} {:<20} {:>8} {:<10} OUTCOME",
        "RUN", "STARTED (UTC)", "DURATION", "MODE"
    ))?;
    for f in files {
        let id = f
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let line = match read_journal(&f) {
            Ok(j) => {
                let s = summarize(&j.lines);
                let state = match (&s.outcome, RunLock::state(&f)) {
                    (Some(o), _) => o.clone(),
                    (None, LockState::Held(h)) => format!("running (held by {h})"),
                    (None, LockState::LeftByDeadProcess(h)) => {
                        format!("unfinished, can be resumed (its console died: {h})")
                    }
                    (None, LockState::Free) => "unfinished (can be resumed)".into(),
                };
                let torn = if j.torn_tail { " [torn last line]" } else { "" };
                format!(
                    "{id:<44} {:<20} {:>8} {:<10} {state}{torn}  — {} by {}",
                    s.started_at
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_else(|| "?".into()),
                    s.rto_achieved_s.map(duration).unwrap_or_else(|| "?".into()),
                    s.mode.split_whitespace().next().unwrap_or("?"),
                    s.runbook,
                    s.operator
                )
            }
            Err(e) => format!("{id:<44} unreadable: {e}"),
        };
        super::out::line(line)?;
    }
    Ok(0)
}

#[derive(Debug, Clone, Args)]
pub struct ApproveArgs {
    /// The run id, or a unique prefix (see `drconsole journal list`).
    pub run: String,
    #[arg(long, value_name = "DIR", env = "DRCONSOLE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Where to ask STS who you are: your own credentials (`--profile`, `--env`),
    /// or the twin.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Approves the step a run is waiting on, as the caller's own AWS identity.
pub fn approve(args: &ApproveArgs) -> anyhow::Result<i32> {
    let dir = args
        .state_dir
        .clone()
        .unwrap_or_else(journal::default_state_dir);
    let path = resolve_run(&dir, &args.run)?;
    let j = read_journal(&path)?;
    let point = ResumePoint::from_lines(&j.lines);
    if !point.is_unfinished() {
        anyhow::bail!("run {} is not in progress", point.run_id);
    }
    let Some((step, seq)) = approval::waiting(&j.lines) else {
        anyhow::bail!("run {} is not waiting for an approval", point.run_id);
    };
    let (start_identity, run_mode) = j
        .lines
        .iter()
        .find_map(|l| match &l.record {
            Record::RunStart { identity, mode, .. } => Some((identity.clone(), mode.clone())),
            _ => None,
        })
        .unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let who = runtime.block_on(async {
        let session = target::connect(&args.target).await?;
        let id = session
            .provider
            .caller_identity()
            .await
            .context("STS GetCallerIdentity (who is approving) failed")?;
        anyhow::Ok((id.arn, session.mode.as_str().to_string()))
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    let (arn, my_mode) = who?;
    if my_mode != run_mode {
        anyhow::bail!(
            "run {} is {run_mode} but these credentials reach the {my_mode} side; \
             approve a LIVE run with --env FILE and your own --profile",
            point.run_id
        );
    }
    let a = approval::Approval {
        by: journal::operator_name(),
        at: chrono::Utc::now(),
        identity: Some(arn),
        step: Some(step.clone()),
        seq: Some(seq),
    };
    approval::check(
        &point.initiator,
        start_identity.as_deref(),
        &a,
        run_mode == "SIMULATED",
    )?;
    approval::append(&path, &a)?;
    super::out::line(format_args!(
        "approved step {step} of run {} as {}",
        point.run_id,
        a.approver()
    ))?;
    if run_mode == "SIMULATED" {
        super::out::line(
            "note: on the twin every caller has the same simulated identity, so only \
             user@host was compared",
        )?;
    }
    Ok(0)
}
