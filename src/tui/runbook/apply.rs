//! How the runbook actions change the console: opening, selecting steps, operator
//! controls and the dialogs. Requests to the service come back as [`Effect::Run`].

use super::dialog::{DialogKind, RunDialog};
use super::link::{RunEvent, RunRequest, parse_run_args};
use super::state::Reaction;
use crate::runbook::engine::{Command, RunStatus, StepStatus};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, Overlay, Severity};
use crate::tui::keymap::{self, Context};

impl App {
    fn say(&mut self, msg: impl Into<String>) {
        self.message = Some((msg.into(), Severity::Info));
    }
    fn warn(&mut self, msg: impl Into<String>) {
        self.message = Some((msg.into(), Severity::Warn));
    }

    /// `r` on the dashboard: back to the open runbook, else the list. Never a dialog:
    /// a step awaiting confirmation is reviewed with Enter, on the operator's own key.
    pub(crate) fn open_runbooks(&mut self) {
        if self.runbook.open.is_some() {
            self.runbook.visible = true;
            if let Some((step, StepStatus::AwaitingConfirmation { .. }, _)) = self.current_step() {
                let id = self.step_id(step);
                self.say(format!("{id} awaits confirmation: Enter to review"));
            }
        } else if self.runbook.catalogue.is_empty() {
            let msg = empty_catalogue_message(&self.runbook.searched);
            self.warn(msg);
        } else {
            self.overlay = Overlay::RunbookPicker { selected: 0 };
        }
    }

    /// `R`: the resume dialog for the unfinished run the banner names.
    pub(crate) fn review_resume(&mut self) {
        if self
            .runbook
            .open
            .as_ref()
            .is_some_and(|o| o.run_in_progress())
        {
            self.warn("a run is in progress: finish or abort it before resuming another");
            return;
        }
        match self
            .runbook
            .unfinished
            .iter()
            .find(|r| r.resumable())
            .cloned()
        {
            Some(run) => self.overlay = Overlay::Run(RunDialog::boxed(DialogKind::Resume(run))),
            None => self.say("no unfinished run to resume"),
        }
    }

    fn step_id(&self, i: usize) -> String {
        self.runbook
            .open
            .as_ref()
            .and_then(|o| o.opened.runbook.steps.get(i))
            .map(|s| s.id.clone())
            .unwrap_or_else(|| format!("step {}", i + 1))
    }

    /// `:run NAME k=v…`
    pub(crate) fn open_runbook(&mut self, arg: &str) -> Option<Effect> {
        let (name, params) = match parse_run_args(arg) {
            Ok(p) => p,
            Err(e) => {
                self.warn(e);
                return None;
            }
        };
        if self
            .runbook
            .open
            .as_ref()
            .is_some_and(|o| o.run_in_progress())
        {
            self.warn("a run is in progress: finish or abort it before opening another runbook");
            self.runbook.visible = true;
            return None;
        }
        self.runbook.busy = Some(format!("opening {name}…"));
        self.say(format!("opening runbook {name}…"));
        Some(Effect::Run(RunRequest::Open { name, params }))
    }

    /// An event from the runbook service. It never opens a dialog; it closes one that
    /// no longer applies, with a line saying why.
    pub fn on_run_event(&mut self, ev: RunEvent) {
        match self.runbook.on_event(ev) {
            Reaction::None => {}
            Reaction::Say(m) => self.say(m),
            Reaction::Warn(m) => self.warn(m),
            Reaction::AwaitsConfirmation { step } => {
                // In the runbook view the step list says so; on the dashboard, a line.
                let id = self.step_id(step);
                if !self.runbook.visible && self.overlay == Overlay::None && self.input.is_none() {
                    self.say(format!("{id} awaits confirmation: r, then Enter to review"));
                }
            }
            Reaction::ResumeOffered(run) => {
                if self.input.is_none() {
                    self.warn(format!(
                        "unfinished run {} ({}): R reviews resuming it",
                        run.runbook, run.run_id
                    ));
                }
            }
        }
        self.close_stale_dialog();
        self.sync_guard();
    }

    /// Why the runbook dialog on screen no longer applies to the run, if it does not.
    fn stale(&self, d: &RunDialog) -> Option<String> {
        let open = self.runbook.open.as_ref();
        let in_progress = open.is_some_and(|o| o.run_in_progress());
        match &d.kind {
            DialogKind::Start => open
                .is_none_or(|o| o.run.is_some())
                .then(|| "a run has started".to_string()),
            DialogKind::Resume(r) => {
                if in_progress {
                    Some("a run is in progress".into())
                } else if !self.runbook.unfinished.iter().any(|u| u.run_id == r.run_id) {
                    Some(format!("run {} is no longer unfinished", r.run_id))
                } else {
                    None
                }
            }
            DialogKind::Abort => (!in_progress).then(|| "the run has ended".to_string()),
            DialogKind::Confirm { step, .. }
            | DialogKind::Skip { step }
            | DialogKind::Override { step, .. } => {
                let id = self.step_id(*step);
                let Some((cur, status, run)) = self.current_step() else {
                    return Some(format!("{id} is no longer the current step"));
                };
                if cur != *step {
                    return Some(format!(
                        "the run moved on from {id} to {}",
                        self.step_id(cur)
                    ));
                }
                let applies = match (&d.kind, &status) {
                    (
                        DialogKind::Confirm { prompt, .. },
                        StepStatus::AwaitingConfirmation { prompt: now },
                    ) => {
                        if prompt != now {
                            return Some(format!("what {id} will do has changed"));
                        }
                        run == RunStatus::Running
                    }
                    (DialogKind::Override { .. }, StepStatus::Failed { .. }) => true,
                    (DialogKind::Skip { .. }, st) => {
                        in_progress && !st.is_finished() && *st != StepStatus::Running
                    }
                    _ => false,
                };
                if applies {
                    None
                } else if run == RunStatus::Paused {
                    Some("the run was paused".into())
                } else {
                    Some(format!("{id} is now {}", status.label().replace('_', " ")))
                }
            }
        }
    }

    /// Closes a runbook dialog meant for a moment that has passed.
    fn close_stale_dialog(&mut self) {
        let Overlay::Run(d) = &self.overlay else {
            return;
        };
        let Some(why) = self.stale(d) else {
            return;
        };
        let name = d.name();
        self.overlay = Overlay::None;
        self.warn(format!("closed {name}: {why}; nothing was sent"));
    }

    pub(crate) fn apply_picker(&mut self, action: Action) -> Option<Effect> {
        let Overlay::RunbookPicker { selected } = &mut self.overlay else {
            return None;
        };
        let n = self.runbook.catalogue.len();
        match action {
            Action::Down if n > 0 => *selected = (*selected + 1) % n,
            Action::Up if n > 0 => *selected = (*selected + n - 1) % n,
            Action::Submit => {
                let entry = self.runbook.catalogue.get(*selected).cloned();
                self.overlay = Overlay::None;
                match entry {
                    Some(e) if e.error.is_some() => {
                        self.warn(format!(
                            "{} does not validate: {}",
                            e.name,
                            e.error.unwrap_or_default()
                        ));
                    }
                    Some(e) => return self.open_runbook(&e.name),
                    None => {}
                }
            }
            Action::Back => self.overlay = Overlay::None,
            _ => {}
        }
        None
    }

    fn command(&mut self, cmd: Command) -> Option<Effect> {
        Some(Effect::Run(RunRequest::Command(cmd)))
    }

    /// A command meant for step `i`: the engine refuses it if the run has moved on,
    /// so what the operator saw is what they confirm.
    fn step_command(&mut self, i: usize, cmd: Command) -> Option<Effect> {
        let step = self
            .runbook
            .open
            .as_ref()?
            .opened
            .runbook
            .steps
            .get(i)?
            .id
            .clone();
        Some(Effect::Run(RunRequest::StepCommand { step, cmd }))
    }

    /// The run's current step and its status, when a run exists.
    fn current_step(&self) -> Option<(usize, StepStatus, RunStatus)> {
        let open = self.runbook.open.as_ref()?;
        let view = open.run.as_ref()?;
        let i = view.current?;
        let st = view.steps.get(i)?.status.clone();
        Some((i, st, view.run.clone()))
    }

    pub(crate) fn apply_runbook(&mut self, action: Action) -> Option<Effect> {
        self.message = None;
        let has_run = self.runbook.open.as_ref().is_some_and(|o| o.run.is_some());
        let read_only = self.runbook.read_only;
        match action {
            Action::Back => self.runbook.visible = false,
            Action::ToggleHelp => {
                // Help opens at the runbook keys (every context before it: heading,
                // bindings, blank line).
                let offset = Context::ALL
                    .iter()
                    .take_while(|c| **c != Context::Runbook)
                    .map(|c| keymap::bindings(*c).count() + 2)
                    .sum();
                self.overlay = Overlay::Help { offset };
            }
            Action::AskQuit => self.overlay = Overlay::ConfirmQuit { ok_focused: false },
            Action::Redraw => return Some(Effect::ClearTerminal),
            Action::OpenCommandLine => {
                self.input = Some(crate::tui::app::TextInput {
                    kind: crate::tui::app::InputKind::Command,
                    text: String::new(),
                })
            }
            Action::OpenRunbook(arg) => return self.open_runbook(&arg),
            Action::OpenRunbooks => self.overlay = Overlay::RunbookPicker { selected: 0 },
            Action::Down => self.runbook.select(1),
            Action::Up => self.runbook.select(-1),
            Action::Top => self.runbook.select(isize::MIN / 2),
            Action::Bottom => self.runbook.select(isize::MAX / 2),
            Action::ReviewResume => self.review_resume(),
            Action::PageDown => {
                self.runbook.detail_scroll = self.runbook.detail_scroll.saturating_add(5)
            }
            Action::PageUp => {
                self.runbook.detail_scroll = self.runbook.detail_scroll.saturating_sub(5)
            }
            Action::RunAct => return self.act(),
            _ if read_only && !has_run => {
                self.warn("read-only: runbooks are walked and planned here, never executed");
            }
            _ if !has_run => self.warn("no run yet: Enter starts one"),
            Action::RunTick | Action::RunUntick => return self.tick(action == Action::RunTick),
            Action::RunPause => return self.command(Command::Pause),
            Action::RunResume => return self.command(Command::Resume),
            Action::RunRetry => {
                let (step, ..) = self.current_step()?;
                return self.step_command(step, Command::Retry);
            }
            Action::RunSkip => {
                let (step, ..) = self.current_step()?;
                self.overlay = Overlay::Run(RunDialog::boxed(DialogKind::Skip { step }));
            }
            Action::RunAbort => {
                if self
                    .runbook
                    .open
                    .as_ref()
                    .is_some_and(|o| o.run_in_progress())
                {
                    self.overlay = Overlay::Run(RunDialog::boxed(DialogKind::Abort));
                } else {
                    self.warn("the run has ended; nothing to abort");
                }
            }
            Action::RunOverride => {
                let (step, status, _) = self.current_step()?;
                let rules = self
                    .runbook
                    .open
                    .as_ref()
                    .and_then(|o| o.run.as_ref())
                    .and_then(|v| v.steps.get(step))
                    .map(|s| s.blocking_rules.clone())
                    .unwrap_or_default();
                match (status, rules.is_empty()) {
                    (StepStatus::Failed { .. }, false) => {
                        self.overlay =
                            Overlay::Run(RunDialog::boxed(DialogKind::Override { step, rules }));
                    }
                    _ => self.warn(
                        "a break-glass override is offered only after ARC refuses a change and names its rules",
                    ),
                }
            }
            _ => {}
        }
        None
    }

    /// Enter: start the run, or open the dialog the current step waits on.
    fn act(&mut self) -> Option<Effect> {
        let open = self.runbook.open.as_ref()?;
        if open.run.is_none() {
            if self.runbook.read_only {
                self.warn("read-only: this console never executes runbooks; j/k walks the steps and their planned calls");
            } else if self.runbook.busy.is_none() {
                self.overlay = Overlay::Run(RunDialog::boxed(DialogKind::Start));
            }
            return None;
        }
        let Some((step, status, run)) = self.current_step() else {
            self.say("the run has no current step");
            return None;
        };
        match (status, run) {
            (_, RunStatus::Paused) => self.warn("the run is paused: u resumes it"),
            (StepStatus::AwaitingConfirmation { prompt }, _) => {
                self.runbook.selected = step;
                self.runbook.follow = true;
                let left = self.runbook.checklist_left(step);
                if left.is_empty() {
                    self.overlay =
                        Overlay::Run(RunDialog::boxed(DialogKind::Confirm { step, prompt }));
                } else {
                    // No dialog for an unfinished checklist: say what is left.
                    self.warn(format!(
                        "tick the checklist first (x ticks the next); {} left: {}",
                        left.len(),
                        left.join("; ")
                    ));
                }
            }
            (StepStatus::Blocked { guard, why }, _) => self.warn(format!(
                "blocked by {guard}: {why} — r retries with a fresh read, s skips, a aborts"
            )),
            (StepStatus::Failed { .. }, _) => {
                self.warn("the step failed — r retries, s skips (reason), a aborts; o overrides named safety rules")
            }
            (StepStatus::AwaitingApproval, _) => {
                let id = open.run.as_ref().map(|v| v.run_id.clone()).unwrap_or_default();
                self.say(format!(
                    "waiting for a second operator: drconsole approve {id}"
                ));
            }
            (_, RunStatus::Completed | RunStatus::Aborted { .. }) => {
                self.say("the run has ended; the summary is on screen")
            }
            (st, _) => self.say(format!("the step is {}; nothing to confirm", st.label())),
        }
        None
    }

    fn tick(&mut self, tick: bool) -> Option<Effect> {
        let (step, ..) = self.current_step()?;
        let list = self
            .runbook
            .open
            .as_ref()
            .and_then(|o| o.run.as_ref())
            .and_then(|v| v.steps.get(step))
            .map(|s| s.checklist.clone())
            .unwrap_or_default();
        let item = if tick {
            list.iter().position(|(_, done)| !done)
        } else {
            list.iter().rposition(|(_, done)| *done)
        };
        match item {
            Some(_) => self.step_command(step, Command::TickNext { tick }),
            None if list.is_empty() => {
                self.say("the current step has no checklist");
                None
            }
            None => {
                self.say(if tick {
                    "every item is ticked: Enter to confirm"
                } else {
                    "nothing is ticked"
                });
                None
            }
        }
    }

    pub(crate) fn apply_run_dialog(&mut self, action: Action) -> Option<Effect> {
        let Overlay::Run(d) = &mut self.overlay else {
            return None;
        };
        match action {
            Action::InsertChar(c) if d.takes_text() => {
                d.text.push(c);
                d.error = None;
            }
            Action::DeleteChar => {
                d.text.pop();
            }
            Action::NextButton => d.ok_focused = !d.ok_focused,
            Action::Back => self.close_dialog(),
            Action::Submit if !d.ok_focused => self.close_dialog(),
            Action::Submit => {
                if let Err(e) = d.check() {
                    d.error = Some(e);
                    d.ok_focused = false;
                    return None;
                }
                let d = (**d).clone();
                self.overlay = Overlay::None;
                return self.dialog_ok(d);
            }
            _ => {}
        }
        None
    }

    fn close_dialog(&mut self) {
        if let Overlay::Run(d) = &self.overlay {
            let msg = match d.kind {
                DialogKind::Confirm { .. } => {
                    Some("not confirmed: nothing was sent (Enter asks again)")
                }
                DialogKind::Resume(_) => Some(
                    "not resumed: :run opens a runbook; the unfinished run stays in the journal",
                ),
                _ => None,
            };
            if let Some(m) = msg {
                self.message = Some((m.to_string(), Severity::Info));
            }
        }
        self.overlay = Overlay::None;
    }

    fn dialog_ok(&mut self, d: RunDialog) -> Option<Effect> {
        let reason = d.text.trim().to_string();
        match d.kind {
            DialogKind::Confirm { step, prompt } => {
                if prompt.data_loss_ms.is_some() {
                    self.runbook.data_loss_ms = prompt.data_loss_ms;
                }
                let typed = prompt.typed.as_ref().map(|_| reason);
                self.step_command(step, Command::Confirm { typed })
            }
            DialogKind::Start => {
                let open = self.runbook.open.as_ref()?;
                self.runbook.busy = Some("starting the run…".into());
                Some(Effect::Run(RunRequest::Start {
                    name: open.opened.file.clone(),
                    params: open.params.clone(),
                }))
            }
            DialogKind::Skip { step } => self.step_command(step, Command::Skip { reason }),
            DialogKind::Abort => self.command(Command::Abort { reason }),
            DialogKind::Override { step, .. } => {
                self.step_command(step, Command::Override { reason })
            }
            DialogKind::Resume(run) => {
                self.runbook.busy = Some(format!("resuming {}…", run.run_id));
                self.runbook.visible = true;
                Some(Effect::Run(RunRequest::Resume { run_id: run.run_id }))
            }
        }
    }
}

/// What `r` says when there is no runbook to list: where it looked, absolute.
pub(crate) fn empty_catalogue_message(searched: &[std::path::PathBuf]) -> String {
    if searched.is_empty() {
        return "the runbook list is still loading".into();
    }
    let dirs: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
    format!(
        "no runbooks found in {} (use --runbooks DIR or DRCONSOLE_RUNBOOKS)",
        dirs.join(", ")
    )
}

#[cfg(test)]
mod empty_catalogue_tests {
    use super::empty_catalogue_message;
    use std::path::PathBuf;

    #[test]
    fn an_empty_list_names_every_directory_it_searched() {
        let dirs = [
            PathBuf::from("/home/op/runbooks"),
            PathBuf::from("/home/op/.config/drconsole/runbooks"),
        ];
        let m = empty_catalogue_message(&dirs);
        assert!(
            m.contains("/home/op/runbooks, /home/op/.config/drconsole/runbooks"),
            "{m}"
        );
        assert!(m.contains("--runbooks DIR"), "{m}");
        assert!(empty_catalogue_message(&[]).contains("loading"));
    }
}
