//! The incident timeline for the postmortem, built from a run's journal alone:
//! RTO achieved against target (never "met" for a run that did not complete), estimated
//! data loss, each step with its duration and who confirmed it when, and typed events
//! (the JSON export serializes them as they are; Markdown renders them).

use super::journal::record::{Line, Record};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub run_id: String,
    pub runbook: String,
    /// The runbook file, as the run started from it.
    pub path: Option<String>,
    /// SHA-256 of the runbook file.
    pub hash: String,
    pub params: BTreeMap<String, String>,
    /// user@host of the initiator (`$USER`: shown, not an identity).
    pub operator: String,
    /// The initiator's AWS caller identity ARN (STS GetCallerIdentity), when known.
    pub identity: Option<String>,
    pub mode: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `None` while the run is unfinished.
    pub outcome: Option<String>,
    pub rto_target_s: u64,
    /// Start to end (or to the last journaled event for an unfinished run).
    pub rto_achieved_s: Option<i64>,
    /// Whether the RTO was met; a run that did not complete never met it.
    pub rto: RtoVerdict,
    /// RPO lag read at the data-loss confirmation, if any failover allowed data loss.
    pub data_loss_ms: Option<f64>,
    pub steps: Vec<StepSummary>,
    pub events: Vec<Event>,
}

/// The RTO verdict. Recovery is reached only by a run that completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum RtoVerdict {
    Met,
    Missed,
    NotReached { why: String },
}

impl RtoVerdict {
    /// `outcome`: the journaled run end, `None` while unfinished.
    pub fn of(outcome: Option<&str>, achieved_s: Option<i64>, target_s: u64) -> Self {
        match (outcome, achieved_s) {
            (Some("completed"), Some(a)) if a <= i64::try_from(target_s).unwrap_or(i64::MAX) => {
                RtoVerdict::Met
            }
            (Some("completed"), Some(_)) => RtoVerdict::Missed,
            (Some("completed"), None) => RtoVerdict::NotReached {
                why: "the run's start is not in the journal".into(),
            },
            (Some(o), _) => RtoVerdict::NotReached {
                why: format!("the run did not complete ({o})"),
            },
            (None, _) => RtoVerdict::NotReached {
                why: "the run has not ended".into(),
            },
        }
    }

    pub fn text(&self) -> String {
        match self {
            RtoVerdict::Met => "met".into(),
            RtoVerdict::Missed => "MISSED".into(),
            RtoVerdict::NotReached { why } => format!("NOT REACHED: {why}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepSummary {
    pub id: String,
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_s: Option<i64>,
    /// Every confirmation of this step, before and after any resume.
    pub confirmed_by: Vec<Confirmation>,
    pub calls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confirmation {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One timeline entry: when, and what, with typed fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// ISO-8601 (RFC 3339), UTC.
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub what: What,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum What {
    RunStarted {
        by: String,
        identity: Option<String>,
    },
    /// The console stopped without journaling an end (crash, kill -9, lost session,
    /// or a quit): `at` is its last journaled record.
    ConsoleStopped,
    Resumed {
        by: String,
    },
    Step {
        step: String,
        status: String,
        detail: Option<String>,
    },
    CallSent {
        step: String,
        /// 1-based.
        call: usize,
        operation: String,
        endpoint: String,
    },
    CallAnswered {
        step: String,
        call: usize,
        ok: bool,
        request_id: Option<String>,
        endpoint: Option<String>,
        error: Option<String>,
        /// From the intent's stamp to the outcome's (the journal stamps each record
        /// when it is written).
        latency_ms: Option<i64>,
        blocking_rules: Vec<String>,
    },
    Settled {
        step: String,
        call: usize,
        applied: bool,
        how: String,
    },
    Confirmed {
        step: String,
        by: String,
        typed: Option<String>,
        prompt: String,
        data_loss_ms: Option<f64>,
    },
    Skipped {
        step: String,
        by: String,
        reason: String,
    },
    Override {
        step: String,
        by: String,
        rule_arns: Vec<String>,
        reason: String,
    },
    Approved {
        step: String,
        /// The approver's AWS identity (and the user@host shown), or user@host on
        /// the twin.
        by: String,
    },
    Operator {
        by: String,
        command: String,
        reason: Option<String>,
    },
    /// A followed restore job changed status.
    RestoreJob {
        step: String,
        job: String,
        status: String,
        detail: Option<String>,
    },
    RunEnded {
        outcome: String,
    },
}

impl Event {
    /// One line for people (Markdown export, `journal show`, the console's summary).
    pub fn text(&self) -> String {
        let at = self.at.format("%H:%M:%S");
        let body = match &self.what {
            What::RunStarted { by, identity } => format!(
                "run started by {by}{}",
                identity
                    .as_deref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default()
            ),
            What::ConsoleStopped => {
                "the console stopped here: no run end was journaled (crash, kill, lost \
                 session or quit)"
                    .into()
            }
            What::Resumed { by } => format!("resumed by {by}"),
            What::RestoreJob {
                step,
                job,
                status,
                detail,
            } => format!(
                "{step} restore job {job} {status}{}",
                detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
            What::Step {
                step,
                status,
                detail,
            } => format!(
                "{step} {status}{}",
                detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
            What::CallSent {
                step,
                call,
                operation,
                endpoint,
            } => format!("{step} sending {operation} @ {endpoint} (call {call})"),
            What::CallAnswered { step, .. } => format!("{step} {}", call_text(&self.what)),
            What::Settled {
                step,
                call,
                applied,
                how,
            } => format!(
                "{step} call {call} settled after restart ({}): {how}",
                if *applied {
                    "already applied"
                } else {
                    "not applied"
                }
            ),
            What::Confirmed {
                step,
                by,
                typed,
                prompt,
                ..
            } => format!(
                "{step} confirmed by {by}{}: {prompt}",
                typed
                    .as_deref()
                    .map(|t| format!(" (typed `{t}`)"))
                    .unwrap_or_default()
            ),
            What::Skipped { step, by, reason } => format!("{step} skipped by {by}: {reason}"),
            What::Override {
                step,
                by,
                rule_arns,
                reason,
            } => format!(
                "{step} BREAK-GLASS override of {} by {by}: {reason}",
                rule_arns.join(", ")
            ),
            What::Approved { step, by } => format!("{step} approved by {by}"),
            What::Operator {
                by,
                command,
                reason,
            } => format!(
                "{command} by {by}{}",
                reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
            What::RunEnded { outcome } => format!("run {outcome}"),
        };
        format!("{at} {body}")
    }
}

fn call_text(w: &What) -> String {
    let What::CallAnswered {
        call,
        ok,
        request_id,
        endpoint,
        error,
        latency_ms,
        ..
    } = w
    else {
        return String::new();
    };
    let rid = request_id.as_deref().unwrap_or("no request id");
    let ep = endpoint.as_deref().unwrap_or("unknown endpoint");
    let lat = latency_ms
        .map(|ms| format!(", {ms} ms"))
        .unwrap_or_default();
    if *ok {
        format!("call {call} ok ({rid}, answered by {ep}{lat})")
    } else {
        format!(
            "call {call} failed: {} ({rid}, {ep}{lat})",
            error.as_deref().unwrap_or("?")
        )
    }
}

fn event_of(
    l: &Line,
    sent_at: &HashMap<(String, usize), DateTime<Utc>>,
    initiator_identity: &Option<String>,
) -> What {
    match &l.record {
        Record::RunStart {
            operator, identity, ..
        } => What::RunStarted {
            by: operator.clone(),
            identity: identity.clone().or_else(|| initiator_identity.clone()),
        },
        Record::Resumed { operator } => What::Resumed {
            by: operator.clone(),
        },
        Record::Step {
            step,
            status,
            detail,
        } => What::Step {
            step: step.clone(),
            status: status.clone(),
            detail: detail.clone(),
        },
        Record::Intent {
            step,
            call,
            mutation,
            ..
        } => What::CallSent {
            step: step.clone(),
            call: call + 1,
            operation: mutation.operation().to_string(),
            endpoint: mutation.endpoint(),
        },
        Record::Outcome {
            step,
            call,
            ok,
            request_id,
            endpoint,
            error,
            blocking_rules,
            ..
        } => What::CallAnswered {
            step: step.clone(),
            call: call + 1,
            ok: *ok,
            request_id: request_id.clone(),
            endpoint: endpoint.clone(),
            error: error.clone(),
            latency_ms: sent_at
                .get(&(step.clone(), *call))
                .map(|s| (l.at - *s).num_milliseconds()),
            blocking_rules: blocking_rules.clone(),
        },
        Record::RestoreJob {
            step,
            job,
            status,
            detail,
            ..
        } => What::RestoreJob {
            step: step.clone(),
            job: job.clone(),
            status: status.clone(),
            detail: detail.clone(),
        },
        Record::Settled {
            step,
            call,
            applied,
            how,
            ..
        } => What::Settled {
            step: step.clone(),
            call: call + 1,
            applied: *applied,
            how: how.clone(),
        },
        Record::Confirmed {
            step,
            by,
            typed,
            prompt,
            data_loss_ms,
        } => What::Confirmed {
            step: step.clone(),
            by: by.clone(),
            typed: typed.clone(),
            prompt: prompt.clone(),
            data_loss_ms: *data_loss_ms,
        },
        Record::Skipped { step, by, reason } => What::Skipped {
            step: step.clone(),
            by: by.clone(),
            reason: reason.clone(),
        },
        Record::Override {
            step,
            by,
            rule_arns,
            reason,
        } => What::Override {
            step: step.clone(),
            by: by.clone(),
            rule_arns: rule_arns.clone(),
            reason: reason.clone(),
        },
        Record::Approved { step, by } => What::Approved {
            step: step.clone(),
            by: by.clone(),
        },
        Record::Operator {
            by,
            command,
            reason,
        } => What::Operator {
            by: by.clone(),
            command: command.clone(),
            reason: reason.clone(),
        },
        Record::RunEnd { outcome } => What::RunEnded {
            outcome: outcome.clone(),
        },
    }
}

/// Step transitions worth a timeline line (the rest are in the step table).
fn in_timeline(w: &What) -> bool {
    match w {
        What::Step { status, .. } => {
            matches!(status.as_str(), "done" | "failed" | "skipped" | "blocked")
        }
        _ => true,
    }
}

pub fn summarize(lines: &[Line]) -> Summary {
    let mut s = Summary {
        run_id: String::new(),
        runbook: String::new(),
        path: None,
        hash: String::new(),
        params: BTreeMap::new(),
        operator: String::new(),
        identity: None,
        mode: String::new(),
        started_at: None,
        ended_at: None,
        outcome: None,
        rto_target_s: 0,
        rto_achieved_s: None,
        rto: RtoVerdict::NotReached {
            why: "the run has not ended".into(),
        },
        data_loss_ms: None,
        steps: Vec::new(),
        events: Vec::new(),
    };
    let mut sent_at: HashMap<(String, usize), DateTime<Utc>> = HashMap::new();
    let mut prev: Option<&Line> = None;
    for l in lines {
        match &l.record {
            Record::RunStart {
                run_id,
                runbook,
                path,
                hash,
                params,
                operator,
                identity,
                mode,
                rto_target_s,
                read_only,
            } => {
                s.run_id = run_id.clone();
                s.runbook = runbook.clone();
                s.path = path.clone();
                s.hash = hash.clone();
                s.params = params.clone();
                s.operator = operator.clone();
                s.identity = identity.clone();
                s.mode = format!("{mode}{}", if *read_only { " read-only" } else { "" });
                s.rto_target_s = *rto_target_s;
                s.started_at = Some(l.at);
            }
            // A resume means the console before it stopped without an end: mark where.
            Record::Resumed { .. } => {
                if let Some(p) = prev {
                    s.events.push(Event {
                        at: p.at,
                        what: What::ConsoleStopped,
                    });
                }
            }
            Record::Step { step, status, .. } => {
                let st = step_entry(&mut s.steps, step);
                if st.started_at.is_none() {
                    st.started_at = Some(l.at);
                }
                st.status = status.clone();
                if matches!(status.as_str(), "done" | "failed" | "skipped") {
                    st.ended_at = Some(l.at);
                    st.duration_s = st.started_at.map(|b| (l.at - b).num_seconds());
                }
            }
            Record::Intent { step, call, .. } => {
                sent_at.insert((step.clone(), *call), l.at);
            }
            Record::Confirmed {
                step,
                by,
                data_loss_ms,
                ..
            } => {
                if let Some(ms) = data_loss_ms {
                    s.data_loss_ms = Some(s.data_loss_ms.map_or(*ms, |m| m.max(*ms)));
                }
                step_entry(&mut s.steps, step)
                    .confirmed_by
                    .push(Confirmation {
                        by: by.clone(),
                        at: l.at,
                    });
            }
            Record::RunEnd { outcome } => {
                s.ended_at = Some(l.at);
                s.outcome = Some(outcome.clone());
            }
            _ => {}
        }
        let what = event_of(l, &sent_at, &s.identity);
        if let What::CallAnswered { step, .. } = &what {
            let text = call_text(&what);
            step_entry(&mut s.steps, step).calls.push(text);
        }
        if in_timeline(&what) {
            s.events.push(Event { at: l.at, what });
        }
        prev = Some(l);
    }
    let end = s.ended_at.or_else(|| lines.last().map(|l| l.at));
    s.rto_achieved_s = s.started_at.zip(end).map(|(a, b)| (b - a).num_seconds());
    s.rto = RtoVerdict::of(s.outcome.as_deref(), s.rto_achieved_s, s.rto_target_s);
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
    let _ = writeln!(
        o,
        "- Operator: {} (user@host, as the OS reported it)  ",
        s.operator
    );
    let _ = writeln!(
        o,
        "- AWS identity: {}  ",
        s.identity.as_deref().unwrap_or("unknown (not recorded)")
    );
    let _ = writeln!(o, "- Mode: {}  ", s.mode);
    let _ = writeln!(
        o,
        "- Runbook: {} (SHA-256 {})  ",
        s.path.as_deref().unwrap_or("(no file)"),
        if s.hash.is_empty() {
            "unknown"
        } else {
            &s.hash
        }
    );
    let params = if s.params.is_empty() {
        "none".to_string()
    } else {
        s.params
            .iter()
            .map(|(k, v)| format!("`{k}={v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(o, "- Parameters: {params}  ");
    let _ = writeln!(
        o,
        "- Outcome: {}  ",
        s.outcome.as_deref().unwrap_or("unfinished")
    );
    let rto = s
        .rto_achieved_s
        .map(secs)
        .unwrap_or_else(|| "unknown".into());
    let elapsed = match s.rto {
        RtoVerdict::Met | RtoVerdict::Missed => "",
        RtoVerdict::NotReached { .. } => " elapsed",
    };
    let _ = writeln!(
        o,
        "- RTO: {rto}{elapsed} against a target of {} ({})  ",
        secs(s.rto_target_s as i64),
        s.rto.text()
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
                st.confirmed_by
                    .iter()
                    .map(|c| format!("{} at {}", c.by, c.at.format("%H:%M:%S")))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }
    let _ = writeln!(o, "\n## Timeline (UTC)\n");
    for e in &s.events {
        let _ = writeln!(o, "- {}", e.text());
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::journal::fixture;

    /// Issue 7 §4: an aborted run, inside its RTO, never reports "met".
    #[test]
    fn an_aborted_run_never_meets_its_rto() {
        let s = summarize(&fixture::lines());
        assert_eq!(s.rto_achieved_s, Some(95));
        assert!(matches!(&s.rto, RtoVerdict::NotReached { why } if why.contains("aborted")));
        let md = to_markdown(&s);
        assert!(!md.contains("(met)"), "{md}");
        assert!(
            md.contains("NOT REACHED: the run did not complete (aborted)"),
            "{md}"
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["rto"]["verdict"], "not_reached");
    }

    #[test]
    fn a_completed_run_is_met_or_missed() {
        assert_eq!(
            RtoVerdict::of(Some("completed"), Some(60), 900),
            RtoVerdict::Met
        );
        assert_eq!(
            RtoVerdict::of(Some("completed"), Some(901), 900),
            RtoVerdict::Missed
        );
        assert!(matches!(
            RtoVerdict::of(None, Some(1), 900),
            RtoVerdict::NotReached { .. }
        ));
    }

    /// Issue 7 §4: after a resume the summary keeps who confirmed earlier steps and
    /// when, and the timeline marks where the console stopped and when it resumed.
    #[test]
    fn a_resumed_run_keeps_earlier_confirmations_and_marks_the_stop() {
        let s = summarize(&fixture::lines());
        let fence = s.steps.iter().find(|st| st.id == "fence").unwrap();
        assert_eq!(
            fence.confirmed_by,
            vec![Confirmation {
                by: "alice@bastion".into(),
                at: fixture::t0() + chrono::Duration::seconds(20)
            }]
        );
        let stop = s
            .events
            .iter()
            .position(|e| e.what == What::ConsoleStopped)
            .unwrap();
        assert_eq!(
            s.events[stop].at,
            fixture::t0() + chrono::Duration::seconds(21)
        );
        assert!(matches!(&s.events[stop + 1].what, What::Resumed { by } if by == "bob@bastion"));
        let md = to_markdown(&s);
        assert!(md.contains("alice@bastion at 14:00:20"), "{md}");
        assert!(md.contains("14:00:21 the console stopped here"), "{md}");
        assert!(md.contains("14:01:25 resumed by bob@bastion"), "{md}");
    }

    /// Issue 7 §6: the JSON export is typed: ISO-8601 stamps, calls with request id
    /// and latency, skips and overrides as fields, not pre-rendered strings.
    #[test]
    fn the_json_export_has_typed_events() {
        let s = summarize(&fixture::lines());
        let json = serde_json::to_value(&s).unwrap();
        let events = json["events"].as_array().unwrap();
        let answered = events
            .iter()
            .find(|e| e["event"] == "call_answered")
            .unwrap();
        assert_eq!(answered["at"], "2026-03-04T14:00:21Z");
        assert_eq!(answered["request_id"], "4b6e1c2a-rid");
        assert_eq!(answered["latency_ms"], 1000);
        assert_eq!(answered["ok"], true);
        let sent = events.iter().find(|e| e["event"] == "call_sent").unwrap();
        assert_eq!(sent["operation"], "UpdateRoutingControlStates");
        let skipped = events.iter().find(|e| e["event"] == "skipped").unwrap();
        assert_eq!(skipped["reason"], "pager already sent — see #incident");
        assert!(events.iter().all(|e| e.is_object()));
    }

    /// Issue 7 §6: the Markdown export names the identity ARN, the runbook's
    /// SHA-256 and the parameters.
    #[test]
    fn the_markdown_export_has_identity_hash_and_parameters() {
        let md = to_markdown(&summarize(&fixture::lines()));
        assert!(
            md.contains("arn:aws:sts::111122223333:assumed-role/DrOperator/alice"),
            "{md}"
        );
        assert!(
            md.contains("SHA-256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
            "{md}"
        );
        assert!(md.contains("`target=us-west-2`"), "{md}");
    }
}
