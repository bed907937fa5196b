//! The drift section: does the environment file still match the account (ARNs,
//! endpoints, safety rules, alarms, health checks)? That is `discover --check`
//! ([`crate::discover::check`]), read through the same target as the other sections.

use super::{Finding, Section, SectionId, Severity};
use crate::config::Environment;
use crate::discover::drift::Drift;

/// The drift section from what `discover --check` found. The file naming something
/// the account no longer holds is a problem (a step would act on it); the account
/// holding something the file does not name is a warning. A read that fails leaves
/// the section not checked (with the error): reachability reports dark Regions.
pub fn section(env: &Environment, result: anyhow::Result<Vec<Drift>>) -> Section {
    match result {
        Ok(drift) if drift.is_empty() => Section::new(
            SectionId::Drift,
            vec![Finding::new(
                Severity::Info,
                "environment file",
                format!(
                    "{} matches ARC, Route 53, RDS and CloudWatch (discover --check)",
                    env.name
                ),
            )],
        ),
        Ok(drift) => Section::new(
            SectionId::Drift,
            drift
                .into_iter()
                .map(|d| {
                    let severity = if d.stale {
                        Severity::Problem
                    } else {
                        Severity::Warning
                    };
                    Finding::new(severity, d.area, d.what)
                })
                .collect(),
        ),
        Err(e) => Section::not_checked(SectionId::Drift, format!("not checked: {e:#}")),
    }
}
