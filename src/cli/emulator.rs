//! `drconsole emulator`: runs the simulated twin alone and prints its endpoints.

use crate::cli::EmulatorArgs;
use crate::config::Environment;
use crate::emulator::scenario::Scenario;
use crate::emulator::{self, EmulatorOptions};
use anyhow::Context;
use std::io::Write;

pub fn run(args: EmulatorArgs) -> anyhow::Result<i32> {
    let env = match &args.env {
        Some(path) => Environment::load(path)?,
        None => Environment::builtin_default()?,
    };
    let scenario = Scenario::load(&args.scenario, &env)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(env, args, scenario))
}

async fn serve(env: Environment, args: EmulatorArgs, scenario: Scenario) -> anyhow::Result<i32> {
    let opts = EmulatorOptions {
        seed: args.seed,
        speed: args.speed,
        scenario: Some(scenario),
        port: args.port,
    };
    let twin = emulator::start(&env, opts).await?;
    print_endpoints(&twin, &env).context("cannot print the endpoints")?;
    wait_for_signal().await?;
    twin.shutdown();
    Ok(0)
}

fn print_endpoints(twin: &emulator::Emulator, env: &Environment) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "AWS_ENDPOINT_URL={}", twin.aws_endpoint_url())?;
    for (i, (url, ep)) in twin
        .arc_endpoint_urls()
        .iter()
        .zip(&env.arc.endpoints)
        .enumerate()
    {
        writeln!(out, "ARC_ENDPOINT_{}={url} {}", i + 1, ep.region)?;
    }
    out.flush()
}

#[cfg(unix)]
async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("cannot watch SIGINT")?,
        _ = term.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> anyhow::Result<()> {
    tokio::signal::ctrl_c().await.context("cannot watch Ctrl-C")
}
