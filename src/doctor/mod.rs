//! `drconsole doctor`: a readiness report for one environment and its runbooks, run
//! before game days and on a schedule. It only reads: nothing here sends a mutating
//! call (the choke point is never reached; the e2e test checks the twin's log).
//!
//! The report is sections of findings. Each finding has a severity and names what it
//! is about (a runbook and step, an endpoint, a Region). The pure parts (static
//! stability, runbooks) take the environment and validated runbooks; the parts that
//! read (credentials, reachability) take the provider.

pub mod credentials;
pub mod drift;
pub mod reach;
pub mod render;
pub mod runbooks;
pub mod stability;

use serde::Serialize;

/// How much a finding matters. `Problem` makes the environment not ready (exit 1);
/// `Warning` is worth reading before a game day but does not fail the check; `Info`
/// is something that was checked and is fine (or is only worth knowing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Problem,
    Warning,
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Problem => "PROBLEM",
            Severity::Warning => "warning",
            Severity::Info => "ok",
        }
    }
}

/// One thing the doctor found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// What the finding is about, for people: `pilot-light-failover / scale-out`,
    /// `ARC endpoint 3 (ap-southeast-2)`, `us-west-2 CloudWatch`.
    pub about: String,
    /// The runbook (file stem) when the finding is about one.
    pub runbook: Option<String>,
    /// The step id when the finding is about a step.
    pub step: Option<String>,
    /// What it calls or reads (`UpdateAutoScalingGroup in us-west-2`), when that is
    /// the point of the finding.
    pub calls: Option<String>,
    pub message: String,
    /// Round trip of the read that answered (reachability only).
    pub latency_ms: Option<u64>,
    /// The AWS documentation the finding rests on, when it rests on AWS behaviour.
    pub reference: Option<String>,
}

impl Finding {
    pub fn new(severity: Severity, about: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity,
            about: about.into(),
            runbook: None,
            step: None,
            calls: None,
            message: message.into(),
            latency_ms: None,
            reference: None,
        }
    }

    /// A finding about one step of one runbook; `about` is `runbook / step`.
    pub fn step(severity: Severity, runbook: &str, step: &str, message: impl Into<String>) -> Self {
        Finding {
            runbook: Some(runbook.to_string()),
            step: Some(step.to_string()),
            ..Finding::new(severity, format!("{runbook} / {step}"), message)
        }
    }

    pub fn calls(mut self, calls: impl Into<String>) -> Self {
        self.calls = Some(calls.into());
        self
    }

    pub fn reference(mut self, r: &str) -> Self {
        self.reference = Some(r.to_string());
        self
    }

    pub fn latency(mut self, d: std::time::Duration) -> Self {
        self.latency_ms = Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self
    }

    pub fn runbook(mut self, name: &str) -> Self {
        self.runbook = Some(name.to_string());
        self
    }
}

/// The report's sections, in the order they print. The JSON `id`s are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionId {
    StaticStability,
    Credentials,
    Reachability,
    Runbooks,
    /// Environment file vs the account (`discover --check`); see [`drift`].
    Drift,
}

impl SectionId {
    pub fn title(self) -> &'static str {
        match self {
            SectionId::StaticStability => "Static stability",
            SectionId::Credentials => "Credentials",
            SectionId::Reachability => "Reachability",
            SectionId::Runbooks => "Runbooks",
            SectionId::Drift => "Drift",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: SectionId,
    pub title: &'static str,
    /// False when the section could not be checked at all (`note` says why).
    pub checked: bool,
    pub note: Option<String>,
    pub findings: Vec<Finding>,
}

impl Section {
    pub fn new(id: SectionId, findings: Vec<Finding>) -> Self {
        Section {
            id,
            title: id.title(),
            checked: true,
            note: None,
            findings,
        }
    }

    pub fn not_checked(id: SectionId, why: impl Into<String>) -> Self {
        Section {
            checked: false,
            note: Some(why.into()),
            ..Section::new(id, Vec::new())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub problems: usize,
    pub warnings: usize,
    pub ok: usize,
}

/// The whole report; its JSON form is documented in `cli::doctor`'s help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub environment: String,
    /// `simulated` or `live`.
    pub mode: String,
    pub ready: bool,
    pub summary: Summary,
    pub sections: Vec<Section>,
}

impl Report {
    pub fn new(environment: &str, mode: crate::model::Mode, sections: Vec<Section>) -> Report {
        let count = |s: Severity| {
            sections
                .iter()
                .flat_map(|x| x.findings.iter())
                .filter(|f| f.severity == s)
                .count()
        };
        let summary = Summary {
            problems: count(Severity::Problem),
            warnings: count(Severity::Warning),
            ok: count(Severity::Info),
        };
        Report {
            environment: environment.to_string(),
            mode: mode.as_str().to_lowercase(),
            ready: summary.problems == 0,
            summary,
            sections,
        }
    }

    /// 0 ready (warnings alone do not fail the check: a pilot light always scales
    /// with a control plane, and a scheduled check must not cry wolf every day);
    /// 1 when any finding is a problem.
    pub fn exit_code(&self) -> i32 {
        if self.ready { 0 } else { 1 }
    }

    pub fn section(&self, id: SectionId) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}
