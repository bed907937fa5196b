//! The one "did it land?" decision (DESIGN invariant 9). The engine's settle, the
//! driver's read-back after a call that got no answer, and the pre-settle after a
//! crash each read state their own way (the engine through [`World::read`], the driver
//! through the provider), put what they saw in a [`Readout`], and let [`landed`]
//! decide. Nothing here reads or guesses: a value that could not be read is unknown.
//!
//! [`World::read`]: super::World::read

use crate::model::ControlState;
use crate::runbook::condition::{Facts, Probe, RestoreJobSeen};
use crate::runbook::plan::Mutation;
use crate::runbook::step::StepKind;
use std::collections::HashMap;

/// Whether a call took effect, with what the read showed, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landed {
    Applied(String),
    /// Accepted and under way (an Aurora failover or a promotion that runs).
    InProgress(String),
    NotApplied(String),
    Unknown(String),
}

impl Landed {
    pub fn how(&self) -> &str {
        match self {
            Landed::Applied(s) | Landed::InProgress(s) | Landed::NotApplied(s) => s,
            Landed::Unknown(s) => s,
        }
    }
}

/// What a fresh read showed about the one resource a call changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readout {
    /// Routing control ARN → state; a control missing here could not be read.
    pub controls: HashMap<String, ControlState>,
    /// The global cluster a switchover or failover targets, when it could be read.
    pub global: Option<GlobalReadout>,
    /// The instance a promotion targets: `Err` when it could not be read.
    pub instance: Option<Result<InstanceReadout, String>>,
    /// The restore jobs of the point a StartRestoreJob restores: `Err` when the list
    /// could not be read.
    pub restore_jobs: Option<Result<Vec<RestoreJobSeen>, String>>,
    /// The instance a CreateDBInstance creates: its status when it exists, `None` when
    /// RDS says it does not; `Err` when it could not be read.
    pub new_instance: Option<Result<Option<String>, String>>,
    /// The cluster a DeleteDBCluster deletes, read the same way.
    pub cluster: Option<Result<Option<String>, String>>,
    /// The group or service a scaling call changes: `Err` when it could not be read.
    pub capacity: Option<Result<crate::provider::CapacityInfo, String>>,
}

/// Whether a delete landed, from what the read showed: gone or `deleting` is applied.
fn deleted(what: &str, region: &str, seen: &Option<Result<Option<String>, String>>) -> Landed {
    match seen {
        None => Landed::Unknown(format!("{what} in {region} was not read")),
        Some(Err(e)) => Landed::Unknown(format!("{what} could not be read: {e}")),
        Some(Ok(None)) => Landed::Applied(format!("{what} no longer exists in {region}")),
        Some(Ok(Some(s))) if s == "deleting" => {
            Landed::Applied(format!("{what} is being deleted in {region}"))
        }
        Some(Ok(Some(s))) => Landed::NotApplied(format!("{what} is {s} in {region}")),
    }
}

/// The restore job a StartRestoreJob started, if the readout shows one: a job of its
/// recovery point that was not there before the call (`prior_jobs`). ListRestoreJobs
/// cannot filter by point or say which request made a job, so another operator's
/// restore of the same point started meanwhile would be taken for ours (it restores
/// the same data).
pub fn new_restore_job<'a>(m: &Mutation, r: &'a Readout) -> Option<&'a RestoreJobSeen> {
    let Mutation::StartRestoreJob { prior_jobs, .. } = m else {
        return None;
    };
    let Some(Ok(jobs)) = &r.restore_jobs else {
        return None;
    };
    jobs.iter().find(|j| !prior_jobs.contains(&j.id))
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobalReadout {
    /// The writer's cluster ARN, when the read names it.
    pub writer_cluster: Option<String>,
    /// The writer's Region.
    pub writer_region: Option<String>,
    /// FailoverState.Status as AWS words it ("pending", "failing-over", "cancelling",
    /// "switching-over" …); `None` when there is no FailoverState (idle) and unknown
    /// when `phase_read` is false.
    pub phase: Option<String>,
    pub phase_read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceReadout {
    /// Still a read replica (ReadReplicaSourceDBInstanceIdentifier set).
    pub is_replica: bool,
    pub status: Option<String>,
}

/// The Region of an RDS ARN (`arn:aws:rds:REGION:…`).
fn region_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// The Region a switchover or failover moves the writer to.
fn target_region(m: &Mutation) -> Option<String> {
    match m {
        Mutation::FailoverGlobalCluster {
            region,
            target_db_cluster_identifier: t,
            ..
        } => Some(region_of_arn(t).unwrap_or(region).to_string()),
        Mutation::SwitchoverGlobalCluster {
            target_db_cluster_identifier: t,
            ..
        } => region_of_arn(t).map(str::to_string),
        _ => None,
    }
}

/// Did `m` take effect, judged on `r`?
pub fn landed(m: &Mutation, r: &Readout) -> Landed {
    match m {
        Mutation::UpdateRoutingControlStates { entries, .. } => {
            let mut unknown = Vec::new();
            let mut differ = Vec::new();
            for e in entries {
                match r.controls.get(&e.routing_control_arn) {
                    None => unknown.push(e.name.clone()),
                    Some(s) if *s != e.routing_control_state => {
                        differ.push(format!("{} is {s}", e.name))
                    }
                    Some(_) => {}
                }
            }
            if !differ.is_empty() {
                Landed::NotApplied(format!("not applied: {}", differ.join(", ")))
            } else if !unknown.is_empty() {
                Landed::Unknown(format!("the state of {} is unknown", unknown.join(", ")))
            } else {
                Landed::Applied("every control is already in the wanted state".into())
            }
        }
        Mutation::SwitchoverGlobalCluster {
            global_cluster_identifier: id,
            target_db_cluster_identifier: target,
            ..
        }
        | Mutation::FailoverGlobalCluster {
            global_cluster_identifier: id,
            target_db_cluster_identifier: target,
            ..
        } => {
            let Some(g) = &r.global else {
                return Landed::Unknown(format!("{id} could not be read"));
            };
            let to = target_region(m);
            let writer_is_target = match (&g.writer_cluster, &g.writer_region) {
                (Some(w), _) => Some(w == target),
                (None, Some(w)) => to.as_ref().map(|t| t == w),
                (None, None) => None,
            };
            let writer = g
                .writer_region
                .clone()
                .or_else(|| g.writer_cluster.clone())
                .unwrap_or_else(|| "unknown".into());
            // Any FailoverState word, known or not, is an operation in progress:
            // never read an unfamiliar status as idle.
            let busy = g.phase.as_deref().filter(|p| *p != "idle");
            match (writer_is_target, busy, g.phase_read) {
                (Some(true), _, _) => {
                    Landed::Applied(format!("the writer of {id} is already in {writer}"))
                }
                (_, Some(p), true) => Landed::InProgress(format!(
                    "a failover of {id} is {p} (writer {writer}); re-checking"
                )),
                (Some(false), None, true) => {
                    Landed::NotApplied(format!("the writer of {id} is still in {writer}"))
                }
                (Some(false), _, false) => Landed::Unknown(format!(
                    "the writer of {id} is in {writer}, but whether a failover runs is unknown"
                )),
                (None, _, _) => Landed::Unknown(format!("the writer of {id} is unknown")),
            }
        }
        Mutation::PromoteReadReplica {
            region,
            db_instance_identifier: id,
            ..
        } => match &r.instance {
            None => Landed::Unknown(format!("{id} in {region} was not read")),
            Some(Err(e)) => Landed::Unknown(format!("{id} could not be read: {e}")),
            Some(Ok(i)) if !i.is_replica => Landed::Applied(format!(
                "{id} in {region} is no longer a read replica: promoted"
            )),
            Some(Ok(i)) => match i.status.as_deref() {
                // A replica is modified, then rebooted, while it is promoted.
                Some(s @ ("modifying" | "rebooting")) => {
                    Landed::InProgress(format!("{id} is {s} (being promoted)"))
                }
                s => Landed::NotApplied(format!(
                    "{id} is still a read replica (status {})",
                    s.unwrap_or("unknown")
                )),
            },
        },
        Mutation::RunCommand { .. } => {
            Landed::Unknown("a local command's effect cannot be read back".into())
        }
        Mutation::CreateDbInstance {
            region,
            db_instance_identifier: id,
            ..
        } => match &r.new_instance {
            None => Landed::Unknown(format!("{id} in {region} was not read")),
            Some(Err(e)) => Landed::Unknown(format!("{id} could not be read: {e}")),
            Some(Ok(Some(status))) => {
                Landed::Applied(format!("DB instance {id} exists in {region} ({status})"))
            }
            // How soon RDS lists a new instance is not documented: a re-send of the
            // same identifier is refused (DBInstanceAlreadyExists), never a second one.
            Some(Ok(None)) => {
                Landed::NotApplied(format!("DB instance {id} does not exist in {region}"))
            }
        },
        Mutation::DeleteDbInstance {
            region,
            db_instance_identifier: id,
        } => deleted(&format!("DB instance {id}"), region, &r.new_instance),
        Mutation::DeleteDbCluster {
            region,
            db_cluster_identifier: id,
        } => deleted(&format!("DB cluster {id}"), region, &r.cluster),
        Mutation::UpdateAutoScalingGroup { .. } | Mutation::UpdateService { .. } => {
            scaled(m, &r.capacity)
        }
        Mutation::StartRestoreJob {
            region,
            recovery_point_arn,
            ..
        } => {
            let Some(point) = recovery_point_arn else {
                return Landed::Unknown("no recovery point was chosen".into());
            };
            match &r.restore_jobs {
                None => Landed::Unknown(format!("the restore jobs in {region} were not read")),
                Some(Err(e)) => Landed::Unknown(format!(
                    "the restore jobs in {region} could not be listed: {e}"
                )),
                Some(Ok(_)) => match new_restore_job(m, r) {
                    Some(j) => Landed::Applied(format!(
                        "restore job {} of {point} exists ({})",
                        j.id,
                        j.status.as_deref().unwrap_or("status unknown")
                    )),
                    // AWS does not say how soon a new job is listed: a re-send after this
                    // carries the same idempotency token, so it cannot start a second.
                    None => Landed::NotApplied(format!(
                        "no new restore job of {point} is listed in {region}"
                    )),
                },
            }
        }
    }
}

/// Whether a scaling call landed: the desired capacity (and MinSize/MaxSize when the
/// call set them) reads as asked. Setting a value AWS already has leaves the group
/// as asked, so "already so" is applied too: a re-send changes nothing more.
fn scaled(m: &Mutation, seen: &Option<Result<crate::provider::CapacityInfo, String>>) -> Landed {
    let Some(ask) = m.scale_ask() else {
        return Landed::Unknown("not a scaling call".into());
    };
    let what = format!("{} in {}", ask.target.label(), ask.region);
    match seen {
        None => Landed::Unknown(format!("{what} was not read")),
        Some(Err(e)) => Landed::Unknown(format!("{what} could not be read: {e}")),
        Some(Ok(c)) => {
            let bounds_ok = ask.min.is_none_or(|m| c.min == Some(m))
                && ask.max.is_none_or(|m| c.max == Some(m));
            if c.desired == ask.desired && bounds_ok {
                Landed::Applied(format!(
                    "{what} has desired {} ({} {} in service)",
                    c.desired,
                    c.in_service,
                    ask.target.unit()
                ))
            } else {
                Landed::NotApplied(format!(
                    "{what} has desired {} (asked {}){}",
                    c.desired,
                    ask.desired,
                    if bounds_ok {
                        String::new()
                    } else {
                        format!(
                            ", min {:?} max {:?} (asked {:?} {:?})",
                            c.min, c.max, ask.min, ask.max
                        )
                    }
                ))
            }
        }
    }
}

/// What the engine reads (through [`World::read`](super::World::read)) to settle a
/// call of step kind `kind`.
pub fn probes(kind: &StepKind, m: &Mutation) -> Vec<Probe> {
    match (kind, m) {
        (_, Mutation::UpdateRoutingControlStates { entries, .. }) => entries
            .iter()
            .map(|e| Probe::Control {
                arn: e.routing_control_arn.clone(),
            })
            .collect(),
        (
            StepKind::AuroraFailover { database, .. } | StepKind::AuroraSwitchover { database, .. },
            _,
        ) => vec![
            Probe::Writer {
                database: database.clone(),
            },
            Probe::Failover {
                database: database.clone(),
            },
        ],
        (
            _,
            Mutation::StartRestoreJob {
                region,
                recovery_point_arn: Some(point),
                ..
            },
        ) => vec![Probe::RestoreJobsOf {
            region: region.clone(),
            point: point.clone(),
        }],
        (
            _,
            Mutation::CreateDbInstance {
                region,
                db_instance_identifier,
                ..
            },
        ) => vec![Probe::DbInstance {
            region: region.clone(),
            id: db_instance_identifier.clone(),
        }],
        (
            _,
            Mutation::DeleteDbInstance {
                region,
                db_instance_identifier,
            },
        ) => vec![Probe::DbInstance {
            region: region.clone(),
            id: db_instance_identifier.clone(),
        }],
        (
            _,
            Mutation::DeleteDbCluster {
                region,
                db_cluster_identifier,
            },
        ) => vec![Probe::DbCluster {
            region: region.clone(),
            id: db_cluster_identifier.clone(),
        }],
        (_, m) if m.scale_ask().is_some() => m
            .scale_ask()
            .map(|a| Probe::Capacity {
                region: a.region,
                target: a.target,
            })
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// A resource's read as facts hold it (an RDS resource's status, `None` when it does
/// not exist; a group's capacity), or why it could not be read.
fn status_read<K, Q, V>(
    seen: &HashMap<K, V>,
    errors: &HashMap<K, String>,
    id: &Q,
) -> Result<V, String>
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
    V: Clone,
{
    match (seen.get(id), errors.get(id)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(e)) => Err(e.clone()),
        (None, None) => Err("not read".to_string()),
    }
}

/// The engine's facts as a readout for `kind`'s call.
pub fn readout_from_facts(kind: &StepKind, m: &Mutation, f: &Facts) -> Readout {
    let global = match kind {
        StepKind::AuroraFailover { database, .. } | StepKind::AuroraSwitchover { database, .. } => {
            let phase = f.failover.get(database);
            Some(GlobalReadout {
                writer_cluster: None,
                writer_region: f.writer.get(database).cloned(),
                phase: phase.map(|p| p.as_str().to_string()),
                phase_read: phase.is_some(),
            })
        }
        _ => None,
    };
    let restore_jobs = match m {
        Mutation::StartRestoreJob {
            recovery_point_arn: Some(point),
            ..
        } => Some(
            f.restore_jobs_of
                .get(point)
                .cloned()
                .ok_or_else(|| "the list did not answer".to_string()),
        ),
        _ => None,
    };
    let new_instance = match m {
        Mutation::CreateDbInstance {
            db_instance_identifier: id,
            ..
        }
        | Mutation::DeleteDbInstance {
            db_instance_identifier: id,
            ..
        } => Some(status_read(&f.db_instances, &f.db_instance_errors, id)),
        _ => None,
    };
    let cluster = match m {
        Mutation::DeleteDbCluster {
            db_cluster_identifier: id,
            ..
        } => Some(status_read(&f.db_clusters, &f.db_cluster_errors, id)),
        _ => None,
    };
    let capacity = m
        .scale_ask()
        .map(|a| status_read(&f.capacity, &f.capacity_errors, &(a.region, a.target)));
    Readout {
        controls: f.controls.clone(),
        global,
        instance: None,
        restore_jobs,
        new_instance,
        cluster,
        capacity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::plan::ControlEntry;
    use ControlState::{Off, On};

    fn flip() -> Mutation {
        Mutation::UpdateRoutingControlStates {
            entries: vec![
                ControlEntry {
                    routing_control_arn: "arn:a".into(),
                    name: "cell-a".into(),
                    routing_control_state: Off,
                },
                ControlEntry {
                    routing_control_arn: "arn:b".into(),
                    name: "cell-b".into(),
                    routing_control_state: On,
                },
            ],
            safety_rules_to_override: vec![],
        }
    }

    fn controls(pairs: &[(&str, ControlState)]) -> Readout {
        Readout {
            controls: pairs.iter().map(|(a, s)| (a.to_string(), *s)).collect(),
            ..Readout::default()
        }
    }

    #[test]
    fn routing_controls_landed_only_when_every_control_is_as_wanted() {
        let m = flip();
        assert!(matches!(
            landed(&m, &controls(&[("arn:a", Off), ("arn:b", On)])),
            Landed::Applied(_)
        ));
        assert_eq!(
            landed(&m, &controls(&[("arn:a", On), ("arn:b", On)])),
            Landed::NotApplied("not applied: cell-a is On".into())
        );
        assert!(matches!(
            landed(&m, &controls(&[("arn:a", Off)])),
            Landed::Unknown(w) if w.contains("cell-b")
        ));
    }

    const TARGET: &str = "arn:aws:rds:us-west-2:111122223333:cluster:orders-west";

    fn failover() -> Mutation {
        Mutation::FailoverGlobalCluster {
            region: "us-west-2".into(),
            global_cluster_identifier: "orders-global".into(),
            target_db_cluster_identifier: TARGET.into(),
            allow_data_loss: true,
        }
    }

    fn switchover() -> Mutation {
        Mutation::SwitchoverGlobalCluster {
            region: "us-east-1".into(),
            global_cluster_identifier: "orders-global".into(),
            target_db_cluster_identifier: TARGET.into(),
        }
    }

    fn global(writer_region: Option<&str>, phase: Option<Option<&str>>) -> Readout {
        Readout {
            global: Some(GlobalReadout {
                writer_cluster: None,
                writer_region: writer_region.map(str::to_string),
                phase: phase.flatten().map(str::to_string),
                phase_read: phase.is_some(),
            }),
            ..Readout::default()
        }
    }

    #[test]
    fn failover_and_switchover_judged_on_writer_and_failover_state() {
        for m in [failover(), switchover()] {
            let applied = global(Some("us-west-2"), Some(None));
            assert!(matches!(landed(&m, &applied), Landed::Applied(_)), "{m:?}");
            let running = global(Some("us-east-1"), Some(Some("failing-over")));
            assert!(matches!(landed(&m, &running), Landed::InProgress(_)));
            // A status word this build does not know is still an operation in progress.
            let unfamiliar = global(Some("us-east-1"), Some(Some("switching-over")));
            assert!(matches!(landed(&m, &unfamiliar), Landed::InProgress(_)));
            let idle = global(Some("us-east-1"), Some(None));
            assert!(matches!(landed(&m, &idle), Landed::NotApplied(_)));
            let half = global(Some("us-east-1"), None);
            assert!(matches!(landed(&m, &half), Landed::Unknown(_)));
            assert!(matches!(
                landed(&m, &Readout::default()),
                Landed::Unknown(_)
            ));
        }
        // The driver names the writer by cluster ARN: that decides.
        let by_arn = Readout {
            global: Some(GlobalReadout {
                writer_cluster: Some(TARGET.into()),
                ..GlobalReadout::default()
            }),
            ..Readout::default()
        };
        assert!(matches!(landed(&failover(), &by_arn), Landed::Applied(_)));
    }

    #[test]
    fn promotion_judged_on_the_instance() {
        let m = Mutation::PromoteReadReplica {
            region: "us-west-2".into(),
            db_instance_identifier: "reports-west".into(),
            backup_retention_period: None,
        };
        let inst = |is_replica: bool, status: &str| Readout {
            instance: Some(Ok(InstanceReadout {
                is_replica,
                status: Some(status.into()),
            })),
            ..Readout::default()
        };
        assert!(matches!(
            landed(&m, &inst(false, "available")),
            Landed::Applied(_)
        ));
        assert!(matches!(
            landed(&m, &inst(true, "modifying")),
            Landed::InProgress(_)
        ));
        assert!(matches!(
            landed(&m, &inst(true, "available")),
            Landed::NotApplied(_)
        ));
        let unread = Readout {
            instance: Some(Err("timed out".into())),
            ..Readout::default()
        };
        assert!(matches!(landed(&m, &unread), Landed::Unknown(_)));
        assert!(matches!(
            landed(&m, &Readout::default()),
            Landed::Unknown(_)
        ));
    }

    #[test]
    fn a_local_command_cannot_be_read_back() {
        let m = Mutation::RunCommand {
            program: "true".into(),
            args: vec![],
            timeout_ms: 10,
        };
        assert!(matches!(
            landed(&m, &Readout::default()),
            Landed::Unknown(_)
        ));
    }
}
