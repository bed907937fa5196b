//! The end of a run: RTO achieved against the target, estimated data loss, each step
//! with its duration, and who confirmed what.

use super::lines::{Line, Lines};
use super::{bordered, lines, status};
use crate::runbook::engine::RunStatus;
use crate::runbook::summary::RtoVerdict;
use crate::tui::app::App;
use crate::tui::runbook::OpenRunbook;
use crate::tui::view::theme;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub fn render(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    open: &OpenRunbook,
    now: DateTime<Utc>,
) -> usize {
    let inner = bordered(buf, area, "Summary", true);
    let inner = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(1),
        inner.height,
    );
    let ls = summary_lines(app, open, inner.width, now);
    lines::draw(buf, inner, &ls, app.runbook.detail_scroll, theme::WARN);
    ls.len().saturating_sub(usize::from(inner.height))
}

fn summary_lines(app: &App, open: &OpenRunbook, width: u16, now: DateTime<Utc>) -> Vec<Line> {
    let mut out = Lines::new(width);
    let Some(v) = &open.run else {
        return out.out;
    };
    let journal = app.runbook.summary.as_ref();
    let (outcome, style) = match &v.run {
        RunStatus::Completed => ("completed".to_string(), theme::OK),
        RunStatus::Aborted { reason } => (format!("aborted: {reason}"), theme::BAD),
        other => (status::run_word(other).0, theme::WARN),
    };
    out.para(&[("Outcome: ", theme::LABEL)], &outcome, style);
    let achieved = journal
        .and_then(|s| s.rto_achieved_s)
        .unwrap_or_else(|| (v.ended_at.unwrap_or(now) - v.started_at).num_seconds());
    let target = i64::try_from(v.rto_target_s).unwrap_or(i64::MAX);
    // Only a completed run reaches its RTO; an aborted or stopped one never "met" it.
    let ended = match &v.run {
        RunStatus::Completed => Some("completed".to_string()),
        RunStatus::Aborted { reason } => Some(format!("aborted: {reason}")),
        RunStatus::Stopped { step, why } => Some(format!("stopped at {step}: {why}")),
        _ => None,
    };
    let met = journal
        .map(|s| s.rto.clone())
        .unwrap_or_else(|| RtoVerdict::of(ended.as_deref(), Some(achieved), v.rto_target_s))
        .text();
    out.line(Line::new().push("RTO achieved: ", theme::LABEL).push(
        format!(
            "{} against a target of {} ({met})",
            status::duration(achieved),
            status::duration(target)
        ),
        status::rto_style(achieved, v.rto_target_s),
    ));
    let loss = journal
        .and_then(|s| s.data_loss_ms)
        .or(app.runbook.data_loss_ms);
    let loss_text = match loss {
        Some(ms) => format!(
            "about {:.1} s of committed writes (RPO lag read at the failover confirmation)",
            ms / 1000.0
        ),
        None => "none recorded (no data-loss failover was confirmed)".to_string(),
    };
    out.para(
        &[("Estimated data loss: ", theme::LABEL)],
        &loss_text,
        if loss.is_some() {
            theme::WARN
        } else {
            theme::TEXT
        },
    );
    out.line(Line::new().push("Steps:", theme::LABEL));
    for s in &v.steps {
        let (sym, word, st) = status::cell(&s.status, now);
        let dur = match (s.started_at, s.ended_at) {
            (Some(a), Some(b)) => status::duration((b - a).num_seconds()),
            _ => "—".to_string(),
        };
        // The journal keeps every confirmation, including those before a resume
        // (the restored engine does not know who confirmed earlier steps).
        let journaled = journal
            .and_then(|j| j.steps.iter().find(|st| st.id == s.id))
            .filter(|st| !st.confirmed_by.is_empty())
            .map(|st| {
                st.confirmed_by
                    .iter()
                    .map(|c| format!("{} at {}", c.by, c.at.format("%H:%M:%S")))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
        let who = journaled
            .or_else(|| s.confirmed_by.clone())
            .map(|b| format!("confirmed by {b}"))
            .unwrap_or_default();
        out.line(
            Line::new()
                .push(format!("  {sym} "), st)
                .push(format!("{:<18}", s.id), theme::TEXT)
                .push(format!("{word:<9}"), st)
                .push(format!("{dur:>7}  "), theme::TEXT)
                .push(who, theme::DIM),
        );
    }
    if let Some(s) = journal {
        out.line(Line::new().push("Timeline (journal):", theme::LABEL));
        for e in &s.events {
            out.para(&[("  ", theme::TEXT)], &e.text(), theme::DIM);
        }
    }
    out.para(
        &[("", theme::TEXT)],
        &format!("drconsole journal export {} --format md", v.run_id),
        theme::DIM,
    );
    out.out
}
