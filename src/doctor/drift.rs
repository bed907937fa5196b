//! The drift section: does the environment file still match the account (ARNs,
//! endpoints, safety rules)? That is `discover --check`, being built in
//! `src/discover`. Until it is wired, the section says it was not checked.
//!
//! To wire it: implement [`DriftCheck`] over `discover`'s comparison and pass it to
//! [`section`] from `cli::doctor` (one line there); nothing else changes.

use super::{Finding, Section, SectionId};
use std::future::Future;
use std::pin::Pin;

/// What the section says while nothing is wired.
pub const NOT_WIRED: &str = "not checked (discover --check not wired)";

/// A source of drift findings. Boxed future so a trait object works without an
/// async-trait dependency.
pub trait DriftCheck: Send + Sync {
    fn check<'a>(
        &'a self,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<Vec<Finding>>> + Send + 'a>>;
}

/// The drift section from `check`, or "not checked" without one. A check that
/// fails is a section not checked (with the error), not a problem: drift is read
/// from control planes, which the doctor does not hold against the environment.
pub async fn section(check: Option<&dyn DriftCheck>) -> Section {
    match check {
        None => Section::not_checked(SectionId::Drift, NOT_WIRED),
        Some(c) => match c.check().await {
            Ok(findings) => Section::new(SectionId::Drift, findings),
            Err(e) => Section::not_checked(SectionId::Drift, format!("not checked: {e:#}")),
        },
    }
}
