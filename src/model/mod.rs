//! Plain data shared by every layer: no I/O, no async, only serde.

pub mod arc;
pub mod health;
pub mod snapshot;
pub mod stores;

pub use arc::{ControlState, RuleConfig, RuleType, SafetyRule, SafetyRuleKind};
pub use health::{AlarmState, Verdict};
pub use snapshot::{Mode, Role};
