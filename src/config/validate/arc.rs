//! The `arc:` section: cluster endpoints, control panels with their routing
//! controls, and safety rules resolved from control names to ARNs.

use super::{Ctx, arn, is_region_name, relocate};
use crate::config::error::{ConfigError, ConfigErrorKind as K};
use crate::config::file::{self, S};
use crate::config::*;
use crate::model::{SafetyRule, SafetyRuleKind};
use std::collections::HashMap;

/// ARNs seen so far (panels, controls, rules share one namespace), with their line.
type SeenArns<'s> = HashMap<&'s str, u64>;

pub(super) fn arc(cx: &Ctx, raw: &file::ArcFile) -> Result<ArcConfig, ConfigError> {
    arn(cx, &raw.cluster_arn, "route53-recovery-control", "cluster/")?;
    let endpoints = endpoints(cx, &raw.endpoints)?;
    let mut seen_arn = SeenArns::new();
    let (panels, controls) = panels_and_controls(cx, &raw.control_panels, &mut seen_arn)?;
    let rules = safety_rules(cx, &raw.control_panels, &controls, &mut seen_arn)?;
    Ok(ArcConfig {
        cluster_arn: raw.cluster_arn.value.clone(),
        endpoints,
        panels,
        controls,
        rules,
    })
}

fn endpoints(
    cx: &Ctx,
    raw: &serde_saphyr::Spanned<Vec<file::EndpointFile>>,
) -> Result<Vec<ClusterEndpoint>, ConfigError> {
    let eps = &raw.value;
    if eps.len() != 5 {
        return Err(ConfigError::at(
            K::Endpoints,
            cx.origin,
            raw.referenced,
            format!(
                "an ARC cluster has exactly 5 Regional endpoints; found {} (copy all five from the cluster's details)",
                eps.len()
            ),
        ));
    }
    let mut seen_url = HashMap::new();
    let mut endpoints = Vec::new();
    for e in eps {
        cx.unique(&mut seen_url, "endpoint URL", &e.url)?;
        if !(e.url.value.starts_with("https://") || e.url.value.starts_with("http://")) {
            return Err(cx.err(
                K::Endpoints,
                &e.url,
                format!("endpoint URL `{}` must start with https://", e.url.value),
            ));
        }
        if !is_region_name(&e.region.value) {
            return Err(cx.err(
                K::Endpoints,
                &e.region,
                format!("`{}` is not an AWS Region name", e.region.value),
            ));
        }
        endpoints.push(ClusterEndpoint {
            url: e.url.value.clone(),
            region: e.region.value.clone(),
        });
    }
    Ok(endpoints)
}

/// An ARN must contain `/{kind}/` (routingcontrol, safetyrule).
fn typed_arn(cx: &Ctx, s: &S, kind: &str, what: &str) -> Result<(), ConfigError> {
    arn(cx, s, "route53-recovery-control", "controlpanel/")?;
    if !s.value.contains(&format!("/{kind}/")) {
        return Err(cx.err(
            K::MalformedArn,
            s,
            format!("malformed ARN `{}`: a {what} ARN has `/{kind}/`", s.value),
        ));
    }
    Ok(())
}

fn panels_and_controls<'s>(
    cx: &Ctx,
    raw: &'s [file::PanelFile],
    seen_arn: &mut SeenArns<'s>,
) -> Result<(Vec<ControlPanel>, Vec<RoutingControl>), ConfigError> {
    let mut panels = Vec::new();
    let mut controls = Vec::new();
    let mut seen_panel = HashMap::new();
    let mut seen_ctl = HashMap::new();
    for p in raw {
        cx.unique(&mut seen_panel, "control panel", &p.name)?;
        arn(cx, &p.arn, "route53-recovery-control", "controlpanel/")?;
        cx.unique(seen_arn, "ARN", &p.arn)?;
        panels.push(ControlPanel {
            name: p.name.value.clone(),
            arn: p.arn.value.clone(),
        });
        for c in &p.routing_controls {
            cx.unique(&mut seen_ctl, "routing control", &c.name)?;
            typed_arn(cx, &c.arn, "routingcontrol", "routing control")?;
            cx.unique(seen_arn, "ARN", &c.arn)?;
            controls.push(RoutingControl {
                name: c.name.value.clone(),
                arn: c.arn.value.clone(),
                panel: p.name.value.clone(),
                gates: c.gates.value.clone(),
                initial: c.initial.map(Into::into).unwrap_or(ControlState::On),
            });
        }
    }
    Ok((panels, controls))
}

fn safety_rules<'s>(
    cx: &Ctx,
    raw: &'s [file::PanelFile],
    controls: &[RoutingControl],
    seen_arn: &mut SeenArns<'s>,
) -> Result<Vec<PanelRule>, ConfigError> {
    let by_name: HashMap<&str, &str> = controls
        .iter()
        .map(|c| (c.name.as_str(), c.arn.as_str()))
        .collect();
    let mut rules = Vec::new();
    let mut seen_rule = HashMap::new();
    for p in raw {
        for r in &p.safety_rules {
            cx.unique(&mut seen_rule, "safety rule", &r.name)?;
            typed_arn(cx, &r.arn, "safetyrule", "safety rule")?;
            cx.unique(seen_arn, "ARN", &r.arn)?;
            let kind = rule_kind(cx, r, &by_name)?;
            let config = r.rule.value;
            if config.kind == crate::model::RuleType::Atleast && config.threshold == 0 {
                return Err(ConfigError::at(
                    K::Invalid,
                    cx.origin,
                    r.rule.referenced,
                    "an ATLEAST rule needs a threshold of 1 or more",
                ));
            }
            rules.push(PanelRule {
                panel: p.name.value.clone(),
                rule: SafetyRule {
                    name: r.name.value.clone(),
                    arn: r.arn.value.clone(),
                    kind,
                    config,
                    wait_period_ms: r.wait_period_ms,
                },
            });
        }
    }
    Ok(rules)
}

/// Assertion or gating, with control names resolved to ARNs.
fn rule_kind(
    cx: &Ctx,
    r: &file::RuleFile,
    by_name: &HashMap<&str, &str>,
) -> Result<SafetyRuleKind, ConfigError> {
    let resolve =
        |list: &[S]| resolve_controls(cx, by_name, list).map_err(|e| relocate(e, &r.name));
    match (&r.assertion, &r.gating) {
        (Some(a), None) => Ok(SafetyRuleKind::Assertion {
            asserted: resolve(&a.controls)?,
        }),
        (None, Some(g)) => Ok(SafetyRuleKind::Gating {
            gating: resolve(&g.gating_controls)?,
            targets: resolve(&g.target_controls)?,
        }),
        _ => Err(cx.err(
            K::Invalid,
            &r.name,
            format!(
                "safety rule `{}` needs exactly one of `assertion:` or `gating:`",
                r.name.value
            ),
        )),
    }
}

/// Control names to ARNs; an empty list has no position of its own (see `relocate`).
fn resolve_controls(
    cx: &Ctx,
    by_name: &HashMap<&str, &str>,
    list: &[S],
) -> Result<Vec<String>, ConfigError> {
    if list.is_empty() {
        return Err(ConfigError {
            kind: K::Invalid,
            file: cx.origin.to_string(),
            line: 1,
            column: 1,
            message: "a safety rule needs at least one control".into(),
        });
    }
    list.iter()
        .map(|n| {
            by_name
                .get(n.value.as_str())
                .map(|a| a.to_string())
                .ok_or_else(|| {
                    cx.err(
                        K::UnknownReference,
                        n,
                        format!(
                            "safety rule names routing control `{}`, which is not defined",
                            n.value
                        ),
                    )
                })
        })
        .collect()
}
