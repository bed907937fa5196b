//! Golden AWS replies (tests/fixtures/aws/, sources in each file and its README),
//! served over loopback, parsed by the real AWS SDK and classified by drconsole's
//! provider (`from_sdk_mutating`, the path every mutating call's error takes).
//!
//! These check drconsole against AWS's documented shapes, not against the twin: the
//! bodies come from Smithy's AWS protocol tests and the API references, never from the
//! twin's encoder.

use aws_credential_types::Credentials;
use aws_sdk_route53recoverycluster::types::{RoutingControlState, UpdateRoutingControlStateEntry};
use aws_smithy_types::retry::RetryConfig;
use bytes::Bytes;
use drconsole::provider::ProviderError;
use drconsole::provider::error::{from_sdk_mutating, request_id};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::Path;

#[derive(Debug, Deserialize)]
struct Golden {
    source: String,
    call: String,
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
    expect: BTreeMap<String, serde_json::Value>,
}

fn load(name: &str) -> Golden {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/aws")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let g: Golden = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    assert!(
        !g.source.trim().is_empty(),
        "{name}: every fixture names its source"
    );
    g
}

/// Answers every request with the fixture's reply; returns its URL.
async fn serve(g: &Golden) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (status, headers, body) = (g.status, g.headers.clone(), g.body.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (headers, body) = (headers.clone(), body.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |_req| {
                    let mut resp = hyper::Response::new(Full::new(Bytes::from(body.clone())));
                    *resp.status_mut() = hyper::StatusCode::from_u16(status).expect("status");
                    for (k, v) in &headers {
                        resp.headers_mut().insert(
                            hyper::header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                            hyper::header::HeaderValue::from_str(v).expect("value"),
                        );
                    }
                    // AWS sends the request id in a header too; the body's must win
                    // where the protocol puts it in the body (awsQuery).
                    async move { Ok::<_, Infallible>(resp) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

fn creds() -> Credentials {
    Credentials::new("AKIDEXAMPLE", "secret", None, None, "golden")
}

/// What the classifier made of the fixture's reply to its call.
async fn classify(g: &Golden) -> (ProviderError, Option<String>) {
    let url = serve(g).await;
    match g.call.as_str() {
        "arc-update" => {
            let conf = aws_sdk_route53recoverycluster::Config::builder()
                .behavior_version_latest()
                .region(aws_sdk_route53recoverycluster::config::Region::new(
                    "us-west-2",
                ))
                .credentials_provider(creds())
                .endpoint_url(&url)
                .retry_config(RetryConfig::disabled())
                .build();
            let client = aws_sdk_route53recoverycluster::Client::from_conf(conf);
            let entry = UpdateRoutingControlStateEntry::builder()
                .routing_control_arn("arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/routingcontrol/b2c3d4e5f6071829")
                .routing_control_state(RoutingControlState::On)
                .build()
                .expect("entry");
            let err = client
                .update_routing_control_states()
                .update_routing_control_state_entries(entry)
                .send()
                .await
                .expect_err("the fixture is an error");
            let rid = request_id(&err);
            (from_sdk_mutating(err, "UpdateRoutingControlStates"), rid)
        }
        "rds-failover" => {
            let conf = aws_sdk_rds::Config::builder()
                .behavior_version_latest()
                .region(aws_sdk_rds::config::Region::new("us-west-2"))
                .credentials_provider(creds())
                .endpoint_url(&url)
                .retry_config(RetryConfig::disabled())
                .build();
            let client = aws_sdk_rds::Client::from_conf(conf);
            let err = client
                .failover_global_cluster()
                .global_cluster_identifier("orders-global")
                .target_db_cluster_identifier(
                    "arn:aws:rds:us-west-2:111122223333:cluster:orders-usw2",
                )
                .allow_data_loss(true)
                .send()
                .await
                .expect_err("the fixture is an error");
            let rid = request_id(&err);
            (from_sdk_mutating(err, "FailoverGlobalCluster"), rid)
        }
        other => panic!("unknown call {other}"),
    }
}

fn text(g: &Golden, key: &str) -> Option<String> {
    g.expect
        .get(key)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn variant(e: &ProviderError) -> &'static str {
    match e {
        ProviderError::SafetyRule { .. } => "SafetyRule",
        ProviderError::Conflict { .. } => "Conflict",
        ProviderError::Throttled { .. } => "Throttled",
        ProviderError::Unavailable { .. } => "Unavailable",
        ProviderError::Refused { .. } => "Refused",
        ProviderError::NotFound { .. } => "NotFound",
        ProviderError::InvalidState { .. } => "InvalidState",
        ProviderError::OutcomeUnknown { .. } => "OutcomeUnknown",
        ProviderError::Timeout { .. } => "Timeout",
        ProviderError::Unreachable { .. } => "Unreachable",
        _ => "other",
    }
}

fn code(e: &ProviderError) -> Option<&str> {
    match e {
        ProviderError::Throttled { code, .. }
        | ProviderError::Unavailable { code, .. }
        | ProviderError::Refused { code, .. }
        | ProviderError::NotFound { code, .. }
        | ProviderError::InvalidState { code, .. } => Some(code),
        _ => None,
    }
}

async fn check(name: &str) {
    let g = load(name);
    let (err, rid) = classify(&g).await;
    assert_eq!(
        variant(&err),
        text(&g, "variant").expect("expect.variant").as_str(),
        "{name}: {err:?}"
    );
    // A service's verdict is never "may have landed": only a lost answer is.
    assert!(!err.is_outcome_unknown(), "{name}: {err:?}");
    if let Some(want) = text(&g, "code") {
        assert_eq!(code(&err), Some(want.as_str()), "{name}: {err:?}");
    }
    if let Some(want) = text(&g, "request_id") {
        assert_eq!(rid.as_deref(), Some(want.as_str()), "{name}");
    }
    if let Some(rules) = g.expect.get("rule_arns") {
        let want: Vec<String> = serde_json::from_value(rules.clone()).expect("rule_arns");
        match &err {
            ProviderError::SafetyRule { rule_arns, .. } => assert_eq!(rule_arns, &want),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn arc_conflict_naming_a_safety_rule_is_a_safety_rule_refusal() {
    check("arc-conflict-names-a-safety-rule").await;
}

#[tokio::test]
async fn arc_conflict_with_a_namespaced_type_and_no_rule_is_a_conflict() {
    check("arc-conflict-without-a-rule").await;
}

#[tokio::test]
async fn arc_throttling_named_by_the_error_type_header_with_a_uri() {
    check("arc-throttling-with-uri-header").await;
}

#[tokio::test]
async fn arc_internal_server_error_named_by_code_is_unavailable() {
    check("arc-internal-server-by-code").await;
}

#[tokio::test]
async fn arc_endpoint_temporarily_unavailable_ignores_a_nested_type() {
    check("arc-endpoint-unavailable-nested-type").await;
}

#[tokio::test]
async fn arc_validation_exception_is_refused_with_its_code() {
    check("arc-validation-refused").await;
}

#[tokio::test]
async fn rds_invalid_global_cluster_state_keeps_its_request_id() {
    check("rds-invalid-global-cluster-state").await;
}

#[tokio::test]
async fn rds_global_cluster_not_found_is_not_found() {
    check("rds-global-cluster-not-found").await;
}

#[tokio::test]
async fn rds_query_throttling_code_is_throttled() {
    check("rds-throttling").await;
}

/// The STS API reference's GetCallerIdentity example, read by the SDK: the identity
/// the console shows and binds approvals to comes out whole.
#[tokio::test]
async fn sts_get_caller_identity_documented_example_parses() {
    let g = load("sts-get-caller-identity");
    let url = serve(&g).await;
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version_latest()
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .credentials_provider(creds())
        .endpoint_url(&url)
        .build();
    let out = aws_sdk_sts::Client::from_conf(conf)
        .get_caller_identity()
        .send()
        .await
        .expect("the documented example parses");
    assert_eq!(out.account(), text(&g, "account").as_deref());
    assert_eq!(out.arn(), text(&g, "arn").as_deref());
}
