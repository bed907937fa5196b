//! Scenarios: timed faults read from `assets/scenarios/*.yaml`.
//!
//! SKELETON: the world helper owns this file.

/// One fault the twin can inject (from a scenario or the console's game-day menu).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    RegionImpaired { region: String },
    RegionRecovered { region: String },
}
