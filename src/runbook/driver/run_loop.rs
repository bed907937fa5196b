//! The engine's own thread: advance, publish the view, wait for the operator or the
//! next wake-up, repeat. Nothing here runs on the UI thread.

use super::clock::RunClock;
use super::live_view::{Publishing, wait_lengths};
use super::recorder::DriverRecorder;
use super::world::ProviderWorld;
use super::{DriverError, DriverEvent};
use crate::runbook::engine::{
    Command, Engine, EngineError, Next, Refusal, RunStatus, RunView, StepStatus,
};
use crate::runbook::journal::{Record, RunLock, approval, read_journal};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{oneshot, watch};

/// How often an approval step looks for `drconsole approve` files.
const APPROVAL_POLL: Duration = Duration::from_millis(500);

pub(super) enum Control {
    Command {
        cmd: Command,
        /// When set, the command applies only while this step is current: a confirm
        /// meant for one step can never land on the next.
        step: Option<String>,
        reply: oneshot::Sender<Result<(), EngineError>>,
    },
    Stop,
}

pub(super) struct Loop {
    pub engine: Engine,
    pub world: ProviderWorld,
    pub rec: DriverRecorder,
    pub clock: RunClock,
    pub view: watch::Sender<RunView>,
    pub events: UnboundedSender<DriverEvent>,
    pub approvals_seen: usize,
    /// Held until the thread ends; dropping it removes the lock file.
    pub _lock: RunLock,
}

impl Loop {
    pub fn run(mut self, rx: Receiver<Control>) -> Result<RunStatus, DriverError> {
        let now = self.clock.now();
        // Every transition inside an engine call is published as soon as it is durable
        // (live_view), before the engine's next read or call, which may hang.
        let waits = wait_lengths(self.engine.runbook());
        let mut rec = Publishing {
            rec: &mut self.rec,
            view: &self.view,
            waits: &waits,
        };
        let mut next = self.engine.advance(&mut self.world, &mut rec, now);
        // Every turn either handles a message or a wake-up; each is bounded work.
        loop {
            self.publish();
            let n = match next {
                Ok(n) => n,
                Err(e) => return Err(self.fatal(e)),
            };
            if n == Next::Finished {
                return Ok(self.engine.run_status().clone());
            }
            let awaiting_approval = self.awaiting_approval();
            let wait = match &n {
                Next::WakeAt(t) => Some(self.clock.wall_until(*t)),
                _ if awaiting_approval => Some(APPROVAL_POLL),
                _ => None,
            };
            let msg = match wait {
                Some(d) => rx.recv_timeout(d),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            let now = self.clock.now();
            next = match msg {
                Ok(Control::Command { cmd, step, reply }) => {
                    self.apply(cmd, step.as_deref(), reply, n, now, &waits)
                }
                Ok(Control::Stop) | Err(RecvTimeoutError::Disconnected) => {
                    self.publish();
                    return Ok(self.engine.run_status().clone());
                }
                Err(RecvTimeoutError::Timeout) if awaiting_approval => {
                    self.take_approvals(n, &waits)
                }
                Err(RecvTimeoutError::Timeout) => {
                    let mut rec = Publishing {
                        rec: &mut self.rec,
                        view: &self.view,
                        waits: &waits,
                    };
                    self.engine.advance(&mut self.world, &mut rec, now)
                }
            };
        }
    }

    /// Applies one operator command and answers it, after publishing the new view
    /// (the caller sees the run as the command left it as soon as it has its answer).
    fn apply(
        &mut self,
        cmd: Command,
        step: Option<&str>,
        reply: oneshot::Sender<Result<(), EngineError>>,
        n: Next,
        now: chrono::DateTime<chrono::Utc>,
        waits: &[Option<(Duration, bool)>],
    ) -> Result<Next, EngineError> {
        if let Some(refusal) = self.wrong_step(&cmd, step) {
            let _ = reply.send(Err(refusal));
            return Ok(n);
        }
        let mut rec = Publishing {
            rec: &mut self.rec,
            view: &self.view,
            waits,
        };
        let result = self.engine.command(cmd, &mut self.world, &mut rec, now);
        self.publish();
        match result {
            Ok(n2) => {
                let _ = reply.send(Ok(()));
                Ok(n2)
            }
            // A refusal leaves the run exactly as it was.
            Err(EngineError::Refused(r)) => {
                let _ = reply.send(Err(EngineError::Refused(r)));
                Ok(n)
            }
            Err(e) => {
                let _ = reply.send(Err(e.clone()));
                Err(e)
            }
        }
    }

    /// A step-bound command whose step is no longer current is refused untouched.
    fn wrong_step(&self, cmd: &Command, step: Option<&str>) -> Option<EngineError> {
        let want = step?;
        let current = self
            .engine
            .current()
            .and_then(|i| self.engine.runbook().steps.get(i));
        if current.is_some_and(|s| s.id == want) {
            return None;
        }
        Some(EngineError::Refused(Refusal::NotNow {
            command: cmd.name(),
            status: format!(
                "meant for {want}, but the current step is {}",
                current.map(|s| s.id.as_str()).unwrap_or("none")
            ),
            run: format!("{:?}", self.engine.run_status()),
        }))
    }

    fn publish(&self) {
        let v = self.engine.view(self.clock.now());
        self.view.send_if_modified(|cur| {
            if *cur == v {
                false
            } else {
                *cur = v;
                true
            }
        });
    }

    fn fatal(&self, e: EngineError) -> DriverError {
        let _ = self.events.send(DriverEvent::Fatal(e.to_string()));
        match e {
            EngineError::Journal(j) => DriverError::Journal {
                path: self.rec.path().display().to_string(),
                message: j.to_string(),
            },
            other => DriverError::Engine(other),
        }
    }

    /// An approval step waits on a running run (a paused run takes none: they stay
    /// on file until it resumes).
    fn awaiting_approval(&self) -> bool {
        *self.engine.run_status() == RunStatus::Running
            && self
                .engine
                .current()
                .and_then(|i| self.engine.steps().get(i))
                .is_some_and(|s| s.status == StepStatus::AwaitingApproval)
    }

    /// Hands each new `drconsole approve` line that answers the current wait (its
    /// step and the sequence number of its `awaiting_approval` record) and passes the
    /// identity check to the engine; anything else is refused and said.
    fn take_approvals(
        &mut self,
        n: Next,
        waits: &[Option<(Duration, bool)>],
    ) -> Result<Next, EngineError> {
        let path = self.rec.path();
        let all = approval::read(&path);
        if all.len() <= self.approvals_seen {
            return Ok(n);
        }
        let fresh: Vec<_> = all.into_iter().skip(self.approvals_seen).collect();
        let lines = read_journal(&path).map(|j| j.lines).unwrap_or_default();
        let wait = approval::waiting(&lines);
        let start = lines.iter().find_map(|l| match &l.record {
            Record::RunStart {
                operator,
                identity,
                mode,
                ..
            } => Some((operator.clone(), identity.clone(), mode == "SIMULATED")),
            _ => None,
        });
        let mut next = Ok(n);
        for a in fresh {
            self.approvals_seen += 1;
            if !self.awaiting_approval() {
                break;
            }
            let refuse = |why: String| DriverEvent::ApprovalRefused {
                by: a.by.clone(),
                why,
            };
            let Some((step, seq)) = wait.as_ref().filter(|(s, q)| approval::answers(&a, s, *q))
            else {
                let _ = self.events.send(refuse(format!(
                    "it answers {} (record {}), not the current wait{}",
                    a.step.as_deref().unwrap_or("no step"),
                    a.seq.map_or("?".to_string(), |s| s.to_string()),
                    wait.as_ref()
                        .map(|(s, q)| format!(" of {s} (record {q})"))
                        .unwrap_or_default()
                )));
                continue;
            };
            let _ = (step, seq);
            if let Some((initiator, identity, simulated)) = &start
                && let Err(e) = approval::check(initiator, identity.as_deref(), &a, *simulated)
            {
                let _ = self.events.send(refuse(e.to_string()));
                continue;
            }
            let now = self.clock.now();
            let cmd = Command::Approve { by: a.approver() };
            let mut rec = Publishing {
                rec: &mut self.rec,
                view: &self.view,
                waits,
            };
            match self.engine.command(cmd, &mut self.world, &mut rec, now) {
                Ok(n2) => next = Ok(n2),
                Err(EngineError::Refused(r)) => {
                    let _ = self.events.send(refuse(r.to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        next
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        // The lock goes with the loop; say so in the log for the operator's record.
        tracing::debug!(lock = %RunLock::path_for(&self.rec.path()).display(), "run lock released");
    }
}
