//! The runbooks section: every runbook in the search path validated against the
//! environment (the same `validate::load` as `drconsole validate`), runbooks for
//! another environment named as such, and the steps that need break-glass.

use super::{Finding, Severity};
use crate::config::Environment;
use crate::runbook::step::Runbook;
use crate::runbook::{plan, validate};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What was found on disk: the findings, and the runbooks that validated (by file
/// stem) for the static-stability analysis.
pub struct Checked {
    pub findings: Vec<Finding>,
    pub runbooks: Vec<(String, Runbook)>,
}

/// The runbook files the console would list (one search order for both).
pub fn list(dirs: &[PathBuf]) -> Vec<PathBuf> {
    crate::cli::console_runbooks::search::runbook_files(dirs)
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// Only the `environment:` key, to tell "written for another environment" from a
/// broken runbook before validating.
#[derive(serde::Deserialize)]
struct Header {
    environment: Option<String>,
}

/// The environment a runbook file names, when it can be read at all.
fn declared_environment(path: &Path) -> Option<String> {
    let text = crate::config::read_input_file(path).ok()?;
    serde_saphyr::from_str::<Header>(&text).ok()?.environment
}

/// True when `declared` is this environment (a twin of file `E` is named `E (twin)`,
/// as `validate` accepts).
fn same_environment(declared: &str, env: &Environment) -> bool {
    declared == env.name || format!("{declared} (twin)") == env.name
}

pub fn check(files: &[PathBuf], env: &Environment) -> Checked {
    let mut findings = Vec::new();
    let mut runbooks = Vec::new();
    if files.is_empty() {
        findings.push(Finding::new(
            Severity::Warning,
            "runbooks",
            "no runbook found in the search path: nothing to fail over with",
        ));
    }
    for path in files {
        let name = stem(path);
        if let Some(other) = declared_environment(path).filter(|e| !same_environment(e, env)) {
            findings.push(
                Finding::new(
                    Severity::Info,
                    &name,
                    format!(
                        "written for environment `{other}`, not `{}`: not checked here",
                        env.name
                    ),
                )
                .runbook(&name),
            );
            continue;
        }
        match validate::load(path, env, &BTreeMap::new()) {
            Ok(rb) => {
                findings.push(
                    Finding::new(
                        Severity::Info,
                        &name,
                        format!(
                            "validates: {} ({} steps, {} mutating)",
                            rb.name,
                            rb.steps.len(),
                            rb.steps.iter().filter(|s| s.kind.is_mutating()).count()
                        ),
                    )
                    .runbook(&name),
                );
                // ARC refuses an update a safety rule forbids unless
                // SafetyRulesToOverride names the rule (ARC Routing Control API
                // reference, UpdateRoutingControlStates): a warning, since a game day
                // may mean to break glass.
                for b in plan::break_glass(&rb, env) {
                    findings.push(
                        Finding::step(Severity::Warning, &name, &b.step, b.message)
                            .calls("UpdateRoutingControlStates with SafetyRulesToOverride")
                            .reference(
                                "ARC Routing Control API reference, \
                                 UpdateRoutingControlStates: SafetyRulesToOverride",
                            ),
                    );
                }
                runbooks.push((name, rb));
            }
            Err(errs) => {
                let text = errs.to_string();
                let first = text.lines().next().unwrap_or_default().to_string();
                let more = errs.0.len().saturating_sub(1);
                let message = if more > 0 {
                    format!("does not validate: {first} (and {more} more)")
                } else {
                    format!("does not validate: {first}")
                };
                findings.push(Finding::new(Severity::Problem, &name, message).runbook(&name));
            }
        }
    }
    Checked { findings, runbooks }
}
