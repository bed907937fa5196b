//! Opening a run: a new journal, or an unfinished one continued; the lock; the engine.

use super::presettle;
use super::recorder::DriverRecorder;
use super::run_loop::Loop;
use super::world::ProviderWorld;
use super::{DriverError, DriverEvent, RunSetup, Start};
use crate::runbook::engine::RunStatus;
use crate::runbook::engine::{Engine, RunContext, RunView};
use crate::runbook::journal::{self, JournalWriter, LockState, ResumePoint, RunLock, read_journal};
use crate::runbook::step::Runbook;
use std::path::{Path, PathBuf};
use tokio::runtime::Handle;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

/// An unfinished run found under the state directory.
#[derive(Debug, Clone)]
pub struct Unfinished {
    pub journal: PathBuf,
    pub point: ResumePoint,
    /// Who holds its lock, if a live console is executing it right now (the OS lock
    /// is held): such a run is not resumed here.
    pub holder: Option<String>,
    /// The name a console that died left in the lock (the kernel freed the lock).
    pub left_by_dead: Option<String>,
}

fn same_file(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    canon(a) == canon(b)
}

/// Unfinished runs of this runbook (same file, or same name when a path is missing),
/// newest first.
pub fn unfinished_for(state_dir: &Path, rb: &Runbook) -> Vec<Unfinished> {
    crate::runbook::journal::run_files(state_dir)
        .into_iter()
        .filter_map(|f| {
            let j = read_journal(&f).ok()?;
            let point = ResumePoint::from_lines(&j.lines);
            if !point.is_unfinished() {
                return None;
            }
            let matches = match (&point.path, &rb.path) {
                (Some(a), Some(b)) => same_file(Path::new(a), b),
                _ => point.runbook == rb.name,
            };
            if !matches {
                return None;
            }
            let (holder, left_by_dead) = match RunLock::state(&f) {
                LockState::Held(h) => (Some(h), None),
                LockState::LeftByDeadProcess(h) => (None, Some(h)),
                LockState::Free => (None, None),
            };
            Some(Unfinished {
                holder,
                left_by_dead,
                journal: f,
                point,
            })
        })
        .collect()
}

/// Journals under the state directory that cannot be read, with the reason: they are
/// listed rather than silently left out of the resume offers.
pub fn unreadable_runs(state_dir: &Path) -> Vec<(PathBuf, String)> {
    crate::runbook::journal::run_files(state_dir)
        .into_iter()
        .filter_map(|f| read_journal(&f).err().map(|e| (f, e.to_string())))
        .collect()
}

/// A run ready to go: lock held, journal open, engine built.
pub(super) struct Prepared {
    pub run_id: String,
    pub journal: PathBuf,
    pub resumed: bool,
    engine: Engine,
    world: ProviderWorld,
    rec: DriverRecorder,
    setup: RunSetup,
    lock: RunLock,
    events: UnboundedSender<DriverEvent>,
}

fn journal_err(path: &Path, e: impl std::fmt::Display) -> DriverError {
    DriverError::Journal {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

pub(super) fn prepare(
    setup: RunSetup,
    start: Start,
    identity: Option<String>,
    rt: Handle,
    events: UnboundedSender<DriverEvent>,
) -> Result<Prepared, DriverError> {
    let now = setup.clock.now();
    let world = ProviderWorld::new(
        setup.provider.clone(),
        setup.env.clone(),
        setup.clock,
        rt.clone(),
    );
    let ctx = |run_id: String| {
        let mut c = RunContext::for_environment(
            &setup.env,
            run_id,
            setup.operator.clone(),
            setup.provider.mode(),
            setup.provider.read_only(),
        );
        c.identity = identity.clone();
        c
    };
    match start {
        Start::New(rb) => {
            let stem = rb
                .path
                .as_ref()
                .and_then(|p| p.file_stem())
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| rb.name.clone());
            let run_id = journal::new_run_id(now, &stem);
            let path = journal::run_path(&setup.state_dir, &run_id);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| journal_err(dir, e))?;
            }
            let lock = RunLock::acquire(&path, &setup.operator)?;
            let writer = JournalWriter::create(&path).map_err(|e| journal_err(&path, e))?;
            let mut rec = DriverRecorder::new(writer, events.clone(), setup.clock);
            let engine = Engine::start(rb, ctx(run_id.clone()), &mut rec, now)?;
            Ok(Prepared {
                run_id,
                journal: path,
                resumed: false,
                engine,
                world,
                rec,
                setup,
                lock,
                events,
            })
        }
        Start::Resume { runbook, journal } => {
            let lock = RunLock::acquire(&journal, &setup.operator)?;
            let j = read_journal(&journal).map_err(|e| journal_err(&journal, e))?;
            let mut point = ResumePoint::from_lines(&j.lines);
            let writer = JournalWriter::append(&journal, j.last_seq())
                .map_err(|e| journal_err(&journal, e))?;
            let mut rec = DriverRecorder::new(writer, events.clone(), setup.clock);
            if runbook.hash == point.hash && point.is_unfinished() {
                presettle::promotions(
                    &mut point,
                    &j.lines,
                    &setup.provider,
                    &setup.env,
                    setup.clock,
                    &rt,
                    &mut rec,
                )
                .map_err(|e| journal_err(&journal, e))?;
            }
            let run_id = point.run_id.clone();
            let engine = Engine::restore(runbook, ctx(run_id.clone()), &point, &mut rec, now)?;
            Ok(Prepared {
                run_id,
                journal,
                resumed: true,
                engine,
                world,
                rec,
                setup,
                lock,
                events,
            })
        }
    }
}

impl Prepared {
    pub fn first_view(&self) -> RunView {
        self.engine.view(self.setup.clock.now())
    }

    pub fn into_loop(self, view: watch::Sender<RunView>) -> Loop {
        // Approvals already on file before this process started are handed over too
        // (approvals_seen starts at 0): an approval step waiting across a restart
        // must not lose them.
        Loop {
            engine: self.engine,
            world: self.world,
            rec: self.rec,
            clock: self.setup.clock,
            view,
            events: self.events,
            approvals_seen: 0,
            _lock: self.lock,
        }
    }
}

/// The run's status word for people.
pub fn describe(status: &RunStatus) -> String {
    match status {
        RunStatus::Running => "running".into(),
        RunStatus::Paused => "paused".into(),
        RunStatus::Stopped { step, why } => format!("stopped at {step}: {why}"),
        RunStatus::Aborted { reason } => format!("aborted: {reason}"),
        RunStatus::Completed => "completed".into(),
    }
}
