//! Routing controls and safety rules, judged as ARC judges them.

use super::{ArcError, ControlView};
use crate::config::Environment;
use crate::model::arc::evaluate_update;
use crate::model::{ControlState, SafetyRule};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// ARC refuses batches larger than this.
const MAX_BATCH: usize = crate::model::arc::ARC_MAX_CONTROLS_PER_UPDATE;

#[derive(Debug, Clone)]
struct Control {
    panel_arn: String,
    panel_name: String,
    arn: String,
    name: String,
    state: ControlState,
    /// Last sim time the state actually changed; starts the wait periods.
    changed: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub(super) struct ArcState {
    /// Owner of every routing control: the environment's account.
    account: String,
    controls: Vec<Control>,
    panels: Vec<(String, String)>,
    rules: Vec<SafetyRule>,
    /// The ARN of each rule's control panel, parallel to `rules` (the control-config
    /// API lists rules per panel; the data plane judges them all together).
    rule_panels: Vec<String>,
    /// Set while fault `arc_config_drift` holds: what it changed, so it can be undone.
    drift: Option<Drift>,
}

/// What `arc_config_drift` changed: the control it added and the wait period it raised.
#[derive(Debug, Clone)]
struct Drift {
    added_arn: String,
    /// Index into `rules` and that rule's wait period before the drift.
    raised: Option<(usize, u64)>,
}

/// The name of the routing control fault `arc_config_drift` adds (twin's choice,
/// fixed so `discover --check` tests can look for it).
pub const DRIFT_CONTROL_NAME: &str = "drift-added-control";
/// How much `arc_config_drift` raises the first safety rule's wait period.
pub const DRIFT_WAIT_RAISE_MS: u64 = 1000;

/// A control panel as the control-config API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelConfig {
    pub name: String,
    pub arn: String,
}

/// A routing control as the control-config API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlConfig {
    pub panel_arn: String,
    pub arn: String,
    pub name: String,
}

impl ArcState {
    pub(super) fn new(env: &Environment, account: &str) -> ArcState {
        let panel_arn = |name: &str| {
            env.arc
                .panels
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.arn.clone())
                .unwrap_or_default()
        };
        ArcState {
            account: account.to_string(),
            controls: env
                .arc
                .controls
                .iter()
                .map(|c| Control {
                    panel_arn: panel_arn(&c.panel),
                    panel_name: c.panel.clone(),
                    arn: c.arn.clone(),
                    name: c.name.clone(),
                    state: c.initial,
                    changed: None,
                })
                .collect(),
            panels: env
                .arc
                .panels
                .iter()
                .map(|p| (p.name.clone(), p.arn.clone()))
                .collect(),
            rules: env.arc.rules.iter().map(|r| r.rule.clone()).collect(),
            rule_panels: env.arc.rules.iter().map(|r| panel_arn(&r.panel)).collect(),
            drift: None,
        }
    }

    pub(super) fn panel_configs(&self) -> Vec<PanelConfig> {
        self.panels
            .iter()
            .map(|(name, arn)| PanelConfig {
                name: name.clone(),
                arn: arn.clone(),
            })
            .collect()
    }

    /// Every routing control with its panel, in the environment's order (a drifted
    /// control last).
    pub(super) fn control_configs(&self) -> Vec<ControlConfig> {
        self.controls
            .iter()
            .map(|c| ControlConfig {
                panel_arn: c.panel_arn.clone(),
                arn: c.arn.clone(),
                name: c.name.clone(),
            })
            .collect()
    }

    /// Every safety rule with its panel's ARN, in the environment's order.
    pub(super) fn rule_configs(&self) -> Vec<(String, SafetyRule)> {
        self.rule_panels
            .iter()
            .cloned()
            .zip(self.rules.iter().cloned())
            .collect()
    }

    pub(super) fn drifted(&self) -> bool {
        self.drift.is_some()
    }

    /// Fault `arc_config_drift`: adds an Off routing control to the first panel and
    /// raises the first safety rule's wait period, as if someone had edited the
    /// configuration outside the environment file. Idempotent; no panel, no change.
    pub(super) fn drift(&mut self) {
        if self.drift.is_some() {
            return;
        }
        let Some((panel_name, panel_arn)) = self.panels.first().cloned() else {
            return;
        };
        // 16 hex digits like the environment's own control ARNs (twin's choice),
        // derived from the panel so the ARN is the same on every run.
        let arn = format!(
            "{panel_arn}/routingcontrol/{:016x}",
            fnv1a(format!("{panel_arn}/{DRIFT_CONTROL_NAME}").as_bytes())
        );
        self.controls.push(Control {
            panel_arn,
            panel_name,
            arn: arn.clone(),
            name: DRIFT_CONTROL_NAME.to_string(),
            state: ControlState::Off,
            changed: None,
        });
        let raised = self.rules.first_mut().map(|r| {
            let before = r.wait_period_ms;
            r.wait_period_ms = before.saturating_add(DRIFT_WAIT_RAISE_MS);
            (0, before)
        });
        self.drift = Some(Drift {
            added_arn: arn,
            raised,
        });
    }

    /// Fault `arc_config_drift_reverted`: removes the added control and restores the
    /// wait period.
    pub(super) fn undrift(&mut self) {
        let Some(d) = self.drift.take() else {
            return;
        };
        self.controls.retain(|c| c.arn != d.added_arn);
        if let Some((i, before)) = d.raised
            && let Some(r) = self.rules.get_mut(i)
        {
            r.wait_period_ms = before;
        }
    }

    fn view(&self, c: &Control) -> ControlView {
        ControlView {
            panel_arn: c.panel_arn.clone(),
            panel_name: c.panel_name.clone(),
            arn: c.arn.clone(),
            name: c.name.clone(),
            state: c.state,
            owner: self.account.clone(),
        }
    }

    pub(super) fn get(&self, arn: &str) -> Result<ControlView, ArcError> {
        check_arn_shape(arn)?;
        self.controls
            .iter()
            .find(|c| c.arn == arn)
            .map(|c| self.view(c))
            .ok_or_else(|| ArcError::NotFound(format!("routing control {arn} not found")))
    }

    pub(super) fn list(&self, panel_arn: Option<&str>) -> Result<Vec<ControlView>, ArcError> {
        if let Some(p) = panel_arn
            && !self.panels.iter().any(|(_, arn)| arn == p)
        {
            return Err(ArcError::NotFound(format!("control panel {p} not found")));
        }
        Ok(self
            .controls
            .iter()
            .filter(|c| panel_arn.is_none_or(|p| c.panel_arn == p))
            .map(|c| self.view(c))
            .collect())
    }

    /// Rules whose wait period, started by the last change to a governed control, is
    /// still running at `now`.
    fn in_wait(&self, now: DateTime<Utc>) -> Vec<String> {
        self.rules
            .iter()
            .filter(|rule| {
                let wait = Duration::milliseconds(
                    i64::try_from(rule.wait_period_ms).unwrap_or(i64::MAX / 2),
                );
                rule.governed().iter().any(|arn| {
                    self.controls
                        .iter()
                        .find(|c| &c.arn == arn)
                        .and_then(|c| c.changed)
                        .is_some_and(|t| now < t + wait)
                })
            })
            .map(|r| r.arn.clone())
            .collect()
    }

    pub(super) fn update(
        &mut self,
        now: DateTime<Utc>,
        updates: &[(String, ControlState)],
        overrides: &[String],
    ) -> Result<(), ArcError> {
        if updates.is_empty() {
            return Err(ArcError::Validation(
                "UpdateRoutingControlStateEntries must not be empty".into(),
            ));
        }
        if updates.len() > MAX_BATCH {
            return Err(ArcError::Validation(format!(
                "at most {MAX_BATCH} routing controls per update, got {}",
                updates.len()
            )));
        }
        if let Some((_, (arn, _))) = updates
            .iter()
            .enumerate()
            .find(|(i, (arn, _))| updates[..*i].iter().any(|(a, _)| a == arn))
        {
            return Err(ArcError::Validation(format!(
                "routing control {arn} appears more than once in one update"
            )));
        }
        for (arn, _) in updates {
            check_arn_shape(arn)?;
        }
        if let Some((arn, _)) = updates
            .iter()
            .find(|(arn, _)| !self.controls.iter().any(|c| &c.arn == arn))
        {
            return Err(ArcError::NotFound(format!(
                "routing control {arn} not found"
            )));
        }
        let current: HashMap<String, ControlState> = self
            .controls
            .iter()
            .map(|c| (c.arn.clone(), c.state))
            .collect();
        let names: HashMap<String, String> = self
            .controls
            .iter()
            .map(|c| (c.arn.clone(), c.name.clone()))
            .collect();
        let violations = evaluate_update(
            &self.rules,
            &current,
            updates,
            overrides,
            &self.in_wait(now),
            &names,
        );
        if !violations.is_empty() {
            let parts: Vec<String> = violations
                .iter()
                .map(|v| {
                    format!(
                        "safety rule {} ({}) blocks it: {}",
                        v.rule_arn, v.rule_name, v.reason
                    )
                })
                .collect();
            return Err(ArcError::Conflict {
                message: format!("update rejected; {}", parts.join("; ")),
                rule_arns: violations.into_iter().map(|v| v.rule_arn).collect(),
            });
        }
        for (arn, state) in updates {
            if let Some(c) = self.controls.iter_mut().find(|c| &c.arn == arn)
                && c.state != *state
            {
                c.state = *state;
                c.changed = Some(now);
            }
        }
        Ok(())
    }
}

/// FNV-1a, 64 bits: a stable hash for the twin's derived identifiers (std's hasher
/// is not guaranteed stable across releases).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A RoutingControlArn that is not an ARN at all is refused with ValidationException
/// (the API reference types it as an ARN; ARC's exact pattern is unverified, so only
/// the shape `arn:partition:route53-recovery-control::account:controlpanel/…/routingcontrol/…`
/// is checked). A well-formed ARN that names nothing stays ResourceNotFound.
fn check_arn_shape(arn: &str) -> Result<(), ArcError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = matches!(
        parts.as_slice(),
        ["arn", partition, "route53-recovery-control", _, account, resource]
            if !partition.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.starts_with("controlpanel/")
                && resource.contains("/routingcontrol/")
    );
    if ok {
        Ok(())
    } else {
        Err(ArcError::Validation(format!(
            "RoutingControlArn {arn:?} is not a routing control ARN"
        )))
    }
}
