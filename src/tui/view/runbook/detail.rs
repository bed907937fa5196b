//! The selected step in full: status and why, instructions and checklist, guards and
//! conditions judged live over the last snapshot, the safety-rule preview, and the
//! planned API calls.

use super::lines::{Line, Lines};
use super::status;
use crate::model::arc::evaluate_update;
use crate::runbook::condition::{Condition, Facts, Truth};
use crate::runbook::engine::{StepStatus, StepView};
use crate::runbook::plan;
use crate::runbook::step::{Confirm, Step, StepKind};
use crate::tui::runbook::OpenRunbook;
use crate::tui::view::theme;
use chrono::{DateTime, Utc};
use ratatui::style::Style;
use std::collections::HashMap;

/// The lines describing step `i` of the open runbook.
pub fn lines(
    open: &OpenRunbook,
    i: usize,
    facts: Option<&Facts>,
    now: DateTime<Utc>,
    width: u16,
) -> Vec<Line> {
    let mut out = Lines::new(width);
    let Some(step) = open.opened.runbook.steps.get(i) else {
        return out.out;
    };
    let view = open.run.as_ref().and_then(|v| v.steps.get(i));
    status_lines(&mut out, step, view, now);
    kind_lines(&mut out, step, view);
    conditions(
        &mut out,
        "Guards (require), live from the last poll",
        &step.require,
        facts,
    );
    match &step.kind {
        StepKind::Check { conditions: c } => conditions(&mut out, "Checks, live", c, facts),
        StepKind::Wait { until, .. } => conditions(&mut out, "Waits until, live", until, facts),
        StepKind::RoutingControls { changes } => {
            rule_preview(&mut out, open, changes, view, facts);
        }
        _ => {}
    }
    conditions(&mut out, "Verify afterwards, live", &step.verify, facts);
    calls(&mut out, step, view);
    out.out
}

/// What the step waits for before it acts, as the engine really does it: a manual
/// step always waits for the operator, and a mutating one always confirms, whatever
/// the file's `confirm:` says.
fn waits_for(step: &Step) -> &'static str {
    match (&step.kind, step.confirm) {
        (StepKind::Manual { .. }, _) => "operator acknowledges",
        (StepKind::Approval { .. }, _) => "second operator approves",
        (_, Confirm::Typed) => "confirm: typed",
        (k, Confirm::None) if !k.is_mutating() => "no confirm",
        _ => "confirm: yes",
    }
}

/// True once the operator's confirmation was spent on this step: before that a
/// "confirmed by" would contradict the status.
fn confirmation_spent(status: &StepStatus) -> bool {
    !matches!(
        status,
        StepStatus::Pending
            | StepStatus::Ready
            | StepStatus::AwaitingConfirmation { .. }
            | StepStatus::AwaitingApproval
    )
}

fn status_lines(out: &mut Lines, step: &Step, view: Option<&StepView>, now: DateTime<Utc>) {
    out.line(Line::new().push(step.title.clone(), theme::TITLE).push(
        format!("  {} · {} · {}", step.id, step.kind.name(), waits_for(step)),
        theme::DIM,
    ));
    let Some(v) = view else {
        out.line(Line::new().push("not started: ", theme::LABEL).push(
            "the plan below is what the run would do".to_string(),
            theme::DIM,
        ));
        return;
    };
    let (sym, word, style) = status::cell(&v.status, now);
    let mut l = Line::new()
        .push("Status: ", theme::LABEL)
        .push(format!("{sym} {word}"), style);
    if let Some(by) = v
        .confirmed_by
        .as_ref()
        .filter(|_| confirmation_spent(&v.status))
    {
        l = l.push(format!("  confirmed by {by}"), theme::DIM);
    }
    out.line(l);
    match &v.status {
        StepStatus::Blocked { guard, why } => {
            out.para(&[("  which: ", theme::LABEL)], guard, theme::BAD);
            out.para(&[("  why:   ", theme::LABEL)], why, theme::BAD_DIM);
            out.para(
                &[("  ", theme::TEXT)],
                "r retries after a fresh read · s skips (reason) · a aborts",
                theme::DIM,
            );
        }
        StepStatus::Failed { why } => {
            out.para(&[("  why: ", theme::LABEL)], why, theme::BAD);
            let hint = if v.blocking_rules.is_empty() {
                "r retries · s skips (reason) · a aborts".to_string()
            } else {
                format!(
                    "o: break-glass override of {} (typed reason, journaled) · r retries · s skips · a aborts",
                    v.blocking_rules.join(", ")
                )
            };
            out.para(&[("  ", theme::TEXT)], &hint, theme::WARN);
        }
        StepStatus::Waiting {
            deadline,
            polls,
            last,
            ..
        } => {
            let left = (*deadline - now).num_seconds();
            out.para(
                &[("  ", theme::TEXT)],
                &format!(
                    "{} left (until {} UTC), {polls} poll{} so far; last: {last}",
                    status::clock(left),
                    deadline.format("%H:%M:%S"),
                    if *polls == 1 { "" } else { "s" }
                ),
                theme::WARN,
            );
        }
        // A manual step's prompt repeats its instructions, shown just below.
        StepStatus::AwaitingConfirmation { .. } if matches!(step.kind, StepKind::Manual { .. }) => {
            out.para(
                &[("  ", theme::TEXT)],
                "do the instructions below, then Enter to acknowledge",
                theme::WARN,
            );
        }
        StepStatus::AwaitingConfirmation { prompt } => {
            out.para(&[("  ", theme::TEXT)], &prompt.summary(), theme::WARN);
            out.para(
                &[("  ", theme::TEXT)],
                "Enter opens the confirm dialog",
                theme::DIM,
            );
        }
        StepStatus::Skipped { reason } => {
            out.para(&[("  reason: ", theme::LABEL)], reason, theme::DIM);
        }
        _ => {}
    }
}

fn kind_lines(out: &mut Lines, step: &Step, view: Option<&StepView>) {
    match &step.kind {
        StepKind::Manual {
            instructions,
            checklist,
        } => {
            out.para(
                &[("Instructions: ", theme::LABEL)],
                instructions,
                theme::TEXT,
            );
            let ticks: Vec<bool> = view
                .map(|v| v.checklist.iter().map(|(_, t)| *t).collect())
                .unwrap_or_default();
            for (n, item) in checklist.iter().enumerate() {
                let done = ticks.get(n).copied().unwrap_or(false);
                let (mark, style) = if done {
                    ("[x] ", theme::OK)
                } else {
                    ("[ ] ", theme::TEXT)
                };
                out.para(&[("  ", theme::TEXT), (mark, style)], item, style);
            }
            if !checklist.is_empty() {
                out.para(
                    &[("  ", theme::TEXT)],
                    "x ticks the next item, X unticks",
                    theme::DIM,
                );
            }
        }
        StepKind::Approval { note } => {
            let text = note.clone().unwrap_or_else(|| {
                "a second operator approves with `drconsole approve RUN`".to_string()
            });
            out.para(&[("Approval: ", theme::LABEL)], &text, theme::TEXT);
        }
        StepKind::Pause { duration } => out.para(
            &[("Pause: ", theme::LABEL)],
            &humantime::format_duration(*duration).to_string(),
            theme::TEXT,
        ),
        StepKind::Wait { timeout, poll, .. } => out.para(
            &[("Wait: ", theme::LABEL)],
            &format!(
                "poll every {}, give up after {}",
                humantime::format_duration(*poll),
                humantime::format_duration(*timeout)
            ),
            theme::TEXT,
        ),
        StepKind::DeleteRestored {
            restore_step,
            region,
            name,
            instances,
        } => out.para(
            &[("Delete: ", theme::LABEL)],
            &format!(
                "cluster {name} in {region}{}, only if step {restore_step} of this run \
                 restored it",
                if instances.is_empty() {
                    String::new()
                } else {
                    format!(" after its instances {}", instances.join(", "))
                }
            ),
            theme::TEXT,
        ),
        StepKind::WaitReplication {
            table,
            from,
            factor,
            minimum,
            fallback,
        } => out.para(
            &[("Drain: ", theme::LABEL)],
            &format!(
                "waits {factor} × the largest replication latency of {table} out of {from} \
                 in the last 15 minutes (at least {}), or {} when it cannot be read",
                humantime::format_duration(*minimum),
                humantime::format_duration(*fallback)
            ),
            theme::TEXT,
        ),
        StepKind::Scale {
            group,
            region,
            target,
            desired,
            timeout,
            ..
        } => out.para(
            &[("Scale: ", theme::LABEL)],
            &format!(
                "{group} ({}) in {region} to {desired} {}; waits up to {} for them to serve. {}",
                target.label(),
                target.unit(),
                humantime::format_duration(*timeout),
                crate::runbook::plan::SCALE_CAVEAT
            ),
            theme::TEXT,
        ),
        StepKind::CreateDbInstance {
            cluster,
            region,
            instance_id,
            class,
            engine,
            timeout,
        } => out.para(
            &[("Create: ", theme::LABEL)],
            &format!(
                "{instance_id} ({class}, {engine}) in cluster {cluster} ({region}); waits up \
                 to {} for it to be available",
                humantime::format_duration(*timeout)
            ),
            theme::TEXT,
        ),
        StepKind::RestoreBackup {
            resource,
            region,
            vault,
            recovery_point,
            name,
            timeout,
            ..
        } => out.para(
            &[("Restore: ", theme::LABEL)],
            &format!(
                "{resource} from {} in vault {vault} ({region}) as `{name}`; follows the \
                 restore job for up to {}",
                recovery_point
                    .as_deref()
                    .unwrap_or("the newest COMPLETED point (chosen when sent)"),
                humantime::format_duration(*timeout)
            ),
            theme::TEXT,
        ),
        _ => {}
    }
}

fn truth_mark(t: &Truth) -> (&'static str, Style) {
    match t.holds {
        Some(true) => ("✔ ", theme::OK),
        Some(false) => ("✖ ", theme::BAD),
        None => ("? ", theme::UNKNOWN),
    }
}

fn conditions(out: &mut Lines, title: &str, conds: &[Condition], facts: Option<&Facts>) {
    if conds.is_empty() {
        return;
    }
    out.line(Line::new().push(format!("{title}:"), theme::LABEL));
    for c in conds {
        let t = match facts {
            Some(f) => c.evaluate(f),
            None => Truth {
                holds: None,
                why: "no data yet".into(),
            },
        };
        let (mark, style) = truth_mark(&t);
        out.para(
            &[("  ", theme::TEXT), (mark, style)],
            &format!("{c} — {}", t.why),
            style,
        );
    }
}

/// The change judged by ARC's rules over the controls as last polled.
fn rule_preview(
    out: &mut Lines,
    open: &OpenRunbook,
    changes: &[crate::runbook::step::ControlChange],
    view: Option<&StepView>,
    facts: Option<&Facts>,
) {
    let rules = &open.opened.safety_rules;
    let names = &open.opened.control_names;
    let overrides = view.map(|v| v.overrides.as_slice()).unwrap_or_default();
    out.line(Line::new().push("Safety rules, preview over the last poll:", theme::LABEL));
    if let Some(v) = view.filter(|v| !v.overrides.is_empty()) {
        let names: Vec<String> = v
            .overrides
            .iter()
            .map(|a| {
                rules
                    .iter()
                    .find(|r| &r.arn == a)
                    .map(|r| r.name.clone())
                    .unwrap_or_else(|| a.clone())
            })
            .collect();
        out.para(
            &[("  BREAK-GLASS: ", theme::BAD)],
            &format!(
                "override of {} in effect (reason: \"{}\"); ARC is told to ignore it",
                names.join(", "),
                v.override_reason.as_deref().unwrap_or("not journaled")
            ),
            theme::BAD,
        );
    }
    let current: HashMap<_, _> = facts.map(|f| f.controls.clone()).unwrap_or_default();
    let mut unknown: Vec<String> = rules
        .iter()
        .flat_map(|r| r.controls().cloned())
        .chain(changes.iter().map(|c| c.arn.clone()))
        .filter(|a| !current.contains_key(a))
        .map(|a| names.get(&a).cloned().unwrap_or(a))
        .collect();
    unknown.sort();
    unknown.dedup();
    if !unknown.is_empty() {
        out.para(
            &[("  ? ", theme::UNKNOWN)],
            &format!("cannot preview: state of {} unknown", unknown.join(", ")),
            theme::UNKNOWN,
        );
        return;
    }
    let updates: Vec<_> = changes.iter().map(|c| (c.arn.clone(), c.state)).collect();
    // Overridden rules are judged too: the override lets the change through, it does
    // not make the rule hold.
    let v = evaluate_update(rules, &current, &updates, &[], &[], names);
    if v.is_empty() {
        out.para(
            &[("  ✔ ", theme::OK)],
            "every safety rule holds after this change",
            theme::OK,
        );
    }
    for v in v {
        let text = if overrides.contains(&v.rule_arn) {
            format!("violates {v} (overridden)")
        } else {
            format!("would be blocked by {v}")
        };
        out.para(&[("  ✖ ", theme::BAD)], &text, theme::BAD);
    }
}

fn calls(out: &mut Lines, step: &Step, view: Option<&StepView>) {
    // As they will be sent: with SafetyRulesToOverride once an override is in effect.
    let overrides = view.map(|v| v.overrides.as_slice()).unwrap_or_default();
    let planned: Vec<_> = plan::calls(step)
        .into_iter()
        .map(|m| m.with_overrides(overrides))
        .collect();
    if planned.is_empty() {
        out.line(
            Line::new()
                .push("Planned API calls: ", theme::LABEL)
                .push("none (reads only)", theme::DIM),
        );
        return;
    }
    out.line(Line::new().push("Planned API calls:", theme::LABEL));
    for (n, m) in planned.iter().enumerate() {
        let done = view.and_then(|v| v.calls.get(n)).is_some_and(|(_, d)| *d);
        let (mark, style) = if done {
            ("✔ ", theme::OK)
        } else {
            ("→ ", theme::TEXT)
        };
        out.para(&[("  ", theme::TEXT), (mark, style)], &m.headline(), style);
        for p in m.parameters() {
            out.para(&[("      ", theme::TEXT)], &p, theme::DIM);
        }
    }
}
