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
