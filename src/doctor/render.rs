//! The report for people: sections in order, one line per finding, a summary line.

use super::{Finding, Report, Severity};
use std::fmt::Write as _;

pub fn text(r: &Report) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = write_text(&mut o, r);
    o
}

fn write_text(o: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(o, "drconsole doctor: {} ({})", r.environment, r.mode)?;
    for s in &r.sections {
        writeln!(o, "\n{}", s.title)?;
        if let Some(note) = &s.note {
            writeln!(o, "  {note}")?;
        }
        for f in &s.findings {
            line(o, f)?;
        }
    }
    writeln!(o)?;
    writeln!(o, "{}", summary_line(r))
}

fn line(o: &mut String, f: &Finding) -> std::fmt::Result {
    let latency = f
        .latency_ms
        .map(|ms| format!(" ({ms} ms)"))
        .unwrap_or_default();
    writeln!(
        o,
        "  {:<8} {}: {}{latency}",
        f.severity.label(),
        f.about,
        f.message
    )?;
    if f.severity != Severity::Info {
        if let Some(c) = &f.calls {
            writeln!(o, "           calls: {c}")?;
        }
        if let Some(r) = &f.reference {
            writeln!(o, "           see: {r}")?;
        }
    }
    Ok(())
}

/// `ready` (and the warning count, if any) or `N problems, M warnings`.
pub fn summary_line(r: &Report) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let warnings = plural(r.summary.warnings, "warning", "warnings");
    if r.ready {
        if r.summary.warnings == 0 {
            "ready".to_string()
        } else {
            format!("ready ({warnings})")
        }
    } else {
        format!(
            "{}, {warnings}",
            plural(r.summary.problems, "problem", "problems")
        )
    }
}
