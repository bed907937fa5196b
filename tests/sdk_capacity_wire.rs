//! EC2 Auto Scaling (awsQuery) and Amazon ECS (awsJson1_1) through the real SDK crates,
//! raw clients with no provider in between, against a twin process on loopback.

#[path = "support/twin_process.rs"]
mod twin_process;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_autoscaling::types::LifecycleState;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::time::{Duration, Instant};
use twin_process::TwinProcess;

/// Simulated seconds per wall second: an instance's launch (at most 150 sim s) takes
/// about a second and a half.
const SPEED: f64 = 100.0;
/// Generous bound so a broken build fails instead of hanging; never a pass/fail timing.
const GIVE_UP: Duration = Duration::from_secs(60);

fn sdk_config(twin: &TwinProcess, region: &str) -> SdkConfig {
    let creds = Credentials::new("AKIDTWIN", "twin-secret", None, None, "capacity-wire");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .endpoint_url(twin.endpoints.aws_endpoint_url.clone())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(5))
                .build(),
        )
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build()
}

fn autoscaling(twin: &TwinProcess, region: &str) -> aws_sdk_autoscaling::Client {
    aws_sdk_autoscaling::Client::new(&sdk_config(twin, region))
}

fn ecs(twin: &TwinProcess, region: &str) -> aws_sdk_ecs::Client {
    aws_sdk_ecs::Client::new(&sdk_config(twin, region))
}

/// (desired, min, max, lifecycle states) of one group.
async fn group(
    asg: &aws_sdk_autoscaling::Client,
    name: &str,
) -> (i32, i32, i32, Vec<LifecycleState>) {
    let out = asg
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .expect("DescribeAutoScalingGroups");
    let g = out.auto_scaling_groups().first().expect("the group");
    let states = g
        .instances()
        .iter()
        .filter_map(|i| i.lifecycle_state().cloned())
        .collect();
    (
        g.desired_capacity().unwrap_or(-1),
        g.min_size().unwrap_or(-1),
        g.max_size().unwrap_or(-1),
        states,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_scaling_describe_update_and_validation_through_the_sdk() {
    let twin = TwinProcess::start("calm", SPEED);
    let use1 = autoscaling(&twin, "us-east-1");
    let (desired, min, max, states) = group(&use1, "orders-web-use1").await;
    assert_eq!((desired, min, max), (6, 0, 12));
    assert_eq!(states, vec![LifecycleState::InService; 6]);
    let all = use1
        .describe_auto_scaling_groups()
        .auto_scaling_group_names("no-such-group")
        .send()
        .await
        .expect("an unknown name is no error");
    assert!(all.auto_scaling_groups().is_empty());

    let usw2 = autoscaling(&twin, "us-west-2");
    usw2.update_auto_scaling_group()
        .auto_scaling_group_name("orders-web-usw2")
        .desired_capacity(3)
        .send()
        .await
        .expect("UpdateAutoScalingGroup");
    let (desired, _, _, states) = group(&usw2, "orders-web-usw2").await;
    assert_eq!(desired, 3);
    assert!(
        states.iter().all(|s| *s == LifecycleState::Pending),
        "{states:?}"
    );
    let started = Instant::now();
    loop {
        let (_, _, _, states) = group(&usw2, "orders-web-usw2").await;
        if states == vec![LifecycleState::InService; 3] {
            break;
        }
        assert!(started.elapsed() < GIVE_UP, "never InService: {states:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let err = usw2
        .set_desired_capacity()
        .auto_scaling_group_name("orders-web-usw2")
        .desired_capacity(13)
        .send()
        .await
        .expect_err("above MaxSize");
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("above max value 12"),
        "{err:?}"
    );
    let err = usw2
        .update_auto_scaling_group()
        .auto_scaling_group_name("no-such-group")
        .desired_capacity(1)
        .send()
        .await
        .expect_err("unknown group");
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");

    let mutations = twin.completed_mutations();
    assert_eq!(mutations, ["UpdateAutoScalingGroup"], "{mutations:?}");
    let flagged = twin.mutating_requests();
    assert!(
        flagged.contains(&"SetDesiredCapacity".to_string()),
        "{flagged:?}"
    );
    let log = twin.requests();
    assert!(log.iter().any(|r| r["service"] == "AutoScaling"
        && r["operation"] == "DescribeAutoScalingGroups"
        && r["mutating"] == false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecs_describe_and_update_service_through_the_sdk() {
    let twin = TwinProcess::start("calm", SPEED);
    let usw2 = ecs(&twin, "us-west-2");
    let out = usw2
        .describe_services()
        .cluster("orders-usw2")
        .services("orders-worker")
        .services("no-such-service")
        .send()
        .await
        .expect("DescribeServices");
    let s = out.services().first().expect("the service");
    assert_eq!(s.service_name(), Some("orders-worker"));
    assert_eq!(s.status(), Some("ACTIVE"));
    assert_eq!((s.desired_count(), s.running_count()), (1, 1));
    assert!(s.created_at().is_some());
    let failures = out.failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].reason(), Some("MISSING"));
    assert!(
        failures[0]
            .arn()
            .unwrap_or_default()
            .ends_with("service/orders-usw2/no-such-service")
    );

    let updated = usw2
        .update_service()
        .cluster("orders-usw2")
        .service("orders-worker")
        .desired_count(4)
        .send()
        .await
        .expect("UpdateService");
    let s = updated.service().expect("service");
    assert_eq!(
        (s.desired_count(), s.running_count(), s.pending_count()),
        (4, 1, 3)
    );
    let started = Instant::now();
    loop {
        let out = usw2
            .describe_services()
            .cluster("orders-usw2")
            .services("orders-worker")
            .send()
            .await
            .expect("DescribeServices");
        if out.services().first().map(|s| s.running_count()) == Some(4) {
            break;
        }
        assert!(started.elapsed() < GIVE_UP, "tasks never ran: {out:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let err = usw2
        .describe_services()
        .cluster("no-such-cluster")
        .services("orders-worker")
        .send()
        .await
        .expect_err("unknown cluster");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_cluster_not_found_exception()),
        "{err:?}"
    );
    let err = usw2
        .update_service()
        .cluster("orders-usw2")
        .service("no-such-service")
        .desired_count(1)
        .send()
        .await
        .expect_err("unknown service");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_service_not_found_exception()),
        "{err:?}"
    );
    assert_eq!(twin.completed_mutations(), ["UpdateService"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_calls_to_a_dark_region_fail_like_any_other_service() {
    let twin = TwinProcess::start("calm", SPEED);
    twin.inject(
        serde_json::json!({ "region_impaired": { "region": "us-west-2", "mode": "drop" } }),
    );
    let asg = autoscaling(&twin, "us-west-2")
        .describe_auto_scaling_groups()
        .send()
        .await;
    assert!(
        asg.as_ref().is_err_and(|e| e.as_service_error().is_none()),
        "{asg:?}"
    );
    let svc = ecs(&twin, "us-west-2")
        .describe_services()
        .cluster("orders-usw2")
        .services("orders-worker")
        .send()
        .await;
    assert!(
        svc.as_ref().is_err_and(|e| e.as_service_error().is_none()),
        "{svc:?}"
    );
    // The other Region answers.
    let (desired, _, _, _) = group(&autoscaling(&twin, "us-east-1"), "orders-web-use1").await;
    assert_eq!(desired, 6);

    // A shortage holds the new capacity in us-east-1 back.
    twin.inject(serde_json::json!({ "capacity_shortage": { "region": "us-east-1" } }));
    let use1 = autoscaling(&twin, "us-east-1");
    use1.set_desired_capacity()
        .auto_scaling_group_name("orders-web-use1")
        .desired_capacity(7)
        .send()
        .await
        .expect("SetDesiredCapacity");
    // Three times the longest launch, in wall time.
    tokio::time::sleep(Duration::from_secs_f64(3.0 * 150.0 / SPEED)).await;
    let (_, _, _, states) = group(&use1, "orders-web-use1").await;
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == LifecycleState::Pending)
            .count(),
        1,
        "{states:?}"
    );
}
