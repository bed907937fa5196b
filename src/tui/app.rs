//! Console state and how each [`Action`] changes it. No I/O here: effects that leave
//! the UI (quit, inject a fault, clear the terminal) are returned to the event loop.

use super::action::Action;
use super::feed::{FaultEntry, FeedState};
use super::guard::{DialogTag, InputGuard};
use super::keymap::{self, Context};
use super::rows::Rows;
use super::runbook::dialog::RunDialog;
use super::runbook::link::RunRequest;
use super::runbook::state::RunbookState;
use crate::model::Mode;
use crate::model::snapshot::Snapshot;
use crossterm::event::KeyEvent;
use std::sync::Arc;
use std::time::Instant;

/// What is known before any API answers: from the environment file and the flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleInfo {
    pub environment: String,
    pub mode: Mode,
    pub read_only: bool,
    pub poll_period_ms: u64,
}

/// The dashboard's panels, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Panel {
    Regions,
    Replication,
    Routing,
    Log,
}

impl Panel {
    pub const ALL: [Panel; 4] = [
        Panel::Regions,
        Panel::Replication,
        Panel::Routing,
        Panel::Log,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        match self {
            Panel::Regions => "Regions",
            Panel::Replication => "Replication",
            Panel::Routing => "Routing controls",
            Panel::Log => "Log",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help {
        offset: usize,
    },
    FaultMenu {
        selected: usize,
    },
    /// The quit confirmation; Cancel has the focus when it opens.
    ConfirmQuit {
        ok_focused: bool,
    },
    /// The runbooks under `runbooks/`.
    RunbookPicker {
        selected: usize,
    },
    /// A runbook dialog (confirm a step, start, resume, reasons).
    Run(Box<RunDialog>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextInput {
    pub kind: InputKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Warn,
}

/// What the event loop must do after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    ClearTerminal,
    /// Inject catalogue entry `i` into the twin.
    InjectFault(usize),
    /// Clear the active fault shown with this label.
    ClearFault(String),
    /// Ask the twin which faults are in force.
    RefreshFaults,
    /// A request for the runbook service.
    Run(RunRequest),
}

/// The console's whole state. (Not `Debug`: tui-logger's widget state is not.)
pub struct App {
    pub info: ConsoleInfo,
    pub feed: FeedState,
    pub snapshot: Option<Arc<Snapshot>>,
    pub rows: Rows,
    pub focus: Panel,
    pub zoomed: bool,
    pub log_visible: bool,
    pub overlay: Overlay,
    pub input: Option<TextInput>,
    pub filter: String,
    /// First visible row per panel.
    pub scroll: [usize; 4],
    /// Rows each panel could show in the last frame (set by the event loop).
    pub viewport: [usize; 4],
    /// Game-day catalogue; `None` against a real account.
    pub faults: Option<Vec<FaultEntry>>,
    /// Labels of the faults the twin holds, as it last said; `None` until it answers.
    pub active_faults: Option<Vec<String>>,
    pub message: Option<(String, Severity)>,
    pub log_state: tui_logger::TuiWidgetState,
    pub runbook: RunbookState,
    /// `d` in the runbook view: flips whether the dashboard panels are shown there
    /// (shown beside the steps by default from 160 columns, hidden below).
    pub run_dashboard_flipped: bool,
    /// Drops keys that arrived before the dialog on screen was drawn (and just after).
    pub guard: InputGuard,
}

impl App {
    pub fn new(info: ConsoleInfo) -> App {
        let read_only = info.read_only;
        App {
            info,
            feed: FeedState::Connecting,
            snapshot: None,
            rows: Rows::default(),
            focus: Panel::Regions,
            zoomed: false,
            log_visible: true,
            overlay: Overlay::None,
            input: None,
            filter: String::new(),
            scroll: [0; 4],
            viewport: [usize::MAX; 4],
            faults: None,
            active_faults: None,
            run_dashboard_flipped: false,
            message: None,
            log_state: tui_logger::TuiWidgetState::new()
                .set_default_display_level(tui_logger::LevelFilter::Info),
            runbook: RunbookState {
                read_only,
                ..RunbookState::default()
            },
            guard: InputGuard::default(),
        }
    }

    /// The dialog on screen that can lead to an action (a mutating call, quitting,
    /// a fault), named so that another dialog is told apart.
    fn dialog_tag(&self) -> Option<DialogTag> {
        match &self.overlay {
            Overlay::ConfirmQuit { .. } => Some(DialogTag("quit".into())),
            Overlay::FaultMenu { .. } => Some(self.fault_menu_tag()),
            Overlay::Run(d) => Some(DialogTag(d.tag())),
            Overlay::None | Overlay::Help { .. } | Overlay::RunbookPicker { .. } => None,
        }
    }

    /// Keeps the input guard on the dialog now on screen (after any change of state).
    pub fn sync_guard(&mut self) {
        let tag = self.dialog_tag();
        self.guard.track(tag);
    }

    /// One key from the terminal at `now` (monotonic). Keys that reach a dialog before
    /// it was drawn, or within the guard interval after, are dropped and counted.
    pub fn on_key(&mut self, key: &KeyEvent, now: Instant) -> Option<Effect> {
        self.sync_guard();
        if key.kind == crossterm::event::KeyEventKind::Release {
            return None;
        }
        if self.guard.blocks(now) {
            let n = self.guard.ignored();
            self.message = Some((
                format!(
                    "ignored {n} key{} typed before this dialog was on screen",
                    if n == 1 { "" } else { "s" }
                ),
                Severity::Warn,
            ));
            return None;
        }
        let action = keymap::lookup(self.context(), key)?;
        let effect = self.apply(action);
        self.sync_guard();
        effect
    }

    /// A frame was drawn at `now`. True when it showed a dialog for the first time:
    /// the event loop then drops the input already waiting.
    pub fn frame_drawn(&mut self, now: Instant) -> bool {
        self.sync_guard();
        self.guard.drawn(now)
    }

    /// A new snapshot replaces the old one; row indexes are rebuilt here, not per frame.
    pub fn set_snapshot(&mut self, snap: Arc<Snapshot>) {
        self.rows = Rows::build(&snap, &self.filter);
        self.runbook.on_snapshot(&snap);
        self.snapshot = Some(snap);
        self.feed = FeedState::Connected;
        self.clamp_scroll();
    }

    /// Which keymap context has the keyboard.
    pub fn context(&self) -> Context {
        match (&self.overlay, &self.input) {
            (Overlay::ConfirmQuit { .. }, _) => Context::Confirm,
            (Overlay::Help { .. }, _) => Context::Help,
            (Overlay::FaultMenu { .. }, _) => Context::FaultMenu,
            (Overlay::RunbookPicker { .. }, _) => Context::RunbookPicker,
            (Overlay::Run(_), _) => Context::RunDialog,
            (Overlay::None, Some(_)) => Context::TextInput,
            (Overlay::None, None) if self.runbook.visible => Context::Runbook,
            (Overlay::None, None) => Context::Dashboard,
        }
    }

    fn panels(&self) -> Vec<Panel> {
        Panel::ALL
            .into_iter()
            .filter(|p| *p != Panel::Log || self.log_visible)
            .collect()
    }

    pub fn row_count(&self, panel: Panel) -> usize {
        match panel {
            Panel::Regions => self.rows.regions.len(),
            Panel::Replication => self.rows.replication.len(),
            Panel::Routing => self.rows.routing.len(),
            Panel::Log => 0,
        }
    }

    fn clamp_scroll(&mut self) {
        for p in Panel::ALL {
            let max = self
                .row_count(p)
                .saturating_sub(self.viewport[p.index()].min(self.row_count(p)));
            let s = &mut self.scroll[p.index()];
            *s = (*s).min(max);
        }
    }

    pub fn set_viewports(&mut self, viewport: [usize; 4]) {
        self.viewport = viewport;
        self.clamp_scroll();
    }

    fn scroll_by(&mut self, delta: isize) {
        let p = self.focus;
        if p == Panel::Log {
            let ev = if delta < 0 {
                tui_logger::TuiWidgetEvent::PrevPageKey
            } else {
                tui_logger::TuiWidgetEvent::NextPageKey
            };
            self.log_state.transition(ev);
            return;
        }
        let s = self.scroll[p.index()];
        self.scroll[p.index()] = s.saturating_add_signed(delta);
        self.clamp_scroll();
    }

    fn page(&self) -> isize {
        let v = self.viewport[self.focus.index()];
        isize::try_from(v.clamp(1, 1000)).unwrap_or(1)
    }

    fn set_filter(&mut self, text: String) {
        self.filter = text;
        if let Some(snap) = &self.snapshot {
            self.rows = Rows::build(snap, &self.filter);
        }
        self.scroll[Panel::Routing.index()] = 0;
    }

    /// Applies one action; returns what the event loop must do outside the state.
    pub fn apply(&mut self, action: Action) -> Option<Effect> {
        match self.context() {
            Context::Confirm => self.apply_confirm(action),
            Context::Help => self.apply_help(action),
            Context::FaultMenu => self.apply_fault_menu(action),
            Context::TextInput => self.apply_input(action),
            Context::Dashboard => self.apply_dashboard(action),
            Context::Runbook if action == Action::ToggleRunDashboard => {
                self.run_dashboard_flipped = !self.run_dashboard_flipped;
                None
            }
            Context::Runbook => self.apply_runbook(action),
            Context::RunbookPicker => self.apply_picker(action),
            Context::RunDialog => self.apply_run_dialog(action),
        }
    }

    fn apply_confirm(&mut self, action: Action) -> Option<Effect> {
        let Overlay::ConfirmQuit { ok_focused } = &mut self.overlay else {
            return None;
        };
        match action {
            Action::NextButton => *ok_focused = !*ok_focused,
            Action::Submit if *ok_focused => return Some(Effect::Quit),
            Action::Submit | Action::Back => self.overlay = Overlay::None,
            _ => {}
        }
        None
    }

    fn apply_help(&mut self, action: Action) -> Option<Effect> {
        let Overlay::Help { offset } = &mut self.overlay else {
            return None;
        };
        // The help box is at least this tall on the smallest screen the console draws.
        const PAGE: usize = 10;
        match action {
            Action::Down => *offset = offset.saturating_add(1).min(help_len()),
            Action::Up => *offset = offset.saturating_sub(1),
            Action::PageDown => *offset = offset.saturating_add(PAGE).min(help_len()),
            Action::PageUp => *offset = offset.saturating_sub(PAGE),
            Action::Top => *offset = 0,
            Action::Bottom => *offset = help_len(),
            Action::Back | Action::ToggleHelp => self.overlay = Overlay::None,
            _ => {}
        }
        None
    }

    fn apply_input(&mut self, action: Action) -> Option<Effect> {
        let Some(input) = &mut self.input else {
            return None;
        };
        match action {
            Action::InsertChar(c) => input.text.push(c),
            Action::DeleteChar => {
                input.text.pop();
            }
            Action::Back => {
                if input.kind == InputKind::Filter {
                    self.set_filter(String::new());
                }
                self.input = None;
                return None;
            }
            Action::Submit => {
                let TextInput { kind, text } = self.input.take()?;
                return match kind {
                    InputKind::Filter => None,
                    InputKind::Command => match keymap::parse_command(&text) {
                        Ok(a) => self.apply(a),
                        Err(e) => {
                            self.message = Some((e, Severity::Warn));
                            None
                        }
                    },
                };
            }
            _ => return None,
        }
        // Filter applies as it is typed.
        if let Some(TextInput {
            kind: InputKind::Filter,
            text,
        }) = &self.input
        {
            let text = text.clone();
            self.set_filter(text);
        }
        None
    }

    fn apply_dashboard(&mut self, action: Action) -> Option<Effect> {
        self.message = None;
        match action {
            Action::AskQuit => self.overlay = Overlay::ConfirmQuit { ok_focused: false },
            Action::Redraw => return Some(Effect::ClearTerminal),
            Action::ToggleHelp => self.overlay = Overlay::Help { offset: 0 },
            Action::Back => {
                if self.focus == Panel::Log {
                    // Leaves tui-logger's page-scroll mode (back to following the tail).
                    self.log_state
                        .transition(tui_logger::TuiWidgetEvent::EscapeKey);
                }
                if self.zoomed {
                    self.zoomed = false;
                } else if !self.filter.is_empty() {
                    self.set_filter(String::new());
                }
            }
            Action::FocusNext | Action::FocusPrev => {
                let panels = self.panels();
                let n = panels.len();
                let at = panels.iter().position(|p| *p == self.focus).unwrap_or(0);
                let next = if action == Action::FocusNext {
                    at + 1
                } else {
                    at + n - 1
                };
                self.focus = panels[next % n];
            }
            Action::Down => self.scroll_by(1),
            Action::Up => self.scroll_by(-1),
            Action::PageDown => self.scroll_by(self.page()),
            Action::PageUp => self.scroll_by(-self.page()),
            Action::Top => self.scroll_by(isize::MIN / 2),
            Action::Bottom => self.scroll_by(isize::MAX / 2),
            Action::StartFilter => {
                self.focus = Panel::Routing;
                self.input = Some(TextInput {
                    kind: InputKind::Filter,
                    text: self.filter.clone(),
                });
            }
            Action::OpenCommandLine => {
                self.input = Some(TextInput {
                    kind: InputKind::Command,
                    text: String::new(),
                })
            }
            Action::SetFilter(text) => {
                self.focus = Panel::Routing;
                self.set_filter(text);
            }
            Action::ToggleLog => {
                self.log_visible = !self.log_visible;
                if !self.log_visible && self.focus == Panel::Log {
                    self.focus = Panel::Regions;
                    self.zoomed = false;
                }
            }
            Action::ToggleZoom => self.zoomed = !self.zoomed,
            Action::OpenFaultMenu => match (&self.faults, self.info.mode) {
                (Some(_), Mode::Simulated) => return self.open_fault_menu(),
                (None, Mode::Simulated) => {
                    let why = if self.feed == FeedState::Connecting {
                        "game day: still connecting to the twin"
                    } else {
                        // An external twin from before the fault control existed.
                        "game day: this twin offers no fault control (see the log)"
                    };
                    self.message = Some((why.to_string(), Severity::Warn))
                }
                _ => {
                    self.message = Some((
                        "game day faults exist only on the simulated twin".to_string(),
                        Severity::Warn,
                    ))
                }
            },
            Action::OpenRunbooks => self.open_runbooks(),
            Action::ReviewResume => self.review_resume(),
            Action::OpenRunbook(arg) => return self.open_runbook(&arg),
            Action::Submit
            | Action::NextButton
            | Action::InsertChar(_)
            | Action::DeleteChar
            | Action::RunAct
            | Action::RunTick
            | Action::RunUntick
            | Action::RunPause
            | Action::RunResume
            | Action::RunSkip
            | Action::RunAbort
            | Action::RunRetry
            | Action::RunOverride
            | Action::ToggleRunDashboard => {}
        }
        None
    }
}

/// Lines in the generated help (for scroll bounds).
pub fn help_len() -> usize {
    keymap::KEYMAP.len()
        + keymap::COMMANDS.len()
        + 2 * keymap::Context::ALL.len()
        + keymap::dialog_guard_note_lines().len()
        + 5
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::synthetic;
    use std::time::Duration;

    fn app() -> App {
        let mut a = App::new(ConsoleInfo {
            environment: "t".into(),
            mode: Mode::Simulated,
            read_only: false,
            poll_period_ms: 2000,
        });
        a.set_snapshot(Arc::new(synthetic::large(
            synthetic::fixed_now(),
            3,
            3,
            300,
        )));
        a.set_viewports([5; 4]);
        a
    }

    #[test]
    fn quit_asks_with_cancel_focused_and_enter_cancels() {
        let mut a = app();
        assert_eq!(a.apply(Action::AskQuit), None);
        assert_eq!(a.overlay, Overlay::ConfirmQuit { ok_focused: false });
        assert_eq!(a.apply(Action::Submit), None);
        assert_eq!(a.overlay, Overlay::None);
        a.apply(Action::AskQuit);
        a.apply(Action::NextButton);
        assert_eq!(a.apply(Action::Submit), Some(Effect::Quit));
    }

    #[test]
    fn tab_cycles_panels_and_skips_a_hidden_log() {
        let mut a = app();
        let mut seen = vec![a.focus];
        for _ in 0..4 {
            a.apply(Action::FocusNext);
            seen.push(a.focus);
        }
        assert_eq!(
            seen,
            [
                Panel::Regions,
                Panel::Replication,
                Panel::Routing,
                Panel::Log,
                Panel::Regions
            ]
        );
        a.apply(Action::ToggleLog);
        a.apply(Action::FocusPrev);
        assert_eq!(a.focus, Panel::Routing);
    }

    #[test]
    fn scrolling_stops_at_the_last_page() {
        let mut a = app();
        a.focus = Panel::Routing;
        a.apply(Action::Bottom);
        let rows = a.row_count(Panel::Routing);
        assert_eq!(a.scroll[Panel::Routing.index()], rows - 5);
        a.apply(Action::Top);
        assert_eq!(a.scroll[Panel::Routing.index()], 0);
    }

    #[test]
    fn filter_applies_while_typing_and_esc_clears_it() {
        let mut a = app();
        a.apply(Action::StartFilter);
        for c in "cell-0000".chars() {
            a.apply(Action::InsertChar(c));
        }
        assert_eq!(a.rows.controls_shown, 10);
        a.apply(Action::Submit);
        assert_eq!(a.filter, "cell-0000");
        a.apply(Action::Back);
        assert_eq!(a.rows.controls_shown, 300);
    }

    #[test]
    fn fault_menu_returns_the_choice() {
        let mut a = app();
        a.faults = Some(vec![
            FaultEntry {
                label: "a".into(),
                detail: String::new(),
            },
            FaultEntry {
                label: "b".into(),
                detail: String::new(),
            },
        ]);
        assert_eq!(a.apply(Action::OpenFaultMenu), Some(Effect::RefreshFaults));
        a.apply(Action::Down);
        assert_eq!(a.apply(Action::Submit), Some(Effect::InjectFault(1)));
        assert_eq!(a.overlay, Overlay::None);
        assert_eq!(
            a.message.as_ref().map(|(m, _)| m.as_str()),
            Some("injecting fault: b")
        );
    }

    #[test]
    fn no_fault_menu_against_a_real_account() {
        let mut a = app();
        a.info.mode = Mode::Live;
        a.faults = Some(vec![]);
        a.apply(Action::OpenFaultMenu);
        assert_eq!(a.overlay, Overlay::None);
        assert!(a.message.is_some());
    }

    #[test]
    fn a_twin_without_fault_control_says_so() {
        let mut a = app();
        a.apply(Action::OpenFaultMenu);
        assert_eq!(a.overlay, Overlay::None);
        assert!(
            a.message
                .as_ref()
                .is_some_and(|(m, _)| m.contains("this twin offers no fault control")),
            "{:?}",
            a.message
        );
    }

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        )
    }

    fn keys(a: &mut App, text: &str, now: Instant) -> Vec<Effect> {
        text.chars()
            .filter_map(|c| {
                let k = match c {
                    '\t' => KeyEvent::from(crossterm::event::KeyCode::Tab),
                    '\r' => KeyEvent::from(crossterm::event::KeyCode::Enter),
                    c => key(c),
                };
                a.on_key(&k, now)
            })
            .collect()
    }

    #[test]
    fn keys_typed_ahead_of_the_quit_dialog_never_answer_it() {
        let mut a = app();
        let t0 = Instant::now();
        // `q`, then Tab Enter in the same burst: the dialog is not drawn yet.
        assert!(keys(&mut a, "q\t\r", t0).is_empty());
        assert_eq!(a.overlay, Overlay::ConfirmQuit { ok_focused: false });
        assert!(a.frame_drawn(t0 + Duration::from_millis(5)));
        // In flight when it appeared: still dropped within the interval.
        assert!(keys(&mut a, "\t\r", t0 + Duration::from_millis(200)).is_empty());
        assert_eq!(a.overlay, Overlay::ConfirmQuit { ok_focused: false });
        assert_eq!(a.guard.ignored(), 4);
        assert!(
            a.message
                .as_ref()
                .is_some_and(|(m, _)| m.contains("ignored 4 keys"))
        );
        // Seen and answered: the operator's own keys act.
        assert_eq!(
            keys(&mut a, "\t\r", t0 + Duration::from_millis(400)),
            vec![Effect::Quit]
        );
    }

    #[test]
    fn the_guard_interval_is_injectable() {
        let mut a = app();
        a.guard = InputGuard::new(Duration::ZERO);
        let t0 = Instant::now();
        keys(&mut a, "q", t0);
        a.frame_drawn(t0);
        assert_eq!(keys(&mut a, "\t\r", t0), vec![Effect::Quit]);
    }

    #[test]
    fn a_key_that_opens_a_dialog_is_not_itself_dropped_and_closing_disarms() {
        let mut a = app();
        let t0 = Instant::now();
        keys(&mut a, "q", t0);
        a.frame_drawn(t0);
        keys(&mut a, "n", t0 + Duration::from_millis(500));
        assert_eq!(a.overlay, Overlay::None);
        // No dialog: keys act at once.
        keys(&mut a, "?", t0 + Duration::from_millis(501));
        assert!(matches!(a.overlay, Overlay::Help { .. }));
    }

    #[test]
    fn help_pages_and_jumps() {
        let mut a = app();
        a.apply(Action::ToggleHelp);
        a.apply(Action::PageDown);
        assert_eq!(a.overlay, Overlay::Help { offset: 10 });
        a.apply(Action::Bottom);
        assert_eq!(a.overlay, Overlay::Help { offset: help_len() });
        a.apply(Action::PageUp);
        assert_eq!(
            a.overlay,
            Overlay::Help {
                offset: help_len() - 10
            }
        );
        a.apply(Action::Top);
        assert_eq!(a.overlay, Overlay::Help { offset: 0 });
    }

    #[test]
    fn command_line_runs_commands() {
        let mut a = app();
        a.apply(Action::OpenCommandLine);
        for c in "filter cell-0001".chars() {
            a.apply(Action::InsertChar(c));
        }
        a.apply(Action::Submit);
        assert_eq!(a.filter, "cell-0001");
        assert_eq!(a.focus, Panel::Routing);
    }
}
