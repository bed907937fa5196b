//! DynamoDB global table and S3 replication metrics: moved every sim second and
//! sampled into the [`MetricStore`] like Aurora's lag, so GetMetricData answers them
//! from the warm-up on.
//!
//! The twin emits a datapoint every sample whether or not the application writes:
//! whether DynamoDB and S3 publish these metrics while nothing is replicated is
//! unverified (neither guide says), and a console reading them should not see gaps
//! in calm weather.

use super::faults::FaultState;
use super::lag::{Lag, LagModel};
use super::metrics::MetricStore;
use crate::config::{BucketReplication, GlobalTable};
use chrono::{DateTime, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// DynamoDB developer guide, "Monitoring global tables": `ReplicationLatency` is "the
/// elapsed time between when an item is written to a replica table, and when that
/// item appears in another replica", in milliseconds, "emitted for every source- and
/// destination-Region pair"; during normal operation it "should be fairly constant".
/// DynamoDB metrics and dimensions: namespace `AWS/DynamoDB`, dimensions `TableName`
/// and `ReceivingRegion`. The developer guide says global tables usually propagate a
/// write within a second or so; the twin's walk between 300 ms and 1.5 s, moving at
/// most 60 ms a second, is the twin's choice.
const DYNAMODB_LATENCY: LagModel = LagModel::bounded_walk(300.0, 1500.0, 60.0);

/// S3 user guide, "Monitoring replication with replication metrics" (and "Metrics and
/// dimensions", replication metrics): `ReplicationLatency` in seconds,
/// `OperationsPendingReplication` (count) and `BytesPendingReplication` (bytes), per
/// `SourceBucket`, `DestinationBucket` and `RuleId`, in namespace `AWS/S3`. With
/// Replication Time Control most objects replicate within seconds and 99.99 % within
/// 15 minutes. The twin's latency walks between 10 and 60 s, at most 2 s a second
/// (in milliseconds here, published in seconds): the twin's choice.
const S3_LATENCY: LagModel = LagModel::bounded_walk(10_000.0, 60_000.0, 2_000.0);

/// The calm backlog walks in [-15, 30] operations, at most 4 a second, and shows as
/// its positive part, so a small backlog comes and goes (the twin's choice).
const BACKLOG_FLOOR: f64 = -15.0;
const BACKLOG_CEILING: f64 = 30.0;
const BACKLOG_STEP: f64 = 4.0;
/// Operations queued per sim second while a rule is stalled, and drained per second
/// once it resumes (the twin's choice).
const STALL_ARRIVALS_PER_S: f64 = 2.0;
const DRAIN_OPS_PER_S: f64 = 10.0;
/// A rule's mean object size is drawn once in this range (bytes; the twin's choice).
const OBJECT_BYTES: std::ops::RangeInclusive<f64> = 64.0 * 1024.0..=1024.0 * 1024.0;

/// Seeds the store metrics' own RNG from the world's seed, so adding them leaves the
/// Aurora and RDS series of a seed as they were.
const RNG_SALT: u64 = 0x5704_e4e7_1c50_0001;

/// Replication out of one Region of a global table into another.
#[derive(Debug, Clone)]
struct TableLink {
    /// The environment's name for the table.
    name: String,
    table: String,
    source: String,
    receiving: String,
    latency: Lag,
}

/// One S3 replication rule.
#[derive(Debug, Clone)]
struct RuleReplication {
    /// The environment's name for the rule.
    name: String,
    rule_id: String,
    source_region: String,
    destination_region: String,
    source_bucket: String,
    destination_bucket: String,
    latency: Lag,
    calm_backlog: f64,
    stalled_backlog: f64,
    bytes_per_object: f64,
}

impl RuleReplication {
    fn pending_operations(&self) -> f64 {
        (self.calm_backlog.max(0.0) + self.stalled_backlog).round()
    }
}

#[derive(Debug, Clone)]
pub(super) struct StoreReplication {
    links: Vec<TableLink>,
    rules: Vec<RuleReplication>,
    rng: ChaCha8Rng,
}

impl StoreReplication {
    pub(super) fn new(
        tables: &[GlobalTable],
        rules: &[BucketReplication],
        seed: u64,
    ) -> StoreReplication {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ RNG_SALT);
        let mut links = Vec::new();
        for t in tables {
            for source in &t.regions {
                for receiving in t.regions.iter().filter(|r| *r != source) {
                    links.push(TableLink {
                        name: t.name.clone(),
                        table: t.table.clone(),
                        source: source.clone(),
                        receiving: receiving.clone(),
                        latency: Lag::new(DYNAMODB_LATENCY, &mut rng),
                    });
                }
            }
        }
        let rules = rules
            .iter()
            .map(|b| RuleReplication {
                name: b.name.clone(),
                rule_id: b.rule_id.clone(),
                source_region: b.source_region.clone(),
                destination_region: b.destination_region.clone(),
                source_bucket: b.source_bucket.clone(),
                destination_bucket: b.destination_bucket.clone(),
                latency: Lag::new(S3_LATENCY, &mut rng),
                calm_backlog: rng.random_range(BACKLOG_FLOOR..=BACKLOG_CEILING),
                stalled_backlog: 0.0,
                bytes_per_object: rng.random_range(OBJECT_BYTES),
            })
            .collect();
        StoreReplication { links, rules, rng }
    }

    /// One sim second. Replication also stalls while either end's Region is dark
    /// (the developer guide: latency "can increase if an AWS Region becomes
    /// degraded"); how fast it grows then is the twin's choice, the same as a stall.
    pub(super) fn tick(&mut self, faults: &FaultState) {
        for l in &mut self.links {
            let stalled = faults.dynamodb_stalled(&l.name, &l.table, &l.source)
                || faults.is_impaired(&l.source)
                || faults.is_impaired(&l.receiving);
            l.latency.step(&mut self.rng, stalled);
        }
        for r in &mut self.rules {
            let stalled = faults.s3_stalled(&r.name, &r.rule_id)
                || faults.is_impaired(&r.source_region)
                || faults.is_impaired(&r.destination_region);
            r.latency.step(&mut self.rng, stalled);
            let delta = self.rng.random_range(-BACKLOG_STEP..=BACKLOG_STEP);
            r.calm_backlog = (r.calm_backlog + delta).clamp(BACKLOG_FLOOR, BACKLOG_CEILING);
            r.stalled_backlog = if stalled {
                r.stalled_backlog + STALL_ARRIVALS_PER_S
            } else {
                (r.stalled_backlog - DRAIN_OPS_PER_S).max(0.0)
            };
        }
    }

    /// Records one sample of every series: DynamoDB's in the Region the write was made
    /// in (the source of the pair; the receiving Region is a dimension: DynamoDB
    /// metrics and dimensions, `ReceivingRegion`), S3's in the source bucket's Region
    /// (S3 user guide, "Monitoring replication with replication metrics"). Both are
    /// where the console's `monitor::poll::store_metrics` reads them; the twin did not
    /// re-check the publishing Region against AWS beyond these guides (unverified).
    pub(super) fn sample(&self, metrics: &mut MetricStore, now: DateTime<Utc>) {
        for l in &self.links {
            metrics.record(
                &l.source,
                "AWS/DynamoDB",
                "ReplicationLatency",
                &[("TableName", &l.table), ("ReceivingRegion", &l.receiving)],
                now,
                l.latency.ms().round(),
            );
        }
        for r in &self.rules {
            let dims = [
                ("SourceBucket", r.source_bucket.as_str()),
                ("DestinationBucket", r.destination_bucket.as_str()),
                ("RuleId", r.rule_id.as_str()),
            ];
            let ops = r.pending_operations();
            let series = [
                ("ReplicationLatency", (r.latency.ms() / 1000.0).round()),
                ("OperationsPendingReplication", ops),
                (
                    "BytesPendingReplication",
                    (ops * r.bytes_per_object).round(),
                ),
            ];
            for (metric, value) in series {
                metrics.record(&r.source_region, "AWS/S3", metric, &dims, now, value);
            }
        }
    }
}
