//! Replies and errors in each protocol's real shape.

use super::cloudwatch::{self, Value};
use super::xml::Xml;

pub const RDS_XMLNS: &str = "http://rds.amazonaws.com/doc/2014-10-31/";
pub const STS_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// Route 53 API Reference: every request and response document is in this namespace.
pub const ROUTE53_XMLNS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";
const CW_SHAPE_NS: &str = "com.amazonaws.cloudwatch";

/// A response ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn xml(body: String) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type", "text/xml".into())],
            body: body.into_bytes(),
        }
    }

    pub fn with_request_id(mut self, id: &str) -> Reply {
        self.headers.push(("x-amzn-RequestId", id.to_string()));
        self
    }
}

/// An AWS error: HTTP status, code, message, and (JSON only) extra members such as
/// `resourceId` or `retryAfterSeconds`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub extra: Vec<(&'static str, serde_json::Value)>,
}

impl ApiError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            extra: Vec::new(),
        }
    }

    pub fn with(mut self, key: &'static str, value: serde_json::Value) -> ApiError {
        self.extra.push((key, value));
        self
    }
}

/// The wire protocol a request arrived in; replies go back in the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    RdsQuery,
    StsQuery,
    ArcJson,
    /// CloudWatch in awsJson1_0 (boto3, AWS CLI).
    CwJson,
    /// CloudWatch in Smithy rpcv2Cbor (aws-sdk-cloudwatch ≥ 1.100).
    CwCbor,
    /// AWS Backup in restJson1.
    BackupRest,
    /// EC2 Auto Scaling in awsQuery.
    AutoScalingQuery,
    /// Amazon ECS in awsJson1_1.
    EcsJson,
    /// ARC Recovery Control Configuration in restJson1.
    ArcConfigRest,
    /// Amazon Route 53 in restXml.
    Route53Xml,
}

impl Protocol {
    pub fn unknown_operation(self, op: &str) -> ApiError {
        match self {
            Protocol::RdsQuery | Protocol::StsQuery | Protocol::AutoScalingQuery => ApiError::new(
                400,
                "InvalidAction",
                format!("The action {op} is not valid for this web service."),
            ),
            // Smithy rpcv2Cbor routes by path: an unknown operation is a missing route.
            Protocol::CwCbor
            | Protocol::BackupRest
            | Protocol::ArcConfigRest
            | Protocol::Route53Xml => ApiError::new(
                404,
                "UnknownOperationException",
                format!("Unknown operation {op}"),
            ),
            Protocol::ArcJson | Protocol::CwJson | Protocol::EcsJson => ApiError::new(
                400,
                "UnknownOperationException",
                format!("Unknown operation {op}"),
            ),
        }
    }

    pub fn malformed(self, detail: &str) -> ApiError {
        match self {
            Protocol::RdsQuery | Protocol::StsQuery | Protocol::AutoScalingQuery => {
                ApiError::new(400, "MalformedQueryString", detail)
            }
            Protocol::ArcJson
            | Protocol::CwJson
            | Protocol::CwCbor
            | Protocol::BackupRest
            | Protocol::ArcConfigRest
            | Protocol::EcsJson => ApiError::new(400, "SerializationException", detail),
            // Route 53 API Reference, every action's Errors: InvalidInput, "The input is
            // not valid", HTTP 400.
            Protocol::Route53Xml => ApiError::new(400, "InvalidInput", detail),
        }
    }

    pub fn error(self, err: &ApiError, request_id: &str) -> Reply {
        let reply = match self {
            Protocol::RdsQuery => query_error(RDS_XMLNS, err, request_id),
            Protocol::StsQuery => query_error(STS_XMLNS, err, request_id),
            Protocol::AutoScalingQuery => {
                query_error(super::autoscaling_query::AUTOSCALING_XMLNS, err, request_id)
            }
            Protocol::ArcJson => json_error(err, JSON_1_0, false),
            Protocol::CwJson => json_error(err, JSON_1_0, true),
            Protocol::EcsJson => json_error(err, JSON_1_1, false),
            Protocol::CwCbor => cbor_error(err),
            Protocol::BackupRest => rest_json_error(err),
            Protocol::ArcConfigRest => arc_config_error(err),
            // restXml wraps errors as awsQuery does (<ErrorResponse><Error>…), which
            // is what aws-sdk-route53's rest_xml_wrapped_errors parses.
            Protocol::Route53Xml => query_error(ROUTE53_XMLNS, err, request_id),
        };
        reply.with_request_id(request_id)
    }

    pub fn json_ok(self, body: &serde_json::Value) -> Reply {
        let content_type = match self {
            Protocol::BackupRest | Protocol::ArcConfigRest => "application/json",
            Protocol::EcsJson => JSON_1_1,
            _ => JSON_1_0,
        };
        Reply {
            status: 200,
            headers: vec![("content-type", content_type.into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A CloudWatch result tree in this protocol (CBOR or JSON).
    pub fn tree_ok(self, body: &Value) -> Reply {
        match self {
            Protocol::CwCbor => Reply {
                status: 200,
                headers: cbor_headers(),
                body: cloudwatch::cbor::encode(body),
            },
            _ => self.json_ok(&cloudwatch::json::encode(body)),
        }
    }
}

fn query_error(xmlns: &str, err: &ApiError, request_id: &str) -> Reply {
    let kind = if err.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    let mut x = Xml::new();
    x.open_ns("ErrorResponse", xmlns)
        .open("Error")
        .text("Type", kind)
        .text("Code", &err.code)
        .text("Message", &err.message)
        .close("Error")
        .text("RequestId", request_id)
        .close("ErrorResponse");
    Reply {
        status: err.status,
        headers: vec![("content-type", "text/xml".into())],
        body: x.finish().into_bytes(),
    }
}

const JSON_1_0: &str = "application/x-amz-json-1.0";
const JSON_1_1: &str = "application/x-amz-json-1.1";

fn json_error(err: &ApiError, content_type: &str, query_compatible: bool) -> Reply {
    let mut body = serde_json::Map::new();
    body.insert("__type".into(), err.code.clone().into());
    body.insert("message".into(), err.message.clone().into());
    for (k, v) in &err.extra {
        body.insert((*k).to_string(), v.clone());
    }
    let mut headers = vec![
        ("content-type", content_type.to_string()),
        ("x-amzn-errortype", err.code.clone()),
    ];
    if query_compatible {
        // CloudWatch is awsQueryCompatible: botocore reads the query-era code from here.
        let kind = if err.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        headers.push(("x-amzn-query-error", format!("{};{kind}", err.code)));
    }
    Reply {
        status: err.status,
        headers,
        body: serde_json::Value::Object(body).to_string().into_bytes(),
    }
}

/// restJson1: the code in `x-amzn-errortype`, and AWS Backup's error members
/// (`Code`, `Message`, `Type`: its exceptions' shapes in the API reference).
fn rest_json_error(err: &ApiError) -> Reply {
    let kind = if err.status >= 500 { "Service" } else { "User" };
    let body = serde_json::json!({
        "Code": err.code,
        "Message": err.message,
        "Type": kind,
    });
    rest_json_reply(err, &body)
}

/// A restJson1 error: the code in `x-amzn-errortype`, the service's body shape.
fn rest_json_reply(err: &ApiError, body: &serde_json::Value) -> Reply {
    Reply {
        status: err.status,
        headers: vec![
            ("content-type", "application/json".to_string()),
            ("x-amzn-errortype", err.code.clone()),
        ],
        body: body.to_string().into_bytes(),
    }
}

/// restJson1 for the ARC control-config API: the code in `x-amzn-errortype` and
/// the exception's one member, `message` (aws-sdk-route53recoverycontrolconfig's
/// shape_validation_exception / shape_resource_not_found_exception read `message`).
fn arc_config_error(err: &ApiError) -> Reply {
    rest_json_reply(err, &serde_json::json!({ "message": err.message }))
}

fn cbor_error(err: &ApiError) -> Reply {
    let tree = Value::Map(vec![
        (
            "__type".into(),
            Value::Str(format!("{CW_SHAPE_NS}#{}", err.code)),
        ),
        ("message".into(), Value::Str(err.message.clone())),
    ]);
    Reply {
        status: err.status,
        headers: cbor_headers(),
        body: cloudwatch::cbor::encode(&tree),
    }
}

fn cbor_headers() -> Vec<(&'static str, String)> {
    vec![
        ("content-type", "application/cbor".into()),
        ("smithy-protocol", "rpc-v2-cbor".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_errors_carry_type_code_and_request_id() {
        let err = ApiError::new(404, "GlobalClusterNotFoundFault", "no such <id>");
        let r = Protocol::RdsQuery.error(&err, "req-1");
        let body = String::from_utf8(r.body).unwrap();
        assert_eq!(r.status, 404);
        assert!(body.contains(
            "<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error>\
             <Type>Sender</Type><Code>GlobalClusterNotFoundFault</Code>\
             <Message>no such &lt;id&gt;</Message></Error><RequestId>req-1</RequestId>"
        ));
        assert!(r.headers.contains(&("x-amzn-RequestId", "req-1".into())));
    }

    #[test]
    fn json_errors_carry_type_header_and_extras() {
        let err = ApiError::new(409, "ConflictException", "blocked by arn:x")
            .with("resourceId", "arn:x".into());
        let r = Protocol::ArcJson.error(&err, "r");
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(r.status, 409);
        assert_eq!(v["__type"], "ConflictException");
        assert_eq!(v["message"], "blocked by arn:x");
        assert_eq!(v["resourceId"], "arn:x");
        assert!(
            r.headers
                .contains(&("x-amzn-errortype", "ConflictException".into()))
        );
    }

    #[test]
    fn server_errors_are_receiver_faults() {
        let err = ApiError::new(500, "InternalFailure", "boom");
        let r = Protocol::StsQuery.error(&err, "r");
        assert!(
            String::from_utf8(r.body)
                .unwrap()
                .contains("<Type>Receiver</Type>")
        );
    }
}
