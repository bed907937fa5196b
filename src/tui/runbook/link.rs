//! The console's line to the runbook service (in `cli::console_runbooks`): requests go
//! out, events come back. The UI only sends and receives on channels; loading files,
//! the driver and the journal live on the other side.

use crate::model::SafetyRule;
use crate::runbook::Runbook;
use crate::runbook::driver::RunClock;
use crate::runbook::engine::{Command, RunView};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::mpsc;

/// One runbook file found under `runbooks/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// The file stem, as `:run NAME` takes it.
    pub name: String,
    /// The runbook's own name and summary, or why the file does not validate.
    pub title: String,
    pub summary: Option<String>,
    pub error: Option<String>,
}

/// A run that started and never ended: offered for resume on start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfinishedRun {
    pub run_id: String,
    pub runbook: String,
    pub started_at: Option<DateTime<Utc>>,
    pub initiator: String,
    /// The last step that moved, and its status word.
    pub last_step: Option<String>,
    /// Who holds the run's lock now (a live console), if anyone: such a run is not
    /// offered for resume.
    pub held_by: Option<String>,
    /// The name left in the lock by a console that died without releasing it.
    pub left_by_dead: Option<String>,
    /// Why the journal could not be read: listed, never offered.
    pub unreadable: Option<String>,
    /// The twin started with this console and does not remember the earlier run's
    /// calls.
    pub fresh_twin: bool,
}

impl UnfinishedRun {
    /// A run this console may offer to continue.
    pub fn resumable(&self) -> bool {
        self.held_by.is_none() && self.unreadable.is_none()
    }

    /// Why a run is not offered, in one line.
    pub fn why_not_offered(&self) -> Option<String> {
        if let Some(h) = &self.held_by {
            return Some(format!(
                "run {} is held by a live console ({h}); not offered for resume",
                self.run_id
            ));
        }
        self.unreadable
            .as_ref()
            .map(|why| format!("run {} cannot be resumed: {why}", self.run_id))
    }
}

/// A runbook loaded and validated against the environment, with what the console
/// needs to preview routing-control changes over the last snapshot.
#[derive(Debug, Clone)]
pub struct Opened {
    pub file: String,
    pub runbook: Arc<Runbook>,
    pub safety_rules: Arc<Vec<SafetyRule>>,
    /// Control ARN → name.
    pub control_names: Arc<HashMap<String, String>>,
    /// The run's clock (the twin's scaled time in a rehearsal): countdowns and the RTO
    /// clock are read on it.
    pub clock: RunClock,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunRequest {
    /// Load and validate `runbooks/NAME.yaml` (or a path) with these parameters.
    Open {
        name: String,
        params: BTreeMap<String, String>,
    },
    /// Start a new run of the open runbook.
    Start {
        name: String,
        params: BTreeMap<String, String>,
    },
    /// Continue an unfinished run from its journal.
    Resume { run_id: String },
    /// An operator command for the running run (pause, resume, abort).
    Command(Command),
    /// A command for one step (confirm, skip, retry, override, tick), refused by the
    /// engine if that step is no longer the current one.
    StepCommand { step: String, cmd: Command },
}

#[derive(Debug, Clone)]
pub enum RunEvent {
    Catalogue(Vec<CatalogueEntry>),
    /// The runbook search path, absolute; sent after the catalogue.
    SearchedDirs(Vec<std::path::PathBuf>),
    Unfinished(Vec<UnfinishedRun>),
    Opened(Opened),
    /// Open, start or resume failed; the words say why.
    Failed(String),
    /// The run's state after each engine call.
    View(Box<RunView>),
    /// The engine refused an operator command; the run is unchanged.
    Refused(String),
    /// The run's journal summary once it ended (RTO, data loss, who confirmed what).
    Summary(Box<crate::runbook::summary::Summary>),
}

/// Both ends as the UI holds them.
#[derive(Debug)]
pub struct RunbookLink {
    pub requests: mpsc::UnboundedSender<RunRequest>,
    pub events: mpsc::UnboundedReceiver<RunEvent>,
}

/// `NAME k=v k=v` as typed after `:run`.
pub fn parse_run_args(text: &str) -> Result<(String, BTreeMap<String, String>), String> {
    let mut words = text.split_whitespace();
    let name = words
        .next()
        .ok_or_else(|| "which runbook? :run NAME [k=v…] (r lists them)".to_string())?;
    let mut params = BTreeMap::new();
    for w in words {
        let (k, v) = w
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| format!("parameter `{w}` is not k=v"))?;
        params.insert(k.to_string(), v.to_string());
    }
    Ok((name.to_string(), params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_args_parse() {
        let (n, p) = parse_run_args("pilot-light-failover to=us-east-1 from=us-west-2").unwrap();
        assert_eq!(n, "pilot-light-failover");
        assert_eq!(p.get("to").map(String::as_str), Some("us-east-1"));
        assert_eq!(p.len(), 2);
        assert!(parse_run_args("").is_err());
        assert!(parse_run_args("x =y").is_err());
        assert!(parse_run_args("x novalue").is_err());
    }
}
