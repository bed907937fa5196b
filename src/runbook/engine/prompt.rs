//! The confirm dialog's words: what will change, where, and the risk, read fresh.

use super::Engine;
use super::status::Prompt;
use super::world::World;
use crate::model::ControlState;
use crate::model::arc::evaluate_update;
use crate::runbook::condition::Probe;
use crate::runbook::step::{Confirm, StepKind};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The data-loss line of a failover dialog. RPO lag is a lower bound on what is lost:
/// it is the committed-but-unreplicated window as of its sample time, and the old
/// primary may still be taking writes (write fencing is best-effort, AWS-FACTS.md).
/// The sample time is part of the words, so the journal's copy of the prompt keeps it.
pub fn data_loss_risk(
    lag_ms: Option<f64>,
    sampled: Option<DateTime<Utc>>,
    from_region: &str,
    allow_data_loss: bool,
) -> String {
    match (lag_ms, allow_data_loss) {
        (_, false) => "data loss is not allowed: the failover waits for full sync".into(),
        (Some(ms), true) => {
            let when = sampled
                .map(|t| format!(" as of {}", t.format("%H:%M:%S")))
                .unwrap_or_default();
            format!(
                "at least ≈{:.1} s of writes in {from_region}{when}; more if {from_region} still accepts writes",
                ms / 1000.0
            )
        }
        (None, true) => format!(
            "RPO lag is unknown: an unknown amount of committed writes in {from_region} may be lost"
        ),
    }
}

impl Engine {
    /// Reads the data-loss estimate again as the operator confirms a failover, so the
    /// number confirmed (and journaled) is current, not the one drawn minutes earlier.
    pub(super) fn reread_data_loss(&self, i: usize, mut p: Prompt, w: &mut dyn World) -> Prompt {
        if let StepKind::AuroraFailover {
            database,
            from_region,
            to_region,
            allow_data_loss: true,
            ..
        } = &self.rb.steps[i].kind
        {
            let key = (database.clone(), to_region.clone());
            let facts = w.read(&[Probe::RpoLag {
                database: database.clone(),
                region: to_region.clone(),
            }]);
            let lag = facts.rpo_lag_ms.get(&key).copied();
            p.data_loss_ms = lag;
            p.risk = Some(data_loss_risk(
                lag,
                facts.rpo_lag_at.get(&key).copied(),
                from_region,
                true,
            ));
        }
        p
    }

    pub(super) fn prompt(&self, i: usize, w: &mut dyn World, resend: bool) -> Prompt {
        let step = &self.rb.steps[i];
        // A re-send shows the call as it was first sent (a restore's chosen point).
        let calls: Vec<crate::runbook::plan::Mutation> = (0..self.calls[i].len())
            .filter_map(|c| self.call_of(i, c))
            .collect();
        let target = calls.first().map(|c| c.endpoint()).unwrap_or_default();
        let typed = (step.confirm == Confirm::Typed).then(|| step.kind.typed_target());
        // The calls exactly as they will be sent, SafetyRulesToOverride included.
        let overrides = &self.steps[i].overrides;
        let call_lines = calls
            .iter()
            .map(|c| {
                let c = c.clone().with_overrides(overrides);
                format!("{} {}", c.headline(), c.parameters().join(" "))
            })
            .collect();
        let mut p = Prompt {
            what: what(&step.kind, &step.title),
            target,
            risk: None,
            rules: None,
            typed,
            calls: call_lines,
            resend,
            data_loss_ms: None,
            break_glass: None,
        };
        match &step.kind {
            StepKind::AuroraFailover {
                database,
                from_region,
                to_region,
                allow_data_loss,
                ..
            } => {
                let probe = Probe::RpoLag {
                    database: database.clone(),
                    region: to_region.clone(),
                };
                let facts = w.read(&[probe]);
                let key = (database.clone(), to_region.clone());
                let lag = facts.rpo_lag_ms.get(&key).copied();
                p.data_loss_ms = lag;
                p.risk = Some(data_loss_risk(
                    lag,
                    facts.rpo_lag_at.get(&key).copied(),
                    from_region,
                    *allow_data_loss,
                ));
            }
            StepKind::AuroraSwitchover { from_region, .. } => {
                p.risk = Some(format!(
                    "writes in {from_region} pause while the switchover waits for full sync (RPO 0)"
                ));
            }
            StepKind::PromoteReplica { instance_id, .. } => {
                p.risk = Some(format!(
                    "{instance_id} stops replicating and reboots as a standalone primary; this cannot be undone"
                ));
            }
            StepKind::Command { .. } => {
                p.risk = Some("runs a local program with your credentials".into());
            }
            StepKind::DeleteRestored { .. } => {
                p.risk = Some(
                    "deletes the cluster without a final snapshot (its data is the recovery \
                     point it was restored from); this cannot be undone"
                        .into(),
                );
            }
            StepKind::Scale {
                region,
                target,
                desired,
                ..
            } => {
                let facts = w.read(&[Probe::Capacity {
                    region: region.clone(),
                    target: target.clone(),
                }]);
                let now = match facts.capacity.get(&(region.clone(), target.clone())) {
                    Some(c) => format!(
                        "now {} {} in service of {} desired{}",
                        c.in_service,
                        target.unit(),
                        c.desired,
                        if c.warming > 0 {
                            format!(", {} warming up", c.warming)
                        } else {
                            String::new()
                        }
                    ),
                    None => "its capacity now is unknown".to_string(),
                };
                p.risk = Some(format!(
                    "{now}; asks {desired}. {}",
                    crate::runbook::plan::SCALE_CAVEAT
                ));
            }
            StepKind::CreateDbInstance { class, .. } => {
                p.risk = Some(format!(
                    "creates a {class} instance, billed from now; a control-plane call that \
                     may be slow or unavailable during a Regional event"
                ));
            }
            StepKind::RestoreBackup {
                resource,
                recovery_point,
                ..
            } => {
                let facts = w.read(&[Probe::RecoveryPoint {
                    resource: resource.clone(),
                }]);
                p.risk = Some(restore_risk(
                    recovery_point.as_deref(),
                    facts.recovery_points.get(resource).copied(),
                ));
                // Which point, as read now (`latest` is chosen again when sent).
                if recovery_point.is_none()
                    && let Some(arn) = facts.recovery_point_arns.get(resource)
                {
                    p.what = format!("{} — now {arn}", p.what);
                }
            }
            StepKind::RoutingControls { changes } => {
                let preview = self.preview_rules(i, changes, w);
                p.rules = Some(preview.rules);
                // Traffic leaving a Region: what that means for each store written there.
                let data: Vec<&String> = changes
                    .iter()
                    .filter(|c| c.state == crate::model::ControlState::Off)
                    .filter_map(|c| self.ctx.write_caveats.get(&c.gates))
                    .flatten()
                    .collect();
                p.risk = Some(if data.is_empty() {
                    preview.risk
                } else {
                    let list: Vec<&str> = data.iter().map(|s| s.as_str()).collect();
                    format!("{}. Data: {}", preview.risk, list.join("; "))
                });
                p.break_glass = preview.break_glass;
            }
            _ => {}
        }
        p
    }

    /// Evaluates the change against the environment's safety rules over fresh states.
    /// Overridden rules are still judged: the operator must see which rules the change
    /// violates, and that the override is what lets it through.
    fn preview_rules(
        &self,
        i: usize,
        changes: &[crate::runbook::step::ControlChange],
        w: &mut dyn World,
    ) -> RulePreview {
        let overrides = &self.steps[i].overrides;
        let break_glass = (!overrides.is_empty()).then(|| {
            let names: Vec<String> = overrides.iter().map(|a| self.rule_name(a)).collect();
            let reason = self.steps[i]
                .override_reason
                .as_deref()
                .unwrap_or("not journaled");
            format!(
                "override of {} in effect (reason: \"{reason}\"); ARC is told to ignore it",
                names.join(", ")
            )
        });
        // Every control the environment knows: the end state decides whether any
        // Region still serves traffic, not only the controls this step touches.
        let mut arns: Vec<String> = self
            .ctx
            .safety_rules
            .iter()
            .flat_map(|r| r.controls().cloned())
            .chain(changes.iter().map(|c| c.arn.clone()))
            .chain(self.ctx.control_names.keys().cloned())
            .collect();
        arns.sort();
        arns.dedup();
        let probes: Vec<Probe> = arns.into_iter().map(|arn| Probe::Control { arn }).collect();
        let facts = w.read(&probes);
        let unknown: Vec<String> = probes
            .iter()
            .filter_map(|p| match p {
                Probe::Control { arn } if !facts.controls.contains_key(arn) => {
                    Some(self.control_name(arn))
                }
                _ => None,
            })
            .collect();
        if !unknown.is_empty() {
            return RulePreview {
                rules: format!("cannot preview: state of {} is unknown", unknown.join(", ")),
                risk: "traffic moves as soon as ARC accepts; where it goes is unknown (control states unknown)".into(),
                break_glass,
            };
        }
        let updates: Vec<_> = changes.iter().map(|c| (c.arn.clone(), c.state)).collect();
        let current: HashMap<_, _> = facts.controls.clone();
        let violations = evaluate_update(
            &self.ctx.safety_rules,
            &current,
            &updates,
            &[],
            &[],
            &self.ctx.control_names,
        );
        let rules = if violations.is_empty() {
            "every safety rule holds after this change".into()
        } else {
            violations
                .iter()
                .map(|v| {
                    if overrides.contains(&v.rule_arn) {
                        format!("violates {v} (overridden)")
                    } else {
                        format!("would be blocked by {v}")
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut after = current;
        for (arn, state) in updates {
            after.insert(arn, state);
        }
        RulePreview {
            rules,
            risk: self.traffic_risk(&after),
            break_glass,
        }
    }

    /// Where traffic goes once the change is in, from the controls' end state.
    fn traffic_risk(&self, after: &HashMap<String, ControlState>) -> String {
        let mut on: Vec<String> = after
            .iter()
            .filter(|(_, s)| **s == ControlState::On)
            .map(|(arn, _)| self.control_name(arn))
            .collect();
        on.sort();
        if on.is_empty() {
            // Route 53 developer guide, "How Amazon Route 53 chooses records when health
            // checking is configured": when every record's health check is unhealthy,
            // Route 53 considers them all healthy (fails open).
            "no routing control is On after this change: no Region is meant to serve traffic, \
             and Route 53 fails open (answers with every record) when all health checks fail"
                .into()
        } else {
            format!(
                "traffic moves as soon as ARC accepts; On after this change: {}",
                on.join(", ")
            )
        }
    }

    fn control_name(&self, arn: &str) -> String {
        self.ctx
            .control_names
            .get(arn)
            .cloned()
            .unwrap_or_else(|| arn.to_string())
    }

    fn rule_name(&self, arn: &str) -> String {
        self.ctx
            .safety_rules
            .iter()
            .find(|r| r.arn == arn)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| arn.to_string())
    }
}

/// The routing-control part of a confirm prompt.
struct RulePreview {
    rules: String,
    risk: String,
    break_glass: Option<String>,
}

fn what(kind: &StepKind, title: &str) -> String {
    match kind {
        StepKind::RoutingControls { changes } => {
            let list: Vec<String> = changes
                .iter()
                .map(|c| format!("{} → {}", c.control, c.state))
                .collect();
            format!("Set routing controls: {}", list.join(", "))
        }
        StepKind::AuroraFailover {
            database,
            from_region,
            to_region,
            ..
        } => format!(
            "Fail over Aurora global database {database} from {from_region} to {to_region} (unplanned)"
        ),
        StepKind::AuroraSwitchover {
            database,
            from_region,
            to_region,
            ..
        } => format!(
            "Switch over Aurora global database {database} from {from_region} to {to_region} (planned)"
        ),
        StepKind::PromoteReplica {
            instance_id,
            region,
            ..
        } => format!("Promote read replica {instance_id} in {region} to a standalone primary"),
        StepKind::Command { program, args, .. } => {
            format!("Run `{program} {}`", args.join(" "))
        }
        StepKind::Manual { instructions, .. } => instructions.clone(),
        StepKind::DeleteRestored {
            restore_step,
            region,
            name,
            instances,
        } => format!(
            "Delete cluster {name} in {region}, which step {restore_step} of this run restored{}",
            if instances.is_empty() {
                String::new()
            } else {
                format!(", and its instances {}", instances.join(", "))
            }
        ),
        StepKind::CreateDbInstance {
            cluster,
            region,
            instance_id,
            class,
            ..
        } => format!("Create DB instance {instance_id} ({class}) in cluster {cluster} ({region})"),
        StepKind::Scale {
            group,
            region,
            target,
            desired,
            ..
        } => format!(
            "Scale {group} ({}) in {region} to {desired} {}",
            target.label(),
            target.unit()
        ),
        StepKind::RestoreBackup {
            resource,
            region,
            vault,
            recovery_point,
            name,
            ..
        } => format!(
            "Restore {resource} from {} in vault {vault} ({region}) as a new resource `{name}`",
            match recovery_point {
                Some(arn) => format!("recovery point {arn}"),
                None => "its newest COMPLETED recovery point (chosen when the call is sent)".into(),
            }
        ),
        _ => title.to_string(),
    }
}

/// The restore dialog's risk line: how old the restored data is, so how much newer
/// data will be missing, as a fresh read of the DR vault shows it.
pub fn restore_risk(
    recovery_point: Option<&str>,
    newest: Option<crate::runbook::condition::PointAge>,
) -> String {
    let age = |s: i64| {
        humantime::format_duration(std::time::Duration::from_secs(
            s.max(0).unsigned_abs() / 60 * 60,
        ))
        .to_string()
    };
    let tail = "a restore is a control-plane call that may be slow or unavailable during a \
                Regional event; the job takes minutes to hours";
    match (recovery_point, newest) {
        (Some(_), _) => format!(
            "restores the named point, whatever newer points exist: every write after its \
             backup time is missing; {tail}"
        ),
        (
            None,
            Some(crate::runbook::condition::PointAge {
                age_s: Some(s),
                exact: true,
            }),
        ) => format!(
            "the newest point is {} old: about {} of writes are not in it; {tail}",
            age(s),
            age(s)
        ),
        (
            None,
            Some(crate::runbook::condition::PointAge {
                age_s: Some(s),
                exact: false,
            }),
        ) => format!(
            "the newest point is at least {} old (its backup time is not known): at least \
             that much of writes is not in it; {tail}",
            age(s)
        ),
        (None, Some(crate::runbook::condition::PointAge { age_s: None, .. })) => format!(
            "the DR vault holds no COMPLETED point of this resource: the call will not be \
             sent; {tail}"
        ),
        (None, None) => {
            format!("the DR vault could not be read: how much data is missing is unknown; {tail}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Issue 8 §3: the estimate is a lower bound with its sample time.
    #[test]
    fn data_loss_is_worded_as_a_lower_bound_with_its_time() {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 14, 2, 10).single();
        assert_eq!(
            data_loss_risk(Some(1800.0), at, "us-east-1", true),
            "at least ≈1.8 s of writes in us-east-1 as of 14:02:10; more if us-east-1 still accepts writes"
        );
        assert!(data_loss_risk(None, None, "us-east-1", true).contains("unknown"));
        assert!(data_loss_risk(Some(1.0), at, "us-east-1", false).contains("not allowed"));
    }
}
