//! `drconsole run RUNBOOK`: a headless run for rehearsals, game days and CI. One
//! progress line per step; exit 0 when the run completed, 1 when it failed, stopped
//! or was aborted (or refused in read-only mode), 2 on bad input or an error.
//!
//! `--auto-confirm` answers every confirmation (typed ones too) and approves as a
//! rehearsal approver, on the simulated twin only: against a real environment it is
//! refused before anything is contacted. An unfinished run of the same runbook under
//! the state directory is resumed (and says so); a call whose outcome was never
//! journaled is settled by re-reading state first.

mod operator;
mod progress;

use crate::cli::TargetArgs;
use crate::cli::target;
use crate::cli::validate::{load_env, parse_params};
use crate::provider::ProviderConfig;
use crate::runbook::driver::{self, RunSetup, Start};
use crate::runbook::journal;
use crate::runbook::validate;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The runbook file.
    #[arg(value_name = "RUNBOOK")]
    pub runbook: PathBuf,
    /// Override a parameter: `--param to=us-west-2` (repeatable).
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// Confirm every step and approve as a rehearsal approver. Simulated twin only:
    /// refused against a real environment.
    #[arg(long)]
    pub auto_confirm: bool,
    /// Where runs are journaled (default: $XDG_STATE_HOME/drconsole).
    #[arg(long, value_name = "DIR", env = "DRCONSOLE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Start a new run even if an unfinished run of this runbook exists.
    #[arg(long)]
    pub new_run: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Exit codes.
pub const DONE: i32 = 0;
pub const FAILED: i32 = 1;
pub const USAGE: i32 = 2;

/// The twin answers on loopback within milliseconds; a Region that does not answer
/// within these bounds is dark, and is reported unknown sooner than against AWS
/// (unless --connect-timeout-ms / --attempt-timeout-ms say otherwise).
const TWIN_PROVIDER: ProviderConfig = ProviderConfig {
    connect_timeout: Duration::from_millis(200),
    attempt_timeout: Duration::from_millis(500),
    operation_timeout: Duration::from_millis(1000),
    max_attempts: 2,
};

/// How long exit waits for background tasks (reads stuck on a dark Region).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(300);

fn is_live(t: &TargetArgs) -> bool {
    t.env.is_some() && !t.twin && t.twin_endpoints.is_none()
}

pub fn run(args: RunArgs) -> anyhow::Result<i32> {
    init_logging();
    if args.auto_confirm && is_live(&args.target) {
        eprintln!(
            "drconsole run: --auto-confirm is refused against a real environment (LIVE): \
             every step there is confirmed by a person. Rehearse on the twin with --twin, \
             or run it in the console."
        );
        return Ok(USAGE);
    }
    let env = load_env(args.target.env.as_ref())?;
    let params = parse_params(&args.params)?;
    let rb = match validate::load(&args.runbook, &env, &params) {
        Ok(rb) => rb,
        Err(errs) => {
            eprintln!("{errs}");
            return Ok(USAGE);
        }
    };
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(journal::default_state_dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(headless(args, rb, params, state_dir));
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn headless(
    args: RunArgs,
    rb: crate::runbook::Runbook,
    params: std::collections::BTreeMap<String, String>,
    state_dir: PathBuf,
) -> anyhow::Result<i32> {
    let live = is_live(&args.target);
    let t = &args.target;
    let timeouts_given = t.connect_timeout_ms != crate::cli::args::DEFAULT_CONNECT_TIMEOUT_MS
        || t.attempt_timeout_ms != crate::cli::args::DEFAULT_ATTEMPT_TIMEOUT_MS;
    let config = if live || timeouts_given {
        t.provider_config()
    } else {
        TWIN_PROVIDER
    };
    let session = target::connect_with(&args.target, config).await?;
    let setup = RunSetup {
        env: session.env.clone(),
        provider: session.provider.clone(),
        clock: session.clock,
        state_dir,
        // Confirmations made by --auto-confirm are journaled as such, never as a person's.
        operator: if args.auto_confirm && session.mode == crate::model::Mode::Simulated {
            format!("{} (auto-confirm)", journal::operator_name())
        } else {
            journal::operator_name()
        },
    };
    let start = match choose_start(&args, &setup, rb, &params)? {
        Some(s) => s,
        None => return Ok(USAGE),
    };
    let handle = driver::spawn(setup.clone(), start)
        .await
        .context("cannot start the run")?;
    progress::header(&handle, &session, &args);
    let auto = args.auto_confirm && session.mode == crate::model::Mode::Simulated;
    let code = operator::drive(handle, auto).await;
    drop(session);
    code
}

/// A new run, or the newest unfinished run of this runbook (reloaded with the
/// parameters it started with). `None` after printing why the input is refused.
fn choose_start(
    args: &RunArgs,
    setup: &RunSetup,
    rb: crate::runbook::Runbook,
    params: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<Option<Start>> {
    if args.new_run {
        return Ok(Some(Start::New(rb)));
    }
    for (f, why) in driver::unreadable_runs(&setup.state_dir) {
        eprintln!(
            "drconsole run: note: {} cannot be read and is not offered for resume: {why}",
            f.display()
        );
    }
    let Some(u) = driver::unfinished_for(&setup.state_dir, &rb)
        .into_iter()
        .next()
    else {
        return Ok(Some(Start::New(rb)));
    };
    if let Some(h) = &u.holder {
        eprintln!(
            "drconsole run: unfinished run {} of this runbook is held by a live console \
             ({h}); it is not resumed here. Pass --new-run to start another run.",
            u.point.run_id
        );
        return Ok(None);
    }
    let p = &u.point;
    let differs = params.iter().any(|(k, v)| p.params.get(k) != Some(v));
    if differs {
        eprintln!(
            "drconsole run: unfinished run {} of this runbook started with parameters {:?}; \
             resume it without --param (or with the same values), or pass --new-run",
            p.run_id, p.params
        );
        return Ok(None);
    }
    let rb = match validate::load(&args.runbook, &setup.env, &p.params) {
        Ok(rb) => rb,
        Err(errs) => {
            eprintln!("{errs}");
            return Ok(None);
        }
    };
    if rb.hash != p.hash {
        eprintln!(
            "drconsole run: unfinished run {} was started from a different version of {} \
             (hash {} → {}); it cannot be resumed with this file. Pass --new-run to start over.",
            p.run_id,
            args.runbook.display(),
            short(&p.hash),
            short(&rb.hash)
        );
        return Ok(None);
    }
    progress::resuming(&u);
    Ok(Some(Start::Resume {
        runbook: rb,
        journal: u.journal,
    }))
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
