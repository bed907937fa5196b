//! The credentials section: who we are (STS GetCallerIdentity, through the
//! provider) and when the credentials stop working.

use super::{Finding, Severity};
use crate::provider::Provider;
use std::time::{Duration, SystemTime};

/// Under this, expiring credentials are a warning: a failover (RTO in minutes) or a
/// game day started now could outlive them.
pub const EXPIRY_WARNING: Duration = Duration::from_secs(60 * 60);

/// What the credential chain said about expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// The twin's static keys.
    TwinStatic,
    /// Long-term keys (no expiry in the Credentials the chain returned).
    Never,
    At(SystemTime),
    /// The chain gave no credentials.
    Unavailable(String),
}

/// The expiry as a finding, relative to `now`.
pub fn expiry_finding(expiry: &Expiry, now: SystemTime) -> Finding {
    let about = "credentials";
    match expiry {
        Expiry::TwinStatic => Finding::new(
            Severity::Info,
            about,
            "the simulated twin's static keys: they do not expire",
        ),
        Expiry::Never => Finding::new(
            Severity::Info,
            about,
            "long-term access keys: they do not expire (prefer short-lived credentials)",
        ),
        Expiry::Unavailable(e) => Finding::new(
            Severity::Problem,
            about,
            format!("no usable credentials: {e}"),
        ),
        Expiry::At(at) => match at.duration_since(now) {
            Err(_) => Finding::new(Severity::Problem, about, "your credentials have expired"),
            Ok(left) => {
                let text = format!("your credentials expire in {}", human(left));
                if left < EXPIRY_WARNING {
                    Finding::new(
                        Severity::Warning,
                        about,
                        format!("{text}: renew them (e.g. `aws sso login`) before a game day"),
                    )
                } else {
                    Finding::new(Severity::Info, about, text)
                }
            }
        },
    }
}

/// `40 minutes`, `1 minute`, `3 h 5 min`.
pub fn human(d: Duration) -> String {
    let minutes = d.as_secs() / 60;
    match minutes {
        0 => "less than a minute".to_string(),
        1 => "1 minute".to_string(),
        m if m < 120 => format!("{m} minutes"),
        m => format!("{} h {} min", m / 60, m % 60),
    }
}

/// The caller identity as a finding.
pub async fn identity_finding(provider: &Provider) -> Finding {
    match provider.caller_identity().await {
        Ok(id) => Finding::new(
            Severity::Info,
            "identity",
            format!("signed in as {} (account {})", id.arn, id.account),
        )
        .calls("STS GetCallerIdentity"),
        Err(e) => Finding::new(
            Severity::Problem,
            "identity",
            format!("STS GetCallerIdentity failed: {e}"),
        )
        .calls("STS GetCallerIdentity"),
    }
}

/// Expiry of the standard chain's credentials for `profile` (live mode). The
/// provider keeps its chain private, so this resolves the same chain
/// (`aws_config::defaults`, same profile and Region): the SDK's `Credentials::expiry()`
/// is the end of the SSO role session or assumed-role session; static keys have none.
pub async fn live_expiry(profile: Option<&str>, region: Option<&str>, within: Duration) -> Expiry {
    use aws_credential_types::provider::ProvideCredentials;
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    let sdk = loader.load().await;
    let Some(chain) = sdk.credentials_provider() else {
        return Expiry::Unavailable("no credential provider is configured".into());
    };
    match tokio::time::timeout(within, chain.provide_credentials()).await {
        Ok(Ok(c)) => c.expiry().map_or(Expiry::Never, Expiry::At),
        Ok(Err(e)) => Expiry::Unavailable(e.to_string()),
        Err(_) => Expiry::Unavailable(format!(
            "the credential chain gave no answer within {} ms",
            within.as_millis()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_under_an_hour_is_a_warning_in_minutes() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let f = expiry_finding(&Expiry::At(now + Duration::from_secs(40 * 60 + 5)), now);
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.message
                .starts_with("your credentials expire in 40 minutes"),
            "{}",
            f.message
        );
        let f = expiry_finding(&Expiry::At(now + Duration::from_secs(3 * 3600)), now);
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(f.message, "your credentials expire in 3 h 0 min");
        let f = expiry_finding(&Expiry::At(now - Duration::from_secs(1)), now);
        assert_eq!(f.severity, Severity::Problem);
        assert_eq!(
            expiry_finding(&Expiry::TwinStatic, now).severity,
            Severity::Info
        );
    }
}
