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
    }
}

fn regions(
    env: &Environment,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> Vec<RegionStatus> {
    let w = ctx.stale_after;
    let hc_obs = obs.metrics.get(HEALTH_CHECK_REGION);
    let hc_known = hc_obs.is_some_and(|o| o.fresh(now, w));
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
                    healthy: if hc_known {
                        obs.history
                            .get(&health_check_key(id))
                            .and_then(|h| h.latest())
                            .map(|(_, v)| v >= 1.0)
                    } else {
                        None
                    },
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
            let mo = obs.metrics.get(&m.region);
            let metrics_fresh = mo.is_some_and(|o| o.fresh(now, w));
            let lag = obs.history.get(&lag_key(&d.name, &m.region));
            let rpo = obs.history.get(&rpo_key(&d.name, &m.region));
            let latest = |h: Option<&super::history::History>| {
                if metrics_fresh {
                    h.and_then(|h| h.latest()).map(|p| p.1)
                } else {
                    None
                }
            };
            MemberStatus {
                region: m.region.clone(),
                cluster_arn: m.cluster_arn.clone(),
                is_writer: info.and_then(|g| {
                    g.members
                        .iter()
                        .find(|x| x.cluster_arn == m.cluster_arn)
                        .and_then(|x| x.is_writer)
                }),
                lag_ms: latest(lag),
                rpo_lag_ms: latest(rpo),
                lag_history: lag.map(|h| h.values()).unwrap_or_default(),
                rpo_history: rpo.map(|h| h.values()).unwrap_or_default(),
                metrics_at: mo.and_then(|o| o.at),
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
            let metrics_fresh = obs
                .metrics
                .get(&p.replica.region)
                .is_some_and(|m| m.fresh(now, w));
            let hist = obs.history.get(&replica_key(&p.name));
            ReplicaStatus {
                name: p.name.clone(),
                primary_region: p.primary.region.clone(),
                primary_instance: p.primary.instance_id.clone(),
                replica_region: p.replica.region.clone(),
                replica_instance: p.replica.instance_id.clone(),
                replica_status: info.and_then(|i| i.status.clone()),
                replication_status: info.and_then(|i| i.replication_status.clone()),
                lag_s: if metrics_fresh {
                    hist.and_then(|h| h.latest()).map(|p| p.1)
                } else {
                    None
                },
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

#[cfg(test)]
mod tests;
