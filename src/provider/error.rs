//! Typed provider errors: what callers (monitor, runbooks, console) branch on.
//!
//! Every SDK error is classified once, here, so no caller ever inspects SDK types.

use aws_sdk_rds::operation::RequestId;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProviderError {
    /// Read-only mode: refused before any byte was sent.
    #[error("refused in read-only mode: {action}")]
    ReadOnly { action: String },
    #[error("timed out: {detail}")]
    Timeout { detail: String },
    /// Connection refused, reset or dropped, or an unreadable reply.
    #[error("unreachable: {detail}")]
    Unreachable { detail: String },
    /// An ARC safety rule (or its wait period) blocked the update.
    #[error("blocked by safety rule {}: {message}", rule_arns.join(", "))]
    SafetyRule {
        rule_arns: Vec<String>,
        message: String,
    },
    #[error("not found: {message} ({code})")]
    NotFound { code: String, message: String },
    /// The resource is busy or in the wrong state (an operation already runs, …).
    #[error("invalid state: {message} ({code})")]
    InvalidState { code: String, message: String },
    #[error("throttled: {message} ({code})")]
    Throttled { code: String, message: String },
    /// 5xx or EndpointTemporarilyUnavailable: the service side failed, try elsewhere.
    #[error("service unavailable: {message} ({code})")]
    Unavailable { code: String, message: String },
    /// ARC: a ConflictException that names no safety rule. Read as a concurrency
    /// conflict ("try again"): the rotation backs off briefly and moves to the next
    /// endpoint. Whether ARC ever sends a rule refusal without the rule's ARN is not
    /// documented (unverified), so a final one is also judged against the
    /// environment file's rules by the engine.
    #[error("conflict: {message} (ConflictException, HTTP {status})")]
    Conflict { status: u16, message: String },
    /// Any other error reply of the service, with its AWS code, HTTP status and
    /// message intact (AccessDenied, ValidationException, …), so the screen and the
    /// journal show exactly what AWS said.
    #[error("{code} (HTTP {status}): {message}")]
    Refused {
        code: String,
        status: u16,
        message: String,
    },
    /// An error raised on this side (request building, an unexpected SDK error).
    #[error("{code}: {message}")]
    Api { code: String, message: String },
    /// The provider was asked about something it has no client for.
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// The credential chain found nothing usable (live mode).
    #[error("no AWS credentials: {0}")]
    NoCredentials(String),
    /// A mutating call timed out or lost its connection after it was sent: it may or
    /// may not have been applied. Never retried blindly; the caller re-reads state.
    #[error(
        "{operation}: outcome unknown ({detail}): the request may or may not have been \
         applied: re-read state before retrying"
    )]
    OutcomeUnknown { operation: String, detail: String },
}

impl ProviderError {
    /// True when the answer is the ARC cluster's own verdict on the request: it would
    /// be the same on every cluster endpoint (they share one replicated state), so
    /// trying another endpoint is pointless and the error is final.
    pub fn is_cluster_verdict(&self) -> bool {
        match self {
            ProviderError::SafetyRule { .. }
            | ProviderError::NotFound { .. }
            | ProviderError::InvalidState { .. }
            | ProviderError::ReadOnly { .. }
            | ProviderError::NotConfigured(_) => true,
            // A malformed request is malformed on every endpoint. Anything else (an
            // AccessDenied may come from a Region-scoped policy) is worth another endpoint.
            ProviderError::Refused { code, .. } => matches!(
                code.as_str(),
                "ValidationException" | "ServiceLimitExceededException"
            ),
            ProviderError::Api { .. } => true,
            ProviderError::Conflict { .. }
            | ProviderError::Timeout { .. }
            | ProviderError::Unreachable { .. }
            | ProviderError::Throttled { .. }
            | ProviderError::Unavailable { .. }
            | ProviderError::OutcomeUnknown { .. }
            | ProviderError::NoCredentials(_) => false,
        }
    }

    /// True when the error says the endpoint itself could not serve the call (no
    /// answer, throttling, 5xx, a refusal that another endpoint may not give). A
    /// verdict of the cluster (a safety rule, a malformed request, a concurrency
    /// conflict) came from a healthy endpoint and does not count against it.
    pub fn is_endpoint_fault(&self) -> bool {
        !self.is_cluster_verdict() && !matches!(self, ProviderError::Conflict { .. })
    }

    /// True when a mutating call may have been applied even though no answer came.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, ProviderError::OutcomeUnknown { .. })
    }

    /// A short label for logs and the endpoint table.
    pub fn short(&self) -> String {
        match self {
            ProviderError::ReadOnly { .. } => "read-only".into(),
            ProviderError::Timeout { .. } => "timeout".into(),
            ProviderError::Unreachable { .. } => "unreachable".into(),
            ProviderError::SafetyRule { .. } => "safety rule".into(),
            ProviderError::NotFound { code, .. }
            | ProviderError::InvalidState { code, .. }
            | ProviderError::Throttled { code, .. }
            | ProviderError::Unavailable { code, .. }
            | ProviderError::Refused { code, .. }
            | ProviderError::Api { code, .. } => code.clone(),
            ProviderError::Conflict { .. } => "ConflictException".into(),
            ProviderError::NotConfigured(_) => "not configured".into(),
            ProviderError::OutcomeUnknown { .. } => "outcome unknown".into(),
            ProviderError::NoCredentials(_) => "no credentials".into(),
        }
    }
}

/// Classifies any SDK error.
pub fn from_sdk<E>(err: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::TimeoutError(_) => ProviderError::Timeout {
            detail: "no answer within the operation timeout".into(),
        },
        SdkError::DispatchFailure(d) if d.is_timeout() => ProviderError::Timeout {
            detail: chain(&err),
        },
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => ProviderError::Unreachable {
            detail: chain(&err),
        },
        SdkError::ServiceError(s) => {
            let status = s.raw().status().as_u16();
            // A reply without a code (a proxy's 403, an empty body) still says its
            // HTTP status; never "Unknown" with nothing after it.
            let code = s
                .err()
                .code()
                .map_or_else(|| format!("HTTP{status}"), str::to_string);
            let message = s
                .err()
                .message()
                .map_or_else(|| "(no message in the reply)".to_string(), str::to_string);
            classify(code, message, status)
        }
        _ => ProviderError::Api {
            code: "ClientError".into(),
            message: chain(&err),
        },
    }
}

/// Classifies the error of a mutating call. A timeout, a dropped connection or an
/// unreadable reply means the request may have landed: that is
/// [`ProviderError::OutcomeUnknown`], never a plain transport error a caller might
/// retry. Only a refused connection proves nothing was sent.
pub fn from_sdk_mutating<E>(err: SdkError<E, HttpResponse>, operation: &str) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let refused = connection_refused(&err);
    let classified = from_sdk(err);
    if refused {
        return classified;
    }
    outcome_unknown_if_transport(classified, operation)
}

/// Turns a timeout or transport failure of a sent mutating call into
/// [`ProviderError::OutcomeUnknown`]; any other error passes through.
pub fn outcome_unknown_if_transport(err: ProviderError, operation: &str) -> ProviderError {
    match err {
        ProviderError::Timeout { detail } | ProviderError::Unreachable { detail } => {
            ProviderError::OutcomeUnknown {
                operation: operation.to_string(),
                detail,
            }
        }
        other => other,
    }
}

/// True when the connection was refused: the request never left this machine.
fn connection_refused(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    // Bounded, like `chain`.
    for _ in 0..8 {
        let Some(e) = cur else { break };
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The request id of an error reply, when there was one.
///
/// The SDK takes it from the `x-amzn-RequestId` header. An awsQuery error (RDS, STS)
/// also carries it in its body, `<ErrorResponse>…<RequestId>…</RequestId>` (Smithy's
/// awsQuery protocol tests, `QueryInvalidGreetingError`), which the SDK does not read
/// into the error's metadata: without the header it is taken from there, so the
/// journal keeps the id AWS support asks for either way.
pub fn request_id<E>(err: &SdkError<E, HttpResponse>) -> Option<String>
where
    E: ProvideErrorMetadata,
{
    match err {
        SdkError::ServiceError(s) => s
            .err()
            .meta()
            .request_id()
            .map(str::to_string)
            .or_else(|| s.raw().body().bytes().and_then(query_body_request_id)),
        _ => None,
    }
}

/// The text of the `<RequestId>` element of an awsQuery error body, if any.
fn query_body_request_id(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<RequestId>")? + "<RequestId>".len();
    let len = text[start..].find("</RequestId>")?;
    let id = text[start..start + len].trim();
    (!id.is_empty() && id.len() <= 128).then(|| id.to_string())
}

/// Maps an error code (any of the four protocols) to the typed error.
pub fn classify(code: String, message: String, status: u16) -> ProviderError {
    let rule_arns = safety_rule_arns(&message);
    let bare = code.rsplit('#').next().unwrap_or(&code).to_string();
    match bare.as_str() {
        "ConflictException" | "ValidationException" if !rule_arns.is_empty() => {
            ProviderError::SafetyRule { rule_arns, message }
        }
        "ConflictException" => ProviderError::Conflict { status, message },
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException" => ProviderError::Throttled {
            code: bare,
            message,
        },
        "ResourceNotFoundException"
        | "GlobalClusterNotFoundFault"
        | "DBClusterNotFoundFault"
        | "DBInstanceNotFound"
        | "DBInstanceNotFoundFault"
        // ECS API reference, UpdateService / DescribeServices errors.
        | "ServiceNotFoundException"
        | "ClusterNotFoundException" => ProviderError::NotFound {
            code: bare,
            message,
        },
        "InvalidGlobalClusterStateFault"
        | "InvalidDBClusterStateFault"
        | "InvalidDBInstanceState"
        | "InvalidDBInstanceStateFault"
        // EC2 Auto Scaling API reference, UpdateAutoScalingGroup errors: a scaling
        // activity or another update is in progress.
        | "ScalingActivityInProgress"
        | "ResourceContention"
        // ECS API reference, UpdateService: the service is draining or inactive.
        | "ServiceNotActiveException" => ProviderError::InvalidState {
            code: bare,
            message,
        },
        "EndpointTemporarilyUnavailableException"
        | "InternalServerException"
        | "ServiceUnavailable"
        | "InternalFailure" => ProviderError::Unavailable {
            code: bare,
            message,
        },
        _ if status >= 500 => ProviderError::Unavailable {
            code: bare,
            message,
        },
        _ => ProviderError::Refused {
            code: bare,
            status,
            message,
        },
    }
}

/// ARC names the blocking rule's ARN in the message; pick every safety-rule ARN out.
pub fn safety_rule_arns(message: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in message.split(|c: char| c.is_whitespace() || "\"'(),;[]{}".contains(c)) {
        let word = word.trim_end_matches(['.', ':']);
        if word.starts_with("arn:")
            && word.contains("/safetyrule/")
            && !out.iter().any(|o| o == word)
        {
            out.push(word.to_string());
        }
    }
    out
}

/// The error and its sources on one line (the SDK's own Display is terse).
fn chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    // Bounded: error chains are short, but never trust a cycle.
    for _ in 0..8 {
        match cur {
            Some(e) => {
                parts.push(e.to_string());
                cur = e.source();
            }
            None => break,
        }
    }
    parts.dedup();
    parts.join(": ")
}

/// Request id of a successful output.
pub fn output_request_id<O: RequestId>(out: &O) -> Option<String> {
    out.request_id().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str =
        "arn:aws:route53-recovery-control::111122223333:controlpanel/abc/safetyrule/c3d4";

    #[test]
    fn safety_rule_arns_are_parsed_from_the_message() {
        let msg = format!("Cannot update: safety rule {RULE} (at-least-one) would be violated.");
        assert_eq!(safety_rule_arns(&msg), vec![RULE.to_string()]);
        let twice = format!("rules [{RULE}, {RULE}] failed");
        assert_eq!(safety_rule_arns(&twice).len(), 1);
        assert!(safety_rule_arns("no rule here arn:aws:rds:x").is_empty());
    }

    #[test]
    fn codes_map_to_types() {
        let msg = format!("blocked by {RULE}");
        assert!(matches!(
            classify("ConflictException".into(), msg, 409),
            ProviderError::SafetyRule { .. }
        ));
        assert!(matches!(
            classify("ConflictException".into(), "other".into(), 409),
            ProviderError::Conflict { status: 409, .. }
        ));
        assert_eq!(
            classify("AccessDeniedException".into(), "not allowed".into(), 403),
            ProviderError::Refused {
                code: "AccessDeniedException".into(),
                status: 403,
                message: "not allowed".into()
            }
        );
        assert!(matches!(
            classify("InvalidGlobalClusterStateFault".into(), "busy".into(), 400),
            ProviderError::InvalidState { .. }
        ));
        assert!(matches!(
            classify("ThrottlingException".into(), "slow".into(), 429),
            ProviderError::Throttled { .. }
        ));
        assert!(matches!(
            classify("Whatever".into(), "x".into(), 503),
            ProviderError::Unavailable { .. }
        ));
        assert!(matches!(
            classify(
                "com.amazonaws#ResourceNotFoundException".into(),
                "x".into(),
                404
            ),
            ProviderError::NotFound { .. }
        ));
    }

    type RdsErr = SdkError<
        aws_sdk_rds::operation::failover_global_cluster::FailoverGlobalClusterError,
        HttpResponse,
    >;

    #[test]
    fn mutating_timeouts_and_dropped_connections_are_outcome_unknown() {
        use aws_smithy_runtime_api::client::result::ConnectorError;
        let timeout: RdsErr = SdkError::timeout_error("attempt timeout");
        let e = from_sdk_mutating(timeout, "FailoverGlobalCluster");
        assert!(e.is_outcome_unknown(), "{e:?}");
        assert!(
            e.to_string().contains("re-read state before retrying"),
            "{e}"
        );

        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let dropped: RdsErr = SdkError::dispatch_failure(ConnectorError::io(Box::new(reset)));
        assert!(from_sdk_mutating(dropped, "FailoverGlobalCluster").is_outcome_unknown());

        let slow: RdsErr =
            SdkError::dispatch_failure(ConnectorError::timeout("read timed out".into()));
        assert!(from_sdk_mutating(slow, "FailoverGlobalCluster").is_outcome_unknown());
    }

    #[test]
    fn a_refused_connection_is_not_outcome_unknown() {
        use aws_smithy_runtime_api::client::result::ConnectorError;
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err: RdsErr = SdkError::dispatch_failure(ConnectorError::io(Box::new(refused)));
        let e = from_sdk_mutating(err, "FailoverGlobalCluster");
        assert!(matches!(e, ProviderError::Unreachable { .. }), "{e:?}");
        // Reads keep the plain classification.
        let t: RdsErr = SdkError::timeout_error("slow");
        assert!(matches!(from_sdk(t), ProviderError::Timeout { .. }));
        // A service verdict passes through unchanged.
        let busy = classify("InvalidGlobalClusterStateFault".into(), "busy".into(), 400);
        assert_eq!(outcome_unknown_if_transport(busy.clone(), "x"), busy);
    }

    #[test]
    fn cluster_verdicts_are_final_transport_errors_are_not() {
        let invalid = ProviderError::Refused {
            code: "ValidationException".into(),
            status: 400,
            message: String::new(),
        };
        assert!(invalid.is_cluster_verdict());
        assert!(!invalid.is_endpoint_fault());
        // A conflict without a rule is "try again", on another endpoint.
        let conflict = ProviderError::Conflict {
            status: 409,
            message: String::new(),
        };
        assert!(!conflict.is_cluster_verdict());
        assert!(!conflict.is_endpoint_fault());
        let rule = ProviderError::SafetyRule {
            rule_arns: vec![RULE.into()],
            message: String::new(),
        };
        assert!(
            !rule.is_endpoint_fault(),
            "a rule refusal is a healthy answer"
        );
        assert!(
            !ProviderError::Timeout {
                detail: String::new()
            }
            .is_cluster_verdict()
        );
        assert!(
            !ProviderError::Unavailable {
                code: "EndpointTemporarilyUnavailableException".into(),
                message: String::new()
            }
            .is_cluster_verdict()
        );
    }
}
