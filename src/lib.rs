//! drconsole: a terminal console for multi-Region disaster recovery on AWS.
//!
//! Layers, top to bottom (each depends only on those below it):
//! `cli` → `tui` → `runbook` → `monitor` → `provider` → `model`/`config`.
//! `emulator` (the simulated twin) depends only on `model` and `config`.

pub mod cli;
pub mod config;
pub mod discover;
pub mod doctor;
pub mod emulator;
pub mod model;
pub mod monitor;
pub mod provider;
pub mod runbook;
pub mod tui;
