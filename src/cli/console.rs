//! `drconsole console` (the default): the live dashboard.
//!
//! The terminal is taken and the first frame drawn before the twin starts or any
//! credential resolves; the session opens on the runtime's workers and hands the
//! UI a snapshot channel when ready. The UI loop runs on the main thread, so a slow
//! terminal write never stalls a poller.

use crate::cli::console_runbooks;
use crate::cli::target::{self, Preflight, Session};
use crate::cli::{ConsoleArgs, TargetArgs};
use crate::config::Environment;
use crate::emulator::scenario::{self, Fault};
use crate::model::Mode;
use crate::monitor::{self, MonitorHandle, MonitorOptions};
use crate::runbook::driver::RunSetup;
use crate::runbook::journal;
use crate::tui::event_loop::{self, Inputs};
use crate::tui::terminal::TerminalGuard;
use crate::tui::{Connected, ConsoleInfo, FaultEntry, GameDay, logging};
use anyhow::Context;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How long exit waits for background tasks (pollers stuck on a hung endpoint).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

pub fn run(console: ConsoleArgs) -> anyhow::Result<i32> {
    let ConsoleArgs {
        target: args,
        runbooks,
    } = console;
    let runbook_dirs = console_runbooks::search::search_path(&runbooks);
    // Bad input (files, scenario name, flag combinations) fails before the terminal
    // is touched, so the error is printed on a normal screen.
    let pre = target::preflight(&args)?;
    require_terminal()?;
    let env = pre.env().clone();
    let twin = args.env.is_none() || args.twin || args.twin_endpoints.is_some();
    let info = ConsoleInfo {
        environment: env.name.clone(),
        mode: if twin { Mode::Simulated } else { Mode::Live },
        read_only: args.read_only,
        poll_period_ms: args.poll_ms,
    };
    let log_events = logging::init()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("drconsole-worker")
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (connect_tx, connect_rx) = oneshot::channel();
    runtime.spawn(open(args, pre, runbook_dirs, env, connect_tx));
    let result = {
        let mut guard = TerminalGuard::enter().context("cannot take over the terminal")?;
        let inputs = Inputs {
            info,
            connect: connect_rx,
            log_events,
        };
        runtime.block_on(event_loop::run(&mut guard, inputs))
        // The guard drops here: the terminal is restored before anything is printed.
    };
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result.map(|exit| exit.code())
}

/// The console draws on a terminal and reads keys from it; without one (a pipe, cron,
/// CI) it says what to use instead rather than fail inside the terminal library.
fn require_terminal() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    anyhow::bail!(NO_TERMINAL)
}

/// What the console says when stdin or stdout is not a terminal.
pub const NO_TERMINAL: &str = "the console needs a terminal (stdin and stdout); \
     without one use `drconsole status` (one snapshot) or `drconsole run` (headless runbook)";

/// Opens the session and the monitor, reports to the UI, then keeps both alive and
/// serves game-day injections until the runtime shuts down.
async fn open(
    args: TargetArgs,
    pre: Preflight,
    runbook_dirs: Vec<std::path::PathBuf>,
    env: Environment,
    reply: oneshot::Sender<Result<Connected, String>>,
) {
    let config = args.provider_config();
    let session = match target::connect_prepared(&args, pre, config).await {
        Ok(s) => s,
        Err(e) => {
            let _ = reply.send(Err(format!("{e:#}")));
            return;
        }
    };
    let opts = MonitorOptions {
        poll: session.poll,
        ..MonitorOptions::default()
    };
    let monitor = monitor::spawn(session.provider.clone(), session.env.clone(), opts);
    let (inject_tx, inject_rx) = mpsc::unbounded_channel();
    let faults = if session.emulator.is_some() {
        scenario::catalogue(&env)
    } else {
        Vec::new()
    };
    let game_day = session.emulator.as_ref().map(|_| GameDay {
        entries: faults
            .iter()
            .map(|(label, _)| FaultEntry {
                label: label.clone(),
                detail: String::new(),
            })
            .collect(),
        inject: inject_tx,
    });
    let (runbooks, run_requests, run_events) = console_runbooks::link();
    let setup = RunSetup {
        env: session.env.clone(),
        provider: session.provider.clone(),
        clock: session.clock,
        state_dir: journal::default_state_dir(),
        operator: journal::operator_name(),
    };
    let fresh_twin = session.emulator.is_some();
    tokio::spawn(console_runbooks::serve(
        setup,
        fresh_twin,
        runbook_dirs,
        run_requests,
        run_events,
    ));
    let connected = Connected {
        snapshots: monitor.snapshots.clone(),
        game_day,
        runbooks: Some(runbooks),
    };
    if reply.send(Ok(connected)).is_err() {
        return;
    }
    serve_faults(session, monitor, faults, inject_rx).await;
}

async fn serve_faults(
    session: Session,
    _monitor: MonitorHandle,
    faults: Vec<(String, Fault)>,
    mut choices: mpsc::UnboundedReceiver<usize>,
) {
    while let Some(i) = choices.recv().await {
        match (session.emulator.as_ref(), faults.get(i)) {
            (Some(twin), Some((label, fault))) => {
                twin.inject(fault.clone());
                tracing::warn!("game day: fault injected: {label}");
            }
            _ => tracing::warn!("game day: no fault #{i} on this target"),
        }
    }
    // The UI let go of the injector; keep the session and monitor until shutdown.
    std::future::pending::<()>().await;
}
