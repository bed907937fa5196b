//! A step's status as a symbol, a word and a style; the RTO clock.

use crate::runbook::engine::{RunStatus, StepStatus};
use crate::tui::view::{text, theme};
use chrono::{DateTime, Utc};
use ratatui::style::{Modifier, Style};

/// Symbol, words and style for a step's status at `now` (countdowns tick).
pub fn cell(st: &StepStatus, now: DateTime<Utc>) -> (&'static str, String, Style) {
    match st {
        StepStatus::Pending => ("·", "pending".into(), theme::DIM),
        StepStatus::Ready => ("○", "ready".into(), theme::TEXT),
        StepStatus::Blocked { .. } => ("⊘", "blocked by guard".into(), theme::BAD),
        StepStatus::AwaitingConfirmation { .. } => (
            "◆",
            "awaiting confirmation".into(),
            theme::WARN.add_modifier(Modifier::BOLD),
        ),
        StepStatus::AwaitingApproval => (
            "◆",
            "awaiting approval".into(),
            theme::WARN.add_modifier(Modifier::BOLD),
        ),
        StepStatus::Running => ("↻", "running".into(), theme::BORDER_FOCUS),
        StepStatus::Waiting { deadline, .. } => {
            let left = (*deadline - now).num_milliseconds();
            (
                "◷",
                format!("waiting, {} left", text::age(left)),
                theme::WARN,
            )
        }
        StepStatus::Settling { .. } => ("↻", "settling after restart".into(), theme::WARN),
        StepStatus::Done => ("✔", "done".into(), theme::OK),
        StepStatus::Failed { .. } => ("✖", "failed".into(), theme::BAD),
        StepStatus::Skipped { .. } => ("↷", "skipped".into(), theme::DIM),
    }
}

/// The run's state in one word and style.
pub fn run_word(run: &RunStatus) -> (String, Style) {
    match run {
        RunStatus::Running => ("RUNNING".into(), theme::BORDER_FOCUS),
        RunStatus::Paused => ("PAUSED".into(), theme::WARN.add_modifier(Modifier::BOLD)),
        RunStatus::Stopped { step, .. } => (format!("STOPPED at {step}"), theme::BAD),
        RunStatus::Aborted { .. } => ("ABORTED".into(), theme::BAD),
        RunStatus::Completed => ("COMPLETED".into(), theme::OK.add_modifier(Modifier::BOLD)),
    }
}

/// 125 → "2:05"; hours when needed.
pub fn clock(secs: i64) -> String {
    let s = secs.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Style of the RTO clock: calm, then amber past 75 % of the target, red past it.
pub fn rto_style(elapsed_s: i64, target_s: u64) -> Style {
    let t = i64::try_from(target_s).unwrap_or(i64::MAX).max(1);
    if elapsed_s > t {
        theme::BAD
    } else if elapsed_s * 4 > t * 3 {
        theme::WARN
    } else {
        theme::OK
    }
}

/// A duration in whole seconds for the summary: 0m41s.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    format!("{}m{:02}s", s / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rto_turns_red_past_target() {
        assert_eq!(rto_style(100, 900), theme::OK);
        assert_eq!(rto_style(700, 900), theme::WARN);
        assert_eq!(rto_style(901, 900), theme::BAD);
        assert_eq!(clock(125), "2:05");
        assert_eq!(clock(3725), "1:02:05");
    }
}
