//! Colours and symbols. Unknown never shares a colour or a symbol with healthy.

use crate::model::{ControlState, Mode, Verdict};
use ratatui::style::{Color, Modifier, Style};

pub const DIM: Style = Style::new().fg(Color::DarkGray);
pub const TEXT: Style = Style::new();
pub const LABEL: Style = Style::new().fg(Color::Gray);
pub const TITLE: Style = Style::new().add_modifier(Modifier::BOLD);
pub const OK: Style = Style::new().fg(Color::Green);
pub const WARN: Style = Style::new().fg(Color::Yellow);
pub const BAD: Style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
pub const BAD_DIM: Style = Style::new().fg(Color::Red);
pub const UNKNOWN: Style = Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD);
pub const BORDER: Style = Style::new().fg(Color::DarkGray);
pub const BORDER_FOCUS: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
pub const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);
pub const READ_ONLY: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Cyan)
    .add_modifier(Modifier::BOLD);

pub fn mode_badge(mode: Mode) -> Style {
    match mode {
        Mode::Simulated => Style::new().fg(Color::Black).bg(Color::Yellow),
        Mode::Live => Style::new().fg(Color::White).bg(Color::Red),
    }
    .add_modifier(Modifier::BOLD)
}

/// Symbol, word and style for a verdict.
pub fn verdict(v: Verdict) -> (&'static str, &'static str, Style) {
    match v {
        Verdict::Healthy => ("●", "healthy", OK),
        Verdict::Degraded => ("▲", "DEGRADED", WARN.add_modifier(Modifier::BOLD)),
        Verdict::Impaired => ("✖", "IMPAIRED", BAD),
        Verdict::Unknown => ("?", "UNKNOWN", UNKNOWN),
    }
}

pub fn control(state: Option<ControlState>) -> (&'static str, Style) {
    match state {
        Some(ControlState::On) => ("● On ", OK),
        Some(ControlState::Off) => ("○ Off", WARN),
        None => ("? unknown", UNKNOWN),
    }
}

/// Style for an age, measured against the poll period.
pub fn age(age_ms: i64, poll_ms: u64) -> Style {
    let poll = i64::try_from(poll_ms.max(1)).unwrap_or(i64::MAX);
    if age_ms > poll.saturating_mul(5) {
        BAD
    } else if age_ms > poll.saturating_mul(2) {
        WARN
    } else {
        DIM
    }
}
