//! The twin's wire front ends, seen from outside.
//!
//! * `drconsole emulator` driven by boto3 and the AWS CLI (`tests/wire_check.py`): the
//!   answers parse in clients this project does not control.
//! * Raw HTTP/1.1 over a TCP socket: malformed bodies, unknown operations, black holes.
//! * The Rust SDK in rpcv2Cbor (CloudWatch) and awsJson1_0 (ARC) against the in-process
//!   emulator.

use drconsole::config::Environment;
use drconsole::emulator::scenario::{Fault, ImpairMode};
use drconsole::emulator::{self, Emulator, EmulatorOptions, Listener, RequestOutcome};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous: only here so a broken twin fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(20);
/// How long a black-holed request is given before we call it hung.
const HANG_PROBE: Duration = Duration::from_millis(1500);

fn sign(region: &str, service: &str) -> String {
    format!(
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDTWIN/20261127/{region}/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000\r\n"
    )
}

// ---------------------------------------------------------------- the real binary

/// Kills the emulator however the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `drconsole emulator --seed 7` and reads its six endpoint lines.
/// The built-in environment plus a composite Region-health alarm in us-west-2, so
/// boto3 can check DescribeAlarms' AlarmTypes (issue 8 §3).
fn wire_env_file() -> std::path::PathBuf {
    let text = drconsole::config::DEFAULT_ENV.replace(
        "alarms: [orders-api-5xx-usw2, orders-api-latency-usw2]",
        "alarms: [orders-api-5xx-usw2, orders-api-latency-usw2, orders-region-health-usw2]",
    );
    assert_ne!(
        text,
        drconsole::config::DEFAULT_ENV,
        "default env changed shape"
    );
    let path = std::env::temp_dir().join(format!("drconsole-wire-env-{}.yaml", std::process::id()));
    std::fs::write(&path, text).expect("write the wire-check environment");
    path
}

fn spawn_emulator() -> (Running, String, Vec<(String, String)>) {
    let env_file = wire_env_file();
    let child = Command::new(env!("CARGO_BIN_EXE_drconsole"))
        .args(["emulator", "--seed", "7", "--env"])
        .arg(&env_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start drconsole emulator");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().take(6) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut lines = Vec::new();
    for _ in 0..6 {
        let line = rx
            .recv_timeout(NO_HANG)
            .expect("the emulator printed its endpoints")
            .expect("readable stdout");
        lines.push(line);
    }
    let main = lines[0]
        .strip_prefix("AWS_ENDPOINT_URL=")
        .unwrap_or_else(|| panic!("first line is AWS_ENDPOINT_URL=…, got {:?}", lines[0]))
        .to_string();
    let arcs = lines[1..]
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let rest = l
                .strip_prefix(&format!("ARC_ENDPOINT_{}=", i + 1))
                .unwrap_or_else(|| panic!("ARC endpoint line, got {l:?}"));
            let (url, region) = rest.split_once(' ').expect("URL and Region");
            (url.to_string(), region.to_string())
        })
        .collect();
    (running, main, arcs)
}

#[test]
fn boto3_and_the_aws_cli_accept_the_twins_answers() {
    let boto3 = Command::new("python3")
        .args(["-c", "import boto3"])
        .status()
        .is_ok_and(|s| s.success());
    let cli = Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        boto3 && cli,
        "boto3 and the AWS CLI are needed for the wire-faithfulness test: run .ci/test-deps.sh"
    );

    let (_running, main, arcs) = spawn_emulator();
    let regions: Vec<&str> = arcs.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        regions,
        [
            "us-east-1",
            "ap-northeast-1",
            "ap-southeast-2",
            "eu-west-1",
            "us-west-2"
        ],
        "ARC endpoints in the environment's order"
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wire_check.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(&main);
    for (url, region) in &arcs {
        cmd.arg(url).arg(region);
    }
    // No profile or metadata lookups may leak into the check.
    cmd.env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    let out = cmd.output().expect("run wire_check.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "wire_check.py failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("0 failure(s)"), "{stdout}");
}

// ---------------------------------------------------------------- raw HTTP

async fn twin() -> Emulator {
    let env = Environment::builtin_default().expect("built-in environment");
    emulator::start(
        &env,
        EmulatorOptions {
            seed: 7,
            speed: 1.0,
            scenario: None,
            port: 0,
        },
    )
    .await
    .expect("start the twin")
}

fn host_of(url: &str) -> &str {
    url.trim_start_matches("http://")
}

fn post(path: &str, extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: twin\r\nConnection: close\r\n{extra_headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

/// Sends one request and reads until the server closes; Err(()) when no byte arrives
/// within `wait`.
async fn exchange(url: &str, request: &[u8], wait: Duration) -> Result<Vec<u8>, ()> {
    let mut stream = TcpStream::connect(host_of(url)).await.expect("connect");
    stream.write_all(request).await.expect("send");
    let mut buf = Vec::new();
    match tokio::time::timeout(wait, stream.read_to_end(&mut buf)).await {
        Ok(_) => Ok(buf),
        Err(_) => Err(()),
    }
}

struct Http {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Http {
    fn parse(raw: &[u8]) -> Http {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("an HTTP response, got {:?}", String::from_utf8_lossy(raw)));
        let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status code");
        Http {
            status,
            head,
            body: raw[split + 4..].to_vec(),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn has_request_id(&self) -> bool {
        self.head.contains("x-amzn-requestid: ")
    }
}

async fn call(url: &str, request: Vec<u8>) -> Http {
    let raw = exchange(url, &request, NO_HANG)
        .await
        .expect("the twin answers");
    Http::parse(&raw)
}

#[tokio::test]
async fn malformed_bodies_get_400_in_each_protocols_shape() {
    let twin = twin().await;
    let main = twin.aws_endpoint_url();
    let arc = &twin.arc_endpoint_urls()[0];

    // ARC, awsJson1_0.
    let headers = format!(
        "X-Amz-Target: ToggleCustomerAPI.GetRoutingControlState\r\n{}",
        sign("us-east-1", "route53-recovery-cluster")
    );
    let r = call(arc, post("/", &headers, b"{not json")).await;
    assert_eq!(r.status, 400);
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON error body");
    assert_eq!(v["__type"], "SerializationException");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(r.head.contains("x-amzn-errortype: serializationexception"));
    assert!(r.has_request_id());

    // CloudWatch, rpcv2Cbor.
    let headers = format!(
        "Content-Type: application/cbor\r\nSmithy-Protocol: rpc-v2-cbor\r\n{}",
        sign("us-west-2", "monitoring")
    );
    let path = "/service/GraniteServiceVersion20100801/operation/GetMetricData";
    let r = call(&main, post(path, &headers, &[0xff, 0x13, 0x37])).await;
    assert_eq!(r.status, 400);
    let v: ciborium::Value = ciborium::from_reader(&r.body[..]).expect("CBOR error body");
    let ty = v
        .as_map()
        .and_then(|m| m.iter().find(|(k, _)| k.as_text() == Some("__type")))
        .and_then(|(_, v)| v.as_text())
        .map(str::to_string);
    assert_eq!(
        ty.as_deref(),
        Some("com.amazonaws.cloudwatch#SerializationException")
    );
    assert!(r.has_request_id());

    // RDS, awsQuery.
    let headers = format!(
        "Content-Type: application/x-www-form-urlencoded\r\n{}",
        sign("us-east-1", "rds")
    );
    let r = call(
        &main,
        post("/", &headers, b"Action=DescribeGlobalClusters&X=%zz"),
    )
    .await;
    assert_eq!(r.status, 400);
    let text = r.text();
    assert!(text.contains("<ErrorResponse"), "{text}");
    assert!(text.contains("<Code>MalformedQueryString</Code>"), "{text}");
    assert!(text.contains("<Type>Sender</Type>"), "{text}");
}

#[tokio::test]
async fn unknown_operations_get_each_protocols_error() {
    let twin = twin().await;
    let main = twin.aws_endpoint_url();
    let arc = &twin.arc_endpoint_urls()[2];

    let form = format!(
        "Content-Type: application/x-www-form-urlencoded\r\n{}",
        sign("us-east-1", "rds")
    );
    let r = call(
        &main,
        post("/", &form, b"Action=DescribeNothing&Version=2014-10-31"),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("<Code>InvalidAction</Code>"),
        "{}",
        r.text()
    );
    assert!(r.text().contains("<RequestId>"), "{}", r.text());

    let headers = format!(
        "X-Amz-Target: ToggleCustomerAPI.DeleteEverything\r\n{}",
        sign("ap-southeast-2", "route53-recovery-cluster")
    );
    let r = call(arc, post("/", &headers, b"{}")).await;
    assert_eq!(r.status, 400);
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON error");
    assert_eq!(v["__type"], "UnknownOperationException");

    let headers = format!(
        "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: GraniteServiceVersion20100801.PutMetricData\r\n{}",
        sign("us-east-1", "monitoring")
    );
    let r = call(&main, post("/", &headers, b"{}")).await;
    assert_eq!(r.status, 400);
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON error");
    assert_eq!(v["__type"], "UnknownOperationException");

    // The twin is still serving after all that.
    let r = call(&main, post("/", &form, b"Action=DescribeGlobalClusters")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("<GlobalClusterIdentifier>orders-global<"));
}

fn sts_request(region: &str) -> Vec<u8> {
    let headers = format!(
        "Content-Type: application/x-www-form-urlencoded\r\n{}",
        sign(region, "sts")
    );
    post(
        "/",
        &headers,
        b"Action=GetCallerIdentity&Version=2011-06-15",
    )
}

#[tokio::test]
async fn an_impaired_region_hangs_and_others_still_answer() {
    let twin = twin().await;
    let main = twin.aws_endpoint_url();
    twin.inject(Fault::RegionImpaired {
        region: "us-west-2".into(),
        mode: ImpairMode::Hang,
    });

    let hung = exchange(&main, &sts_request("us-west-2"), HANG_PROBE).await;
    assert!(hung.is_err(), "a us-west-2 request must hang, got {hung:?}");

    let ok = call(&main, sts_request("us-east-1")).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.text().contains("<Account>111122223333</Account>"));

    // The ARC endpoint that lives in us-west-2 is dark too; the us-east-1 one is not.
    let urls = twin.arc_endpoint_urls();
    let get = |region: &str| {
        let headers = format!(
            "X-Amz-Target: ToggleCustomerAPI.ListRoutingControls\r\n{}",
            sign(region, "route53-recovery-cluster")
        );
        post("/", &headers, b"{}")
    };
    assert!(
        exchange(&urls[4], &get("us-west-2"), HANG_PROBE)
            .await
            .is_err()
    );
    assert_eq!(call(&urls[0], get("us-east-1")).await.status, 200);

    let log = twin.requests();
    assert!(log.iter().any(|r| r.region == "us-west-2"
        && r.operation == "GetCallerIdentity"
        && r.outcome == RequestOutcome::Hung
        && r.listener == Listener::Main));
    assert!(
        log.iter()
            .any(|r| r.listener == Listener::Arc(4) && r.outcome == RequestOutcome::Hung)
    );
}

#[tokio::test]
async fn a_dropping_region_closes_the_connection_without_a_reply() {
    let twin = twin().await;
    let main = twin.aws_endpoint_url();
    twin.inject(Fault::RegionImpaired {
        region: "us-east-1".into(),
        mode: ImpairMode::Drop,
    });
    let raw = exchange(&main, &sts_request("us-east-1"), NO_HANG)
        .await
        .expect("the connection is closed, not held");
    assert!(
        raw.is_empty(),
        "no response bytes, got {:?}",
        String::from_utf8_lossy(&raw)
    );
    assert!(
        twin.requests()
            .iter()
            .any(|r| r.region == "us-east-1" && r.outcome == RequestOutcome::Dropped)
    );

    twin.inject(Fault::RegionRecovered {
        region: "us-east-1".into(),
    });
    assert_eq!(call(&main, sts_request("us-east-1")).await.status, 200);
}

#[tokio::test]
async fn a_down_endpoint_hangs_alone() {
    let twin = twin().await;
    twin.inject(Fault::EndpointDown { index: 3 });
    let urls = twin.arc_endpoint_urls();
    let list = |region: &str| {
        let headers = format!(
            "X-Amz-Target: ToggleCustomerAPI.ListRoutingControls\r\n{}",
            sign(region, "route53-recovery-cluster")
        );
        post("/", &headers, b"{}")
    };
    // Endpoint 3 (1-based, as scenarios count) is listener index 2.
    assert!(
        exchange(&urls[2], &list("ap-southeast-2"), HANG_PROBE)
            .await
            .is_err()
    );
    assert_eq!(call(&urls[1], list("ap-northeast-1")).await.status, 200);
}

#[tokio::test]
async fn arc_endpoints_refuse_requests_signed_for_another_region() {
    let twin = twin().await;
    let headers = format!(
        "X-Amz-Target: ToggleCustomerAPI.ListRoutingControls\r\n{}",
        sign("us-west-2", "route53-recovery-cluster")
    );
    let r = call(&twin.arc_endpoint_urls()[0], post("/", &headers, b"{}")).await;
    assert_eq!(r.status, 403);
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON error");
    assert_eq!(v["__type"], "InvalidSignatureException");
}

// ---------------------------------------------------------------- the Rust SDK

fn credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new("AKIDTWIN", "twin-secret", None, None, "test")
}

#[tokio::test]
async fn the_rust_sdk_reads_cloudwatch_in_cbor() {
    use aws_sdk_cloudwatch::primitives::DateTime;
    use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, StatusCode};

    let twin = twin().await;
    let conf = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudwatch::config::Region::new("us-west-2"))
        .endpoint_url(twin.aws_endpoint_url())
        .credentials_provider(credentials())
        .build();
    let cw = aws_sdk_cloudwatch::Client::from_conf(conf);
    let now = std::time::SystemTime::now();
    let metric = Metric::builder()
        .namespace("AWS/RDS")
        .metric_name("AuroraGlobalDBReplicationLag")
        .dimensions(
            Dimension::builder()
                .name("DBClusterIdentifier")
                .value("orders-usw2")
                .build(),
        )
        .build();
    let query = MetricDataQuery::builder()
        .id("lag")
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(60)
                .stat("Average")
                .build(),
        )
        .build();
    let out = cw
        .get_metric_data()
        .metric_data_queries(query)
        .start_time(DateTime::from(now - Duration::from_secs(600)))
        .end_time(DateTime::from(now + Duration::from_secs(60)))
        .send()
        .await
        .expect("GetMetricData over rpcv2Cbor");
    let r = &out.metric_data_results()[0];
    assert_eq!(r.id(), Some("lag"));
    assert_eq!(r.status_code(), Some(&StatusCode::Complete));
    assert!(!r.values().is_empty());
    assert_eq!(r.values().len(), r.timestamps().len());

    let alarms = cw
        .describe_alarms()
        .alarm_names("orders-api-latency-usw2")
        .send()
        .await
        .expect("DescribeAlarms over rpcv2Cbor");
    let names: Vec<_> = alarms
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name())
        .collect();
    assert_eq!(names, ["orders-api-latency-usw2"]);
}

#[tokio::test]
async fn the_rust_sdk_sees_arc_conflicts_and_rds_faults() {
    let twin = twin().await;
    let arc_url = twin.arc_endpoint_urls()[0].clone();
    let conf = aws_sdk_route53recoverycluster::Config::builder()
        .behavior_version(aws_sdk_route53recoverycluster::config::BehaviorVersion::latest())
        .region(aws_sdk_route53recoverycluster::config::Region::new(
            "us-east-1",
        ))
        .endpoint_url(arc_url)
        .credentials_provider(credentials())
        .build();
    let arc = aws_sdk_route53recoverycluster::Client::from_conf(conf);
    let env = Environment::builtin_default().expect("env");
    let use1 = &env.control_by_name("cell-us-east-1").expect("control").arn;
    let err = arc
        .update_routing_control_state()
        .routing_control_arn(use1)
        .routing_control_state(aws_sdk_route53recoverycluster::types::RoutingControlState::Off)
        .send()
        .await
        .expect_err("turning the last On control off is refused");
    let svc = err.into_service_error();
    assert!(svc.is_conflict_exception(), "{svc:?}");
    let rule_arn = &env.arc.rules[0].rule.arn;
    assert!(svc.to_string().contains(rule_arn.as_str()), "{svc}");

    let conf = aws_sdk_rds::Config::builder()
        .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
        .region(aws_sdk_rds::config::Region::new("us-west-2"))
        .endpoint_url(twin.aws_endpoint_url())
        .credentials_provider(credentials())
        .build();
    let rds = aws_sdk_rds::Client::from_conf(conf);
    let out = rds
        .describe_global_clusters()
        .global_cluster_identifier("orders-global")
        .send()
        .await
        .expect("DescribeGlobalClusters");
    let members = out.global_clusters()[0].global_cluster_members();
    assert_eq!(
        members
            .iter()
            .filter(|m| m.is_writer() == Some(true))
            .count(),
        1
    );
    let err = rds
        .describe_global_clusters()
        .global_cluster_identifier("nope")
        .send()
        .await
        .expect_err("unknown id");
    assert!(err.into_service_error().is_global_cluster_not_found_fault());
}

#[tokio::test]
async fn throttling_endpoints_and_injected_errors_answer_in_shape() {
    use drconsole::emulator::scenario::FaultService;

    let twin = twin().await;
    twin.inject(Fault::EndpointThrottling { index: 2 });
    let headers = format!(
        "X-Amz-Target: ToggleCustomerAPI.ListRoutingControls\r\n{}",
        sign("ap-northeast-1", "route53-recovery-cluster")
    );
    let r = call(&twin.arc_endpoint_urls()[1], post("/", &headers, b"{}")).await;
    assert_eq!(r.status, 429);
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON error");
    assert_eq!(v["__type"], "ThrottlingException");
    assert!(r.head.contains("x-amzn-errortype: throttlingexception"));

    twin.inject(Fault::ApiErrorRate {
        service: FaultService::Sts,
        region: "us-east-1".into(),
        rate: 1.0,
    });
    let r = call(&twin.aws_endpoint_url(), sts_request("us-east-1")).await;
    assert_eq!(r.status, 500);
    assert!(r.text().contains("<Type>Receiver</Type>"), "{}", r.text());
    assert!(
        r.text().contains("<Code>InternalFailure</Code>"),
        "{}",
        r.text()
    );
    // Another Region is untouched.
    assert_eq!(
        call(&twin.aws_endpoint_url(), sts_request("us-west-2"))
            .await
            .status,
        200
    );
}

// ---------------------------------------------------------------- clients that leave

/// An UpdateRoutingControlStates setting `cell-us-west-2` On, for ARC endpoint
/// `region`, as raw awsJson1_0.
fn open_west_cell(region: &str) -> (Vec<u8>, String) {
    let env = Environment::builtin_default().expect("built-in environment");
    let arn = env
        .control_by_name("cell-us-west-2")
        .expect("control")
        .arn
        .clone();
    let body = serde_json::json!({
        "UpdateRoutingControlStateEntries": [
            { "RoutingControlArn": arn, "RoutingControlState": "On" }
        ]
    })
    .to_string();
    let headers = format!(
        "Content-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: ToggleCustomerAPI.UpdateRoutingControlStates\r\n{}",
        sign(region, "route53-recovery-cluster")
    );
    (post("/", &headers, body.as_bytes()), arn)
}

/// Sends a request, waits `stay`, then hangs up without reading anything.
async fn send_and_leave(url: &str, request: &[u8], stay: Duration) {
    let mut stream = TcpStream::connect(host_of(url)).await.expect("connect");
    stream.write_all(request).await.expect("send");
    tokio::time::sleep(stay).await;
    drop(stream);
}

fn west_cell_state(twin: &Emulator, arn: &str) -> String {
    twin.with_world(|w| format!("{:?}", w.arc_get(arn).expect("control").state))
}

/// Waits (bounded) for a record of `op` on `listener` that is not `Hung`.
async fn settled_record(
    twin: &Emulator,
    listener: Listener,
    op: &str,
) -> drconsole::emulator::RequestRecord {
    let started = std::time::Instant::now();
    loop {
        if let Some(r) = twin
            .requests()
            .into_iter()
            .find(|r| r.listener == listener && r.operation == op)
        {
            return r;
        }
        assert!(
            started.elapsed() < NO_HANG,
            "no record of {op} on {listener:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Issue 8 §6: a client that hangs up while the twin delays its request gets it
/// applied or not as the fault says, and logged either way. During a cold
/// connection's accept delay the request has not reached the service: not applied.
/// During the reply delay it has: applied, though nobody reads the answer. (What the
/// twin chose to model, not a statement about AWS, which documents neither.)
#[tokio::test]
async fn a_client_that_leaves_during_a_delay_gets_what_the_fault_says_and_is_logged() {
    let twin = twin().await;
    let urls = twin.arc_endpoint_urls();
    let leave_after = Duration::from_millis(200);

    // Endpoint 2 (ap-northeast-1): slow to accept. The client leaves first.
    twin.inject(Fault::EndpointLatency {
        index: 2,
        accept_ms: 1200,
        reply_ms: 0,
    });
    let (req, arn) = open_west_cell("ap-northeast-1");
    send_and_leave(&urls[1], &req, leave_after).await;
    let rec = settled_record(&twin, Listener::Arc(1), "UpdateRoutingControlStates").await;
    assert_eq!(rec.outcome, RequestOutcome::ClientLeft { status: None });
    assert!(!rec.applied());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(west_cell_state(&twin, &arn), "Off", "not applied");
    assert_eq!(
        twin.requests()
            .iter()
            .filter(|r| r.listener == Listener::Arc(1))
            .count(),
        1,
        "logged once, never handled later"
    );

    // Endpoint 3 (ap-southeast-2): slow to reply. The call lands all the same.
    twin.inject(Fault::EndpointLatency {
        index: 3,
        accept_ms: 0,
        reply_ms: 1200,
    });
    let (req, _) = open_west_cell("ap-southeast-2");
    send_and_leave(&urls[2], &req, leave_after).await;
    let rec = settled_record(&twin, Listener::Arc(2), "UpdateRoutingControlStates").await;
    assert_eq!(
        rec.outcome,
        RequestOutcome::ClientLeft { status: Some(200) }
    );
    assert!(rec.applied());
    assert_eq!(west_cell_state(&twin, &arn), "On", "applied");
}

/// The answer-lost fault: the call is applied, the connection closes without a byte,
/// and the log (in process and over loopback) says it was applied.
#[tokio::test]
async fn an_applied_call_whose_answer_is_lost_is_logged_as_applied() {
    let twin = twin().await;
    let urls = twin.arc_endpoint_urls();
    twin.inject(Fault::EndpointAnswerLost { index: 1 });
    let (req, arn) = open_west_cell("us-east-1");
    let raw = exchange(&urls[0], &req, NO_HANG)
        .await
        .expect("the connection is closed, not held");
    assert!(raw.is_empty(), "{:?}", String::from_utf8_lossy(&raw));
    assert_eq!(west_cell_state(&twin, &arn), "On");
    let rec = settled_record(&twin, Listener::Arc(0), "UpdateRoutingControlStates").await;
    assert_eq!(rec.outcome, RequestOutcome::AppliedAnswerLost);
    assert!(rec.applied());

    // Reads are answered: only mutating calls lose their answer.
    let headers = format!(
        "X-Amz-Target: ToggleCustomerAPI.ListRoutingControls\r\n{}",
        sign("us-east-1", "route53-recovery-cluster")
    );
    assert_eq!(call(&urls[0], post("/", &headers, b"{}")).await.status, 200);

    let log = call(
        &twin.aws_endpoint_url(),
        format!(
            "GET {} HTTP/1.1\r\nHost: twin\r\nConnection: close\r\n\r\n",
            emulator::server::REQUESTS_PATH
        )
        .into_bytes(),
    )
    .await;
    let log: Vec<serde_json::Value> = serde_json::from_slice(&log.body).expect("JSON log");
    let lost = log
        .iter()
        .find(|r| r["operation"] == "UpdateRoutingControlStates")
        .expect("logged");
    assert_eq!(lost["outcome"], "applied_answer_lost");
    assert_eq!(lost["applied"], true);

    // Recovery ends it.
    twin.inject(Fault::EndpointRecovered { index: 1 });
    assert_eq!(call(&urls[0], req).await.status, 200);
}

// ---------------------------------------------------------------- game-day control

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: twin\r\nConnection: close\r\n\r\n").into_bytes()
}

fn faults_doc(r: &Http) -> drconsole::emulator::scenario::FaultsDoc {
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.head.contains("content-type: application/json"),
        "{}",
        r.head
    );
    serde_json::from_slice(&r.body).expect("a faults document")
}

/// Issue 7 §7: `GET /_drconsole/faults` lists the catalogue and the faults in force;
/// `POST` injects one (Region aliases resolved) and answers with the new active list;
/// a bad body gets 400 and one line saying why.
#[tokio::test]
async fn the_faults_control_lists_injects_and_clears_over_http() {
    use drconsole::emulator::FAULTS_PATH;

    let twin = twin().await;
    let url = twin.aws_endpoint_url();
    let r = call(&url, get(FAULTS_PATH)).await;
    let doc = faults_doc(&r);
    assert!(doc.active.is_empty(), "{:?}", doc.active);
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    assert_eq!(
        v["catalogue"][0]["fault"]["region_impaired"]["region"],
        "us-east-1"
    );
    assert!(v["catalogue"][0]["label"].is_string());
    assert_eq!(v["active"], serde_json::json!([]));
    assert!(doc.catalogue.iter().any(|e| e.fault
        == Fault::HealthCheckFailing {
            health_check: "hc-orders-use1".into()
        }));

    let json = "Content-Type: application/json\r\n";
    let forced = br#"{"alarm_forced":{"region":"primary","alarm":"orders-api-5xx-use1"}}"#;
    let doc = faults_doc(&call(&url, post(FAULTS_PATH, json, forced)).await);
    assert_eq!(doc.active.len(), 1, "{:?}", doc.active);
    assert_eq!(
        doc.active[0].label,
        "Alarm orders-api-5xx-use1 (us-east-1) held in ALARM"
    );
    assert_eq!(
        doc.active[0].clear,
        Fault::AlarmReleased {
            region: "us-east-1".into(),
            alarm: "orders-api-5xx-use1".into()
        }
    );
    // The same world, seen through GET and through the in-process handle.
    assert_eq!(
        faults_doc(&call(&url, get(FAULTS_PATH)).await).active,
        doc.active
    );
    assert_eq!(twin.active_faults(), doc.active);

    let clear = serde_json::to_vec(&doc.active[0].clear).expect("JSON");
    let doc = faults_doc(&call(&url, post(FAULTS_PATH, json, &clear)).await);
    assert!(doc.active.is_empty(), "{:?}", doc.active);

    for bad in [
        &b"not json"[..],
        br#"{"region_impaired":{"region":"mars-1"}}"#,
        br#"{"alarm_forced":{"region":"us-east-1","alarm":"no-such-alarm"}}"#,
    ] {
        let r = call(&url, post(FAULTS_PATH, json, bad)).await;
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(r.text().trim_end().lines().count(), 1, "{}", r.text());
    }
    assert!(twin.active_faults().is_empty());
}

/// An ARC endpoint set to fail answers InternalServerException with HTTP 500, as the
/// Routing Control (Recovery Cluster) API Reference lists for every data-plane action
/// (e.g. UpdateRoutingControlState, Errors: "InternalServerException … HTTP Status
/// Code: 500"); the other endpoints still answer.
#[tokio::test]
async fn an_arc_5xx_fault_answers_internal_server_exception_500() {
    use drconsole::emulator::FAULTS_PATH;

    let twin = twin().await;
    let url = twin.aws_endpoint_url();
    let doc = faults_doc(&call(&url, get(FAULTS_PATH)).await);
    let fails = doc
        .catalogue
        .iter()
        .find(|e| e.label.starts_with("ARC endpoint 2 (ap-northeast-1) fails"))
        .expect("a 5xx entry per endpoint");
    let body = serde_json::to_vec(&fails.fault).expect("JSON");
    let json = "Content-Type: application/json\r\n";
    let doc = faults_doc(&call(&url, post(FAULTS_PATH, json, &body)).await);
    assert_eq!(
        doc.active[0].label,
        "ARC 5xx in ap-northeast-1 (100 % of calls)"
    );

    let arc = |region: &str| {
        let headers = format!(
            "X-Amz-Target: ToggleCustomerAPI.ListRoutingControls\r\n{}",
            sign(region, "route53-recovery-cluster")
        );
        post("/", &headers, b"{}")
    };
    let r = call(&twin.arc_endpoint_urls()[1], arc("ap-northeast-1")).await;
    assert_eq!(r.status, 500, "{}", r.text());
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON error");
    assert_eq!(v["__type"], "InternalServerException");
    let r = call(&twin.arc_endpoint_urls()[2], arc("ap-southeast-2")).await;
    assert_eq!(r.status, 200, "{}", r.text());
}
