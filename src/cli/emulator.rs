//! `drconsole emulator`: runs the simulated twin alone and prints its endpoints.

use crate::cli::EmulatorArgs;
use crate::config::Environment;
use crate::emulator::scenario::Scenario;
use crate::emulator::{self, EmulatorOptions};
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// What `drconsole emulator --endpoints-file F` writes, so that `run`, `status` and
/// the console in other processes can use this twin (`--twin-endpoints F`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwinEndpoints {
    pub aws_endpoint_url: String,
    pub arc_endpoint_urls: Vec<String>,
    /// When the twin's simulated clock started (simulated and wall time agreed).
    pub sim_start: DateTime<Utc>,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// The request log as JSON (GET).
    pub requests_url: String,
    /// The game-day control (GET lists, POST injects); empty in files written by a
    /// twin that had none.
    #[serde(default)]
    pub faults_url: String,
    pub pid: u32,
}

impl TwinEndpoints {
    pub fn of(twin: &emulator::Emulator) -> Self {
        let (sim_start, speed) = twin.clock();
        TwinEndpoints {
            aws_endpoint_url: twin.aws_endpoint_url(),
            arc_endpoint_urls: twin.arc_endpoint_urls(),
            sim_start,
            speed,
            requests_url: format!(
                "{}{}",
                twin.aws_endpoint_url(),
                emulator::server::REQUESTS_PATH
            ),
            faults_url: format!(
                "{}{}",
                twin.aws_endpoint_url(),
                emulator::server::FAULTS_PATH
            ),
            pid: std::process::id(),
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            crate::config::read_input_file(path).context("cannot read the twin endpoints file")?;
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not a twin endpoints file", path.display()))
    }

    /// Written whole or not at all (a reader never sees half a file).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let tmp = path.with_extension("tmp");
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    }
}

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
    if let Some(path) = &args.endpoints_file {
        TwinEndpoints::of(&twin).write(path)?;
    }
    wait_for_signal().await?;
    twin.shutdown();
    if let Some(path) = &args.endpoints_file {
        let _ = std::fs::remove_file(path);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Endpoints files written before the game-day control existed still load.
    #[test]
    fn an_endpoints_file_without_faults_url_still_loads() {
        let old = r#"{"aws_endpoint_url":"http://127.0.0.1:1","arc_endpoint_urls":[],
            "sim_start":"2026-11-27T12:00:00Z","speed":1.0,
            "requests_url":"http://127.0.0.1:1/_drconsole/requests","pid":1}"#;
        let ep: TwinEndpoints = serde_json::from_str(old).expect("an old file loads");
        assert_eq!(ep.faults_url, "");
    }
}
