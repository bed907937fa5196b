//! DynamoDB global table and S3 replication metrics: baseline from the warm-up,
//! stalls that make them climb, recovery that brings them down.

use super::{step, world};
use crate::emulator::scenario::{Fault, ImpairMode};
use crate::emulator::world::{MetricQuery, MetricSeries, TwinWorld};
use chrono::Duration;

const TABLE: &str = "orders-carts";
const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";

fn series(
    w: &TwinWorld,
    region: &str,
    namespace: &str,
    metric: &str,
    dims: &[(&str, &str)],
    (period_s, back_s): (u64, i64),
) -> MetricSeries {
    let q = MetricQuery {
        namespace: namespace.into(),
        metric_name: metric.into(),
        dimensions: dims
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        start: w.now() - Duration::seconds(back_s),
        end: w.now() + Duration::seconds(1),
        period_s,
        stat: "Maximum".into(),
    };
    w.cw_metric(region, &q)
}

/// The table's ReplicationLatency from `source` into `receiving`, as the console asks
/// for it (published in the source Region), over the last `back_s` seconds.
fn table_latency(w: &TwinWorld, source: &str, receiving: &str, back_s: i64) -> MetricSeries {
    series(
        w,
        source,
        "AWS/DynamoDB",
        "ReplicationLatency",
        &[("TableName", TABLE), ("ReceivingRegion", receiving)],
        (60, back_s),
    )
}

/// The newest sample (5 s buckets) of the table link.
fn newest_table_latency(w: &TwinWorld, source: &str, receiving: &str) -> f64 {
    let s = series(
        w,
        source,
        "AWS/DynamoDB",
        "ReplicationLatency",
        &[("TableName", TABLE), ("ReceivingRegion", receiving)],
        (5, 5),
    );
    *s.values.first().expect("a sample in the last 5 s")
}

fn rule_metric(w: &TwinWorld, metric: &str, (period_s, back_s): (u64, i64)) -> MetricSeries {
    series(
        w,
        EAST,
        "AWS/S3",
        metric,
        &[
            ("SourceBucket", "orders-receipts-use1"),
            ("DestinationBucket", "orders-receipts-usw2"),
            ("RuleId", "receipts-to-usw2"),
        ],
        (period_s, back_s),
    )
}

fn newest_rule_metric(w: &TwinWorld, metric: &str) -> f64 {
    *rule_metric(w, metric, (5, 5))
        .values
        .first()
        .expect("a sample in the last 5 s")
}

#[test]
fn store_replication_metrics_exist_from_the_warm_up_in_their_baseline() {
    let w = world(5);
    for (source, receiving) in [(EAST, WEST), (WEST, EAST)] {
        let s = table_latency(&w, source, receiving, 900);
        assert!(s.values.len() >= 14, "{source}->{receiving}: {s:?}");
        assert!(
            s.values.iter().all(|v| (300.0..=1500.0).contains(v)),
            "{source}->{receiving}: {:?}",
            s.values
        );
        // Published in the source Region only.
        assert!(
            table_latency(&w, receiving, receiving, 900)
                .values
                .is_empty()
        );
    }
    let latency = rule_metric(&w, "ReplicationLatency", (60, 900));
    assert!(latency.values.len() >= 14, "{latency:?}");
    assert!(
        latency.values.iter().all(|v| (10.0..=60.0).contains(v)),
        "seconds: {:?}",
        latency.values
    );
    let ops = rule_metric(&w, "OperationsPendingReplication", (5, 900));
    assert!(
        ops.values.iter().all(|v| (0.0..=30.0).contains(v)),
        "{ops:?}"
    );
    assert!(
        ops.values.contains(&0.0),
        "the backlog comes and goes: {ops:?}"
    );
    assert!(ops.values.iter().any(|v| *v > 0.0), "{ops:?}");
    let bytes = rule_metric(&w, "BytesPendingReplication", (5, 900));
    assert_eq!(bytes.values.len(), ops.values.len());
    for (b, o) in bytes.values.iter().zip(&ops.values) {
        assert_eq!(*b == 0.0, *o == 0.0, "bytes {b} for {o} operations");
    }
    // The S3 series live in the source bucket's Region, not the destination's.
    let west = series(
        &w,
        WEST,
        "AWS/S3",
        "ReplicationLatency",
        &[
            ("SourceBucket", "orders-receipts-use1"),
            ("DestinationBucket", "orders-receipts-usw2"),
            ("RuleId", "receipts-to-usw2"),
        ],
        (60, 900),
    );
    assert!(west.values.is_empty());
}

#[test]
fn a_dynamodb_stall_out_of_one_region_climbs_there_alone_and_recovers() {
    let mut w = world(6);
    w.inject(&Fault::DynamodbReplicationStall {
        table: Some("carts".into()),
        region: Some(EAST.into()),
        duration: Some("120s".into()),
    });
    assert_eq!(w.active_faults().len(), 1);
    step(&mut w, 60);
    let mid = newest_table_latency(&w, EAST, WEST);
    step(&mut w, 55);
    let late = newest_table_latency(&w, EAST, WEST);
    // About 1 s per second: 55 s more stall adds about 55 s.
    assert!(late - mid > 45_000.0, "{mid} -> {late}");
    assert!(late > 100_000.0, "{late}");
    assert!(
        newest_table_latency(&w, WEST, EAST) <= 1500.0,
        "the other direction is left alone"
    );
    step(&mut w, 10);
    assert!(w.active_faults().is_empty(), "the stall ended by itself");
    step(&mut w, 120);
    assert!(
        newest_table_latency(&w, EAST, WEST) <= 1500.0,
        "recovered: {}",
        newest_table_latency(&w, EAST, WEST)
    );
}

#[test]
fn a_dynamodb_stall_without_a_region_holds_until_resumed() {
    let mut w = world(7);
    let stall = Fault::DynamodbReplicationStall {
        table: None,
        region: None,
        duration: None,
    };
    w.inject(&stall);
    step(&mut w, 30);
    assert!(newest_table_latency(&w, EAST, WEST) > 20_000.0);
    assert!(newest_table_latency(&w, WEST, EAST) > 20_000.0);
    let active = w.active_faults();
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(
        active[0].clear,
        Fault::DynamodbReplicationResumed {
            table: None,
            region: None
        }
    );
    w.inject(&active[0].clear);
    step(&mut w, 30);
    assert!(newest_table_latency(&w, EAST, WEST) <= 1500.0);
}

#[test]
fn an_s3_stall_grows_latency_and_backlog_then_drains() {
    let mut w = world(8);
    w.inject(&Fault::S3ReplicationStall {
        rule: Some("receipts".into()),
        duration: Some("5m".into()),
    });
    step(&mut w, 300);
    let latency = newest_rule_metric(&w, "ReplicationLatency");
    let ops = newest_rule_metric(&w, "OperationsPendingReplication");
    let bytes = newest_rule_metric(&w, "BytesPendingReplication");
    assert!(latency > 300.0, "latency {latency} s");
    assert!(ops > 300.0, "{ops} operations pending");
    assert!(bytes > ops * 60_000.0, "{bytes} bytes for {ops} operations");
    assert!(w.active_faults().is_empty(), "the stall ended by itself");
    step(&mut w, 300);
    assert!(newest_rule_metric(&w, "ReplicationLatency") <= 60.0);
    assert!(newest_rule_metric(&w, "OperationsPendingReplication") <= 30.0);
}

#[test]
fn a_dark_receiving_region_stalls_replication_into_it() {
    let mut w = world(9);
    w.inject(&Fault::RegionImpaired {
        region: WEST.into(),
        mode: ImpairMode::Hang,
    });
    step(&mut w, 60);
    assert!(newest_table_latency(&w, EAST, WEST) > 40_000.0);
    assert!(newest_rule_metric(&w, "OperationsPendingReplication") > 60.0);
}

#[test]
fn stall_faults_are_checked_against_the_environment() {
    use crate::emulator::scenario::{Scenario, validate};
    let env = super::default_env();
    // A table by its environment name or table name; `primary` resolves.
    assert_eq!(
        validate(
            Fault::DynamodbReplicationStall {
                table: Some(TABLE.into()),
                region: Some("primary".into()),
                duration: Some("2m".into()),
            },
            &env
        ),
        Ok(Fault::DynamodbReplicationStall {
            table: Some(TABLE.into()),
            region: Some(EAST.into()),
            duration: Some("2m".into()),
        })
    );
    let stall = |table: &str, region: &str, duration: &str| Fault::DynamodbReplicationStall {
        table: Some(table.into()),
        region: Some(region.into()),
        duration: Some(duration.into()),
    };
    assert!(validate(stall("nope", EAST, "1m"), &env).is_err());
    assert!(validate(stall("carts", "eu-west-1", "1m"), &env).is_err());
    assert!(validate(stall("carts", EAST, "soon"), &env).is_err());
    let rule = |rule: &str| Fault::S3ReplicationStall {
        rule: Some(rule.into()),
        duration: None,
    };
    assert!(validate(rule("receipts"), &env).is_ok());
    assert!(validate(rule("receipts-to-usw2"), &env).is_ok());
    assert!(validate(rule("nope"), &env).is_err());
    let text = "name: x\ndescription: y\nevents:\n  - at: 5s\n    fault: { s3_replication_stall: { rule: receipts, duration: 10m } }\n  - at: 6s\n    fault: { dynamodb_replication_stall: { region: secondary } }\n";
    let s = Scenario::parse(text, "s.yaml", &env).expect("parses");
    assert_eq!(
        s.events[1].fault,
        Fault::DynamodbReplicationStall {
            table: None,
            region: Some(WEST.into()),
            duration: None,
        }
    );
}

#[test]
fn the_store_replication_stalled_scenario_stalls_then_recovers() {
    use crate::emulator::scenario::Scenario;
    let mut w = world(10);
    let s = Scenario::load("store-replication-stalled", &super::default_env()).expect("built-in");
    w.set_scenario(s);
    step(&mut w, 5 * 60);
    assert!(newest_table_latency(&w, EAST, WEST) > 200_000.0);
    assert!(newest_table_latency(&w, WEST, EAST) <= 1500.0);
    assert!(newest_rule_metric(&w, "OperationsPendingReplication") > 400.0);
    assert_eq!(w.active_faults().len(), 2);
    step(&mut w, 25 * 60);
    assert!(w.active_faults().is_empty());
    assert!(newest_table_latency(&w, EAST, WEST) <= 1500.0);
    assert!(newest_rule_metric(&w, "ReplicationLatency") <= 60.0);
}
