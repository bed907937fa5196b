//! What the runbook view holds: the catalogue, the open runbook, the run's latest
//! view from the driver, and the facts of the last snapshot for live guards.

use super::link::{CatalogueEntry, Opened, RunEvent, UnfinishedRun};
use crate::model::snapshot::Snapshot;
use crate::runbook::Facts;
use crate::runbook::engine::{RunStatus, RunView, StepStatus};
use crate::runbook::summary::Summary;
use std::collections::BTreeMap;

/// The runbook the console has open, and its run once started.
#[derive(Debug, Clone)]
pub struct OpenRunbook {
    pub opened: Opened,
    pub params: BTreeMap<String, String>,
    /// `None` until a run starts (or resumes): the runbook is only walked.
    pub run: Option<RunView>,
}

impl OpenRunbook {
    /// True while a run exists and has not completed or been aborted.
    pub fn run_in_progress(&self) -> bool {
        self.run
            .as_ref()
            .is_some_and(|v| !matches!(v.run, RunStatus::Completed | RunStatus::Aborted { .. }))
    }

    pub fn finished(&self) -> bool {
        self.run
            .as_ref()
            .is_some_and(|v| matches!(v.run, RunStatus::Completed | RunStatus::Aborted { .. }))
    }

    /// The step the run is on.
    pub fn current(&self) -> Option<usize> {
        self.run.as_ref().and_then(|v| v.current)
    }

    pub fn status(&self, i: usize) -> Option<&StepStatus> {
        self.run
            .as_ref()
            .and_then(|v| v.steps.get(i))
            .map(|s| &s.status)
    }
}

#[derive(Debug, Clone, Default)]
pub struct RunbookState {
    pub catalogue: Vec<CatalogueEntry>,
    /// Where the catalogue was looked for; empty until it has been.
    pub searched: Vec<std::path::PathBuf>,
    pub unfinished: Vec<UnfinishedRun>,
    pub open: Option<OpenRunbook>,
    /// The runbook view has the body instead of the dashboard.
    pub visible: bool,
    /// The step whose details are shown.
    pub selected: usize,
    /// The selection follows the run's current step until the operator moves it.
    pub follow: bool,
    pub detail_scroll: usize,
    /// Facts from the last snapshot, for the guards shown live.
    pub facts: Option<Facts>,
    /// A request is on its way (opening, starting, resuming).
    pub busy: Option<String>,
    /// The step (and prompt text) last announced as awaiting confirmation: said once.
    pub offered: Option<(usize, String)>,
    /// Data loss the operator accepted at a confirmation (ms), for the summary.
    pub data_loss_ms: Option<f64>,
    pub summary: Option<Summary>,
    /// The console is read-only: runbooks are walked and planned, never executed.
    pub read_only: bool,
}

/// What the app must say after an event. Nothing here opens a dialog: dialogs open
/// only on the operator's own key (DESIGN.md invariant 7).
#[derive(Debug, Clone, PartialEq)]
pub enum Reaction {
    None,
    /// The step now awaits confirmation (Enter reviews it).
    AwaitsConfirmation {
        step: usize,
    },
    /// An unfinished run can be resumed (`R` reviews it).
    ResumeOffered(UnfinishedRun),
    Say(String),
    Warn(String),
}

impl RunbookState {
    pub fn on_snapshot(&mut self, snap: &Snapshot) {
        self.facts = Some(Facts::from_snapshot(snap));
    }

    /// Applies an event from the runbook service.
    pub fn on_event(&mut self, ev: RunEvent) -> Reaction {
        match ev {
            RunEvent::Catalogue(c) => {
                self.catalogue = c;
                Reaction::None
            }
            RunEvent::SearchedDirs(d) => {
                self.searched = d;
                Reaction::None
            }
            RunEvent::Unfinished(runs) => {
                self.unfinished = runs;
                if self.open.is_some() {
                    return Reaction::None;
                }
                // A run held by a live console, or whose journal cannot be read, is
                // never offered: the operator is told why instead.
                match self.unfinished.iter().find(|r| r.resumable()) {
                    Some(r) => Reaction::ResumeOffered(r.clone()),
                    None => self
                        .unfinished
                        .iter()
                        .find_map(|r| r.why_not_offered())
                        .map_or(Reaction::None, Reaction::Warn),
                }
            }
            RunEvent::Opened(o) => {
                self.busy = None;
                let params = o.runbook.params.clone();
                self.open = Some(OpenRunbook {
                    opened: o,
                    params,
                    run: None,
                });
                self.visible = true;
                self.selected = 0;
                self.follow = true;
                self.detail_scroll = 0;
                self.offered = None;
                self.summary = None;
                self.data_loss_ms = None;
                Reaction::None
            }
            RunEvent::Failed(why) => {
                self.busy = None;
                Reaction::Warn(why)
            }
            RunEvent::Refused(why) => Reaction::Warn(format!("refused: {why}")),
            RunEvent::Summary(s) => {
                self.summary = Some(*s);
                Reaction::None
            }
            RunEvent::View(v) => self.on_view(*v),
        }
    }

    fn on_view(&mut self, v: RunView) -> Reaction {
        let Some(open) = &mut self.open else {
            return Reaction::None;
        };
        self.busy = None;
        if open.run.as_ref().is_none_or(|r| r.run_id != v.run_id) {
            self.unfinished.retain(|u| u.run_id != v.run_id);
        }
        let current = v.current;
        // A manual step is offered once its checklist is ticked (x ticks).
        let prompt = current.and_then(|i| match v.steps.get(i) {
            Some(s) if s.checklist.iter().any(|(_, t)| !t) => None,
            Some(s) => match &s.status {
                StepStatus::AwaitingConfirmation { prompt } => Some((i, prompt.clone())),
                _ => None,
            },
            None => None,
        });
        open.run = Some(v);
        if self.follow
            && let Some(i) = current
        {
            if self.selected != i {
                self.detail_scroll = 0;
            }
            self.selected = i;
        }
        match prompt {
            Some((i, p)) if self.offered.as_ref() != Some(&(i, p.what.clone())) => {
                self.offered = Some((i, p.what.clone()));
                Reaction::AwaitsConfirmation { step: i }
            }
            _ => Reaction::None,
        }
    }

    /// The unfinished run the console offers to resume: none while a run is open.
    pub fn resumable(&self) -> Option<&UnfinishedRun> {
        if self.open.as_ref().is_some_and(OpenRunbook::run_in_progress) {
            return None;
        }
        self.unfinished.first()
    }

    /// Checklist items of step `i` not yet ticked.
    pub fn checklist_left(&self, i: usize) -> Vec<String> {
        self.open
            .as_ref()
            .and_then(|o| o.run.as_ref())
            .and_then(|v| v.steps.get(i))
            .map(|s| {
                s.checklist
                    .iter()
                    .filter(|(_, t)| !*t)
                    .map(|(item, _)| item.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn step_count(&self) -> usize {
        self.open
            .as_ref()
            .map_or(0, |o| o.opened.runbook.steps.len())
    }

    pub fn select(&mut self, delta: isize) {
        let n = self.step_count();
        if n == 0 {
            return;
        }
        let to = self.selected.saturating_add_signed(delta).min(n - 1);
        if to != self.selected {
            self.detail_scroll = 0;
        }
        self.selected = to;
        // Back on the current step, the selection follows the run again.
        self.follow = self.open.as_ref().and_then(OpenRunbook::current) == Some(to);
    }
}
