//! Raw observations as pollers report them, and the store the assembler keeps.
//! Only the assembler task owns the store, so no lock is ever needed.

use super::history::History;
use crate::config::Environment;
use crate::model::snapshot::Identity;
use crate::provider::{
    AlarmInfo, ControlInfo, CopyJobInfo, GlobalClusterInfo, InstanceInfo, MetricPoints,
    RecoveryPointInfo,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};

/// One poll's answer.
#[derive(Debug, Clone)]
pub struct Report<T> {
    /// When the request was sent.
    pub started: DateTime<Utc>,
    /// When the answer (or the error) arrived.
    pub at: DateTime<Utc>,
    pub result: Result<T, String>,
}

/// What pollers send to the assembler.
#[derive(Debug, Clone)]
pub enum Update {
    Identity(Report<Identity>),
    Alarms {
        region: String,
        report: Report<Vec<AlarmInfo>>,
    },
    Metrics {
        region: String,
        report: Report<Vec<MetricPoints>>,
    },
    Cluster {
        db: String,
        region: String,
        report: Report<GlobalClusterInfo>,
    },
    Instance {
        replica: String,
        report: Report<InstanceInfo>,
    },
    Controls(Report<Vec<ControlInfo>>),
    /// The DR vault's recovery points of one protected resource (read in its DR Region).
    BackupVault {
        name: String,
        report: Report<Vec<RecoveryPointInfo>>,
    },
    /// Copy jobs and source points of one protected resource (read in its own Region).
    BackupSource {
        name: String,
        report: Report<BackupSourceRead>,
    },
    /// Resource ARN → its last restore that counts as a test, from the journals.
    RestoreTests(HashMap<String, DateTime<Utc>>),
    /// One `capacity:` group (read in its Region).
    Capacity {
        name: String,
        report: Report<crate::provider::CapacityInfo>,
    },
}

/// What the source Region says about one protected resource.
#[derive(Debug, Clone, Default)]
pub struct BackupSourceRead {
    pub copy_jobs: Vec<CopyJobInfo>,
    pub points: Vec<RecoveryPointInfo>,
}

/// The latest good value of one item, when it was read, and how reading it fails.
#[derive(Debug, Clone)]
pub struct Obs<T> {
    pub value: Option<T>,
    pub at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// When the first poll of the current run of failures was sent.
    pub failing_since: Option<DateTime<Utc>>,
    /// At least one poll finished (well or badly).
    pub reported: bool,
}

impl<T> Default for Obs<T> {
    fn default() -> Self {
        Obs {
            value: None,
            at: None,
            error: None,
            failing_since: None,
            reported: false,
        }
    }
}

impl<T> Obs<T> {
    pub fn record(&mut self, report: Report<T>) {
        self.reported = true;
        match report.result {
            Ok(v) => {
                self.value = Some(v);
                self.at = Some(report.at);
                self.error = None;
                self.failing_since = None;
            }
            Err(e) => {
                self.error = Some(e);
                self.failing_since.get_or_insert(report.started);
            }
        }
    }

    /// Read successfully within `window` of `now`, and no poll has failed since: a
    /// known failure is not papered over by a recent-enough older answer.
    pub fn fresh(&self, now: DateTime<Utc>, window: Duration) -> bool {
        self.failing_since.is_none() && self.at.is_some_and(|at| now - at <= window)
    }

    /// The value, only while fresh.
    pub fn fresh_value(&self, now: DateTime<Utc>, window: Duration) -> Option<&T> {
        if self.fresh(now, window) {
            self.value.as_ref()
        } else {
            None
        }
    }
}

/// Metric history keys.
pub fn lag_key(db: &str, region: &str) -> String {
    format!("lag/{db}/{region}")
}
pub fn rpo_key(db: &str, region: &str) -> String {
    format!("rpo/{db}/{region}")
}
pub fn replica_key(name: &str) -> String {
    format!("replica/{name}")
}
pub fn health_check_key(id: &str) -> String {
    format!("hc/{id}")
}
/// A DynamoDB global table's ReplicationLatency from `from` into `to`.
pub fn table_link_key(name: &str, from: &str, to: &str) -> String {
    format!("ddb/{name}/{from}/{to}")
}
/// One of an S3 replication rule's three metrics (`metric` is its CloudWatch name).
pub fn bucket_key(name: &str, metric: &str) -> String {
    format!("s3/{name}/{metric}")
}

/// Everything observed so far.
#[derive(Debug)]
pub struct Observations {
    pub identity: Obs<Identity>,
    pub alarms: BTreeMap<String, Obs<Vec<AlarmInfo>>>,
    pub metrics: BTreeMap<String, Obs<()>>,
    pub history: HashMap<String, History>,
    /// By (database name, Region asked).
    pub clusters: BTreeMap<(String, String), Obs<GlobalClusterInfo>>,
    /// By replica pair name.
    pub instances: BTreeMap<String, Obs<InstanceInfo>>,
    pub controls: Obs<Vec<ControlInfo>>,
    /// By protected resource name.
    pub backup_vaults: BTreeMap<String, Obs<Vec<RecoveryPointInfo>>>,
    pub backup_sources: BTreeMap<String, Obs<BackupSourceRead>>,
    /// A copied point's ARN → the backup time of the source point it was copied from,
    /// learnt while the source Region answered and kept after it goes dark (the
    /// source point's time never changes).
    pub copied_from: HashMap<String, DateTime<Utc>>,
    /// Resource ARN → last restore test, once the journals were read.
    pub restore_tests: Option<HashMap<String, DateTime<Utc>>>,
    /// Whether the journals are read at all (a state directory was given).
    pub restore_tests_expected: bool,
    /// By `capacity:` group name.
    pub capacity: BTreeMap<String, Obs<crate::provider::CapacityInfo>>,
    history_len: usize,
}

impl Observations {
    /// Slots for every item the environment names, so "never reported" is visible.
    pub fn new(env: &Environment, metric_regions: &[String], history_len: usize) -> Self {
        let alarms = env
            .regions
            .iter()
            .map(|r| (r.name.clone(), Obs::default()))
            .collect();
        let metrics = metric_regions
            .iter()
            .map(|r| (r.clone(), Obs::default()))
            .collect();
        let clusters = env
            .aurora
            .iter()
            .flat_map(|d| {
                d.members
                    .iter()
                    .map(|m| ((d.name.clone(), m.region.clone()), Obs::default()))
            })
            .collect();
        let instances = env
            .replicas
            .iter()
            .map(|p| (p.name.clone(), Obs::default()))
            .collect();
        let backup_vaults = env
            .backups
            .iter()
            .map(|b| (b.name.clone(), Obs::default()))
            .collect();
        let backup_sources = env
            .backups
            .iter()
            .map(|b| (b.name.clone(), Obs::default()))
            .collect();
        let capacity = env
            .capacity
            .iter()
            .map(|g| (g.name.clone(), Obs::default()))
            .collect();
        Observations {
            capacity,
            backup_vaults,
            backup_sources,
            copied_from: HashMap::new(),
            restore_tests: None,
            restore_tests_expected: false,
            identity: Obs::default(),
            alarms,
            metrics,
            history: HashMap::new(),
            clusters,
            instances,
            controls: Obs::default(),
            history_len,
        }
    }

    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Identity(r) => self.identity.record(r),
            Update::Alarms { region, report } => {
                self.alarms.entry(region).or_default().record(report)
            }
            Update::Metrics { region, report } => {
                let Report {
                    started,
                    at,
                    result,
                } = report;
                let result = result.map(|series| {
                    for s in series {
                        let cap = self.history_len;
                        self.history
                            .entry(s.key)
                            .or_insert_with(|| History::new(cap))
                            .merge(&s.points);
                    }
                });
                self.metrics.entry(region).or_default().record(Report {
                    started,
                    at,
                    result,
                });
            }
            Update::Cluster { db, region, report } => self
                .clusters
                .entry((db, region))
                .or_default()
                .record(report),
            Update::Instance { replica, report } => {
                self.instances.entry(replica).or_default().record(report)
            }
            Update::Controls(r) => self.controls.record(r),
            Update::Capacity { name, report } => {
                self.capacity.entry(name).or_default().record(report)
            }
            Update::BackupVault { name, report } => {
                self.backup_vaults.entry(name).or_default().record(report)
            }
            Update::BackupSource { name, report } => {
                if let Ok(read) = &report.result {
                    self.learn_copies(read);
                }
                self.backup_sources.entry(name).or_default().record(report)
            }
            Update::RestoreTests(t) => self.restore_tests = Some(t),
        }
    }

    /// Remembers, for each copy job that names both points, when its source point
    /// was taken.
    fn learn_copies(&mut self, read: &BackupSourceRead) {
        for (dest, at) in super::assemble::copy_sources(&read.copy_jobs, &read.points) {
            self.copied_from.insert(dest, at);
        }
    }

    /// Every poller has reported at least once.
    pub fn complete(&self) -> bool {
        self.identity.reported
            && self.alarms.values().all(|o| o.reported)
            && self.metrics.values().all(|o| o.reported)
            && self.clusters.values().all(|o| o.reported)
            && self.instances.values().all(|o| o.reported)
            && self.controls.reported
            && self.backup_vaults.values().all(|o| o.reported)
            && self.backup_sources.values().all(|o| o.reported)
            && (self.restore_tests.is_some() || !self.restore_tests_expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).single().unwrap()
    }

    fn rep(started: i64, at: i64, result: Result<u32, &str>) -> Report<u32> {
        Report {
            started: t(started),
            at: t(at),
            result: result.map_err(str::to_string),
        }
    }

    #[test]
    fn failures_keep_the_first_failure_time_and_the_last_good_value() {
        let mut o = Obs::default();
        o.record(rep(0, 1, Ok(7)));
        assert!(o.fresh(t(3), Duration::seconds(2)));
        assert!(!o.fresh(t(4), Duration::seconds(2)), "too old");
        o.record(rep(2, 5, Err("timeout")));
        o.record(rep(4, 7, Err("timeout")));
        assert_eq!(o.value, Some(7));
        assert_eq!(o.at, Some(t(1)));
        assert_eq!(o.failing_since, Some(t(2)));
        assert!(
            !o.fresh(t(3), Duration::seconds(2)),
            "a failed poll is not fresh"
        );
        assert_eq!(o.fresh_value(t(3), Duration::seconds(2)), None);
        o.record(rep(6, 8, Ok(9)));
        assert_eq!(o.failing_since, None);
        assert!(o.fresh(t(9), Duration::seconds(2)));
    }
}
