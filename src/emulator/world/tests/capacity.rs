//! Auto Scaling groups and ECS services: capacity arrives after its launch time, leaves
//! on scale-in, stays away while the Region is short of it, and the size rules hold.

use super::{step, world};
use crate::emulator::scenario::Fault;
use crate::emulator::world::{
    AsgSizeChange, AsgView, CapacityError, INSTANCE_LAUNCH_S, INSTANCE_TERMINATE_S, LifecycleState,
    TASK_START_S, TASK_STOP_S, TwinWorld,
};

const USE1: &str = "us-east-1";
const USW2: &str = "us-west-2";
const WEB_USE1: &str = "orders-web-use1";
const WEB_USW2: &str = "orders-web-usw2";

fn group(w: &TwinWorld, region: &str, name: &str) -> AsgView {
    w.asg_describe(region, &[name.to_string()])
        .pop()
        .expect("group exists")
}

/// How many instances of the group are in each state: (Pending, InService, Terminating).
fn states(w: &TwinWorld, region: &str, name: &str) -> (usize, usize, usize) {
    let g = group(w, region, name);
    let count = |s| {
        g.instances
            .iter()
            .filter(|i| i.lifecycle_state == s)
            .count()
    };
    (
        count(LifecycleState::Pending),
        count(LifecycleState::InService),
        count(LifecycleState::Terminating),
    )
}

fn validation_text(e: CapacityError) -> String {
    match e {
        CapacityError::AsgValidation(m) => m,
        other => panic!("expected ValidationError, got {other:?}"),
    }
}

#[test]
fn groups_start_at_their_initial_capacity_in_service() {
    let w = world(1);
    let g = group(&w, USE1, WEB_USE1);
    assert_eq!((g.min_size, g.max_size, g.desired_capacity), (0, 12, 6));
    assert_eq!(states(&w, USE1, WEB_USE1), (0, 6, 0));
    assert!(g.instances.iter().all(|i| i.instance_id.starts_with("i-0")
        && i.instance_id.len() == 19
        && i.availability_zone.starts_with(USE1)));
    assert!(g.arn.starts_with("arn:aws:autoscaling:us-east-1:"));
    assert!(g.arn.ends_with(":autoScalingGroupName/orders-web-use1"));
    assert_eq!(group(&w, USW2, WEB_USW2).instances.len(), 0);
    // A group lives in its own Region only; unknown names are absent, not an error.
    assert!(w.asg_describe(USW2, &[WEB_USE1.to_string()]).is_empty());
    assert_eq!(w.asg_describe(USE1, &[]).len(), 1);
}

#[test]
fn instance_ids_are_the_same_for_the_same_seed() {
    let ids = |w: &TwinWorld| -> Vec<String> {
        group(w, USE1, WEB_USE1)
            .instances
            .into_iter()
            .map(|i| i.instance_id)
            .collect()
    };
    assert_eq!(ids(&world(5)), ids(&world(5)));
    assert_ne!(ids(&world(5)), ids(&world(6)));
}

#[test]
fn new_instances_come_into_service_after_their_warm_up_not_before() {
    let mut w = world(2);
    w.asg_set_desired(USW2, WEB_USW2, 3).expect("within max");
    assert_eq!(group(&w, USW2, WEB_USW2).desired_capacity, 3);
    assert_eq!(states(&w, USW2, WEB_USW2), (3, 0, 0));
    // The launch time is drawn on the next tick and is at least the shortest launch.
    step(&mut w, INSTANCE_LAUNCH_S.0);
    assert_eq!(states(&w, USW2, WEB_USW2), (3, 0, 0));
    step(&mut w, INSTANCE_LAUNCH_S.1 - INSTANCE_LAUNCH_S.0 + 1);
    assert_eq!(states(&w, USW2, WEB_USW2), (0, 3, 0));
}

#[test]
fn scale_in_terminates_the_surplus_and_it_leaves() {
    let mut w = world(3);
    w.asg_set_desired(USE1, WEB_USE1, 2).expect("within min");
    assert_eq!(states(&w, USE1, WEB_USE1), (0, 2, 4));
    step(&mut w, INSTANCE_TERMINATE_S - 1);
    assert_eq!(states(&w, USE1, WEB_USE1), (0, 2, 4));
    step(&mut w, 1);
    assert_eq!(states(&w, USE1, WEB_USE1), (0, 2, 0));
}

#[test]
fn scale_in_retires_instances_still_pending_first() {
    let mut w = world(3);
    w.asg_set_desired(USE1, WEB_USE1, 8).expect("within max");
    w.asg_set_desired(USE1, WEB_USE1, 6).expect("within max");
    assert_eq!(states(&w, USE1, WEB_USE1), (0, 6, 2));
}

#[test]
fn desired_outside_min_and_max_is_a_validation_error() {
    let mut w = world(4);
    let e = w
        .asg_set_desired(USE1, WEB_USE1, 13)
        .expect_err("above max");
    assert_eq!(
        validation_text(e),
        "New SetDesiredCapacity value 13 is above max value 12 for the AutoScalingGroup."
    );
    let e = w
        .asg_update(
            USE1,
            WEB_USE1,
            AsgSizeChange {
                desired_capacity: Some(20),
                ..AsgSizeChange::default()
            },
        )
        .expect_err("above max");
    assert_eq!(
        validation_text(e),
        "Desired capacity:20 must be between the specified min size:0 and max size:12"
    );
    let e = w
        .asg_update(
            USE1,
            WEB_USE1,
            AsgSizeChange {
                min_size: Some(5),
                max_size: Some(3),
                desired_capacity: None,
            },
        )
        .expect_err("min above max");
    assert!(matches!(e, CapacityError::AsgValidation(_)));
    let e = w
        .asg_set_desired(USE1, "no-such-group", 1)
        .expect_err("unknown");
    assert!(validation_text(e).starts_with("AutoScalingGroup name not found"));
    // Nothing refused changed anything.
    assert_eq!(group(&w, USE1, WEB_USE1).desired_capacity, 6);
}

#[test]
fn update_sizes_follow_the_documented_rules() {
    let mut w = world(4);
    let min_only = AsgSizeChange {
        min_size: Some(8),
        ..AsgSizeChange::default()
    };
    w.asg_update(USE1, WEB_USE1, min_only).expect("valid");
    let g = group(&w, USE1, WEB_USE1);
    assert_eq!((g.min_size, g.max_size, g.desired_capacity), (8, 12, 8));
    let max_only = AsgSizeChange {
        min_size: Some(0),
        max_size: Some(4),
        desired_capacity: None,
    };
    w.asg_update(USE1, WEB_USE1, max_only).expect("valid");
    let g = group(&w, USE1, WEB_USE1);
    assert_eq!((g.min_size, g.max_size, g.desired_capacity), (0, 4, 4));
    let grow = AsgSizeChange {
        max_size: Some(20),
        desired_capacity: Some(15),
        min_size: None,
    };
    w.asg_update(USE1, WEB_USE1, grow).expect("valid");
    assert_eq!(group(&w, USE1, WEB_USE1).desired_capacity, 15);
}

#[test]
fn a_capacity_shortage_holds_capacity_back_until_it_is_released() {
    let mut w = world(5);
    w.inject(&Fault::CapacityShortage {
        region: "secondary".into(),
        duration: None,
    });
    w.asg_set_desired(USW2, WEB_USW2, 4).expect("valid");
    let svc = w
        .ecs_update_service(USW2, Some("orders-usw2"), "orders-worker", Some(4))
        .expect("service");
    assert_eq!((svc.running_count, svc.pending_count), (1, 3));
    step(&mut w, 10 * 60);
    assert_eq!(states(&w, USW2, WEB_USW2), (4, 0, 0));
    let svc = w
        .ecs_describe_services(USW2, Some("orders-usw2"), &["orders-worker".into()])
        .expect("cluster")
        .services;
    assert_eq!((svc[0].running_count, svc[0].pending_count), (1, 3));
    // The primary's capacity is untouched.
    w.asg_set_desired(USE1, WEB_USE1, 7).expect("valid");
    step(&mut w, INSTANCE_LAUNCH_S.1 + 1);
    assert_eq!(states(&w, USE1, WEB_USE1), (0, 7, 0));

    let active = w.active_faults();
    assert_eq!(active.len(), 1, "{active:?}");
    w.inject(&active[0].clear);
    // Launches start counting once capacity is back, so nothing arrives at once.
    step(&mut w, 1);
    assert_eq!(states(&w, USW2, WEB_USW2), (4, 0, 0));
    step(&mut w, INSTANCE_LAUNCH_S.1 + 1);
    assert_eq!(states(&w, USW2, WEB_USW2), (0, 4, 0));
    let svc = w
        .ecs_describe_services(USW2, Some("orders-usw2"), &["orders-worker".into()])
        .expect("cluster")
        .services;
    assert_eq!((svc[0].running_count, svc[0].pending_count), (4, 0));
}

#[test]
fn a_capacity_shortage_with_a_duration_ends_by_itself() {
    let mut w = world(6);
    w.inject(&Fault::CapacityShortage {
        region: USW2.into(),
        duration: Some("5m".into()),
    });
    assert_eq!(w.active_faults().len(), 1);
    step(&mut w, 5 * 60);
    assert!(w.active_faults().is_empty(), "{:?}", w.active_faults());
}

#[test]
fn ecs_running_follows_desired() {
    let mut w = world(7);
    let cluster = Some("orders-use1");
    let d = w
        .ecs_describe_services(USE1, cluster, &["orders-worker".into()])
        .expect("cluster");
    let s = &d.services[0];
    assert_eq!(
        (s.desired_count, s.running_count, s.pending_count),
        (4, 4, 0)
    );
    assert_eq!(s.status, "ACTIVE");
    assert!(s.arn.ends_with(":service/orders-use1/orders-worker"));

    let s = w
        .ecs_update_service(USE1, cluster, "orders-worker", Some(6))
        .expect("service");
    assert_eq!(
        (s.desired_count, s.running_count, s.pending_count),
        (6, 4, 2)
    );
    step(&mut w, TASK_START_S.1 + 1);
    let s = w
        .ecs_update_service(USE1, cluster, &s.arn, None)
        .expect("by ARN");
    assert_eq!((s.running_count, s.pending_count), (6, 0));

    let s = w
        .ecs_update_service(USE1, cluster, "orders-worker", Some(1))
        .expect("service");
    assert_eq!((s.desired_count, s.running_count), (1, 6));
    step(&mut w, TASK_STOP_S);
    let d = w
        .ecs_describe_services(USE1, cluster, &["orders-worker".into()])
        .expect("cluster");
    assert_eq!(d.services[0].running_count, 1);
}

#[test]
fn ecs_unknown_names_are_missing_or_not_found() {
    let mut w = world(8);
    let d = w
        .ecs_describe_services(USE1, Some("orders-use1"), &["nope".into()])
        .expect("cluster exists");
    assert!(d.services.is_empty());
    assert_eq!(d.missing.len(), 1);
    assert!(d.missing[0].ends_with(":service/orders-use1/nope"));
    let e = w
        .ecs_describe_services(USE1, Some("orders-usw2"), &["orders-worker".into()])
        .expect_err("that cluster is in us-west-2");
    assert!(matches!(e, CapacityError::ClusterNotFound(_)));
    let e = w
        .ecs_update_service(USE1, Some("orders-use1"), "nope", Some(2))
        .expect_err("unknown service");
    assert!(matches!(e, CapacityError::ServiceNotFound(_)));
}
