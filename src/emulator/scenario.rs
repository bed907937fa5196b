//! Scenarios: timed faults read from `assets/scenarios/*.yaml`, plus the console's
//! game-day menu of faults ([`catalogue`]).

use crate::config::{ConfigError, ConfigErrorKind, Environment};
use crate::model::Role;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::path::Path;
use std::time::Duration;

/// How an impaired Region's endpoints misbehave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpairMode {
    /// Accept connections, never answer.
    #[default]
    Hang,
    /// Accept connections, then drop them.
    Drop,
}

/// The AWS service an `api_error_rate` fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultService {
    Arc,
    Rds,
    Cloudwatch,
    Sts,
    Backup,
    Autoscaling,
    Ecs,
    /// ARC Recovery Control Configuration (the control-plane API).
    ArcControlConfig,
    Route53,
}

/// One fault the twin can inject (from a scenario or the console's game-day menu).
///
/// A `region` may be written `primary` or `secondary`; scenarios resolve it against the
/// environment when loaded, and the world resolves it again when injecting.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    RegionImpaired {
        region: String,
        #[serde(default)]
        mode: ImpairMode,
    },
    RegionRecovered {
        region: String,
    },
    /// 1-based index into the environment's five cluster endpoints.
    EndpointDown {
        index: usize,
    },
    EndpointSlow {
        index: usize,
        latency_ms: u64,
    },
    EndpointThrottling {
        index: usize,
    },
    EndpointRecovered {
        index: usize,
    },
    /// `duration` is humantime, e.g. `60s`.
    LagSpike {
        #[serde(default)]
        database: Option<String>,
        #[serde(default)]
        region: Option<String>,
        peak_ms: u64,
        duration: String,
    },
    ReplicationBroken {
        #[serde(default)]
        database: Option<String>,
        #[serde(default)]
        region: Option<String>,
    },
    ReplicationRestored {
        #[serde(default)]
        database: Option<String>,
        #[serde(default)]
        region: Option<String>,
    },
    ApiErrorRate {
        service: FaultService,
        region: String,
        rate: f64,
    },
    // --- server-side faults ---
    /// Sets the latency of one Region's endpoints (RDS, STS, CloudWatch, and the ARC
    /// cluster endpoints in that Region that have no latency of their own); zeros clear
    /// it. See [`Latency`] for what the two delays model on loopback.
    RegionLatency {
        region: String,
        #[serde(default)]
        accept_ms: u64,
        #[serde(default)]
        reply_ms: u64,
    },
    /// Sets the latency of one ARC cluster endpoint (1-based), in place of its
    /// Region's; zeros fall back to the Region's.
    EndpointLatency {
        index: usize,
        #[serde(default)]
        accept_ms: u64,
        #[serde(default)]
        reply_ms: u64,
    },
    /// ARC cluster endpoint `index` (1-based) applies each mutating call and then
    /// closes the connection without the answer (a reset after commit). Calls the
    /// world refuses are answered as usual: only an applied call loses its answer.
    /// Ended by `endpoint_recovered`.
    EndpointAnswerLost {
        index: usize,
    },
    /// The same for one service's mutating calls in one Region (any listener).
    /// Ended by `region_recovered`.
    AnswerLost {
        service: FaultService,
        region: String,
    },
    // Game-day faults of issue 7 §7 (kept together at the end of the enum).
    /// A CloudWatch alarm of `region` held in ALARM (it still gets there through its
    /// normal evaluation delay) until released.
    AlarmForced {
        region: String,
        alarm: String,
    },
    AlarmReleased {
        region: String,
        alarm: String,
    },
    /// A Route 53 health check reported unhealthy (HealthCheckStatus 0).
    HealthCheckFailing {
        health_check: String,
    },
    HealthCheckRecovered {
        health_check: String,
    },
    /// Ends an injected lag spike now (the backlog it stands for has drained).
    LagSpikeEnded {
        #[serde(default)]
        database: Option<String>,
        #[serde(default)]
        region: Option<String>,
    },
    /// AWS Backup copy jobs of `resource` (a `backups:` name; all when absent) fail,
    /// as if they had been failing for `for_the_last` already (e.g. `5h`), so a
    /// scenario can start with a DR copy that is already old.
    BackupCopyFailing {
        #[serde(default)]
        resource: Option<String>,
        #[serde(default)]
        for_the_last: Option<String>,
    },
    BackupCopyRestored {
        #[serde(default)]
        resource: Option<String>,
    },
    /// AWS Backup restore jobs started from now on fail halfway.
    BackupRestoreFailing {},
    BackupRestoreWorking {},
    /// Insufficient capacity in `region` (EC2 and Fargate): no new Auto Scaling
    /// instance or ECS task there comes into service; they stay pending. For
    /// `duration` (humantime) when given, else until `capacity_restored`.
    CapacityShortage {
        region: String,
        #[serde(default)]
        duration: Option<String>,
    },
    CapacityRestored {
        region: String,
    },
    /// DynamoDB global table replication out of `region` (a source Region; every
    /// Region when absent) of `table` (a `dynamodb_global_tables` name or table name;
    /// every table when absent) stops: its `ReplicationLatency` towards the other
    /// Regions grows about 1 s per sim second. For `duration` (humantime) when given,
    /// else until `dynamodb_replication_resumed`; then the backlog drains.
    DynamodbReplicationStall {
        #[serde(default)]
        table: Option<String>,
        #[serde(default)]
        region: Option<String>,
        #[serde(default)]
        duration: Option<String>,
    },
    /// Ends the stall injected with exactly this table and Region.
    DynamodbReplicationResumed {
        #[serde(default)]
        table: Option<String>,
        #[serde(default)]
        region: Option<String>,
    },
    /// S3 replication of `rule` (an `s3_replication` name or rule id; every rule when
    /// absent) stops: its latency and pending operations and bytes grow. For
    /// `duration` when given, else until `s3_replication_resumed`; then they drain.
    S3ReplicationStall {
        #[serde(default)]
        rule: Option<String>,
        #[serde(default)]
        duration: Option<String>,
    },
    S3ReplicationResumed {
        #[serde(default)]
        rule: Option<String>,
    },
    /// The ARC configuration drifts from the environment file, as if edited in the
    /// console: a routing control `drift-added-control` (Off) appears in the first
    /// control panel and the first safety rule's wait period grows by 1000 ms. Both
    /// ARC APIs (control config and data plane) show it; for `discover --check`.
    ArcConfigDrift {},
    /// Undoes `arc_config_drift`.
    ArcConfigDriftReverted {},
}

/// The latency of an endpoint as the twin plays it, in real milliseconds (not scaled
/// by the simulation speed: timeouts are real time).
///
/// On loopback the kernel completes the TCP handshake at once, so no delay here can
/// make a client's *connect* timeout fire. `accept_ms` is served after the first
/// request of each new connection has been read and before it is handled: the client
/// sees a slow first answer on a cold connection (the TCP + TLS round trips a real
/// cross-continent connection costs), which counts against its attempt timeout. A
/// client that hangs up during it is treated as never having reached the service:
/// its request is not handled (logged as `client_left` without a status).
/// `reply_ms` is served before every answer, after the request reached the service:
/// a client that hangs up during it does not stop the call, which is handled and
/// logged (`client_left` with its status), as a real service would.
///
/// The Regions' RDS, STS and CloudWatch share the twin's one main listener, so a
/// connection a client opened for one Region and keeps pooled can carry the next
/// Region's request without that Region's accept delay; in life each Region is its
/// own host and connection. ARC endpoints each have their own listener.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    #[serde(default)]
    pub accept_ms: u64,
    #[serde(default)]
    pub reply_ms: u64,
}

impl Latency {
    pub fn is_zero(&self) -> bool {
        self.accept_ms == 0 && self.reply_ms == 0
    }
}

/// A fault the twin holds now, and the fault that undoes it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ActiveFault {
    pub label: String,
    pub clear: Fault,
}

/// One game-day menu entry, as the twin's HTTP control lists it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CatalogueEntry {
    pub label: String,
    pub fault: Fault,
}

/// What `GET /_drconsole/faults` answers (a `POST` answers `active` alone).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct FaultsDoc {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catalogue: Vec<CatalogueEntry>,
    pub active: Vec<ActiveFault>,
}

/// A fault and when it fires, relative to the world's start.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioEvent {
    pub at: Duration,
    pub fault: Fault,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Sorted by `at`.
    pub events: Vec<ScenarioEvent>,
    /// Size of each Aurora database in GiB: an old primary rejoining as a secondary
    /// after a failover takes longer the bigger it is (`None`: the twin's default).
    pub database_gib: Option<u32>,
}

const BUILTIN: &[(&str, &str)] = &[
    ("calm", include_str!("../../assets/scenarios/calm.yaml")),
    (
        "primary-region-outage",
        include_str!("../../assets/scenarios/primary-region-outage.yaml"),
    ),
    (
        "arc-endpoints-degraded",
        include_str!("../../assets/scenarios/arc-endpoints-degraded.yaml"),
    ),
    (
        "lag-storm",
        include_str!("../../assets/scenarios/lag-storm.yaml"),
    ),
    (
        "far-operator",
        include_str!("../../assets/scenarios/far-operator.yaml"),
    ),
    (
        "backup-copy-stalled",
        include_str!("../../assets/scenarios/backup-copy-stalled.yaml"),
    ),
    (
        "region-lost-backups-only",
        include_str!("../../assets/scenarios/region-lost-backups-only.yaml"),
    ),
    (
        "store-replication-stalled",
        include_str!("../../assets/scenarios/store-replication-stalled.yaml"),
    ),
    (
        "active-active-region-loss",
        include_str!("../../assets/scenarios/active-active-region-loss.yaml"),
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: String,
    description: String,
    #[serde(default)]
    events: Vec<EventFile>,
    #[serde(default)]
    database_gib: Option<u32>,
    #[serde(default)]
    latency: Option<Spanned<LatencyFile>>,
}

/// The scenario's latency profile: per Region (by name or `primary`/`secondary`) and
/// per ARC endpoint (1-based index). It becomes `region_latency` / `endpoint_latency`
/// events at 0s, so a later event can change it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyFile {
    #[serde(default)]
    regions: std::collections::BTreeMap<String, Latency>,
    #[serde(default)]
    endpoints: std::collections::BTreeMap<usize, Latency>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventFile {
    at: Spanned<String>,
    fault: Spanned<Fault>,
}

impl Scenario {
    /// The names of the scenarios shipped inside the binary.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// A built-in scenario by name, otherwise a file path.
    pub fn load(name_or_path: &str, env: &Environment) -> Result<Scenario, ConfigError> {
        if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(text, &format!("assets/scenarios/{name}.yaml"), env);
        }
        let path = Path::new(name_or_path);
        let origin = path.display().to_string();
        let text = crate::config::read_input_file(path).map_err(|e| {
            if e.is_not_found() && !looks_like_path(name_or_path) {
                ConfigError::plain(
                    ConfigErrorKind::UnknownReference,
                    &origin,
                    format!(
                        "unknown scenario '{name_or_path}' (built-in: {}; or a path to a \
                         .yaml file)",
                        Self::builtin_names().join(", ")
                    ),
                )
            } else {
                ConfigError::input(&e)
            }
        })?;
        Self::parse(&text, &origin, env)
    }

    /// Parses and validates scenario text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str, env: &Environment) -> Result<Scenario, ConfigError> {
        let raw: ScenarioFile =
            serde_saphyr::from_str(text).map_err(|e| ConfigError::from_yaml(origin, &e))?;
        let mut events = Vec::with_capacity(raw.events.len());
        if let Some(lat) = raw.latency {
            let regions = lat
                .value
                .regions
                .into_iter()
                .map(|(region, l)| Fault::RegionLatency {
                    region,
                    accept_ms: l.accept_ms,
                    reply_ms: l.reply_ms,
                });
            let endpoints =
                lat.value
                    .endpoints
                    .into_iter()
                    .map(|(index, l)| Fault::EndpointLatency {
                        index,
                        accept_ms: l.accept_ms,
                        reply_ms: l.reply_ms,
                    });
            for fault in regions.chain(endpoints) {
                let fault = resolve(fault, env).map_err(|msg| {
                    ConfigError::at(
                        ConfigErrorKind::UnknownReference,
                        origin,
                        lat.referenced,
                        format!("latency: {msg}"),
                    )
                })?;
                events.push(ScenarioEvent {
                    at: Duration::ZERO,
                    fault,
                });
            }
        }
        for ev in raw.events {
            let at = humantime::parse_duration(ev.at.value.trim()).map_err(|e| {
                ConfigError::at(
                    ConfigErrorKind::Invalid,
                    origin,
                    ev.at.referenced,
                    format!("`at: {}` is not a duration like 30s: {e}", ev.at.value),
                )
            })?;
            let fault = resolve(ev.fault.value, env).map_err(|msg| {
                ConfigError::at(
                    ConfigErrorKind::UnknownReference,
                    origin,
                    ev.fault.referenced,
                    msg,
                )
            })?;
            events.push(ScenarioEvent { at, fault });
        }
        events.sort_by_key(|e| e.at);
        Ok(Scenario {
            name: raw.name,
            description: raw.description,
            events,
            database_gib: raw.database_gib,
        })
    }
}

/// `primary` / `secondary` → the Region's name; any other name must exist.
/// A name with a directory or a YAML extension was meant as a file.
fn looks_like_path(s: &str) -> bool {
    s.contains(std::path::MAIN_SEPARATOR)
        || s.contains('/')
        || s.ends_with(".yaml")
        || s.ends_with(".yml")
}

pub fn resolve_region(name: &str, env: &Environment) -> Option<String> {
    let by_role = |role: Role| {
        env.regions
            .iter()
            .find(|r| r.role == role)
            .map(|r| r.name.clone())
    };
    match name {
        "primary" => by_role(Role::Primary),
        "secondary" => by_role(Role::Secondary),
        other => env.region(other).map(|r| r.name.clone()),
    }
}

fn database_exists(name: &str, env: &Environment) -> bool {
    env.aurora
        .iter()
        .any(|d| d.name == name || d.global_cluster_id == name)
        || env.replicas.iter().any(|r| r.name == name)
}

/// Checks a fault against the environment and resolves Region aliases.
fn resolve(fault: Fault, env: &Environment) -> Result<Fault, String> {
    let region = |r: String| {
        resolve_region(&r, env).ok_or_else(|| {
            let known: Vec<&str> = env.regions.iter().map(|r| r.name.as_str()).collect();
            format!(
                "unknown region `{r}` (known: {}, primary, secondary)",
                known.join(", ")
            )
        })
    };
    let opt_region = |r: Option<String>| r.map(region).transpose();
    let index = |i: usize| {
        if (1..=env.arc.endpoints.len()).contains(&i) {
            Ok(i)
        } else {
            Err(format!(
                "endpoint index {i} out of range 1..={}",
                env.arc.endpoints.len()
            ))
        }
    };
    let database = |d: Option<String>| match d {
        Some(n) if !database_exists(&n, env) => Err(format!("unknown database `{n}`")),
        other => Ok(other),
    };
    Ok(match fault {
        Fault::RegionImpaired { region: r, mode } => Fault::RegionImpaired {
            region: region(r)?,
            mode,
        },
        Fault::RegionRecovered { region: r } => Fault::RegionRecovered { region: region(r)? },
        Fault::EndpointDown { index: i } => Fault::EndpointDown { index: index(i)? },
        Fault::EndpointSlow {
            index: i,
            latency_ms,
        } => Fault::EndpointSlow {
            index: index(i)?,
            latency_ms,
        },
        Fault::EndpointThrottling { index: i } => Fault::EndpointThrottling { index: index(i)? },
        Fault::EndpointRecovered { index: i } => Fault::EndpointRecovered { index: index(i)? },
        Fault::LagSpike {
            database: d,
            region: r,
            peak_ms,
            duration,
        } => {
            humantime::parse_duration(duration.trim())
                .map_err(|e| format!("lag_spike duration `{duration}`: {e}"))?;
            Fault::LagSpike {
                database: database(d)?,
                region: opt_region(r)?,
                peak_ms,
                duration,
            }
        }
        Fault::ReplicationBroken {
            database: d,
            region: r,
        } => Fault::ReplicationBroken {
            database: database(d)?,
            region: opt_region(r)?,
        },
        Fault::ReplicationRestored {
            database: d,
            region: r,
        } => Fault::ReplicationRestored {
            database: database(d)?,
            region: opt_region(r)?,
        },
        Fault::ApiErrorRate {
            service,
            region: r,
            rate,
        } => {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("api_error_rate rate {rate} must be within 0..=1"));
            }
            // ARC requests are signed for their cluster endpoint's own Region, which
            // need not be one of the environment's Regions.
            let region = match (service, arc_endpoint_region(&r, env)) {
                (FaultService::Arc, Some(ep)) => ep,
                _ => region(r)?,
            };
            Fault::ApiErrorRate {
                service,
                region,
                rate,
            }
        }
        Fault::RegionLatency {
            region: r,
            accept_ms,
            reply_ms,
        } => Fault::RegionLatency {
            region: region(r)?,
            accept_ms,
            reply_ms,
        },
        Fault::EndpointLatency {
            index: i,
            accept_ms,
            reply_ms,
        } => Fault::EndpointLatency {
            index: index(i)?,
            accept_ms,
            reply_ms,
        },
        Fault::EndpointAnswerLost { index: i } => Fault::EndpointAnswerLost { index: index(i)? },
        Fault::AnswerLost { service, region: r } => Fault::AnswerLost {
            service,
            region: region(r)?,
        },
        Fault::AlarmForced { region: r, alarm } => {
            let r = region(r)?;
            check_alarm(&r, &alarm, env)?;
            Fault::AlarmForced { region: r, alarm }
        }
        Fault::AlarmReleased { region: r, alarm } => {
            let r = region(r)?;
            check_alarm(&r, &alarm, env)?;
            Fault::AlarmReleased { region: r, alarm }
        }
        Fault::HealthCheckFailing { health_check } => {
            check_health_check(&health_check, env)?;
            Fault::HealthCheckFailing { health_check }
        }
        Fault::HealthCheckRecovered { health_check } => {
            check_health_check(&health_check, env)?;
            Fault::HealthCheckRecovered { health_check }
        }
        Fault::LagSpikeEnded {
            database: d,
            region: r,
        } => Fault::LagSpikeEnded {
            database: database(d)?,
            region: opt_region(r)?,
        },
        Fault::BackupCopyFailing {
            resource,
            for_the_last,
        } => {
            check_backup(resource.as_deref(), env)?;
            if let Some(d) = &for_the_last {
                let span = humantime::parse_duration(d.trim())
                    .map_err(|e| format!("backup_copy_failing for_the_last `{d}`: {e}"))?;
                if span > Duration::from_secs(365 * 24 * 3600) {
                    return Err(format!(
                        "backup_copy_failing for_the_last `{d}` is more than a year"
                    ));
                }
            }
            Fault::BackupCopyFailing {
                resource,
                for_the_last,
            }
        }
        Fault::BackupCopyRestored { resource } => {
            check_backup(resource.as_deref(), env)?;
            Fault::BackupCopyRestored { resource }
        }
        Fault::BackupRestoreFailing {} => Fault::BackupRestoreFailing {},
        Fault::BackupRestoreWorking {} => Fault::BackupRestoreWorking {},
        Fault::ArcConfigDrift {} => Fault::ArcConfigDrift {},
        Fault::ArcConfigDriftReverted {} => Fault::ArcConfigDriftReverted {},
        Fault::CapacityShortage {
            region: r,
            duration,
        } => {
            if let Some(d) = &duration {
                humantime::parse_duration(d.trim())
                    .map_err(|e| format!("capacity_shortage duration `{d}`: {e}"))?;
            }
            Fault::CapacityShortage {
                region: region(r)?,
                duration,
            }
        }
        Fault::CapacityRestored { region: r } => Fault::CapacityRestored { region: region(r)? },
        Fault::DynamodbReplicationStall {
            table,
            region: r,
            duration,
        } => {
            check_duration("dynamodb_replication_stall", duration.as_deref())?;
            let region = opt_region(r)?;
            check_global_table(table.as_deref(), region.as_deref(), env)?;
            Fault::DynamodbReplicationStall {
                table,
                region,
                duration,
            }
        }
        Fault::DynamodbReplicationResumed { table, region: r } => {
            let region = opt_region(r)?;
            check_global_table(table.as_deref(), region.as_deref(), env)?;
            Fault::DynamodbReplicationResumed { table, region }
        }
        Fault::S3ReplicationStall { rule, duration } => {
            check_duration("s3_replication_stall", duration.as_deref())?;
            check_replication_rule(rule.as_deref(), env)?;
            Fault::S3ReplicationStall { rule, duration }
        }
        Fault::S3ReplicationResumed { rule } => {
            check_replication_rule(rule.as_deref(), env)?;
            Fault::S3ReplicationResumed { rule }
        }
    })
}

fn check_duration(fault: &str, duration: Option<&str>) -> Result<(), String> {
    match duration {
        Some(d) => humantime::parse_duration(d.trim())
            .map(|_| ())
            .map_err(|e| format!("{fault} duration `{d}`: {e}")),
        None => Ok(()),
    }
}

/// A global table named by its environment name or table name; a Region, when both
/// are given, must hold one of its replicas.
fn check_global_table(
    table: Option<&str>,
    region: Option<&str>,
    env: &Environment,
) -> Result<(), String> {
    let Some(name) = table else {
        return Ok(());
    };
    let Some(t) = env
        .dynamodb
        .iter()
        .find(|t| t.name == name || t.table == name)
    else {
        let known: Vec<&str> = env.dynamodb.iter().map(|t| t.name.as_str()).collect();
        return Err(format!(
            "unknown DynamoDB global table `{name}` (defined under \
             `dynamodb_global_tables`: {})",
            known.join(", ")
        ));
    };
    match region {
        Some(r) if !t.regions.iter().any(|x| x == r) => Err(format!(
            "global table `{name}` has no replica in {r} (its Regions: {})",
            t.regions.join(", ")
        )),
        _ => Ok(()),
    }
}

fn check_replication_rule(rule: Option<&str>, env: &Environment) -> Result<(), String> {
    match rule {
        Some(name)
            if !env
                .s3_replication
                .iter()
                .any(|b| b.name == name || b.rule_id == name) =>
        {
            let known: Vec<&str> = env.s3_replication.iter().map(|b| b.name.as_str()).collect();
            Err(format!(
                "unknown S3 replication rule `{name}` (defined under `s3_replication`: {})",
                known.join(", ")
            ))
        }
        _ => Ok(()),
    }
}

fn check_backup(resource: Option<&str>, env: &Environment) -> Result<(), String> {
    match resource {
        Some(name) if env.backup(name).is_none() => Err(format!(
            "unknown backup resource `{name}` (defined under `backups`: {})",
            env.backups
                .iter()
                .map(|b| b.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Ok(()),
    }
}

/// Checks a fault that arrives from outside (the twin's HTTP control, a scenario)
/// against the environment, resolving `primary` / `secondary`.
pub fn validate(fault: Fault, env: &Environment) -> Result<Fault, String> {
    resolve(fault, env)
}

/// The Region of an ARC cluster endpoint named by its Region.
pub fn arc_endpoint_region(name: &str, env: &Environment) -> Option<String> {
    env.arc
        .endpoints
        .iter()
        .find(|e| e.region == name)
        .map(|e| e.region.clone())
}

fn check_alarm(region: &str, alarm: &str, env: &Environment) -> Result<(), String> {
    match env.region(region) {
        Some(r) if r.alarms.iter().any(|a| a == alarm) => Ok(()),
        _ => Err(format!("unknown alarm `{alarm}` in {region}")),
    }
}

fn check_health_check(id: &str, env: &Environment) -> Result<(), String> {
    if env
        .regions
        .iter()
        .any(|r| r.health_checks.iter().any(|h| h == id))
    {
        Ok(())
    } else {
        Err(format!("unknown health check `{id}`"))
    }
}

/// How long a slow (not dark) ARC endpoint takes to answer: long enough to show in
/// the endpoint's latency, short of the provider's attempt timeout in most setups.
pub const SLOW_ENDPOINT_MS: u64 = 3000;

/// The console's game-day menu: every fault worth trying, labelled in plain words.
/// Undoing a fault is not listed here: the menu's Active section offers that for each
/// fault the twin holds ([`ActiveFault::clear`]).
/// A Region on another continent, as the game-day menu plays it: a cold connection
/// costs about two round trips (TCP, then TLS 1.3) and each answer one, at a
/// cross-continent round trip of about 250 ms (the 150–300 ms range the README's
/// timeout arithmetic uses; public latency figures, unverified for any one path).
const FAR_ACCEPT_MS: u64 = 500;
const FAR_REPLY_MS: u64 = 270;

pub fn catalogue(env: &Environment) -> Vec<(String, Fault)> {
    let mut out = Vec::new();
    for r in &env.regions {
        out.push((
            format!(
                "Impair {} ({}): its endpoints hang",
                r.name,
                r.role.as_str()
            ),
            Fault::RegionImpaired {
                region: r.name.clone(),
                mode: ImpairMode::Hang,
            },
        ));
    }
    for r in &env.regions {
        out.push((
            format!(
                "{} far away: +{} ms per new connection, +{} ms per answer",
                r.name, FAR_ACCEPT_MS, FAR_REPLY_MS
            ),
            Fault::RegionLatency {
                region: r.name.clone(),
                accept_ms: FAR_ACCEPT_MS,
                reply_ms: FAR_REPLY_MS,
            },
        ));
        out.push((
            format!("RDS in {}: calls applied, answers lost", r.name),
            Fault::AnswerLost {
                service: FaultService::Rds,
                region: r.name.clone(),
            },
        ));
    }
    for r in &env.regions {
        for alarm in &r.alarms {
            out.push((
                format!("Alarm {alarm} ({}) goes to ALARM", r.name),
                Fault::AlarmForced {
                    region: r.name.clone(),
                    alarm: alarm.clone(),
                },
            ));
        }
    }
    for r in &env.regions {
        for hc in &r.health_checks {
            out.push((
                format!("Health check {hc} ({}) fails", r.name),
                Fault::HealthCheckFailing {
                    health_check: hc.clone(),
                },
            ));
        }
    }
    for (i, ep) in env.arc.endpoints.iter().enumerate() {
        let index = i + 1;
        let name = format!("ARC endpoint {index} ({})", ep.region);
        out.push((format!("{name} down: hangs"), Fault::EndpointDown { index }));
        out.push((
            format!("{name} slow: answers after {} s", SLOW_ENDPOINT_MS / 1000),
            Fault::EndpointSlow {
                index,
                latency_ms: SLOW_ENDPOINT_MS,
            },
        ));
        out.push((
            format!("{name} throttles: ThrottlingException"),
            Fault::EndpointThrottling { index },
        ));
        // Each endpoint only takes requests signed for its own Region, so an error rate
        // on ARC in that Region is this endpoint's 5xx.
        out.push((
            format!("{name} applies updates, then loses the answer"),
            Fault::EndpointAnswerLost { index },
        ));
        out.push((
            format!("{name} fails: InternalServerException (500)"),
            Fault::ApiErrorRate {
                service: FaultService::Arc,
                region: ep.region.clone(),
                rate: 1.0,
            },
        ));
    }
    let names = env
        .aurora
        .iter()
        .map(|d| d.name.clone())
        .chain(env.replicas.iter().map(|r| r.name.clone()));
    for db in names {
        out.push((
            format!("Lag spike on {db}: 8 s peak, easing over 60 s"),
            Fault::LagSpike {
                database: Some(db.clone()),
                region: None,
                peak_ms: 8000,
                duration: "60s".into(),
            },
        ));
        out.push((
            format!("Break replication of {db}"),
            Fault::ReplicationBroken {
                database: Some(db),
                region: None,
            },
        ));
    }
    if !env.backups.is_empty() {
        out.push((
            "AWS Backup restore jobs fail from now on".to_string(),
            Fault::BackupRestoreFailing {},
        ));
    }
    for r in &env.regions {
        if env.capacity.iter().any(|c| c.region == r.name) {
            out.push((
                format!(
                    "{} short of capacity: new instances and tasks stay pending",
                    r.name
                ),
                Fault::CapacityShortage {
                    region: r.name.clone(),
                    duration: None,
                },
            ));
        }
    }
    for t in &env.dynamodb {
        for r in &t.regions {
            out.push((
                format!(
                    "DynamoDB {}: replication out of {r} stalls (latency grows 1 s a second)",
                    t.name
                ),
                Fault::DynamodbReplicationStall {
                    table: Some(t.name.clone()),
                    region: Some(r.clone()),
                    duration: None,
                },
            ));
        }
    }
    for b in &env.s3_replication {
        out.push((
            format!(
                "S3 replication {} ({} to {}) stalls: backlog grows",
                b.name, b.source_region, b.destination_region
            ),
            Fault::S3ReplicationStall {
                rule: Some(b.name.clone()),
                duration: None,
            },
        ));
    }
    for b in &env.backups {
        out.push((
            format!(
                "Backup copies of {} to {} fail from now on",
                b.name, b.dr_region
            ),
            Fault::BackupCopyFailing {
                resource: Some(b.name.clone()),
                for_the_last: None,
            },
        ));
    }
    if !env.arc.panels.is_empty() {
        out.push((
            "ARC configuration drifts: a control is added, a wait period grows".to_string(),
            Fault::ArcConfigDrift {},
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment::builtin_default().expect("default env")
    }

    #[test]
    fn every_builtin_loads_against_default_env() {
        let env = env();
        for name in Scenario::builtin_names() {
            let s = Scenario::load(name, &env).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!s.description.is_empty(), "{name} has a description");
        }
        let outage = Scenario::load("primary-region-outage", &env).expect("outage");
        assert!(outage.events.iter().any(|e| matches!(
            &e.fault,
            Fault::RegionImpaired { region, .. } if region == "us-east-1"
        )));
        assert!(
            Scenario::load("calm", &env)
                .expect("calm")
                .events
                .is_empty()
        );
    }

    #[test]
    fn an_unknown_name_lists_the_builtins_without_a_position() {
        let e = Scenario::load("nope", &env()).expect_err("unknown");
        let text = e.to_string();
        assert!(
            text.starts_with("unknown scenario 'nope' (built-in: calm, primary-region-outage"),
            "{text}"
        );
        assert!(text.ends_with("or a path to a .yaml file)"), "{text}");
        assert!(!text.contains("nope:1:1"), "{text}");
        let e = Scenario::load("missing/dir/x.yaml", &env()).expect_err("no file");
        let text = e.to_string();
        assert!(
            text.starts_with("missing/dir/x.yaml: no such file"),
            "{text}"
        );
    }

    #[test]
    fn broken_scenario_gives_line_and_column() {
        let text = "name: x\ndescription: y\nevents:\n  - at: 5s\n    fault:\n      region_impaired: { region: mars-1 }\n";
        let e = Scenario::parse(text, "bad.yaml", &env()).expect_err("must fail");
        let shown = e.to_string();
        assert!(shown.starts_with("bad.yaml:"), "{shown}");
        assert!(e.line >= 5, "{shown}");
        assert!(shown.contains("mars-1"), "{shown}");

        let unknown_field = "name: x\ndescription: y\nbogus: 1\n";
        let e = Scenario::parse(unknown_field, "u.yaml", &env()).expect_err("must fail");
        assert_eq!(e.line, 3, "{e}");

        let bad_index = "name: x\ndescription: y\nevents:\n  - at: 1s\n    fault: { endpoint_down: { index: 6 } }\n";
        let e = Scenario::parse(bad_index, "i.yaml", &env()).expect_err("must fail");
        assert_eq!(e.line, 5, "{e}");
    }

    #[test]
    fn aliases_resolve_and_mode_defaults_to_hang() {
        let text = "name: x\ndescription: y\nevents:\n  - at: 1s\n    fault: { region_impaired: { region: secondary } }\n  - at: 2s\n    fault: { region_impaired: { region: primary, mode: drop } }\n";
        let s = Scenario::parse(text, "a.yaml", &env()).expect("parses");
        assert_eq!(
            s.events[0].fault,
            Fault::RegionImpaired {
                region: "us-west-2".into(),
                mode: ImpairMode::Hang
            }
        );
        assert_eq!(
            s.events[1].fault,
            Fault::RegionImpaired {
                region: "us-east-1".into(),
                mode: ImpairMode::Drop
            }
        );
    }

    #[test]
    fn at_without_unit_is_refused_at_its_position() {
        let text = "name: x\ndescription: y\nevents:\n  - at: 30\n    fault: { endpoint_down: { index: 1 } }\n";
        let e = Scenario::parse(text, "n.yaml", &env()).expect_err("no unit");
        assert_eq!((e.line, e.column), (4, 9), "{e}");
        assert!(e.to_string().starts_with("n.yaml:4:9: `at: 30`"), "{e}");
    }

    #[test]
    fn catalogue_covers_regions_endpoints_and_databases() {
        let env = env();
        let c = catalogue(&env);
        assert!(
            c.iter()
                .any(|(_, f)| matches!(f, Fault::EndpointDown { index: 5 }))
        );
        assert!(
            c.iter()
                .any(|(l, _)| l.contains("Break replication of ledger"))
        );
        assert!(c.iter().any(|(l, _)| l.contains("Impair us-east-1")));
        // Issue 7 §7: alarms, health checks, and ARC endpoints throttling, failing with
        // a 5xx and slow (not dark).
        let has = |f: Fault| c.iter().any(|(_, g)| *g == f);
        assert!(has(Fault::AlarmForced {
            region: "us-west-2".into(),
            alarm: "orders-api-latency-usw2".into()
        }));
        assert!(has(Fault::HealthCheckFailing {
            health_check: "hc-orders-use1".into()
        }));
        assert!(has(Fault::EndpointThrottling { index: 4 }));
        assert!(has(Fault::EndpointSlow {
            index: 2,
            latency_ms: SLOW_ENDPOINT_MS
        }));
        assert!(has(Fault::ApiErrorRate {
            service: FaultService::Arc,
            region: "ap-southeast-2".into(),
            rate: 1.0
        }));
        // Every entry is a fault the environment knows (what the HTTP control accepts).
        for (label, f) in c {
            assert_eq!(validate(f.clone(), &env), Ok(f), "{label}");
        }
    }

    #[test]
    fn game_day_faults_are_checked_against_the_environment() {
        let env = env();
        assert_eq!(
            validate(
                Fault::AlarmForced {
                    region: "primary".into(),
                    alarm: "orders-api-5xx-use1".into()
                },
                &env
            ),
            Ok(Fault::AlarmForced {
                region: "us-east-1".into(),
                alarm: "orders-api-5xx-use1".into()
            })
        );
        // The alarm lives in the other Region.
        assert!(
            validate(
                Fault::AlarmForced {
                    region: "us-west-2".into(),
                    alarm: "orders-api-5xx-use1".into()
                },
                &env
            )
            .is_err()
        );
        assert!(
            validate(
                Fault::HealthCheckFailing {
                    health_check: "hc-nope".into()
                },
                &env
            )
            .is_err()
        );
        // ARC may name an endpoint's Region; other services only the environment's.
        let rate = |service, region: &str| Fault::ApiErrorRate {
            service,
            region: region.into(),
            rate: 1.0,
        };
        assert!(validate(rate(FaultService::Arc, "eu-west-1"), &env).is_ok());
        assert!(validate(rate(FaultService::Rds, "eu-west-1"), &env).is_err());
        let text = "name: x\ndescription: y\nevents:\n  - at: 1s\n    fault: { health_check_failing: { health_check: hc-orders-usw2 } }\n";
        assert!(Scenario::parse(text, "h.yaml", &env).is_ok());
    }

    #[test]
    fn a_latency_section_becomes_events_at_zero_and_is_checked() {
        let env = env();
        let s = Scenario::load("far-operator", &env).expect("far-operator");
        assert!(s.events.iter().all(|e| e.at == Duration::ZERO));
        assert!(s.events.iter().any(|e| e.fault
            == Fault::RegionLatency {
                region: "us-west-2".into(),
                accept_ms: 260,
                reply_ms: 150,
            }));
        assert!(s.events.iter().any(|e| e.fault
            == Fault::EndpointLatency {
                index: 3,
                accept_ms: 520,
                reply_ms: 280,
            }));

        let text = "name: x\ndescription: y\nlatency:\n  regions:\n    primary: { reply_ms: 5 }\n  endpoints:\n    9: { accept_ms: 1 }\n";
        let e = Scenario::parse(text, "l.yaml", &env).expect_err("index 9");
        assert!(e.to_string().contains("endpoint index 9"), "{e}");
        assert_eq!(e.line, 4, "{e}");
        let text = "name: x\ndescription: y\nlatency:\n  regions:\n    primary: { reply_ms: 5, bogus: 1 }\n";
        assert!(Scenario::parse(text, "l.yaml", &env).is_err());
    }

    #[test]
    fn latency_and_lost_answers_reach_the_world_and_recovery_ends_lost_answers() {
        use crate::emulator::world::{Service, TwinWorld};
        let env = env();
        let mut w = TwinWorld::new(&env, 1, chrono::Utc::now());
        let s = Scenario::load("far-operator", &env).expect("far-operator");
        w.set_scenario(s);
        // Endpoint 1 lives in us-east-1 and has no profile of its own.
        assert_eq!(w.latency(Some(1), "us-east-1").reply_ms, 90);
        assert_eq!(w.latency(Some(3), "ap-southeast-2").accept_ms, 520);
        assert_eq!(w.latency(None, "us-west-2").accept_ms, 260);
        w.inject(&Fault::RegionLatency {
            region: "us-west-2".into(),
            accept_ms: 0,
            reply_ms: 0,
        });
        assert_eq!(w.latency(None, "us-west-2"), Latency::default());

        w.inject(&Fault::EndpointAnswerLost { index: 2 });
        w.inject(&Fault::AnswerLost {
            service: FaultService::Rds,
            region: "us-west-2".into(),
        });
        assert!(w.answer_lost(Some(2), Service::Arc, "ap-northeast-1"));
        assert!(!w.answer_lost(Some(1), Service::Arc, "us-east-1"));
        assert!(w.answer_lost(None, Service::Rds, "us-west-2"));
        w.inject(&Fault::EndpointRecovered { index: 2 });
        w.inject(&Fault::RegionRecovered {
            region: "us-west-2".into(),
        });
        assert!(!w.answer_lost(Some(2), Service::Arc, "ap-northeast-1"));
        assert!(!w.answer_lost(None, Service::Rds, "us-west-2"));
    }
}
