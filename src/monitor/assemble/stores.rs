//! DynamoDB global tables and S3 replication rules from their CloudWatch metrics.

use super::{Context, fresh_sample, metrics_current};
use crate::config::{BucketReplication, GlobalTable};
use crate::model::stores::{BucketReplicationStatus, TableLinkStatus, TableReplicationStatus};
use crate::monitor::observe::{Observations, bucket_key, table_link_key};
use chrono::{DateTime, Utc};

/// Each link's latest latency only while young and while its source Region (where
/// DynamoDB publishes it) answers: an evacuated Region's outgoing links are unknown.
pub fn table(
    t: &GlobalTable,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> TableReplicationStatus {
    let mut links = Vec::new();
    for from in &t.regions {
        let read_ok = metrics_current(obs, from, ctx, now);
        for to in t.regions.iter().filter(|r| *r != from) {
            let hist = obs.history.get(&table_link_key(&t.name, from, to));
            let sample = fresh_sample(hist, read_ok, now, ctx.metric_fresh_for);
            let history = hist.map(|h| h.values()).unwrap_or_default();
            links.push(TableLinkStatus {
                from: from.clone(),
                to: to.clone(),
                latency_ms: sample.map(|s| s.1),
                recent_max_ms: history.iter().copied().reduce(f64::max),
                history,
                metrics_at: sample.map(|s| s.0),
            });
        }
    }
    TableReplicationStatus {
        name: t.name.clone(),
        table: t.table.clone(),
        write: t.write,
        links,
    }
}

pub fn bucket(
    b: &BucketReplication,
    obs: &Observations,
    ctx: &Context,
    now: DateTime<Utc>,
) -> BucketReplicationStatus {
    let read_ok = metrics_current(obs, &b.source_region, ctx, now);
    let latest = |metric: &str| {
        fresh_sample(
            obs.history.get(&bucket_key(&b.name, metric)),
            read_ok,
            now,
            ctx.metric_fresh_for,
        )
    };
    let latency = latest("ReplicationLatency");
    BucketReplicationStatus {
        name: b.name.clone(),
        source_region: b.source_region.clone(),
        source_bucket: b.source_bucket.clone(),
        destination_region: b.destination_region.clone(),
        destination_bucket: b.destination_bucket.clone(),
        rule_id: b.rule_id.clone(),
        write: b.write,
        latency_s: latency.map(|s| s.1),
        operations_pending: latest("OperationsPendingReplication").map(|s| s.1),
        bytes_pending: latest("BytesPendingReplication").map(|s| s.1),
        latency_history: obs
            .history
            .get(&bucket_key(&b.name, "ReplicationLatency"))
            .map(|h| h.values())
            .unwrap_or_default(),
        metrics_at: latency.map(|s| s.0),
    }
}
