//! Grouping probes into calls, and judging the answers (no network).

use super::*;
use crate::model::AlarmState;

fn env() -> Environment {
    Environment::builtin_default().unwrap()
}

fn alarm(name: &str, state: AlarmState) -> AlarmInfo {
    AlarmInfo {
        composite: false,
        name: name.into(),
        state: Some(state),
        reason: None,
    }
}

#[test]
fn probes_are_grouped_into_few_calls() {
    let env = env();
    let probes = vec![
        Probe::RegionHealth {
            region: "us-west-2".into(),
        },
        Probe::Alarm {
            name: "orders-api-5xx-usw2".into(),
            region: "us-west-2".into(),
        },
        Probe::RpoLag {
            database: "orders".into(),
            region: "us-west-2".into(),
        },
        Probe::Lag {
            database: "ledger".into(),
            region: "us-west-2".into(),
        },
        Probe::Writer {
            database: "orders".into(),
        },
        Probe::Failover {
            database: "orders".into(),
        },
    ];
    let p = Plan::new(&env, &probes);
    assert_eq!(p.alarms.len(), 1, "one DescribeAlarms for us-west-2");
    assert_eq!(p.alarms["us-west-2"].len(), 2);
    assert_eq!(p.metrics["us-west-2"].len(), 2, "RPO lag and ReplicaLag");
    assert_eq!(p.metrics[HEALTH_CHECK_REGION].len(), 1, "hc-orders-usw2");
    assert_eq!(p.clusters.len(), 1);
}

#[test]
fn a_region_that_did_not_answer_is_unknown_not_healthy() {
    let env = env();
    let plan = Plan::new(
        &env,
        &[Probe::RegionHealth {
            region: "us-east-1".into(),
        }],
    );
    let answers = vec![Answer::Alarms {
        region: "us-east-1".into(),
        result: Err(ProviderError::Timeout {
            detail: "dark".into(),
        }),
    }];
    let f = facts_from(&env, &plan, answers, Utc::now());
    assert!(f.region_health.is_empty());
    // Alarms answer, health checks (us-east-1) do not: healthy, as the monitor says.
    let plan = Plan::new(
        &env,
        &[Probe::RegionHealth {
            region: "us-west-2".into(),
        }],
    );
    let ok = vec![
        alarm("orders-api-5xx-usw2", AlarmState::Ok),
        alarm("orders-api-latency-usw2", AlarmState::Ok),
    ];
    let answers = vec![
        Answer::Alarms {
            region: "us-west-2".into(),
            result: Ok(ok.clone()),
        },
        Answer::Metrics {
            region: HEALTH_CHECK_REGION.into(),
            result: Err(ProviderError::Timeout {
                detail: "dark".into(),
            }),
        },
    ];
    let f = facts_from(&env, &plan, answers, Utc::now());
    assert_eq!(f.region_health.get("us-west-2"), Some(&Verdict::Healthy));
    // A failing health check makes it impaired.
    let t = Utc::now();
    let answers = vec![
        Answer::Alarms {
            region: "us-west-2".into(),
            result: Ok(ok),
        },
        Answer::Metrics {
            region: HEALTH_CHECK_REGION.into(),
            result: Ok(vec![MetricPoints {
                key: hc_key("hc-orders-usw2"),
                points: vec![(t, 0.0)],
                incomplete: None,
            }]),
        },
    ];
    let f = facts_from(&env, &plan, answers, t);
    assert_eq!(f.region_health.get("us-west-2"), Some(&Verdict::Impaired));
}

#[test]
fn replica_lag_in_seconds_becomes_ms_and_inactive_is_unknown() {
    let env = env();
    let probes = [Probe::Lag {
        database: "ledger".into(),
        region: "us-west-2".into(),
    }];
    let plan = Plan::new(&env, &probes);
    let key = lag_key(false, "ledger", "us-west-2");
    let t = Utc::now();
    let answer = |v: f64| {
        vec![Answer::Metrics {
            region: "us-west-2".into(),
            result: Ok(vec![MetricPoints {
                key: key.clone(),
                points: vec![(t, v)],
                incomplete: None,
            }]),
        }]
    };
    let f = facts_from(&env, &plan, answer(1.5), t);
    assert_eq!(
        f.lag_ms
            .get(&("ledger".to_string(), "us-west-2".to_string())),
        Some(&1500.0)
    );
    let f = facts_from(&env, &plan, answer(-1.0), t);
    assert!(f.lag_ms.is_empty());
}

/// Issue 8 §3: a datapoint older than max(3 periods, 3 minutes) is unknown, so the
/// guard that needs it cannot pass on it; a young one still counts.
#[test]
fn a_stale_metric_is_unknown_and_fails_its_guard() {
    use crate::runbook::condition::Condition;
    let env = env();
    let probes = [Probe::Lag {
        database: "orders".into(),
        region: "us-west-2".into(),
    }];
    let plan = Plan::new(&env, &probes);
    let key = lag_key(false, "orders", "us-west-2");
    let now = Utc::now();
    let answer = |age_s: i64| {
        vec![Answer::Metrics {
            region: "us-west-2".into(),
            result: Ok(vec![MetricPoints {
                key: key.clone(),
                points: vec![(now - chrono::Duration::seconds(age_s), 120.0)],
                incomplete: None,
            }]),
        }]
    };
    let guard = Condition::ReplicationLag {
        database: "orders".into(),
        region: "us-west-2".into(),
        below_ms: 5000,
    };
    let young = facts_from(&env, &plan, answer(150), now);
    assert_eq!(guard.evaluate(&young).holds, Some(true));
    let stale = facts_from(&env, &plan, answer(181), now);
    assert_eq!(guard.evaluate(&stale).holds, None, "{stale:?}");
}
