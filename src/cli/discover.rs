//! `drconsole discover`: read the control planes and write the environment file, or
//! (`--check FILE`) report how a file has drifted from them. Exit codes: 0 written /
//! no drift, 1 undecided parts / drift found, 2 error.

use crate::config::Environment;
use crate::discover::read::{AlarmQuery, Scope, read_all};
use crate::discover::render::{Header, render};
use crate::discover::{drift, infer};
use crate::emulator::{self, EmulatorOptions};
use crate::model::ControlState;
use crate::provider::{Provider, ProviderConfig, Target, base_config};
use anyhow::{Context, bail};
use clap::Args;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct DiscoverArgs {
    /// The ARC cluster's ARN. Without it: the account's only cluster.
    #[arg(long, value_name = "ARN")]
    pub cluster: Option<String>,
    /// Only these control panels (repeatable). Without it: every panel of the cluster
    /// except ARC's default one.
    #[arg(long = "control-panel", value_name = "ARN")]
    pub control_panels: Vec<String>,
    /// Only these Aurora global databases (repeatable). Without it: every one the
    /// Regions show.
    #[arg(long = "global-cluster", value_name = "ID")]
    pub global_clusters: Vec<String>,
    /// Also read RDS and CloudWatch in this Region (repeatable); the Regions the
    /// Route 53 records and database members name are always read.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Only these Route 53 hosted zones (IDs, repeatable). Without it: every zone.
    #[arg(long = "hosted-zone", value_name = "ID")]
    pub hosted_zones: Vec<String>,
    /// Read the CloudWatch alarms (metric and composite) whose names start with this,
    /// in every Region found (repeatable). Without it alarms are left for you to list.
    #[arg(long = "alarm-prefix", value_name = "PREFIX")]
    pub alarm_prefixes: Vec<String>,
    /// The environment's name. Without it: the ARC cluster's name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Where to write the file; `-` for stdout. Without it:
    /// $XDG_CONFIG_HOME/drconsole/env.yaml (~/.config when unset), which the console
    /// then uses when no --env is given.
    #[arg(short = 'o', long, value_name = "FILE", conflicts_with = "check")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Compare this environment file with the control planes and report drift
    /// (exit 1 when there is any); writes nothing.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// With --check: print the drift as JSON.
    #[arg(long, requires = "check")]
    pub json: bool,
    /// AWS profile.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Read the built-in simulated twin (built from --env, or from the --check file)
    /// instead of AWS.
    #[arg(long, conflicts_with = "profile")]
    pub twin: bool,
    /// With --twin: the environment file the twin is built from.
    #[arg(long, value_name = "FILE", requires = "twin")]
    pub env: Option<PathBuf>,
    /// Read a twin running in another process (`drconsole emulator --endpoints-file F`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["twin", "profile"])]
    pub twin_endpoints: Option<PathBuf>,
    /// TCP connect timeout for every call, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = super::args::DEFAULT_CONNECT_TIMEOUT_MS,
          allow_negative_numbers = true, value_parser = super::args::timeout_ms)]
    pub connect_timeout_ms: u64,
    /// Time one HTTP attempt may take, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = super::args::DEFAULT_ATTEMPT_TIMEOUT_MS,
          allow_negative_numbers = true, value_parser = super::args::timeout_ms)]
    pub attempt_timeout_ms: u64,
}

impl DiscoverArgs {
    fn provider_config(&self) -> ProviderConfig {
        super::timeouts_config(self.connect_timeout_ms, self.attempt_timeout_ms)
    }

    /// The command line that repeats this discovery, for the file's header.
    fn command_line(&self) -> String {
        let mut parts = vec!["drconsole discover".to_string()];
        if let Some(c) = &self.cluster {
            parts.push(format!("--cluster {c}"));
        }
        for (flag, list) in [
            ("--control-panel", &self.control_panels),
            ("--global-cluster", &self.global_clusters),
            ("--region", &self.regions),
            ("--hosted-zone", &self.hosted_zones),
            ("--alarm-prefix", &self.alarm_prefixes),
        ] {
            for v in list {
                parts.push(format!("{flag} {v}"));
            }
        }
        if let Some(p) = &self.profile {
            parts.push(format!("--profile {p}"));
        }
        if self.twin {
            parts.push("--twin".into());
        }
        parts.join(" ")
    }
}

pub fn run(args: &DiscoverArgs) -> anyhow::Result<i32> {
    // Everything read from the command line and files is checked before any call.
    let check_env = match &args.check {
        Some(path) => Some(Environment::load(path)?),
        None => None,
    };
    let output =
        match (&args.check, &args.output) {
            (Some(_), _) => None,
            (None, Some(p)) if p.as_os_str() == "-" => None,
            (None, Some(p)) => Some(p.clone()),
            // The default file is what the console opens LIVE: a twin's environment there
            // would point the next `drconsole` at example hosts as if they were AWS.
            (None, None) if args.twin || args.twin_endpoints.is_some() => bail!(
                "reading a twin: give -o FILE (or -o - for stdout); the default file \
             ({}) is the environment the console opens LIVE",
                crate::config::user_env_file()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "~/.config/drconsole/env.yaml".into())
            ),
            (None, None) => Some(crate::config::user_env_file().context(
                "no config directory (HOME and XDG_CONFIG_HOME are unset): give -o FILE",
            )?),
        };
    if let Some(p) = &output
        && p.exists()
        && !args.force
    {
        bail!(
            "{} exists: give --force to replace it, or -o another file",
            p.display()
        );
    }
    let runtime = super::command_runtime()?;
    let result = runtime.block_on(async {
        let (discovered, name, target, twin) = discover(args, check_env.as_ref()).await?;
        let states = if check_env.is_none() {
            Some(control_states(&discovered, &name, &target, args.provider_config()).await)
        } else {
            None
        };
        drop(twin);
        anyhow::Ok((discovered, name, states))
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    let (discovered, scope_name, states) = result?;

    if let Some(env) = &check_env {
        let drift = drift::compare(env, &discovered);
        let mut out = std::io::stdout().lock();
        if args.json {
            let doc = serde_json::json!({ "file": args.check, "drift": drift });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        } else if drift.is_empty() {
            writeln!(out, "no drift: {} matches the control planes", env.name)?;
        } else {
            writeln!(
                out,
                "{} difference(s) between the file and the control planes:",
                drift.len()
            )?;
            for d in &drift {
                writeln!(out, "  [{}] {}", d.area, d.what)?;
            }
        }
        return Ok(if drift.is_empty() { 0 } else { 1 });
    }

    let when = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let name = args.name.clone().unwrap_or(scope_name);
    let command = args.command_line();
    let states_read = match &states {
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => {
            eprintln!("routing control states not read (no `initial:` written): {e}");
            None
        }
        None => None,
    };
    let text = render(
        &discovered,
        &Header {
            name: &name,
            when: &when,
            command: &command,
            states: states_read,
        },
    );
    // The file must pass validation as written; what does not is said, not hidden.
    let origin = output
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(stdout)".into());
    let validation = Environment::parse(&text, &origin);
    match &output {
        Some(path) => write_file(path, &text)?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("cannot write to stdout")?,
    }
    let undecided = discovered.undecided();
    let mut err = std::io::stderr().lock();
    if let Some(p) = &output {
        writeln!(
            err,
            "wrote {} ({} Regions, {} routing controls, {} safety rules)",
            p.display(),
            discovered.regions.len(),
            discovered.gates.len(),
            discovered
                .raw
                .arc
                .panels
                .iter()
                .map(|p| p.rules.len())
                .sum::<usize>()
        )?;
    }
    for u in &undecided {
        writeln!(err, "could not decide: {u} (marked TODO in the file)")?;
    }
    match validation {
        Ok(_) if undecided.is_empty() => Ok(0),
        Ok(_) => Ok(1),
        Err(e) => {
            writeln!(err, "the file does not validate yet: {e}")?;
            Ok(1)
        }
    }
}

/// Writes through a temporary file and a rename, so an interrupted discover never
/// leaves half a file where the console looks for its environment.
fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension("yaml.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads; returns what was found and a default name (the ARC cluster's `Name`).
/// The routing controls' states now, read through the cluster endpoints (ARC data
/// plane, the production rotation) for the file as discovered; an error when it does
/// not validate yet or no endpoint answers.
async fn control_states(
    d: &infer::Discovered,
    name: &str,
    target: &Target,
    cfg: ProviderConfig,
) -> anyhow::Result<BTreeMap<String, ControlState>> {
    let text = render(
        d,
        &Header {
            name,
            when: "",
            command: "",
            states: None,
        },
    );
    let env = Environment::parse(&text, "discovered")
        .map_err(|e| anyhow::anyhow!("the file does not validate yet ({e})"))?;
    let provider = Provider::connect(&env, target.clone(), cfg, true).await?;
    let answer = provider.list_routing_controls().await?;
    Ok(answer
        .value
        .into_iter()
        .filter_map(|c| c.state.map(|s| (c.arn, s)))
        .collect())
}

/// How long the credential chain may take (SSO, IMDS, a process), as at console start.
const CREDENTIALS_WITHIN: Duration = Duration::from_secs(3);

/// An embedded twin, kept alive while it is read.
type KeepAlive = Option<crate::emulator::Emulator>;

async fn discover(
    args: &DiscoverArgs,
    check_env: Option<&Environment>,
) -> anyhow::Result<(infer::Discovered, String, Target, KeepAlive)> {
    let cfg = args.provider_config();
    let mut twin_alive = None;
    let target = if let Some(file) = &args.twin_endpoints {
        let ep = crate::cli::emulator::TwinEndpoints::load(file)?;
        Target::Twin {
            aws_endpoint_url: ep.aws_endpoint_url,
            arc_endpoint_urls: ep.arc_endpoint_urls,
        }
    } else if args.twin {
        let env = match (&args.env, check_env) {
            (Some(p), _) => Environment::load(p)?,
            (None, Some(e)) => e.clone(),
            (None, None) => Environment::builtin_default()?,
        };
        let twin = emulator::start(
            &env,
            EmulatorOptions {
                seed: 1,
                speed: 1.0,
                scenario: None,
                port: 0,
            },
        )
        .await
        .context("cannot start the simulated twin")?;
        let t = Target::Twin {
            aws_endpoint_url: twin.aws_endpoint_url(),
            arc_endpoint_urls: twin.arc_endpoint_urls(),
        };
        twin_alive = Some(twin);
        t
    } else {
        Target::Live {
            profile: args.profile.clone(),
            region: None,
        }
    };
    let base = base_config(crate::discover::read::CONTROL_CONFIG_REGION, &target, &cfg)
        .await
        .context("cannot set up the AWS clients")?;
    if matches!(target, Target::Live { .. }) {
        // One plain line, as the other commands say it, instead of the SDK's chain of
        // IMDS errors on the first call.
        use aws_credential_types::provider::ProvideCredentials;
        let resolved = match base.credentials_provider() {
            Some(chain) => tokio::time::timeout(CREDENTIALS_WITHIN, chain.provide_credentials())
                .await
                .map(|r| r.is_ok())
                .unwrap_or(false),
            None => false,
        };
        if !resolved {
            bail!(crate::cli::target::NO_CREDENTIALS);
        }
    }
    let scope = match check_env {
        Some(env) => crate::discover::check_scope(env, &args.hosted_zones),
        None => Scope {
            cluster_arn: args.cluster.clone(),
            control_panels: args.control_panels.clone(),
            global_clusters: args.global_clusters.clone(),
            regions: args.regions.clone(),
            hosted_zones: args.hosted_zones.clone(),
            alarms: if args.alarm_prefixes.is_empty() {
                AlarmQuery::None
            } else {
                AlarmQuery::Prefixes(args.alarm_prefixes.clone())
            },
        },
    };
    let raw = read_all(&base, &scope).await?;
    let name = if raw.arc.cluster_name.is_empty() {
        raw.arc
            .cluster_arn
            .rsplit('/')
            .next()
            .unwrap_or("discovered")
            .to_string()
    } else {
        raw.arc.cluster_name.clone()
    };
    Ok((infer::infer(raw), name, target, twin_alive))
}
