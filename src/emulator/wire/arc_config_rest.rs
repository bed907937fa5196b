//! ARC Recovery Control Configuration (restJson1, SigV4 signing name
//! `route53-recovery-control-config`): the control plane that holds clusters, control
//! panels, routing controls and safety rules. The twin serves reads only.
//!
//! AWS serves this API from one endpoint in us-west-2 (Recovery Control Configuration
//! API Reference, Welcome; AWS-FACTS.md). The twin answers it whatever Region the
//! request is signed for, on its main listener; impairing the signing Region still
//! black-holes it there, as for every Regional call.
//!
//! Paths, query parameters and member names are those of the SDK's serializers
//! (aws-sdk-route53recoverycontrolconfig 1.120, `operation/*` and `protocol_serde/*`),
//! matching the API reference's Request Syntax:
//! `GET /cluster` (ListClusters), `GET /cluster/{ClusterArn}` (DescribeCluster),
//! `GET /controlpanels?ClusterArn=` (ListControlPanels),
//! `GET /controlpanel/{ControlPanelArn}` (DescribeControlPanel),
//! `GET /controlpanel/{ControlPanelArn}/routingcontrols` (ListRoutingControls),
//! `GET /controlpanel/{ControlPanelArn}/safetyrules` (ListSafetyRules),
//! `GET /routingcontrol/{RoutingControlArn}` (DescribeRoutingControl),
//! `GET /routingcontrol/{RoutingControlArn}/associatedRoute53HealthChecks`
//! (ListAssociatedRoute53HealthChecks), `GET /safetyrule/{SafetyRuleArn}`
//! (DescribeSafetyRule); lists take `MaxResults` and `NextToken` in the query.
//! ARNs in paths are percent-encoded, `/` included (the SDK's label encoding).

use super::arc_json::{decode_token, encode_token};
use super::backup_rest::Query;
use super::{ApiError, Protocol};
use crate::emulator::world::{
    ClusterConfig, ConfigNotFound, ControlConfig, PanelConfig, TwinWorld, recovery_control_check_id,
};
use crate::model::SafetyRule;
use crate::model::arc::{RuleType, SafetyRuleKind};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

/// Recovery Control Configuration API Reference, every List* action: MaxResults
/// "Valid Range: Minimum value of 1. Maximum value of 1000." No default is documented:
/// without MaxResults the twin answers up to 1000 items (twin's choice).
const MAX_RESULTS: usize = 1000;
/// Every resource the twin serves is deployed (API reference, Data Types, Status:
/// PENDING | DEPLOYED | PENDING_DELETION).
const DEPLOYED: &str = "DEPLOYED";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    ListClusters,
    DescribeCluster { arn: String },
    ListControlPanels,
    DescribeControlPanel { arn: String },
    ListRoutingControls { panel: String },
    ListSafetyRules { panel: String },
    DescribeRoutingControl { arn: String },
    ListAssociatedRoute53HealthChecks { arn: String },
    DescribeSafetyRule { arn: String },
}

impl Route {
    pub fn operation(&self) -> &'static str {
        match self {
            Route::ListClusters => "ListClusters",
            Route::DescribeCluster { .. } => "DescribeCluster",
            Route::ListControlPanels => "ListControlPanels",
            Route::DescribeControlPanel { .. } => "DescribeControlPanel",
            Route::ListRoutingControls { .. } => "ListRoutingControls",
            Route::ListSafetyRules { .. } => "ListSafetyRules",
            Route::DescribeRoutingControl { .. } => "DescribeRoutingControl",
            Route::ListAssociatedRoute53HealthChecks { .. } => "ListAssociatedRoute53HealthChecks",
            Route::DescribeSafetyRule { .. } => "DescribeSafetyRule",
        }
    }
}

/// Routes a request; `None` is an unknown operation (the twin serves no writes).
pub fn route(method: &str, path: &str) -> Option<Route> {
    if method != "GET" {
        return None;
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let d = |s: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
            .filter(|s| !s.is_empty())
    };
    match segs.as_slice() {
        ["cluster"] => Some(Route::ListClusters),
        ["cluster", arn] => Some(Route::DescribeCluster { arn: d(arn)? }),
        ["controlpanels"] => Some(Route::ListControlPanels),
        ["controlpanel", arn] => Some(Route::DescribeControlPanel { arn: d(arn)? }),
        ["controlpanel", arn, "routingcontrols"] => {
            Some(Route::ListRoutingControls { panel: d(arn)? })
        }
        ["controlpanel", arn, "safetyrules"] => Some(Route::ListSafetyRules { panel: d(arn)? }),
        ["routingcontrol", arn] => Some(Route::DescribeRoutingControl { arn: d(arn)? }),
        ["routingcontrol", arn, "associatedRoute53HealthChecks"] => {
            Some(Route::ListAssociatedRoute53HealthChecks { arn: d(arn)? })
        }
        ["safetyrule", arn] => Some(Route::DescribeSafetyRule { arn: d(arn)? }),
        _ => None,
    }
}

fn get<'a>(q: &'a Query, key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// API reference, every action's Errors: ValidationException, HTTP 400.
fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", message)
}

/// API reference, every action's Errors: ResourceNotFoundException, HTTP 404.
fn not_found(e: ConfigNotFound) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", e.0)
}

pub fn handle(world: &TwinWorld, route: &Route, query: &Query) -> Result<Value, ApiError> {
    let owner = world.account().to_string();
    match route {
        Route::ListClusters => {
            let items = vec![cluster_json(&world.cc_cluster(), &owner)];
            page(query, "Clusters", items)
        }
        Route::DescribeCluster { arn } => {
            let c = world.cc_describe_cluster(arn).map_err(not_found)?;
            Ok(json!({ "Cluster": cluster_json(&c, &owner) }))
        }
        Route::ListControlPanels => {
            let cluster_arn = world.cc_cluster().arn;
            let items = world
                .cc_panels(get(query, "ClusterArn"))
                .map_err(not_found)?
                .iter()
                .map(|(p, n)| panel_json(p, *n, &cluster_arn, &owner))
                .collect();
            page(query, "ControlPanels", items)
        }
        Route::DescribeControlPanel { arn } => {
            let (p, n) = world.cc_panel(arn).map_err(not_found)?;
            let cluster_arn = world.cc_cluster().arn;
            Ok(json!({ "ControlPanel": panel_json(&p, n, &cluster_arn, &owner) }))
        }
        Route::ListRoutingControls { panel } => {
            let items = world
                .cc_controls(panel)
                .map_err(not_found)?
                .iter()
                .map(|c| control_json(c, &owner))
                .collect();
            page(query, "RoutingControls", items)
        }
        Route::DescribeRoutingControl { arn } => {
            let c = world.cc_control(arn).map_err(not_found)?;
            Ok(json!({ "RoutingControl": control_json(&c, &owner) }))
        }
        Route::ListSafetyRules { panel } => {
            let items = world
                .cc_rules(panel)
                .map_err(not_found)?
                .iter()
                .map(|r| {
                    let (key, body) = rule_json(panel, r, &owner);
                    json!({ key: body })
                })
                .collect();
            page(query, "SafetyRules", items)
        }
        Route::DescribeSafetyRule { arn } => {
            let (panel, r) = world.cc_rule(arn).map_err(not_found)?;
            // DescribeSafetyRule's output names the union members AssertionRule /
            // GatingRule (shape_describe_safety_rule), unlike the list's ASSERTION /
            // GATING keys.
            let (key, body) = rule_json(&panel, &r, &owner);
            let key = if key == "ASSERTION" {
                "AssertionRule"
            } else {
                "GatingRule"
            };
            Ok(json!({ key: body }))
        }
        Route::ListAssociatedRoute53HealthChecks { arn } => {
            world.cc_control(arn).map_err(not_found)?;
            // The twin's Route 53 has one RECOVERY_CONTROL check per routing control
            // of the environment file; a control added by drift has none.
            let ids: Vec<Value> = world
                .route53()
                .health_checks
                .iter()
                .filter(|h| h.id == recovery_control_check_id(arn))
                .map(|h| json!(h.id))
                .collect();
            page(query, "HealthCheckIds", ids)
        }
    }
}

/// One page of `items` under `key`, with `NextToken` while more remain.
fn page(query: &Query, key: &str, items: Vec<Value>) -> Result<Value, ApiError> {
    let max = match get(query, "MaxResults") {
        None => MAX_RESULTS,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_RESULTS).contains(n))
            .ok_or_else(|| {
                validation(format!(
                    "MaxResults {v} is not valid: it must be from 1 to {MAX_RESULTS}"
                ))
            })?,
    };
    let start = match get(query, "NextToken") {
        None => 0,
        Some(t) => decode_token(t, items.len())
            .ok_or_else(|| validation(format!("NextToken {t} is not one this API issued")))?,
    };
    let end = start.saturating_add(max).min(items.len());
    let mut out = json!({ key: items[start..end].to_vec() });
    if end < items.len() {
        out["NextToken"] = Value::String(encode_token(end));
    }
    Ok(out)
}

/// Cluster (API reference, Data Types). ClusterEndpoints are the environment file's
/// endpoint URLs, not the twin's loopback listeners: what the real API would answer.
fn cluster_json(c: &ClusterConfig, owner: &str) -> Value {
    let endpoints: Vec<Value> = c
        .endpoints
        .iter()
        .map(|(url, region)| json!({ "Endpoint": url, "Region": region }))
        .collect();
    json!({
        "ClusterArn": c.arn,
        "ClusterEndpoints": endpoints,
        "Name": c.name,
        "Status": DEPLOYED,
        "Owner": owner,
    })
}

/// ControlPanel (API reference, Data Types).
fn panel_json(p: &PanelConfig, controls: usize, cluster_arn: &str, owner: &str) -> Value {
    json!({
        "ClusterArn": cluster_arn,
        "ControlPanelArn": p.arn,
        "DefaultControlPanel": false,
        "Name": p.name,
        "RoutingControlCount": controls,
        "Status": DEPLOYED,
        "Owner": owner,
    })
}

/// RoutingControl (API reference, Data Types).
fn control_json(c: &ControlConfig, owner: &str) -> Value {
    json!({
        "ControlPanelArn": c.panel_arn,
        "Name": c.name,
        "RoutingControlArn": c.arn,
        "Status": DEPLOYED,
        "Owner": owner,
    })
}

/// Rule (API reference, Data Types): the union key (`ASSERTION` | `GATING`) and the
/// AssertionRule / GatingRule body. Controls are named by ARN.
fn rule_json(panel_arn: &str, r: &SafetyRule, owner: &str) -> (&'static str, Value) {
    let kind = match r.config.kind {
        RuleType::Atleast => "ATLEAST",
        RuleType::And => "AND",
        RuleType::Or => "OR",
    };
    let mut body = json!({
        "ControlPanelArn": panel_arn,
        "Name": r.name,
        "RuleConfig": {
            "Inverted": r.config.inverted,
            "Threshold": r.config.threshold,
            "Type": kind,
        },
        "SafetyRuleArn": r.arn,
        "Status": DEPLOYED,
        "WaitPeriodMs": r.wait_period_ms,
        "Owner": owner,
    });
    match &r.kind {
        SafetyRuleKind::Assertion { asserted } => {
            body["AssertedControls"] = json!(asserted);
            ("ASSERTION", body)
        }
        SafetyRuleKind::Gating { gating, targets } => {
            body["GatingControls"] = json!(gating);
            body["TargetControls"] = json!(targets);
            ("GATING", body)
        }
    }
}

/// The protocol's unknown operation, for requests `route` refuses.
pub fn unknown(method: &str, path: &str) -> ApiError {
    Protocol::ArcConfigRest.unknown_operation(&format!("{method} {path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PANEL: &str = "arn:aws:route53-recovery-control::111122223333:controlpanel/0a1b";

    fn enc(s: &str) -> String {
        s.replace(':', "%3A").replace('/', "%2F")
    }

    #[test]
    fn routes_follow_the_sdk_paths() {
        assert_eq!(route("GET", "/cluster"), Some(Route::ListClusters));
        assert_eq!(
            route(
                "GET",
                &format!("/controlpanel/{}/routingcontrols", enc(PANEL))
            ),
            Some(Route::ListRoutingControls {
                panel: PANEL.into()
            })
        );
        assert_eq!(
            route("GET", &format!("/controlpanel/{}/safetyrules", enc(PANEL))),
            Some(Route::ListSafetyRules {
                panel: PANEL.into()
            })
        );
        assert_eq!(
            route("GET", "/controlpanels"),
            Some(Route::ListControlPanels)
        );
        assert_eq!(route("POST", "/cluster"), None);
        assert_eq!(route("GET", "/cluster/"), Some(Route::ListClusters));
        assert_eq!(route("GET", "/nothing"), None);
    }

    #[test]
    fn max_results_outside_1_to_1000_is_a_validation_exception() {
        for bad in ["0", "1001", "x"] {
            let q = vec![("MaxResults".to_string(), bad.to_string())];
            let e = page(&q, "Clusters", vec![]).unwrap_err();
            assert_eq!((e.status, e.code.as_str()), (400, "ValidationException"));
        }
    }

    #[test]
    fn pages_of_one_carry_a_token() {
        let items: Vec<Value> = (0..3).map(|i| json!(i)).collect();
        let q = vec![("MaxResults".to_string(), "1".to_string())];
        let p1 = page(&q, "X", items.clone()).unwrap();
        assert_eq!(p1["X"], json!([0]));
        let t = p1["NextToken"].as_str().unwrap().to_string();
        let mut q2 = q.clone();
        q2.push(("NextToken".into(), t));
        let p2 = page(&q2, "X", items.clone()).unwrap();
        assert_eq!(p2["X"], json!([1]));
        let mut q3 = q.clone();
        q3.push(("NextToken".into(), "garbage".into()));
        assert_eq!(
            page(&q3, "X", items).unwrap_err().code,
            "ValidationException"
        );
    }
}
