//! The live console: state, keymap, rendering and the event loop.
//!
//! Rendering is a pure function of [`app::App`] and the current time, so every screen
//! can be tested on a `TestBackend`; the event loop is the only part that touches the
//! terminal, the clock and the data feed.

pub mod action;
pub mod app;
pub mod event_loop;
pub mod feed;
pub mod gameday;
pub mod guard;
pub mod keymap;
pub mod logging;
pub mod rows;
pub mod runbook;
/// Synthetic snapshots for screen tests and benches; not in a release build.
#[cfg(any(test, feature = "test-hooks"))]
pub mod synthetic;
pub mod terminal;
pub mod view;

pub use action::Action;
pub use app::{App, ConsoleInfo};
pub use feed::{Connected, FaultEntry, GameDay, GameDayEvent, GameDayRequest};
