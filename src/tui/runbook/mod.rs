//! Runbooks in the console: the link to the runbook service, the view's state, the
//! dialogs, and how actions change them. Rendering is in `tui::view::runbook`.

mod apply;
pub mod dialog;
pub mod link;
pub mod state;

pub use dialog::{DialogKind, RunDialog};
pub use link::{CatalogueEntry, Opened, RunEvent, RunRequest, RunbookLink, UnfinishedRun};
pub use state::{OpenRunbook, RunbookState};
