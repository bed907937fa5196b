//! The AWS wire front ends: decode a request in its protocol (awsQuery, awsJson1_0,
//! rpcv2Cbor), call the world, and encode the answer or error in the same protocol.
//!
//! Everything here is synchronous and lock-agnostic: `server` owns sockets, locking and
//! black holes; this module only turns bytes into calls and results into bytes.

pub mod arc_config_rest;
pub mod arc_json;
pub mod autoscaling_query;
pub mod backup_rest;
pub mod cloudwatch;
pub mod ecs_json;
pub mod protocol;
pub mod query;
pub mod rds_query;
pub mod route53_xml;
pub mod sigv4;
pub mod sts_query;
pub mod xml;

pub use protocol::{ApiError, Protocol, Reply};

use crate::emulator::world::{Service, TwinWorld};
use bytes::Bytes;
use hyper::HeaderMap;

/// The CloudWatch service name in both its JSON target and its CBOR path.
pub const CLOUDWATCH_SERVICE: &str = "GraniteServiceVersion20100801";
const CBOR_PREFIX: &str = "/service/GraniteServiceVersion20100801/operation/";
const ARC_TARGET: &str = "ToggleCustomerAPI.";

/// A request as read off the socket.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// GET, POST …: restJson1 routes by method and path.
    pub method: String,
    pub path: String,
    /// The URI query string, without `?` (awsQuery also accepts parameters there).
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A decoded call, ready for the world.
#[derive(Debug, Clone)]
pub struct Call {
    pub service: Service,
    pub protocol: Protocol,
    pub operation: String,
    pub region: String,
    pub input: Input,
}

#[derive(Debug, Clone)]
pub enum Input {
    Query(query::Params),
    Json(serde_json::Value),
    Tree(cloudwatch::Value),
    /// restJson1 (AWS Backup): the routed operation, the URI query and the body
    /// (an empty object when there is none).
    Rest(backup_rest::Route, backup_rest::Query, serde_json::Value),
    /// restJson1 (ARC control config): the routed read and the URI query.
    ArcConfig(arc_config_rest::Route, backup_rest::Query),
    /// restXml (Route 53): the routed read and the URI query.
    Route53(route53_xml::Route, backup_rest::Query),
}

/// A request that failed to decode: answered in its protocol, never executed.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub service: Option<Service>,
    pub protocol: Protocol,
    pub operation: String,
    pub region: String,
    /// Boxed: keeps `Result<Call, Rejected>` small.
    pub error: Box<ApiError>,
}

impl Call {
    /// Mutating calls are throttled per ARC endpoint and flagged in the request log.
    pub fn mutating(&self) -> bool {
        is_mutating(&self.operation)
    }
}

pub fn is_mutating(operation: &str) -> bool {
    matches!(
        operation,
        "UpdateRoutingControlState"
            | "UpdateRoutingControlStates"
            | "SwitchoverGlobalCluster"
            | "FailoverGlobalCluster"
            | "PromoteReadReplica"
            | "CreateDBInstance"
            | "DeleteDBInstance"
            | "DeleteDBCluster"
            | "StartRestoreJob"
            | "UpdateAutoScalingGroup"
            | "SetDesiredCapacity"
            | "UpdateService"
    )
}

fn region_of(req: &Incoming) -> Option<sigv4::Scope> {
    req.header("authorization").and_then(sigv4::scope)
}

fn missing_auth(protocol: Protocol) -> ApiError {
    let _ = protocol;
    ApiError::new(
        403,
        "MissingAuthenticationToken",
        "Request is missing a SigV4 Authorization header with a credential scope",
    )
}

/// Decodes a request on an ARC cluster endpoint listener (awsJson1_0, ToggleCustomerAPI).
pub fn decode_arc(req: &Incoming, endpoint_region: &str) -> Result<Call, Rejected> {
    let protocol = Protocol::ArcJson;
    let operation = req
        .header("x-amz-target")
        .and_then(|t| t.strip_prefix(ARC_TARGET))
        .unwrap_or_default()
        .to_string();
    let reject = |error: ApiError, operation: &str| Rejected {
        service: Some(Service::Arc),
        protocol,
        operation: operation.to_string(),
        region: endpoint_region.to_string(),
        error: Box::new(error),
    };
    let Some(scope) = region_of(req) else {
        return Err(reject(missing_auth(protocol), &operation));
    };
    // Each cluster endpoint is Regional: a request signed for another Region fails
    // signature validation there, as in AWS.
    if scope.region != endpoint_region {
        let err = ApiError::new(
            403,
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to a valid region, not '{}'. \
                 This endpoint is in '{endpoint_region}'.",
                scope.region
            ),
        );
        return Err(reject(err, &operation));
    }
    if operation.is_empty() {
        let target = req.header("x-amz-target").unwrap_or("(none)");
        return Err(reject(protocol.unknown_operation(target), target));
    }
    let input = parse_json(&req.body).map_err(|e| reject(protocol.malformed(&e), &operation))?;
    Ok(Call {
        service: Service::Arc,
        protocol,
        operation,
        region: endpoint_region.to_string(),
        input: Input::Json(input),
    })
}

/// Decodes a request on the main listener: RDS/STS/Auto Scaling (awsQuery),
/// CloudWatch (rpcv2Cbor by path, awsJson1_0 by `x-amz-target`), ECS (awsJson1_1),
/// and by signing name AWS Backup and ARC control config (restJson1) and Route 53
/// (restXml).
pub fn decode_main(req: &Incoming) -> Result<Call, Rejected> {
    if let Some(op) = req.path.strip_prefix(CBOR_PREFIX) {
        return decode_cloudwatch(req, Protocol::CwCbor, op);
    }
    if let Some(target) = req.header("x-amz-target") {
        if let Some(op) = target.strip_prefix(ecs_json::ECS_TARGET) {
            return decode_ecs(req, op);
        }
        return match target
            .strip_prefix(CLOUDWATCH_SERVICE)
            .and_then(|t| t.strip_prefix('.'))
        {
            Some(op) => decode_cloudwatch(req, Protocol::CwJson, op),
            None => Err(Rejected {
                service: None,
                protocol: Protocol::CwJson,
                operation: target.to_string(),
                region: region_of(req).map(|s| s.region).unwrap_or_default(),
                error: Box::new(Protocol::CwJson.unknown_operation(target)),
            }),
        };
    }
    if let Some(scope) = region_of(req) {
        // restJson1 / restXml services route by path, so they are told apart by the
        // SigV4 signing name in the credential scope.
        match scope.service.as_str() {
            "backup" => return decode_backup(req, scope.region),
            "route53-recovery-control-config" => return decode_arc_config(req, scope.region),
            "route53" => return decode_route53(req, scope.region),
            _ => {}
        }
    }
    decode_query(req)
}

/// ARC Recovery Control Configuration (restJson1), signing name
/// `route53-recovery-control-config`. AWS's endpoint for it is in us-west-2 only;
/// the twin serves it for any signing Region (see `arc_config_rest`).
fn decode_arc_config(req: &Incoming, region: String) -> Result<Call, Rejected> {
    let protocol = Protocol::ArcConfigRest;
    match arc_config_rest::route(&req.method, &req.path) {
        Some(route) => Ok(Call {
            service: Service::ArcControlConfig,
            protocol,
            operation: route.operation().to_string(),
            region,
            input: Input::ArcConfig(route, backup_rest::parse_query(&req.query)),
        }),
        None => {
            let what = format!("{} {}", req.method, req.path);
            Err(Rejected {
                service: Some(Service::ArcControlConfig),
                protocol,
                operation: what,
                region,
                error: Box::new(arc_config_rest::unknown(&req.method, &req.path)),
            })
        }
    }
}

/// Amazon Route 53 (restXml), signing name `route53`: global, signed for us-east-1
/// (AWS-FACTS.md), so an impaired us-east-1 black-holes it as in life.
fn decode_route53(req: &Incoming, region: String) -> Result<Call, Rejected> {
    let protocol = Protocol::Route53Xml;
    match route53_xml::route(&req.method, &req.path) {
        Some(route) => Ok(Call {
            service: Service::Route53,
            protocol,
            operation: route.operation().to_string(),
            region,
            input: Input::Route53(route, backup_rest::parse_query(&req.query)),
        }),
        None => {
            let what = format!("{} {}", req.method, req.path);
            Err(Rejected {
                service: Some(Service::Route53),
                protocol,
                operation: what.clone(),
                region,
                error: Box::new(protocol.unknown_operation(&what)),
            })
        }
    }
}

/// AWS Backup (restJson1), recognised by its signing name `backup`.
fn decode_backup(req: &Incoming, region: String) -> Result<Call, Rejected> {
    let protocol = Protocol::BackupRest;
    match backup_rest::route(&req.method, &req.path) {
        Some(route) => {
            let operation = route.operation().to_string();
            let body = parse_json(&req.body).map_err(|e| Rejected {
                service: Some(Service::Backup),
                protocol,
                operation: operation.clone(),
                region: region.clone(),
                error: Box::new(protocol.malformed(&e)),
            })?;
            Ok(Call {
                service: Service::Backup,
                protocol,
                operation,
                region,
                input: Input::Rest(route, backup_rest::parse_query(&req.query), body),
            })
        }
        None => {
            let what = format!("{} {}", req.method, req.path);
            Err(Rejected {
                service: Some(Service::Backup),
                protocol,
                operation: what.clone(),
                region,
                error: Box::new(protocol.unknown_operation(&what)),
            })
        }
    }
}

/// Amazon ECS (awsJson1_1), recognised by its target prefix.
fn decode_ecs(req: &Incoming, op: &str) -> Result<Call, Rejected> {
    let protocol = Protocol::EcsJson;
    let scope = region_of(req);
    let reject = |error: ApiError| Rejected {
        service: Some(Service::Ecs),
        protocol,
        operation: op.to_string(),
        region: scope.as_ref().map(|s| s.region.clone()).unwrap_or_default(),
        error: Box::new(error),
    };
    let Some(scope) = scope.clone() else {
        return Err(reject(missing_auth(protocol)));
    };
    let body = parse_json(&req.body).map_err(|e| reject(protocol.malformed(&e)))?;
    Ok(Call {
        service: Service::Ecs,
        protocol,
        operation: op.to_string(),
        region: scope.region,
        input: Input::Json(body),
    })
}

fn decode_cloudwatch(req: &Incoming, protocol: Protocol, op: &str) -> Result<Call, Rejected> {
    let scope = region_of(req);
    let reject = |error: ApiError| Rejected {
        service: Some(Service::CloudWatch),
        protocol,
        operation: op.to_string(),
        region: scope.as_ref().map(|s| s.region.clone()).unwrap_or_default(),
        error: Box::new(error),
    };
    let Some(scope) = scope.clone() else {
        return Err(reject(missing_auth(protocol)));
    };
    let tree = match protocol {
        Protocol::CwCbor => cloudwatch::cbor::decode(&req.body),
        _ => cloudwatch::json::decode(&req.body),
    }
    .map_err(|e| reject(protocol.malformed(&e)))?;
    Ok(Call {
        service: Service::CloudWatch,
        protocol,
        operation: op.to_string(),
        region: scope.region,
        input: Input::Tree(tree),
    })
}

fn decode_query(req: &Incoming) -> Result<Call, Rejected> {
    let scope = region_of(req);
    let (service, protocol) = match scope.as_ref().map(|s| s.service.as_str()) {
        Some("sts") => (Some(Service::Sts), Protocol::StsQuery),
        Some("rds") => (Some(Service::Rds), Protocol::RdsQuery),
        Some("autoscaling") => (Some(Service::AutoScaling), Protocol::AutoScalingQuery),
        _ => (None, Protocol::RdsQuery),
    };
    let params = query::Params::parse(&req.query, &req.body);
    let operation = params
        .as_ref()
        .ok()
        .and_then(|p| p.get("Action"))
        .unwrap_or_default()
        .to_string();
    let reject = |error: ApiError| Rejected {
        service,
        protocol,
        operation: operation.clone(),
        region: scope.as_ref().map(|s| s.region.clone()).unwrap_or_default(),
        error: Box::new(error),
    };
    let params = params.map_err(|e| reject(protocol.malformed(&e)))?;
    let Some(scope) = scope.clone() else {
        return Err(reject(missing_auth(protocol)));
    };
    let Some(service) = service else {
        return Err(reject(ApiError::new(
            400,
            "InvalidAction",
            format!(
                "The twin serves RDS, STS and Auto Scaling in awsQuery; `{}` is not one of them",
                scope.service
            ),
        )));
    };
    if operation.is_empty() {
        return Err(reject(ApiError::new(
            400,
            "MissingAction",
            "The request must contain the parameter Action",
        )));
    }
    Ok(Call {
        service,
        protocol,
        operation: operation.clone(),
        region: scope.region,
        input: Input::Query(params),
    })
}

fn parse_json(body: &[u8]) -> Result<serde_json::Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        Ok(_) => Err("the request body must be a JSON object".into()),
        Err(e) => Err(format!("the request body is not valid JSON: {e}")),
    }
}

/// Runs a decoded call against the world and encodes the result or error.
pub fn execute(world: &mut TwinWorld, call: &Call, request_id: &str) -> Reply {
    let result = match (&call.service, &call.input) {
        (Service::Arc, Input::Json(body)) => {
            arc_json::handle(world, &call.operation, body).map(|v| call.protocol.json_ok(&v))
        }
        (Service::CloudWatch, Input::Tree(body)) => {
            cloudwatch::handle(world, &call.region, &call.operation, body)
                .map(|v| call.protocol.tree_ok(&v))
        }
        (Service::Rds, Input::Query(params)) => {
            rds_query::handle(world, &call.region, &call.operation, params, request_id)
                .map(Reply::xml)
        }
        (Service::Sts, Input::Query(params)) => {
            sts_query::handle(world, &call.operation, params, request_id).map(Reply::xml)
        }
        (Service::AutoScaling, Input::Query(params)) => {
            autoscaling_query::handle(world, &call.region, &call.operation, params, request_id)
                .map(Reply::xml)
        }
        (Service::Ecs, Input::Json(body)) => {
            ecs_json::handle(world, &call.region, &call.operation, body)
                .map(|v| call.protocol.json_ok(&v))
        }
        (Service::Backup, Input::Rest(route, query, body)) => {
            backup_rest::handle(world, &call.region, route, query, body)
                .map(|v| call.protocol.json_ok(&v))
        }
        (Service::ArcControlConfig, Input::ArcConfig(route, query)) => {
            arc_config_rest::handle(world, route, query).map(|v| call.protocol.json_ok(&v))
        }
        (Service::Route53, Input::Route53(route, query)) => {
            route53_xml::handle(world, route, query).map(Reply::xml)
        }
        _ => Err(call.protocol.unknown_operation(&call.operation)),
    };
    match result {
        Ok(reply) => reply.with_request_id(request_id),
        Err(e) => call.protocol.error(&e, request_id),
    }
}

/// The injected 5xx, in the service's own code and the protocol's shape.
pub fn injected_failure(call: &Call, request_id: &str) -> Reply {
    let code = match call.service {
        // Routing Control (Recovery Cluster) API Reference, every data-plane action's
        // Errors: InternalServerException, HTTP Status Code: 500.
        Service::Arc => "InternalServerException",
        Service::CloudWatch => "InternalServiceError",
        Service::Rds | Service::Sts => "InternalFailure",
        // AWS Backup API reference, every list call's Errors:
        // ServiceUnavailableException, HTTP Status Code: 500.
        Service::Backup => "ServiceUnavailableException",
        // EC2 Auto Scaling API Reference, Common Errors: InternalFailure, HTTP 500.
        Service::AutoScaling => "InternalFailure",
        // ECS API Reference, every action's Errors: ServerException ("These errors are
        // usually caused by a server issue"), HTTP 500.
        Service::Ecs => "ServerException",
        // Recovery Control Configuration API Reference, every action's Errors:
        // InternalServerException, HTTP 500.
        Service::ArcControlConfig => "InternalServerException",
        // Route 53 API Reference, Common Errors: InternalFailure, HTTP 500.
        Service::Route53 => "InternalFailure",
    };
    let err = ApiError::new(500, code, "Injected failure (twin fault: api_error_rate)");
    call.protocol.error(&err, request_id)
}

/// ARC's reply when an endpoint is over its mutating-call quota or set to throttle.
pub fn throttled(call: &Call, request_id: &str) -> Reply {
    let err = ApiError::new(429, "ThrottlingException", "Rate exceeded")
        .with("retryAfterSeconds", serde_json::json!(1));
    call.protocol.error(&err, request_id)
}
