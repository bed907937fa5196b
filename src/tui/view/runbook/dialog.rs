//! The runbook dialogs drawn over the view: what will change, where, the risk, the
//! safety-rule outcome and the calls; a field for the typed target or the reason;
//! Cancel and OK, with Cancel focused when the dialog opens.

use super::lines::{Line, Lines, draw};
use crate::runbook::engine::Prompt;
use crate::tui::app::App;
use crate::tui::runbook::{DialogKind, RunDialog};
use crate::tui::view::text::Row;
use crate::tui::view::theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Clear, Widget};

pub fn render(buf: &mut Buffer, area: Rect, app: &App, d: &RunDialog) {
    let w = area.width.saturating_sub(4).min(80);
    let inner_w = w.saturating_sub(4);
    let (title, body, field) = content(app, d, inner_w);
    // Body, a blank, the field (2 rows), the error, a blank, the buttons; plus borders.
    let fixed = 2 + u16::from(field.is_some()) * 2 + 3;
    let want = u16::try_from(body.len())
        .unwrap_or(u16::MAX)
        .saturating_add(fixed);
    let h = want.min(area.height.saturating_sub(2)).max(7);
    let outer = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    );
    Clear.render(outer, buf);
    let border = match &d.kind {
        DialogKind::Override { .. } | DialogKind::Abort => theme::BAD,
        _ => theme::BORDER_FOCUS,
    };
    let block = Block::bordered()
        .border_style(border)
        .title(Span::styled(format!(" {title} "), border));
    let inner = block.inner(outer);
    block.render(outer, buf);
    let inner = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(2),
        inner.height,
    );
    if inner.height < 3 {
        return;
    }
    let below = 2 + u16::from(field.is_some()) * 2 + u16::from(d.error.is_some());
    let body_h = inner.height.saturating_sub(below);
    draw(
        buf,
        Rect::new(inner.x, inner.y, inner.width, body_h),
        &body,
        0,
        theme::WARN,
    );
    let mut y = inner.y + body_h;
    if let Some(label) = field {
        Row::new(buf, inner, y).put(&label, theme::TITLE);
        let mut r = Row::new(buf, inner, y + 1);
        r.put("▶ ", theme::BORDER_FOCUS)
            .put(&d.text, theme::SELECTED)
            .put("▏", theme::BORDER_FOCUS);
        y += 2;
    }
    if let Some(e) = &d.error {
        Row::new(buf, inner, y).put(e, theme::BAD);
        y += 1;
    }
    buttons(buf, inner, y + 1, d);
}

fn buttons(buf: &mut Buffer, inner: Rect, y: u16, d: &RunDialog) {
    if y >= inner.bottom() {
        return;
    }
    let (cancel, ok) = if d.ok_focused {
        (theme::TEXT, theme::SELECTED)
    } else {
        (theme::SELECTED, theme::TEXT)
    };
    Row::new(buf, inner, y)
        .space(4)
        .put("[ Cancel ]", cancel)
        .space(6)
        .put(&format!("[ {} ]", d.ok_label()), ok)
        .space(4)
        .put("Tab switches · Esc cancels", theme::DIM);
}

fn step_id(app: &App, i: usize) -> String {
    app.runbook
        .open
        .as_ref()
        .and_then(|o| o.opened.runbook.steps.get(i))
        .map(|s| s.id.clone())
        .unwrap_or_default()
}

/// Title, body lines and the text field's label.
fn content(app: &App, d: &RunDialog, width: u16) -> (String, Vec<Line>, Option<String>) {
    let mut out = Lines::new(width);
    let ignored = app.guard.ignored();
    if ignored > 0 {
        out.para(
            &[("", theme::TEXT)],
            &format!(
                "{ignored} key{} typed before this dialog was on screen {} ignored.",
                if ignored == 1 { "" } else { "s" },
                if ignored == 1 { "was" } else { "were" }
            ),
            theme::WARN,
        );
    }
    let open = app.runbook.open.as_ref();
    let step_title = |i: usize| {
        open.and_then(|o| o.opened.runbook.steps.get(i))
            .map(|s| format!("{} ({})", s.title, s.id))
            .unwrap_or_default()
    };
    match &d.kind {
        DialogKind::Confirm { step, prompt } => {
            confirm_body(&mut out, prompt);
            let field = prompt
                .typed
                .as_ref()
                .map(|t| format!("Type {t} to confirm:"));
            (format!("Confirm: {}", step_title(*step)), out.out, field)
        }
        DialogKind::Start => {
            let name = open
                .map(|o| o.opened.runbook.name.clone())
                .unwrap_or_default();
            out.para(&[("Start ", theme::TEXT)], &name, theme::TITLE);
            out.para(
                &[("Against: ", theme::LABEL)],
                &format!("{} {}", app.info.mode.as_str(), app.info.environment),
                theme::mode_badge(app.info.mode),
            );
            out.para(
                &[("", theme::TEXT)],
                "The RTO clock starts now. Every mutating step asks again, with fresh guards, before anything is sent. Everything is journaled.",
                theme::TEXT,
            );
            ("Start the run?".to_string(), out.out, None)
        }
        DialogKind::Skip { step } => {
            out.para(&[("Skip ", theme::TEXT)], &step_title(*step), theme::TITLE);
            out.para(
                &[("", theme::TEXT)],
                "The step will not run; the run goes on with the next one.",
                theme::TEXT,
            );
            (
                format!("Skip: {}", step_id(app, *step)),
                out.out,
                Some("Reason (required, journaled):".into()),
            )
        }
        DialogKind::Abort => {
            out.para(
                &[("", theme::TEXT)],
                "Abort the run: no further step runs. Calls already sent are not undone.",
                theme::BAD,
            );
            if let Some(i) = open.and_then(|o| o.current()) {
                let status = open
                    .and_then(|o| o.status(i))
                    .map(|s| s.label().replace('_', " "))
                    .unwrap_or_default();
                out.para(
                    &[("At step: ", theme::LABEL)],
                    &format!("{} — {status}", step_title(i)),
                    theme::TEXT,
                );
            }
            (
                "Abort the run?".to_string(),
                out.out,
                Some("Reason (journaled):".into()),
            )
        }
        DialogKind::Override { step, rules } => {
            out.para(
                &[("BREAK-GLASS: ", theme::BAD)],
                &format!(
                    "re-send {} telling ARC to ignore the safety rules it named:",
                    step_title(*step)
                ),
                theme::TEXT,
            );
            for arn in rules {
                let desc = open
                    .and_then(|o| o.opened.safety_rules.iter().find(|r| &r.arn == arn))
                    .map(|r| {
                        let names: Vec<String> = r
                            .governed()
                            .iter()
                            .map(|a| {
                                open.and_then(|o| o.opened.control_names.get(a).cloned())
                                    .unwrap_or_else(|| a.clone())
                            })
                            .collect();
                        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                        format!("{}: {}", r.name, r.config.describe(&refs))
                    })
                    .unwrap_or_else(|| "not in the environment file".to_string());
                out.para(
                    &[("  • ", theme::BAD)],
                    &format!("{desc} ({arn})"),
                    theme::TEXT,
                );
            }
            out.para(
                &[("", theme::TEXT)],
                "The rules exist to keep traffic somewhere healthy. Override only when you know why they block.",
                theme::WARN,
            );
            (
                format!("Break-glass override: {}", step_id(app, *step)),
                out.out,
                Some("Reason (required, journaled):".into()),
            )
        }
        DialogKind::Resume(run) => {
            out.para(
                &[("An unfinished run was found: ", theme::TEXT)],
                &format!("{} ({})", run.runbook, run.run_id),
                theme::TITLE,
            );
            let started = run
                .started_at
                .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_else(|| "unknown".into());
            out.para(
                &[("Started: ", theme::LABEL)],
                &format!("{started} by {}", run.initiator),
                theme::TEXT,
            );
            if let Some(s) = &run.last_step {
                out.para(&[("Last step: ", theme::LABEL)], s, theme::TEXT);
            }
            if let Some(h) = &run.held_by {
                out.para(
                    &[("Lock: ", theme::LABEL)],
                    &format!("held by {h}"),
                    theme::BAD,
                );
            }
            if let Some(h) = &run.left_by_dead {
                out.para(
                    &[("Lock: ", theme::LABEL)],
                    &format!("left by {h}, whose console is gone (the lock is free)"),
                    theme::WARN,
                );
            }
            if run.fresh_twin {
                out.para(
                    &[("Note: ", theme::WARN)],
                    "this twin started with this console and does not remember the calls of the earlier run.",
                    theme::WARN,
                );
            }
            out.para(
                &[("", theme::TEXT)],
                "Completed mutating steps are never repeated; a call whose outcome is unknown is re-read first and you are asked before anything is re-sent.",
                theme::DIM,
            );
            ("Resume the unfinished run?".to_string(), out.out, None)
        }
    }
}

fn confirm_body(out: &mut Lines, p: &Prompt) {
    if p.resend {
        out.para(
            &[("RE-SEND: ", theme::BAD)],
            "the earlier outcome of this call is unknown",
            theme::BAD,
        );
    }
    out.para(&[("What:  ", theme::LABEL)], &p.what, theme::TITLE);
    if !p.target.is_empty() {
        out.para(&[("Where: ", theme::LABEL)], &p.target, theme::TEXT);
    }
    if let Some(r) = &p.risk {
        let style = if p.data_loss_ms.is_some() || r.starts_with("no routing control is On") {
            theme::BAD
        } else {
            theme::WARN
        };
        out.para(&[("Risk:  ", theme::LABEL)], r, style);
    }
    if let Some(r) = &p.rules {
        let style = if r.starts_with("every") {
            theme::OK
        } else {
            theme::BAD
        };
        out.para(&[("Safety rules: ", theme::LABEL)], r, style);
    }
    if let Some(b) = &p.break_glass {
        out.para(&[("BREAK-GLASS: ", theme::BAD)], b, theme::BAD);
    }
    if !p.calls.is_empty() {
        out.line(Line::new().push("Calls:", theme::LABEL));
        for c in &p.calls {
            out.para(&[("  → ", theme::TEXT)], c, theme::DIM);
        }
    }
}
