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
    for (action, word) in HINTS {
        if *action == Action::OpenFaultMenu
            && (app.faults.is_none() || app.info.mode != Mode::Simulated)
        {
            continue;
        }
        let Some(b) = keymap::bindings(Context::Dashboard).find(|b| b.action == *action) else {
            continue;
        };
        let key = b.label.split(' ').next().unwrap_or(b.label);
        w.put(" ", theme::TEXT)
            .put(key, theme::BORDER_FOCUS)
            .put(" ", theme::TEXT)
            .put(word, theme::DIM);
    }
    None
}
