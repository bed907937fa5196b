//! `drconsole doctor`: is this environment ready for a failover (or a game day)?
//! Reads only: the session is forced read-only, so even a bug could not send a
//! mutating call (the provider's choke point refuses it before a byte is sent).

use crate::cli::TargetArgs;
use crate::cli::console_runbooks::search;
use crate::cli::target::{self, NO_CREDENTIALS};
use crate::doctor::{self, Report, Section, SectionId, credentials, reach, stability};
use crate::provider::Target;
use clap::Args;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// How long the credential chain may take to say when credentials expire.
const CREDENTIALS_WITHIN: Duration = Duration::from_secs(3);

pub const AFTER_HELP: &str = "\
Sections: static stability (per runbook step: control-plane calls, calls to or reads of \
the Region being failed away from, us-east-1-only health-check signals), credentials \
(identity, expiry; under 60 minutes is a warning), reachability (each ARC cluster \
endpoint, each control ARN, each Region's APIs, with latency), runbooks (validate, \
another environment's, break-glass needs), drift (discover --check).

Exit status: 0 ready (no problem; warnings alone do not fail the check, so a \
scheduled run does not alert on a pilot light's expected scaling step), 1 at least \
one problem, 2 usage or input error (bad flags, unreadable environment file).

--json prints one object (field names are stable):
  { \"environment\": str, \"mode\": \"simulated\"|\"live\", \"ready\": bool,
    \"summary\": { \"problems\": n, \"warnings\": n, \"ok\": n },
    \"sections\": [ { \"id\": \"static_stability\"|\"credentials\"|\"reachability\"|
                     \"runbooks\"|\"drift\", \"title\": str, \"checked\": bool,
                     \"note\": str|null,
                     \"findings\": [ { \"severity\": \"problem\"|\"warning\"|\"info\",
                                     \"about\": str, \"runbook\": str|null,
                                     \"step\": str|null, \"calls\": str|null,
                                     \"message\": str, \"latency_ms\": n|null,
                                     \"reference\": str|null } ] } ] }";

#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Directory of runbooks (repeatable, searched in order). Without it:
    /// DRCONSOLE_RUNBOOKS, else ./runbooks then $XDG_CONFIG_HOME/drconsole/runbooks.
    #[arg(long = "runbooks", value_name = "DIR")]
    pub runbooks: Vec<PathBuf>,
    /// Print the report as JSON (shape below).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DoctorArgs) -> anyhow::Result<i32> {
    super::status::init_logging();
    let runtime = super::command_runtime()?;
    let report = runtime.block_on(report(&args));
    // Hung requests to a dark Region must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(200));
    let report = report?;
    if args.json {
        super::out::line(serde_json::to_string_pretty(&report)?)?;
    } else {
        super::out::text(&doctor::render::text(&report))?;
    }
    Ok(report.exit_code())
}

async fn report(args: &DoctorArgs) -> anyhow::Result<Report> {
    let mut targ = args.target.clone();
    targ.read_only = true;
    // Bad input (environment file, scenario, flags) fails here, exit 2.
    let pre = target::preflight(&targ)?;
    let env = pre.env().clone();
    let dirs = search::search_path(&args.runbooks);
    let checked = doctor::runbooks::check(&doctor::runbooks::list(&dirs), &env);
    let stability: Vec<_> = checked
        .runbooks
        .iter()
        .flat_map(|(name, rb)| stability::analyse(name, rb, &env))
        .collect();

    let config = targ.provider_config();
    let (creds, reach, drift) = match target::connect_prepared(&targ, pre, config).await {
        Ok(session) => {
            let live = session.emulator.is_none() && targ.twin_endpoints.is_none();
            let expiry = if live {
                credentials::live_expiry(
                    targ.profile.as_deref(),
                    targ.region.as_deref(),
                    CREDENTIALS_WITHIN,
                )
                .await
            } else {
                credentials::Expiry::TwinStatic
            };
            let remote = reach_target(&targ, &session)?;
            let provider = session.provider.clone();
            let drift_read = async {
                let base = crate::provider::base_config(
                    crate::discover::read::CONTROL_CONFIG_REGION,
                    &remote,
                    &config,
                )
                .await?;
                anyhow::Ok(crate::discover::check(&base, &env).await?)
            };
            let (identity, endpoints, controls, regional, drift) = tokio::join!(
                credentials::identity_finding(&provider),
                reach::arc_endpoints(&env, &remote, config),
                reach::controls(provider.clone(), &env),
                reach::regional(provider.clone(), &env),
                drift_read,
            );
            let creds = vec![
                identity,
                credentials::expiry_finding(&expiry, SystemTime::now()),
            ];
            let mut reach = endpoints;
            reach.extend(controls);
            reach.extend(regional);
            drop(session);
            (
                Section::new(SectionId::Credentials, creds),
                Section::new(SectionId::Reachability, reach),
                doctor::drift::section(&env, drift),
            )
        }
        // No credentials is the doctor's finding, not a usage error.
        Err(e) if e.to_string() == NO_CREDENTIALS => (
            Section::new(
                SectionId::Credentials,
                vec![doctor::Finding::new(
                    doctor::Severity::Problem,
                    "credentials",
                    NO_CREDENTIALS,
                )],
            ),
            Section::not_checked(SectionId::Reachability, "not checked: no AWS credentials"),
            Section::not_checked(SectionId::Drift, "not checked: no AWS credentials"),
        ),
        Err(e) => return Err(e),
    };
    let sections = vec![
        Section::new(SectionId::StaticStability, stability),
        creds,
        reach,
        Section::new(SectionId::Runbooks, checked.findings),
        drift,
    ];
    Ok(Report::new(&env.name, mode_of(&targ), sections))
}

fn mode_of(args: &TargetArgs) -> crate::model::Mode {
    if args.env.is_some() && !args.twin && args.twin_endpoints.is_none() {
        crate::model::Mode::Live
    } else {
        crate::model::Mode::Simulated
    }
}

/// Where the session's requests go, for the per-endpoint ARC clients.
fn reach_target(args: &TargetArgs, session: &target::Session) -> anyhow::Result<Target> {
    if let Some(twin) = &session.emulator {
        return Ok(Target::Twin {
            aws_endpoint_url: twin.aws_endpoint_url(),
            arc_endpoint_urls: twin.arc_endpoint_urls(),
        });
    }
    if let Some(file) = &args.twin_endpoints {
        let ep = crate::cli::emulator::TwinEndpoints::load(file)?;
        return Ok(Target::Twin {
            aws_endpoint_url: ep.aws_endpoint_url,
            arc_endpoint_urls: ep.arc_endpoint_urls,
        });
    }
    Ok(Target::Live {
        profile: args.profile.clone(),
        region: args.region.clone(),
    })
}
