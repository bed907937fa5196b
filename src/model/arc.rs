//! ARC routing-control and safety-rule semantics, evaluated exactly as ARC does.
//!
//! The same evaluation serves the emulator (to accept or reject an update) and the
//! console (to preview a change before the operator confirms it).

/// ARC accepts at most 10 routing controls per UpdateRoutingControlStates call
/// (Route 53 ARC quotas, "Routing control data plane"; AWS-FACTS.md). The one place
/// this number lives: the planner batches by it, the provider and the twin enforce it.
pub const ARC_MAX_CONTROLS_PER_UPDATE: usize = 10;

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// The state of one routing control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ControlState {
    On,
    Off,
}

impl ControlState {
    /// The wire spelling used by ARC (`On` / `Off`).
    pub fn as_str(self) -> &'static str {
        match self {
            ControlState::On => "On",
            ControlState::Off => "Off",
        }
    }

    /// Parses ARC's spelling, case-insensitively (runbooks say `on` / `off`).
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("on") {
            Some(ControlState::On)
        } else if s.eq_ignore_ascii_case("off") {
            Some(ControlState::Off)
        } else {
            None
        }
    }
}

impl fmt::Display for ControlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RuleConfig.Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RuleType {
    Atleast,
    And,
    Or,
}

/// ARC's RuleConfig: how many of the listed controls must be On.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleConfig {
    #[serde(rename = "type")]
    pub kind: RuleType,
    #[serde(default)]
    pub threshold: u32,
    #[serde(default)]
    pub inverted: bool,
}

impl RuleConfig {
    /// True when the given control states satisfy the rule.
    pub fn holds(&self, states: &[ControlState]) -> bool {
        let on = states.iter().filter(|s| **s == ControlState::On).count();
        let raw = match self.kind {
            RuleType::Atleast => on >= self.threshold as usize,
            RuleType::And => on == states.len(),
            RuleType::Or => on >= 1,
        };
        raw != self.inverted
    }

    /// The rule in plain words over the named controls, e.g.
    /// "at least 1 of cell-use1, cell-usw2 must be On".
    pub fn describe(&self, names: &[&str]) -> String {
        let list = names.join(", ");
        let base = match self.kind {
            RuleType::Atleast => format!("at least {} of {list}", self.threshold),
            RuleType::And => format!("all of {list}"),
            RuleType::Or => format!("at least 1 of {list}"),
        };
        if self.inverted {
            format!("NOT ({base} On)")
        } else {
            format!("{base} must be On")
        }
    }
}

/// What a safety rule constrains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SafetyRuleKind {
    /// The asserted controls must satisfy the rule after every change that touches them.
    Assertion { asserted: Vec<String> },
    /// The target controls may change only while the gating controls satisfy the rule.
    Gating {
        gating: Vec<String>,
        targets: Vec<String>,
    },
}

/// One safety rule, with controls named by ARN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyRule {
    pub name: String,
    pub arn: String,
    pub kind: SafetyRuleKind,
    pub config: RuleConfig,
    pub wait_period_ms: u64,
}

impl SafetyRule {
    /// Every control the rule watches (asserted, or gating + targets).
    pub fn controls(&self) -> impl Iterator<Item = &String> {
        let (a, b): (&[String], &[String]) = match &self.kind {
            SafetyRuleKind::Assertion { asserted } => (asserted, &[]),
            SafetyRuleKind::Gating { gating, targets } => (gating, targets),
        };
        a.iter().chain(b.iter())
    }

    /// The controls whose change this rule governs (asserted, or targets).
    pub fn governed(&self) -> &[String] {
        match &self.kind {
            SafetyRuleKind::Assertion { asserted } => asserted,
            SafetyRuleKind::Gating { targets, .. } => targets,
        }
    }
}

/// Why an update was refused by a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleViolation {
    pub rule_name: String,
    pub rule_arn: String,
    pub reason: String,
}

impl fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "safety rule {} ({}): {}",
            self.rule_name, self.rule_arn, self.reason
        )
    }
}

/// Evaluates a proposed batch of updates against the rules, as ARC does.
///
/// `current` holds every control's state by ARN; `in_wait` lists rules still inside
/// their wait period after an earlier change. Rules named in `overrides` are skipped.
/// Returns every violated rule (empty means the update is allowed).
pub fn evaluate_update(
    rules: &[SafetyRule],
    current: &HashMap<String, ControlState>,
    updates: &[(String, ControlState)],
    overrides: &[String],
    in_wait: &[String],
    names: &HashMap<String, String>,
) -> Vec<RuleViolation> {
    let mut after = current.clone();
    for (arn, state) in updates {
        after.insert(arn.clone(), *state);
    }
    let touched = |arn: &String| {
        updates
            .iter()
            .any(|(a, s)| a == arn && current.get(a) != Some(s))
    };
    let name_of = |arn: &String| names.get(arn).cloned().unwrap_or_else(|| arn.clone());
    let mut out = Vec::new();
    for rule in rules {
        if overrides.iter().any(|o| o == &rule.arn) {
            continue;
        }
        if !rule.governed().iter().any(touched) {
            continue;
        }
        let gov_names: Vec<String> = rule.governed().iter().map(name_of).collect();
        if in_wait.iter().any(|w| w == &rule.arn) {
            out.push(RuleViolation {
                rule_name: rule.name.clone(),
                rule_arn: rule.arn.clone(),
                reason: format!(
                    "inside its {} ms wait period after an earlier change to {}",
                    rule.wait_period_ms,
                    gov_names.join(", ")
                ),
            });
            continue;
        }
        let (watched, state_source) = match &rule.kind {
            SafetyRuleKind::Assertion { asserted } => (asserted, &after),
            // A gating rule is judged on the gating controls as they stand; a batch may
            // flip the gate and the targets together, so use the post-update view.
            SafetyRuleKind::Gating { gating, .. } => (gating, &after),
        };
        let states: Vec<ControlState> = watched
            .iter()
            .map(|arn| state_source.get(arn).copied().unwrap_or(ControlState::Off))
            .collect();
        if !rule.config.holds(&states) {
            let watched_names: Vec<String> = watched.iter().map(name_of).collect();
            let refs: Vec<&str> = watched_names.iter().map(String::as_str).collect();
            let what = match &rule.kind {
                SafetyRuleKind::Assertion { .. } => "after this change".to_string(),
                SafetyRuleKind::Gating { .. } => {
                    format!("to change {}", gov_names.join(", "))
                }
            };
            out.push(RuleViolation {
                rule_name: rule.name.clone(),
                rule_arn: rule.arn.clone(),
                reason: format!("{} {what}", rule.config.describe(&refs)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ControlState::{Off, On};

    fn cfg(kind: RuleType, threshold: u32, inverted: bool) -> RuleConfig {
        RuleConfig {
            kind,
            threshold,
            inverted,
        }
    }

    #[test]
    fn rule_config_table() {
        let cases = [
            (cfg(RuleType::Atleast, 1, false), vec![On, Off], true),
            (cfg(RuleType::Atleast, 1, false), vec![Off, Off], false),
            (cfg(RuleType::Atleast, 2, false), vec![On, Off, On], true),
            (cfg(RuleType::Atleast, 2, true), vec![On, Off, On], false),
            (cfg(RuleType::And, 0, false), vec![On, On], true),
            (cfg(RuleType::And, 0, false), vec![On, Off], false),
            (cfg(RuleType::Or, 0, false), vec![Off, Off], false),
            (cfg(RuleType::Or, 0, false), vec![Off, On], true),
            (cfg(RuleType::Or, 0, true), vec![Off, Off], true),
        ];
        for (c, states, want) in cases {
            assert_eq!(c.holds(&states), want, "{c:?} over {states:?}");
        }
    }

    #[test]
    fn describe_reads_plainly() {
        let c = cfg(RuleType::Atleast, 1, false);
        assert_eq!(
            c.describe(&["cell-use1", "cell-usw2"]),
            "at least 1 of cell-use1, cell-usw2 must be On"
        );
    }

    fn world() -> (
        Vec<SafetyRule>,
        HashMap<String, ControlState>,
        HashMap<String, String>,
    ) {
        let rules = vec![
            SafetyRule {
                name: "one-cell-on".into(),
                arn: "rule-a".into(),
                kind: SafetyRuleKind::Assertion {
                    asserted: vec!["a".into(), "b".into()],
                },
                config: cfg(RuleType::Atleast, 1, false),
                wait_period_ms: 5000,
            },
            SafetyRule {
                name: "gate".into(),
                arn: "rule-g".into(),
                kind: SafetyRuleKind::Gating {
                    gating: vec!["g".into()],
                    targets: vec!["t".into()],
                },
                config: cfg(RuleType::And, 0, false),
                wait_period_ms: 5000,
            },
        ];
        let current = HashMap::from([
            ("a".to_string(), On),
            ("b".to_string(), Off),
            ("g".to_string(), Off),
            ("t".to_string(), Off),
        ]);
        (rules, current, HashMap::new())
    }

    #[test]
    fn assertion_blocks_turning_off_last_on() {
        let (rules, cur, names) = world();
        let v = evaluate_update(&rules, &cur, &[("a".into(), Off)], &[], &[], &names);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule_arn, "rule-a");
        let ok = evaluate_update(
            &rules,
            &cur,
            &[("a".into(), Off), ("b".into(), On)],
            &[],
            &[],
            &names,
        );
        assert!(ok.is_empty());
        let overridden = evaluate_update(
            &rules,
            &cur,
            &[("a".into(), Off)],
            &["rule-a".into()],
            &[],
            &names,
        );
        assert!(overridden.is_empty());
    }

    #[test]
    fn gating_blocks_targets_until_gate_on() {
        let (rules, cur, names) = world();
        let v = evaluate_update(&rules, &cur, &[("t".into(), On)], &[], &[], &names);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule_arn, "rule-g");
        // Changing the gate itself is not governed by the gating rule.
        assert!(evaluate_update(&rules, &cur, &[("g".into(), On)], &[], &[], &names).is_empty());
        let mut open = cur.clone();
        open.insert("g".into(), On);
        assert!(evaluate_update(&rules, &open, &[("t".into(), On)], &[], &[], &names).is_empty());
    }

    #[test]
    fn wait_period_blocks_governed_controls() {
        let (rules, cur, names) = world();
        let v = evaluate_update(
            &rules,
            &cur,
            &[("b".into(), On)],
            &[],
            &["rule-a".into()],
            &names,
        );
        assert_eq!(v.len(), 1);
        assert!(v[0].reason.contains("wait period"));
    }

    #[test]
    fn no_op_update_is_not_judged() {
        let (rules, cur, names) = world();
        // Setting a control to the state it already has changes nothing.
        assert!(
            evaluate_update(
                &rules,
                &cur,
                &[("b".into(), Off)],
                &[],
                &["rule-a".into()],
                &names
            )
            .is_empty()
        );
    }
}
