//! The bottom line: the filter or command being typed, a message, or key hints taken
//! from the keymap table.

use super::text::Row;
use super::theme;
use crate::model::Mode;
use crate::tui::action::Action;
use crate::tui::app::{App, InputKind, Severity};
use crate::tui::keymap::{self, Context};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

/// Hints shown on the dashboard, by action, with a one-word name.
const HINTS: &[(Action, &str)] = &[
    (Action::ToggleHelp, "help"),
    (Action::FocusNext, "panel"),
    (Action::Down, "scroll"),
    (Action::StartFilter, "filter"),
    (Action::ToggleZoom, "zoom"),
    (Action::ToggleLog, "log"),
    (Action::OpenFaultMenu, "faults"),
    (Action::OpenCommandLine, "cmd"),
    (Action::AskQuit, "quit"),
];

/// Draws the footer; returns where the text cursor belongs while typing.
pub fn render(buf: &mut Buffer, area: Rect, app: &App) -> Option<Position> {
    let mut w = Row::new(buf, area, area.y);
    if let Some(input) = &app.input {
        let prompt = match input.kind {
            InputKind::Filter => " filter /",
            InputKind::Command => " :",
        };
        w.put(prompt, theme::TITLE).put(&input.text, theme::TEXT);
        let at = Position::new(w.x(), area.y);
        w.space(2).put("Enter apply · Esc cancel", theme::DIM);
        return Some(at);
    }
    if let Some((msg, sev)) = &app.message {
        let style = match sev {
            Severity::Info => theme::OK,
            Severity::Warn => theme::WARN,
        };
        w.put(" ", theme::TEXT).put(msg, style);
        return None;
    }
    // An unfinished run is said until it is resumed; `R` opens its dialog.
    if let Some(run) = app.runbook.resumable() {
        w.put(" unfinished run ", theme::WARN)
            .put(&run.runbook, theme::TITLE)
            .put(" ", theme::TEXT)
            .put(run.last_step.as_deref().unwrap_or(""), theme::DIM)
            .put("  R", theme::BORDER_FOCUS)
            .put(" review resume", theme::DIM);
        return None;
    }
    if app.runbook.visible && app.runbook.open.is_some() {
        runbook_hints(&mut w, app);
        return None;
    }
    for (action, word) in HINTS {
        if *action == Action::OpenFaultMenu
            && (app.faults.is_none() || app.info.mode != Mode::Simulated)
        {
            continue;
        }
        hint(&mut w, Context::Dashboard, action, word);
    }
    None
}

/// Hints in the runbook view: what the operator can do to the run now.
const RUN_HINTS: &[(Action, &str)] = &[
    (Action::RunAct, "act"),
    (Action::Down, "step"),
    (Action::RunPause, "pause"),
    (Action::RunResume, "resume"),
    (Action::RunSkip, "skip"),
    (Action::RunRetry, "retry"),
    (Action::RunOverride, "override"),
    (Action::RunAbort, "abort"),
    (Action::Back, "dashboard"),
    (Action::ToggleHelp, "help"),
];

fn runbook_hints(w: &mut Row, app: &App) {
    let started = app
        .runbook
        .open
        .as_ref()
        .is_some_and(|o| o.run_in_progress());
    for (action, word) in RUN_HINTS {
        let run_only = !matches!(
            action,
            Action::Down | Action::Back | Action::ToggleHelp | Action::RunAct
        );
        if run_only && !started {
            continue;
        }
        let word = match action {
            Action::RunAct if !started && app.runbook.read_only => continue,
            Action::RunAct if app.runbook.open.as_ref().is_some_and(|o| o.finished()) => continue,
            Action::RunAct if !started => "start",
            Action::RunAct => "confirm",
            _ => word,
        };
        hint(w, Context::Runbook, action, word);
    }
}

/// " KEY word": the first key the keymap binds to `action` in `ctx` (nothing if unbound).
fn hint(w: &mut Row, ctx: Context, action: &Action, word: &str) {
    let Some(b) = keymap::bindings(ctx).find(|b| b.action == *action) else {
        return;
    };
    let key = b.label.split(' ').next().unwrap_or(b.label);
    w.put(" ", theme::TEXT)
        .put(key, theme::BORDER_FOCUS)
        .put(" ", theme::TEXT)
        .put(word, theme::DIM);
}
