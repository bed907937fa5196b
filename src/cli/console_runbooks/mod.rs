//! The console's runbook service: lists `runbooks/*.yaml`, offers unfinished runs for
//! resume, loads and validates a runbook, and runs it through `runbook::driver`. It
//! lives on the runtime's workers; the UI only talks to it through a
//! [`RunbookLink`](crate::tui::runbook::RunbookLink).

mod files;
mod log;
pub mod search;

use crate::runbook::driver::{self, DriverEvent, DriverHandle, RunSetup, Start};
use crate::runbook::engine::{RunStatus, RunView};
use crate::runbook::journal::{self, ResumePoint, read_journal};
use crate::runbook::{Runbook, summary, validate};
use crate::tui::runbook::{Opened, RunEvent, RunRequest, RunbookLink};
use files::{catalogue, unfinished};
use log::log_record;
use search::resolve;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The first directory of the default search path (see [`search`]).
pub const RUNBOOK_DIR: &str = "runbooks";

/// Both ends of the link: the UI's and the service's.
pub fn link() -> (
    RunbookLink,
    mpsc::UnboundedReceiver<RunRequest>,
    mpsc::UnboundedSender<RunEvent>,
) {
    let (req_tx, req_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    (
        RunbookLink {
            requests: req_tx,
            events: ev_rx,
        },
        req_rx,
        ev_tx,
    )
}

struct Service {
    setup: RunSetup,
    /// The runbook search path, absolute (see [`search`]).
    dirs: Vec<PathBuf>,
    events: mpsc::UnboundedSender<RunEvent>,
    /// The runbook last opened (file name or path, and parameters).
    opened: Option<(String, BTreeMap<String, String>)>,
    run: Option<DriverHandle>,
    summarized: bool,
}

/// Serves the UI's requests until the UI lets go of the link.
/// `fresh_twin`: the twin started with this console (in-process), so it does not
/// remember the calls of a run being resumed; the resume offer says so.
pub async fn serve(
    setup: RunSetup,
    fresh_twin: bool,
    dirs: Vec<PathBuf>,
    mut requests: mpsc::UnboundedReceiver<RunRequest>,
    events: mpsc::UnboundedSender<RunEvent>,
) {
    let mut s = Service {
        setup,
        dirs,
        events,
        opened: None,
        run: None,
        summarized: false,
    };
    let mode = s.setup.provider.mode();
    let (env, dirs, state) = (
        s.setup.env.clone(),
        s.dirs.clone(),
        s.setup.state_dir.clone(),
    );
    let found =
        tokio::task::spawn_blocking(move || (catalogue(&dirs, &env), unfinished(&state, mode)))
            .await;
    if let Ok((cat, mut unf)) = found {
        for u in &mut unf {
            u.fresh_twin = fresh_twin;
        }
        s.send(RunEvent::Catalogue(cat));
        // After the catalogue: an empty list can now say where it looked.
        s.send(RunEvent::SearchedDirs(s.dirs.clone()));
        if !unf.is_empty() {
            s.send(RunEvent::Unfinished(unf));
        }
    }
    loop {
        tokio::select! {
            req = requests.recv() => match req {
                Some(r) => s.on_request(r).await,
                None => break,
            },
            signal = from_run(&mut s.run) => match signal {
                Signal::View => s.publish(),
                Signal::Event(ev) => s.on_driver_event(*ev),
                Signal::Gone => {
                    if let Some(h) = s.run.take() {
                        // The engine thread ended: publish the last view it left.
                        let last = h.view.borrow().clone();
                        s.on_view(last);
                    }
                }
            },
        }
    }
}

enum Signal {
    View,
    Event(Box<DriverEvent>),
    Gone,
}

/// The next thing the running run says: a new view or a driver event.
async fn from_run(run: &mut Option<DriverHandle>) -> Signal {
    let Some(h) = run else {
        return std::future::pending().await;
    };
    tokio::select! {
        changed = h.view.changed() => if changed.is_ok() { Signal::View } else { Signal::Gone },
        ev = h.events.recv() => match ev {
            Some(ev) => Signal::Event(Box::new(ev)),
            // The driver's thread dropped its sender: it has ended.
            None => Signal::Gone,
        },
    }
}

impl Service {
    fn send(&self, ev: RunEvent) {
        let _ = self.events.send(ev);
    }

    fn opened_event(&self, file: String, rb: Runbook) -> RunEvent {
        let env = &self.setup.env;
        RunEvent::Opened(Opened {
            file,
            runbook: Arc::new(rb),
            safety_rules: Arc::new(env.arc.rules.iter().map(|r| r.rule.clone()).collect()),
            control_names: Arc::new(
                env.arc
                    .controls
                    .iter()
                    .map(|c| (c.arn.clone(), c.name.clone()))
                    .collect::<HashMap<_, _>>(),
            ),
            clock: self.setup.clock,
        })
    }

    fn busy(&self) -> bool {
        self.run.as_ref().is_some_and(|h| {
            !matches!(
                h.view.borrow().run,
                RunStatus::Completed | RunStatus::Aborted { .. }
            )
        })
    }

    async fn load(
        &self,
        path: PathBuf,
        params: BTreeMap<String, String>,
    ) -> Result<Runbook, String> {
        let env = self.setup.env.clone();
        tokio::task::spawn_blocking(move || {
            validate::load(&path, &env, &params).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| format!("loading the runbook failed: {e}"))?
    }

    async fn on_request(&mut self, req: RunRequest) {
        match req {
            RunRequest::Open { name, params } => {
                if self.busy() {
                    self.send(RunEvent::Failed(
                        "a run is in progress: finish or abort it first".into(),
                    ));
                    return;
                }
                let found = resolve(&self.dirs, &name);
                let loaded = match found {
                    Ok(path) => self.load(path, params.clone()).await,
                    Err(e) => Err(e),
                };
                match loaded {
                    Ok(rb) => {
                        self.run = None;
                        self.opened = Some((name.clone(), params));
                        let ev = self.opened_event(name, rb);
                        self.send(ev);
                    }
                    Err(e) => self.send(RunEvent::Failed(format!("cannot open {name}: {e}"))),
                }
            }
            RunRequest::Start { name, params } => self.start(name, params).await,
            RunRequest::Resume { run_id } => self.resume(run_id).await,
            RunRequest::Command(cmd) => self.command(None, cmd),
            RunRequest::StepCommand { step, cmd } => self.command(Some(step), cmd),
        }
    }

    /// Hands a command to the engine; a refusal comes back to the UI in words.
    fn command(&self, step: Option<String>, cmd: crate::runbook::engine::Command) {
        match &self.run {
            Some(h) => {
                let answer = match &step {
                    Some(s) => h.command_at(s, cmd),
                    None => h.command(cmd),
                };
                let events = self.events.clone();
                tokio::spawn(async move {
                    let msg = match answer.await {
                        Ok(Ok(())) => return,
                        Ok(Err(e)) => e.to_string(),
                        Err(_) => "the run's engine is not running".to_string(),
                    };
                    let _ = events.send(RunEvent::Refused(msg));
                });
            }
            None => self.send(RunEvent::Refused("no run is executing".into())),
        }
    }

    fn refuse_read_only(&self) -> bool {
        if self.setup.provider.read_only() {
            self.send(RunEvent::Failed(
                "read-only: this console walks and plans runbooks but never executes them".into(),
            ));
            return true;
        }
        false
    }

    async fn start(&mut self, name: String, params: BTreeMap<String, String>) {
        if self.refuse_read_only() {
            return;
        }
        if self.busy() {
            self.send(RunEvent::Failed("a run is already in progress".into()));
            return;
        }
        let loaded = match resolve(&self.dirs, &name) {
            Ok(path) => self.load(path, params).await,
            Err(e) => Err(e),
        };
        let rb = match loaded {
            Ok(rb) => rb,
            Err(e) => {
                self.send(RunEvent::Failed(format!("cannot start {name}: {e}")));
                return;
            }
        };
        match driver::spawn(self.setup.clone(), Start::New(rb)).await {
            Ok(h) => self.attach(h),
            Err(e) => self.send(RunEvent::Failed(format!("cannot start the run: {e}"))),
        }
    }

    async fn resume(&mut self, run_id: String) {
        if self.refuse_read_only() {
            return;
        }
        if self.busy() {
            self.send(RunEvent::Failed("a run is already in progress".into()));
            return;
        }
        let journal = journal::run_path(&self.setup.state_dir, &run_id);
        let point = {
            let j = journal.clone();
            tokio::task::spawn_blocking(move || {
                read_journal(&j)
                    .map(|r| ResumePoint::from_lines(&r.lines))
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r)
        };
        let point = match point {
            Ok(p) => p,
            Err(e) => {
                self.send(RunEvent::Failed(format!("cannot read run {run_id}: {e}")));
                return;
            }
        };
        let Some(path) = point.path.clone() else {
            self.send(RunEvent::Failed(format!(
                "run {run_id} does not say which runbook file it ran"
            )));
            return;
        };
        let rb = match self.load(PathBuf::from(&path), point.params.clone()).await {
            Ok(rb) => rb,
            Err(e) => {
                self.send(RunEvent::Failed(format!("cannot resume {run_id}: {e}")));
                return;
            }
        };
        self.opened = Some((path.clone(), point.params.clone()));
        let ev = self.opened_event(path, rb.clone());
        self.send(ev);
        let start = Start::Resume {
            runbook: rb,
            journal,
        };
        match driver::spawn(self.setup.clone(), start).await {
            Ok(h) => self.attach(h),
            Err(e) => self.send(RunEvent::Failed(format!("cannot resume {run_id}: {e}"))),
        }
    }

    fn attach(&mut self, h: DriverHandle) {
        tracing::info!(
            run = %h.run_id,
            journal = %h.journal.display(),
            "{} the run",
            if h.resumed { "resumed" } else { "started" }
        );
        self.summarized = false;
        self.run = Some(h);
        self.publish();
    }

    fn publish(&mut self) {
        let Some(h) = &mut self.run else {
            return;
        };
        let v = h.view.borrow_and_update().clone();
        self.on_view(v);
    }

    fn on_view(&mut self, v: RunView) {
        let ended = matches!(v.run, RunStatus::Completed | RunStatus::Aborted { .. });
        self.send(RunEvent::View(Box::new(v)));
        if ended && !self.summarized {
            self.summarized = true;
            if let Some(h) = &self.run {
                self.summarize(h.journal.clone());
            }
        }
    }

    /// The postmortem summary from the journal, once the run has ended.
    fn summarize(&self, journal: PathBuf) {
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || match read_journal(&journal) {
            Ok(j) => {
                let s = summary::summarize(&j.lines);
                let _ = events.send(RunEvent::Summary(Box::new(s)));
            }
            Err(e) => tracing::warn!("cannot read the journal for the summary: {e}"),
        });
    }

    fn on_driver_event(&mut self, ev: DriverEvent) {
        match ev {
            DriverEvent::Journal { record, .. } => log_record(&record),
            DriverEvent::ApprovalRefused { by, why } => {
                self.send(RunEvent::Refused(format!(
                    "approval by {by} refused: {why}"
                )));
            }
            DriverEvent::Fatal(msg) => {
                tracing::error!("run stopped: {msg}");
                self.send(RunEvent::Failed(format!("the run stopped: {msg}")));
            }
        }
    }
}
