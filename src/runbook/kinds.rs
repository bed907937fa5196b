//! Each step kind's body, resolved against the environment.

use super::error::RunbookErrorKind as K;
use super::file::StepFile;
use super::resolve::Resolver;
use super::step::{ControlChange, StepKind};
use serde_saphyr::Spanned;
use std::time::Duration;

const KINDS: &str = "manual, check, wait, routing_controls, aurora_switchover, aurora_failover, \
                     promote_replica, command, approval, pause, restore_backup, create_db_instance, \
                     delete_restored, scale, wait_replication";

/// Exactly one kind key; its body resolved.
pub(super) fn kind(r: &mut Resolver, s: &StepFile) -> Option<StepKind> {
    let present: Vec<(&str, serde_saphyr::Location)> = [
        ("manual", s.manual.as_ref().map(|x| x.referenced)),
        ("check", s.check.as_ref().map(|x| x.referenced)),
        ("wait", s.wait.as_ref().map(|x| x.referenced)),
        (
            "routing_controls",
            s.routing_controls.as_ref().map(|x| x.referenced),
        ),
        (
            "aurora_switchover",
            s.aurora_switchover.as_ref().map(|x| x.referenced),
        ),
        (
            "aurora_failover",
            s.aurora_failover.as_ref().map(|x| x.referenced),
        ),
        (
            "promote_replica",
            s.promote_replica.as_ref().map(|x| x.referenced),
        ),
        ("command", s.command.as_ref().map(|x| x.referenced)),
        ("approval", s.approval.as_ref().map(|x| x.referenced)),
        ("pause", s.pause.as_ref().map(|x| x.referenced)),
        (
            "restore_backup",
            s.restore_backup.as_ref().map(|x| x.referenced),
        ),
        (
            "create_db_instance",
            s.create_db_instance.as_ref().map(|x| x.referenced),
        ),
        (
            "delete_restored",
            s.delete_restored.as_ref().map(|x| x.referenced),
        ),
        ("scale", s.scale.as_ref().map(|x| x.referenced)),
        (
            "wait_replication",
            s.wait_replication.as_ref().map(|x| x.referenced),
        ),
    ]
    .into_iter()
    .filter_map(|(k, l)| l.map(|l| (k, l)))
    .collect();
    match present.as_slice() {
        [] => {
            r.err(
                K::Invalid,
                s.id.referenced,
                format!("step `{}` has no kind: add one of {KINDS}", s.id.value),
            );
            return None;
        }
        [_] => {}
        [(a, _), (b, loc), ..] => {
            r.err(
                K::Invalid,
                *loc,
                format!(
                    "step `{}` has two kinds, `{a}` and `{b}`: split it",
                    s.id.value
                ),
            );
            return None;
        }
    }
    let at = s.id.referenced;
    if let Some(m) = &s.manual {
        // Every string is checked before giving up, so one bad template does not hide
        // another (the checklist's own undefined parameters are reported too).
        let instructions = r.text(&m.value.instructions);
        let checklist: Vec<Option<String>> = m.value.checklist.iter().map(|c| r.text(c)).collect();
        let checklist = checklist.into_iter().collect::<Option<Vec<String>>>();
        return Some(StepKind::Manual {
            instructions: instructions?,
            checklist: checklist?,
        });
    }
    if let Some(c) = &s.check {
        if c.value.is_empty() {
            r.err(
                K::Invalid,
                c.referenced,
                "check needs at least one condition",
            );
        }
        return Some(StepKind::Check {
            conditions: r.conditions(&c.value, c.referenced),
        });
    }
    if let Some(w) = &s.wait {
        let until = r.conditions(&w.value.until, w.referenced);
        let timeout = r.duration(&w.value.timeout);
        let poll = match &w.value.poll {
            Some(p) => r.duration(p),
            None => Some(Duration::from_secs(5)),
        };
        if w.value.until.is_empty() {
            r.err(
                K::Invalid,
                w.referenced,
                "wait needs at least one `until:` condition",
            );
        }
        return Some(StepKind::Wait {
            until,
            timeout: timeout?,
            poll: poll?,
        });
    }
    if let Some(rc) = &s.routing_controls {
        return routing_controls(r, rc);
    }
    if let Some(m) = &s.aurora_switchover {
        let (database, global_cluster_id, from_region, to_region, target_cluster_arn) =
            aurora_target(r, &m.value.database, &m.value.to, m.value.from.as_ref(), at)?;
        return Some(StepKind::AuroraSwitchover {
            database,
            global_cluster_id,
            from_region,
            to_region,
            target_cluster_arn,
        });
    }
    if let Some(f) = &s.aurora_failover {
        let Some(allow) = f.value.allow_data_loss.as_ref() else {
            r.err(
                K::Invalid,
                f.referenced,
                "aurora_failover must state `allow_data_loss: true` (or false) explicitly",
            );
            return None;
        };
        let (database, global_cluster_id, from_region, to_region, target_cluster_arn) =
            aurora_target(r, &f.value.database, &f.value.to, f.value.from.as_ref(), at)?;
        return Some(StepKind::AuroraFailover {
            database,
            global_cluster_id,
            from_region,
            to_region,
            target_cluster_arn,
            allow_data_loss: allow.value,
        });
    }
    if let Some(p) = &s.promote_replica {
        let pair = r.replica(&p.value.database)?;
        return Some(StepKind::PromoteReplica {
            database: pair.name.clone(),
            region: pair.replica.region.clone(),
            instance_id: pair.replica.instance_id.clone(),
            backup_retention_days: p.value.backup_retention_days.as_ref().map(|b| b.value),
        });
    }
    if let Some(c) = &s.command {
        let program = r.text(&c.value.program);
        if program.as_ref().is_some_and(|p| p.trim().is_empty()) {
            r.err(K::Invalid, c.value.program.referenced, "program is empty");
        }
        let args: Vec<Option<String>> = c.value.args.iter().map(|a| r.text(a)).collect();
        let args = args.into_iter().collect::<Option<Vec<String>>>();
        let timeout = match &c.value.timeout {
            Some(t) => r.duration(t),
            None => Some(Duration::from_secs(60)),
        };
        return Some(StepKind::Command {
            program: program?,
            args: args?,
            timeout: timeout?,
        });
    }
    if let Some(a) = &s.approval {
        return Some(StepKind::Approval {
            note: a.value.note.as_ref().and_then(|n| r.text(n)),
        });
    }
    if let Some(p) = &s.pause {
        return Some(StepKind::Pause {
            duration: r.duration(p)?,
        });
    }
    if let Some(rb) = &s.restore_backup {
        return restore_backup(r, rb);
    }
    if let Some(c) = &s.create_db_instance {
        return create_db_instance(r, &c.value);
    }
    if let Some(d) = &s.delete_restored {
        return delete_restored(r, &d.value);
    }
    if let Some(sc) = &s.scale {
        return scale(r, sc);
    }
    if let Some(w) = &s.wait_replication {
        return wait_replication(r, &w.value);
    }
    None
}

/// The 10 × in issue 10's evacuation: replication is usually far faster than its
/// recent worst case, so ten times that worst case leaves a wide margin.
const DRAIN_FACTOR: u32 = 10;
const DRAIN_MINIMUM: Duration = Duration::from_secs(10);

fn wait_replication(r: &mut Resolver, f: &super::file::WaitReplicationFile) -> Option<StepKind> {
    let name = r.text(&f.table)?;
    let from = r.region(&f.from)?;
    let env = r.env;
    let Some(t) = env.global_table(&name) else {
        r.err(
            K::UnknownReference,
            f.table.referenced,
            format!("`{name}` is not under `databases: dynamodb_global_tables`"),
        );
        return None;
    };
    if !t.regions.contains(&from) {
        r.err(
            K::UnknownReference,
            f.from.referenced,
            format!("{name} has no replica in {from}"),
        );
        return None;
    }
    let factor = match &f.factor {
        Some(s) => {
            let v = r.text(s)?;
            match v.trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    r.err(
                        K::Invalid,
                        s.referenced,
                        format!("`{v}` is not a factor (1 or more)"),
                    );
                    return None;
                }
            }
        }
        None => DRAIN_FACTOR,
    };
    let minimum = match &f.minimum {
        Some(m) => r.duration(m)?,
        None => DRAIN_MINIMUM,
    };
    let fallback = r.duration(&f.fallback)?;
    Some(StepKind::WaitReplication {
        table: t.name.clone(),
        from,
        factor,
        minimum,
        fallback,
    })
}

/// Instances launch and warm up in minutes; the default leaves room for a slow day.
const SCALE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

fn scale(r: &mut Resolver, f: &Spanned<super::file::ScaleFile>) -> Option<StepKind> {
    let v = &f.value;
    let group = r.capacity_group(
        v.asg.as_ref(),
        v.ecs_service.as_ref(),
        &v.region,
        f.referenced,
    )?;
    let desired = r.capacity_count(&v.desired, group)?;
    let mut bound = |b: &Option<super::file::S>| match b {
        Some(s) => r.capacity_count(s, group).map(Some),
        None => Some(None),
    };
    let (min, max) = (bound(&v.min)?, bound(&v.max)?);
    let timeout = match &v.timeout {
        Some(t) => r.duration(t)?,
        None => SCALE_TIMEOUT,
    };
    let is_asg = matches!(group.target, crate::config::CapacityTarget::Asg { .. });
    if !is_asg && (min.is_some() || max.is_some()) {
        r.err(
            K::Invalid,
            f.referenced,
            "`min` and `max` are Auto Scaling group sizes; an ECS service has only a desired count",
        );
        return None;
    }
    // UpdateAutoScalingGroup refuses a desired capacity outside [MinSize, MaxSize]
    // (EC2 Auto Scaling API reference, UpdateAutoScalingGroup: "DesiredCapacity …
    // must be greater than or equal to the minimum size of the group and less than
    // or equal to the maximum size of the group"); caught here when both are given.
    if min.is_some_and(|m| desired < m) || max.is_some_and(|m| desired > m) {
        r.err(
            K::Invalid,
            v.desired.referenced,
            format!("desired {desired} is outside min/max given with it"),
        );
        return None;
    }
    Some(StepKind::Scale {
        group: group.name.clone(),
        region: group.region.clone(),
        target: group.target.clone(),
        desired,
        min,
        max,
        timeout,
    })
}

fn delete_restored(r: &mut Resolver, f: &super::file::DeleteRestoredFile) -> Option<StepKind> {
    let step = r.text(&f.step)?;
    let restore = r.resolved.iter().find_map(|(id, k)| match k {
        StepKind::RestoreBackup {
            region,
            name,
            resource_type,
            ..
        } if *id == step => Some((region.clone(), name.clone(), resource_type.clone())),
        _ => None,
    });
    let Some((region, name, resource_type)) = restore else {
        let known: Vec<&str> = r
            .resolved
            .iter()
            .filter(|(_, k)| matches!(k, StepKind::RestoreBackup { .. }))
            .map(|(id, _)| id.as_str())
            .collect();
        r.err(
            K::UnknownReference,
            f.step.referenced,
            format!(
                "`{step}` is not a restore_backup step before this one (restore steps: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        );
        return None;
    };
    if super::step::restore_name_key(&resource_type) != Some("DBClusterIdentifier") {
        r.err(
            K::Invalid,
            f.step.referenced,
            format!(
                "delete_restored deletes restored clusters (Aurora, DocumentDB, Neptune); \
                 `{step}` restores a {resource_type} resource"
            ),
        );
        return None;
    }
    let instances = r
        .resolved
        .iter()
        .filter_map(|(_, k)| match k {
            StepKind::CreateDbInstance {
                cluster,
                region: rg,
                instance_id,
                ..
            } if *cluster == name && *rg == region => Some(instance_id.clone()),
            _ => None,
        })
        .collect();
    Some(StepKind::DeleteRestored {
        restore_step: step,
        region,
        name,
        instances,
    })
}

/// An instance is usually available in minutes; the default leaves room for a slow day.
const CREATE_INSTANCE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn create_db_instance(r: &mut Resolver, f: &super::file::CreateDbInstanceFile) -> Option<StepKind> {
    let cluster = r.text(&f.cluster);
    let region = r.region(&f.region);
    let class = r.text(&f.class);
    let engine = r.text(&f.engine);
    let instance = f.instance.as_ref().map(|i| (r.text(i), i.referenced));
    let timeout = match &f.timeout {
        Some(t) => r.duration(t),
        None => Some(CREATE_INSTANCE_TIMEOUT),
    };
    for (v, at, what) in [
        (&cluster, f.cluster.referenced, "cluster"),
        (&class, f.class.referenced, "class"),
        (&engine, f.engine.referenced, "engine"),
    ] {
        if v.as_ref().is_some_and(|v| v.trim().is_empty()) {
            r.err(K::Invalid, at, format!("{what} is empty"));
            return None;
        }
    }
    let cluster = cluster?;
    let instance_id = match instance {
        Some((v, _)) => v?,
        None => format!("{cluster}-1"),
    };
    Some(StepKind::CreateDbInstance {
        region: region?,
        instance_id,
        class: class?,
        engine: engine?,
        timeout: timeout?,
        cluster,
    })
}

/// Restores run for up to two hours by default: AWS Backup gives no bound, and a
/// large database takes that long.
const RESTORE_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

fn restore_backup(
    r: &mut Resolver,
    rb: &Spanned<super::file::RestoreBackupFile>,
) -> Option<StepKind> {
    let f = &rb.value;
    let name = r.text(&f.name);
    let timeout = match &f.timeout {
        Some(t) => r.duration(t),
        None => Some(RESTORE_TIMEOUT),
    };
    let point = match &f.recovery_point {
        None => Some(None),
        Some(p) => r.text(p).and_then(|v| match v.as_str() {
            "latest" => Some(None),
            arn if arn.starts_with("arn:") => Some(Some(arn.to_string())),
            other => {
                r.err(
                    K::Invalid,
                    p.referenced,
                    format!("recovery_point `{other}` is neither `latest` nor an ARN"),
                );
                None
            }
        }),
    };
    let b = r.protected(&f.resource)?;
    if let Some(reg) = &f.region {
        let region = r.region(reg)?;
        if region != b.dr_region {
            r.err(
                K::Invalid,
                reg.referenced,
                format!(
                    "`{}` is backed up to vault {} in {}: a restore runs there, not in {region}",
                    b.name, b.vault, b.dr_region
                ),
            );
            return None;
        }
    }
    let Some(key) = super::step::restore_name_key(&b.resource_type) else {
        r.err(
            K::Invalid,
            f.resource.referenced,
            format!(
                "`{}` is of type {}: restore_backup restores Aurora, RDS, DynamoDB, \
                 DocumentDB and Neptune resources",
                b.name, b.resource_type
            ),
        );
        return None;
    };
    let name = name?;
    if name.trim().is_empty() {
        r.err(K::Invalid, f.name.referenced, "name is empty");
        return None;
    }
    let mut metadata = b.restore.metadata.clone();
    metadata.insert(key.to_string(), name.clone());
    Some(StepKind::RestoreBackup {
        resource: b.name.clone(),
        region: b.dr_region.clone(),
        vault: b.vault.clone(),
        resource_arn: b.resource_arn.clone(),
        resource_type: b.resource_type.clone(),
        recovery_point: point?,
        name,
        iam_role_arn: b.restore.iam_role_arn.clone(),
        metadata,
        timeout: timeout?,
    })
}

fn routing_controls(
    r: &mut Resolver,
    rc: &Spanned<Vec<super::file::ControlChangeFile>>,
) -> Option<StepKind> {
    if rc.value.is_empty() {
        r.err(
            K::Invalid,
            rc.referenced,
            "routing_controls needs at least one control",
        );
        return None;
    }
    let mut changes: Vec<ControlChange> = Vec::new();
    let n = r.errors.len();
    for c in &rc.value {
        let control = r.control(&c.control);
        let state = r.control_state(&c.state);
        let (Some(control), Some(state)) = (control, state) else {
            continue;
        };
        if changes.iter().any(|x| x.arn == control.arn) {
            r.err(
                K::Duplicate,
                c.control.referenced,
                format!(
                    "routing control `{}` appears twice in this step",
                    control.name
                ),
            );
            continue;
        }
        changes.push(ControlChange {
            control: control.name.clone(),
            arn: control.arn.clone(),
            panel: control.panel.clone(),
            gates: control.gates.clone(),
            state,
        });
    }
    (r.errors.len() == n).then_some(StepKind::RoutingControls { changes })
}

/// (database, global cluster id, from Region, to Region, target cluster ARN).
fn aurora_target(
    r: &mut Resolver,
    database: &super::file::S,
    to: &super::file::S,
    from: Option<&super::file::S>,
    at: serde_saphyr::Location,
) -> Option<(String, String, String, String, String)> {
    let db = r.aurora(database)?;
    let to_region = r.member_region(db, to)?;
    let from_region = match from {
        Some(f) => r.member_region(db, f)?,
        None => {
            // With two members the source is the other one; otherwise it must be named.
            let others: Vec<&str> = db
                .members
                .iter()
                .filter(|m| m.region != to_region)
                .map(|m| m.region.as_str())
                .collect();
            match others.as_slice() {
                [one] => (*one).to_string(),
                _ => {
                    r.err(
                        K::Invalid,
                        at,
                        format!(
                            "database `{}` has {} members: add `from:` (the current writer's Region)",
                            db.name,
                            db.members.len()
                        ),
                    );
                    return None;
                }
            }
        }
    };
    if from_region == to_region {
        r.err(
            K::Invalid,
            to.referenced,
            "`to` and `from` are the same Region",
        );
        return None;
    }
    let target = db.members.iter().find(|m| m.region == to_region)?;
    Some((
        db.name.clone(),
        db.global_cluster_id.clone(),
        from_region,
        to_region,
        target.cluster_arn.clone(),
    ))
}
