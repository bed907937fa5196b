//! The runbook view: a title bar with the RTO clock, every step with its status, and
//! the selected step in full (or the summary once the run ends). Dialogs and the list
//! of runbooks are drawn over it as overlays.

mod detail;
pub mod dialog;
mod lines;
pub mod picker;
mod status;
mod summary;

use super::text::Row;
use super::theme;
use crate::tui::app::App;
use crate::tui::runbook::OpenRunbook;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Widget};

/// From this width the steps and the details sit side by side.
const WIDE: u16 = 120;

/// Draws the runbook view into the body area; returns the largest useful scroll
/// offset of the details.
pub fn render(buf: &mut Buffer, area: Rect, app: &App, now: DateTime<Utc>) -> Option<usize> {
    let open = app.runbook.open.as_ref()?;
    if area.height < 6 {
        return None;
    }
    // Countdowns and the RTO clock run on the run's clock (scaled on the twin).
    let now = open.opened.clock.at(now);
    let top = Rect::new(area.x, area.y, area.width, 2);
    title_bar(buf, top, app, open, now);
    let body = Rect::new(area.x, area.y + 2, area.width, area.height - 2);
    let n = u16::try_from(open.opened.runbook.steps.len()).unwrap_or(u16::MAX);
    let (steps_area, detail_area) = if area.width >= WIDE {
        let w = (body.width * 2 / 5).max(40);
        (
            Rect::new(body.x, body.y, w, body.height),
            Rect::new(body.x + w, body.y, body.width - w, body.height),
        )
    } else {
        // The step list takes what it needs, up to half the body; details get the rest.
        let h = (n + 2).min(body.height / 2).max(3);
        (
            Rect::new(body.x, body.y, body.width, h),
            Rect::new(body.x, body.y + h, body.width, body.height - h),
        )
    };
    steps(buf, steps_area, app, open, now);
    Some(if open.finished() {
        summary::render(buf, detail_area, app, open, now)
    } else {
        details(buf, detail_area, app, open, now)
    })
}

/// The run's two title rows alone (above the dashboard panels when they replace the
/// steps on a narrow screen).
pub fn title(buf: &mut Buffer, area: Rect, app: &App, now: DateTime<Utc>) {
    if let Some(open) = app.runbook.open.as_ref() {
        let now = open.opened.clock.at(now);
        title_bar(buf, area, app, open, now);
    }
}

fn title_bar(buf: &mut Buffer, area: Rect, app: &App, open: &OpenRunbook, now: DateTime<Utc>) {
    let rb = &open.opened.runbook;
    let mut r = Row::new(buf, area, area.y);
    r.put(" RUNBOOK ", theme::READ_ONLY)
        .put(" ", theme::TEXT)
        .put(&rb.name, theme::TITLE)
        .put("  ", theme::TEXT);
    match &open.run {
        Some(v) => {
            let (word, style) = status::run_word(&v.run);
            let elapsed = (v.ended_at.unwrap_or(now) - v.started_at).num_seconds();
            r.put(&word, style).put("  RTO ", theme::LABEL).put(
                &format!(
                    "{} / {}",
                    status::clock(elapsed),
                    status::clock(i64::try_from(v.rto_target_s).unwrap_or(i64::MAX))
                ),
                status::rto_style(elapsed, v.rto_target_s),
            );
        }
        None => {
            r.put("not started", theme::DIM).put(
                &format!(
                    "  RTO target {}",
                    status::clock(i64::try_from(rb.rto.as_secs()).unwrap_or(i64::MAX))
                ),
                theme::LABEL,
            );
        }
    }
    // Second row: the parameters (which Regions the run moves between) come before
    // the run id, so on a narrow screen it is the id that gets cut, not the target.
    let params: Vec<String> = open
        .params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let params = params.join(" ");
    let mut r = Row::new(buf, area, area.y + 1);
    if app.runbook.read_only {
        r.put(" READ-ONLY: walk and plan only ", theme::BAD)
            .put("  ", theme::TEXT)
            .put(&params, theme::DIM);
        return;
    }
    if let Some(b) = &app.runbook.busy {
        r.put(" ", theme::TEXT)
            .put(b, theme::WARN)
            .put(" ", theme::TEXT);
    }
    if !params.is_empty() {
        r.put(" ", theme::TEXT).put(&params, theme::LABEL);
    }
    match &open.run {
        Some(v) => {
            let lead = if params.is_empty() { " run " } else { "  run " };
            r.put(lead, theme::DIM).put(&v.run_id, theme::DIM);
        }
        None => {
            r.put(
                "  Enter starts the run; every mutating step asks first",
                theme::DIM,
            );
        }
    }
}

fn bordered(buf: &mut Buffer, area: Rect, title: &str, focus: bool) -> Rect {
    let style = if focus {
        theme::BORDER_FOCUS
    } else {
        theme::BORDER
    };
    let block = Block::bordered()
        .border_style(style)
        .title(Span::styled(format!(" {title} "), theme::TITLE));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

fn steps(buf: &mut Buffer, area: Rect, app: &App, open: &OpenRunbook, now: DateTime<Utc>) {
    let rb = &open.opened.runbook;
    let title = format!("Steps {}", rb.steps.len());
    let inner = bordered(buf, area, &title, true);
    let h = usize::from(inner.height);
    if h == 0 {
        return;
    }
    let sel = app.runbook.selected;
    // Keep the selected step in sight, with the one after it when possible.
    let first = (sel + 2)
        .saturating_sub(h)
        .min(rb.steps.len().saturating_sub(h));
    let current = open.current();
    let id_w = rb
        .steps
        .iter()
        .map(|s| s.id.chars().count())
        .max()
        .unwrap_or(0);
    let id_w = u16::try_from(id_w.min(18)).unwrap_or(18);
    for (y, (i, step)) in (inner.y..).zip(rb.steps.iter().enumerate().skip(first).take(h)) {
        let (sym, mut word, style) = match open.status(i) {
            Some(st) => status::cell(st, now),
            None => ("·", "pending".to_string(), theme::DIM),
        };
        // The step that waits on the operator says which key acts on it.
        if current == Some(i)
            && matches!(
                open.status(i),
                Some(crate::runbook::engine::StepStatus::AwaitingConfirmation { .. })
            )
        {
            let left = app.runbook.checklist_left(i).len();
            word = if left > 0 {
                format!("checklist: {left} left — x ticks")
            } else {
                format!("{word} — Enter to review")
            };
        }
        let marker = match (current == Some(i), i == sel) {
            (true, _) => "▶",
            (false, true) => "›",
            _ => " ",
        };
        let row_style = if i == sel {
            theme::SELECTED
        } else {
            theme::TEXT
        };
        let mut r = Row::new(buf, inner, y);
        r.put(marker, theme::BORDER_FOCUS)
            .put(&format!("{sym} "), style)
            .put(&step.id, row_style)
            .col(2 + 2 + id_w + 1)
            .put(&word, style)
            .col(2 + 2 + id_w + 1 + 24);
        // A status longer than its column ("awaiting confirmation — Enter to review")
        // pushes the title right; keep a space between them.
        if word.chars().count() >= 24 {
            r.put(" ", style);
        }
        r.put(&step.title, theme::LABEL);
    }
    let above = first;
    let below = rb.steps.len().saturating_sub(first + h);
    if above + below > 0 {
        let note = format!(
            " {}–{} of {} ",
            first + 1,
            first + h.min(rb.steps.len()),
            rb.steps.len()
        );
        let x = area
            .right()
            .saturating_sub(Span::raw(&note).width() as u16 + 1);
        buf.set_string(x, area.bottom() - 1, note, theme::WARN);
    }
}

fn details(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    open: &OpenRunbook,
    now: DateTime<Utc>,
) -> usize {
    let i = app.runbook.selected;
    let title = format!("Step {} of {}", i + 1, open.opened.runbook.steps.len());
    let inner = bordered(buf, area, &title, false);
    let inner = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(1),
        inner.height,
    );
    let ls = detail::lines(open, i, app.runbook.facts.as_ref(), now, inner.width);
    lines::draw(buf, inner, &ls, app.runbook.detail_scroll, theme::WARN);
    ls.len().saturating_sub(usize::from(inner.height))
}
