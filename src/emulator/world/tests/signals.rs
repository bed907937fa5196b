use super::{step, t0, world};
use crate::emulator::scenario::{Fault, FaultService, ImpairMode, Scenario};
use crate::emulator::world::{EndpointMode, MetricQuery, MetricSeries, Reach, Service, TwinWorld};
use crate::model::AlarmState;
use chrono::Duration;

fn query(
    w: &TwinWorld,
    region: &str,
    ns: &str,
    metric: &str,
    dim: (&str, &str),
    (stat, period_s, back_s): (&str, u64, i64),
) -> MetricSeries {
    let q = MetricQuery {
        namespace: ns.into(),
        metric_name: metric.into(),
        dimensions: vec![(dim.0.into(), dim.1.into())],
        start: w.now() - Duration::seconds(back_s),
        end: w.now() + Duration::seconds(1),
        period_s,
        stat: stat.into(),
    };
    w.cw_metric(region, &q)
}

fn aurora_lag(w: &TwinWorld, metric: &str, window: (&str, u64, i64)) -> MetricSeries {
    query(
        w,
        "us-west-2",
        "AWS/RDS",
        metric,
        ("DBClusterIdentifier", "orders-usw2"),
        window,
    )
}

#[test]
fn same_seed_same_series_different_seed_different() {
    let a = aurora_lag(
        &world(42),
        "AuroraGlobalDBReplicationLag",
        ("Average", 5, 900),
    );
    let b = aurora_lag(
        &world(42),
        "AuroraGlobalDBReplicationLag",
        ("Average", 5, 900),
    );
    let c = aurora_lag(
        &world(43),
        "AuroraGlobalDBReplicationLag",
        ("Average", 5, 900),
    );
    assert!(
        a.values.len() >= 170,
        "warm-up left history: {}",
        a.values.len()
    );
    assert_eq!(a, b);
    assert_ne!(a.values, c.values);
}

#[test]
fn lag_stays_in_baseline_and_rpo_runs_ahead() {
    let w = world(9);
    let lag = aurora_lag(&w, "AuroraGlobalDBReplicationLag", ("Minimum", 60, 900));
    assert!(!lag.values.is_empty());
    assert!(
        lag.values.iter().all(|v| (80.0..=8400.0).contains(v)),
        "{:?}",
        lag.values
    );
    let lag_avg = aurora_lag(&w, "AuroraGlobalDBReplicationLag", ("Average", 900, 900));
    let rpo_avg = aurora_lag(&w, "AuroraGlobalDBRPOLag", ("Average", 900, 900));
    assert!(rpo_avg.values[0] > lag_avg.values[0]);
    assert!(rpo_avg.values[0] < lag_avg.values[0] + 100.0);
    // Lag is published only in the secondary's Region.
    let east = query(
        &w,
        "us-east-1",
        "AWS/RDS",
        "AuroraGlobalDBReplicationLag",
        ("DBClusterIdentifier", "orders-usw2"),
        ("Average", 60, 900),
    );
    assert!(east.values.is_empty());
    let replica = query(
        &w,
        "us-west-2",
        "AWS/RDS",
        "ReplicaLag",
        ("DBInstanceIdentifier", "ledger-usw2"),
        ("Maximum", 60, 900),
    );
    assert!(
        replica.values.iter().all(|v| (0.0..=3.0).contains(v)),
        "{:?}",
        replica.values
    );
    let unknown = query(
        &w,
        "us-west-2",
        "AWS/RDS",
        "NoSuchMetric",
        ("DBInstanceIdentifier", "ledger-usw2"),
        ("Maximum", 60, 900),
    );
    assert!(unknown.values.is_empty());
}

#[test]
fn impaired_primary_stalls_replication_and_recovery_drains_it() {
    let mut w = world(11);
    w.inject(&Fault::RegionImpaired {
        region: "us-east-1".into(),
        mode: ImpairMode::Drop,
    });
    assert_eq!(w.region_reach("us-east-1"), Reach::Drop);
    assert_eq!(w.region_reach("us-west-2"), Reach::Up);
    step(&mut w, 60);
    let lag = aurora_lag(&w, "AuroraGlobalDBReplicationLag", ("Maximum", 5, 6));
    assert!(lag.values[0] >= 50_000.0, "stalled lag {:?}", lag.values);
    // Nothing new is committed in a dark Region: the writes at risk (RPO lag) stay what
    // they were when it went dark, far below the growing replication lag.
    let rpo = aurora_lag(&w, "AuroraGlobalDBRPOLag", ("Maximum", 5, 6));
    assert!(rpo.values[0] < 10_000.0, "frozen RPO lag {:?}", rpo.values);
    let replica = query(
        &w,
        "us-west-2",
        "AWS/RDS",
        "ReplicaLag",
        ("DBInstanceIdentifier", "ledger-usw2"),
        ("Maximum", 5, 6),
    );
    assert!(replica.values[0] >= 50.0, "{:?}", replica.values);
    w.inject(&Fault::RegionRecovered {
        region: "us-east-1".into(),
    });
    assert_eq!(w.region_reach("us-east-1"), Reach::Up);
    step(&mut w, 60);
    let lag = aurora_lag(&w, "AuroraGlobalDBReplicationLag", ("Maximum", 5, 6));
    assert!(lag.values[0] < 9_000.0, "drained lag {:?}", lag.values);
}

#[test]
fn alarms_evaluate_then_fire_on_impair_and_clear() {
    let mut w = world(1);
    let alarms = w.cw_alarms("us-east-1", &[]);
    assert_eq!(alarms.len(), 2);
    let a = &alarms[0];
    assert_eq!(a.state, AlarmState::Ok, "warm-up evaluated the alarm");
    assert_eq!(
        a.updated,
        t0() - Duration::seconds(15 * 60 - 60),
        "left INSUFFICIENT_DATA after 60 s"
    );
    assert_eq!(
        a.arn,
        "arn:aws:cloudwatch:us-east-1:111122223333:alarm:orders-api-5xx-use1"
    );
    assert_eq!(
        (a.namespace.as_str(), a.metric_name.as_str()),
        ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count")
    );

    w.inject(&Fault::RegionImpaired {
        region: "primary".into(),
        mode: ImpairMode::Hang,
    });
    assert_eq!(w.region_reach("us-east-1"), Reach::Hang);
    step(&mut w, 15);
    let fired = w.cw_alarms("us-east-1", &["orders-api-5xx-use1".to_string()]);
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].state, AlarmState::Alarm);
    assert!(
        fired[0].reason.starts_with("Threshold Crossed"),
        "{}",
        fired[0].reason
    );
    assert!(fired[0].updated > t0());
    assert!(
        w.cw_alarms("us-west-2", &[])
            .iter()
            .all(|a| a.state == AlarmState::Ok)
    );

    w.inject(&Fault::RegionRecovered {
        region: "us-east-1".into(),
    });
    step(&mut w, 5);
    assert_eq!(
        w.cw_alarms("us-east-1", &[])[0].state,
        AlarmState::Alarm,
        "evaluation takes a moment"
    );
    step(&mut w, 40);
    assert!(
        w.cw_alarms("us-east-1", &[])
            .iter()
            .all(|a| a.state == AlarmState::Ok)
    );
}

#[test]
fn health_checks_only_in_us_east_1() {
    let mut w = world(1);
    let hc = |w: &TwinWorld, region: &str, id: &str| {
        query(
            w,
            region,
            "AWS/Route53",
            "HealthCheckStatus",
            ("HealthCheckId", id),
            ("Minimum", 60, 300),
        )
    };
    let east = hc(&w, "us-east-1", "hc-orders-usw2");
    assert!(!east.values.is_empty());
    assert!(east.values.iter().all(|v| *v == 1.0));
    assert!(hc(&w, "us-west-2", "hc-orders-usw2").values.is_empty());
    w.inject(&Fault::RegionImpaired {
        region: "us-west-2".into(),
        mode: ImpairMode::Hang,
    });
    step(&mut w, 10);
    assert_eq!(hc(&w, "us-east-1", "hc-orders-usw2").values[0], 0.0);
    assert_eq!(hc(&w, "us-east-1", "hc-orders-use1").values[0], 1.0);
    // Nothing reaches an unreachable secondary either: its lag climbs.
    step(&mut w, 20);
    let lag = aurora_lag(&w, "AuroraGlobalDBReplicationLag", ("Maximum", 5, 6));
    assert!(lag.values[0] >= 20_000.0, "{:?}", lag.values);
}

#[test]
fn scenarios_fire_on_schedule() {
    let env = super::default_env();
    let mut w = world(1);
    w.set_scenario(Scenario::load("arc-endpoints-degraded", &env).expect("builtin"));
    for i in 1..=4 {
        assert_eq!(w.endpoint_mode(i), EndpointMode::Down, "endpoint {i}");
    }
    assert_eq!(w.endpoint_mode(5), EndpointMode::Up);

    let mut w = world(1);
    w.set_scenario(Scenario::load("primary-region-outage", &env).expect("builtin"));
    step(&mut w, 3);
    assert_eq!(w.region_reach("us-east-1"), Reach::Up);
    step(&mut w, 3);
    assert_eq!(w.region_reach("us-east-1"), Reach::Hang);

    let mut w = world(1);
    w.set_scenario(Scenario::load("lag-storm", &env).expect("builtin"));
    step(&mut w, 10);
    let lag = aurora_lag(&w, "AuroraGlobalDBRPOLag", ("Maximum", 10, 10));
    assert!(
        lag.values[0] > 5_000.0,
        "storm above the 5 s RPO: {:?}",
        lag.values
    );
}

#[test]
fn endpoint_faults_and_recovery() {
    let mut w = world(1);
    w.inject(&Fault::EndpointSlow {
        index: 2,
        latency_ms: 700,
    });
    w.inject(&Fault::EndpointThrottling { index: 3 });
    assert_eq!(w.endpoint_mode(2), EndpointMode::Slow { latency_ms: 700 });
    assert_eq!(w.endpoint_mode(3), EndpointMode::Throttling);
    w.inject(&Fault::EndpointRecovered { index: 3 });
    assert_eq!(w.endpoint_mode(3), EndpointMode::Up);
    assert_eq!(
        w.endpoint_mode(0),
        EndpointMode::Up,
        "out of range reads as Up"
    );
}

#[test]
fn replication_broken_reads_minus_one() {
    let mut w = world(1);
    w.inject(&Fault::ReplicationBroken {
        database: Some("ledger".into()),
        region: None,
    });
    step(&mut w, 10);
    let r = query(
        &w,
        "us-west-2",
        "AWS/RDS",
        "ReplicaLag",
        ("DBInstanceIdentifier", "ledger-usw2"),
        ("Maximum", 5, 6),
    );
    assert_eq!(r.values[0], -1.0);
    let inst = &w.rds_db_instances("us-west-2", None).expect("replica")[0];
    assert_eq!(inst.replication_status.as_deref(), Some("error"));
    // Aurora was not named, so it keeps replicating normally.
    let lag = aurora_lag(&w, "AuroraGlobalDBReplicationLag", ("Maximum", 5, 6));
    assert!(lag.values[0] < 9_000.0);
    w.inject(&Fault::ReplicationRestored {
        database: None,
        region: Some("secondary".into()),
    });
    step(&mut w, 10);
    let r = query(
        &w,
        "us-west-2",
        "AWS/RDS",
        "ReplicaLag",
        ("DBInstanceIdentifier", "ledger-usw2"),
        ("Maximum", 5, 6),
    );
    assert!(r.values[0] >= 0.0);
}

#[test]
fn injected_errors_follow_the_rate_and_seed() {
    let draws = |seed: u64, rate: f64| {
        let mut w = world(seed);
        w.inject(&Fault::ApiErrorRate {
            service: FaultService::Rds,
            region: "us-east-1".into(),
            rate,
        });
        let v: Vec<bool> = (0..200)
            .map(|_| w.injected_error(Service::Rds, "us-east-1"))
            .collect();
        let other = (0..50).any(|_| {
            w.injected_error(Service::Arc, "us-east-1")
                || w.injected_error(Service::Rds, "us-west-2")
        });
        (v, other)
    };
    let (none, _) = draws(1, 0.0);
    assert!(none.iter().all(|e| !e));
    let (all, other) = draws(1, 1.0);
    assert!(all.iter().all(|e| *e));
    assert!(!other, "other services and Regions unaffected");
    let (half_a, _) = draws(1, 0.5);
    let (half_b, _) = draws(1, 0.5);
    assert_eq!(half_a, half_b);
    let hits = half_a.iter().filter(|e| **e).count();
    assert!((50..150).contains(&hits), "{hits} of 200");
}
