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

/// Everything a front end needs to look at one environment.
pub struct Session {
    pub env: Arc<Environment>,
    pub provider: Arc<Provider>,
    pub mode: Mode,
    pub poll: Duration,
    /// The embedded twin, when simulated; dropping the session stops it.
    pub emulator: Option<Emulator>,
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
    connect_with(args, ProviderConfig::default()).await
}

pub async fn connect_with(args: &TargetArgs, config: ProviderConfig) -> anyhow::Result<Session> {
    let env = match &args.env {
        Some(path) => Environment::load(path)?,
        None => Environment::builtin_default()?,
    };
    if args.poll_ms == 0 {
        bail!("--poll-ms must be at least 1");
    }
    let poll = Duration::from_millis(args.poll_ms);
    if let Some(file) = &args.twin_endpoints {
        return external_twin(args, env, file, poll, config).await;
    }
    let twin = args.env.is_none() || args.twin;
    if !twin {
        if args.scenario.is_some() {
            bail!("--scenario applies to the simulated twin only (add --twin)");
        }
        let target = Target::Live {
            profile: args.profile.clone(),
            region: args.region.clone(),
        };
        let provider = Provider::connect(&env, target, config, args.read_only)
            .await
            .context("cannot set up the AWS clients")?;
        return Ok(Session {
            env: Arc::new(env),
            provider: Arc::new(provider),
            mode: Mode::Live,
            poll,
            emulator: None,
            clock: RunClock::real(),
        });
    }
    if args.profile.is_some() {
        bail!("--profile applies to a real account only (the twin uses its own credentials)");
    }
    let name = args.scenario.as_deref().unwrap_or("calm");
    let scenario = Scenario::load(name, &env)?;
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
        clock: RunClock::scaled(start, speed),
    })
}

/// A twin running in another process (`drconsole emulator --endpoints-file F`): it
/// outlives this one, which is what crash tests and multi-console rehearsals need.
async fn external_twin(
    args: &TargetArgs,
    env: Environment,
    file: &std::path::Path,
    poll: Duration,
    config: ProviderConfig,
) -> anyhow::Result<Session> {
    let ep = crate::cli::emulator::TwinEndpoints::load(file)?;
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
        clock: RunClock::scaled(ep.sim_start, ep.speed),
    })
}
