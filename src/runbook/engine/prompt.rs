//! The confirm dialog's words: what will change, where, and the risk, read fresh.

use super::Engine;
use super::status::Prompt;
use super::world::World;
use crate::model::arc::evaluate_update;
use crate::runbook::condition::Probe;
use crate::runbook::step::{Confirm, StepKind};
use std::collections::HashMap;

impl Engine {
    pub(super) fn prompt(&self, i: usize, w: &mut dyn World, resend: bool) -> Prompt {
        let step = &self.rb.steps[i];
        let calls = &self.calls[i];
        let target = calls.first().map(|c| c.endpoint()).unwrap_or_default();
        let typed = (step.confirm == Confirm::Typed).then(|| step.kind.typed_target());
        let call_lines = calls
            .iter()
            .map(|c| format!("{} {}", c.headline(), c.parameters().join(" ")))
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
                let lag = facts
                    .rpo_lag_ms
                    .get(&(database.clone(), to_region.clone()))
                    .copied();
                p.data_loss_ms = lag;
                p.risk = Some(match (lag, allow_data_loss) {
                    (_, false) => {
                        "data loss is not allowed: the failover waits for full sync".into()
                    }
                    (Some(ms), true) => format!(
                        "about {:.1} s of committed writes in {from_region} will be lost",
                        ms / 1000.0
                    ),
                    (None, true) => format!(
                        "RPO lag is unknown: an unknown amount of committed writes in {from_region} may be lost"
                    ),
                });
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
            StepKind::RoutingControls { changes } => {
                p.rules = Some(self.preview_rules(i, changes, w));
                p.risk = Some("traffic moves between Regions as soon as ARC accepts".into());
            }
            _ => {}
        }
        p
    }

    /// Evaluates the change against the environment's safety rules over fresh states.
    fn preview_rules(
        &self,
        i: usize,
        changes: &[crate::runbook::step::ControlChange],
        w: &mut dyn World,
    ) -> String {
        let arns: Vec<String> = self
            .ctx
            .safety_rules
            .iter()
            .flat_map(|r| r.controls().cloned())
            .chain(changes.iter().map(|c| c.arn.clone()))
            .collect();
        let mut probes: Vec<Probe> = Vec::new();
        for a in arns {
            let p = Probe::Control { arn: a };
            if !probes.contains(&p) {
                probes.push(p);
            }
        }
        let facts = w.read(&probes);
        let unknown: Vec<String> = probes
            .iter()
            .filter_map(|p| match p {
                Probe::Control { arn } if !facts.controls.contains_key(arn) => Some(
                    self.ctx
                        .control_names
                        .get(arn)
                        .cloned()
                        .unwrap_or_else(|| arn.clone()),
                ),
                _ => None,
            })
            .collect();
        if !unknown.is_empty() {
            return format!("cannot preview: state of {} is unknown", unknown.join(", "));
        }
        let updates: Vec<_> = changes.iter().map(|c| (c.arn.clone(), c.state)).collect();
        let current: HashMap<_, _> = facts.controls.clone();
        let violations = evaluate_update(
            &self.ctx.safety_rules,
            &current,
            &updates,
            &self.steps[i].overrides,
            &[],
            &self.ctx.control_names,
        );
        if violations.is_empty() {
            "every safety rule holds after this change".into()
        } else {
            violations
                .iter()
                .map(|v| format!("would be blocked by {v}"))
                .collect::<Vec<_>>()
                .join("; ")
        }
    }
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
        _ => title.to_string(),
    }
}
