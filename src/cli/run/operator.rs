//! The headless operator: answers the engine as a person at the console would.
//! With auto-confirm (twin only) it ticks checklists, confirms (typing the target
//! when asked), approves as a rehearsal approver and retries a blocked guard a few
//! times; without it, it asks on stdin.

use super::progress::{self, Progress, say};
use super::{DONE, FAILED};
use crate::runbook::driver::{self, DriverError, DriverEvent, DriverHandle};
use crate::runbook::engine::{
    Command, EngineError, Prompt, Refusal, RunStatus, RunView, StepStatus,
};
use std::time::Duration;
use tokio::sync::mpsc;

/// Who approves approval steps in an auto-confirmed rehearsal (never the initiator).
pub const REHEARSAL_APPROVER: &str = "rehearsal-approver@twin";
/// A blocked guard is re-read this many times before the run gives up.
const BLOCKED_RETRIES: u32 = 5;
/// Wall time between those re-reads.
const BLOCKED_RETRY_EVERY: Duration = Duration::from_secs(1);

/// What to do next.
enum Act {
    /// A command for the current step (by id), and what to print once it applied.
    Send(String, Command, Option<String>),
    /// Re-check a blocked guard after a short wait.
    RetryLater(String),
    /// Ask the operator on stdin.
    Ask(String),
    Wait,
    Exit(i32, String),
}

struct State {
    auto: bool,
    blocked_retries: u32,
    announced_approval: bool,
    /// A step that had already failed when this process resumed the run: running the
    /// command again is the operator's retry, once.
    failed_before: Option<String>,
}

pub async fn drive(mut h: DriverHandle, auto: bool) -> anyhow::Result<i32> {
    let mut progress = Progress::default();
    let mut views = h.view.clone();
    let first = views.borrow().clone();
    let failed_before = first
        .current
        .and_then(|i| first.steps.get(i))
        .filter(|s| h.resumed && matches!(s.status, StepStatus::Failed { .. }))
        .map(|s| s.id.clone());
    let mut st = State {
        auto,
        blocked_retries: 0,
        announced_approval: false,
        failed_before,
    };
    let mut stdin: Option<mpsc::UnboundedReceiver<String>> = None;
    // Each turn handles one engine state; a run has a bounded number of states, and
    // every wait below is on the engine, the operator or a short timer.
    loop {
        drain(&mut h, &mut progress)?;
        let view = views.borrow_and_update().clone();
        let act = match &view.run {
            RunStatus::Completed => return finish(h, progress, "completed", DONE).await,
            RunStatus::Aborted { reason } => {
                let what = format!("aborted ({reason})");
                return finish(h, progress, &what, FAILED).await;
            }
            RunStatus::Stopped { step, why } => stopped(step, why, &mut st),
            RunStatus::Paused => Act::Wait,
            RunStatus::Running => decide(&view, &mut st),
        };
        match act {
            Act::Send(step, cmd, note) => {
                let name = cmd.name();
                match h.send_at(&step, cmd).await {
                    Ok(()) => {
                        if let Some(n) = note {
                            say(n);
                        }
                    }
                    // The engine moved on meanwhile: look again.
                    Err(DriverError::Engine(EngineError::Refused(Refusal::NotNow { .. }))) => {}
                    Err(DriverError::Engine(EngineError::Refused(r))) => {
                        say(format!("        {name} refused: {r}"));
                        if st.auto {
                            return stop(h, progress, FAILED).await;
                        }
                    }
                    Err(e) => {
                        say(format!("        {name} failed: {e}"));
                        return stop(h, progress, FAILED).await;
                    }
                }
            }
            Act::Exit(code, why) => {
                say(why);
                return stop(h, progress, code).await;
            }
            Act::RetryLater(step) => {
                tokio::select! {
                    _ = tokio::time::sleep(BLOCKED_RETRY_EVERY) => {
                        let _ = h.send_at(&step, Command::Retry).await;
                    }
                    _ = tokio::signal::ctrl_c() => return interrupted(h, progress).await,
                }
            }
            Act::Ask(question) => {
                say(question);
                let rx = stdin.get_or_insert_with(stdin_lines);
                let line = tokio::select! {
                    l = rx.recv() => l,
                    _ = tokio::signal::ctrl_c() => return interrupted(h, progress).await,
                    _ = views.changed() => continue,
                };
                let Some(line) = line else {
                    say(
                        "no operator input (stdin closed): the run stays unfinished; run the same command again to resume it",
                    );
                    return stop(h, progress, FAILED).await;
                };
                let current = view.current.and_then(|i| view.steps.get(i));
                if let (Some(cmd), Some(step)) = (parse_answer(&line, &view), current)
                    && let Err(e) = h.send_at(&step.id, cmd).await
                {
                    say(format!("        {e}"));
                }
            }
            Act::Wait => {
                tokio::select! {
                    ev = h.events.recv() => {
                        if let Some(ev) = ev {
                            show(&mut progress, &views.borrow().clone(), ev)?;
                        }
                    }
                    changed = views.changed() => {
                        if changed.is_err() {
                            // The engine thread ended: its last view says how.
                            let v = views.borrow().clone();
                            let code = if v.run == RunStatus::Completed { DONE } else { FAILED };
                            return finish(h, progress, &driver::describe(&v.run), code).await;
                        }
                    }
                    _ = tokio::signal::ctrl_c() => return interrupted(h, progress).await,
                }
            }
        }
    }
}

fn stopped(step: &str, why: &str, st: &mut State) -> Act {
    if st.failed_before.as_deref() == Some(step) {
        st.failed_before = None;
        if st.auto {
            return Act::Send(
                step.to_string(),
                Command::Retry,
                Some(format!(
                    "        {step}: failed before this run was resumed; retrying"
                )),
            );
        }
    }
    if st.auto {
        return Act::Exit(
            FAILED,
            format!(
                "stopped at {step}: {why}\nthe run stays unfinished: run the same command \
                 again to retry it, or retry, skip or abort it in the console"
            ),
        );
    }
    Act::Ask(format!(
        "stopped at {step}: {why}\n  answer `retry`, `skip REASON` or `abort [REASON]`"
    ))
}

fn decide(view: &RunView, st: &mut State) -> Act {
    let Some(step) = view.current.and_then(|i| view.steps.get(i)) else {
        return Act::Wait;
    };
    match &step.status {
        StepStatus::AwaitingConfirmation { prompt } => {
            st.blocked_retries = 0;
            if !st.auto {
                return Act::Ask(question(&step.id, prompt, &step.checklist));
            }
            if let Some(n) = step.checklist.iter().position(|(_, ticked)| !ticked) {
                return Act::Send(step.id.clone(), Command::Tick { item: n }, None);
            }
            let how = match &prompt.typed {
                Some(t) => format!("typed `{t}`"),
                None => "yes".into(),
            };
            let what = if prompt.resend {
                format!("re-send after reading state: {}", prompt.what)
            } else {
                prompt.summary()
            };
            Act::Send(
                step.id.clone(),
                Command::Confirm {
                    typed: prompt.typed.clone(),
                },
                Some(format!(
                    "        {}: auto-confirmed on the twin ({how}): {what}",
                    step.id
                )),
            )
        }
        StepStatus::AwaitingApproval if st.auto => Act::Send(
            step.id.clone(),
            Command::Approve {
                by: REHEARSAL_APPROVER.into(),
            },
            Some(format!(
                "        {}: approved by {REHEARSAL_APPROVER} (twin rehearsal)",
                step.id
            )),
        ),
        StepStatus::AwaitingApproval => {
            if !st.announced_approval {
                st.announced_approval = true;
                say(format!(
                    "        {}: waiting for a second operator: `drconsole approve {}`",
                    step.id, view.run_id
                ));
            }
            Act::Wait
        }
        StepStatus::Blocked { guard, why } if guard == "read-only mode" => Act::Send(
            step.id.clone(),
            Command::Abort {
                reason: format!(
                    "read-only mode: {} ({}) changes the world and was not executed",
                    step.id, step.kind
                ),
            },
            Some(format!("refused: read-only mode — {why}")),
        ),
        StepStatus::Blocked { guard, why } if st.auto => {
            if st.blocked_retries < BLOCKED_RETRIES {
                st.blocked_retries += 1;
                Act::RetryLater(step.id.clone())
            } else {
                Act::Exit(
                    FAILED,
                    format!(
                        "{} stays blocked by {guard}: {why}\nthe run stays unfinished: run the \
                         same command again to resume it once the guard holds",
                        step.id
                    ),
                )
            }
        }
        StepStatus::Blocked { guard, why } => Act::Ask(format!(
            "{} is blocked by {guard}: {why}\n  answer `retry`, `skip REASON` or `abort [REASON]`",
            step.id
        )),
        _ => Act::Wait,
    }
}

fn question(id: &str, p: &Prompt, checklist: &[(String, bool)]) -> String {
    let mut q = format!("{id}: {}", p.what);
    if !p.target.is_empty() {
        q.push_str(&format!("\n  where: {}", p.target));
    }
    if let Some(r) = &p.risk {
        q.push_str(&format!("\n  risk: {r}"));
    }
    if let Some(r) = &p.rules {
        q.push_str(&format!("\n  safety rules: {r}"));
    }
    for (n, (item, ticked)) in checklist.iter().enumerate() {
        let mark = if *ticked { "x" } else { " " };
        q.push_str(&format!(
            "\n  [{mark}] {}. {item}   (`tick {}`)",
            n + 1,
            n + 1
        ));
    }
    let confirm = match &p.typed {
        Some(t) => format!("type `{t}` to confirm"),
        None => "answer `yes` to confirm".into(),
    };
    q.push_str(&format!(
        "\n  {confirm}; or `skip REASON`, `abort [REASON]`"
    ));
    q
}

fn parse_answer(line: &str, view: &RunView) -> Option<Command> {
    let line = line.trim();
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim().to_string();
    let typed = view
        .current
        .and_then(|i| view.steps.get(i))
        .and_then(|s| match &s.status {
            StepStatus::AwaitingConfirmation { prompt } => Some(prompt.typed.clone()),
            _ => None,
        });
    match word {
        "abort" => Some(Command::Abort { reason: rest }),
        "skip" => Some(Command::Skip { reason: rest }),
        "retry" => Some(Command::Retry),
        "tick" => rest
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .map(|item| Command::Tick { item }),
        "yes" if matches!(typed, Some(None)) => Some(Command::Confirm { typed: None }),
        "" => None,
        _ => match typed {
            Some(Some(_)) => Some(Command::Confirm {
                typed: Some(line.to_string()),
            }),
            _ => {
                say("  not understood");
                None
            }
        },
    }
}

/// Lines from stdin, read on their own thread (stdin reads cannot be cancelled).
fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        loop {
            line.clear();
            match std::io::stdin().read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    if tx.send(line.clone()).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

fn show(progress: &mut Progress, view: &RunView, ev: DriverEvent) -> anyhow::Result<()> {
    match ev {
        DriverEvent::Journal { at, record } => progress.record(view, at, &record),
        DriverEvent::ApprovalRefused { by, why } => {
            say(format!("        approval by {by} refused: {why}"))
        }
        DriverEvent::Fatal(e) => anyhow::bail!("the run stopped: {e}"),
    }
    Ok(())
}

fn drain(h: &mut DriverHandle, progress: &mut Progress) -> anyhow::Result<()> {
    let view = h.view.borrow().clone();
    while let Ok(ev) = h.events.try_recv() {
        show(progress, &view, ev)?;
    }
    Ok(())
}

/// Waits for the engine thread to end, prints what is left and the end line.
async fn finish(
    mut h: DriverHandle,
    mut progress: Progress,
    outcome: &str,
    code: i32,
) -> anyhow::Result<i32> {
    let mut events = std::mem::replace(&mut h.events, mpsc::unbounded_channel().1);
    let views = h.view.clone();
    let joined = h.join().await;
    let view = views.borrow().clone();
    while let Ok(ev) = events.try_recv() {
        show(&mut progress, &view, ev)?;
    }
    joined?;
    progress::end(&view, outcome);
    Ok(code)
}

/// Stops the engine (the run stays as journaled) and exits with `code`.
async fn stop(h: DriverHandle, progress: Progress, code: i32) -> anyhow::Result<i32> {
    h.stop();
    let outcome = driver::describe(&h.view.borrow().run);
    finish(h, progress, &outcome, code).await
}

async fn interrupted(h: DriverHandle, progress: Progress) -> anyhow::Result<i32> {
    say("interrupted: the run stays unfinished; run the same command again to resume it");
    stop(h, progress, FAILED).await
}
