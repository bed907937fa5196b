//! The event loop. It sleeps until something the screen shows has changed: a key or
//! resize, a new snapshot, a log event, or the clock's next second. Bursts are drained
//! and drawn once. It only ever awaits channels, never the network.

use super::app::{App, ConsoleInfo, Effect};
use super::feed::{Connected, FeedState, GameDayEvent, GameDayRequest};
use super::runbook::{RunEvent, RunRequest};
use super::terminal::TerminalGuard;
use super::view;
use crate::model::snapshot::Snapshot;
use chrono::Utc;
use crossterm::event::Event;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::time::Instant;

/// Most events drained before a frame is drawn, so a flood cannot starve the screen.
const MAX_BURST: usize = 4096;

/// How the console ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// Terminated by this signal number (SIGTERM, SIGHUP, SIGINT).
    Signal(i32),
}

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Quit => 0,
            Exit::Signal(n) => 128 + n,
        }
    }
}

pub struct Inputs {
    pub info: ConsoleInfo,
    /// Resolves once the target is connected (or could not be).
    pub connect: oneshot::Receiver<Result<Connected, String>>,
    /// Notified after a tracing event was recorded.
    pub log_events: Arc<Notify>,
}

/// Reads terminal events on a plain thread: crossterm's `read` blocks in poll(2)
/// without a timeout, so an idle console does not wake for input.
fn spawn_input_reader() -> io::Result<mpsc::UnboundedReceiver<io::Result<Event>>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("drconsole-input".into())
        .spawn(move || {
            loop {
                let ev = crossterm::event::read();
                let failed = ev.is_err();
                if tx.send(ev).is_err() || failed {
                    break;
                }
            }
        })?;
    Ok(rx)
}

/// The wall clock's next whole second, when the header clock changes.
fn next_second() -> Instant {
    let ms = 1000 - u64::from(Utc::now().timestamp_subsec_millis().min(999));
    Instant::now() + Duration::from_millis(ms)
}

async fn connected(
    c: &mut Option<oneshot::Receiver<Result<Connected, String>>>,
) -> Result<Connected, String> {
    match c {
        Some(rx) => rx
            .await
            .unwrap_or_else(|_| Err("connection task ended".to_string())),
        None => std::future::pending().await,
    }
}

async fn run_event(rx: &mut Option<mpsc::UnboundedReceiver<RunEvent>>) -> Option<RunEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn fault_event(
    rx: &mut Option<mpsc::UnboundedReceiver<GameDayEvent>>,
) -> Option<GameDayEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn changed(rx: &mut Option<watch::Receiver<Arc<Snapshot>>>) -> bool {
    match rx {
        Some(rx) => rx.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

struct Loop {
    app: App,
    run_requests: Option<mpsc::UnboundedSender<RunRequest>>,
    run_events: Option<mpsc::UnboundedReceiver<RunEvent>>,
    snapshots: Option<watch::Receiver<Arc<Snapshot>>>,
    fault_requests: Option<mpsc::UnboundedSender<GameDayRequest>>,
    fault_events: Option<mpsc::UnboundedReceiver<GameDayEvent>>,
    dirty: bool,
    clear: bool,
}

impl Loop {
    /// Handles one terminal event; `Some` when the console must end.
    fn on_event(&mut self, ev: Event) -> Option<Exit> {
        match ev {
            Event::Key(key) => {
                self.dirty = true;
                // The app drops keys that would land in a dialog not yet seen.
                match self.app.on_key(&key, std::time::Instant::now())? {
                    Effect::Quit => return Some(Exit::Quit),
                    Effect::ClearTerminal => self.clear = true,
                    Effect::InjectFault(i) => self.game_day(GameDayRequest::Inject(i)),
                    Effect::ClearFault(label) => self.game_day(GameDayRequest::Clear(label)),
                    Effect::RefreshFaults => self.game_day(GameDayRequest::Refresh),
                    Effect::Run(req) => self.request(req),
                }
            }
            Event::Resize(..) => self.dirty = true,
            _ => {}
        }
        None
    }

    /// Hands a fault request to the game-day task; its answer arrives as an event.
    fn game_day(&mut self, req: GameDayRequest) {
        let sent = self
            .fault_requests
            .as_ref()
            .is_some_and(|tx| tx.send(req).is_ok());
        if !sent {
            self.app.on_game_day_event(GameDayEvent::Failed {
                what: "game day".into(),
                error: "fault injection is not available".into(),
            });
        }
    }

    fn request(&mut self, req: RunRequest) {
        let sent = self
            .run_requests
            .as_ref()
            .is_some_and(|tx| tx.send(req).is_ok());
        if !sent {
            self.app.on_run_event(RunEvent::Failed(
                "runbooks are not available yet (still connecting?)".into(),
            ));
        }
    }

    fn on_connected(&mut self, result: Result<Connected, String>) {
        self.dirty = true;
        match result {
            Ok(c) => {
                tracing::info!("connected; waiting for the first snapshot");
                if let Some(g) = c.game_day {
                    self.app.faults = Some(g.entries);
                    self.fault_requests = Some(g.requests);
                    self.fault_events = Some(g.events);
                }
                if let Some(link) = c.runbooks {
                    self.run_requests = Some(link.requests);
                    self.run_events = Some(link.events);
                }
                self.app.feed = FeedState::Connected;
                let mut rx = c.snapshots;
                // A value already published counts as the first snapshot.
                let first = rx.borrow_and_update().clone();
                if first.taken_at.timestamp() > 0 {
                    self.app.set_snapshot(first);
                }
                self.snapshots = Some(rx);
            }
            Err(e) => {
                tracing::error!("cannot connect: {e}");
                self.app.feed = FeedState::Failed(e);
            }
        }
    }

    fn take_snapshot(&mut self) {
        if let Some(rx) = &mut self.snapshots {
            let snap = rx.borrow_and_update().clone();
            self.app.set_snapshot(snap);
            self.dirty = true;
        }
    }

    /// Draws a frame. True when it showed a dialog for the first time: input already
    /// waiting was typed before the operator could see it and is dropped.
    fn draw(&mut self, guard: &mut TerminalGuard) -> io::Result<bool> {
        let now = Utc::now();
        let clear = std::mem::take(&mut self.clear);
        let app = &self.app;
        let info = guard.frame(|term| {
            if clear {
                super::terminal::repaint_all(term)?;
            }
            let mut info = None;
            term.draw(|f| info = Some(view::draw(f, app, now)))?;
            Ok(info)
        })?;
        if let Some(info) = info {
            self.app.set_viewports(info.viewport);
            if let Some(max) = info.runbook_scroll_max {
                let s = &mut self.app.runbook.detail_scroll;
                *s = (*s).min(max);
            }
        }
        self.dirty = false;
        Ok(self.app.frame_drawn(std::time::Instant::now()))
    }
}

/// After a dialog's first frame: everything already waiting goes through the guard,
/// which drops the keys (resizes still count).
fn drain_typed_ahead(
    lp: &mut Loop,
    input: &mut mpsc::UnboundedReceiver<io::Result<Event>>,
) -> anyhow::Result<Option<Exit>> {
    for _ in 0..MAX_BURST {
        match input.try_recv() {
            Ok(Ok(ev)) => {
                if let Some(exit) = lp.on_event(ev) {
                    return Ok(Some(exit));
                }
            }
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => break,
        }
    }
    Ok(None)
}

/// Runs the console until the user quits or a signal arrives.
pub async fn run(guard: &mut TerminalGuard, inputs: Inputs) -> anyhow::Result<Exit> {
    let mut input = spawn_input_reader()?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut connect = Some(inputs.connect);
    let mut lp = Loop {
        app: App::new(inputs.info),
        run_requests: None,
        run_events: None,
        snapshots: None,
        fault_requests: None,
        fault_events: None,
        dirty: true,
        clear: false,
    };
    tui_logger::move_events();
    // First frame now, before credentials or any API: it says "connecting…".
    lp.draw(guard)?;
    let mut tick = next_second();
    loop {
        tokio::select! {
            ev = input.recv() => match ev {
                Some(Ok(ev)) => if let Some(exit) = lp.on_event(ev) { return Ok(exit) },
                Some(Err(e)) => return Err(e.into()),
                None => anyhow::bail!("terminal input closed"),
            },
            result = connected(&mut connect) => {
                connect = None;
                lp.on_connected(result);
            }
            alive = changed(&mut lp.snapshots) => {
                if alive {
                    lp.take_snapshot();
                } else {
                    tracing::warn!("monitor stopped publishing snapshots");
                    lp.snapshots = None;
                    lp.app.feed = FeedState::Ended;
                    lp.dirty = true;
                }
            }
            ev = run_event(&mut lp.run_events) => match ev {
                Some(ev) => {
                    lp.app.on_run_event(ev);
                    lp.dirty = true;
                }
                None => {
                    tracing::warn!("the runbook service stopped");
                    lp.run_events = None;
                }
            },
            ev = fault_event(&mut lp.fault_events) => match ev {
                Some(ev) => {
                    lp.app.on_game_day_event(ev);
                    lp.dirty = true;
                }
                None => {
                    tracing::warn!("the game-day task stopped");
                    lp.fault_events = None;
                    lp.fault_requests = None;
                }
            },
            () = inputs.log_events.notified() => {
                tui_logger::move_events();
                lp.dirty |= lp.app.log_visible;
            }
            () = tokio::time::sleep_until(tick) => {
                tick = next_second();
                lp.dirty = true;
            }
            _ = term.recv() => return Ok(Exit::Signal(15)),
            _ = hup.recv() => return Ok(Exit::Signal(1)),
            _ = int.recv() => return Ok(Exit::Signal(2)),
        }
        // Coalesce: take everything already waiting, then draw once.
        for _ in 0..MAX_BURST {
            match input.try_recv() {
                Ok(Ok(ev)) => {
                    if let Some(exit) = lp.on_event(ev) {
                        return Ok(exit);
                    }
                }
                Ok(Err(e)) => return Err(e.into()),
                Err(_) => break,
            }
        }
        for _ in 0..MAX_BURST {
            let Some(Ok(ev)) = lp.run_events.as_mut().map(|rx| rx.try_recv()) else {
                break;
            };
            lp.app.on_run_event(ev);
            lp.dirty = true;
        }
        if lp
            .snapshots
            .as_ref()
            .is_some_and(|rx| rx.has_changed().unwrap_or(false))
        {
            lp.take_snapshot();
        }
        if lp.dirty && lp.draw(guard)? {
            if let Some(exit) = drain_typed_ahead(&mut lp, &mut input)? {
                return Ok(exit);
            }
            // The frame shows how many keys were dropped.
            if lp.dirty {
                lp.draw(guard)?;
            }
        }
    }
}
