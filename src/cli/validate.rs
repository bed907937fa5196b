//! `drconsole validate FILE… [--env FILE] [--param k=v…]`

use crate::config::Environment;
use crate::runbook::validate;
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Runbook files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Environment file the references must resolve in (default: the built-in one).
    #[arg(long, value_name = "FILE")]
    pub env: Option<PathBuf>,
    /// Override a parameter: `--param to=us-west-2` (repeatable).
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
}

/// Loads `--env` or the built-in environment.
pub fn load_env(env: Option<&PathBuf>) -> anyhow::Result<Environment> {
    Ok(match env {
        Some(p) => Environment::load(p)?,
        None => Environment::builtin_default()?,
    })
}

/// Parses `k=v` pairs.
pub fn parse_params(raw: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    raw.iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => anyhow::bail!("--param `{kv}`: expected NAME=VALUE"),
        })
        .collect()
}

pub fn run(args: &ValidateArgs) -> anyhow::Result<i32> {
    let env = load_env(args.env.as_ref())?;
    let params = parse_params(&args.params)?;
    let mut bad = 0;
    let mut unreadable = 0;
    for f in &args.files {
        match validate::load(f, &env, &params) {
            Ok(rb) => {
                super::out::line(format_args!(
                    "{}: ok — {} ({} steps, {} mutating)",
                    f.display(),
                    rb.name,
                    rb.steps.len(),
                    rb.steps.iter().filter(|s| s.kind.is_mutating()).count()
                ))?;
                // A warning, not an error: a game day may mean to break glass.
                for b in crate::runbook::plan::break_glass(&rb, &env) {
                    eprintln!("{}: warning: step {}: {}", f.display(), b.step, b.message);
                }
            }
            // Not a runbook at all (a device, a directory, too large): bad input, exit 2.
            Err(errs) if is_unreadable(&errs) => {
                unreadable += 1;
                eprintln!("drconsole: {errs}");
            }
            Err(errs) => {
                bad += 1;
                eprintln!("{errs}");
            }
        }
    }
    if bad > 0 {
        eprintln!("{bad} of {} runbook(s) have errors", args.files.len());
    }
    Ok(if unreadable > 0 {
        2
    } else if bad > 0 {
        1
    } else {
        0
    })
}

/// The file could not be read as a runbook (see `config::read_input_file`).
pub fn is_unreadable(errs: &crate::runbook::error::RunbookErrors) -> bool {
    errs.0
        .iter()
        .any(|e| e.kind == crate::runbook::error::RunbookErrorKind::Io)
}
