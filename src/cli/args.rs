//! Value parsers for numeric flags: a clear message instead of clap's generic one,
//! and negative numbers reach these parsers (rather than being read as flags).

/// Default of `--connect-timeout-ms` (the arithmetic is at `provider::DEFAULT_CONNECT_TIMEOUT`).
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 2_000;
/// Default of `--attempt-timeout-ms`.
pub const DEFAULT_ATTEMPT_TIMEOUT_MS: u64 = 4_000;

/// Lowest poll period: faster polling only burns API quota.
const MIN_POLL_MS: u64 = 100;
/// Longest timeout accepted (10 minutes): anything longer is a typo.
const MAX_TIMEOUT_MS: u64 = 600_000;

/// `--speed`: a finite number greater than 0.
pub fn speed(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number; use a speed like 1, 10 or 0.5"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!(
            "the speed must be a finite number greater than 0 (got {s})"
        ));
    }
    Ok(v)
}

/// `--poll-ms`: at least 100.
pub fn poll_ms(s: &str) -> Result<u64, String> {
    let v = whole_number(s)?;
    if v < MIN_POLL_MS {
        return Err(format!(
            "the poll period must be at least {MIN_POLL_MS} ms (got {s})"
        ));
    }
    Ok(v)
}

/// Timeouts in milliseconds: 1 to 600000.
pub fn timeout_ms(s: &str) -> Result<u64, String> {
    let v = whole_number(s)?;
    if v == 0 || v > MAX_TIMEOUT_MS {
        return Err(format!(
            "a timeout must be between 1 and {MAX_TIMEOUT_MS} ms (got {s})"
        ));
    }
    Ok(v)
}

/// Seconds: at least 1.
pub fn seconds(s: &str) -> Result<u64, String> {
    let v = whole_number(s)?;
    if v == 0 {
        return Err("must be at least 1 second (got 0)".to_string());
    }
    Ok(v)
}

fn whole_number(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!("must not be negative (got {s})"));
    }
    t.parse()
        .map_err(|_| format!("'{s}' is not a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    #[test]
    fn speed_must_be_finite_and_positive() {
        assert_eq!(speed("2.5"), Ok(2.5));
        for bad in ["-1", "0", "nan", "inf", "-inf", "fast"] {
            assert!(speed(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn poll_and_timeouts_have_floors() {
        assert_eq!(poll_ms("100"), Ok(100));
        assert!(poll_ms("99").is_err());
        assert!(poll_ms("-5").unwrap_err().contains("negative"));
        assert_eq!(timeout_ms("300"), Ok(300));
        assert!(timeout_ms("0").is_err());
        assert!(seconds("0").is_err());
    }

    #[test]
    fn a_negative_speed_reaches_the_parser() {
        let err =
            Cli::try_parse_from(["drconsole", "status", "--speed", "-1"]).expect_err("refused");
        let text = err.to_string();
        assert!(text.contains("greater than 0"), "{text}");
        assert!(!text.contains("unexpected argument"), "{text}");
        let err =
            Cli::try_parse_from(["drconsole", "emulator", "--speed", "-1"]).expect_err("refused");
        assert!(err.to_string().contains("greater than 0"), "{err}");
        let err = Cli::try_parse_from(["drconsole", "--poll-ms", "50"]).expect_err("too fast");
        assert!(err.to_string().contains("at least 100 ms"), "{err}");
    }

    #[test]
    fn timeout_flags_default_and_feed_the_provider() {
        let cli = Cli::try_parse_from(["drconsole", "status"]).expect("defaults");
        let Some(crate::cli::Command::Status(s)) = cli.command else {
            panic!("status");
        };
        let cfg = s.target.provider_config();
        assert_eq!(
            cfg.connect_timeout,
            crate::provider::DEFAULT_CONNECT_TIMEOUT
        );
        assert_eq!(
            cfg.attempt_timeout,
            crate::provider::DEFAULT_ATTEMPT_TIMEOUT
        );
        assert_eq!(cfg, crate::provider::ProviderConfig::default());
        let cli = Cli::try_parse_from([
            "drconsole",
            "status",
            "--connect-timeout-ms",
            "50",
            "--attempt-timeout-ms",
            "4000",
        ])
        .expect("custom");
        let Some(crate::cli::Command::Status(s)) = cli.command else {
            panic!("status");
        };
        let cfg = s.target.provider_config();
        assert_eq!(cfg.connect_timeout.as_millis(), 50);
        assert_eq!(cfg.attempt_timeout.as_millis(), 4000);
        assert!(cfg.operation_timeout >= cfg.attempt_timeout * 2);
    }
}
