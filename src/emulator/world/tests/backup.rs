//! The twin's AWS Backup: schedule, copies, failures and outages.

use super::{step, world};
use crate::emulator::scenario::{Fault, ImpairMode};
use crate::emulator::world::{SOURCE_VAULT, TwinWorld};
use chrono::Duration;

const ORDERS: &str = "arn:aws:rds:us-east-1:111122223333:cluster:orders-use1";

fn newest_completed_dr(w: &TwinWorld) -> chrono::DateTime<chrono::Utc> {
    w.recovery_points_in_vault("us-west-2", "orders-dr-vault", Some(ORDERS))
        .expect("vault")
        .iter()
        .filter(|p| p.status == "COMPLETED")
        .map(|p| p.creation)
        .max()
        .expect("a completed copy")
}

#[test]
fn hourly_points_are_copied_to_the_dr_vault_within_the_hour() {
    let w = world(1);
    let src = w
        .recovery_points_in_vault("us-east-1", SOURCE_VAULT, Some(ORDERS))
        .expect("source vault");
    // Three days of hourly points, oldest first.
    assert!(src.len() >= 71, "{} points", src.len());
    assert!(src.windows(2).all(|p| p[0].creation < p[1].creation));
    let dr = w
        .recovery_points_in_vault("us-west-2", "orders-dr-vault", Some(ORDERS))
        .expect("DR vault");
    assert!(dr.iter().all(|p| p.source_vault_arn.is_some()));
    let age = w.now() - newest_completed_dr(&w);
    assert!(age <= Duration::minutes(90), "newest copy {age} old");
    // Each completed copy job names both points.
    let jobs = w.copy_jobs("us-east-1", Some(ORDERS), None);
    let done: Vec<_> = jobs.iter().filter(|j| j.state == "COMPLETED").collect();
    assert!(done.iter().all(|j| j.dest_point_arn.is_some()));
    assert!(dr.iter().all(|p| {
        done.iter()
            .any(|j| j.dest_point_arn.as_deref() == Some(&p.arn))
    }));
}

#[test]
fn a_point_is_creating_while_its_backup_job_runs() {
    let mut w = world(1);
    let seen_creating = (0..12).any(|_| {
        step(&mut w, 300);
        w.recovery_points_in_vault("us-east-1", SOURCE_VAULT, Some(ORDERS))
            .expect("vault")
            .last()
            .is_some_and(|p| p.status == "CREATING" && p.completion.is_none())
    });
    assert!(seen_creating);
}

#[test]
fn failing_copies_age_the_dr_point_and_show_failed_jobs() {
    let mut w = world(1);
    w.inject(&Fault::BackupCopyFailing {
        resource: Some("orders-db".into()),
        for_the_last: Some("5h".into()),
    });
    let age = w.now() - newest_completed_dr(&w);
    assert!(age > Duration::hours(5), "newest copy only {age} old");
    let jobs = w.copy_jobs("us-east-1", Some(ORDERS), None);
    let last = jobs.last().expect("jobs");
    assert!(matches!(last.state, "FAILED" | "RUNNING"));
    assert!(
        jobs.iter().rev().take(4).any(|j| j.state == "FAILED"
            && j.status_message.is_some()
            && j.dest_point_arn.is_none())
    );
    assert_eq!(w.active_faults().len(), 1);
    w.inject(&w.active_faults()[0].clear.clone());
    assert!(w.active_faults().is_empty());
    step(&mut w, 3 * 3600);
    let age = w.now() - newest_completed_dr(&w);
    assert!(age <= Duration::minutes(90), "copies resumed: {age}");
}

#[test]
fn a_dark_source_region_takes_no_backups_until_it_recovers() {
    let mut w = world(1);
    w.inject(&Fault::RegionImpaired {
        region: "us-east-1".into(),
        mode: ImpairMode::Hang,
    });
    let before = w
        .recovery_points_in_vault("us-east-1", SOURCE_VAULT, Some(ORDERS))
        .expect("vault")
        .last()
        .map(|p| p.creation);
    step(&mut w, 4 * 3600);
    let during = w
        .recovery_points_in_vault("us-east-1", SOURCE_VAULT, Some(ORDERS))
        .expect("vault")
        .last()
        .map(|p| p.creation);
    assert_eq!(before, during);
    assert!(w.now() - newest_completed_dr(&w) > Duration::hours(4));
    w.inject(&Fault::RegionRecovered {
        region: "us-east-1".into(),
    });
    step(&mut w, 2 * 3600);
    assert!(w.now() - newest_completed_dr(&w) <= Duration::minutes(90));
}

#[test]
fn an_unknown_vault_is_resource_not_found() {
    let w = world(1);
    let e = w
        .recovery_points_in_vault("us-west-2", "no-such-vault", None)
        .unwrap_err();
    assert!(e.to_string().starts_with("ResourceNotFoundException"));
    // The DR vault lives in the DR Region only.
    assert!(
        w.recovery_points_in_vault("us-east-1", "orders-dr-vault", None)
            .is_err()
    );
}

mod restore {
    use super::*;
    use crate::emulator::world::RestoreRequest;

    fn newest_dr_arn(w: &TwinWorld) -> String {
        let points = w
            .recovery_points_in_vault("us-west-2", "orders-dr-vault", Some(ORDERS))
            .expect("vault");
        let p = points
            .iter()
            .filter(|p| p.status == "COMPLETED")
            .max_by_key(|p| p.creation)
            .expect("point");
        p.arn.clone()
    }

    fn request(w: &TwinWorld, token: &str, cluster: &str) -> RestoreRequest {
        RestoreRequest {
            point_arn: newest_dr_arn(w),
            metadata: [("DBClusterIdentifier".to_string(), cluster.to_string())].into(),
            iam_role_arn: Some("arn:aws:iam::111122223333:role/drconsole-restore".into()),
            idempotency_token: Some(token.into()),
            resource_type: None,
        }
    }

    /// RestoreJobStatus words (API reference): PENDING → RUNNING → COMPLETED.
    #[test]
    fn a_restore_goes_pending_running_completed_and_names_what_it_made() {
        let mut w = world(1);
        let req = request(&w, "tok-1", "orders-restored");
        let id = w.start_restore_job("us-west-2", &req).expect("started");
        assert_eq!(w.restore_job("us-west-2", &id).unwrap().status, "PENDING");
        step(&mut w, 5 * 60);
        let j = w.restore_job("us-west-2", &id).unwrap();
        assert_eq!(j.status, "RUNNING");
        assert!(j.percent_done.ends_with('%') && j.created_resource_arn.is_none());
        step(&mut w, 20 * 60);
        let j = w.restore_job("us-west-2", &id).unwrap();
        assert_eq!(j.status, "COMPLETED");
        assert_eq!(
            j.created_resource_arn.as_deref(),
            Some("arn:aws:rds:us-west-2:111122223333:cluster:orders-restored")
        );
        assert!(j.completed.is_some());
    }

    /// API reference, StartRestoreJob IdempotencyToken: "Retrying a successful
    /// request with the same idempotency token results in a success message with no
    /// action taken."
    #[test]
    fn the_same_idempotency_token_starts_nothing_new() {
        let mut w = world(1);
        let req = request(&w, "tok-1", "orders-restored");
        let a = w.start_restore_job("us-west-2", &req).unwrap();
        step(&mut w, 30);
        let b = w.start_restore_job("us-west-2", &req).unwrap();
        assert_eq!(a, b);
        assert_eq!(w.restore_jobs("us-west-2").len(), 1);
        // Another token for the same target: a second job, which fails.
        let other = request(&w, "tok-2", "orders-restored");
        let c = w.start_restore_job("us-west-2", &other).unwrap();
        assert_ne!(a, c);
        step(&mut w, 3600);
        let failed = w.restore_job("us-west-2", &c).unwrap();
        assert_eq!(failed.status, "FAILED");
        assert!(failed.status_message.unwrap().contains("already exists"));
        assert_eq!(w.restore_job("us-west-2", &a).unwrap().status, "COMPLETED");
    }

    #[test]
    fn a_point_from_another_region_or_no_metadata_is_refused() {
        let mut w = world(1);
        let req = request(&w, "t", "x");
        let e = w.start_restore_job("us-east-1", &req).unwrap_err();
        assert!(
            e.to_string().starts_with("ResourceNotFoundException"),
            "{e}"
        );
        let mut empty = request(&w, "t2", "x");
        empty.metadata.clear();
        let e = w.start_restore_job("us-west-2", &empty).unwrap_err();
        assert!(
            e.to_string().starts_with("InvalidParameterValueException"),
            "{e}"
        );
        assert!(w.restore_job("us-west-2", "nope").is_err());
    }

    #[test]
    fn the_restore_fault_fails_new_restores_until_cleared() {
        let mut w = world(1);
        w.inject(&Fault::BackupRestoreFailing {});
        let id = w
            .start_restore_job("us-west-2", &request(&w, "t", "a"))
            .unwrap();
        let active = w.active_faults();
        assert_eq!(active.len(), 1);
        w.inject(&active[0].clear.clone());
        assert!(w.active_faults().is_empty());
        let ok = w
            .start_restore_job("us-west-2", &request(&w, "t2", "b"))
            .unwrap();
        step(&mut w, 3600);
        assert_eq!(w.restore_job("us-west-2", &id).unwrap().status, "FAILED");
        assert_eq!(w.restore_job("us-west-2", &ok).unwrap().status, "COMPLETED");
    }

    /// RDS API reference, CreateDBInstance: an instance of a cluster a restore made
    /// goes `creating` → `available`; a taken identifier is `DBInstanceAlreadyExists`
    /// and an unknown cluster `DBClusterNotFoundFault`.
    #[test]
    fn an_instance_joins_a_restored_cluster_and_becomes_available() {
        use crate::emulator::world::{CreateInstanceRequest, RdsError};
        let mut w = world(1);
        let req = request(&w, "tok-i", "orders-restored");
        w.start_restore_job("us-west-2", &req).expect("started");
        let instance = |cluster: &str, id: &str| CreateInstanceRequest {
            id: id.into(),
            class: "db.r6g.large".into(),
            engine: "aurora-postgresql".into(),
            cluster: Some(cluster.into()),
        };
        // Not restored yet: the cluster does not exist.
        assert!(matches!(
            w.rds_create_db_instance("us-west-2", &instance("orders-restored", "i-1")),
            Err(RdsError::DbClusterNotFound(_))
        ));
        step(&mut w, 25 * 60);
        assert!(
            w.rds_db_clusters("us-west-2", Some("orders-restored"))
                .is_ok()
        );
        let v = w
            .rds_create_db_instance("us-west-2", &instance("orders-restored", "i-1"))
            .expect("created");
        assert_eq!(v.status, "creating");
        assert_eq!(v.cluster.as_deref(), Some("orders-restored"));
        assert!(matches!(
            w.rds_create_db_instance("us-west-2", &instance("orders-restored", "i-1")),
            Err(RdsError::DbInstanceAlreadyExists(_))
        ));
        step(&mut w, 9 * 60);
        let now = w
            .rds_db_instances("us-west-2", Some("i-1"))
            .expect("listed");
        assert_eq!(now[0].status, "available");
        assert!(w.rds_db_instances("us-east-1", Some("i-1")).is_err());
    }

    /// RDS API reference, DeleteDBCluster / DeleteDBInstance: a cluster with instances
    /// not being deleted is InvalidDBClusterStateFault; deleted resources show
    /// `deleting`, then are gone; the scratch name can then be restored again.
    #[test]
    fn a_restored_cluster_is_deleted_after_its_instances_and_its_name_is_free_again() {
        use crate::emulator::world::{CreateInstanceRequest, RdsError};
        let mut w = world(1);
        let req = request(&w, "tok-d", "scratch");
        w.start_restore_job("us-west-2", &req).expect("started");
        step(&mut w, 25 * 60);
        let inst = CreateInstanceRequest {
            id: "scratch-1".into(),
            class: "db.r6g.large".into(),
            engine: "aurora-postgresql".into(),
            cluster: Some("scratch".into()),
        };
        w.rds_create_db_instance("us-west-2", &inst)
            .expect("instance");
        assert!(matches!(
            w.rds_delete_db_cluster("us-west-2", "scratch"),
            Err(RdsError::InvalidDbClusterState(_))
        ));
        assert_eq!(
            w.rds_delete_db_instance("us-west-2", "scratch-1")
                .expect("deleting")
                .status,
            "deleting"
        );
        assert_eq!(
            w.rds_delete_db_cluster("us-west-2", "scratch")
                .expect("deleting")
                .status,
            "deleting"
        );
        // The environment's own clusters are never deleted by the twin.
        assert!(matches!(
            w.rds_delete_db_cluster("us-west-2", "orders-usw2"),
            Err(RdsError::DbClusterNotFound(_))
        ));
        step(&mut w, 3 * 60);
        assert!(w.rds_db_clusters("us-west-2", Some("scratch")).is_err());
        assert!(w.rds_db_instances("us-west-2", Some("scratch-1")).is_err());
        let again = request(&w, "tok-d2", "scratch");
        let id = w
            .start_restore_job("us-west-2", &again)
            .expect("started again");
        step(&mut w, 25 * 60);
        assert_eq!(w.restore_job("us-west-2", &id).unwrap().status, "COMPLETED");
    }
}
