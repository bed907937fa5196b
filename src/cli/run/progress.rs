//! What the headless run prints: a header, one line per finished step (status and
//! duration), the outcome of each call, and the end.

use crate::cli::target::Session;
use crate::model::Mode;
use crate::runbook::driver::{DriverHandle, Unfinished};
use crate::runbook::engine::RunView;
use crate::runbook::journal::Record;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::io::Write;

pub fn say(line: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", line.as_ref());
    let _ = out.flush();
}

pub fn header(h: &DriverHandle, s: &Session, args: &super::RunArgs) {
    let v = h.view.borrow().clone();
    let mode = match s.mode {
        Mode::Simulated if s.clock.speed() != 1.0 => format!(
            "SIMULATED twin at ×{} (times are simulated time)",
            s.clock.speed()
        ),
        Mode::Simulated => "SIMULATED twin".to_string(),
        Mode::Live => "LIVE".to_string(),
    };
    let ro = if s.read_only() { ", read-only" } else { "" };
    say(format!(
        "{} run {} of {} ({}) — {mode}{ro}",
        if h.resumed { "resumed" } else { "started" },
        v.run_id,
        v.runbook,
        args.runbook.display()
    ));
    say(format!("journal: {}", h.journal.display()));
    if h.resumed && s.emulator.is_some() {
        say(
            "note: this twin started with this process and does not remember the calls of \
             the earlier run; rehearse crash and resume against `drconsole emulator \
             --endpoints-file F` with --twin-endpoints F",
        );
    }
}

pub fn resuming(u: &Unfinished) {
    let p = &u.point;
    let started = p
        .started_at
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "?".into());
    say(format!(
        "resuming unfinished run {} (started {started} by {}; last step {})",
        p.run_id,
        p.initiator,
        p.last_step.as_deref().unwrap_or("none")
    ));
    if let Some(h) = &u.left_by_dead {
        say(format!(
            "  its lock names {h}, whose console is gone (the lock was free)"
        ));
    }
    if !p.calls_done.is_empty() {
        say(format!(
            "  {} completed call(s) will not be sent again",
            p.calls_done.len()
        ));
    }
    for (step, call) in &p.dangling {
        say(format!(
            "  {step}: call {} was sent or about to be when the run stopped; its outcome is \
             unknown, so state is re-read before anything is re-sent",
            call + 1
        ));
    }
}

/// Turns journal records into progress lines; remembers when each step began.
#[derive(Default)]
pub struct Progress {
    began: HashMap<String, DateTime<Utc>>,
}

impl Progress {
    pub fn record(&mut self, view: &RunView, at: DateTime<Utc>, r: &Record) {
        match r {
            Record::Step {
                step,
                status,
                detail,
            } => {
                if status == "ready" {
                    self.began.insert(step.clone(), at);
                }
                if !matches!(status.as_str(), "done" | "failed" | "skipped" | "blocked") {
                    return;
                }
                let n = view.steps.len();
                let (i, kind, started) = view
                    .steps
                    .iter()
                    .enumerate()
                    .find(|(_, s)| &s.id == step)
                    .map(|(i, s)| (i + 1, s.kind, s.started_at))
                    .unwrap_or((0, "", None));
                let took = self
                    .began
                    .get(step)
                    .copied()
                    .or(started)
                    .map(|b| duration(at - b))
                    .unwrap_or_else(|| "—".into());
                let detail = detail
                    .as_deref()
                    .map(|d| format!("  {d}"))
                    .unwrap_or_default();
                say(format!(
                    "[{i:>2}/{n}] {step:<20} {kind:<17} {status:<8} {took:>8}{detail}"
                ));
            }
            Record::Outcome {
                step,
                ok,
                request_id,
                endpoint,
                error,
                ..
            } => {
                let who = endpoint.as_deref().unwrap_or("unknown endpoint");
                let rid = request_id.as_deref().unwrap_or("-");
                match (ok, error) {
                    (true, _) => say(format!("        {step}: call ok — {who}, request {rid}")),
                    (false, e) => say(format!(
                        "        {step}: call failed — {}",
                        e.as_deref().unwrap_or("unknown error")
                    )),
                }
            }
            Record::Settled {
                step, how, applied, ..
            } => say(format!(
                "        {step}: settled after restart — {how}{}",
                if *applied { " (not sent again)" } else { "" }
            )),
            Record::Resumed { operator } => say(format!("        resumed by {operator}")),
            _ => {}
        }
    }
}

/// `1m 12s`, `4.2s`.
pub fn duration(d: chrono::Duration) -> String {
    let ms = d.num_milliseconds().max(0);
    if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m {:02}s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

pub fn end(view: &RunView, outcome: &str) {
    let target = std::time::Duration::from_secs(view.rto_target_s);
    let took = duration(chrono::Duration::seconds(view.rto_elapsed_s));
    let met = if view.rto_elapsed_s >= 0 && (view.rto_elapsed_s as u64) <= view.rto_target_s {
        "within"
    } else {
        "over"
    };
    say(format!(
        "run {} {outcome} — {took} since start, {met} the RTO target of {}",
        view.run_id,
        humantime::format_duration(target)
    ));
}
