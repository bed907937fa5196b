//! ARC Recovery Control Configuration (restJson1) and Route 53 (restXml) through the
//! real SDK crates, raw clients with no provider in between, against a twin process
//! on loopback: every read the twin serves, pagination with one item per page, the
//! documented errors, and the `arc_config_drift` fault seen on both ARC APIs.

#[path = "support/twin_process.rs"]
mod twin_process;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_route53::types::{HealthCheckType, ResourceRecordSetFailover, RrType};
use aws_sdk_route53recoverycontrolconfig::types::{Rule, RuleType, Status};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::time::Duration;
use twin_process::TwinProcess;

const CLUSTER: &str =
    "arn:aws:route53-recovery-control::111122223333:cluster/7d2b1c4e-90aa-4b3e-8f11-3c5e2a9d0f01";
const PANEL: &str =
    "arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d";
const CONTROL_USE1: &str = "arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/routingcontrol/a1b2c3d4e5f60718";
const RULE: &str = "arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/safetyrule/c3d4e5f607182930";

fn sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    let creds = Credentials::new("AKIDTWIN", "twin-secret", None, None, "control-config");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .endpoint_url(endpoint)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(5))
                .build(),
        )
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build()
}

/// The control-config API is served by AWS in us-west-2 only: sign for it.
fn control_config(twin: &TwinProcess) -> aws_sdk_route53recoverycontrolconfig::Client {
    aws_sdk_route53recoverycontrolconfig::Client::new(&sdk_config(
        &twin.endpoints.aws_endpoint_url,
        "us-west-2",
    ))
}

/// Route 53 is global, signed for us-east-1.
fn route53(twin: &TwinProcess) -> aws_sdk_route53::Client {
    aws_sdk_route53::Client::new(&sdk_config(&twin.endpoints.aws_endpoint_url, "us-east-1"))
}

/// Every routing control of the panel, one per page (ListRoutingControls).
async fn control_names(cc: &aws_sdk_route53recoverycontrolconfig::Client) -> Vec<String> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = cc
            .list_routing_controls()
            .control_panel_arn(PANEL)
            .max_results(1)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("ListRoutingControls");
        pages += 1;
        assert!(out.routing_controls().len() <= 1);
        names.extend(
            out.routing_controls()
                .iter()
                .filter_map(|c| c.name().map(str::to_string)),
        );
        token = out.next_token().map(str::to_string);
        if token.is_none() || pages > 10 {
            break;
        }
    }
    names
}

async fn first_rule_wait(cc: &aws_sdk_route53recoverycontrolconfig::Client) -> Option<i32> {
    let out = cc
        .list_safety_rules()
        .control_panel_arn(PANEL)
        .send()
        .await
        .expect("ListSafetyRules");
    let rule = out.safety_rules().first().expect("a rule");
    match (rule.assertion(), rule.gating()) {
        (Some(a), _) => a.wait_period_ms(),
        (_, Some(g)) => g.wait_period_ms(),
        _ => panic!("unexpected rule {rule:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_config_reads_pages_errors_and_drift_through_the_sdk() {
    let twin = TwinProcess::start("calm", 1.0);
    let cc = control_config(&twin);

    // DescribeCluster: the environment file's endpoint URLs, not the loopback ones.
    let cluster = cc
        .describe_cluster()
        .cluster_arn(CLUSTER)
        .send()
        .await
        .expect("DescribeCluster");
    let c = cluster.cluster().expect("cluster");
    assert_eq!(c.status(), Some(&Status::Deployed));
    assert_eq!(c.owner(), Some("111122223333"));
    let endpoints: Vec<(String, String)> = c
        .cluster_endpoints()
        .iter()
        .map(|e| {
            (
                e.region().unwrap_or_default().to_string(),
                e.endpoint().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(endpoints.len(), 5);
    assert_eq!(
        endpoints[0],
        (
            "us-east-1".to_string(),
            "https://host-dr7a1c.us-east-1.example.aws/v1".to_string()
        )
    );

    let err = cc
        .describe_cluster()
        .cluster_arn("arn:aws:route53-recovery-control::111122223333:cluster/nope")
        .send()
        .await
        .expect_err("unknown cluster");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{err:?}"
    );

    let clusters = cc.list_clusters().send().await.expect("ListClusters");
    assert_eq!(clusters.clusters().len(), 1);

    let panels = cc
        .list_control_panels()
        .cluster_arn(CLUSTER)
        .send()
        .await
        .expect("ListControlPanels");
    let p = panels.control_panels().first().expect("one panel");
    assert_eq!(
        (
            p.name(),
            p.routing_control_count(),
            p.default_control_panel()
        ),
        (Some("orders-cells"), Some(2), Some(false))
    );
    let panel = cc
        .describe_control_panel()
        .control_panel_arn(PANEL)
        .send()
        .await
        .expect("DescribeControlPanel");
    assert_eq!(
        panel.control_panel().and_then(|p| p.cluster_arn()),
        Some(CLUSTER)
    );

    // Pages of one, then the validation error for MaxResults 0.
    assert_eq!(
        control_names(&cc).await,
        ["cell-us-east-1", "cell-us-west-2"]
    );
    let err = cc
        .list_routing_controls()
        .control_panel_arn(PANEL)
        .max_results(0)
        .send()
        .await
        .expect_err("MaxResults 0");
    assert_eq!(err.code(), Some("ValidationException"));

    let rc = cc
        .describe_routing_control()
        .routing_control_arn(CONTROL_USE1)
        .send()
        .await
        .expect("DescribeRoutingControl");
    assert_eq!(
        rc.routing_control().and_then(|r| r.name()),
        Some("cell-us-east-1")
    );
    let hcs = cc
        .list_associated_route53_health_checks()
        .routing_control_arn(CONTROL_USE1)
        .send()
        .await
        .expect("ListAssociatedRoute53HealthChecks");
    assert_eq!(hcs.health_check_ids().len(), 1);

    let rules = cc
        .list_safety_rules()
        .control_panel_arn(PANEL)
        .send()
        .await
        .expect("ListSafetyRules");
    let Some(a) = rules.safety_rules().first().and_then(Rule::assertion) else {
        panic!("an assertion rule: {rules:?}");
    };
    assert_eq!(a.safety_rule_arn(), Some(RULE));
    assert_eq!(a.asserted_controls().len(), 2);
    assert_eq!(a.asserted_controls()[0], CONTROL_USE1);
    let cfg = a.rule_config().expect("rule config");
    assert_eq!(
        (cfg.r#type(), cfg.threshold(), cfg.inverted()),
        (Some(&RuleType::Atleast), Some(1), Some(false))
    );
    assert_eq!(a.wait_period_ms(), Some(5000));
    let described = cc
        .describe_safety_rule()
        .safety_rule_arn(RULE)
        .send()
        .await
        .expect("DescribeSafetyRule");
    assert_eq!(
        described.assertion_rule().and_then(|r| r.name()),
        Some("at-least-one-cell-on")
    );
    let err = cc
        .list_safety_rules()
        .control_panel_arn(format!("{PANEL}ff"))
        .send()
        .await
        .expect_err("unknown panel");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));

    // The drift fault changes what the control plane answers, and the data plane too.
    twin.inject(serde_json::json!({ "arc_config_drift": {} }));
    assert_eq!(
        control_names(&cc).await,
        ["cell-us-east-1", "cell-us-west-2", "drift-added-control"]
    );
    assert_eq!(first_rule_wait(&cc).await, Some(6000));
    let arc = aws_sdk_route53recoverycluster::Client::new(&sdk_config(
        &twin.endpoints.arc_endpoint_urls[0],
        "us-east-1",
    ));
    let data = arc
        .list_routing_controls()
        .control_panel_arn(PANEL)
        .send()
        .await
        .expect("data-plane ListRoutingControls");
    let added = data
        .routing_controls()
        .iter()
        .find(|c| c.routing_control_name() == Some("drift-added-control"))
        .expect("the data plane sees the added control");
    assert_eq!(
        added.routing_control_state(),
        Some(&aws_sdk_route53recoverycluster::types::RoutingControlState::Off)
    );
    assert!(
        added
            .routing_control_arn()
            .is_some_and(|a| a.starts_with(&format!("{PANEL}/routingcontrol/")))
    );

    twin.inject(serde_json::json!({ "arc_config_drift_reverted": {} }));
    assert_eq!(
        control_names(&cc).await,
        ["cell-us-east-1", "cell-us-west-2"]
    );
    assert_eq!(first_rule_wait(&cc).await, Some(5000));

    // Reads are logged with their operation names and never as mutations.
    let log = twin.requests();
    let ops: Vec<&str> = log
        .iter()
        .filter(|r| r["service"] == "ArcControlConfig")
        .filter_map(|r| r["operation"].as_str())
        .collect();
    for op in [
        "DescribeCluster",
        "ListClusters",
        "ListControlPanels",
        "DescribeControlPanel",
        "ListRoutingControls",
        "DescribeRoutingControl",
        "ListAssociatedRoute53HealthChecks",
        "ListSafetyRules",
        "DescribeSafetyRule",
    ] {
        assert!(ops.contains(&op), "{op} in {ops:?}");
    }
    assert!(
        log.iter()
            .filter(|r| r["service"] == "ArcControlConfig")
            .all(|r| r["mutating"] == false)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route53_zones_records_and_health_checks_through_the_sdk() {
    let twin = TwinProcess::start("calm", 1.0);
    let r53 = route53(&twin);

    let zones = r53
        .list_hosted_zones()
        .max_items(1)
        .send()
        .await
        .expect("ListHostedZones");
    assert!(!zones.is_truncated());
    let zone = zones.hosted_zones().first().expect("one zone");
    assert_eq!(zone.name(), "orders-prod-twin.twin.example.");
    assert!(zone.id().starts_with("/hostedzone/Z"), "{}", zone.id());
    let got = r53
        .get_hosted_zone()
        .id(zone.id())
        .send()
        .await
        .expect("GetHostedZone");
    assert_eq!(
        got.delegation_set().map(|d| d.name_servers().len()),
        Some(4)
    );

    // Record sets one per page, following NextRecordName / Type / Identifier.
    let mut records = Vec::new();
    let mut next: Option<(String, RrType, Option<String>)> = None;
    for _ in 0..10 {
        let mut req = r53
            .list_resource_record_sets()
            .hosted_zone_id(zone.id())
            .max_items(1);
        if let Some((n, t, i)) = &next {
            req = req
                .start_record_name(n)
                .start_record_type(t.clone())
                .set_start_record_identifier(i.clone());
        }
        let out = req.send().await.expect("ListResourceRecordSets");
        assert_eq!(out.resource_record_sets().len(), 1);
        records.extend(out.resource_record_sets().iter().cloned());
        if !out.is_truncated() {
            break;
        }
        next = Some((
            out.next_record_name().expect("NextRecordName").to_string(),
            out.next_record_type().expect("NextRecordType").clone(),
            out.next_record_identifier().map(str::to_string),
        ));
    }
    let kinds: Vec<(RrType, Option<&str>)> = records
        .iter()
        .map(|r| (r.r#type().clone(), r.set_identifier()))
        .collect();
    assert_eq!(
        kinds,
        [
            (RrType::Ns, None),
            (RrType::Soa, None),
            (RrType::A, Some("us-east-1")),
            (RrType::A, Some("us-west-2")),
        ]
    );
    assert_eq!(
        records[2].failover(),
        Some(&ResourceRecordSetFailover::Primary)
    );
    assert_eq!(
        records[3].failover(),
        Some(&ResourceRecordSetFailover::Secondary)
    );
    let calculated = records[2].health_check_id().expect("HealthCheckId");

    let err = r53
        .list_resource_record_sets()
        .hosted_zone_id("ZNOSUCHZONE")
        .send()
        .await
        .expect_err("unknown zone");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_hosted_zone()),
        "{err:?}"
    );

    // Health checks one per page by marker.
    let mut checks = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..20 {
        let out = r53
            .list_health_checks()
            .max_items(1)
            .set_marker(marker.clone())
            .send()
            .await
            .expect("ListHealthChecks");
        checks.extend(out.health_checks().iter().cloned());
        if !out.is_truncated() {
            break;
        }
        marker = out.next_marker().map(str::to_string);
    }
    assert_eq!(checks.len(), 6);
    let rc: Vec<&str> = checks
        .iter()
        .filter_map(|h| h.health_check_config())
        .filter(|c| c.r#type() == &HealthCheckType::RecoveryControl)
        .filter_map(|c| c.routing_control_arn())
        .collect();
    assert!(rc.contains(&CONTROL_USE1), "{rc:?}");

    let https = r53
        .get_health_check()
        .health_check_id("hc-orders-use1")
        .send()
        .await
        .expect("GetHealthCheck");
    let cfg = https
        .health_check()
        .and_then(|h| h.health_check_config())
        .expect("config");
    assert_eq!(cfg.r#type(), &HealthCheckType::Https);
    assert_eq!(cfg.port(), Some(443));
    assert_eq!(cfg.resource_path(), Some("/health"));
    assert_eq!(
        cfg.fully_qualified_domain_name(),
        Some("us-east-1.orders-prod-twin.twin.example")
    );

    let calc = r53
        .get_health_check()
        .health_check_id(calculated)
        .send()
        .await
        .expect("GetHealthCheck calculated");
    let cfg = calc
        .health_check()
        .and_then(|h| h.health_check_config())
        .expect("config");
    assert_eq!(cfg.r#type(), &HealthCheckType::Calculated);
    assert_eq!(cfg.health_threshold(), Some(2));
    assert!(
        cfg.child_health_checks()
            .contains(&"hc-orders-use1".to_string())
    );

    let err = r53
        .get_health_check()
        .health_check_id("no-such-check")
        .send()
        .await
        .expect_err("unknown check");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_health_check()),
        "{err:?}"
    );

    let log = twin.requests();
    let ops: Vec<&str> = log
        .iter()
        .filter(|r| r["service"] == "Route53")
        .filter_map(|r| r["operation"].as_str())
        .collect();
    for op in [
        "ListHostedZones",
        "GetHostedZone",
        "ListResourceRecordSets",
        "ListHealthChecks",
        "GetHealthCheck",
    ] {
        assert!(ops.contains(&op), "{op} in {ops:?}");
    }
}
