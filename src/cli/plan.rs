//! `drconsole plan RUNBOOK [--env FILE] [--param k=v…] [--json]`: prints every step and
//! the exact calls it would make. Makes none.

use super::validate::{is_unreadable, load_env, parse_params};
use crate::runbook::{plan, validate};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    #[arg(value_name = "RUNBOOK")]
    pub runbook: PathBuf,
    #[arg(long, value_name = "FILE")]
    pub env: Option<PathBuf>,
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// Print the steps and calls as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &PlanArgs) -> anyhow::Result<i32> {
    let env = load_env(args.env.as_ref())?;
    let params = parse_params(&args.params)?;
    let rb = match validate::load(&args.runbook, &env, &params) {
        Ok(rb) => rb,
        Err(errs) if is_unreadable(&errs) => anyhow::bail!("{errs}"),
        Err(errs) => {
            eprintln!("{errs}");
            return Ok(1);
        }
    };
    if args.json {
        let steps: Vec<serde_json::Value> = rb
            .steps
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id,
                    "title": s.title,
                    "kind": s.kind.name(),
                    "mutating": s.kind.is_mutating(),
                    "confirm": s.confirm,
                    "calls": plan::calls(s)
                        .iter()
                        .map(|m| serde_json::json!({
                            "operation": m.operation(),
                            "endpoint": m.endpoint(),
                            "request": m,
                        }))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        let doc = serde_json::json!({
            "runbook": rb.name,
            "environment": rb.environment,
            "params": rb.params,
            "rto_s": rb.rto.as_secs(),
            "break_glass": plan::break_glass(&rb, &env)
                .iter()
                .map(|f| serde_json::json!({ "step": f.step, "message": f.message }))
                .collect::<Vec<_>>(),
            "notes": plan::write_notes(&rb, &env)
                .iter()
                .map(|f| serde_json::json!({ "step": f.step, "message": f.message }))
                .collect::<Vec<_>>(),
            "steps": steps,
        });
        super::out::line(serde_json::to_string_pretty(&doc)?)?;
    } else {
        let flags = plan::break_glass(&rb, &env);
        let notes = plan::write_notes(&rb, &env);
        super::out::text(&plan::render_annotated(&rb, &flags, &notes))?;
    }
    Ok(0)
}
