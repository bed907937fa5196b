//! Game-day faults (issue 7 §7): what the world lists as active, and that each listed
//! fault's `clear` really undoes it.

use super::{default_env, step, world};
use crate::emulator::scenario::{Fault, FaultService, ImpairMode, catalogue};
use crate::emulator::world::{MetricQuery, TwinWorld};
use crate::model::AlarmState;
use chrono::Duration;

fn labels(w: &TwinWorld) -> Vec<String> {
    w.active_faults().into_iter().map(|a| a.label).collect()
}

/// Clears every active fault through its own `clear` and checks none is left.
fn clear_all(w: &mut TwinWorld) {
    for a in w.active_faults() {
        w.inject(&a.clear);
    }
    assert!(w.active_faults().is_empty(), "left: {:?}", labels(w));
}

#[test]
fn a_clean_world_has_no_active_faults() {
    assert!(world(1).active_faults().is_empty());
}

#[test]
fn every_catalogue_fault_is_listed_as_active_and_its_clear_undoes_it() {
    let env = default_env();
    for (label, fault) in catalogue(&env) {
        let mut w = world(3);
        w.inject(&fault);
        let active = w.active_faults();
        assert_eq!(active.len(), 1, "{label}: {:?}", labels(&w));
        w.inject(&active[0].clear);
        assert!(
            w.active_faults().is_empty(),
            "{label}: clear {:?} left {:?}",
            active[0].clear,
            labels(&w)
        );
    }
}

#[test]
fn active_faults_name_what_is_in_force_in_a_stable_order() {
    let mut w = world(1);
    w.inject(&Fault::EndpointSlow {
        index: 3,
        latency_ms: 3000,
    });
    w.inject(&Fault::RegionImpaired {
        region: "primary".into(),
        mode: ImpairMode::Drop,
    });
    w.inject(&Fault::ApiErrorRate {
        service: FaultService::Arc,
        region: "ap-southeast-2".into(),
        rate: 1.0,
    });
    w.inject(&Fault::ReplicationBroken {
        database: Some("orders".into()),
        region: None,
    });
    assert_eq!(
        labels(&w),
        [
            "us-east-1 impaired: its endpoints drop connections",
            "ARC endpoint 3 (ap-southeast-2) slow: +3000 ms",
            "ARC 5xx in ap-southeast-2 (100 % of calls)",
            "Replication of orders to us-west-2 broken",
        ]
    );
    assert_eq!(
        w.active_faults()[0].clear,
        Fault::RegionRecovered {
            region: "us-east-1".into()
        }
    );
    clear_all(&mut w);
}

#[test]
fn a_lag_spike_is_active_until_it_ends_or_is_cleared() {
    let mut w = world(1);
    let spike = Fault::LagSpike {
        database: Some("orders".into()),
        region: None,
        peak_ms: 8000,
        duration: "60s".into(),
    };
    w.inject(&spike);
    assert_eq!(labels(&w), ["Lag spike on orders: 8 s peak over 60s"]);
    step(&mut w, 30);
    assert_eq!(w.active_faults().len(), 1);
    step(&mut w, 31);
    assert!(w.active_faults().is_empty(), "{:?}", labels(&w));

    // Cleared early: the lag falls back at once.
    w.inject(&spike);
    step(&mut w, 6);
    assert!(orders_lag(&w) > 5000.0, "spiking: {}", orders_lag(&w));
    clear_all(&mut w);
    step(&mut w, 6);
    assert!(
        orders_lag(&w) < 1000.0,
        "after the clear: {}",
        orders_lag(&w)
    );
}

/// The newest sampled replication lag of orders in us-west-2 (sampled every 5 s).
fn orders_lag(w: &TwinWorld) -> f64 {
    let q = MetricQuery {
        namespace: "AWS/RDS".into(),
        metric_name: "AuroraGlobalDBReplicationLag".into(),
        dimensions: vec![("DBClusterIdentifier".into(), "orders-usw2".into())],
        start: w.now() - Duration::seconds(6),
        end: w.now() + Duration::seconds(1),
        period_s: 5,
        stat: "Maximum".into(),
    };
    w.cw_metric("us-west-2", &q).values[0]
}

#[test]
fn a_forced_alarm_goes_to_alarm_after_its_evaluation_delay_and_back_when_released() {
    let mut w = world(1);
    let name = "orders-api-latency-usw2".to_string();
    let state = |w: &TwinWorld| w.cw_alarms("us-west-2", std::slice::from_ref(&name))[0].state;
    assert_eq!(state(&w), AlarmState::Ok);
    w.inject(&Fault::AlarmForced {
        region: "secondary".into(),
        alarm: name.clone(),
    });
    assert_eq!(
        labels(&w),
        ["Alarm orders-api-latency-usw2 (us-west-2) held in ALARM"]
    );
    // Not at once: an alarm needs its evaluation periods of breaching data.
    step(&mut w, 2);
    assert_eq!(state(&w), AlarmState::Ok);
    step(&mut w, 20);
    assert_eq!(state(&w), AlarmState::Alarm);
    // The Region's other alarm and the other Region are untouched.
    assert_eq!(
        w.cw_alarms("us-west-2", &["orders-api-5xx-usw2".into()])[0].state,
        AlarmState::Ok
    );
    assert!(
        w.cw_alarms("us-east-1", &[])
            .iter()
            .all(|a| a.state == AlarmState::Ok)
    );
    clear_all(&mut w);
    step(&mut w, 60);
    assert_eq!(state(&w), AlarmState::Ok);
}

#[test]
fn a_failing_health_check_reports_health_check_status_0_in_us_east_1() {
    let mut w = world(1);
    let status = |w: &TwinWorld, id: &str| {
        let q = MetricQuery {
            namespace: "AWS/Route53".into(),
            metric_name: "HealthCheckStatus".into(),
            dimensions: vec![("HealthCheckId".into(), id.into())],
            start: w.now() - Duration::seconds(10),
            end: w.now() + Duration::seconds(1),
            period_s: 60,
            stat: "Minimum".into(),
        };
        w.cw_metric("us-east-1", &q).values[0]
    };
    assert_eq!(status(&w, "hc-orders-usw2"), 1.0);
    w.inject(&Fault::HealthCheckFailing {
        health_check: "hc-orders-usw2".into(),
    });
    step(&mut w, 10);
    assert_eq!(status(&w, "hc-orders-usw2"), 0.0);
    assert_eq!(status(&w, "hc-orders-use1"), 1.0);
    assert_eq!(labels(&w), ["Health check hc-orders-usw2 failing"]);
    clear_all(&mut w);
    step(&mut w, 70);
    assert_eq!(status(&w, "hc-orders-usw2"), 1.0);
}
