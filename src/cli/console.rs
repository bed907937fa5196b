//! `drconsole console` (the default): the live dashboard.
//!
//! The terminal is taken and the first frame drawn before the twin starts or any
//! credential resolves; the session opens on the runtime's workers and hands the
//! UI a snapshot channel when ready. The UI loop runs on the main thread, so a slow
//! terminal write never stalls a poller.

use crate::cli::console_runbooks;
use crate::cli::gameday::{self, Control, FaultsClient};
use crate::cli::target::{self, Preflight, Session};
use crate::cli::{ConsoleArgs, TargetArgs};
use crate::config::Environment;
use crate::emulator::scenario::{self, Fault};
use crate::model::Mode;
use crate::monitor::{self, MonitorOptions};
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

/// Points `args` at the user's environment file when no environment or running twin
/// is named and the file exists; returns the file adopted.
pub fn adopt_user_env_file(
    args: &mut crate::cli::TargetArgs,
    user_file: Option<std::path::PathBuf>,
) -> Option<std::path::PathBuf> {
    if args.env.is_some() || args.twin_endpoints.is_some() {
        return None;
    }
    let file = user_file.filter(|p| p.is_file())?;
    args.env = Some(file.clone());
    Some(file)
}

pub fn run(console: ConsoleArgs) -> anyhow::Result<i32> {
    let ConsoleArgs {
        target: mut args,
        runbooks,
    } = console;
    // No --env: the file `discover` wrote, when there is one (LIVE, or rehearsed with
    // --twin); the built-in twin otherwise.
    let user_file = adopt_user_env_file(&mut args, crate::config::user_env_file());
    let runbook_dirs = console_runbooks::search::search_path(&runbooks);
    // Bad input (files, scenario name, flag combinations) fails before the terminal
    // is touched, so the error is printed on a normal screen.
    let pre = target::preflight(&args)?;
    require_terminal()?;
    let env = pre.env().clone();
    let twin = args.env.is_none() || args.twin || args.twin_endpoints.is_some();
    let info = ConsoleInfo {
        environment: match &user_file {
            // The badge says where a LIVE environment nobody named came from.
            Some(p) => format!("{} (from {})", env.name, p.display()),
            None => env.name.clone(),
        },
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
        state_dir: Some(crate::runbook::journal::default_state_dir()),
        ..MonitorOptions::default()
    };
    let monitor = monitor::spawn(session.provider.clone(), session.env.clone(), opts);
    let remote = remote_control(&session);
    let catalogue = catalogue(&session, remote.as_ref(), &env).await;
    let (request_tx, request_rx) = mpsc::unbounded_channel();
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let game_day = catalogue.as_ref().map(|faults| GameDay {
        entries: faults
            .iter()
            .map(|(label, _)| FaultEntry {
                label: label.clone(),
                detail: String::new(),
            })
            .collect(),
        requests: request_tx,
        events: event_rx,
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
    let control = match (&session.emulator, &remote) {
        (Some(twin), _) => Some(Control::InProcess(twin)),
        (None, Some(client)) => Some(Control::Remote(client)),
        (None, None) => None,
    };
    if let (Some(control), Some(catalogue)) = (control, catalogue) {
        gameday::serve(control, catalogue, request_rx, event_tx).await;
    }
    // The UI let go of the game day (or there is none); keep the session and the
    // monitor until shutdown.
    let _keep = (session, monitor);
    std::future::pending::<()>().await;
}

/// The game-day control of a twin in another process, when it has one.
fn remote_control(session: &Session) -> Option<FaultsClient> {
    let url = session.twin_faults_url.as_deref()?;
    FaultsClient::new(url)
        .map_err(|e| tracing::warn!("game day unavailable: {e}"))
        .ok()
}

/// The fault menu's catalogue: the in-process twin's, or the one the external twin
/// serves (built from its own environment file). `None`: no game day here.
async fn catalogue(
    session: &Session,
    remote: Option<&FaultsClient>,
    env: &Environment,
) -> Option<Vec<(String, Fault)>> {
    if session.emulator.is_some() {
        return Some(scenario::catalogue(env));
    }
    match remote?.get().await {
        Ok(doc) => Some(
            doc.catalogue
                .into_iter()
                .map(|e| (e.label, e.fault))
                .collect(),
        ),
        Err(e) => {
            tracing::warn!("game day unavailable: {e}");
            None
        }
    }
}

#[cfg(test)]
mod user_env_tests {
    use super::adopt_user_env_file;
    use crate::cli::Cli;
    use clap::Parser;

    fn target(argv: &[&str]) -> crate::cli::TargetArgs {
        Cli::try_parse_from(argv).expect("args").console.target
    }

    #[test]
    fn the_discovered_file_is_used_only_when_nothing_else_is_named_and_it_exists() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("env.yaml");
        let mut args = target(&["drconsole"]);
        assert_eq!(
            adopt_user_env_file(&mut args, Some(file.clone())),
            None,
            "absent"
        );
        assert!(args.env.is_none());
        std::fs::write(&file, "x").expect("write");
        let mut args = target(&["drconsole"]);
        assert_eq!(
            adopt_user_env_file(&mut args, Some(file.clone())),
            Some(file.clone())
        );
        assert_eq!(args.env.as_deref(), Some(file.as_path()));
        let mut args = target(&["drconsole", "--env", "other.yaml"]);
        assert_eq!(adopt_user_env_file(&mut args, Some(file.clone())), None);
        assert_eq!(
            args.env.as_deref(),
            Some(std::path::Path::new("other.yaml"))
        );
        let mut args = target(&["drconsole", "--twin-endpoints", "t.json"]);
        assert_eq!(adopt_user_env_file(&mut args, Some(file.clone())), None);
        // --twin keeps the file and rehearses it on the twin.
        let mut args = target(&["drconsole", "--twin"]);
        assert_eq!(
            adopt_user_env_file(&mut args, Some(file.clone())),
            Some(file)
        );
        assert!(args.twin);
    }
}
