//! What the console is fed: snapshots from the monitor and, on the twin, a game-day
//! fault injector. The UI never awaits the network; it only receives from channels.

use crate::model::snapshot::Snapshot;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// One fault the game-day menu offers (from the scenario catalogue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultEntry {
    pub label: String,
    pub detail: String,
}

/// The twin's fault catalogue and the link to the task that talks to the twin (in
/// `cli::gameday`): requests go out, results come back, the UI never waits.
#[derive(Debug)]
pub struct GameDay {
    pub entries: Vec<FaultEntry>,
    pub requests: mpsc::UnboundedSender<GameDayRequest>,
    pub events: mpsc::UnboundedReceiver<GameDayEvent>,
}

/// What the fault menu asks of the twin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GameDayRequest {
    /// Which faults are in force now.
    Refresh,
    /// Inject catalogue entry `i`.
    Inject(usize),
    /// Clear the active fault shown with this label.
    Clear(String),
}

/// What the twin answered. Every answer carries the faults in force afterwards
/// (their labels, in the twin's order), except a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GameDayEvent {
    Active(Vec<String>),
    Injected {
        label: String,
        active: Vec<String>,
    },
    Cleared {
        label: String,
        active: Vec<String>,
    },
    /// Asked to clear a fault that was no longer in force.
    Gone {
        label: String,
        active: Vec<String>,
    },
    /// The twin did not confirm: `what` says what was tried.
    Failed {
        what: String,
        error: String,
    },
}

/// A live data path, available once the target is connected.
#[derive(Debug)]
pub struct Connected {
    /// Each new value is a complete, immutable snapshot.
    pub snapshots: watch::Receiver<Arc<Snapshot>>,
    pub game_day: Option<GameDay>,
    /// The runbook service; `None` where runbooks are not offered.
    pub runbooks: Option<crate::tui::runbook::RunbookLink>,
}

/// Where the data path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedState {
    /// Credentials, the twin or the first poll are still on their way.
    Connecting,
    Connected,
    /// The data path could not be set up; the dashboard stays up to say so.
    Failed(String),
    /// The monitor stopped publishing.
    Ended,
}
