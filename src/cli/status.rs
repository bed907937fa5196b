//! `drconsole status`: wait for one complete snapshot, print it, exit 0 when
//! everything is known and fresh, 1 when anything is unknown or stale, 2 on error.

use crate::cli::StatusArgs;
use crate::cli::target;
use crate::model::snapshot::RestoreTest;
use crate::model::snapshot::Snapshot;
use crate::monitor::{self, MonitorOptions};
use anyhow::Context;
use chrono::{DateTime, Utc};
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;

pub fn run(args: StatusArgs) -> anyhow::Result<i32> {
    init_logging();
    let runtime = super::command_runtime()?;
    let snapshot = runtime.block_on(take_snapshot(&args))?;
    // Hung requests to a dark twin Region must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(200));
    let text = if args.json {
        serde_json::to_string_pretty(&snapshot).context("cannot encode the snapshot")?
    } else {
        render_text(&snapshot)
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").context("cannot write to stdout")?;
    Ok(if snapshot.has_unknown() { 1 } else { 0 })
}

/// The default log filter: warnings, except aws-config's credential-chain and IMDS
/// probing, which warns once per probe on every machine that is not EC2 (the
/// outcome is reported in one plain line instead).
pub const DEFAULT_LOG_FILTER: &str = "warn,aws_config=error";

/// Logs to stderr, [`DEFAULT_LOG_FILTER`] unless `RUST_LOG` says otherwise.
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER));
    // A second call (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn take_snapshot(args: &StatusArgs) -> anyhow::Result<Snapshot> {
    let session = target::connect(&args.target).await?;
    let opts = MonitorOptions {
        poll: session.poll,
        state_dir: Some(crate::runbook::journal::default_state_dir()),
        ..MonitorOptions::default()
    };
    let mut handle = monitor::spawn(session.provider.clone(), session.env.clone(), opts);
    let wait = Duration::from_secs(args.timeout.max(1));
    let snap = match tokio::time::timeout(wait, handle.first_complete()).await {
        Ok(s) => s,
        Err(_) => {
            tracing::warn!(
                "no complete snapshot within {} s; printing what is known",
                wait.as_secs()
            );
            handle.latest()
        }
    };
    Ok((*snap).clone())
}

fn hms(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

fn seen(at: Option<DateTime<Utc>>, stale: bool) -> String {
    match (at, stale) {
        (_, false) => String::new(),
        (Some(t), true) => format!("  [STALE, last read {} UTC]", hms(t)),
        (None, true) => "  [UNKNOWN, never read]".to_string(),
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>, unit: &str) -> String {
    v.map(|v| format!("{v}{unit}"))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The snapshot for people.
pub fn render_text(s: &Snapshot) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = write_text(&mut o, s);
    o.trim_end().to_string()
}

fn write_text(o: &mut String, s: &Snapshot) -> std::fmt::Result {
    writeln!(
        o,
        "{}  {}{}  at {} UTC (poll {} ms, RTO {} s, RPO {} ms)",
        s.environment,
        s.mode.as_str(),
        if s.read_only { "  READ-ONLY" } else { "" },
        hms(s.taken_at),
        s.poll_period_ms,
        s.rto_target_s,
        s.rpo_target_ms
    )?;
    match (&s.identity, &s.identity_error) {
        (Some(id), _) => writeln!(o, "identity: {} (account {})", id.arn, id.account)?,
        (None, Some(e)) => writeln!(o, "identity: UNKNOWN ({e})")?,
        (None, None) => writeln!(o, "identity: UNKNOWN (not read yet)")?,
    }

    writeln!(o, "\nRegions")?;
    for r in &s.regions {
        writeln!(
            o,
            "  {:<16} {:<9} {:<8}  {}",
            r.name,
            r.role.as_str(),
            r.verdict.as_str().to_uppercase(),
            r.reasons.join("; ")
        )?;
    }

    writeln!(o, "\nAurora global databases")?;
    for d in &s.databases {
        let failover = match &d.failover {
            None => "none".to_string(),
            Some(f) => format!(
                "{} {} → {}{}",
                f.status,
                opt(f.from_region.as_deref(), ""),
                opt(f.to_region.as_deref(), ""),
                if f.data_loss_allowed {
                    " (data loss allowed)"
                } else {
                    ""
                }
            ),
        };
        writeln!(
            o,
            "  {} ({}): writer {}, status {}, failover {}{}",
            d.name,
            d.global_cluster_id,
            opt(d.writer_region.as_deref(), ""),
            opt(d.status.as_deref(), ""),
            failover,
            seen(d.observed_at, d.stale)
        )?;
        if let Some(e) = &d.error {
            writeln!(o, "    error: {e}")?;
        }
        for m in &d.members {
            let line = match m.is_writer {
                // The writer reports no replication lag of its own.
                Some(true) => "writer".to_string(),
                Some(false) => format!(
                    "reader   lag {}  RPO lag {}",
                    opt(m.lag_ms.map(|v| format!("{v:.0}")), " ms"),
                    opt(m.rpo_lag_ms.map(|v| format!("{v:.0}")), " ms")
                ),
                None => "role unknown".to_string(),
            };
            writeln!(o, "    {:<16} {line}", m.region)?;
        }
    }
    if !s.replicas.is_empty() {
        writeln!(o, "\nRDS read replicas")?;
        for r in &s.replicas {
            writeln!(
                o,
                "  {}: {} ({}) ← {} ({}): {}, replication {}, lag {}{}",
                r.name,
                r.replica_instance,
                r.replica_region,
                r.primary_instance,
                r.primary_region,
                opt(r.replica_status.as_deref(), ""),
                opt(r.replication_status.as_deref(), ""),
                opt(r.lag_s.map(|v| format!("{v:.0}")), " s"),
                seen(r.observed_at, r.stale)
            )?;
        }
    }

    if !s.backups.is_empty() {
        writeln!(o, "\nBackups (newest usable point in the DR vault)")?;
        for b in &s.backups {
            let age = |secs: i64| crate::tui::view::text::age(secs.saturating_mul(1000));
            let rpo = age(i64::try_from(b.rpo_s).unwrap_or(i64::MAX / 1000));
            let point = match (&b.newest, b.age_s) {
                (Some(p), Some(secs)) => format!(
                    "newest point {}{} old, {}",
                    if p.backup_time_known { "" } else { ">= " },
                    age(secs),
                    match b.fresh {
                        Some(true) => format!("within its {rpo} RPO"),
                        Some(false) => format!("OVER its {rpo} RPO"),
                        None => format!("age unverified against its {rpo} RPO"),
                    }
                ),
                _ if b.observed_at.is_some() => "no completed point".to_string(),
                _ => "unknown".to_string(),
            };
            let copy = match (&b.latest_copy, &b.copy_error) {
                (_, Some(e)) => format!("copy jobs unknown: {e}"),
                (Some(c), None) => format!("latest copy {}", c.state),
                (None, None) => "no copy job seen".to_string(),
            };
            let compact =
                |secs: i64| crate::tui::view::text::age_compact(secs.saturating_mul(1000));
            let tested = match b.restore_test(s.taken_at) {
                Some(RestoreTest::Overdue { by_s }) => {
                    format!("; restore test overdue by {}", compact(by_s))
                }
                Some(RestoreTest::Tested { ago_s }) => {
                    format!("; restore tested {} ago", compact(ago_s))
                }
                Some(RestoreTest::Never { every_s }) => {
                    format!("; restore never tested (every {})", compact(every_s))
                }
                None => String::new(),
            };
            writeln!(
                o,
                "  {}: {} ({}) → {} in {}: {point}; {copy}{tested}{}",
                b.name,
                b.resource_type,
                b.source_region,
                b.vault,
                b.dr_region,
                seen(b.observed_at, b.stale)
            )?;
        }
    }

    if !s.dynamodb.is_empty() || !s.s3_replication.is_empty() {
        writeln!(o, "\nReplication beyond Aurora and RDS")?;
        let ms = |v: Option<f64>| v.map_or("unknown".to_string(), |v| format!("{v:.0} ms"));
        for t in &s.dynamodb {
            writeln!(
                o,
                "  {} (DynamoDB {}, {}): {}",
                t.name,
                t.table,
                t.write.as_str(),
                t.write.caveat()
            )?;
            for l in &t.links {
                writeln!(
                    o,
                    "    {} -> {}: latency {} (recent max {})",
                    l.from,
                    l.to,
                    ms(l.latency_ms),
                    ms(l.recent_max_ms)
                )?;
            }
        }
        for b in &s.s3_replication {
            let n = |v: Option<f64>| v.map_or("unknown".to_string(), |v| format!("{v:.0}"));
            writeln!(
                o,
                "  {} (S3 {} {} -> {} {}, rule {}, {}): latency {} s, {} operations and {} bytes pending",
                b.name,
                b.source_region,
                b.source_bucket,
                b.destination_region,
                b.destination_bucket,
                b.rule_id,
                b.write.as_str(),
                n(b.latency_s),
                n(b.operations_pending),
                n(b.bytes_pending)
            )?;
        }
    }

    if !s.capacity.is_empty() {
        writeln!(o, "\nCapacity (in service / production need)")?;
        for c in &s.capacity {
            let counts = match (c.in_service, c.desired) {
                (Some(n), Some(d)) => {
                    let mut t = format!("{n}/{} {} in service, desired {d}", c.production, c.unit);
                    if let Some(w) = c.warming.filter(|w| *w > 0) {
                        t.push_str(&format!(", {w} warming up"));
                    }
                    if let Some(u) = c.unhealthy.filter(|u| *u > 0) {
                        t.push_str(&format!(", {u} unhealthy"));
                    }
                    if let Some(level) = c.level() {
                        t.push_str(&format!(" ({level})"));
                    }
                    t
                }
                _ => format!("unknown: {}", c.error.as_deref().unwrap_or("not read yet")),
            };
            writeln!(
                o,
                "  {} ({}) in {}: {counts}{}",
                c.name,
                c.resource,
                c.region,
                seen(c.observed_at, c.stale)
            )?;
        }
    }

    writeln!(o, "\nRouting controls")?;
    let mut panels: Vec<&str> = s.controls.iter().map(|c| c.panel.as_str()).collect();
    panels.dedup();
    for panel in panels {
        writeln!(o, "  panel {panel}")?;
        for c in s.controls.iter().filter(|c| c.panel == panel) {
            writeln!(
                o,
                "    {:<24} {:<7} gates {}{}",
                c.name,
                opt(c.state, ""),
                c.gates,
                seen(c.observed_at, c.stale)
            )?;
        }
        for r in s.rules.iter().filter(|r| r.panel == panel) {
            let holds = match r.satisfied {
                Some(true) => "holds",
                Some(false) => "VIOLATED",
                None => "unknown",
            };
            writeln!(o, "    rule {}: {} ({holds})", r.name, r.description)?;
        }
    }

    writeln!(o, "\nARC cluster endpoints")?;
    for e in &s.endpoints {
        writeln!(
            o,
            "  #{} {:<16} {:>9}  {}",
            e.index + 1,
            e.region,
            e.last_latency_ms
                .map(|v| format!("{v} ms"))
                .unwrap_or_else(|| "-".to_string()),
            match (&e.last_error, e.last_used) {
                (Some(err), _) => err.clone(),
                (None, Some(_)) => "ok".to_string(),
                (None, None) => "not used yet".to_string(),
            }
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::render_text;
    use crate::tui::synthetic;

    /// Issue 9: the Backups section says fresh, over RPO and unverified in words.
    #[test]
    fn the_backups_section_says_within_over_or_unverified() {
        let text = render_text(&synthetic::with_backups(synthetic::fixed_now()));
        assert!(
            text.contains("orders-db: Aurora (us-east-1) → orders-dr-vault in us-west-2: newest point 1h05m old, within its 4h00m RPO; latest copy COMPLETED"),
            "{text}"
        );
        assert!(
            text.contains("ledger-db") && text.contains("OVER its 4h00m RPO; latest copy FAILED"),
            "{text}"
        );
        assert!(
            text.contains("newest point >= 2h00m old, age unverified against its 24h00m RPO; copy jobs unknown: timeout after 10 s"),
            "{text}"
        );
    }
}
