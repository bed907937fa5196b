//! From the file as written to a [`Runbook`]: parameters, ids, kinds, goto targets
//! and every reference checked; all errors reported with `file:line:column`.

use super::error::{RunbookError, RunbookErrorKind as K, RunbookErrors, Source};
use super::file::{ConfirmFile, OnFailureFile, RunbookFile, StepFile};
use super::resolve::Resolver;
use super::step::{Confirm, ControlChange, OnFailure, Runbook, Step, StepKind};
use crate::config::Environment;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

const KINDS: &str = "manual, check, wait, routing_controls, aurora_switchover, aurora_failover, \
                     promote_replica, command, approval, pause";

/// Reads, parses and validates a runbook file; `params` are `--param k=v` overrides.
pub fn load(
    path: &Path,
    env: &Environment,
    params: &BTreeMap<String, String>,
) -> Result<Runbook, RunbookErrors> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        RunbookErrors(vec![
            Source {
                origin: &origin,
                text: "",
            }
            .io(&e),
        ])
    })?;
    let mut rb = parse(&text, &origin, env, params)?;
    rb.path = Some(path.to_path_buf());
    Ok(rb)
}

/// Parses and validates text; `origin` names it in errors.
pub fn parse(
    text: &str,
    origin: &str,
    env: &Environment,
    params: &BTreeMap<String, String>,
) -> Result<Runbook, RunbookErrors> {
    let src = Source { origin, text };
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(RunbookErrors(vec![src.at_pos(
            K::Syntax,
            1,
            1,
            "the runbook file is empty",
        )]));
    }
    let raw: RunbookFile =
        serde_saphyr::from_str(text).map_err(|e| RunbookErrors(vec![src.yaml(&e)]))?;
    let mut r = Resolver {
        src,
        env,
        params: BTreeMap::new(),
        declared: raw.parameters.keys().cloned().collect(),
        errors: Vec::new(),
    };
    r.params = parameters(&mut r, &raw, params);
    let rb = runbook(&mut r, &raw, text);
    if r.errors.is_empty() {
        Ok(rb)
    } else {
        r.errors.sort_by_key(|e| (e.line, e.column));
        r.errors.dedup();
        Err(RunbookErrors(r.errors))
    }
}

fn parameters(
    r: &mut Resolver,
    raw: &RunbookFile,
    overrides: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in overrides {
        if !raw.parameters.contains_key(k) {
            let known: Vec<&str> = raw.parameters.keys().map(String::as_str).collect();
            r.errors.push(r.src.at_pos(
                K::UnknownReference,
                1,
                1,
                format!(
                    "--param {k}: the runbook has no parameter `{k}` (it has: {})",
                    known.join(", ")
                ),
            ));
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    for (name, p) in &raw.parameters {
        if out.contains_key(name) {
            continue;
        }
        match &p.value.default {
            // A default may not itself use templates.
            Some(d) if d.value.contains("{{") => r.err(
                K::Template,
                d.referenced,
                "a parameter default cannot use `{{…}}`",
            ),
            Some(d) => {
                out.insert(name.clone(), d.value.clone());
            }
            None => r.err(
                K::Invalid,
                p.referenced,
                format!("parameter `{name}` has no default: pass --param {name}=VALUE"),
            ),
        }
    }
    out
}

fn runbook(r: &mut Resolver, raw: &RunbookFile, text: &str) -> Runbook {
    let environment = r.text(&raw.environment).unwrap_or_default();
    // A twin built from an environment file is named "<name> (twin)".
    if environment != r.env.name && format!("{environment} (twin)") != r.env.name {
        r.err(
            K::UnknownReference,
            raw.environment.referenced,
            format!(
                "this runbook is for environment `{environment}`, but the loaded environment is `{}`",
                r.env.name
            ),
        );
    }
    let rto = r.duration(&raw.rto).unwrap_or_default();
    if raw.steps.value.is_empty() {
        r.err(
            K::Invalid,
            raw.steps.referenced,
            "a runbook needs at least one step",
        );
    }
    let mut seen: HashMap<String, u64> = HashMap::new();
    for s in &raw.steps.value {
        if let Some(line) = seen.insert(s.id.value.clone(), s.id.referenced.line()) {
            r.err(
                K::Duplicate,
                s.id.referenced,
                format!("duplicate step id `{}` (first on line {line})", s.id.value),
            );
        }
        if s.id.value.trim().is_empty() || s.id.value.contains("{{") {
            r.err(
                K::Invalid,
                s.id.referenced,
                "a step id must be a plain, non-empty name",
            );
        }
    }
    let steps: Vec<Step> = raw
        .steps
        .value
        .iter()
        .filter_map(|s| step(r, s, &seen))
        .collect();
    Runbook {
        name: raw.name.value.clone(),
        summary: raw.summary.as_ref().and_then(|s| r.text(s)),
        environment,
        rto,
        params: r.params.clone(),
        steps,
        path: None,
        hash: hex::encode(Sha256::digest(text.as_bytes())),
    }
}

fn step(r: &mut Resolver, s: &StepFile, ids: &HashMap<String, u64>) -> Option<Step> {
    let at = s.id.referenced;
    let kind = kind(r, s);
    let require = r.conditions(&s.require, at);
    let verify = r.conditions(&s.verify, at);
    let on_failure = match s.on_failure.as_ref().map(|o| &o.value) {
        None | Some(OnFailureFile::Stop) => OnFailure::Stop,
        Some(OnFailureFile::Continue) => OnFailure::Continue,
        Some(OnFailureFile::Goto(target)) => {
            if !ids.contains_key(&target.value) {
                r.err(
                    K::UnknownReference,
                    target.referenced,
                    format!("goto target `{}` is not a step id", target.value),
                );
            } else if target.value == s.id.value {
                r.err(
                    K::Invalid,
                    target.referenced,
                    "a step cannot goto itself on failure",
                );
            }
            OnFailure::Goto(target.value.clone())
        }
    };
    let title = match &s.title {
        Some(t) => r.text(t).unwrap_or_default(),
        None => {
            r.err(
                K::Invalid,
                at,
                format!("step `{}` has no `title:`", s.id.value),
            );
            String::new()
        }
    };
    let kind = kind?;
    let confirm = match s.confirm.as_ref() {
        None if kind.is_mutating() => Confirm::Yes,
        None => Confirm::None,
        Some(Spanned {
            value: ConfirmFile::None,
            referenced,
            ..
        }) if kind.is_mutating() => {
            r.err(
                K::Invalid,
                *referenced,
                format!(
                    "{} changes the world: confirm must be yes or typed",
                    kind.name()
                ),
            );
            Confirm::Yes
        }
        Some(c) => match c.value {
            ConfirmFile::None => Confirm::None,
            ConfirmFile::Yes => Confirm::Yes,
            ConfirmFile::Typed => Confirm::Typed,
        },
    };
    Some(Step {
        id: s.id.value.clone(),
        title,
        kind,
        require,
        verify,
        on_failure,
        confirm,
        line: at.line(),
    })
}

/// Exactly one kind key; its body resolved.
fn kind(r: &mut Resolver, s: &StepFile) -> Option<StepKind> {
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
        let instructions = r.text(&m.value.instructions)?;
        let checklist = m.value.checklist.iter().filter_map(|c| r.text(c)).collect();
        return Some(StepKind::Manual {
            instructions,
            checklist,
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
        let program = r.text(&c.value.program)?;
        if program.trim().is_empty() {
            r.err(K::Invalid, c.value.program.referenced, "program is empty");
        }
        let args = c.value.args.iter().filter_map(|a| r.text(a)).collect();
        let timeout = match &c.value.timeout {
            Some(t) => r.duration(t)?,
            None => Duration::from_secs(60),
        };
        return Some(StepKind::Command {
            program,
            args,
            timeout,
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
    None
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

/// Used by tests and `validate`: the first error, if any, as one value.
pub fn first(errors: &RunbookErrors) -> Option<&RunbookError> {
    errors.0.first()
}
