//! Runs the pure [`Engine`] against the real world: the console and `drconsole run`
//! both drive runbooks through here.
//!
//! - The engine lives on its own blocking thread with a provider-backed [`World`]
//!   ([`ProviderWorld`]): every guard is judged on a fresh, targeted read of the
//!   resources it names, every AWS call goes through `provider::mutate`, `command`
//!   steps through the local runner.
//! - Every record is fsynced to the run's journal before the engine moves on; the
//!   intent of a call is durable before the call is sent.
//! - The run's [`RunLock`](crate::runbook::journal::RunLock) is held while it executes.
//! - The engine's view is published on a `watch` channel after every change; journal
//!   records stream out as [`DriverEvent`]s; operator [`Command`]s go in through
//!   [`DriverHandle::command`], which never blocks the caller.
//! - Approvals written by `drconsole approve RUN` are picked up while an approval step
//!   waits.
//!
//! Time is the [`RunClock`]: wall time for a real account, the twin's simulated time
//! (scaled by its speed) for rehearsals.

mod calls;
mod clock;
mod live_view;
#[cfg(feature = "test-hooks")]
mod pause_hook;
mod presettle;
mod readback;
mod reads;
mod recorder;
mod run_loop;
mod runs;
mod world;

pub use calls::{to_call_error, to_provider};
pub use clock::RunClock;
#[cfg(feature = "test-hooks")]
pub use pause_hook::PAUSE_ENV;
pub use reads::read as read_facts;
pub use runs::{Unfinished, describe, unfinished_for, unreadable_runs};
pub use world::ProviderWorld;

use crate::config::Environment;
use crate::provider::Provider;
use crate::runbook::engine::{Command, EngineError, RunStatus, RunView};
use crate::runbook::journal::Record;
use crate::runbook::step::Runbook;
use chrono::{DateTime, Utc};
use run_loop::Control;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// Everything a run needs besides the runbook.
#[derive(Clone)]
pub struct RunSetup {
    pub env: Arc<Environment>,
    pub provider: Arc<Provider>,
    pub clock: RunClock,
    /// Where runs are journaled (`runs/RUN.jsonl` beneath it).
    pub state_dir: PathBuf,
    /// user@host
    pub operator: String,
}

/// A new run, or an unfinished one continued from its journal.
#[derive(Debug, Clone)]
pub enum Start {
    New(Runbook),
    /// The runbook must be loaded with the journal's parameters (see
    /// [`Unfinished::point`]); a changed file is refused by the engine.
    Resume {
        runbook: Runbook,
        journal: PathBuf,
    },
}

/// What a run tells its watchers besides the view.
#[derive(Debug, Clone, PartialEq)]
pub enum DriverEvent {
    /// A record that is now durable in the journal (boxed: a restore's intent is
    /// large, the other events small).
    Journal {
        at: DateTime<Utc>,
        record: Box<Record>,
    },
    /// An approval from `drconsole approve` was refused (e.g. by the initiator).
    ApprovalRefused { by: String, why: String },
    /// The engine stopped for good: the journal could not be written.
    Fatal(String),
}

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error(transparent)]
    Lock(#[from] crate::runbook::journal::LockError),
    #[error("journal {path}: {message}")]
    Journal { path: String, message: String },
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("the run's thread ended unexpectedly: {0}")]
    Thread(String),
}

/// A running run. Dropping it stops the engine thread (the run stays unfinished in
/// its journal and can be resumed).
pub struct DriverHandle {
    pub run_id: String,
    pub journal: PathBuf,
    /// True when this continues an unfinished run.
    pub resumed: bool,
    pub view: watch::Receiver<RunView>,
    /// Journal records as they become durable, and other notices.
    pub events: mpsc::UnboundedReceiver<DriverEvent>,
    commands: std::sync::mpsc::Sender<Control>,
    task: Option<JoinHandle<Result<RunStatus, DriverError>>>,
}

impl DriverHandle {
    /// Hands an operator command to the engine; the answer (applied, or why it was
    /// refused) arrives on the returned channel. Never blocks.
    pub fn command(&self, cmd: Command) -> oneshot::Receiver<Result<(), EngineError>> {
        self.control(cmd, None)
    }

    /// Like [`command`](Self::command), but refused unless `step` is still the current
    /// step: what the operator saw is what they confirm.
    pub fn command_at(
        &self,
        step: &str,
        cmd: Command,
    ) -> oneshot::Receiver<Result<(), EngineError>> {
        self.control(cmd, Some(step.to_string()))
    }

    fn control(
        &self,
        cmd: Command,
        step: Option<String>,
    ) -> oneshot::Receiver<Result<(), EngineError>> {
        let (reply, rx) = oneshot::channel();
        // If the engine thread is gone the sender is dropped and the caller sees it.
        let _ = self.commands.send(Control::Command { cmd, step, reply });
        rx
    }

    /// Sends a command and waits for the engine's answer.
    pub async fn send(&self, cmd: Command) -> Result<(), DriverError> {
        answer(self.command(cmd)).await
    }

    /// Sends a step-bound command and waits for the engine's answer.
    pub async fn send_at(&self, step: &str, cmd: Command) -> Result<(), DriverError> {
        answer(self.command_at(step, cmd)).await
    }

    /// Asks the engine thread to stop, leaving the run as it is.
    pub fn stop(&self) {
        let _ = self.commands.send(Control::Stop);
    }

    /// Waits for the engine thread to end (finished, or stopped) and returns the
    /// run's status then.
    pub async fn join(mut self) -> Result<RunStatus, DriverError> {
        match self.task.take() {
            Some(t) => t.await.map_err(|e| DriverError::Thread(e.to_string()))?,
            None => Err(DriverError::Thread("already joined".into())),
        }
    }
}

impl Drop for DriverHandle {
    fn drop(&mut self) {
        let _ = self.commands.send(Control::Stop);
    }
}

async fn answer(rx: oneshot::Receiver<Result<(), EngineError>>) -> Result<(), DriverError> {
    match rx.await {
        Ok(r) => r.map_err(DriverError::Engine),
        Err(_) => Err(DriverError::Thread("the engine is not running".into())),
    }
}

/// Opens the run (lock, journal, engine) and starts its thread. Must be called
/// inside a tokio runtime.
pub async fn spawn(setup: RunSetup, start: Start) -> Result<DriverHandle, DriverError> {
    let identity = identity(&setup.provider).await;
    let rt = tokio::runtime::Handle::current();
    let (events_tx, events) = mpsc::unbounded_channel();
    let prepared =
        tokio::task::spawn_blocking(move || runs::prepare(setup, start, identity, rt, events_tx))
            .await
            .map_err(|e| DriverError::Thread(e.to_string()))??;
    let (commands, rx) = std::sync::mpsc::channel();
    let run_id = prepared.run_id.clone();
    let journal = prepared.journal.clone();
    let resumed = prepared.resumed;
    let (view_tx, view) = watch::channel(prepared.first_view());
    let task = tokio::task::spawn_blocking(move || prepared.into_loop(view_tx).run(rx));
    Ok(DriverHandle {
        run_id,
        journal,
        resumed,
        view,
        events,
        commands,
        task: Some(task),
    })
}

/// The caller identity for the journal, if STS answers promptly.
async fn identity(provider: &Provider) -> Option<String> {
    let bound = std::time::Duration::from_secs(3);
    match tokio::time::timeout(bound, provider.caller_identity()).await {
        Ok(Ok(id)) => Some(id.arn),
        _ => None,
    }
}
