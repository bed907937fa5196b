//! Amazon ECS in awsJson1_1 (`X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`,
//! signing name `ecs`): DescribeServices and UpdateService.

use super::{ApiError, Protocol};
use crate::emulator::world::{CapacityError, EcsServiceView, TwinWorld};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub const ECS_TARGET: &str = "AmazonEC2ContainerServiceV20141113.";
/// ECS API Reference, DescribeServices, services: "You may specify up to 10 services
/// to describe."
const MAX_DESCRIBE: usize = 10;

pub fn handle(
    world: &mut TwinWorld,
    region: &str,
    op: &str,
    body: &Value,
) -> Result<Value, ApiError> {
    match op {
        "DescribeServices" => {
            let cluster = opt_string(body, "cluster")?;
            let services = body
                .get("services")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid("services is required and must be a list of strings"))?;
            if services.len() > MAX_DESCRIBE {
                return Err(invalid(&format!(
                    "services has {} entries; at most {MAX_DESCRIBE} are allowed",
                    services.len()
                )));
            }
            let names = services
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| invalid("services must be a list of strings"))?;
            let found = world
                .ecs_describe_services(region, cluster, &names)
                .map_err(ecs_error)?;
            // ECS API Reference, Failure: `arn` and `reason`; API failure reasons
            // (ECS Developer Guide): DescribeServices reports an unknown service with
            // reason MISSING.
            let failures: Vec<Value> = found
                .missing
                .iter()
                .map(|arn| json!({ "arn": arn, "reason": "MISSING" }))
                .collect();
            let services: Vec<Value> = found.services.iter().map(service_json).collect();
            Ok(json!({ "services": services, "failures": failures }))
        }
        "UpdateService" => {
            let cluster = opt_string(body, "cluster")?;
            let service = body
                .get("service")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| invalid("service is required and must be a string"))?;
            let desired = match body.get("desiredCount") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| invalid("desiredCount must be a non-negative integer"))?,
                ),
            };
            let s = world
                .ecs_update_service(region, cluster, service, desired)
                .map_err(ecs_error)?;
            Ok(json!({ "service": service_json(&s) }))
        }
        _ => Err(Protocol::EcsJson.unknown_operation(op)),
    }
}

fn ecs_error(e: CapacityError) -> ApiError {
    match e {
        // ECS API Reference, DescribeServices and UpdateService, Errors:
        // ClusterNotFoundException / ServiceNotFoundException, HTTP Status Code: 400.
        CapacityError::ClusterNotFound(m) => ApiError::new(400, "ClusterNotFoundException", m),
        CapacityError::ServiceNotFound(m) => ApiError::new(400, "ServiceNotFoundException", m),
        CapacityError::AsgValidation(m) => invalid(&m),
    }
}

/// ECS API Reference, every action's Errors: InvalidParameterException, "The specified
/// parameter isn't valid", HTTP 400.
fn invalid(message: &str) -> ApiError {
    ApiError::new(400, "InvalidParameterException", message)
}

fn opt_string<'a>(body: &'a Value, key: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(invalid(&format!("{key} must be a string"))),
    }
}

/// ECS API Reference, Service and Deployment data types. The twin's services have one
/// deployment, PRIMARY, whose counts are the service's.
fn service_json(s: &EcsServiceView) -> Value {
    // Deployment, rolloutState: COMPLETED | FAILED | IN_PROGRESS.
    let rollout = if s.running_count == s.desired_count && s.pending_count == 0 {
        "COMPLETED"
    } else {
        "IN_PROGRESS"
    };
    json!({
        "serviceArn": s.arn,
        "serviceName": s.name,
        "clusterArn": s.cluster_arn,
        "status": s.status,
        "desiredCount": s.desired_count,
        "runningCount": s.running_count,
        "pendingCount": s.pending_count,
        "launchType": s.launch_type,
        "createdAt": epoch(s.created_at),
        "deployments": [{
            "id": format!("ecs-svc/{}", s.name),
            "status": "PRIMARY",
            "desiredCount": s.desired_count,
            "pendingCount": s.pending_count,
            "runningCount": s.running_count,
            "launchType": s.launch_type,
            "rolloutState": rollout,
            "createdAt": epoch(s.created_at),
            "updatedAt": epoch(s.created_at),
        }],
    })
}

/// awsJson1_1 timestamps are epoch seconds.
fn epoch(t: DateTime<Utc>) -> Value {
    json!(t.timestamp_millis() as f64 / 1000.0)
}
