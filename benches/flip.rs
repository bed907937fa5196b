//! Time to complete a routing-control flip with 4 of the 5 ARC cluster endpoints dark
//! (issue 8 §4): `UpdateRoutingControlStates` through the production provider and the
//! real AWS SDK, against the twin on loopback, with the production timeouts
//! (`ProviderConfig::default()`: connect 2 s, attempt 4 s, operation 10 s).
//!
//! Endpoints 1, 2, 4 and 5 are black holes (they accept and never answer, as an
//! unreachable Region does); endpoint 3 answers. Two cases:
//! - **cold**: a new provider that knows nothing of the endpoints (a console just
//!   started, or the first call after a long quiet spell). The update first races one
//!   read on every endpoint and starts where the first answer came from.
//! - **after one poll**: the provider has read the control once (as the monitor's poll
//!   does), so its endpoint book already knows which endpoint answers.
//!
//! The twin admits three mutating calls per second per endpoint (its `RateWindow`),
//! so flips are paced 400 ms apart; the pause is not measured. The safety rule's wait
//! period runs on the twin's simulated clock, which runs 1000× here, so it never
//! refuses a flip. Each flip alternates `cell-us-west-2` On and Off (the other cell
//! stays On, so `at-least-one-cell-on` holds).
//!
//! Not criterion: with the pacing, criterion's sampling would take many minutes for a
//! figure of a few milliseconds. This prints p50/p99/max over `FLIPS` flips per case.
//! `cargo bench --bench flip`; `cargo bench --bench flip -- --test` runs two flips per
//! case as a smoke check.

use drconsole::config::Environment;
use drconsole::emulator::scenario::Fault;
use drconsole::emulator::{self, Emulator, EmulatorOptions};
use drconsole::model::ControlState;
use drconsole::provider::{ControlUpdate, MutatingRequest, Provider, ProviderConfig, Target};
use std::time::{Duration, Instant};

const FLIPS: usize = 40;
/// Above the twin's three mutating calls per second per endpoint.
const PACE: Duration = Duration::from_millis(400);
/// The one endpoint (1-based, as scenarios number them) left answering.
const LIVE_ENDPOINT: usize = 3;
const CONTROL: &str = "cell-us-west-2";

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

async fn twin(env: &Environment) -> BenchResult<Emulator> {
    let opts = EmulatorOptions {
        seed: 11,
        speed: 1000.0,
        scenario: None,
        port: 0,
    };
    let emu = emulator::start(env, opts).await?;
    for index in (1..=5).filter(|i| *i != LIVE_ENDPOINT) {
        emu.inject(Fault::EndpointDown { index });
    }
    Ok(emu)
}

async fn provider(env: &Environment, emu: &Emulator) -> BenchResult<Provider> {
    let target = Target::Twin {
        aws_endpoint_url: emu.aws_endpoint_url(),
        arc_endpoint_urls: emu.arc_endpoint_urls(),
    };
    Ok(Provider::connect(env, target, ProviderConfig::default(), false).await?)
}

fn flip(env: &Environment, n: usize) -> BenchResult<MutatingRequest> {
    let c = env
        .control_by_name(CONTROL)
        .ok_or("the built-in environment has no cell-us-west-2")?;
    let state = if n.is_multiple_of(2) {
        ControlState::On
    } else {
        ControlState::Off
    };
    Ok(MutatingRequest::UpdateRoutingControlStates {
        updates: vec![ControlUpdate {
            name: c.name.clone(),
            arn: c.arn.clone(),
            state,
        }],
        overrides: Vec::new(),
    })
}

/// Times one flip; an error is a failed benchmark, not a slow one.
async fn timed_flip(p: &Provider, call: &MutatingRequest) -> BenchResult<Duration> {
    let started = Instant::now();
    let out = p.mutate(call).await?;
    let took = started.elapsed();
    if out.endpoint != Some(LIVE_ENDPOINT - 1) {
        return Err(format!("answered by {}, not the live endpoint", out.answered_by).into());
    }
    Ok(took)
}

async fn cold(env: &Environment, emu: &Emulator, flips: usize) -> BenchResult<Vec<Duration>> {
    let mut times = Vec::with_capacity(flips);
    for n in 0..flips {
        let p = provider(env, emu).await?;
        times.push(timed_flip(&p, &flip(env, n)?).await?);
        tokio::time::sleep(PACE).await;
    }
    Ok(times)
}

async fn after_one_poll(
    env: &Environment,
    emu: &Emulator,
    flips: usize,
) -> BenchResult<Vec<Duration>> {
    let c = env
        .control_by_name(CONTROL)
        .ok_or("the built-in environment has no cell-us-west-2")?;
    let mut times = Vec::with_capacity(flips);
    for n in 0..flips {
        let p = provider(env, emu).await?;
        // The poll: one read, as the monitor does each tick (not measured).
        p.get_routing_control_state(&c.arn).await?;
        times.push(timed_flip(&p, &flip(env, n)?).await?);
        tokio::time::sleep(PACE).await;
    }
    Ok(times)
}

fn report(case: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "flip, 4 of 5 ARC endpoints dark, production timeouts, {case}: \
         p50 {:?}  p99 {:?}  max {:?}  ({} flips)",
        at(0.50),
        at(0.99),
        at(1.0),
        times.len()
    );
}

fn main() -> BenchResult<()> {
    let smoke = std::env::args().any(|a| a == "--test");
    let flips = if smoke { 2 } else { FLIPS };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let env = Environment::builtin_default()?;
        let emu = twin(&env).await?;
        report("cold", cold(&env, &emu, flips).await?);
        report("after one poll", after_one_poll(&env, &emu, flips).await?);
        Ok(())
    })
}
