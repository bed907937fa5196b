//! STS in awsQuery: GetCallerIdentity, answered with the twin's fixed identity.

use super::protocol::STS_XMLNS;
use super::query::Params;
use super::xml::Xml;
use super::{ApiError, Protocol};
use crate::emulator::world::{ACCOUNT_ID, CALLER_ARN, CALLER_USER_ID};

pub fn handle(op: &str, _params: &Params, request_id: &str) -> Result<String, ApiError> {
    match op {
        "GetCallerIdentity" => {
            let mut x = Xml::new();
            x.open_ns("GetCallerIdentityResponse", STS_XMLNS)
                .open("GetCallerIdentityResult")
                .text("Arn", CALLER_ARN)
                .text("UserId", CALLER_USER_ID)
                .text("Account", ACCOUNT_ID)
                .close("GetCallerIdentityResult")
                .open("ResponseMetadata")
                .text("RequestId", request_id)
                .close("ResponseMetadata")
                .close("GetCallerIdentityResponse");
            Ok(x.finish())
        }
        _ => Err(Protocol::StsQuery.unknown_operation(op)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_identity_has_account_and_request_id() {
        let xml = handle("GetCallerIdentity", &Params::default(), "rid-9").unwrap();
        assert!(xml.contains(&format!("<Account>{ACCOUNT_ID}</Account>")));
        assert!(xml.contains("<ResponseMetadata><RequestId>rid-9</RequestId>"));
        assert_eq!(
            handle("AssumeRole", &Params::default(), "r")
                .unwrap_err()
                .code,
            "InvalidAction"
        );
    }
}
