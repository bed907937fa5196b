//! From the file as written to a [`Runbook`]: parameters, ids, kinds, goto targets
//! and every reference checked; all errors reported with `file:line:column`.

use super::error::{RunbookErrorKind as K, RunbookErrors, Source};
use super::file::{ConfirmFile, OnFailureFile, RunbookFile, StepFile};
use super::resolve::Resolver;
use super::step::{Confirm, OnFailure, Runbook, Step};
use crate::config::Environment;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Reads, parses and validates a runbook file; `params` are `--param k=v` overrides.
pub fn load(
    path: &Path,
    env: &Environment,
    params: &BTreeMap<String, String>,
) -> Result<Runbook, RunbookErrors> {
    let origin = path.display().to_string();
    let text = crate::config::read_input_file(path).map_err(|e| {
        RunbookErrors(vec![
            Source {
                origin: &origin,
                text: "",
            }
            .input(&e),
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
        restore_steps: BTreeMap::new(),
        resolved: Vec::new(),
        errors: Vec::new(),
    };
    r.params = parameters(&mut r, &raw, params);
    // `restore_job` conditions name a restore step, wherever it is in the file.
    r.restore_steps = raw
        .steps
        .value
        .iter()
        .filter_map(|s| {
            let rb = s.restore_backup.as_ref()?;
            // A bad template here is reported where the step itself is resolved.
            let resource = &rb.value.resource.value;
            Some((
                s.id.value.clone(),
                super::template::render(resource, &r.params).unwrap_or_else(|_| resource.clone()),
            ))
        })
        .collect();
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
    let kind = super::kinds::kind(r, s);
    if let Some(k) = &kind {
        r.resolved.push((s.id.value.clone(), k.clone()));
        // Deleting a database is confirmed by typing its name, whatever the file says.
        let typed = matches!(
            s.confirm.as_ref().map(|c| &c.value),
            Some(ConfirmFile::Typed)
        );
        if matches!(k, super::step::StepKind::DeleteRestored { .. }) && !typed {
            r.err(
                K::Invalid,
                at,
                format!(
                    "step `{}` deletes a database: add `confirm: typed`",
                    s.id.value
                ),
            );
        }
    }
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
