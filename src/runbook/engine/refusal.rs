//! Reading ARC's refusal of a routing-control change without depending on its
//! message format (which AWS does not document, AWS-FACTS.md): the rules ARC named,
//! or, when it named none, the rules the environment file's rules predict are
//! violated; and a refusal that only a rule's wait period explains (gating or
//! assertion rule `WaitPeriodMs`: after a change to a governed control, requests
//! against it fail for that long) is "wait and retry", not break-glass.

use super::Engine;
use super::world::{CallError, CallErrorKind, World};
use crate::model::arc::evaluate_update;
use crate::model::{ControlState, SafetyRule};
use crate::runbook::condition::Probe;
use crate::runbook::plan::Mutation;
use std::collections::HashMap;

/// What a refused routing-control change means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RuleReading {
    /// ARC named these rules and the current states violate them: break-glass.
    Named(Vec<String>),
    /// ARC named no rule; the environment file's rules predict these are violated.
    Predicted(Vec<String>),
    /// The states satisfy every rule concerned: only their wait period refused it.
    WaitPeriod { rules: Vec<String>, wait_ms: u64 },
    /// Not a safety-rule refusal (or nothing to tell it by).
    NotARule,
}

/// AWS codes under which a rule refusal may come (AWS-FACTS.md: which exception class
/// carries it is not verified).
fn may_be_rule_refusal(e: &CallError) -> bool {
    e.kind == CallErrorKind::SafetyRule
        || matches!(
            e.aws_code.as_deref(),
            Some("ConflictException" | "ValidationException")
        )
}

/// Judges a refusal on the rules and the states as they stand. `current` holds the
/// states read now; `None` when any needed control could not be read.
pub(super) fn read(
    rules: &[SafetyRule],
    current: Option<&HashMap<String, ControlState>>,
    updates: &[(String, ControlState)],
    overrides: &[String],
    named: &[String],
    names: &HashMap<String, String>,
) -> RuleReading {
    let Some(current) = current else {
        // Nothing to judge by: keep what ARC said.
        return if named.is_empty() {
            RuleReading::NotARule
        } else {
            RuleReading::Named(named.to_vec())
        };
    };
    let violated: Vec<String> = evaluate_update(rules, current, updates, overrides, &[], names)
        .into_iter()
        .map(|v| v.rule_arn)
        .collect();
    let touched = |r: &SafetyRule| {
        r.governed().iter().any(|c| {
            updates
                .iter()
                .any(|(a, s)| a == c && current.get(a) != Some(s))
        })
    };
    let waiting = |concerned: Vec<&SafetyRule>| {
        let waits: Vec<&SafetyRule> = concerned
            .into_iter()
            .filter(|r| r.wait_period_ms > 0)
            .collect();
        if waits.is_empty() {
            None
        } else {
            Some(RuleReading::WaitPeriod {
                rules: waits.iter().map(|r| r.name.clone()).collect(),
                wait_ms: waits.iter().map(|r| r.wait_period_ms).max().unwrap_or(0),
            })
        }
    };
    if !named.is_empty() {
        if named.iter().any(|n| violated.contains(n)) {
            return RuleReading::Named(named.to_vec());
        }
        // Every named rule holds on the states: its wait period refused the change.
        let concerned: Vec<&SafetyRule> = rules.iter().filter(|r| named.contains(&r.arn)).collect();
        let all_known = concerned.len() == named.len();
        return match waiting(concerned) {
            Some(w) if all_known => w,
            _ => RuleReading::Named(named.to_vec()),
        };
    }
    if !violated.is_empty() {
        return RuleReading::Predicted(violated);
    }
    waiting(rules.iter().filter(|r| touched(r)).collect()).unwrap_or(RuleReading::NotARule)
}

impl Engine {
    /// Reads the controls the rules watch, now, and judges a refused call.
    pub(super) fn read_refusal(
        &self,
        i: usize,
        call: &Mutation,
        e: &CallError,
        w: &mut dyn World,
    ) -> RuleReading {
        let Mutation::UpdateRoutingControlStates { entries, .. } = call else {
            return RuleReading::NotARule;
        };
        if !may_be_rule_refusal(e) {
            return RuleReading::NotARule;
        }
        let mut arns: Vec<String> = self
            .ctx
            .safety_rules
            .iter()
            .flat_map(|r| r.controls().cloned())
            .chain(entries.iter().map(|e| e.routing_control_arn.clone()))
            .collect();
        arns.sort();
        arns.dedup();
        let probes: Vec<Probe> = arns
            .iter()
            .map(|a| Probe::Control { arn: a.clone() })
            .collect();
        let facts = w.read(&probes);
        let complete = arns.iter().all(|a| facts.controls.contains_key(a));
        let updates: Vec<(String, ControlState)> = entries
            .iter()
            .map(|e| (e.routing_control_arn.clone(), e.routing_control_state))
            .collect();
        read(
            &self.ctx.safety_rules,
            complete.then_some(&facts.controls),
            &updates,
            &self.steps[i].overrides,
            &e.blocking_rules,
            &self.ctx.control_names,
        )
    }

    /// "ARC refused without naming a rule; the environment file's rules predict …"
    pub(super) fn explain_predicted(&self, arns: &[String], message: &str) -> String {
        let names: Vec<String> = arns
            .iter()
            .map(|a| {
                self.ctx
                    .safety_rules
                    .iter()
                    .find(|r| &r.arn == a)
                    .map_or_else(|| a.clone(), |r| format!("{} ({a})", r.name))
            })
            .collect();
        format!(
            "ARC refused the change without naming a safety rule ({message}). PREDICTED from \
             the environment file's rules (not named by ARC): it violates {}. A break-glass \
             override of {} predicted rule{} is possible with a typed reason.",
            names.join("; "),
            if arns.len() == 1 { "this" } else { "these" },
            if arns.len() == 1 { "" } else { "s" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::arc::{RuleConfig, RuleType, SafetyRuleKind};
    use ControlState::{Off, On};

    const A: &str = "arn:cell-a";
    const B: &str = "arn:cell-b";
    const RULE: &str = "arn:aws:route53-recovery-control::1:controlpanel/p/safetyrule/one-on";

    fn at_least_one_on(wait_period_ms: u64) -> SafetyRule {
        SafetyRule {
            name: "at-least-one-cell-on".into(),
            arn: RULE.into(),
            kind: SafetyRuleKind::Assertion {
                asserted: vec![A.into(), B.into()],
            },
            config: RuleConfig {
                kind: RuleType::Atleast,
                threshold: 1,
                inverted: false,
            },
            wait_period_ms,
        }
    }

    fn states(a: ControlState, b: ControlState) -> HashMap<String, ControlState> {
        [(A.to_string(), a), (B.to_string(), b)]
            .into_iter()
            .collect()
    }

    fn all_off() -> Vec<(String, ControlState)> {
        vec![(A.into(), Off), (B.into(), Off)]
    }

    #[test]
    fn a_refusal_naming_no_rule_offers_the_predicted_rules() {
        let rules = [at_least_one_on(5000)];
        let now = states(On, Off);
        let r = read(&rules, Some(&now), &all_off(), &[], &[], &HashMap::new());
        assert_eq!(r, RuleReading::Predicted(vec![RULE.into()]));
    }

    #[test]
    fn a_named_rule_that_is_violated_is_break_glass() {
        let rules = [at_least_one_on(5000)];
        let now = states(On, Off);
        let r = read(
            &rules,
            Some(&now),
            &all_off(),
            &[],
            &[RULE.into()],
            &HashMap::new(),
        );
        assert_eq!(r, RuleReading::Named(vec![RULE.into()]));
    }

    /// A refusal that only the wait period explains: the change itself satisfies the
    /// rule (B On, A Off), yet ARC refused, naming the rule or not.
    #[test]
    fn a_refusal_only_the_wait_period_explains_is_wait_and_retry() {
        let rules = [at_least_one_on(5000)];
        let now = states(On, Off);
        let swap = vec![(A.to_string(), Off), (B.to_string(), On)];
        let want = RuleReading::WaitPeriod {
            rules: vec!["at-least-one-cell-on".into()],
            wait_ms: 5000,
        };
        assert_eq!(
            read(
                &rules,
                Some(&now),
                &swap,
                &[],
                &[RULE.into()],
                &HashMap::new()
            ),
            want
        );
        assert_eq!(
            read(&rules, Some(&now), &swap, &[], &[], &HashMap::new()),
            want
        );
        // No wait period and nothing violated: not a rule refusal at all.
        let rules = [at_least_one_on(0)];
        assert_eq!(
            read(&rules, Some(&now), &swap, &[], &[], &HashMap::new()),
            RuleReading::NotARule
        );
    }

    #[test]
    fn unreadable_states_keep_what_arc_said() {
        let rules = [at_least_one_on(5000)];
        assert_eq!(
            read(
                &rules,
                None,
                &all_off(),
                &[],
                &[RULE.into()],
                &HashMap::new()
            ),
            RuleReading::Named(vec![RULE.into()])
        );
        assert_eq!(
            read(&rules, None, &all_off(), &[], &[], &HashMap::new()),
            RuleReading::NotARule
        );
    }
}
