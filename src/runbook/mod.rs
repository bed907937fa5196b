//! Guided runbooks: the file format, validation against the environment, the plan
//! of exact API calls, the execution state machine, and the crash-proof journal.
//!
//! Everything here is synchronous and free of network I/O: the engine reaches the
//! world only through [`engine::World`], so the console and headless runner can back
//! it with the AWS provider, and tests with fakes.

pub mod condition;
pub mod driver;
pub mod engine;
pub mod error;
pub mod file;
pub mod journal;
mod kinds;
pub mod local_command;
pub mod plan;
mod resolve;
mod resolve_capacity;
pub mod step;
pub mod summary;
pub mod template;
pub mod validate;

pub use condition::{Condition, Facts, Probe, Truth};
pub use error::{RunbookError, RunbookErrorKind, RunbookErrors};
pub use plan::Mutation;
pub use step::{Runbook, Step, StepKind};
