//! Snapshot assembly from hand-made observations.

use super::*;
use crate::model::AlarmState;
use crate::monitor::observe::{Report, Update};
use crate::provider::{AlarmInfo, ControlInfo, GlobalClusterInfo, GlobalMemberInfo, MetricPoints};
use chrono::TimeZone;

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + s, 0).single().unwrap()
}

fn ok<T>(at: i64, v: T) -> Report<T> {
    Report {
        started: t(at),
        at: t(at),
        result: Ok(v),
    }
}

fn ctx() -> Context {
    Context {
        mode: Mode::Simulated,
        read_only: false,
        poll_period_ms: 2000,
        stale_after: Duration::milliseconds(3500),
        metric_fresh_for: metric_freshness(60),
        metric_read_within: Duration::milliseconds(63_500),
        backup_read_within: Duration::milliseconds(63_500),
        capacity_read_within: Duration::milliseconds(13_500),
    }
}

fn alarms_ok(env: &Environment, region: &str) -> Vec<AlarmInfo> {
    env.region(region)
        .unwrap()
        .alarms
        .iter()
        .map(|n| AlarmInfo {
            composite: false,
            name: n.clone(),
            state: Some(AlarmState::Ok),
            reason: None,
        })
        .collect()
}

#[test]
fn a_silent_region_is_unknown_and_takes_health_checks_with_it() {
    let env = Environment::builtin_default().unwrap();
    let regions = crate::monitor::metric_regions(&env);
    let mut obs = Observations::new(&env, &regions, 10);
    for r in ["us-east-1", "us-west-2"] {
        obs.apply(Update::Alarms {
            region: r.into(),
            report: ok(0, alarms_ok(&env, r)),
        });
    }
    obs.apply(Update::Metrics {
        region: "us-east-1".into(),
        report: ok(
            0,
            vec![MetricPoints {
                key: "hc/hc-orders-usw2".into(),
                points: vec![(t(0), 1.0)],
                incomplete: None,
            }],
        ),
    });
    // us-west-2 keeps answering; us-east-1 falls silent after t=0.
    obs.apply(Update::Alarms {
        region: "us-west-2".into(),
        report: ok(4, alarms_ok(&env, "us-west-2")),
    });

    let early = build(&env, &obs, vec![], &ctx(), t(1));
    assert_eq!(early.regions[0].verdict, crate::model::Verdict::Healthy);
    assert_eq!(early.regions[1].health_checks[0].healthy, Some(true));

    let late = build(&env, &obs, vec![], &ctx(), t(5));
    let (east, west) = (&late.regions[0], &late.regions[1]);
    assert_eq!(east.verdict, crate::model::Verdict::Unknown);
    assert!(east.stale);
    assert!(
        east.reasons[0].starts_with("no answer since"),
        "{:?}",
        east.reasons
    );
    assert_eq!(west.verdict, crate::model::Verdict::Healthy);
    assert!(!west.stale);
    assert!(late.has_unknown());
    // us-east-1 fell silent, so its metrics (health checks) are unknown too, though
    // they are read only once a period.
    assert_eq!(west.health_checks[0].healthy, None);
    let much_later = build(&env, &obs, vec![], &ctx(), t(64));
    assert_eq!(much_later.regions[1].health_checks[0].healthy, None);
}

#[test]
fn newest_answer_decides_the_writer_and_rules_follow_control_states() {
    let env = Environment::builtin_default().unwrap();
    let mut obs = Observations::new(&env, &[], 10);
    let db = &env.aurora[0];
    let info = |writer: usize| GlobalClusterInfo {
        id: db.global_cluster_id.clone(),
        status: Some("available".into()),
        members: db
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| GlobalMemberInfo {
                cluster_arn: m.cluster_arn.clone(),
                is_writer: Some(i == writer),
            })
            .collect(),
        failover: None,
    };
    obs.apply(Update::Cluster {
        db: db.name.clone(),
        region: "us-east-1".into(),
        report: ok(0, info(0)),
    });
    obs.apply(Update::Cluster {
        db: db.name.clone(),
        region: "us-west-2".into(),
        report: ok(2, info(1)),
    });
    let controls = env
        .arc
        .controls
        .iter()
        .map(|c| ControlInfo {
            arn: c.arn.clone(),
            name: Some(c.name.clone()),
            panel_arn: None,
            state: Some(ControlState::Off),
        })
        .collect();
    obs.apply(Update::Controls(ok(2, controls)));

    let s = build(&env, &obs, vec![], &ctx(), t(3));
    assert_eq!(s.databases[0].writer_region.as_deref(), Some("us-west-2"));
    assert!(!s.databases[0].stale);
    assert_eq!(
        s.rules[0].satisfied,
        Some(false),
        "all cells Off violates at-least-one"
    );
    assert!(
        s.controls
            .iter()
            .all(|c| c.state == Some(ControlState::Off) && !c.stale)
    );

    let later = build(&env, &obs, vec![], &ctx(), t(10));
    assert!(later.databases[0].stale);
    assert_eq!(
        later.rules[0].satisfied, None,
        "stale controls make the rule unknown"
    );
    assert!(later.controls.iter().all(|c| c.stale));
}

#[test]
fn a_region_turns_unknown_at_exactly_two_poll_periods() {
    let env = Environment::builtin_default().unwrap();
    let mut obs = Observations::new(&env, &[], 10);
    obs.apply(Update::Alarms {
        region: "us-west-2".into(),
        report: ok(10, alarms_ok(&env, "us-west-2")),
    });
    // The window the running monitor uses for a 2 s poll.
    let ctx = Context::new(Mode::Simulated, false, std::time::Duration::from_secs(2));
    let west = |now: i64| {
        let snap = build(&env, &obs, vec![], &ctx, t(now));
        snap.regions[1].clone()
    };
    // One poll period and a half after the last answer: still fresh.
    let before = west(13);
    assert!(!before.stale, "{before:?}");
    assert_eq!(before.verdict, crate::model::Verdict::Healthy);
    // Exactly two poll periods after the last answer: unknown, not one tick later.
    let at_boundary = west(14);
    assert!(at_boundary.stale, "{at_boundary:?}");
    assert_eq!(at_boundary.verdict, crate::model::Verdict::Unknown);
}

/// Issue 8 §3: lag shown on the dashboard is unknown once its datapoint (by the
/// period it describes, not by when it was read) is older than max(3 periods, 3 min),
/// even though CloudWatch keeps answering; and it carries its sample time.
#[test]
fn an_old_lag_datapoint_is_unknown_even_from_a_fresh_read() {
    let env = Environment::builtin_default().unwrap();
    let regions = crate::monitor::metric_regions(&env);
    let mut obs = Observations::new(&env, &regions, 10);
    let points = |at: i64| {
        vec![MetricPoints {
            key: crate::monitor::observe::lag_key("orders", "us-west-2"),
            points: vec![(t(at), 250.0)],
            incomplete: None,
        }]
    };
    obs.apply(Update::Metrics {
        region: "us-west-2".into(),
        report: ok(0, points(0)),
    });
    let member = |s: &Snapshot| {
        s.databases[0]
            .members
            .iter()
            .find(|m| m.region == "us-west-2")
            .cloned()
            .unwrap()
    };
    // Read again at 170 s; CloudWatch still has nothing newer than t=0.
    obs.apply(Update::Metrics {
        region: "us-west-2".into(),
        report: ok(170, points(0)),
    });
    let young = build(&env, &obs, vec![], &ctx(), t(171));
    assert_eq!(member(&young).lag_ms, Some(250.0));
    assert_eq!(member(&young).metrics_at, Some(t(0)), "the sample time");
    obs.apply(Update::Metrics {
        region: "us-west-2".into(),
        report: ok(181, points(0)),
    });
    let old = build(&env, &obs, vec![], &ctx(), t(181));
    assert_eq!(member(&old).lag_ms, None, "181 s old: unknown");
}

/// Issue 8 §2: a member the global cluster no longer lists is flagged detached, not
/// merely "role unknown".
#[test]
fn a_member_missing_from_the_global_cluster_is_detached() {
    let env = Environment::builtin_default().unwrap();
    let mut obs = Observations::new(&env, &[], 10);
    let db = &env.aurora[0];
    let info = GlobalClusterInfo {
        id: db.global_cluster_id.clone(),
        status: Some("available".into()),
        members: vec![GlobalMemberInfo {
            cluster_arn: db.members[0].cluster_arn.clone(),
            is_writer: Some(true),
        }],
        failover: None,
    };
    obs.apply(Update::Cluster {
        db: db.name.clone(),
        region: db.members[0].region.clone(),
        report: ok(0, info),
    });
    let s = build(&env, &obs, vec![], &ctx(), t(1));
    let members = &s.databases[0].members;
    assert!(!members[0].detached);
    assert!(members[1].detached, "{members:?}");
}

mod backups {
    use super::*;
    use crate::monitor::observe::BackupSourceRead;
    use crate::provider::{CopyJobInfo, RecoveryPointInfo};

    fn point(arn: &str, status: &str, at: i64, copy: bool) -> RecoveryPointInfo {
        RecoveryPointInfo {
            arn: arn.into(),
            status: Some(status.into()),
            created_at: Some(t(at)),
            source_vault_arn: copy
                .then(|| "arn:aws:backup:us-east-1:1:backup-vault:Default".into()),
        }
    }

    fn env_obs() -> (Environment, Observations) {
        let env = Environment::builtin_default().unwrap();
        let regions = crate::monitor::metric_regions(&env);
        let obs = Observations::new(&env, &regions, 10);
        (env, obs)
    }

    fn vault(obs: &mut Observations, at: i64, points: Vec<RecoveryPointInfo>) {
        obs.apply(Update::BackupVault {
            name: "orders-db".into(),
            report: ok(at, points),
        });
    }

    #[test]
    fn only_completed_points_count_and_a_copy_is_aged_from_its_source() {
        let (env, mut obs) = env_obs();
        let h = 3600;
        // The source Region says: copy job of point src-1 (taken at -5h) made dr-1.
        obs.apply(Update::BackupSource {
            name: "orders-db".into(),
            report: ok(
                0,
                BackupSourceRead {
                    copy_jobs: vec![CopyJobInfo {
                        id: "job-1".into(),
                        state: Some("COMPLETED".into()),
                        created_at: Some(t(-5 * h + 600)),
                        completed_at: Some(t(-5 * h + 1800)),
                        source_point_arn: Some("src-1".into()),
                        dest_point_arn: Some("dr-1".into()),
                        dest_vault_arn: Some(
                            "arn:aws:backup:us-west-2:1:backup-vault:orders-dr-vault".into(),
                        ),
                        status_message: None,
                    }],
                    points: vec![point("src-1", "COMPLETED", -5 * h, false)],
                },
            ),
        });
        // The DR vault: dr-1 (copied at -5h+10m), and a newer point still CREATING.
        vault(
            &mut obs,
            0,
            vec![
                point("dr-2", "CREATING", -h, true),
                point("dr-1", "COMPLETED", -5 * h + 600, true),
            ],
        );
        let snap = build(&env, &obs, vec![], &ctx(), t(1));
        let b = &snap.backups[0];
        let newest = b.newest.as_ref().expect("a usable point");
        assert_eq!(newest.arn, "dr-1", "CREATING never counts");
        assert!(newest.backup_time_known);
        assert_eq!(newest.backup_time, t(-5 * h), "aged from the source point");
        assert_eq!(b.fresh_at(t(1)), Some(false), "5 h > the 4 h backup RPO");
        assert_eq!(
            b.latest_copy.as_ref().map(|c| c.state.as_str()),
            Some("COMPLETED")
        );
    }

    #[test]
    fn a_copy_whose_source_was_never_read_is_a_lower_bound_never_fresh() {
        let (env, mut obs) = env_obs();
        vault(&mut obs, 0, vec![point("dr-1", "COMPLETED", -3600, true)]);
        let snap = build(&env, &obs, vec![], &ctx(), t(1));
        let b = &snap.backups[0];
        let newest = b.newest.as_ref().unwrap();
        assert!(!newest.backup_time_known);
        // 1 h since the copy's CreationDate is within 4 h, but the data may be older.
        assert_eq!(b.fresh_at(t(1)), None);
        // Past the RPO even as a lower bound: certainly not fresh.
        vault(
            &mut obs,
            5 * 3600,
            vec![point("dr-1", "COMPLETED", -3600, true)],
        );
        let snap = build(&env, &obs, vec![], &ctx(), t(5 * 3600));
        assert_eq!(snap.backups[0].fresh_at(t(5 * 3600)), Some(false));
    }

    #[test]
    fn an_unread_or_failing_vault_is_unknown_never_fresh() {
        let (env, mut obs) = env_obs();
        let snap = build(&env, &obs, vec![], &ctx(), t(0));
        assert!(snap.backups[0].has_unknown());
        assert_eq!(snap.backups[0].fresh_at(t(0)), None);
        obs.copied_from.insert("p".into(), t(-120));
        vault(&mut obs, 0, vec![point("p", "COMPLETED", -60, true)]);
        let snap = build(&env, &obs, vec![], &ctx(), t(1));
        assert_eq!(snap.backups[0].fresh_at(t(1)), Some(true));
        assert!(!snap.has_unknown() || snap.regions.iter().any(|r| r.has_unknown()));
        obs.apply(Update::BackupVault {
            name: "orders-db".into(),
            report: Report {
                started: t(2),
                at: t(12),
                result: Err("timeout".into()),
            },
        });
        let snap = build(&env, &obs, vec![], &ctx(), t(13));
        assert!(snap.backups[0].stale);
        assert_eq!(snap.backups[0].fresh_at(t(13)), None);
        assert_eq!(snap.backups[0].error.as_deref(), Some("timeout"));
    }

    /// Review of issue 9: AWS may leave SourceBackupVaultArn null on a copy, so a
    /// point in the DR vault is never aged from its own CreationDate.
    #[test]
    fn a_point_without_a_source_vault_is_still_only_a_lower_bound() {
        let (env, mut obs) = env_obs();
        vault(&mut obs, 0, vec![point("p", "COMPLETED", -60, false)]);
        let snap = build(&env, &obs, vec![], &ctx(), t(1));
        let b = &snap.backups[0];
        assert!(!b.newest.as_ref().unwrap().backup_time_known);
        assert_eq!(b.fresh, None);
        assert!(
            snap.has_unknown(),
            "an unverified age is unknown for `status`'s exit code"
        );
    }

    /// A later copy whose source is unknown does not hide an earlier one whose
    /// source time is known and fresh (the later one's data is at least as new).
    #[test]
    fn the_latest_known_backup_time_wins_over_a_later_unknown_copy() {
        let (env, mut obs) = env_obs();
        obs.copied_from.insert("old".into(), t(-3 * 3600));
        vault(
            &mut obs,
            0,
            vec![
                point("old", "COMPLETED", -3 * 3600 + 600, true),
                point("new", "COMPLETED", -600, true),
            ],
        );
        let snap = build(&env, &obs, vec![], &ctx(), t(1));
        let b = &snap.backups[0];
        let n = b.newest.as_ref().unwrap();
        assert_eq!((n.arn.as_str(), n.backup_time_known), ("old", true));
        assert_eq!(b.fresh, Some(true), "3 h < 4 h");
    }

    #[test]
    fn a_vault_with_no_usable_point_is_not_fresh() {
        let (env, mut obs) = env_obs();
        vault(&mut obs, 0, vec![point("p", "EXPIRED", -60, false)]);
        let snap = build(&env, &obs, vec![], &ctx(), t(1));
        assert!(snap.backups[0].newest.is_none());
        assert_eq!(snap.backups[0].fresh_at(t(1)), Some(false));
    }
}

#[test]
fn capacity_counts_show_only_while_read_recently_and_the_region_answers() {
    let env = Environment::builtin_default().unwrap();
    let mut obs = Observations::new(&env, &[], 10);
    let seen = crate::provider::CapacityInfo {
        desired: 6,
        min: Some(0),
        max: Some(12),
        in_service: 2,
        warming: 4,
        unhealthy: 0,
        status: None,
    };
    let west = |s: &crate::model::snapshot::Snapshot| {
        s.capacity
            .iter()
            .find(|c| c.name == "web-usw2")
            .unwrap()
            .clone()
    };
    let before = build(&env, &obs, vec![], &ctx(), t(0));
    assert_eq!(west(&before).in_service, None);
    assert_eq!(west(&before).error.as_deref(), Some("not read yet"));
    assert!(before.has_unknown());

    obs.apply(Update::Capacity {
        name: "web-usw2".into(),
        report: ok(0, seen),
    });
    for at in [0, 4, 8] {
        obs.apply(Update::Alarms {
            region: "us-west-2".into(),
            report: ok(at, alarms_ok(&env, "us-west-2")),
        });
    }
    let now = west(&build(&env, &obs, vec![], &ctx(), t(9)));
    assert_eq!(
        (now.in_service, now.warming, now.desired, now.production),
        (Some(2), Some(4), Some(6), 6)
    );
    assert_eq!(now.level(), Some("partial"));

    // The Region stops answering (its alarms read fails): the counts go unknown at
    // once, though the capacity read itself is only 10 s old.
    obs.apply(Update::Alarms {
        region: "us-west-2".into(),
        report: Report {
            started: t(10),
            at: t(12),
            result: Err("timed out".into()),
        },
    });
    let dark = west(&build(&env, &obs, vec![], &ctx(), t(12)));
    assert_eq!(dark.in_service, None);
    assert!(dark.stale);
    assert_eq!(dark.error.as_deref(), Some("us-west-2 does not answer"));

    // And a capacity read older than its window is unknown even if the Region answers.
    obs.apply(Update::Alarms {
        region: "us-west-2".into(),
        report: ok(20, alarms_ok(&env, "us-west-2")),
    });
    let old = west(&build(&env, &obs, vec![], &ctx(), t(20)));
    assert_eq!(old.in_service, None);
    assert!(
        old.error
            .as_deref()
            .is_some_and(|e| e.starts_with("no answer since"))
    );
}
