//! The exact calls each step would make. `plan` prints them; the engine sends them
//! (through the world) in this order, journaling each one. Nothing here does I/O.

use super::step::{Runbook, Step, StepKind};
use crate::model::ControlState;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// ARC accepts at most this many controls per UpdateRoutingControlStates call.
pub const ARC_BATCH_LIMIT: usize = crate::model::arc::ARC_MAX_CONTROLS_PER_UPDATE;

/// One mutating call. The AWS variants mirror the provider's choke point; `RunCommand`
/// is a local program, mutating too, so it is confirmed and journaled the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "operation")]
pub enum Mutation {
    UpdateRoutingControlStates {
        entries: Vec<ControlEntry>,
        /// Safety-rule ARNs to override (break-glass), only ones ARC named.
        #[serde(default)]
        safety_rules_to_override: Vec<String>,
    },
    SwitchoverGlobalCluster {
        region: String,
        global_cluster_identifier: String,
        target_db_cluster_identifier: String,
    },
    FailoverGlobalCluster {
        region: String,
        global_cluster_identifier: String,
        target_db_cluster_identifier: String,
        allow_data_loss: bool,
    },
    PromoteReadReplica {
        region: String,
        db_instance_identifier: String,
        backup_retention_period: Option<u32>,
    },
    RunCommand {
        program: String,
        args: Vec<String>,
        timeout_ms: u64,
    },
    /// AWS Backup StartRestoreJob. Planned with the point unchosen when the step says
    /// `latest`; [`World::pin`](crate::runbook::engine::World::pin) chooses it, and
    /// the engine stamps the idempotency token, before the intent is journaled.
    StartRestoreJob {
        region: String,
        vault: String,
        /// The protected resource (to choose `latest` among its points).
        resource_arn: String,
        resource_type: String,
        recovery_point_arn: Option<String>,
        iam_role_arn: String,
        metadata: std::collections::BTreeMap<String, String>,
        #[serde(default)]
        idempotency_token: Option<String>,
        /// Restore jobs of the point that existed before the call, read when the
        /// point was chosen: a job not among them is this call's (how a lost answer
        /// is settled without starting another).
        #[serde(default)]
        prior_jobs: Vec<String>,
    },
    /// RDS CreateDBInstance of an Aurora cluster's instance.
    CreateDbInstance {
        region: String,
        db_instance_identifier: String,
        db_cluster_identifier: String,
        db_instance_class: String,
        engine: String,
    },
    /// RDS DeleteDBInstance of an instance of a restored cluster.
    DeleteDbInstance {
        region: String,
        db_instance_identifier: String,
    },
    /// RDS DeleteDBCluster of a restored cluster, SkipFinalSnapshot=true.
    DeleteDbCluster {
        region: String,
        db_cluster_identifier: String,
    },
    /// EC2 Auto Scaling UpdateAutoScalingGroup: a control-plane call.
    UpdateAutoScalingGroup {
        region: String,
        auto_scaling_group_name: String,
        desired_capacity: u32,
        #[serde(default)]
        min_size: Option<u32>,
        #[serde(default)]
        max_size: Option<u32>,
    },
    /// ECS UpdateService with desiredCount only: a control-plane call.
    UpdateService {
        region: String,
        cluster: String,
        service: String,
        desired_count: u32,
    },
}

/// What a scaling call asks of one group or service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleAsk {
    pub region: String,
    pub target: crate::config::CapacityTarget,
    pub desired: u32,
    pub min: Option<u32>,
    pub max: Option<u32>,
}

impl ScaleAsk {
    /// The provider's request for this ask (UpdateAutoScalingGroup or UpdateService).
    pub fn into_request(self) -> crate::provider::MutatingRequest {
        use crate::config::CapacityTarget;
        use crate::provider::MutatingRequest;
        match self.target {
            CapacityTarget::Asg { name } => MutatingRequest::UpdateAutoScalingGroup {
                region: self.region,
                name,
                desired: self.desired,
                min: self.min,
                max: self.max,
            },
            CapacityTarget::EcsService { cluster, service } => MutatingRequest::UpdateEcsService {
                region: self.region,
                cluster,
                service,
                desired: self.desired,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlEntry {
    pub routing_control_arn: String,
    /// The environment's name, for people; not sent.
    pub name: String,
    pub routing_control_state: ControlState,
}

impl Mutation {
    pub fn operation(&self) -> &'static str {
        match self {
            Mutation::UpdateRoutingControlStates { .. } => "UpdateRoutingControlStates",
            Mutation::SwitchoverGlobalCluster { .. } => "SwitchoverGlobalCluster",
            Mutation::FailoverGlobalCluster { .. } => "FailoverGlobalCluster",
            Mutation::PromoteReadReplica { .. } => "PromoteReadReplica",
            Mutation::RunCommand { .. } => "command",
            Mutation::StartRestoreJob { .. } => "StartRestoreJob",
            Mutation::CreateDbInstance { .. } => "CreateDBInstance",
            Mutation::DeleteDbInstance { .. } => "DeleteDBInstance",
            Mutation::DeleteDbCluster { .. } => "DeleteDBCluster",
            Mutation::UpdateAutoScalingGroup { .. } => "UpdateAutoScalingGroup",
            Mutation::UpdateService { .. } => "UpdateService",
        }
    }

    /// A scaling call's group or service and what it asks; None for other calls.
    pub fn scale_ask(&self) -> Option<ScaleAsk> {
        use crate::config::CapacityTarget;
        match self {
            Mutation::UpdateAutoScalingGroup {
                region,
                auto_scaling_group_name,
                desired_capacity,
                min_size,
                max_size,
            } => Some(ScaleAsk {
                region: region.clone(),
                target: CapacityTarget::Asg {
                    name: auto_scaling_group_name.clone(),
                },
                desired: *desired_capacity,
                min: *min_size,
                max: *max_size,
            }),
            Mutation::UpdateService {
                region,
                cluster,
                service,
                desired_count,
            } => Some(ScaleAsk {
                region: region.clone(),
                target: CapacityTarget::EcsService {
                    cluster: cluster.clone(),
                    service: service.clone(),
                },
                desired: *desired_count,
                min: None,
                max: None,
            }),
            _ => None,
        }
    }

    /// Where the call goes.
    pub fn endpoint(&self) -> String {
        match self {
            Mutation::UpdateRoutingControlStates { .. } => {
                "ARC cluster endpoints (rotating)".to_string()
            }
            Mutation::SwitchoverGlobalCluster { region, .. }
            | Mutation::FailoverGlobalCluster { region, .. }
            | Mutation::PromoteReadReplica { region, .. }
            | Mutation::CreateDbInstance { region, .. }
            | Mutation::DeleteDbInstance { region, .. }
            | Mutation::DeleteDbCluster { region, .. } => region.clone(),
            Mutation::StartRestoreJob { region, .. } => format!("AWS Backup {region}"),
            Mutation::UpdateAutoScalingGroup { region, .. } => format!("Auto Scaling {region}"),
            Mutation::UpdateService { region, .. } => format!("ECS {region}"),
            Mutation::RunCommand { .. } => "local".to_string(),
        }
    }

    /// The request parameters as `Name=value` lines, as the API spells them.
    pub fn parameters(&self) -> Vec<String> {
        match self {
            Mutation::UpdateRoutingControlStates {
                entries,
                safety_rules_to_override,
            } => {
                let mut v: Vec<String> = entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{{RoutingControlArn={}, RoutingControlState={}}}  # {}",
                            e.routing_control_arn, e.routing_control_state, e.name
                        )
                    })
                    .collect();
                if !safety_rules_to_override.is_empty() {
                    v.push(format!(
                        "SafetyRulesToOverride=[{}]",
                        safety_rules_to_override.join(", ")
                    ));
                }
                v
            }
            Mutation::SwitchoverGlobalCluster {
                global_cluster_identifier,
                target_db_cluster_identifier,
                ..
            } => vec![
                format!("GlobalClusterIdentifier={global_cluster_identifier}"),
                format!("TargetDbClusterIdentifier={target_db_cluster_identifier}"),
            ],
            Mutation::FailoverGlobalCluster {
                global_cluster_identifier,
                target_db_cluster_identifier,
                allow_data_loss,
                ..
            } => vec![
                format!("GlobalClusterIdentifier={global_cluster_identifier}"),
                format!("TargetDbClusterIdentifier={target_db_cluster_identifier}"),
                format!("AllowDataLoss={allow_data_loss}"),
            ],
            Mutation::PromoteReadReplica {
                db_instance_identifier,
                backup_retention_period,
                ..
            } => {
                let mut v = vec![format!("DBInstanceIdentifier={db_instance_identifier}")];
                if let Some(b) = backup_retention_period {
                    v.push(format!("BackupRetentionPeriod={b}"));
                }
                v
            }
            Mutation::RunCommand {
                program,
                args,
                timeout_ms,
            } => vec![
                format!("program={program}"),
                format!("args={args:?}"),
                format!("timeout={timeout_ms} ms"),
            ],
            Mutation::StartRestoreJob {
                vault,
                resource_type,
                recovery_point_arn,
                iam_role_arn,
                metadata,
                idempotency_token,
                ..
            } => {
                let mut v = vec![match recovery_point_arn {
                    Some(a) => format!("RecoveryPointArn={a}"),
                    None => format!(
                        "RecoveryPointArn=(the newest COMPLETED point in vault {vault}, chosen when sent)"
                    ),
                }];
                v.push(format!("ResourceType={resource_type}"));
                v.push(format!("IamRoleArn={iam_role_arn}"));
                let meta: Vec<String> = metadata.iter().map(|(k, x)| format!("{k}={x}")).collect();
                v.push(format!("Metadata={{{}}}", meta.join(", ")));
                v.push(match idempotency_token {
                    Some(t) => format!("IdempotencyToken={t}"),
                    None => "IdempotencyToken=(run id, step and attempt, fixed when sent)".into(),
                });
                v
            }
            Mutation::CreateDbInstance {
                db_instance_identifier,
                db_cluster_identifier,
                db_instance_class,
                engine,
                ..
            } => vec![
                format!("DBInstanceIdentifier={db_instance_identifier}"),
                format!("DBClusterIdentifier={db_cluster_identifier}"),
                format!("DBInstanceClass={db_instance_class}"),
                format!("Engine={engine}"),
            ],
            Mutation::DeleteDbInstance {
                db_instance_identifier,
                ..
            } => vec![format!("DBInstanceIdentifier={db_instance_identifier}")],
            Mutation::DeleteDbCluster {
                db_cluster_identifier,
                ..
            } => vec![
                format!("DBClusterIdentifier={db_cluster_identifier}"),
                "SkipFinalSnapshot=true  # a scratch restore: its data is its recovery point"
                    .into(),
            ],
            Mutation::UpdateAutoScalingGroup {
                auto_scaling_group_name,
                desired_capacity,
                min_size,
                max_size,
                ..
            } => {
                let mut v = vec![
                    format!("AutoScalingGroupName={auto_scaling_group_name}"),
                    format!("DesiredCapacity={desired_capacity}"),
                ];
                if let Some(m) = min_size {
                    v.push(format!("MinSize={m}"));
                }
                if let Some(m) = max_size {
                    v.push(format!("MaxSize={m}"));
                }
                v
            }
            Mutation::UpdateService {
                cluster,
                service,
                desired_count,
                ..
            } => vec![
                format!("cluster={cluster}"),
                format!("service={service}"),
                format!("desiredCount={desired_count}"),
            ],
        }
    }

    /// The call with the idempotency token a StartRestoreJob carries: one per run,
    /// step and attempt (`attempt_ms`, when the attempt's first send was made). The
    /// engine journals the call with it and re-sends that attempt verbatim, so a
    /// re-send can start nothing new; a retry after a definite failure is a new
    /// attempt with a new token.
    pub fn with_token(mut self, run_id: &str, step: &str, attempt_ms: i64) -> Mutation {
        if let Mutation::StartRestoreJob {
            idempotency_token, ..
        } = &mut self
            && idempotency_token.is_none()
        {
            *idempotency_token = Some(format!("drconsole-{run_id}-{step}-{attempt_ms}"));
        }
        self
    }

    /// The call as it is sent once a break-glass override is in effect: a routing
    /// control update carries `SafetyRulesToOverride` (ARC's UpdateRoutingControlStates
    /// request parameter); other calls are unchanged.
    pub fn with_overrides(mut self, overrides: &[String]) -> Mutation {
        if let Mutation::UpdateRoutingControlStates {
            safety_rules_to_override,
            ..
        } = &mut self
        {
            *safety_rules_to_override = overrides.to_vec();
        }
        self
    }

    /// One line: `Operation @ endpoint`.
    pub fn headline(&self) -> String {
        format!("{} @ {}", self.operation(), self.endpoint())
    }
}

/// The mutating calls of one step, in order. Empty for read-only steps.
pub fn calls(step: &Step) -> Vec<Mutation> {
    match &step.kind {
        StepKind::RoutingControls { changes } => changes
            .chunks(ARC_BATCH_LIMIT)
            .map(|batch| Mutation::UpdateRoutingControlStates {
                entries: batch
                    .iter()
                    .map(|c| ControlEntry {
                        routing_control_arn: c.arn.clone(),
                        name: c.control.clone(),
                        routing_control_state: c.state,
                    })
                    .collect(),
                safety_rules_to_override: Vec::new(),
            })
            .collect(),
        // The CLI runs a switchover in the current primary's Region.
        StepKind::AuroraSwitchover {
            global_cluster_id,
            from_region,
            target_cluster_arn,
            ..
        } => vec![Mutation::SwitchoverGlobalCluster {
            region: from_region.clone(),
            global_cluster_identifier: global_cluster_id.clone(),
            target_db_cluster_identifier: target_cluster_arn.clone(),
        }],
        // An unplanned failover is called in the Region being activated.
        StepKind::AuroraFailover {
            global_cluster_id,
            to_region,
            target_cluster_arn,
            allow_data_loss,
            ..
        } => vec![Mutation::FailoverGlobalCluster {
            region: to_region.clone(),
            global_cluster_identifier: global_cluster_id.clone(),
            target_db_cluster_identifier: target_cluster_arn.clone(),
            allow_data_loss: *allow_data_loss,
        }],
        StepKind::PromoteReplica {
            region,
            instance_id,
            backup_retention_days,
            ..
        } => vec![Mutation::PromoteReadReplica {
            region: region.clone(),
            db_instance_identifier: instance_id.clone(),
            backup_retention_period: *backup_retention_days,
        }],
        StepKind::Command {
            program,
            args,
            timeout,
        } => vec![Mutation::RunCommand {
            program: program.clone(),
            args: args.clone(),
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        }],
        StepKind::RestoreBackup {
            region,
            vault,
            resource_arn,
            resource_type,
            recovery_point,
            iam_role_arn,
            metadata,
            ..
        } => vec![Mutation::StartRestoreJob {
            region: region.clone(),
            vault: vault.clone(),
            resource_arn: resource_arn.clone(),
            resource_type: resource_type.clone(),
            recovery_point_arn: recovery_point.clone(),
            iam_role_arn: iam_role_arn.clone(),
            metadata: metadata.clone(),
            idempotency_token: None,
            prior_jobs: Vec::new(),
        }],
        StepKind::CreateDbInstance {
            cluster,
            region,
            instance_id,
            class,
            engine,
            ..
        } => vec![Mutation::CreateDbInstance {
            region: region.clone(),
            db_instance_identifier: instance_id.clone(),
            db_cluster_identifier: cluster.clone(),
            db_instance_class: class.clone(),
            engine: engine.clone(),
        }],
        // Instances first: a cluster with instances not being deleted cannot be
        // (RDS API reference, DeleteDBCluster: InvalidDBClusterStateFault).
        StepKind::DeleteRestored {
            region,
            name,
            instances,
            ..
        } => instances
            .iter()
            .map(|i| Mutation::DeleteDbInstance {
                region: region.clone(),
                db_instance_identifier: i.clone(),
            })
            .chain(std::iter::once(Mutation::DeleteDbCluster {
                region: region.clone(),
                db_cluster_identifier: name.clone(),
            }))
            .collect(),
        StepKind::Scale {
            region,
            target,
            desired,
            min,
            max,
            ..
        } => vec![match target {
            crate::config::CapacityTarget::Asg { name } => Mutation::UpdateAutoScalingGroup {
                region: region.clone(),
                auto_scaling_group_name: name.clone(),
                desired_capacity: *desired,
                min_size: *min,
                max_size: *max,
            },
            crate::config::CapacityTarget::EcsService { cluster, service } => {
                Mutation::UpdateService {
                    region: region.clone(),
                    cluster: cluster.clone(),
                    service: service.clone(),
                    desired_count: *desired,
                }
            }
        }],
        _ => Vec::new(),
    }
}

/// What the plan and the confirm dialog say about a scaling step: scaling is a
/// control-plane operation (AWS Well-Architected, "Rely on the data plane and not
/// the control plane during recovery"; Fault Isolation Boundaries whitepaper,
/// "Static stability"), so a team can pre-scale (warm standby) instead.
pub const SCALE_CAVEAT: &str = "Scaling is a control-plane call: in a Regional \
     impairment it may fail or be slow; pre-scaling the standby (warm standby) does not \
     depend on it";

/// A `routing_controls` step the environment's safety rules would refuse without an
/// override: ARC rejects such an update unless `SafetyRulesToOverride` names the rule
/// (UpdateRoutingControlStates, ARC Routing Control API reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlass {
    pub step: String,
    /// "this step needs break-glass: …, against RULE" (one per violated rule).
    pub message: String,
}

/// Walks the runbook's routing changes in order from the environment's initial control
/// states (the twin's start; against AWS the real states may differ, so this is a
/// warning, not an error) and names every step whose end state a safety rule refuses,
/// using the same evaluation the twin and the engine use ([`evaluate_update`]).
pub fn break_glass(rb: &Runbook, env: &crate::config::Environment) -> Vec<BreakGlass> {
    use crate::model::arc::evaluate_update;
    use std::collections::HashMap;
    let rules: Vec<crate::model::SafetyRule> =
        env.arc.rules.iter().map(|r| r.rule.clone()).collect();
    let names: HashMap<String, String> = env
        .arc
        .controls
        .iter()
        .map(|c| (c.arn.clone(), c.name.clone()))
        .collect();
    let mut states: HashMap<String, ControlState> = env
        .arc
        .controls
        .iter()
        .map(|c| (c.arn.clone(), c.initial))
        .collect();
    let mut out = Vec::new();
    for step in &rb.steps {
        let StepKind::RoutingControls { changes } = &step.kind else {
            continue;
        };
        let updates: Vec<(String, ControlState)> =
            changes.iter().map(|c| (c.arn.clone(), c.state)).collect();
        for v in evaluate_update(&rules, &states, &updates, &[], &[], &names) {
            out.push(BreakGlass {
                step: step.id.clone(),
                message: format!(
                    "this step needs break-glass: {}, against {}",
                    v.reason, v.rule_name
                ),
            });
        }
        states.extend(updates);
    }
    out
}

/// Routing-control steps that turn a Region's traffic off, with the write-strategy
/// caveat of each data store written there (issue 10: the plan says it).
pub fn write_notes(rb: &Runbook, env: &crate::config::Environment) -> Vec<BreakGlass> {
    let mut out = Vec::new();
    for step in &rb.steps {
        let StepKind::RoutingControls { changes } = &step.kind else {
            continue;
        };
        for c in changes.iter().filter(|c| c.state == ControlState::Off) {
            for caveat in env.write_caveats(&c.gates) {
                out.push(BreakGlass {
                    step: step.id.clone(),
                    message: format!("traffic leaves {}: {caveat}", c.gates),
                });
            }
        }
    }
    out
}

/// The human-readable plan: every step, its guards, and every call it would make.
pub fn render(rb: &Runbook) -> String {
    render_flagged(rb, &[])
}

/// [`render_flagged`] with [`write_notes`] under their steps too.
pub fn render_annotated(rb: &Runbook, flags: &[BreakGlass], notes: &[BreakGlass]) -> String {
    let mut out = String::new();
    let flagged = render_flagged(rb, flags);
    // Each note goes right after its step's headline block (before `on failure`).
    let mut current: Option<String> = None;
    for line in flagged.lines() {
        if let Some(id) = step_of_headline(line, rb) {
            current = Some(id);
        }
        if line.trim_start().starts_with("on failure:")
            && let Some(id) = &current
        {
            for n in notes.iter().filter(|n| &n.step == id) {
                let _ = writeln!(out, "      NOTE: {}", n.message);
            }
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The step id of a plan headline (` 3. [kind] id — title`).
fn step_of_headline(line: &str, rb: &Runbook) -> Option<String> {
    let rest = line.trim_start().split_once("] ")?.1;
    let id = rest.split_once(" — ")?.0;
    rb.steps.iter().any(|s| s.id == id).then(|| id.to_string())
}

/// [`render`] with the [`break_glass`] flags shown under their steps.
pub fn render_flagged(rb: &Runbook, flags: &[BreakGlass]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Runbook: {}", rb.name);
    if let Some(s) = &rb.summary {
        let _ = writeln!(out, "  {s}");
    }
    let params: Vec<String> = rb.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let _ = writeln!(
        out,
        "Environment: {}   RTO target: {}   Parameters: {}",
        rb.environment,
        humantime::format_duration(rb.rto),
        if params.is_empty() {
            "(none)".to_string()
        } else {
            params.join(" ")
        }
    );
    let _ = writeln!(out, "No calls are made by `plan`.\n");
    for (i, step) in rb.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>2}. [{}] {} — {}",
            i + 1,
            step.kind.name(),
            step.id,
            step.title
        );
        describe_kind(&mut out, step);
        for f in flags.iter().filter(|f| f.step == step.id) {
            let _ = writeln!(out, "      WARNING: {}", f.message);
        }
        for c in &step.require {
            let _ = writeln!(out, "      require: {c}");
        }
        for c in &step.verify {
            let _ = writeln!(out, "      verify:  {c}");
        }
        let calls = calls(step);
        if !calls.is_empty() {
            let confirm = match step.confirm {
                super::step::Confirm::Typed => {
                    format!("typed (type `{}`)", step.kind.typed_target())
                }
                super::step::Confirm::Yes => "yes".into(),
                super::step::Confirm::None => "none".into(),
            };
            let _ = writeln!(out, "      confirm: {confirm}");
            for (n, m) in calls.iter().enumerate() {
                let batch = if calls.len() > 1
                    && matches!(m, Mutation::UpdateRoutingControlStates { .. })
                {
                    format!(" (batch {} of {})", n + 1, calls.len())
                } else {
                    String::new()
                };
                let _ = writeln!(out, "      call {}: {}{batch}", n + 1, m.headline());
                for p in m.parameters() {
                    let _ = writeln!(out, "          {p}");
                }
            }
        }
        let _ = writeln!(
            out,
            "      on failure: {}",
            match &step.on_failure {
                super::step::OnFailure::Stop => "stop".to_string(),
                super::step::OnFailure::Continue => "continue".to_string(),
                super::step::OnFailure::Goto(t) => format!("goto {t}"),
            }
        );
    }
    out
}

fn describe_kind(out: &mut String, step: &Step) {
    match &step.kind {
        StepKind::Manual {
            instructions,
            checklist,
        } => {
            let _ = writeln!(out, "      {instructions}");
            for c in checklist {
                let _ = writeln!(out, "      [ ] {c}");
            }
        }
        StepKind::Check { conditions } => {
            for c in conditions {
                let _ = writeln!(out, "      check: {c}");
            }
        }
        StepKind::Wait {
            until,
            timeout,
            poll,
        } => {
            for c in until {
                let _ = writeln!(out, "      until: {c}");
            }
            let _ = writeln!(
                out,
                "      timeout {}, poll every {}",
                humantime::format_duration(*timeout),
                humantime::format_duration(*poll)
            );
        }
        StepKind::Approval { note } => {
            let _ = writeln!(
                out,
                "      a second operator (not the initiator) runs `drconsole approve RUN`{}",
                note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
            );
        }
        StepKind::Pause { duration } => {
            let _ = writeln!(out, "      pause {}", humantime::format_duration(*duration));
        }
        StepKind::Scale {
            group,
            target,
            desired,
            timeout,
            ..
        } => {
            let _ = writeln!(
                out,
                "      {group} ({}): then waits until {desired} {} serve, timeout {}",
                target.label(),
                target.unit(),
                humantime::format_duration(*timeout)
            );
            let _ = writeln!(out, "      NOTE: {SCALE_CAVEAT}");
        }
        StepKind::WaitReplication {
            table,
            from,
            factor,
            minimum,
            fallback,
        } => {
            let _ = writeln!(
                out,
                "      waits {factor} × the largest DynamoDB replication latency of {table} out \
                 of {from} in the last 15 minutes (at least {}); {} when it cannot be read",
                humantime::format_duration(*minimum),
                humantime::format_duration(*fallback)
            );
        }
        _ => {}
    }
}
