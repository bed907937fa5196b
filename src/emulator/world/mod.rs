//! The simulated world: Regions, routing controls and safety rules, Aurora global
//! databases with moving lag, RDS replicas, alarms and health checks, driven by a
//! seeded clock. Pure state: no I/O, no async. The wire front ends call into it.

mod active;
mod alarms;
mod api;
mod arc;
mod aurora;
mod backup;
mod capacity;
mod capacity_api;
mod control_config;
mod faults;
mod fleet;
mod inject;
mod instances;
mod lag;
mod metrics;
mod replica;
mod restore;
mod route53;
mod store_metrics;

#[cfg(test)]
mod tests;

pub use api::*;
pub use arc::{ControlConfig, DRIFT_CONTROL_NAME, DRIFT_WAIT_RAISE_MS, PanelConfig};
pub use backup::SOURCE_VAULT;
pub use capacity::{AsgInstanceView, AsgView, EcsServiceView, LifecycleState};
pub use capacity_api::{AsgSizeChange, CapacityError, EcsDescribe};
pub use control_config::{ClusterConfig, ConfigNotFound, slug};
pub use fleet::{INSTANCE_LAUNCH_S, INSTANCE_TERMINATE_S, TASK_START_S, TASK_STOP_S};
pub use instances::CreateInstanceRequest;
pub use restore::RestoreRequest;
pub use route53::{
    HealthCheckKind, HealthCheckView, HostedZoneView, NAME_SERVERS, RecordRouting, RecordView,
    Route53View, recovery_control_check_id, reversed_labels,
};

use crate::config::Environment;
use crate::emulator::scenario::{Latency, Scenario, resolve_region};
use crate::model::ControlState;
use alarms::AlarmBook;
use arc::ArcState;
use aurora::GlobalDb;
use chrono::{DateTime, Duration, Utc};
use faults::FaultState;
use metrics::{MetricStore, SAMPLE_EVERY_S};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use replica::ReplicaDb;

/// The account the twin answers with when the environment file names none in its ARNs.
pub const ACCOUNT_ID: &str = "111122223333";
/// The simulated caller's role session (its account is the environment's).
const CALLER_ROLE: &str = "assumed-role/DrOperator/twin";
pub const CALLER_USER_ID: &str = "AROATWINOPERATOR0001:twin";

/// The account the environment file's ARNs name (routing controls first, then Aurora
/// members), so the twin's STS identity and ARNs match the file it serves.
pub fn environment_account(env: &Environment) -> String {
    let arns = env
        .arc
        .controls
        .iter()
        .map(|c| c.arn.as_str())
        .chain(env.arc.panels.iter().map(|p| p.arn.as_str()))
        .chain(
            env.aurora
                .iter()
                .flat_map(|d| d.members.iter().map(|m| m.cluster_arn.as_str())),
        );
    arns.filter_map(|arn| arn.split(':').nth(4))
        .find(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(ACCOUNT_ID)
        .to_string()
}

/// Sim time simulated before `start`, so history exists and alarms have evaluated.
const WARM_UP_S: i64 = 15 * 60;
/// Upper bound on ticks per `advance_to`, so a far-future call cannot spin for ever;
/// beyond it the clock jumps (history then has a gap, as after a pause).
const MAX_TICKS: i64 = 7 * 24 * 3600;
/// Route 53 publishes health-check metrics only here.
const ROUTE53_METRICS_REGION: &str = "us-east-1";

pub struct TwinWorld {
    env: Environment,
    /// The environment's account: STS answers and every ARN the twin makes use it.
    account: String,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    /// Drives the world's own motion (lag, durations).
    rng: ChaCha8Rng,
    /// Drives injected API errors only, so request timing cannot perturb the world.
    err_rng: ChaCha8Rng,
    faults: FaultState,
    arc: ArcState,
    aurora: Vec<GlobalDb>,
    replicas: Vec<ReplicaDb>,
    alarms: AlarmBook,
    metrics: MetricStore,
    data_loss: Vec<DataLossEvent>,
    scenario: Option<Scenario>,
    /// Index of the next scenario event to fire.
    next_event: usize,
    /// Lag spikes injected and not yet over (the Active list shows them).
    spikes: Vec<InjectedSpike>,
    /// Region outages and copy failures, which the backup schedule reads.
    backup_history: backup::BackupHistory,
    restore_jobs: Vec<restore::RestoreJob>,
    /// Instances made by CreateDBInstance.
    created_instances: Vec<instances::CreatedInstance>,
    /// Restored clusters deleted by DeleteDBCluster.
    deleted_clusters: Vec<instances::DeletedCluster>,
    /// Restores started while set fail (game day).
    restores_failing: bool,
    /// Auto Scaling groups and ECS services (`capacity:`).
    capacity: capacity::CapacityBook,
    /// DynamoDB global tables and S3 replication rules, seen through their metrics.
    store_replication: store_metrics::StoreReplication,
}

/// A `lag_spike` fault, remembered until it ends.
#[derive(Debug, Clone)]
struct InjectedSpike {
    database: Option<String>,
    region: Option<String>,
    peak_ms: u64,
    duration: String,
    until: DateTime<Utc>,
}

impl TwinWorld {
    /// Builds the world from the environment and warms it up so that history exists
    /// and alarms have left INSUFFICIENT_DATA by `start`.
    pub fn new(env: &Environment, seed: u64, start: DateTime<Utc>) -> TwinWorld {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let err_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_e440_0000_0001);
        let warm = start - Duration::seconds(WARM_UP_S);
        let primary = env.primary().name.clone();
        let account = environment_account(env);
        let capacity = capacity::CapacityBook::new(&env.capacity, &account, seed, warm);
        let aurora = env
            .aurora
            .iter()
            .map(|g| GlobalDb::new(g, &primary, &account, &mut rng))
            .collect();
        let replicas = env
            .replicas
            .iter()
            .map(|p| ReplicaDb::new(p, &account, &mut rng))
            .collect();
        let alarms = AlarmBook::new(
            &account,
            env.regions
                .iter()
                .flat_map(|r| r.alarms.iter().map(|a| (r.name.as_str(), a.as_str()))),
            warm,
        );
        let mut world = TwinWorld {
            env: env.clone(),
            arc: ArcState::new(env, &account),
            account,
            start,
            now: warm,
            rng,
            err_rng,
            faults: FaultState::new(env.arc.endpoints.len()),
            aurora,
            replicas,
            alarms,
            metrics: MetricStore::default(),
            data_loss: Vec::new(),
            scenario: None,
            next_event: 0,
            spikes: Vec::new(),
            backup_history: backup::BackupHistory::default(),
            restore_jobs: Vec::new(),
            created_instances: Vec::new(),
            deleted_clusters: Vec::new(),
            restores_failing: false,
            capacity,
            store_replication: store_metrics::StoreReplication::new(
                &env.dynamodb,
                &env.s3_replication,
                seed,
            ),
        };
        world.sample_metrics();
        world.advance_to(start);
        world
    }

    /// The account STS reports and the twin's ARNs carry.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The caller identity's ARN (STS GetCallerIdentity).
    pub fn caller_arn(&self) -> String {
        format!("arn:aws:sts::{}:{CALLER_ROLE}", self.account)
    }

    /// Simulated "now".
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The sim time scenario offsets count from.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// Installs a scenario; events already due (e.g. `at: 0s`) fire at once.
    pub fn set_scenario(&mut self, s: Scenario) {
        if let Some(gib) = s.database_gib {
            for g in &mut self.aurora {
                g.set_size_gib(gib);
            }
        }
        self.scenario = Some(s);
        self.next_event = 0;
        self.fire_due_events();
    }

    /// Steps the world (lag walk, operations in flight, alarms) up to `t`.
    pub fn advance_to(&mut self, t: DateTime<Utc>) {
        if t <= self.now {
            return;
        }
        let whole = (t - self.now).num_seconds();
        if whole > MAX_TICKS {
            self.now += Duration::seconds(whole - MAX_TICKS);
        }
        let mut budget = MAX_TICKS;
        while self.now + Duration::seconds(1) <= t && budget > 0 {
            self.tick();
            budget -= 1;
        }
    }

    fn tick(&mut self) {
        self.now += Duration::seconds(1);
        self.fire_due_events();
        for g in &mut self.aurora {
            g.tick(self.now, &mut self.rng, &self.faults);
        }
        for r in &mut self.replicas {
            r.tick(self.now, &mut self.rng, &self.faults);
        }
        self.alarms.tick(self.now, &self.faults);
        self.faults.end_capacity_shortages(self.now);
        self.capacity.tick(self.now, &self.faults);
        self.faults.end_replication_stalls(self.now);
        self.store_replication.tick(&self.faults);
        let now = self.now;
        self.spikes.retain(|s| s.until > now);
        if self.now.timestamp().rem_euclid(SAMPLE_EVERY_S) == 0 {
            self.sample_metrics();
        }
    }

    fn fire_due_events(&mut self) {
        let elapsed = self.now - self.start;
        let mut due = Vec::new();
        if let Some(s) = &self.scenario {
            while let Some(ev) = s.events.get(self.next_event) {
                let at = Duration::from_std(ev.at).unwrap_or(Duration::MAX);
                if elapsed < at {
                    break;
                }
                due.push(ev.fault.clone());
                self.next_event += 1;
            }
        }
        for f in &due {
            self.inject(f);
        }
    }

    fn sample_metrics(&mut self) {
        let now = self.now;
        for g in &self.aurora {
            for s in g.lag_samples() {
                let dim = &[("DBClusterIdentifier", s.cluster_id)];
                self.metrics.record(
                    s.region,
                    "AWS/RDS",
                    "AuroraGlobalDBReplicationLag",
                    dim,
                    now,
                    s.lag_ms,
                );
                self.metrics.record(
                    s.region,
                    "AWS/RDS",
                    "AuroraGlobalDBRPOLag",
                    dim,
                    now,
                    s.rpo_ms,
                );
            }
        }
        for r in &self.replicas {
            let (region, id, v) = r.lag_sample();
            self.metrics.record(
                region,
                "AWS/RDS",
                "ReplicaLag",
                &[("DBInstanceIdentifier", id)],
                now,
                v,
            );
        }
        self.store_replication.sample(&mut self.metrics, now);
        for region in &self.env.regions {
            let dark = self.faults.is_impaired(&region.name);
            for hc in &region.health_checks {
                let v = if dark || self.faults.check_failing(hc) {
                    0.0
                } else {
                    1.0
                };
                self.metrics.record(
                    ROUTE53_METRICS_REGION,
                    "AWS/Route53",
                    "HealthCheckStatus",
                    &[("HealthCheckId", hc)],
                    now,
                    v,
                );
            }
        }
    }

    fn region_name(&self, r: &str) -> Option<String> {
        resolve_region(r, &self.env)
    }

    pub fn region_reach(&self, region: &str) -> Reach {
        self.faults.reach(region)
    }

    pub fn endpoint_mode(&self, index: usize) -> EndpointMode {
        self.faults.endpoint(index)
    }

    /// The latency a request meets: ARC endpoint `endpoint` (1-based) if given, in
    /// `region` (the endpoint's own Region for ARC).
    pub fn latency(&self, endpoint: Option<usize>, region: &str) -> Latency {
        self.faults.latency(endpoint, region)
    }

    /// Whether an applied call loses its answer (fault `endpoint_answer_lost` /
    /// `answer_lost`).
    pub fn answer_lost(&self, endpoint: Option<usize>, service: Service, region: &str) -> bool {
        self.faults.answer_lost(endpoint, service, region)
    }

    /// Draws from the seeded RNG: should this request fail with an injected 5xx?
    pub fn injected_error(&mut self, service: Service, region: &str) -> bool {
        let rate = self.faults.error_rate(service, region);
        rate > 0.0 && self.err_rng.random_bool(rate.clamp(0.0, 1.0))
    }

    pub fn arc_get(&self, arn: &str) -> Result<ControlView, ArcError> {
        self.arc.get(arn)
    }

    pub fn arc_list(&self, panel_arn: Option<&str>) -> Result<Vec<ControlView>, ArcError> {
        self.arc.list(panel_arn)
    }

    /// Applies a batch atomically or rejects it (safety rules, wait periods, >10 entries,
    /// unknown ARNs).
    pub fn arc_update(
        &mut self,
        updates: &[(String, ControlState)],
        overrides: &[String],
    ) -> Result<(), ArcError> {
        self.arc.update(self.now, updates, overrides)
    }

    pub fn rds_global_clusters(
        &self,
        region: &str,
        id: Option<&str>,
    ) -> Result<Vec<GlobalClusterView>, RdsError> {
        // Global clusters are visible from every Region.
        let _ = region;
        let views: Vec<GlobalClusterView> = self
            .aurora
            .iter()
            .filter(|g| id.is_none_or(|i| g.id() == i))
            .map(GlobalDb::view)
            .collect();
        found(views, id, |i| {
            RdsError::GlobalClusterNotFound(format!("global cluster {i} not found"))
        })
    }

    pub fn rds_db_clusters(
        &self,
        region: &str,
        id: Option<&str>,
    ) -> Result<Vec<DbClusterView>, RdsError> {
        let views: Vec<DbClusterView> = self
            .aurora
            .iter()
            .flat_map(|g| g.cluster_views(region))
            .chain(self.restored_clusters(region))
            .filter(|c| id.is_none_or(|i| c.id == i || c.arn == i))
            .collect();
        found(views, id, |i| {
            RdsError::DbClusterNotFound(format!("DBCluster {i} not found in {region}"))
        })
    }

    pub fn rds_db_instances(
        &self,
        region: &str,
        id: Option<&str>,
    ) -> Result<Vec<DbInstanceView>, RdsError> {
        let views: Vec<DbInstanceView> = self
            .replicas
            .iter()
            .flat_map(|r| r.views(region))
            .chain(self.created_instance_views(region))
            .filter(|v| id.is_none_or(|i| v.id == i || v.arn == i))
            .collect();
        found(views, id, |i| {
            RdsError::DbInstanceNotFound(format!("DBInstance {i} not found in {region}"))
        })
    }

    /// Planned switchover, called in the current primary's Region.
    pub fn rds_switchover(
        &mut self,
        region: &str,
        global_id: &str,
        target_cluster: &str,
    ) -> Result<GlobalClusterView, RdsError> {
        let _ = region;
        let now = self.now;
        let faults = &self.faults;
        self.aurora
            .iter_mut()
            .find(|g| g.id() == global_id)
            .ok_or_else(|| not_found(global_id))?
            .switchover(now, target_cluster, faults)
    }

    /// FailoverGlobalCluster; `allow_data_loss` / `switchover` as sent (None = absent).
    pub fn rds_failover(
        &mut self,
        region: &str,
        global_id: &str,
        target_cluster: &str,
        allow_data_loss: Option<bool>,
        switchover: Option<bool>,
    ) -> Result<GlobalClusterView, RdsError> {
        let now = self.now;
        let faults = &self.faults;
        let g = self
            .aurora
            .iter_mut()
            .find(|g| g.id() == global_id)
            .ok_or_else(|| not_found(global_id))?;
        match (allow_data_loss == Some(true), switchover == Some(true)) {
            (true, true) => Err(RdsError::InvalidParameterCombination(
                "AllowDataLoss and Switchover cannot both be true".into(),
            )),
            // With neither AllowDataLoss nor Switchover, FailoverGlobalCluster is a
            // switchover (AWS-FACTS.md; RDS API reference, FailoverGlobalCluster).
            (false, _) => g.switchover(now, target_cluster, faults),
            (true, false) => {
                let (view, event) = g.failover(now, region, target_cluster)?;
                self.data_loss.push(event);
                Ok(view)
            }
        }
    }

    pub fn rds_promote_read_replica(
        &mut self,
        region: &str,
        instance_id: &str,
    ) -> Result<DbInstanceView, RdsError> {
        let now = self.now;
        self.replicas
            .iter_mut()
            .find(|r| r.holds(region, instance_id))
            .ok_or_else(|| {
                RdsError::DbInstanceNotFound(format!(
                    "DBInstance {instance_id} not found in {region}"
                ))
            })?
            .promote(now, region, instance_id)
    }

    /// One GetMetricData query for `region`; empty when the metric does not exist there
    /// (e.g. Route 53 HealthCheckStatus outside us-east-1).
    pub fn cw_metric(&self, region: &str, q: &MetricQuery) -> MetricSeries {
        self.metrics.query(region, q)
    }

    /// DescribeAlarms in `region`, filtered by name when `names` is non-empty.
    /// Alarms are Regional: only the ones the environment lists for `region`.
    pub fn cw_alarms(&self, region: &str, names: &[String]) -> Vec<AlarmView> {
        self.alarms.views(region, names)
    }

    pub fn data_loss_events(&self) -> &[DataLossEvent] {
        &self.data_loss
    }

    /// The environment the world was built from.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The scenario installed with [`TwinWorld::set_scenario`], if any.
    pub fn scenario(&self) -> Option<&Scenario> {
        self.scenario.as_ref()
    }
}

fn not_found(global_id: &str) -> RdsError {
    RdsError::GlobalClusterNotFound(format!("global cluster {global_id} not found"))
}

/// A Describe* answer: asking for one identifier that matches nothing is AWS's
/// not-found fault, not an empty list.
fn found<T>(
    views: Vec<T>,
    id: Option<&str>,
    not_found: impl FnOnce(&str) -> RdsError,
) -> Result<Vec<T>, RdsError> {
    match id {
        Some(i) if views.is_empty() => Err(not_found(i)),
        _ => Ok(views),
    }
}
