//! Command-line interface: sub-commands and their arguments.

mod args;
pub mod completions;
pub mod console;
pub mod console_runbooks;
pub mod discover;
pub mod doctor;
pub mod emulator;
pub mod gameday;
pub mod journal;
pub mod out;
pub mod plan;
pub mod run;
pub mod status;
pub mod target;
pub mod validate;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "drconsole",
    version,
    about = "Terminal console for multi-Region disaster recovery on AWS",
    long_about = "Shows Region health, Aurora/RDS replication lag and ARC routing controls, \
                  and runs guarded runbooks. Without --env it runs against the built-in \
                  simulated twin."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options for the default `console` sub-command.
    #[command(flatten)]
    pub console: ConsoleArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The full-screen console (the default).
    Console(ConsoleArgs),
    /// Print one snapshot of the environment and exit (non-zero if anything is unknown or stale).
    Status(StatusArgs),
    /// Run the simulated twin alone, for boto3, the AWS CLI or another console.
    Emulator(EmulatorArgs),
    /// Check runbook files against the environment (non-zero exit on any error).
    Validate(validate::ValidateArgs),
    /// Print every step of a runbook and the exact API calls it would make (makes none).
    Plan(plan::PlanArgs),
    /// Journaled runs: list, show, export for the postmortem.
    Journal(journal::JournalArgs),
    /// Approve a run's approval step as a second operator (not the initiator).
    Approve(journal::ApproveArgs),
    /// Run a runbook headless: one line per step; exit 0 done, 1 failed or aborted, 2 error.
    Run(run::RunArgs),
    /// Read ARC, Route 53, RDS and CloudWatch and write the environment file; with
    /// --check, report how a file drifted (exit 1 on drift). Run it ahead of time:
    /// these are control planes a failover must not depend on.
    Discover(discover::DiscoverArgs),
    /// Readiness report: static stability, credentials, reachability, runbooks;
    /// exit 0 ready, 1 problems, 2 usage error (warnings alone exit 0).
    Doctor(doctor::DoctorArgs),
    /// Print a shell completion script (bash, zsh or fish) to stdout.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) to stdout.
    Man,
}

/// The console's options: the target, and where its runbooks are.
#[derive(Debug, Clone, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Directory of runbooks (repeatable, searched in order). Without it:
    /// DRCONSOLE_RUNBOOKS (a `:`-separated list), else ./runbooks then
    /// $XDG_CONFIG_HOME/drconsole/runbooks (~/.config when unset).
    #[arg(long = "runbooks", value_name = "DIR")]
    pub runbooks: Vec<PathBuf>,
}

/// Which environment to look at, and how.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Environment file. Without it the console uses the file `discover` writes
    /// ($XDG_CONFIG_HOME/drconsole/env.yaml, ~/.config when unset) when it exists, LIVE
    /// unless --twin; otherwise, and for the other commands, the built-in environment
    /// runs on the simulated twin.
    #[arg(long, value_name = "FILE")]
    pub env: Option<PathBuf>,
    /// Twin only: scenario name (assets/scenarios) or path to a scenario file.
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,
    /// Twin only: run the simulated clock N times faster (finite, > 0).
    #[arg(long, value_name = "N", default_value_t = 1.0,
          allow_negative_numbers = true, value_parser = args::speed)]
    pub speed: f64,
    /// Twin only: random seed for a reproducible world.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Use the simulated twin even with --env (rehearse a real environment's file).
    #[arg(long)]
    pub twin: bool,
    /// Refuse every mutating call before a byte is sent.
    #[arg(long = "read-only", alias = "readonly")]
    pub read_only: bool,
    /// AWS profile (real environments).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Default AWS Region for STS (real environments).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Poll period in milliseconds (at least 100).
    #[arg(long, value_name = "MS", default_value_t = 2000,
          allow_negative_numbers = true, value_parser = args::poll_ms)]
    pub poll_ms: u64,
    /// Use a twin already running in another process (`drconsole emulator
    /// --endpoints-file F`) instead of starting one.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["scenario", "profile"])]
    pub twin_endpoints: Option<PathBuf>,
    /// TCP connect timeout for every AWS call, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = args::DEFAULT_CONNECT_TIMEOUT_MS,
          allow_negative_numbers = true, value_parser = args::timeout_ms)]
    pub connect_timeout_ms: u64,
    /// Time one HTTP attempt may take, in milliseconds; also how long an ARC
    /// cluster endpoint gets before the next one is tried.
    #[arg(long, value_name = "MS", default_value_t = args::DEFAULT_ATTEMPT_TIMEOUT_MS,
          allow_negative_numbers = true, value_parser = args::timeout_ms)]
    pub attempt_timeout_ms: u64,
}

impl TargetArgs {
    /// The provider's timeouts from the command line; the rest stays default.
    pub fn provider_config(&self) -> crate::provider::ProviderConfig {
        timeouts_config(self.connect_timeout_ms, self.attempt_timeout_ms)
    }
}

/// `--connect-timeout-ms` / `--attempt-timeout-ms` as a provider configuration; the
/// rest stays default.
pub(crate) fn timeouts_config(connect_ms: u64, attempt_ms: u64) -> crate::provider::ProviderConfig {
    let defaults = crate::provider::ProviderConfig::default();
    let attempt = std::time::Duration::from_millis(attempt_ms);
    crate::provider::ProviderConfig {
        connect_timeout: std::time::Duration::from_millis(connect_ms),
        attempt_timeout: attempt,
        // Room for the retries the operation allows, never less than the default.
        operation_timeout: defaults
            .operation_timeout
            .max(attempt * defaults.max_attempts.max(1) + attempt / 2),
        ..defaults
    }
}

/// The runtime of a one-shot command (`status`, `doctor`, `discover`): two workers.
pub(crate) fn command_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context as _;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print the snapshot as JSON (schema in README).
    #[arg(long)]
    pub json: bool,
    /// Give up waiting for a complete snapshot after this many seconds (at least 1).
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          allow_negative_numbers = true, value_parser = args::seconds)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub struct EmulatorArgs {
    /// Environment file to model (default: the built-in environment).
    #[arg(long, value_name = "FILE")]
    pub env: Option<PathBuf>,
    /// Scenario name (assets/scenarios) or path to a scenario file.
    #[arg(long, value_name = "NAME", default_value = "calm")]
    pub scenario: String,
    /// Run the simulated clock N times faster (finite, > 0).
    #[arg(long, value_name = "N", default_value_t = 1.0,
          allow_negative_numbers = true, value_parser = args::speed)]
    pub speed: f64,
    /// Random seed.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Port for the AWS_ENDPOINT_URL listener (0 picks a free one).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub port: u16,
    /// Also write the endpoints, clock and request-log URL as JSON to this file (for
    /// `--twin-endpoints`); removed on a clean exit.
    #[arg(long, value_name = "FILE")]
    pub endpoints_file: Option<PathBuf>,
}
