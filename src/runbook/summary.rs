//! The incident timeline for the postmortem, built from a run's journal alone:
//! RTO achieved against target, estimated data loss, each step with its duration,
//! and who confirmed, skipped or overrode what.

use super::journal::record::{Line, Record};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub run_id: String,
    pub runbook: String,
    pub operator: String,
    pub mode: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `None` while the run is unfinished.
    pub outcome: Option<String>,
    pub rto_target_s: u64,
    /// Start to end (or to the last journaled event for an unfinished run).
    pub rto_achieved_s: Option<i64>,
    /// RPO lag read at the data-loss confirmation, if any failover allowed data loss.
    pub data_loss_ms: Option<f64>,
    pub steps: Vec<StepSummary>,
    pub events: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepSummary {
    pub id: String,
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_s: Option<i64>,
    pub confirmed_by: Vec<String>,
    pub calls: Vec<String>,
}

pub fn summarize(lines: &[Line]) -> Summary {
    let mut s = Summary {
        run_id: String::new(),
        runbook: String::new(),
        operator: String::new(),
        mode: String::new(),
        started_at: None,
        ended_at: None,
        outcome: None,
        rto_target_s: 0,
        rto_achieved_s: None,
        data_loss_ms: None,
        steps: Vec::new(),
        events: Vec::new(),
    };
    for l in lines {
        let at = l.at.format("%H:%M:%S");
        match &l.record {
            Record::RunStart {
                run_id,
                runbook,
                operator,
                mode,
                rto_target_s,
                read_only,
                ..
            } => {
                s.run_id = run_id.clone();
                s.runbook = runbook.clone();
                s.operator = operator.clone();
                s.mode = format!("{mode}{}", if *read_only { " read-only" } else { "" });
                s.rto_target_s = *rto_target_s;
                s.started_at = Some(l.at);
                s.events.push(format!("{at} run started by {operator}"));
            }
            Record::Resumed { operator } => s.events.push(format!("{at} resumed by {operator}")),
            Record::Step {
                step,
                status,
                detail,
            } => {
                let st = step_entry(&mut s.steps, step);
                if st.started_at.is_none() {
                    st.started_at = Some(l.at);
                }
                st.status = status.clone();
                if matches!(status.as_str(), "done" | "failed" | "skipped") {
                    st.ended_at = Some(l.at);
                    st.duration_s = st.started_at.map(|b| (l.at - b).num_seconds());
                }
                if matches!(status.as_str(), "done" | "failed" | "skipped" | "blocked") {
                    let d = detail
                        .as_deref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default();
                    s.events.push(format!("{at} {step} {status}{d}"));
                }
            }
            Record::Intent {
                step,
                call,
                mutation,
                ..
            } => {
                s.events.push(format!(
                    "{at} {step} sending {} (call {})",
                    mutation.headline(),
                    call + 1
                ));
            }
            Record::Outcome {
                step,
                call,
                ok,
                request_id,
                endpoint,
                error,
                ..
            } => {
                let rid = request_id.as_deref().unwrap_or("no request id");
                let ep = endpoint.as_deref().unwrap_or("unknown endpoint");
                let text = if *ok {
                    format!("call {} ok ({rid}, answered by {ep})", call + 1)
                } else {
                    format!(
                        "call {} failed: {} ({rid}, {ep})",
                        call + 1,
                        error.as_deref().unwrap_or("?")
                    )
                };
                s.events.push(format!("{at} {step} {text}"));
                step_entry(&mut s.steps, step).calls.push(text);
            }
            Record::Settled {
                step,
                call,
                applied,
                how,
            } => s.events.push(format!(
                "{at} {step} call {} settled after restart ({}): {how}",
                call + 1,
                if *applied {
                    "already applied"
                } else {
                    "not applied"
                }
            )),
            Record::Confirmed {
                step,
                by,
                typed,
                prompt,
                data_loss_ms,
            } => {
                if let Some(ms) = data_loss_ms {
                    s.data_loss_ms = Some(s.data_loss_ms.map_or(*ms, |m| m.max(*ms)));
                }
                let t = typed
                    .as_deref()
                    .map(|t| format!(" (typed `{t}`)"))
                    .unwrap_or_default();
                s.events
                    .push(format!("{at} {step} confirmed by {by}{t}: {prompt}"));
                step_entry(&mut s.steps, step).confirmed_by.push(by.clone());
            }
            Record::Skipped { step, by, reason } => s
                .events
                .push(format!("{at} {step} skipped by {by}: {reason}")),
            Record::Override {
                step,
                by,
                rule_arns,
                reason,
            } => s.events.push(format!(
                "{at} {step} BREAK-GLASS override of {} by {by}: {reason}",
                rule_arns.join(", ")
            )),
            Record::Approved { step, by } => s.events.push(format!("{at} {step} approved by {by}")),
            Record::Operator {
                by,
                command,
                reason,
            } => {
                let r = reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                s.events.push(format!("{at} {command} by {by}{r}"));
            }
            Record::RunEnd { outcome } => {
                s.ended_at = Some(l.at);
                s.outcome = Some(outcome.clone());
                s.events.push(format!("{at} run {outcome}"));
            }
        }
    }
    let end = s.ended_at.or_else(|| lines.last().map(|l| l.at));
    s.rto_achieved_s = s.started_at.zip(end).map(|(a, b)| (b - a).num_seconds());
    s
}

fn step_entry<'a>(steps: &'a mut Vec<StepSummary>, id: &str) -> &'a mut StepSummary {
    if let Some(i) = steps.iter().position(|s| s.id == id) {
        return &mut steps[i];
    }
    steps.push(StepSummary {
        id: id.to_string(),
        status: "pending".into(),
        started_at: None,
        ended_at: None,
        duration_s: None,
        confirmed_by: Vec::new(),
        calls: Vec::new(),
    });
    let last = steps.len() - 1;
    &mut steps[last]
}

fn secs(s: i64) -> String {
    format!("{}m{:02}s", s / 60, s % 60)
}

/// Markdown for the postmortem.
pub fn to_markdown(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Run {} — {}\n", s.run_id, s.runbook);
    let _ = writeln!(o, "- Operator: {}  ", s.operator);
    let _ = writeln!(o, "- Mode: {}  ", s.mode);
    let _ = writeln!(
        o,
        "- Outcome: {}  ",
        s.outcome.as_deref().unwrap_or("unfinished")
    );
    let rto = s
        .rto_achieved_s
        .map(secs)
        .unwrap_or_else(|| "unknown".into());
    let met = match s.rto_achieved_s {
        Some(a) if s.outcome.is_some() => {
            if a <= s.rto_target_s as i64 {
                " (met)"
            } else {
                " (MISSED)"
            }
        }
        _ => "",
    };
    let _ = writeln!(
        o,
        "- RTO: {rto} against a target of {}{met}  ",
        secs(s.rto_target_s as i64)
    );
    let loss = s
        .data_loss_ms
        .map(|ms| {
            format!(
                "about {:.1} s of committed writes (RPO lag at confirmation)",
                ms / 1000.0
            )
        })
        .unwrap_or_else(|| "none recorded (no data-loss failover confirmed)".into());
    let _ = writeln!(o, "- Estimated data loss: {loss}\n");
    let _ = writeln!(
        o,
        "## Steps\n\n| step | status | duration | confirmed by |\n|---|---|---|---|"
    );
    for st in &s.steps {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            st.id,
            st.status,
            st.duration_s.map(secs).unwrap_or_else(|| "—".into()),
            if st.confirmed_by.is_empty() {
                "—".to_string()
            } else {
                st.confirmed_by.join(", ")
            }
        );
    }
    let _ = writeln!(o, "\n## Timeline (UTC)\n");
    for e in &s.events {
        let _ = writeln!(o, "- {e}");
    }
    o
}
