//! Static stability of a runbook, step by step: what each step calls during a
//! failover, and whether that depends on something an outage takes away. Pure: it
//! reads the validated runbook and the environment, nothing else.
//!
//! Three kinds of dependency are flagged:
//! - control-plane calls (scaling, restores, creating instances) and local commands
//!   that could call anything;
//! - calls to, or guards reading, the Region the runbook fails away from;
//! - guards on Region health, whose Route 53 health-check half is read in us-east-1.

use super::{Finding, Severity};
use crate::config::Environment;
use crate::runbook::condition::{Condition, Probe};
use crate::runbook::plan::{self, Mutation};
use crate::runbook::step::{Runbook, Step, StepKind};
use std::collections::BTreeSet;

/// Why control-plane calls are flagged.
pub const REF_DATA_PLANE: &str = "AWS Well-Architected Reliability Pillar, REL11-BP04 \
     \"Rely on the data plane and not the control plane during recovery\": data planes have \
     higher availability design goals than control planes";

/// Why routing-control updates are the failover's lever.
pub const REF_ARC: &str = "ARC developer guide, routing control: state changes go to the \
     highly available data plane through the cluster's Regional endpoints; the recovery \
     control configuration API is not highly available";

/// Unplanned Aurora failover, called in the Region being activated.
pub const REF_AURORA_FAILOVER: &str = "Aurora user guide, \"Recovering an Amazon Aurora \
     global database from an unplanned outage\" (FailoverGlobalCluster with AllowDataLoss, \
     called in the secondary's Region)";

/// A switchover needs the current primary: it waits for full synchronization.
pub const REF_AURORA_SWITCHOVER: &str = "Aurora user guide, \"Performing switchovers for \
     Amazon Aurora global databases\": for planned operations on a healthy global database; \
     it waits until the secondary is fully synchronized with the primary";

/// Route 53 health-check metrics exist in us-east-1 only.
pub const REF_R53_METRICS: &str = "Route 53 developer guide, \"Monitoring health checks \
     using CloudWatch\": health-check metrics are available only in US East (N. Virginia)";

/// Restores are control-plane operations.
pub const REF_RESTORE: &str = "AWS Backup developer guide, StartRestoreJob; the DR \
     whitepaper's backup and restore strategy provisions resources at recovery time";

/// The Regions a runbook fails away from, when it is written for an outage: an
/// unplanned Aurora failover's old primary (the Aurora guide's unplanned-outage
/// procedure presumes it impaired) and a promoted replica's primary. A runbook with
/// neither (a planned switchover, a restore test) assumes no Region is impaired.
pub fn impaired_regions(rb: &Runbook, env: &Environment) -> BTreeSet<String> {
    rb.steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::AuroraFailover { from_region, .. } => Some(from_region.clone()),
            StepKind::PromoteReplica { database, .. } => env
                .replicas
                .iter()
                .find(|p| &p.name == database)
                .map(|p| p.primary.region.clone()),
            _ => None,
        })
        .collect()
}

/// True when the runbook moves traffic or a writer (routing controls, Aurora
/// failover or switchover, replica promotion): it runs during a failover, where a
/// control-plane dependency matters. A restore test does not.
pub fn is_failover_path(rb: &Runbook) -> bool {
    rb.steps.iter().any(|s| {
        matches!(
            s.kind,
            StepKind::RoutingControls { .. }
                | StepKind::AuroraFailover { .. }
                | StepKind::AuroraSwitchover { .. }
                | StepKind::PromoteReplica { .. }
        )
    })
}

/// Every finding for one runbook; `name` is its file stem. A runbook with no
/// finding gets one `ok` line so the report shows it was looked at.
pub fn analyse(name: &str, rb: &Runbook, env: &Environment) -> Vec<Finding> {
    let impaired = impaired_regions(rb, env);
    let failover = is_failover_path(rb);
    let mut out = Vec::new();
    let mut health: Vec<(&str, BTreeSet<String>)> = Vec::new();
    for step in &rb.steps {
        calls_of(name, step, &impaired, failover, &mut out);
        let regions = reads_of(name, step, &impaired, &mut out);
        if !regions.is_empty() {
            health.push((step.id.as_str(), regions));
        }
    }
    if env.regions.iter().any(|r| !r.health_checks.is_empty()) && !health.is_empty() {
        out.push(health_check_dependency(name, &health, &impaired));
    }
    if out.is_empty() {
        let mutating = rb.steps.iter().filter(|s| s.kind.is_mutating()).count();
        out.push(
            Finding::new(
                Severity::Info,
                name,
                format!(
                    "{} steps ({mutating} mutating): data-plane calls only, none in an impaired Region",
                    rb.steps.len()
                ),
            )
            .runbook(name),
        );
    }
    out
}

/// One finding per runbook for its Region-health conditions: the verdict's health
/// checks are Route 53 metrics, read in us-east-1 only. Only a warning when the
/// runbook fails away from us-east-1; otherwise worth knowing.
fn health_check_dependency(
    name: &str,
    steps: &[(&str, BTreeSet<String>)],
    impaired: &BTreeSet<String>,
) -> Finding {
    let east = crate::monitor::HEALTH_CHECK_REGION;
    let ids: Vec<&str> = steps.iter().map(|(id, _)| *id).collect();
    let regions: BTreeSet<&str> = steps
        .iter()
        .flat_map(|(_, r)| r.iter().map(String::as_str))
        .collect();
    let regions: Vec<&str> = regions.into_iter().collect();
    let (severity, tail) = if impaired.contains(east) {
        (
            Severity::Warning,
            "this runbook fails away from us-east-1, so during it the health checks read as \
             unknown and these conditions rest on the Regions' alarms alone",
        )
    } else {
        (
            Severity::Info,
            "an outage in us-east-1 would leave them to the Regions' alarms alone",
        )
    };
    let mut f = Finding::new(
        severity,
        format!("{name} / {}", ids.join(", ")),
        format!(
            "Region-health conditions on {} depend on Route 53 health-check metrics, which \
             are published only in us-east-1: {tail}",
            regions.join(", ")
        ),
    )
    .runbook(name)
    .calls(format!(
        "CloudWatch GetMetricData AWS/Route53 HealthCheckStatus in {east}"
    ))
    .reference(REF_R53_METRICS);
    // One step: name it as a step finding does.
    if let [(id, _)] = steps {
        f.step = Some((*id).to_string());
    }
    f
}

/// What the step's mutating calls depend on.
fn calls_of(
    name: &str,
    step: &Step,
    impaired: &BTreeSet<String>,
    failover: bool,
    out: &mut Vec<Finding>,
) {
    let at = |sev, msg: String| Finding::step(sev, name, &step.id, msg);
    if let StepKind::Command { program, .. } = &step.kind {
        out.push(
            at(
                Severity::Warning,
                format!(
                    "runs the local program `{program}`: what it calls cannot be checked; make \
                     sure it uses only data-plane APIs and no Region being failed away from"
                ),
            )
            .calls(format!("local program {program}"))
            .reference(REF_DATA_PLANE),
        );
        return;
    }
    for call in plan::calls(step) {
        let region = call_region(&call);
        let what = format!("{} ({})", call.operation(), call.endpoint());
        if let Some(r) = region.filter(|r| impaired.contains(*r)) {
            let why = if matches!(call, Mutation::SwitchoverGlobalCluster { .. }) {
                format!(
                    "a switchover is sent to the current primary in {r} and needs it healthy; \
                     this runbook fails away from {r}, where it will not answer (use \
                     aurora_failover in the target Region)"
                )
            } else {
                format!(
                    "calls {r}, the Region this runbook fails away from: during the outage \
                     this call has no one to answer it"
                )
            };
            let reference = if matches!(call, Mutation::SwitchoverGlobalCluster { .. }) {
                REF_AURORA_SWITCHOVER
            } else {
                REF_DATA_PLANE
            };
            out.push(
                at(Severity::Problem, why)
                    .calls(what.clone())
                    .reference(reference),
            );
            continue;
        }
        if let Some((service, reference)) = control_plane(&call) {
            if !failover {
                // A scheduled restore test may use control planes: that is its point.
                out.push(
                    at(
                        Severity::Info,
                        format!(
                            "calls the {service} control plane; not on a failover path (this \
                             runbook moves no traffic or writer)"
                        ),
                    )
                    .calls(what)
                    .reference(reference),
                );
                continue;
            }
            out.push(
                at(
                    Severity::Warning,
                    format!(
                        "calls the {service} control plane during the failover: control planes \
                         are less available than data planes and may be slow or refuse in a \
                         Regional impairment; pre-provision instead (warm standby) where the RTO \
                         depends on it"
                    ),
                )
                .calls(what)
                .reference(reference),
            );
        }
    }
}

/// The Region a call is sent to; None for the ARC cluster endpoints (any of five)
/// and local programs.
fn call_region(call: &Mutation) -> Option<&str> {
    match call {
        Mutation::SwitchoverGlobalCluster { region, .. }
        | Mutation::FailoverGlobalCluster { region, .. }
        | Mutation::PromoteReadReplica { region, .. }
        | Mutation::StartRestoreJob { region, .. }
        | Mutation::CreateDbInstance { region, .. }
        | Mutation::DeleteDbInstance { region, .. }
        | Mutation::DeleteDbCluster { region, .. }
        | Mutation::UpdateAutoScalingGroup { region, .. }
        | Mutation::UpdateService { region, .. } => Some(region),
        Mutation::UpdateRoutingControlStates { .. } | Mutation::RunCommand { .. } => None,
    }
}

/// The control plane a call goes to, and the reference that says so; None for the
/// calls a failover is meant to rely on (ARC routing control updates through the
/// cluster endpoints, Aurora global failover/switchover, replica promotion in the
/// Region being activated).
fn control_plane(call: &Mutation) -> Option<(&'static str, &'static str)> {
    match call {
        Mutation::UpdateAutoScalingGroup { .. } => Some(("EC2 Auto Scaling", REF_DATA_PLANE)),
        Mutation::UpdateService { .. } => Some(("Amazon ECS", REF_DATA_PLANE)),
        Mutation::StartRestoreJob { .. } => Some(("AWS Backup", REF_RESTORE)),
        Mutation::CreateDbInstance { .. }
        | Mutation::DeleteDbInstance { .. }
        | Mutation::DeleteDbCluster { .. } => Some(("Amazon RDS", REF_DATA_PLANE)),
        Mutation::UpdateRoutingControlStates { .. }
        | Mutation::SwitchoverGlobalCluster { .. }
        | Mutation::FailoverGlobalCluster { .. }
        | Mutation::PromoteReadReplica { .. }
        | Mutation::RunCommand { .. } => None,
    }
}

/// What the step's guards and checks read, and where. Returns the Regions whose
/// health its conditions ask about (for [`health_check_dependency`]).
fn reads_of(
    name: &str,
    step: &Step,
    impaired: &BTreeSet<String>,
    out: &mut Vec<Finding>,
) -> BTreeSet<String> {
    let at = |sev, msg: String| Finding::step(sev, name, &step.id, msg);
    let own = own_conditions(step);
    // Guards (`require:`) stop a mutating step when unknown; checks and waits fail
    // or time out, which the runbook may route around (on_failure).
    let groups: [(&str, &[Condition], Severity); 2] = [
        ("its guard", &step.require, Severity::Problem),
        ("the step", &own, Severity::Warning),
    ];
    // A condition that asks whether a Region is *not* healthy is there to detect the
    // outage: reading that Region as unknown is its expected outcome, not a hazard.
    let mut detectors = BTreeSet::new();
    for c in step.require.iter().chain(own.iter()) {
        outage_detectors(c, &mut detectors);
    }
    let mut dark_reads = BTreeSet::new();
    let mut health_regions = BTreeSet::new();
    for (who, conditions, severity) in groups {
        let mut probes = Vec::new();
        for c in conditions {
            c.probes(&mut probes);
        }
        for p in &probes {
            if let Probe::RegionHealth { region } = p {
                health_regions.insert(region.clone());
            }
            if let Some(r) =
                probe_region(p).filter(|r| impaired.contains(*r) && !detectors.contains(*r))
                && dark_reads.insert(r.to_string())
            {
                out.push(
                    at(
                        severity,
                        format!(
                            "{who} reads {r}, the Region this runbook fails away from: while \
                             {r} is dark the read is unknown (never healthy) and {}",
                            if severity == Severity::Problem {
                                "the step is refused"
                            } else {
                                "the check fails or waits out its timeout"
                            }
                        ),
                    )
                    .calls(format!("{} in {r}", probe_name(p))),
                );
            }
        }
    }
    health_regions
}

/// Regions that `c` (or any branch of it) expects to be unhealthy.
fn outage_detectors(c: &Condition, out: &mut BTreeSet<String>) {
    match c {
        Condition::RegionHealth {
            region,
            verdict,
            negated,
        } if *negated || *verdict != crate::model::Verdict::Healthy => {
            out.insert(region.clone());
        }
        Condition::All(cs) | Condition::Any(cs) => {
            for c in cs {
                outage_detectors(c, out);
            }
        }
        _ => {}
    }
}

/// The step's own conditions (a check's, a wait's) and its `verify:`.
fn own_conditions(step: &Step) -> Vec<Condition> {
    let own: &[Condition] = match &step.kind {
        StepKind::Check { conditions } => conditions,
        StepKind::Wait { until, .. } => until,
        _ => &[],
    };
    own.iter().chain(step.verify.iter()).cloned().collect()
}

/// The Region a read goes to, when it goes to one.
fn probe_region(p: &Probe) -> Option<&str> {
    match p {
        Probe::RegionHealth { region }
        | Probe::Lag { region, .. }
        | Probe::RpoLag { region, .. }
        | Probe::Alarm { region, .. }
        | Probe::RestoreJob { region, .. }
        | Probe::RestoreJobsOf { region, .. }
        | Probe::DbInstance { region, .. }
        | Probe::DbCluster { region, .. }
        | Probe::Capacity { region, .. } => Some(region),
        Probe::TableRecentMax { from, .. } => Some(from),
        // Read wherever an answer comes from (ARC: any endpoint; global cluster: any
        // member Region), or in several Regions at once.
        Probe::Writer { .. }
        | Probe::Failover { .. }
        | Probe::Control { .. }
        | Probe::RecoveryPoint { .. }
        | Probe::TableLatency { .. }
        | Probe::BucketReplication { .. } => None,
    }
}

fn probe_name(p: &Probe) -> &'static str {
    match p {
        Probe::RegionHealth { .. } => "Region health (alarms, health checks)",
        Probe::Lag { .. } => "replication lag",
        Probe::RpoLag { .. } => "RPO lag",
        Probe::Alarm { .. } => "DescribeAlarms",
        Probe::RestoreJob { .. } | Probe::RestoreJobsOf { .. } => "AWS Backup restore jobs",
        Probe::DbInstance { .. } => "DescribeDBInstances",
        Probe::DbCluster { .. } => "DescribeDBClusters",
        Probe::Capacity { .. } => "capacity (Auto Scaling / ECS describe)",
        Probe::TableRecentMax { .. } => "DynamoDB ReplicationLatency",
        _ => "a read",
    }
}
