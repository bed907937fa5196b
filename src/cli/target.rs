//! Session start-up shared by `status` and the console: which environment, which
//! world (the twin or a real account), and the provider that talks to it.

use crate::cli::TargetArgs;
use crate::config::Environment;
use crate::emulator::scenario::Scenario;
use crate::emulator::{self, Emulator, EmulatorOptions};
use crate::model::Mode;
use crate::provider::{Provider, ProviderConfig, Target};
use crate::runbook::driver::RunClock;
use anyhow::{Context, bail};
use std::sync::Arc;
use std::time::Duration;

/// How long the credential chain may take at start-up (SSO, IMDS, a process).
const CREDENTIALS_WITHIN: Duration = Duration::from_secs(3);

/// The one line a live session without credentials prints.
pub const NO_CREDENTIALS: &str =
    "no AWS credentials: set AWS_PROFILE / use --profile, or run `aws sso login`";

/// Everything a front end needs to look at one environment.
pub struct Session {
    pub env: Arc<Environment>,
    pub provider: Arc<Provider>,
    pub mode: Mode,
    pub poll: Duration,
    /// The embedded twin, when simulated; dropping the session stops it.
    pub emulator: Option<Emulator>,
    /// A twin in another process: its game-day control (`/_drconsole/faults`), when
    /// its endpoints file names one.
    pub twin_faults_url: Option<String>,
    /// Run time: wall time, or the twin's simulated time.
    pub clock: RunClock,
}

impl Session {
    pub fn read_only(&self) -> bool {
        self.provider.read_only()
    }
}

/// Twin unless `--env` is given without `--twin`. Must run inside a tokio runtime.
pub async fn connect(args: &TargetArgs) -> anyhow::Result<Session> {
    connect_with(args, args.provider_config()).await
}

/// What the command line names, read and checked before anything else happens (the
/// console takes the terminal only after this): the environment, and the scenario or
/// the running twin's endpoints file. No network, no terminal.
pub struct Preflight {
    env: Environment,
    world: TargetKind,
}

enum TargetKind {
    Live,
    Twin(Scenario),
    External(crate::cli::emulator::TwinEndpoints, std::path::PathBuf),
}

impl Preflight {
    pub fn env(&self) -> &Environment {
        &self.env
    }
}

/// Reads the files and checks the flag combinations; every bad input fails here.
pub fn preflight(args: &TargetArgs) -> anyhow::Result<Preflight> {
    let env = match &args.env {
        Some(path) => Environment::load(path)?,
        None => Environment::builtin_default()?,
    };
    if args.poll_ms == 0 {
        // clap's parser already refuses < 100; this guards hand-built arguments.
        bail!("--poll-ms must be at least 1");
    }
    let world = if let Some(file) = &args.twin_endpoints {
        TargetKind::External(
            crate::cli::emulator::TwinEndpoints::load(file)?,
            file.clone(),
        )
    } else if args.env.is_some() && !args.twin {
        if args.scenario.is_some() {
            bail!("--scenario applies to the simulated twin only (add --twin)");
        }
        TargetKind::Live
    } else {
        if args.profile.is_some() {
            bail!("--profile applies to a real account only (the twin uses its own credentials)");
        }
        let name = args.scenario.as_deref().unwrap_or("calm");
        TargetKind::Twin(Scenario::load(name, &env)?)
    };
    Ok(Preflight { env, world })
}

pub async fn connect_with(args: &TargetArgs, config: ProviderConfig) -> anyhow::Result<Session> {
    connect_prepared(args, preflight(args)?, config).await
}

/// Connects what [`preflight`] read and checked.
pub async fn connect_prepared(
    args: &TargetArgs,
    pre: Preflight,
    config: ProviderConfig,
) -> anyhow::Result<Session> {
    let Preflight { env, world } = pre;
    let poll = Duration::from_millis(args.poll_ms);
    let scenario = match world {
        TargetKind::External(ep, file) => {
            return external_twin(args, env, ep, &file, poll, config).await;
        }
        TargetKind::Live => {
            let target = Target::Live {
                profile: args.profile.clone(),
                region: args.region.clone(),
            };
            let provider = Provider::connect(&env, target, config, args.read_only)
                .await
                .context("cannot set up the AWS clients")?;
            if let Err(e) = provider.resolve_credentials(CREDENTIALS_WITHIN).await {
                tracing::debug!(error = %e, "credential chain");
                bail!(NO_CREDENTIALS);
            }
            return Ok(Session {
                env: Arc::new(env),
                provider: Arc::new(provider),
                mode: Mode::Live,
                poll,
                emulator: None,
                twin_faults_url: None,
                clock: RunClock::real(),
            });
        }
        TargetKind::Twin(scenario) => scenario,
    };
    let opts = EmulatorOptions {
        seed: args.seed,
        speed: args.speed,
        scenario: Some(scenario),
        port: 0,
    };
    let twin = emulator::start(&env, opts)
        .await
        .context("cannot start the simulated twin")?;
    let target = Target::Twin {
        aws_endpoint_url: twin.aws_endpoint_url(),
        arc_endpoint_urls: twin.arc_endpoint_urls(),
    };
    let provider = Provider::connect(&env, target, config, args.read_only)
        .await
        .context("cannot set up the clients for the twin")?;
    let (start, speed) = twin.clock();
    Ok(Session {
        env: Arc::new(env),
        provider: Arc::new(provider),
        mode: Mode::Simulated,
        poll,
        emulator: Some(twin),
        twin_faults_url: None,
        clock: RunClock::scaled(start, speed),
    })
}

/// A twin running in another process (`drconsole emulator --endpoints-file F`): it
/// outlives this one, which is what crash tests and multi-console rehearsals need.
async fn external_twin(
    args: &TargetArgs,
    env: Environment,
    ep: crate::cli::emulator::TwinEndpoints,
    file: &std::path::Path,
    poll: Duration,
    config: ProviderConfig,
) -> anyhow::Result<Session> {
    if args.speed != 1.0 && args.speed != ep.speed {
        bail!(
            "--speed is set by the running twin (×{}); drop --speed or restart the emulator",
            ep.speed
        );
    }
    if ep.arc_endpoint_urls.len() != env.arc.endpoints.len() {
        bail!(
            "{}: the twin serves {} ARC endpoints, the environment has {} (same --env on both?)",
            file.display(),
            ep.arc_endpoint_urls.len(),
            env.arc.endpoints.len()
        );
    }
    let target = Target::Twin {
        aws_endpoint_url: ep.aws_endpoint_url.clone(),
        arc_endpoint_urls: ep.arc_endpoint_urls.clone(),
    };
    let provider = Provider::connect(&env, target, config, args.read_only)
        .await
        .context("cannot set up the clients for the twin")?;
    Ok(Session {
        env: Arc::new(env),
        provider: Arc::new(provider),
        mode: Mode::Simulated,
        poll,
        emulator: None,
        twin_faults_url: (!ep.faults_url.is_empty()).then(|| ep.faults_url.clone()),
        clock: RunClock::scaled(ep.sim_start, ep.speed),
    })
}
