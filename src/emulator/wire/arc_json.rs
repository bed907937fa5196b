//! ARC routing control data plane (awsJson1_0, `ToggleCustomerAPI.<Op>`), and the
//! per-endpoint quota of three mutating calls per second.

use super::{ApiError, Protocol};
use crate::emulator::world::{ArcError, ControlView, TwinWorld};
use crate::model::ControlState;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// ARC's documented cap on entries in one UpdateRoutingControlStates call.
const MAX_BATCH: usize = crate::model::arc::ARC_MAX_CONTROLS_PER_UPDATE;
const MAX_PAGE: u64 = 1000;
/// Obscures the page offset so clients treat NextToken as opaque.
const TOKEN_MASK: u64 = 0x5bd1_e995_a3c2_7f41;

pub fn handle(world: &mut TwinWorld, op: &str, body: &Value) -> Result<Value, ApiError> {
    match op {
        "GetRoutingControlState" => {
            let arn = string(body, "RoutingControlArn")?;
            let c = world.arc_get(arn).map_err(arc_error)?;
            Ok(json!({
                "RoutingControlArn": c.arn,
                "RoutingControlState": c.state.as_str(),
                "RoutingControlName": c.name,
            }))
        }
        "ListRoutingControls" => list(world, body),
        "UpdateRoutingControlState" => {
            let arn = string(body, "RoutingControlArn")?;
            let state = state(body.get("RoutingControlState"))?;
            let overrides = overrides(body)?;
            world
                .arc_update(&[(arn.to_string(), state)], &overrides)
                .map_err(arc_error)?;
            Ok(json!({}))
        }
        "UpdateRoutingControlStates" => {
            let entries = body
                .get("UpdateRoutingControlStateEntries")
                .and_then(Value::as_array)
                .ok_or_else(|| validation("UpdateRoutingControlStateEntries is required"))?;
            if entries.len() > MAX_BATCH {
                return Err(validation(&format!(
                    "UpdateRoutingControlStateEntries has {} entries; at most {MAX_BATCH} are allowed",
                    entries.len()
                )));
            }
            let mut updates = Vec::with_capacity(entries.len());
            for e in entries {
                let arn = string(e, "RoutingControlArn")?;
                updates.push((arn.to_string(), state(e.get("RoutingControlState"))?));
            }
            world
                .arc_update(&updates, &overrides(body)?)
                .map_err(arc_error)?;
            Ok(json!({}))
        }
        _ => Err(Protocol::ArcJson.unknown_operation(op)),
    }
}

fn list(world: &TwinWorld, body: &Value) -> Result<Value, ApiError> {
    let panel = match body.get("ControlPanelArn") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(validation("ControlPanelArn must be a string")),
    };
    let max = match body.get("MaxResults") {
        None | Some(Value::Null) => MAX_PAGE,
        Some(v) => v
            .as_u64()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| validation("MaxResults must be an integer from 1 to 1000"))?,
    };
    let all = world.arc_list(panel).map_err(arc_error)?;
    let start = match body.get("NextToken") {
        None | Some(Value::Null) => 0,
        Some(Value::String(t)) => decode_token(t, all.len())
            .ok_or_else(|| validation("NextToken is not a token this endpoint issued"))?,
        Some(_) => return Err(validation("NextToken must be a string")),
    };
    let end = start.saturating_add(max as usize).min(all.len());
    let page: Vec<Value> = all[start..end].iter().map(control_json).collect();
    let mut out = json!({ "RoutingControls": page });
    if end < all.len() {
        out["NextToken"] = Value::String(encode_token(end));
    }
    Ok(out)
}

fn control_json(c: &ControlView) -> Value {
    json!({
        "ControlPanelArn": c.panel_arn,
        "ControlPanelName": c.panel_name,
        "RoutingControlArn": c.arn,
        "RoutingControlName": c.name,
        "RoutingControlState": c.state.as_str(),
        "Owner": c.owner,
    })
}

pub(super) fn encode_token(offset: usize) -> String {
    format!("{:016x}", offset as u64 ^ TOKEN_MASK)
}

pub(super) fn decode_token(token: &str, len: usize) -> Option<usize> {
    let raw = u64::from_str_radix(token, 16).ok()? ^ TOKEN_MASK;
    usize::try_from(raw).ok().filter(|o| *o <= len)
}

fn string<'a>(body: &'a Value, key: &str) -> Result<&'a str, ApiError> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| validation(&format!("{key} is required and must be a string")))
}

fn state(v: Option<&Value>) -> Result<ControlState, ApiError> {
    v.and_then(Value::as_str)
        .filter(|s| *s == "On" || *s == "Off")
        .and_then(ControlState::parse)
        .ok_or_else(|| validation("RoutingControlState must be On or Off"))
}

fn overrides(body: &Value) -> Result<Vec<String>, ApiError> {
    match body.get("SafetyRulesToOverride") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| validation("SafetyRulesToOverride must list ARNs"))
            })
            .collect(),
        Some(_) => Err(validation("SafetyRulesToOverride must be a list")),
    }
}

fn validation(message: &str) -> ApiError {
    ApiError::new(400, "ValidationException", message)
        .with("reason", json!("fieldValidationFailed"))
}

pub fn arc_error(e: ArcError) -> ApiError {
    match e {
        ArcError::NotFound(arn) => ApiError::new(
            404,
            "ResourceNotFoundException",
            format!("Routing control {arn} was not found"),
        )
        .with("resourceId", json!(arn))
        .with("resourceType", json!("RoutingControl")),
        ArcError::Conflict { message, rule_arns } => {
            // Clients find the blocking rule by its ARN in the message: make sure it is there.
            let missing: Vec<&str> = rule_arns
                .iter()
                .map(String::as_str)
                .filter(|a| !message.contains(a))
                .collect();
            let message = if missing.is_empty() {
                message
            } else {
                format!("{message} (safety rules: {})", missing.join(", "))
            };
            let mut err = ApiError::new(409, "ConflictException", message);
            if let Some(first) = rule_arns.first() {
                err = err
                    .with("resourceId", json!(first))
                    .with("resourceType", json!("SafetyRule"));
            }
            err
        }
        ArcError::Validation(m) => validation(&m),
    }
}

/// Mutating calls admitted on one endpoint in the last second (real time).
#[derive(Debug, Default)]
pub struct RateWindow {
    admitted: VecDeque<Instant>,
}

impl RateWindow {
    pub const LIMIT: usize = 3;
    const WINDOW: Duration = Duration::from_secs(1);

    /// Admits a mutating call at `now`, or refuses it when three already ran this second.
    pub fn admit(&mut self, now: Instant) -> bool {
        while let Some(first) = self.admitted.front() {
            if now.saturating_duration_since(*first) >= Self::WINDOW {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
        if self.admitted.len() >= Self::LIMIT {
            return false;
        }
        self.admitted.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourth_mutating_call_in_a_second_is_refused() {
        let t0 = Instant::now();
        let mut w = RateWindow::default();
        let ms = Duration::from_millis;
        assert!(w.admit(t0));
        assert!(w.admit(t0 + ms(100)));
        assert!(w.admit(t0 + ms(200)));
        assert!(!w.admit(t0 + ms(300)));
        assert!(!w.admit(t0 + ms(999)));
        // The first call has left the window.
        assert!(w.admit(t0 + ms(1000)));
        assert!(!w.admit(t0 + ms(1001)));
    }

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        let t = encode_token(2);
        assert_eq!(decode_token(&t, 5), Some(2));
        assert_eq!(decode_token(&t, 1), None);
        assert_eq!(decode_token("not-a-token", 5), None);
    }

    #[test]
    fn conflict_names_the_rule_arn() {
        let e = arc_error(ArcError::Conflict {
            message: "update would violate a safety rule".into(),
            rule_arns: vec!["arn:rule/1".into()],
        });
        assert_eq!(e.status, 409);
        assert!(e.message.contains("arn:rule/1"));
    }

    #[test]
    fn states_are_spelled_as_arc_does() {
        assert_eq!(state(Some(&json!("On"))).unwrap(), ControlState::On);
        assert!(state(Some(&json!("on"))).is_err());
        assert!(state(None).is_err());
    }
}
