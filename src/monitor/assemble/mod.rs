//! Builds a [`Snapshot`] from the observations: pure, given the clock.

use super::observe::{Observations, health_check_key, lag_key, replica_key, rpo_key};
use super::verdict::{RegionEvidence, verdict};
use crate::config::{AuroraGlobal, Environment, PanelRule};
use crate::model::snapshot::{
    AlarmStatus, ControlStatus, DatabaseStatus, EndpointStatus, FailoverStatus, HealthCheckStatus,
    MemberStatus, RegionStatus, ReplicaStatus, RuleStatus, Snapshot,
};
use crate::model::{ControlState, Mode, SafetyRuleKind};
use chrono::{DateTime, Duration, Utc};

/// Route 53 health-check metrics exist only here.
pub const HEALTH_CHECK_REGION: &str = "us-east-1";

/// What the snapshot says about the session itself.
#[derive(Debug, Clone)]
pub struct Context {
    pub mode: Mode,
    pub read_only: bool,
    pub poll_period_ms: u64,
    /// Older observations are stale (two poll periods, a little less to leave room
    /// for the assembler's tick).
    pub stale_after: Duration,
    /// A metric datapoint older than this (by the period it describes, not by when
    /// it was read) is unknown: max(3 periods, 3 minutes).
    pub metric_fresh_for: Duration,
    /// Metrics are read once a period: a Region's metric read counts as current while
    /// it succeeded within one period plus the staleness window (a hung read still
    /// turns its numbers unknown).
    pub metric_read_within: Duration,
    /// Backups are read once a minute: a vault read counts as current while it
    /// succeeded within that minute plus the staleness window.
    pub backup_read_within: Duration,
    /// Capacity is read every 10 s: current while read within that plus the window.
    pub capacity_read_within: Duration,
}

/// How old a metric datapoint may be and still count: max(3 periods, 3 minutes).
/// CloudWatch stamps a datapoint with the start of its period and metrics arrive with
/// an ingestion delay of minutes (AWS-FACTS.md), so a value's age is part of its
/// meaning.
pub fn metric_freshness(period_s: i32) -> Duration {
    (Duration::seconds(i64::from(period_s)) * 3).max(Duration::minutes(3))
}

/// Whether a Region's CloudWatch numbers count as current: its metric read (once a
/// period) succeeded within a period and a staleness window, and the Region itself
/// still answers at the tick (its alarms poller is not silent or failing). A Region
/// that goes dark takes its metrics with it within two poll periods, not a minute.
fn metrics_current(obs: &Observations, region: &str, ctx: &Context, now: DateTime<Utc>) -> bool {
    let read = obs
        .metrics
        .get(region)
        .is_some_and(|o| o.fresh(now, ctx.metric_read_within));
    let answers = obs
        .alarms
        .get(region)
        .is_none_or(|a| !a.reported || a.fresh(now, ctx.stale_after));
    read && answers
}

/// The latest datapoint of a metric history, only while young enough: `None` when
/// there is none, when it is older than `fresh_for`, or when the last read of its
/// Region failed (a dark Region's numbers are not current).
pub fn fresh_sample(
    h: Option<&super::history::History>,
    read_ok: bool,
    now: DateTime<Utc>,
    fresh_for: Duration,
) -> Option<(DateTime<Utc>, f64)> {
    let (at, v) = h?.latest()?;
    (read_ok && now - at <= fresh_for).then_some((at, v))
}

impl Context {
    /// The staleness window for a poll period: two poll periods minus the
    /// assembler's tick, so "unknown" is shown within two poll periods of the last
    /// answer, never later.
    pub fn new(mode: Mode, read_only: bool, poll: std::time::Duration) -> Context {
        let tick = assembler_tick(poll);
        let window = (poll * 2).saturating_sub(tick);
        Context {
            mode,
            read_only,
            poll_period_ms: u64::try_from(poll.as_millis()).unwrap_or(u64::MAX),
            stale_after: Duration::from_std(window).unwrap_or(Duration::seconds(4)),
            metric_fresh_for: metric_freshness(60),
            metric_read_within: Duration::seconds(60)
                + Duration::from_std(window).unwrap_or(Duration::seconds(4)),
            capacity_read_within: Duration::from_std(crate::monitor::poll::CAPACITY_READ_EVERY)
                .unwrap_or(Duration::seconds(10))
                + Duration::from_std(window).unwrap_or(Duration::seconds(4)),
            backup_read_within: Duration::from_std(crate::monitor::poll::BACKUP_READ_EVERY)
                .unwrap_or(Duration::seconds(60))
                + Duration::from_std(window).unwrap_or(Duration::seconds(4)),
        }
    }
}

/// How often the assembler rebuilds the snapshot for a poll period.
pub fn assembler_tick(poll: std::time::Duration) -> std::time::Duration {
    (poll / 4).max(std::time::Duration::from_millis(10))
}

pub fn build(
    env: &Environment,
    obs: &Observations,
    endpoints: Vec<EndpointStatus>,
    ctx: &Context,
    now: DateTime<Utc>,
) -> Snapshot {
    Snapshot {
        environment: env.name.clone(),
        mode: ctx.mode,
        read_only: ctx.read_only,
        taken_at: now,
        poll_period_ms: ctx.poll_period_ms,
        rto_target_s: env.rto.as_secs(),
        rpo_target_ms: u64::try_from(env.rpo.as_millis()).unwrap_or(u64::MAX),
        identity: obs.identity.value.clone(),
        identity_error: obs.identity.error.clone(),
        regions: regions(env, obs, ctx, now),
        databases: env
            .aurora
            .iter()
            .map(|d| database(d, env, obs, ctx, now))
            .collect(),
        replicas: replicas(env, obs, ctx, now),
        controls: controls(env, obs, ctx, now),
        rules: env
            .arc
            .rules
            .iter()
            .map(|r| rule(r, env, obs, ctx, now))
            .collect(),
        endpoints,
        backups: env
            .backups
            .iter()
            .map(|b| backups::status(b, obs, ctx, now))
            .collect(),
        capacity: env
            .capacity
            .iter()
            .map(|g| capacity::status(g, obs, ctx, now))
            .collect(),
        dynamodb: env
            .dynamodb
            .iter()
            .map(|t| stores::table(t, obs, ctx, now))
            .collect(),
        s3_replication: env
            .s3_replication
            .iter()
            .map(|b| stores::bucket(b, obs, ctx, now))
            .collect(),
    }
}

fn regions(
    env: &Environment,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> Vec<RegionStatus> {
    let w = ctx.stale_after;
    // Metrics are read once a period: known while us-east-1's read is current; each
    // check's own datapoint must then be young enough.
    let hc_known = metrics_current(obs, HEALTH_CHECK_REGION, ctx, now);
    env.regions
        .iter()
        .map(|r| {
            let a = obs.alarms.get(&r.name);
            let fresh = a.is_some_and(|o| o.fresh(now, w));
            let read = a.and_then(|o| o.fresh_value(now, w));
            let alarms: Vec<AlarmStatus> = r
                .alarms
                .iter()
                .map(|name| {
                    let found = read.and_then(|list| list.iter().find(|x| &x.name == name));
                    AlarmStatus {
                        name: name.clone(),
                        state: found.and_then(|f| f.state),
                        reason: found.and_then(|f| f.reason.clone()),
                    }
                })
                .collect();
            let health_checks: Vec<HealthCheckStatus> = r
                .health_checks
                .iter()
                .map(|id| HealthCheckStatus {
                    id: id.clone(),
                    healthy: fresh_sample(
                        obs.history.get(&health_check_key(id)),
                        hc_known,
                        now,
                        ctx.metric_fresh_for,
                    )
                    .map(|(_, v)| v >= 1.0),
                })
                .collect();
            // Read "not found" only from a fresh list; otherwise the alarms are unknown.
            let alarms_for_verdict: Vec<AlarmStatus> = if read.is_some() {
                alarms.clone()
            } else {
                Vec::new()
            };
            let evidence = RegionEvidence {
                region: &r.name,
                fresh,
                last_seen: a.and_then(|o| o.at),
                unreachable_since: a.and_then(|o| o.failing_since),
                last_error: a.and_then(|o| o.error.as_deref()),
                alarms: &alarms_for_verdict,
                health_checks: &health_checks,
                health_checks_known: hc_known,
            };
            let (v, reasons) = verdict(&evidence);
            RegionStatus {
                name: r.name.clone(),
                role: r.role,
                verdict: v,
                reasons,
                alarms,
                health_checks,
                observed_at: a.and_then(|o| o.at),
                unreachable_since: a.and_then(|o| o.failing_since),
                stale: !fresh,
            }
        })
        .collect()
}

/// The Region of a cluster ARN: from the environment, else the ARN's own field.
fn region_of(arn: &str, env: &Environment) -> Option<String> {
    env.aurora
        .iter()
        .flat_map(|d| d.members.iter())
        .find(|m| m.cluster_arn == arn)
        .map(|m| m.region.clone())
        .or_else(|| {
            arn.split(':')
                .nth(3)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
}

fn database(
    d: &AuroraGlobal,
    env: &Environment,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> DatabaseStatus {
    let w = ctx.stale_after;
    // Any member Region can describe the global cluster: take the newest answer.
    let answers: Vec<_> = d
        .members
        .iter()
        .filter_map(|m| obs.clusters.get(&(d.name.clone(), m.region.clone())))
        .collect();
    let newest = answers
        .iter()
        .filter(|o| o.value.is_some())
        .max_by_key(|o| o.at);
    let info = newest.and_then(|o| o.value.as_ref());
    let observed_at = newest.and_then(|o| o.at);
    let fresh = newest.is_some_and(|o| o.fresh(now, w));
    let error = if fresh {
        None
    } else {
        let errs: Vec<String> = d
            .members
            .iter()
            .zip(&answers)
            .filter_map(|(m, o)| o.error.as_ref().map(|e| format!("{}: {e}", m.region)))
            .collect();
        Some(if errs.is_empty() {
            "no fresh answer from any member Region".to_string()
        } else {
            errs.join("; ")
        })
    };
    let writer_region = info.and_then(|g| {
        g.members
            .iter()
            .find(|m| m.is_writer == Some(true))
            .and_then(|m| region_of(&m.cluster_arn, env))
    });
    let failover = info
        .and_then(|g| g.failover.as_ref())
        .map(|f| FailoverStatus {
            status: f.status.clone(),
            from_region: f
                .from_cluster_arn
                .as_deref()
                .and_then(|a| region_of(a, env)),
            to_region: f.to_cluster_arn.as_deref().and_then(|a| region_of(a, env)),
            data_loss_allowed: f.data_loss_allowed,
        });
    let members = d
        .members
        .iter()
        .map(|m| {
            let read_ok = metrics_current(obs, &m.region, ctx, now);
            let lag = obs.history.get(&lag_key(&d.name, &m.region));
            let rpo = obs.history.get(&rpo_key(&d.name, &m.region));
            let lag_now = fresh_sample(lag, read_ok, now, ctx.metric_fresh_for);
            let rpo_now = fresh_sample(rpo, read_ok, now, ctx.metric_fresh_for);
            MemberStatus {
                region: m.region.clone(),
                cluster_arn: m.cluster_arn.clone(),
                is_writer: info.and_then(|g| {
                    g.members
                        .iter()
                        .find(|x| x.cluster_arn == m.cluster_arn)
                        .and_then(|x| x.is_writer)
                }),
                lag_ms: lag_now.map(|p| p.1),
                rpo_lag_ms: rpo_now.map(|p| p.1),
                lag_history: lag.map(|h| h.values()).unwrap_or_default(),
                rpo_history: rpo.map(|h| h.values()).unwrap_or_default(),
                chart: rpo
                    .filter(|h| h.latest().is_some())
                    .or(lag)
                    .map(|h| h.points())
                    .unwrap_or_default(),
                detached: info
                    .is_some_and(|g| !g.members.iter().any(|x| x.cluster_arn == m.cluster_arn)),
                // The sample time of the lag shown (the period it describes).
                metrics_at: lag_now.or(rpo_now).map(|p| p.0),
            }
        })
        .collect();
    DatabaseStatus {
        name: d.name.clone(),
        global_cluster_id: d.global_cluster_id.clone(),
        writer_region,
        status: info.and_then(|g| g.status.clone()),
        failover,
        members,
        observed_at,
        stale: !fresh,
        error,
    }
}

fn replicas(
    env: &Environment,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> Vec<ReplicaStatus> {
    let w = ctx.stale_after;
    env.replicas
        .iter()
        .map(|p| {
            let o = obs.instances.get(&p.name);
            let info = o.and_then(|o| o.value.as_ref());
            let fresh = o.is_some_and(|o| o.fresh(now, w));
            let read_ok = metrics_current(obs, &p.replica.region, ctx, now);
            let hist = obs.history.get(&replica_key(&p.name));
            ReplicaStatus {
                name: p.name.clone(),
                primary_region: p.primary.region.clone(),
                primary_instance: p.primary.instance_id.clone(),
                replica_region: p.replica.region.clone(),
                replica_instance: p.replica.instance_id.clone(),
                replica_status: info.and_then(|i| i.status.clone()),
                replication_status: info.and_then(|i| i.replication_status.clone()),
                lag_s: fresh_sample(hist, read_ok, now, ctx.metric_fresh_for).map(|p| p.1),
                lag_history: hist.map(|h| h.values()).unwrap_or_default(),
                observed_at: o.and_then(|o| o.at),
                stale: !fresh,
                error: o.and_then(|o| o.error.clone()),
            }
        })
        .collect()
}

fn controls(
    env: &Environment,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> Vec<ControlStatus> {
    let fresh = obs.controls.fresh(now, ctx.stale_after);
    env.arc
        .controls
        .iter()
        .map(|c| ControlStatus {
            name: c.name.clone(),
            arn: c.arn.clone(),
            panel: c.panel.clone(),
            gates: c.gates.clone(),
            // The last state read is kept when stale: the flag and the age say so.
            state: obs
                .controls
                .value
                .as_ref()
                .and_then(|list| list.iter().find(|x| x.arn == c.arn))
                .and_then(|x| x.state),
            observed_at: obs.controls.at,
            stale: !fresh,
        })
        .collect()
}

fn rule(
    r: &PanelRule,
    env: &Environment,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> RuleStatus {
    let name = |arn: &String| {
        env.control_by_arn(arn)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| arn.clone())
    };
    let names = |arns: &[String]| arns.iter().map(name).collect::<Vec<_>>();
    let (watched, description) = match &r.rule.kind {
        SafetyRuleKind::Assertion { asserted } => {
            let n = names(asserted);
            let refs: Vec<&str> = n.iter().map(String::as_str).collect();
            (
                asserted,
                format!("assertion: {}", r.rule.config.describe(&refs)),
            )
        }
        SafetyRuleKind::Gating { gating, targets } => {
            let n = names(gating);
            let refs: Vec<&str> = n.iter().map(String::as_str).collect();
            (
                gating,
                format!(
                    "gating: {} before {} may change",
                    r.rule.config.describe(&refs),
                    names(targets).join(", ")
                ),
            )
        }
    };
    let current = obs.controls.fresh_value(now, ctx.stale_after);
    let states: Option<Vec<ControlState>> = watched
        .iter()
        .map(|arn| {
            current
                .and_then(|list| list.iter().find(|x| &x.arn == arn))
                .and_then(|x| x.state)
        })
        .collect();
    RuleStatus {
        name: r.rule.name.clone(),
        arn: r.rule.arn.clone(),
        panel: r.panel.clone(),
        description,
        satisfied: states.map(|s| r.rule.config.holds(&s)),
    }
}

mod backups;
mod capacity;
mod stores;
pub use backups::{aws_now, copy_sources, newest_usable};
#[cfg(test)]
mod tests;
