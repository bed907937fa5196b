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

/// The twin's fault catalogue and where to send a choice. Injection runs outside the
/// UI task: the receiver side (in `cli::console`) calls into the emulator.
#[derive(Debug, Clone)]
pub struct GameDay {
    pub entries: Vec<FaultEntry>,
    pub inject: mpsc::UnboundedSender<usize>,
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
