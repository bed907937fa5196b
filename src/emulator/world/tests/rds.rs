use super::{step, world};
use crate::emulator::scenario::{Fault, ImpairMode};
use crate::emulator::world::{GlobalClusterView, RdsError, TwinWorld};

const G: &str = "orders-global";
const USE1: &str = "arn:aws:rds:us-east-1:111122223333:cluster:orders-use1";
const USW2: &str = "arn:aws:rds:us-west-2:111122223333:cluster:orders-usw2";

fn global(w: &TwinWorld) -> GlobalClusterView {
    w.rds_global_clusters("us-west-2", Some(G))
        .expect("global visible anywhere")
        .remove(0)
}

fn writer(w: &TwinWorld) -> String {
    global(w)
        .members
        .into_iter()
        .find(|m| m.is_writer)
        .map(|m| m.cluster_arn)
        .expect("a writer")
}

/// Steps until the operation in flight finishes; bounded.
fn run_until_done(w: &mut TwinWorld) -> i64 {
    for s in 0..600 {
        if global(w).failover.is_none() {
            return s;
        }
        step(w, 1);
    }
    panic!("operation never finished");
}

#[test]
fn switchover_walks_and_loses_nothing() {
    let mut w = world(3);
    assert_eq!(writer(&w), USE1);
    let v = w
        .rds_switchover("us-east-1", G, "orders-usw2")
        .expect("accepted");
    assert_eq!(v.status, "switching-over");
    let f = v.failover.expect("in flight");
    assert_eq!(
        (f.status.as_str(), f.is_data_loss_allowed),
        ("pending", false)
    );
    assert_eq!(
        (f.from_cluster_arn.as_str(), f.to_cluster_arn.as_str()),
        (USE1, USW2)
    );
    let again = w.rds_switchover("us-east-1", G, USW2);
    assert!(
        matches!(again, Err(RdsError::InvalidGlobalClusterState(_))),
        "{again:?}"
    );
    step(&mut w, 6);
    // A switchover runs as `switching-over`, never `failing-over` (AWS-FACTS.md; RDS
    // API reference, FailoverState).
    let running = global(&w).failover.expect("running");
    assert_eq!(
        (running.status.as_str(), running.is_data_loss_allowed),
        ("switching-over", false)
    );
    assert_eq!(writer(&w), USE1, "writer moves only at the end");
    let took = run_until_done(&mut w);
    assert!(
        took >= 15,
        "switching-over lasts at least 20 s, took {took}"
    );
    assert_eq!(writer(&w), USW2);
    let g = global(&w);
    assert_eq!(g.status, "available");
    assert!(g.members.iter().all(|m| m.synchronization == "connected"));
    assert!(
        w.data_loss_events().is_empty(),
        "planned switchover has RPO 0"
    );
    let clusters = w.rds_db_clusters("us-west-2", None).expect("clusters");
    assert!(clusters[0].is_writer);
}

#[test]
fn switchover_errors() {
    let mut w = world(3);
    assert!(matches!(
        w.rds_switchover("us-east-1", "nope", USW2),
        Err(RdsError::GlobalClusterNotFound(_))
    ));
    assert!(matches!(
        w.rds_switchover("us-east-1", G, USE1),
        Err(RdsError::InvalidGlobalClusterState(_))
    ));
    assert!(matches!(
        w.rds_switchover("us-east-1", G, "orders-euw1"),
        Err(RdsError::DbClusterNotFound(_))
    ));
    assert!(
        global(&w).failover.is_none(),
        "rejected calls start nothing"
    );
}

#[test]
fn failover_parameter_combinations() {
    let mut w = world(3);
    let r = w.rds_failover("us-west-2", G, USW2, Some(true), Some(true));
    assert!(
        matches!(r, Err(RdsError::InvalidParameterCombination(_))),
        "{r:?}"
    );
    let v = w
        .rds_failover("us-east-1", G, USW2, None, Some(true))
        .expect("switchover via failover");
    assert_eq!(v.status, "switching-over");
    assert!(w.data_loss_events().is_empty());
}

/// AWS-FACTS.md (RDS API reference, FailoverGlobalCluster): with neither AllowDataLoss
/// nor Switchover the call is a switchover, not an error.
#[test]
fn failover_without_allow_data_loss_is_a_switchover() {
    for (dl, so) in [
        (None, None),
        (Some(false), Some(false)),
        (Some(false), None),
    ] {
        let mut w = world(3);
        let v = w
            .rds_failover("us-east-1", G, USW2, dl, so)
            .unwrap_or_else(|e| panic!("{dl:?} {so:?}: {e:?}"));
        let f = v.failover.expect("in flight");
        assert!(!f.is_data_loss_allowed, "{dl:?} {so:?}");
        step(&mut w, 6);
        assert_eq!(
            global(&w).failover.expect("running").status,
            "switching-over"
        );
        run_until_done(&mut w);
        assert_eq!(writer(&w), USW2);
        assert!(w.data_loss_events().is_empty());
    }
}

#[test]
fn failover_with_data_loss_records_loss_and_moves_writer() {
    let mut w = world(5);
    w.inject(&Fault::RegionImpaired {
        region: "primary".into(),
        mode: ImpairMode::Hang,
    });
    step(&mut w, 30);
    let planned = w.rds_switchover("us-west-2", G, USW2);
    assert!(
        matches!(&planned, Err(RdsError::InvalidGlobalClusterState(m)) if m.contains("healthy")),
        "{planned:?}"
    );
    let wrong = w.rds_failover("us-east-1", G, USW2, Some(true), None);
    assert!(
        matches!(wrong, Err(RdsError::InvalidParameterValue(_))),
        "{wrong:?}"
    );
    let v = w
        .rds_failover("us-west-2", G, "orders-usw2", Some(true), None)
        .expect("accepted");
    assert_eq!(v.status, "failing-over");
    assert!(v.failover.expect("in flight").is_data_loss_allowed);
    let second = w.rds_failover("us-west-2", G, USW2, Some(true), None);
    assert!(
        matches!(second, Err(RdsError::InvalidGlobalClusterState(_))),
        "{second:?}"
    );
    step(&mut w, 6);
    let running = global(&w).failover.expect("running");
    assert_eq!(
        (running.status.as_str(), running.is_data_loss_allowed),
        ("failing-over", true),
        "a data-loss failover walks failing-over with IsDataLossAllowed"
    );
    let loss = w.data_loss_events();
    assert_eq!(loss.len(), 1);
    assert_eq!(
        (loss[0].from_region.as_str(), loss[0].to_region.as_str()),
        ("us-east-1", "us-west-2")
    );
    // Nothing is committed in a dark Region: what is lost is the RPO lag at the moment
    // it went dark (a baseline of well under a few seconds), not the outage's length.
    assert!(
        loss[0].lost_ms > 0.0 && loss[0].lost_ms < 10_000.0,
        "lost {} ms",
        loss[0].lost_ms
    );
    let took = run_until_done(&mut w);
    assert!(took >= 60, "unplanned failover takes a while, took {took}");
    assert_eq!(writer(&w), USW2);
    let old = global(&w)
        .members
        .into_iter()
        .find(|m| m.cluster_arn == USE1)
        .expect("old writer still a member");
    assert_eq!(old.synchronization, "pending-resync");
    w.inject(&Fault::RegionRecovered {
        region: "us-east-1".into(),
    });
    // Rejoining takes minutes (5 min + 1 min per 100 GiB; 500 GiB by default): the
    // old twin reconnected after 60 s, which made failback rehearsals look easy.
    let sync = |w: &TwinWorld| {
        global(w)
            .members
            .into_iter()
            .find(|m| m.cluster_arn == USE1)
            .expect("member")
            .synchronization
    };
    let status = |w: &TwinWorld| {
        w.rds_db_clusters("us-east-1", Some("orders-use1"))
            .expect("cluster")[0]
            .status
            .clone()
    };
    step(&mut w, 90);
    assert_eq!(sync(&w), "pending-resync");
    assert_eq!(
        status(&w),
        "resyncing",
        "an intermediate status while rebuilt"
    );
    step(&mut w, 8 * 60);
    assert_eq!(sync(&w), "pending-resync", "600 s are needed for 500 GiB");
    step(&mut w, 60);
    assert_eq!(sync(&w), "connected");
    assert_eq!(status(&w), "available");
}

/// The rejoin time grows with the database's size, set per scenario.
#[test]
fn a_bigger_database_rejoins_later() {
    use crate::emulator::scenario::Scenario;
    let rejoined_after = |gib: u32| {
        let mut w = world(5);
        let mut s = Scenario::load("calm", &super::default_env()).expect("calm");
        s.database_gib = Some(gib);
        w.set_scenario(s);
        w.inject(&Fault::RegionImpaired {
            region: "primary".into(),
            mode: ImpairMode::Hang,
        });
        step(&mut w, 30);
        w.rds_failover("us-west-2", G, USW2, Some(true), None)
            .expect("accepted");
        run_until_done(&mut w);
        w.inject(&Fault::RegionRecovered {
            region: "us-east-1".into(),
        });
        for s in 0..7200 {
            let connected = global(&w)
                .members
                .iter()
                .all(|m| m.synchronization == "connected");
            if connected {
                return s;
            }
            step(&mut w, 1);
        }
        panic!("never rejoined");
    };
    let small = rejoined_after(10);
    let big = rejoined_after(2000);
    assert!((300..=310).contains(&small), "{small}");
    assert!((1500..=1510).contains(&big), "{big}");
}

#[test]
fn clusters_listed_per_region_and_filtered() {
    let w = world(1);
    let east = w.rds_db_clusters("us-east-1", None).expect("east");
    assert_eq!(east.len(), 1);
    assert_eq!(east[0].id, "orders-use1");
    assert!(east[0].is_writer);
    assert_eq!(east[0].engine, "aurora-postgresql");
    assert_eq!(east[0].global_cluster_id.as_deref(), Some(G));
    assert!(matches!(
        w.rds_db_clusters("us-east-1", Some("orders-usw2")),
        Err(RdsError::DbClusterNotFound(_))
    ));
    assert!(matches!(
        w.rds_global_clusters("us-east-1", Some("nope")),
        Err(RdsError::GlobalClusterNotFound(_))
    ));
    assert_eq!(
        w.rds_global_clusters("eu-west-1", None).expect("all").len(),
        1
    );
}

#[test]
fn promote_walks_to_standalone() {
    let mut w = world(2);
    let primary = w
        .rds_db_instances("us-east-1", Some("ledger-use1"))
        .expect("primary");
    assert_eq!(primary[0].replicas, vec!["ledger-usw2".to_string()]);
    let replica = &w.rds_db_instances("us-west-2", None).expect("replica")[0];
    assert_eq!(replica.replication_status.as_deref(), Some("replicating"));
    assert_eq!(
        replica.replica_source.as_deref(),
        Some("arn:aws:rds:us-east-1:111122223333:db:ledger-use1")
    );

    assert!(matches!(
        w.rds_promote_read_replica("us-east-1", "ledger-use1"),
        Err(RdsError::InvalidDbInstanceState(_))
    ));
    assert!(matches!(
        w.rds_promote_read_replica("us-east-1", "ledger-usw2"),
        Err(RdsError::DbInstanceNotFound(_))
    ));
    let v = w
        .rds_promote_read_replica("us-west-2", "ledger-usw2")
        .expect("accepted");
    assert_eq!(v.status, "modifying");
    assert!(matches!(
        w.rds_promote_read_replica("us-west-2", "ledger-usw2"),
        Err(RdsError::InvalidDbInstanceState(_))
    ));
    let status = |w: &TwinWorld| {
        w.rds_db_instances("us-west-2", Some("ledger-usw2"))
            .expect("x")[0]
            .clone()
    };
    step(&mut w, 11);
    assert_eq!(status(&w).status, "rebooting");
    step(&mut w, 11);
    let done = status(&w);
    assert_eq!(done.status, "available");
    assert_eq!(done.replica_source, None);
    assert_eq!(done.replication_status, None);
    assert!(
        w.rds_db_instances("us-east-1", None).expect("p")[0]
            .replicas
            .is_empty()
    );
    assert!(matches!(
        w.rds_promote_read_replica("us-west-2", "ledger-usw2"),
        Err(RdsError::InvalidDbInstanceState(_))
    ));
}
