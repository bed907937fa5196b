//! RDS cross-Region read replica pairs and their promotion walk.

use super::faults::FaultState;
use super::lag::{Lag, REPLICA};
use super::{DbInstanceView, RdsError};
use crate::config::{ReplicaEnd, ReplicaPair};
use chrono::{DateTime, Duration, Utc};
use rand_chacha::ChaCha8Rng;

const ENGINE: &str = "postgres";
const STEP_S: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Promotion {
    None,
    Modifying { until: DateTime<Utc> },
    Rebooting { until: DateTime<Utc> },
    Done,
}

#[derive(Debug, Clone)]
pub(super) struct ReplicaDb {
    name: String,
    account: String,
    primary: ReplicaEnd,
    replica: ReplicaEnd,
    lag: Lag,
    broken: bool,
    promotion: Promotion,
}

fn arn(account: &str, end: &ReplicaEnd) -> String {
    format!(
        "arn:aws:rds:{}:{account}:db:{}",
        end.region, end.instance_id
    )
}

impl ReplicaDb {
    pub(super) fn new(p: &ReplicaPair, account: &str, rng: &mut ChaCha8Rng) -> ReplicaDb {
        ReplicaDb {
            name: p.name.clone(),
            account: account.to_string(),
            primary: p.primary.clone(),
            replica: p.replica.clone(),
            lag: Lag::new(REPLICA, rng),
            broken: false,
            promotion: Promotion::None,
        }
    }

    pub(super) fn matches(&self, database: Option<&str>, region: Option<&str>) -> bool {
        database.is_none_or(|d| d == self.name) && region.is_none_or(|r| r == self.replica.region)
    }

    pub(super) fn tick(&mut self, now: DateTime<Utc>, rng: &mut ChaCha8Rng, faults: &FaultState) {
        let stalled = self.broken
            || faults.is_impaired(&self.primary.region)
            || faults.is_impaired(&self.replica.region);
        self.lag.step(rng, stalled);
        self.promotion = match self.promotion {
            Promotion::Modifying { until } if now >= until => Promotion::Rebooting {
                until: now + Duration::seconds(STEP_S),
            },
            Promotion::Rebooting { until } if now >= until => Promotion::Done,
            other => other,
        };
    }

    pub(super) fn spike(&mut self, peak_ms: f64, secs: f64) {
        self.lag.force_spike(peak_ms, secs);
    }

    pub(super) fn end_spike(&mut self) {
        self.lag.end_spike();
    }

    /// The env name, when the link is broken.
    pub(super) fn broken_name(&self) -> Option<&str> {
        self.broken.then_some(self.name.as_str())
    }

    pub(super) fn set_broken(&mut self, broken: bool) {
        self.broken = broken;
    }

    /// (Region, instance id, ReplicaLag in seconds): -1 once the link is broken or the
    /// replica is being promoted, as RDS reports it.
    pub(super) fn lag_sample(&self) -> (&str, &str, f64) {
        let v = if self.broken || self.promotion != Promotion::None {
            -1.0
        } else {
            self.lag.ms() / 1000.0
        };
        (&self.replica.region, &self.replica.instance_id, v)
    }

    fn linked(&self) -> bool {
        self.promotion != Promotion::Done
    }

    pub(super) fn views(&self, region: &str) -> Vec<DbInstanceView> {
        let mut out = Vec::new();
        if self.primary.region == region {
            out.push(DbInstanceView {
                cluster: None,
                id: self.primary.instance_id.clone(),
                arn: arn(&self.account, &self.primary),
                status: "available".into(),
                engine: ENGINE.into(),
                replica_source: None,
                replicas: if self.linked() {
                    vec![self.replica.instance_id.clone()]
                } else {
                    Vec::new()
                },
                replication_status: None,
            });
        }
        if self.replica.region == region {
            let status = match self.promotion {
                Promotion::Modifying { .. } => "modifying",
                Promotion::Rebooting { .. } => "rebooting",
                Promotion::None | Promotion::Done => "available",
            };
            let replication = if self.broken { "error" } else { "replicating" };
            out.push(DbInstanceView {
                cluster: None,
                id: self.replica.instance_id.clone(),
                arn: arn(&self.account, &self.replica),
                status: status.into(),
                engine: ENGINE.into(),
                replica_source: self.linked().then(|| arn(&self.account, &self.primary)),
                replicas: Vec::new(),
                replication_status: self.linked().then(|| replication.to_string()),
            });
        }
        out
    }

    /// Does this pair hold `instance_id` in `region`?
    pub(super) fn holds(&self, region: &str, instance_id: &str) -> bool {
        (self.primary.region == region && self.primary.instance_id == instance_id)
            || (self.replica.region == region && self.replica.instance_id == instance_id)
    }

    pub(super) fn promote(
        &mut self,
        now: DateTime<Utc>,
        region: &str,
        instance_id: &str,
    ) -> Result<DbInstanceView, RdsError> {
        let is_replica = self.replica.region == region && self.replica.instance_id == instance_id;
        if !is_replica || self.promotion == Promotion::Done {
            return Err(RdsError::InvalidDbInstanceState(format!(
                "DB instance {instance_id} is not a read replica"
            )));
        }
        if self.promotion != Promotion::None {
            return Err(RdsError::InvalidDbInstanceState(format!(
                "DB instance {instance_id} is already being promoted"
            )));
        }
        self.promotion = Promotion::Modifying {
            until: now + Duration::seconds(STEP_S),
        };
        self.views(region)
            .into_iter()
            .find(|v| v.id == instance_id)
            .ok_or_else(|| RdsError::DbInstanceNotFound(instance_id.to_string()))
    }
}
