//! STS in awsQuery: GetCallerIdentity, answered with the twin's identity in the
//! account of the environment file it serves.

use super::protocol::STS_XMLNS;
use super::query::Params;
use super::xml::Xml;
use super::{ApiError, Protocol};
use crate::emulator::world::{CALLER_USER_ID, TwinWorld};

pub fn handle(
    world: &TwinWorld,
    op: &str,
    _params: &Params,
    request_id: &str,
) -> Result<String, ApiError> {
    match op {
        "GetCallerIdentity" => {
            let mut x = Xml::new();
            x.open_ns("GetCallerIdentityResponse", STS_XMLNS)
                .open("GetCallerIdentityResult")
                .text("Arn", &world.caller_arn())
                .text("UserId", CALLER_USER_ID)
                .text("Account", world.account())
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
    use crate::config::{DEFAULT_ENV, Environment};
    use chrono::{TimeZone, Utc};

    #[test]
    fn caller_identity_is_in_the_environment_files_account() {
        let text = DEFAULT_ENV.replace("111122223333", "444455556666");
        let env = Environment::parse(&text, "other-account.yaml").expect("env");
        let t0 = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("t");
        let world = TwinWorld::new(&env, 1, t0);
        let xml = handle(&world, "GetCallerIdentity", &Params::default(), "rid-9").unwrap();
        assert!(xml.contains("<Account>444455556666</Account>"), "{xml}");
        assert!(
            xml.contains("<Arn>arn:aws:sts::444455556666:assumed-role/DrOperator/twin</Arn>"),
            "{xml}"
        );
        assert!(!xml.contains("111122223333"), "{xml}");
        assert!(xml.contains("<ResponseMetadata><RequestId>rid-9</RequestId>"));
        assert_eq!(
            handle(&world, "AssumeRole", &Params::default(), "r")
                .unwrap_err()
                .code,
            "InvalidAction"
        );
    }
}
