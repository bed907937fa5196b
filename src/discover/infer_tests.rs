use super::*;
use crate::discover::raw::{RawArc, RawGlobalCluster, RawPanel, RawReplica};

const C1: &str = "arn:aws:route53-recovery-control::1:controlpanel/p/routingcontrol/c1";
const C2: &str = "arn:aws:route53-recovery-control::1:controlpanel/p/routingcontrol/c2";

fn arc() -> RawArc {
    RawArc {
        cluster_arn: "arn:aws:route53-recovery-control::1:cluster/x".into(),
        cluster_name: "x".into(),
        endpoints: vec![],
        panels: vec![RawPanel {
            name: "p".into(),
            arn: "arn:aws:route53-recovery-control::1:controlpanel/p".into(),
            controls: vec![("cell-a".into(), C1.into()), ("cell-b".into(), C2.into())],
            rules: vec![],
        }],
    }
}

fn rc(id: &str, arn: &str) -> RawHealthCheck {
    RawHealthCheck::RecoveryControl {
        id: id.into(),
        control_arn: arn.into(),
    }
}

fn https(id: &str) -> RawHealthCheck {
    RawHealthCheck::Endpoint {
        id: id.into(),
        kind: "HTTPS".into(),
    }
}

fn record(set: Option<&str>, routing: RawRouting, hc: &str) -> RawRecord {
    RawRecord {
        zone: "Z1".into(),
        name: "app.example.com.".into(),
        set_identifier: set.map(str::to_string),
        routing,
        health_check_id: hc.into(),
    }
}

#[test]
fn region_names_per_the_general_reference_codes() {
    for ok in [
        "us-east-1",
        "eu-west-3",
        "ap-southeast-2",
        "us-gov-west-1",
        "me-central-1",
    ] {
        assert!(is_region_name(ok), "{ok}");
    }
    for bad in [
        "us-east",
        "useast1",
        "US-EAST-1",
        "cell-a",
        "us-east-1a",
        "x-east-1",
    ] {
        assert!(!is_region_name(bad), "{bad}");
    }
    assert_eq!(region_in("cell-us-east-1").as_deref(), Some("us-east-1"));
    assert_eq!(
        region_in("app_eu-west-1_blue").as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(
        region_in("us-east-1-to-us-west-2"),
        None,
        "two Regions: undecided"
    );
    assert_eq!(region_in("primary"), None);
}

#[test]
fn a_failover_record_through_a_calculated_check_gates_its_region_and_places_app_checks() {
    let raw = RawDiscovery {
        arc: arc(),
        health_checks: vec![
            rc("rc1", C1),
            rc("rc2", C2),
            https("hc-a"),
            https("hc-b"),
            https("hc-orphan"),
            RawHealthCheck::Calculated {
                id: "calc-a".into(),
                children: vec!["rc1".into(), "hc-a".into()],
            },
        ],
        records: vec![
            record(Some("us-east-1"), RawRouting::FailoverPrimary, "calc-a"),
            record(Some("dr-us-west-2"), RawRouting::FailoverSecondary, "rc2"),
            record(Some("ignored"), RawRouting::FailoverSecondary, "hc-b"),
        ],
        ..RawDiscovery::default()
    };
    let d = infer(raw);
    assert_eq!(d.gates[C1], Gate::Region("us-east-1".into()));
    assert_eq!(d.gates[C2], Gate::Region("us-west-2".into()));
    let east = d
        .regions
        .iter()
        .find(|r| r.name == "us-east-1")
        .expect("east");
    assert_eq!(east.role, Ok(Role::Primary));
    assert_eq!(east.health_checks, vec!["hc-a".to_string()]);
    let west = d
        .regions
        .iter()
        .find(|r| r.name == "us-west-2")
        .expect("west");
    assert_eq!(west.role, Ok(Role::Secondary));
    assert_eq!(d.regions[0].name, "us-east-1", "the primary first");
    // hc-b is on a record, but one that names no Region: placed nowhere, not orphaned.
    assert_eq!(d.unplaced_health_checks, vec!["hc-orphan".to_string()]);
    assert!(d.undecided().is_empty(), "{:?}", d.undecided());
}

#[test]
fn latency_records_make_active_regions() {
    let raw = RawDiscovery {
        arc: arc(),
        health_checks: vec![rc("rc1", C1), rc("rc2", C2)],
        records: vec![
            record(
                Some("a"),
                RawRouting::Latency {
                    region: "eu-west-1".into(),
                },
                "rc1",
            ),
            record(
                Some("b"),
                RawRouting::Latency {
                    region: "us-west-2".into(),
                },
                "rc2",
            ),
        ],
        ..RawDiscovery::default()
    };
    let d = infer(raw);
    assert!(d.regions.iter().all(|r| r.role == Ok(Role::Active)));
    assert_eq!(d.gates[C1], Gate::Region("eu-west-1".into()));
}

#[test]
fn a_control_without_a_record_or_check_is_undecided_and_said() {
    let raw = RawDiscovery {
        arc: arc(),
        health_checks: vec![rc("rc1", C1)],
        records: vec![],
        ..RawDiscovery::default()
    };
    let d = infer(raw);
    let undecided = d.undecided();
    assert_eq!(undecided.len(), 2, "{undecided:?}");
    assert!(undecided[0].contains("cell-a") && undecided[0].contains("on no record"));
    assert!(undecided[1].contains("cell-b") && undecided[1].contains("no Route 53 health check"));
}

#[test]
fn a_control_on_records_in_two_regions_is_undecided() {
    let raw = RawDiscovery {
        arc: arc(),
        health_checks: vec![rc("rc1", C1)],
        records: vec![
            record(Some("us-east-1"), RawRouting::FailoverPrimary, "rc1"),
            record(Some("us-west-2"), RawRouting::FailoverSecondary, "rc1"),
        ],
        ..RawDiscovery::default()
    };
    let d = infer(raw);
    assert!(matches!(&d.gates[C1], Gate::Unknown(w) if w.contains("us-east-1, us-west-2")));
}

#[test]
fn calculated_check_loops_end() {
    let raw = RawDiscovery {
        arc: arc(),
        health_checks: vec![
            RawHealthCheck::Calculated {
                id: "x".into(),
                children: vec!["y".into()],
            },
            RawHealthCheck::Calculated {
                id: "y".into(),
                children: vec!["x".into(), "rc1".into()],
            },
            rc("rc1", C1),
        ],
        records: vec![record(Some("us-east-1"), RawRouting::FailoverPrimary, "x")],
        ..RawDiscovery::default()
    };
    assert_eq!(infer(raw).gates[C1], Gate::Region("us-east-1".into()));
}

#[test]
fn aurora_writer_decides_roles_without_records_and_replica_arns_give_the_source_region() {
    let raw = RawDiscovery {
        arc: arc(),
        global_clusters: vec![RawGlobalCluster {
            id: "orders-global".into(),
            members: vec![
                ("arn:aws:rds:us-west-2:1:cluster:orders-usw2".into(), false),
                ("arn:aws:rds:us-east-1:1:cluster:orders-use1".into(), true),
            ],
        }],
        replicas: vec![RawReplica {
            region: "us-west-2".into(),
            instance_id: "ledger-usw2".into(),
            source: "arn:aws:rds:us-east-1:1:db:ledger-use1".into(),
        }],
        ..RawDiscovery::default()
    };
    let d = infer(raw);
    assert_eq!(d.aurora[0].members[0].region, "us-east-1", "writer first");
    assert_eq!(d.regions[0].name, "us-east-1");
    assert_eq!(d.regions[0].role, Ok(Role::Primary));
    assert_eq!(d.regions[1].role, Ok(Role::Secondary));
    assert_eq!(d.replicas[0].primary.region, "us-east-1");
    assert_eq!(d.replicas[0].primary.instance_id, "ledger-use1");
}
