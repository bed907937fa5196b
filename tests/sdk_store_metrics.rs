//! DynamoDB global table and S3 replication metrics, read by the console's own
//! requests (`monitor::poll::store_metrics`) through the production provider and the
//! real AWS SDK, against the simulated twin on loopback.

use chrono::{DateTime, Utc};
use drconsole::config::Environment;
use drconsole::emulator::scenario::{Fault, ImpairMode};
use drconsole::emulator::{self, Emulator, EmulatorOptions, RequestOutcome};
use drconsole::monitor::poll::store_metrics;
use drconsole::monitor::table_link_key;
use drconsole::provider::{MetricPoints, Provider, ProviderConfig, ProviderError, Target};
use std::time::Duration;

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";

fn test_config() -> ProviderConfig {
    ProviderConfig {
        connect_timeout: Duration::from_millis(300),
        attempt_timeout: Duration::from_millis(500),
        operation_timeout: Duration::from_millis(1500),
        max_attempts: 2,
    }
}

async fn twin(speed: f64) -> (Environment, Emulator, Provider) {
    let env = Environment::builtin_default().expect("built-in environment");
    let opts = EmulatorOptions {
        seed: 11,
        speed,
        scenario: None,
        port: 0,
    };
    let emu = emulator::start(&env, opts).await.expect("emulator starts");
    let target = Target::Twin {
        aws_endpoint_url: emu.aws_endpoint_url(),
        arc_endpoint_urls: emu.arc_endpoint_urls(),
    };
    let provider = Provider::connect(&env, target, test_config(), true)
        .await
        .expect("provider");
    (env, emu, provider)
}

/// The console's store-metric reads in `region`, over the ten sim minutes before the
/// twin's now (which runs ahead of the wall clock when `speed` > 1).
async fn read(
    env: &Environment,
    emu: &Emulator,
    provider: &Provider,
    region: &str,
) -> Result<Vec<MetricPoints>, ProviderError> {
    let now: DateTime<Utc> = emu.with_world(|w| w.now());
    let plan = store_metrics(env, region, 60);
    provider
        .get_metric_data(
            region,
            &plan,
            now - chrono::Duration::minutes(10),
            now + chrono::Duration::minutes(1),
        )
        .await
}

/// The newest datapoint of the series the console keys `key`.
fn newest(points: &[MetricPoints], key: &str) -> f64 {
    let m = points
        .iter()
        .find(|p| p.key == key)
        .unwrap_or_else(|| panic!("no series keyed {key}: {points:?}"));
    m.points.last().map(|(_, v)| *v).expect("datapoints")
}

#[tokio::test]
async fn the_console_reads_dynamodb_and_s3_replication_metrics_from_the_twin() {
    let (env, emu, provider) = twin(1.0).await;
    let east = read(&env, &emu, &provider, EAST).await.expect("us-east-1");
    // One DynamoDB link out of us-east-1 and the three S3 metrics of its rule.
    assert_eq!(east.len(), 4, "{east:?}");
    for m in &east {
        assert!(m.points.len() >= 9, "{}: {:?}", m.key, m.points);
        assert!(m.incomplete.is_none(), "{m:?}");
    }
    let west = read(&env, &emu, &provider, WEST).await.expect("us-west-2");
    assert_eq!(west.len(), 1, "{west:?}");
    assert!(
        west[0]
            .points
            .iter()
            .all(|(_, v)| (300.0..=1500.0).contains(v)),
        "{west:?}"
    );
}

#[tokio::test]
async fn a_dynamodb_stall_out_of_one_region_reaches_the_console() {
    let (env, emu, provider) = twin(120.0).await;
    emu.inject(Fault::DynamodbReplicationStall {
        table: None,
        region: Some(EAST.into()),
        duration: None,
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let east = read(&env, &emu, &provider, EAST).await.expect("us-east-1");
    let west = read(&env, &emu, &provider, WEST).await.expect("us-west-2");
    let stalled = newest(&east, &table_link_key("carts", EAST, WEST));
    assert!(stalled > 60_000.0, "east to west: {stalled} ms");
    let calm = newest(&west, &table_link_key("carts", WEST, EAST));
    assert!(calm <= 1500.0, "west to east: {calm} ms");
}

#[tokio::test]
async fn a_dark_source_region_hides_its_replication_metrics() {
    let (env, emu, provider) = twin(1.0).await;
    emu.inject(Fault::RegionImpaired {
        region: EAST.into(),
        mode: ImpairMode::Hang,
    });
    let dark = read(&env, &emu, &provider, EAST).await;
    assert!(
        matches!(dark, Err(ProviderError::Timeout { .. })),
        "{dark:?}"
    );
    let west = read(&env, &emu, &provider, WEST).await.expect("us-west-2");
    assert!(!west[0].points.is_empty());
    assert!(emu.requests().iter().any(|r| r.region == EAST
        && r.operation == "GetMetricData"
        && r.outcome == RequestOutcome::Hung));
}
