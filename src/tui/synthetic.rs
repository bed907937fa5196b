//! Synthetic snapshots shaped like the twin's scenarios, for screen tests, the frame
//! bench and `--demo`-style previews. Deterministic: everything derives from `now`.

use crate::model::snapshot::{
    AlarmStatus, ControlStatus, DatabaseStatus, EndpointStatus, FailoverStatus, HealthCheckStatus,
    Identity, MemberStatus, RegionStatus, ReplicaStatus, RuleStatus, Snapshot,
};
use crate::model::{AlarmState, ControlState, Mode, Role, Verdict};
use crate::monitor::verdict::{RegionEvidence, verdict};
use chrono::{DateTime, Duration, TimeZone, Utc};

const ACCOUNT: &str = "111122223333";
const PANEL_ARN: &str = "arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d";

/// 03:12:30 UTC on a fixed night, so screens are reproducible.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 3, 12, 30)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn ago(now: DateTime<Utc>, secs: i64) -> Option<DateTime<Utc>> {
    Some(now - Duration::seconds(secs))
}

fn region(now: DateTime<Utc>, name: &str, role: Role, short: &str) -> RegionStatus {
    RegionStatus {
        name: name.to_string(),
        role,
        verdict: Verdict::Healthy,
        reasons: Vec::new(),
        alarms: vec![
            AlarmStatus {
                name: format!("orders-api-5xx-{short}"),
                state: Some(AlarmState::Ok),
                reason: None,
            },
            AlarmStatus {
                name: format!("orders-api-latency-{short}"),
                state: Some(AlarmState::Ok),
                reason: None,
            },
        ],
        health_checks: vec![HealthCheckStatus {
            id: format!("hc-orders-{short}"),
            healthy: Some(true),
        }],
        observed_at: ago(now, 1),
        unreachable_since: None,
        stale: false,
    }
}

/// A lag walk around `base` ms, deterministic in `seed`.
fn history(base: f64, n: usize, seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let x = (i as u64)
                .wrapping_mul(2654435761)
                .wrapping_add(seed.wrapping_mul(97))
                % 1000;
            base * (0.7 + x as f64 / 1666.0)
        })
        .collect()
}

fn member(
    now: DateTime<Utc>,
    region: &str,
    cluster: &str,
    writer: bool,
    lag: &[f64],
) -> MemberStatus {
    MemberStatus {
        region: region.to_string(),
        cluster_arn: format!("arn:aws:rds:{region}:{ACCOUNT}:cluster:{cluster}"),
        is_writer: Some(writer),
        lag_ms: (!writer).then(|| lag.last().copied()).flatten(),
        rpo_lag_ms: (!writer).then(|| lag.last().map(|v| v * 1.1)).flatten(),
        lag_history: if writer { Vec::new() } else { lag.to_vec() },
        rpo_history: if writer {
            Vec::new()
        } else {
            lag.iter().map(|v| v * 1.1).collect()
        },
        metrics_at: ago(now, 2),
        // One point per minute, on minute boundaries, ending at the current minute.
        chart: if writer {
            Vec::new()
        } else {
            per_minute(now, &lag.iter().map(|v| v * 1.1).collect::<Vec<_>>())
        },
        detached: false,
    }
}

fn control(now: DateTime<Utc>, panel: &str, name: &str, gates: &str, on: bool) -> ControlStatus {
    ControlStatus {
        name: name.to_string(),
        arn: format!("{PANEL_ARN}/routingcontrol/{name}"),
        panel: panel.to_string(),
        gates: gates.to_string(),
        state: Some(if on {
            ControlState::On
        } else {
            ControlState::Off
        }),
        observed_at: ago(now, 1),
        stale: false,
    }
}

fn endpoints(now: DateTime<Utc>) -> Vec<EndpointStatus> {
    [
        "us-east-1",
        "ap-northeast-1",
        "ap-southeast-2",
        "eu-west-1",
        "us-west-2",
    ]
    .iter()
    .enumerate()
    .map(|(i, r)| EndpointStatus {
        index: i,
        region: r.to_string(),
        url: format!("https://host-dr7a1c.{r}.example.aws/v1"),
        last_latency_ms: Some(12 + 9 * i as u64),
        last_error: None,
        last_used: ago(now, 1 + i as i64),
    })
    .collect()
}

/// The `calm` scenario on the built-in environment: everything healthy.
pub fn calm(now: DateTime<Utc>) -> Snapshot {
    let lag = history(620.0, 90, 1);
    Snapshot {
        environment: "orders-prod (twin)".to_string(),
        mode: Mode::Simulated,
        read_only: false,
        taken_at: now,
        poll_period_ms: 2000,
        rto_target_s: 900,
        rpo_target_ms: 5000,
        identity: Some(Identity {
            account: ACCOUNT.to_string(),
            arn: "arn:aws:sts::111122223333:assumed-role/DrOperator/twin".to_string(),
            user_id: "AROATWINOPERATOR0001:twin".to_string(),
        }),
        identity_error: None,
        regions: vec![
            region(now, "us-east-1", Role::Primary, "use1"),
            region(now, "us-west-2", Role::Secondary, "usw2"),
        ],
        databases: vec![DatabaseStatus {
            name: "orders".to_string(),
            global_cluster_id: "orders-global".to_string(),
            writer_region: Some("us-east-1".to_string()),
            status: Some("available".to_string()),
            failover: None,
            members: vec![
                member(now, "us-east-1", "orders-use1", true, &[]),
                member(now, "us-west-2", "orders-usw2", false, &lag),
            ],
            observed_at: ago(now, 2),
            stale: false,
            error: None,
        }],
        replicas: vec![ReplicaStatus {
            name: "ledger".to_string(),
            primary_region: "us-east-1".to_string(),
            primary_instance: "ledger-use1".to_string(),
            replica_region: "us-west-2".to_string(),
            replica_instance: "ledger-usw2".to_string(),
            replica_status: Some("available".to_string()),
            replication_status: Some("replicating".to_string()),
            lag_s: Some(0.0),
            lag_history: vec![0.0; 30],
            observed_at: ago(now, 2),
            stale: false,
            error: None,
        }],
        controls: vec![
            control(now, "orders-cells", "cell-us-east-1", "us-east-1", true),
            control(now, "orders-cells", "cell-us-west-2", "us-west-2", false),
        ],
        rules: vec![RuleStatus {
            name: "at-least-one-cell-on".to_string(),
            arn: format!("{PANEL_ARN}/safetyrule/c3d4e5f6"),
            panel: "orders-cells".to_string(),
            description: "at least 1 of cell-us-east-1, cell-us-west-2 must be On".to_string(),
            satisfied: Some(true),
        }],
        endpoints: endpoints(now),
        backups: Vec::new(),
        capacity: Vec::new(),
        dynamodb: Vec::new(),
        s3_replication: Vec::new(),
    }
}

/// `primary-region-outage`: us-east-1 stopped answering at 03:12:09. The verdicts
/// come from the monitor's own verdict function, so the fixture cannot show a state
/// the monitor would not produce: us-east-1 is unknown (no fresh data, so its alarms
/// and health checks are unread, not failing), and us-west-2 is healthy by its alarms
/// while its health checks are unknown, because Route 53's metrics live in us-east-1.
pub fn primary_region_outage(now: DateTime<Utc>) -> Snapshot {
    let mut s = calm(now);
    let since = ago(now, 21);
    for r in &mut s.regions {
        for h in &mut r.health_checks {
            h.healthy = None;
        }
    }
    let east = &mut s.regions[0];
    east.observed_at = ago(now, 23);
    east.unreachable_since = since;
    east.stale = true;
    for a in &mut east.alarms {
        a.state = None;
    }
    judge(east, false, Some("timed out: DescribeAlarms"));
    judge(&mut s.regions[1], true, None);
    let db = &mut s.databases[0];
    db.stale = true;
    db.observed_at = ago(now, 23);
    db.error = Some("DescribeGlobalClusters in us-east-1: timed out after 3s".to_string());
    let rep = &mut s.replicas[0];
    rep.lag_s = None;
    rep.replication_status = None;
    rep.stale = true;
    rep.observed_at = ago(now, 23);
    s.endpoints[0].last_error = Some("timed out after 2s".to_string());
    s.endpoints[0].last_latency_ms = None;
    s
}

/// Sets the verdict and reasons as the monitor would from what the Region shows,
/// with Route 53 health-check data unknown (us-east-1 is dark).
fn judge(r: &mut RegionStatus, fresh: bool, last_error: Option<&str>) {
    let evidence = RegionEvidence {
        region: &r.name,
        fresh,
        last_seen: r.observed_at,
        unreachable_since: r.unreachable_since,
        last_error,
        alarms: if fresh { &r.alarms } else { &[] },
        health_checks: &r.health_checks,
        health_checks_known: false,
    };
    (r.verdict, r.reasons) = verdict(&evidence);
}

/// One point per minute, on minute boundaries, ending at the current minute.
fn per_minute(now: DateTime<Utc>, values: &[f64]) -> Vec<(DateTime<Utc>, f64)> {
    let minute = now.timestamp().div_euclid(60) * 60;
    let n = values.len() as i64;
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let at = DateTime::<Utc>::from_timestamp(minute - (n - 1 - i as i64) * 60, 0)?;
            Some((at, *v))
        })
        .collect()
}

/// `lag-storm`: replication lag climbs past the RPO target.
pub fn lag_storm(now: DateTime<Utc>) -> Snapshot {
    let mut s = calm(now);
    let lag: Vec<f64> = (0..90)
        .map(|i| {
            if i < 50 {
                600.0 + 10.0 * i as f64
            } else {
                1100.0 + 260.0 * (i - 50) as f64
            }
        })
        .collect();
    let m = &mut s.databases[0].members[1];
    m.lag_ms = lag.last().copied();
    m.rpo_lag_ms = lag.last().map(|v| v * 1.05);
    m.rpo_history = lag.iter().map(|v| v * 1.05).collect();
    m.chart = per_minute(now, &m.rpo_history);
    m.lag_history = lag;
    s.regions[1].verdict = Verdict::Degraded;
    s.regions[1].reasons = vec!["alarm orders-api-latency-usw2 in ALARM".to_string()];
    s.regions[1].alarms[1].state = Some(AlarmState::Alarm);
    s.replicas[0].lag_s = Some(14.0);
    s
}

/// A failover in flight, for the failover-state line.
pub fn failing_over(now: DateTime<Utc>) -> Snapshot {
    let mut s = primary_region_outage(now);
    s.databases[0].failover = Some(FailoverStatus {
        status: "failing-over".to_string(),
        from_region: Some("us-east-1".to_string()),
        to_region: Some("us-west-2".to_string()),
        data_loss_allowed: true,
    });
    s
}

/// A large environment for the frame bench: `regions` Regions, `dbs` global
/// databases (two members each) and `controls` routing controls in panels of 100.
pub fn large(now: DateTime<Utc>, regions: usize, dbs: usize, controls: usize) -> Snapshot {
    let mut s = calm(now);
    s.regions = (0..regions)
        .map(|i| {
            let role = if i == 0 {
                Role::Primary
            } else {
                Role::Secondary
            };
            let mut r = region(now, &format!("region-{i:02}"), role, &format!("r{i:02}"));
            if i % 7 == 3 {
                r.verdict = Verdict::Degraded;
                r.reasons = vec![format!("alarm orders-api-5xx-r{i:02} in ALARM")];
            }
            r
        })
        .collect();
    s.databases = (0..dbs)
        .map(|i| {
            let lag = history(400.0 + 50.0 * (i % 10) as f64, 90, i as u64);
            DatabaseStatus {
                name: format!("db-{i:02}"),
                global_cluster_id: format!("db-{i:02}-global"),
                writer_region: Some("region-00".to_string()),
                status: Some("available".to_string()),
                failover: None,
                members: vec![
                    member(now, "region-00", &format!("db-{i:02}-a"), true, &[]),
                    member(
                        now,
                        &format!("region-{:02}", 1 + i % regions.max(2).saturating_sub(1)),
                        &format!("db-{i:02}-b"),
                        false,
                        &lag,
                    ),
                ],
                observed_at: ago(now, 2),
                stale: false,
                error: None,
            }
        })
        .collect();
    s.controls = (0..controls)
        .map(|i| {
            let panel = format!("panel-{:03}", i / 100);
            control(
                now,
                &panel,
                &format!("cell-{i:05}"),
                &format!("region-{:02}", i % regions.max(1)),
                i % 3 != 0,
            )
        })
        .collect();
    s.rules = (0..controls.div_ceil(100))
        .map(|p| RuleStatus {
            name: format!("min-cells-{p:03}"),
            arn: format!("{PANEL_ARN}/safetyrule/{p:03}"),
            panel: format!("panel-{p:03}"),
            description: format!("at least 10 of the 100 cells in panel-{p:03} must be On"),
            satisfied: Some(true),
        })
        .collect();
    s
}

fn backup(now: DateTime<Utc>, name: &str, rpo_s: u64) -> crate::model::snapshot::BackupStatus {
    crate::model::snapshot::BackupStatus {
        name: name.into(),
        resource_arn: format!("arn:aws:rds:us-east-1:111122223333:cluster:{name}"),
        resource_type: "Aurora".into(),
        source_region: "us-east-1".into(),
        dr_region: "us-west-2".into(),
        vault: "orders-dr-vault".into(),
        rpo_s,
        newest: None,
        latest_copy: None,
        copy_error: None,
        last_tested: None,
        next_test_due: None,
        restore_test_every_s: None,
        observed_at: ago(now, 20),
        stale: false,
        error: None,
        age_s: None,
        fresh: None,
    }
}

/// `calm` with the Backups rows: orders-db fresh (aged from its source point),
/// ledger-db over its RPO with its copies failing, audit-db copied but its source
/// Region unread (the age is a lower bound).
pub fn with_backups(now: DateTime<Utc>) -> Snapshot {
    use crate::model::snapshot::{CopyJobSeen, RecoveryPointSeen};
    let point = |secs: i64, known: bool| RecoveryPointSeen {
        arn: "arn:aws:backup:us-west-2:111122223333:recovery-point:1EB3B5E7".into(),
        status: "COMPLETED".into(),
        created_at: now - Duration::seconds(secs - 600),
        backup_time: now - Duration::seconds(secs),
        backup_time_known: known,
    };
    let copy = |state: &str, secs: i64, msg: Option<&str>| CopyJobSeen {
        id: "7D1C5F0E".into(),
        state: state.into(),
        created_at: now - Duration::seconds(secs),
        completed_at: None,
        status_message: msg.map(str::to_string),
    };
    let mut s = calm(now);
    let mut orders = backup(now, "orders-db", 4 * 3600);
    orders.newest = Some(point(3900, true));
    orders.latest_copy = Some(copy("COMPLETED", 2400, None));
    orders.restore_test_every_s = Some(7 * 86_400);
    orders.last_tested = Some(now - Duration::days(3));
    orders.next_test_due = Some(now + Duration::days(4));
    let mut ledger = backup(now, "ledger-db", 4 * 3600);
    ledger.newest = Some(point(5 * 3600 + 300, true));
    ledger.restore_test_every_s = Some(7 * 86_400);
    ledger.last_tested = Some(now - Duration::days(9));
    ledger.next_test_due = Some(now - Duration::days(2));
    ledger.latest_copy = Some(copy(
        "FAILED",
        1500,
        Some("Copy job failed: the destination vault could not be reached"),
    ));
    let mut audit = backup(now, "audit-db", 24 * 3600);
    audit.newest = Some(point(7200, false));
    audit.copy_error = Some("timeout after 10 s".into());
    audit.restore_test_every_s = Some(30 * 86_400);
    s.backups = vec![orders, ledger, audit];
    for b in &mut s.backups {
        b.age_s = b.age_at(now).map(|a| a.num_seconds());
        b.fresh = b.fresh_at(now);
    }
    s
}

/// Issue 10: `calm` with capacity per Region (production serving in us-east-1; a
/// pilot-light web tier scaling out in us-west-2, a warm-standby worker service), a
/// DynamoDB global table (write local) whose us-east-1→us-west-2 link is slow, and an
/// S3 replication rule with a backlog.
pub fn with_scale_out(now: DateTime<Utc>) -> Snapshot {
    use crate::config::WriteStrategy;
    use crate::model::snapshot::CapacityStatus;
    use crate::model::stores::{BucketReplicationStatus, TableLinkStatus, TableReplicationStatus};
    let group =
        |name: &str, region: &str, resource: &str, unit: &str, production: u32| CapacityStatus {
            name: name.into(),
            region: region.into(),
            resource: resource.into(),
            unit: unit.into(),
            production,
            desired: Some(production),
            in_service: Some(production),
            warming: Some(0),
            unhealthy: Some(0),
            min: None,
            max: None,
            service_status: None,
            observed_at: Some(now - Duration::seconds(3)),
            stale: false,
            error: None,
        };
    let mut s = calm(now);
    let mut web_west = group(
        "web-usw2",
        "us-west-2",
        "ASG orders-web-usw2",
        "instances",
        6,
    );
    web_west.in_service = Some(2);
    web_west.warming = Some(4);
    let mut worker_west = group(
        "worker-usw2",
        "us-west-2",
        "ECS orders-usw2/orders-worker",
        "tasks",
        4,
    );
    worker_west.desired = Some(1);
    worker_west.in_service = Some(1);
    s.capacity = vec![
        group(
            "web-use1",
            "us-east-1",
            "ASG orders-web-use1",
            "instances",
            6,
        ),
        group(
            "worker-use1",
            "us-east-1",
            "ECS orders-use1/orders-worker",
            "tasks",
            4,
        ),
        web_west,
        worker_west,
    ];
    let ramp = |base: f64| {
        (0..30)
            .map(|i| base + f64::from(i % 7) * 40.0)
            .collect::<Vec<f64>>()
    };
    s.dynamodb = vec![TableReplicationStatus {
        name: "carts".into(),
        table: "orders-carts".into(),
        write: WriteStrategy::Local,
        links: vec![
            TableLinkStatus {
                from: "us-east-1".into(),
                to: "us-west-2".into(),
                latency_ms: Some(6200.0),
                history: ramp(900.0),
                recent_max_ms: Some(6200.0),
                metrics_at: Some(now - Duration::seconds(90)),
            },
            TableLinkStatus {
                from: "us-west-2".into(),
                to: "us-east-1".into(),
                latency_ms: Some(840.0),
                history: ramp(600.0),
                recent_max_ms: Some(1080.0),
                metrics_at: Some(now - Duration::seconds(90)),
            },
        ],
    }];
    s.s3_replication = vec![BucketReplicationStatus {
        name: "receipts".into(),
        source_region: "us-east-1".into(),
        source_bucket: "orders-receipts-use1".into(),
        destination_region: "us-west-2".into(),
        destination_bucket: "orders-receipts-usw2".into(),
        rule_id: "receipts-to-usw2".into(),
        write: WriteStrategy::Partitioned,
        latency_s: Some(42.0),
        operations_pending: Some(130.0),
        bytes_pending: Some(48_500_000.0),
        latency_history: ramp(20.0),
        metrics_at: Some(now - Duration::seconds(90)),
    }];
    s
}

/// `with_scale_out` after us-west-2 stopped answering: its capacity is unknown.
pub fn with_scale_out_west_dark(now: DateTime<Utc>) -> Snapshot {
    let mut s = with_scale_out(now);
    for c in s.capacity.iter_mut().filter(|c| c.region == "us-west-2") {
        c.desired = None;
        c.in_service = None;
        c.warming = None;
        c.unhealthy = None;
        c.stale = true;
        c.error = Some("us-west-2 does not answer".into());
    }
    s
}
