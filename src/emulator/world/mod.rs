//! The simulated world: Regions, routing controls and safety rules, Aurora global
//! databases with moving lag, RDS replicas, alarms and health checks, driven by a
//! seeded clock. Pure state: no I/O, no async. The wire front ends call into it.
//!
//! SKELETON: signatures agreed between the world and the wire front ends; the world
//! helper replaces every `todo!()`.

mod api;

pub use api::*;

use crate::config::Environment;
use crate::emulator::scenario::Fault;
use crate::model::ControlState;
use chrono::{DateTime, Utc};

/// The fixed simulated identity STS returns.
pub const ACCOUNT_ID: &str = "111122223333";
pub const CALLER_ARN: &str = "arn:aws:sts::111122223333:assumed-role/DrOperator/twin";
pub const CALLER_USER_ID: &str = "AROATWINOPERATOR0001:twin";

pub struct World {
    _private: (),
}

impl World {
    /// Builds the world from the environment and warms it up so that history exists
    /// and alarms have left INSUFFICIENT_DATA by `start`.
    pub fn new(env: &Environment, seed: u64, start: DateTime<Utc>) -> World {
        let _ = (env, seed, start);
        todo!()
    }

    /// Simulated "now".
    pub fn now(&self) -> DateTime<Utc> {
        todo!()
    }

    /// Steps the world (lag walk, operations in flight, alarms) up to `t`.
    pub fn advance_to(&mut self, t: DateTime<Utc>) {
        let _ = t;
        todo!()
    }

    pub fn inject(&mut self, fault: &Fault) {
        let _ = fault;
        todo!()
    }

    pub fn region_reach(&self, region: &str) -> Reach {
        let _ = region;
        todo!()
    }

    pub fn endpoint_mode(&self, index: usize) -> EndpointMode {
        let _ = index;
        todo!()
    }

    /// Draws from the seeded RNG: should this request fail with an injected 5xx?
    pub fn injected_error(&mut self, service: Service, region: &str) -> bool {
        let _ = (service, region);
        todo!()
    }

    pub fn arc_get(&self, arn: &str) -> Result<ControlView, ArcError> {
        let _ = arn;
        todo!()
    }

    pub fn arc_list(&self, panel_arn: Option<&str>) -> Result<Vec<ControlView>, ArcError> {
        let _ = panel_arn;
        todo!()
    }

    /// Applies a batch atomically or rejects it (safety rules, wait periods, >10 entries,
    /// unknown ARNs).
    pub fn arc_update(
        &mut self,
        updates: &[(String, ControlState)],
        overrides: &[String],
    ) -> Result<(), ArcError> {
        let _ = (updates, overrides);
        todo!()
    }

    pub fn rds_global_clusters(
        &self,
        region: &str,
        id: Option<&str>,
    ) -> Result<Vec<GlobalClusterView>, RdsError> {
        let _ = (region, id);
        todo!()
    }

    pub fn rds_db_clusters(
        &self,
        region: &str,
        id: Option<&str>,
    ) -> Result<Vec<DbClusterView>, RdsError> {
        let _ = (region, id);
        todo!()
    }

    pub fn rds_db_instances(
        &self,
        region: &str,
        id: Option<&str>,
    ) -> Result<Vec<DbInstanceView>, RdsError> {
        let _ = (region, id);
        todo!()
    }

    /// Planned switchover, called in the current primary's Region.
    pub fn rds_switchover(
        &mut self,
        region: &str,
        global_id: &str,
        target_cluster: &str,
    ) -> Result<GlobalClusterView, RdsError> {
        let _ = (region, global_id, target_cluster);
        todo!()
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
        let _ = (
            region,
            global_id,
            target_cluster,
            allow_data_loss,
            switchover,
        );
        todo!()
    }

    pub fn rds_promote_read_replica(
        &mut self,
        region: &str,
        instance_id: &str,
    ) -> Result<DbInstanceView, RdsError> {
        let _ = (region, instance_id);
        todo!()
    }

    /// One GetMetricData query for `region`; empty when the metric does not exist there
    /// (e.g. Route 53 HealthCheckStatus outside us-east-1).
    pub fn cw_metric(&self, region: &str, q: &MetricQuery) -> MetricSeries {
        let _ = (region, q);
        todo!()
    }

    /// DescribeAlarms in `region`, filtered by name when `names` is non-empty.
    pub fn cw_alarms(&self, region: &str, names: &[String]) -> Vec<AlarmView> {
        let _ = (region, names);
        todo!()
    }

    pub fn data_loss_events(&self) -> &[DataLossEvent] {
        todo!()
    }
}
