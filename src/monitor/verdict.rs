//! The per-Region verdict: a pure function of what was observed, with reasons in
//! plain words. No data is never good news: without fresh data the answer is unknown.

use crate::model::snapshot::{AlarmStatus, HealthCheckStatus};
use crate::model::{AlarmState, Verdict};
use chrono::{DateTime, Utc};

/// Everything the verdict depends on.
#[derive(Debug, Clone, Copy)]
pub struct RegionEvidence<'a> {
    pub region: &'a str,
    /// The Region's own APIs answered within the freshness window.
    pub fresh: bool,
    pub last_seen: Option<DateTime<Utc>>,
    pub unreachable_since: Option<DateTime<Utc>>,
    pub last_error: Option<&'a str>,
    pub alarms: &'a [AlarmStatus],
    pub health_checks: &'a [HealthCheckStatus],
    /// False when Route 53 health-check data (read in us-east-1 only) is not fresh.
    pub health_checks_known: bool,
}

/// Clock time as shown to people: `HH:MM:SS UTC`.
pub fn hms(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S UTC").to_string()
}

pub fn verdict(e: &RegionEvidence<'_>) -> (Verdict, Vec<String>) {
    if !e.fresh {
        let why = match (e.unreachable_since, e.last_seen) {
            (Some(since), _) => match e.last_error {
                Some(err) => format!("unreachable since {} ({err})", hms(since)),
                None => format!("unreachable since {}", hms(since)),
            },
            (None, Some(seen)) => format!("no answer since {}", hms(seen)),
            (None, None) => "not read yet".to_string(),
        };
        return (Verdict::Unknown, vec![why]);
    }

    let alarms_read = e.alarms.iter().filter(|a| a.state.is_some()).count();
    let checks_read = if e.health_checks_known {
        e.health_checks
            .iter()
            .filter(|h| h.healthy.is_some())
            .count()
    } else {
        0
    };
    if alarms_read == 0 && checks_read == 0 {
        return (Verdict::Unknown, nothing_to_judge_by(e));
    }

    let mut impaired = Vec::new();
    let mut degraded = Vec::new();
    let mut notes = Vec::new();

    for hc in e.health_checks {
        if hc.healthy == Some(false) {
            impaired.push(format!("health check {} failing", hc.id));
        }
    }
    if !e.health_checks.is_empty() && !e.health_checks_known {
        notes.push(HEALTH_CHECKS_DARK.to_string());
    } else {
        let no_data = e.health_checks.len() - checks_read;
        if no_data > 0 {
            notes.push(format!(
                "{} without recent data (unknown)",
                count(no_data, "health check", "health checks")
            ));
        }
    }

    let in_alarm = e
        .alarms
        .iter()
        .filter(|a| a.state == Some(AlarmState::Alarm))
        .count();
    if !e.alarms.is_empty() && in_alarm == e.alarms.len() {
        impaired.push(if in_alarm == 1 {
            "its only alarm is in ALARM".to_string()
        } else {
            format!("all {in_alarm} alarms in ALARM")
        });
    }
    for a in e.alarms {
        match a.state {
            Some(AlarmState::Alarm) => degraded.push(format!("alarm {} in ALARM", a.name)),
            Some(AlarmState::InsufficientData) => {
                degraded.push(format!("alarm {} has insufficient data", a.name))
            }
            Some(AlarmState::Ok) => {}
            None => degraded.push(format!("alarm {} not found in {}", a.name, e.region)),
        }
    }

    let (v, mut reasons) = if !impaired.is_empty() {
        impaired.extend(degraded);
        (Verdict::Impaired, impaired)
    } else if !degraded.is_empty() {
        (Verdict::Degraded, degraded)
    } else {
        let mut ok = Vec::new();
        if alarms_read > 0 {
            ok.push(format!("{} OK", count(alarms_read, "alarm", "alarms")));
        }
        if checks_read > 0 {
            ok.push(format!(
                "{} passing",
                count(checks_read, "health check", "health checks")
            ));
        }
        (Verdict::Healthy, vec![ok.join(", ")])
    };
    reasons.extend(notes);
    (v, reasons)
}

/// Route 53 publishes health-check metrics in us-east-1 only.
const HEALTH_CHECKS_DARK: &str =
    "health checks unknown: Route 53 metrics are read in us-east-1, which is unreachable";

/// Why a fresh Region still has no verdict: nothing configured, or nothing readable.
fn nothing_to_judge_by(e: &RegionEvidence<'_>) -> Vec<String> {
    if e.alarms.is_empty() && e.health_checks.is_empty() {
        return vec!["no alarms or health checks configured: nothing to judge health by".into()];
    }
    let mut why = vec!["no alarm or health check could be read".to_string()];
    for a in e.alarms {
        why.push(format!("alarm {} not found in {}", a.name, e.region));
    }
    if !e.health_checks.is_empty() {
        if e.health_checks_known {
            why.push(format!(
                "{} without recent data (unknown)",
                count(e.health_checks.len(), "health check", "health checks")
            ));
        } else {
            why.push(HEALTH_CHECKS_DARK.to_string());
        }
    }
    why
}

/// "1 alarm", "2 alarms".
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn alarm(name: &str, state: Option<AlarmState>) -> AlarmStatus {
        AlarmStatus {
            name: name.into(),
            state,
            reason: None,
        }
    }

    fn hc(id: &str, healthy: Option<bool>) -> HealthCheckStatus {
        HealthCheckStatus {
            id: id.into(),
            healthy,
        }
    }

    fn ev<'a>(alarms: &'a [AlarmStatus], hcs: &'a [HealthCheckStatus]) -> RegionEvidence<'a> {
        RegionEvidence {
            region: "us-east-1",
            fresh: true,
            last_seen: None,
            unreachable_since: None,
            last_error: None,
            alarms,
            health_checks: hcs,
            health_checks_known: true,
        }
    }

    #[test]
    fn verdict_table() {
        use AlarmState::{Alarm, InsufficientData, Ok};
        let ok = [alarm("a", Some(Ok)), alarm("b", Some(Ok))];
        let one = [alarm("a", Some(Alarm)), alarm("b", Some(Ok))];
        let all = [alarm("a", Some(Alarm)), alarm("b", Some(Alarm))];
        let insuff = [alarm("a", Some(InsufficientData)), alarm("b", Some(Ok))];
        let missing = [alarm("a", None)];
        let pass = [hc("h", Some(true))];
        let fail = [hc("h", Some(false))];
        let unread = [hc("h", None)];
        let cases: [(&[AlarmStatus], &[HealthCheckStatus], Verdict); 12] = [
            (&ok, &pass, Verdict::Healthy),
            (&ok, &[], Verdict::Healthy),
            (&[], &pass, Verdict::Healthy),
            (&[], &fail, Verdict::Impaired),
            (&one, &pass, Verdict::Degraded),
            (&insuff, &pass, Verdict::Degraded),
            (&all, &pass, Verdict::Impaired),
            (&ok, &fail, Verdict::Impaired),
            (&missing, &pass, Verdict::Degraded),
            // Nothing configured, or nothing readable: no news is not good news.
            (&[], &[], Verdict::Unknown),
            (&missing, &unread, Verdict::Unknown),
            (&[], &unread, Verdict::Unknown),
        ];
        for (alarms, hcs, want) in cases {
            let (got, reasons) = verdict(&ev(alarms, hcs));
            assert_eq!(got, want, "{alarms:?} {hcs:?} → {reasons:?}");
            assert!(!reasons.is_empty());
        }
    }

    #[test]
    fn no_fresh_data_is_unknown_even_with_green_alarms() {
        let ok = [alarm("a", Some(AlarmState::Ok))];
        let since = Utc
            .with_ymd_and_hms(2026, 11, 27, 3, 12, 9)
            .single()
            .unwrap();
        let mut e = ev(&ok, &[]);
        e.fresh = false;
        e.unreachable_since = Some(since);
        e.last_error = Some("timeout");
        let (v, reasons) = verdict(&e);
        assert_eq!(v, Verdict::Unknown);
        assert_eq!(reasons, vec!["unreachable since 03:12:09 UTC (timeout)"]);
        e.unreachable_since = None;
        e.last_seen = None;
        assert_eq!(verdict(&e).1, vec!["not read yet"]);
    }

    #[test]
    fn reasons_name_the_alarm() {
        let one = [
            alarm("api-5xx", Some(AlarmState::Alarm)),
            alarm("b", Some(AlarmState::Ok)),
        ];
        let (_, reasons) = verdict(&ev(&one, &[]));
        assert_eq!(reasons, vec!["alarm api-5xx in ALARM"]);
    }

    #[test]
    fn dark_us_east_1_makes_health_checks_unknown_not_failing() {
        let ok = [alarm("a", Some(AlarmState::Ok))];
        let unknown = [hc("h", None)];
        let mut e = ev(&ok, &unknown);
        e.health_checks_known = false;
        let (v, reasons) = verdict(&e);
        assert_eq!(v, Verdict::Healthy);
        assert_eq!(
            reasons,
            vec![
                "1 alarm OK".to_string(),
                "health checks unknown: Route 53 metrics are read in us-east-1, which is \
                 unreachable"
                    .to_string()
            ]
        );
    }

    #[test]
    fn nothing_configured_or_readable_is_unknown() {
        let (v, reasons) = verdict(&ev(&[], &[]));
        assert_eq!(v, Verdict::Unknown);
        assert_eq!(
            reasons,
            vec!["no alarms or health checks configured: nothing to judge health by"]
        );
        // Only health checks, and us-east-1 is dark: unknown, saying why.
        let unknown = [hc("h", None)];
        let mut e = ev(&[], &unknown);
        e.health_checks_known = false;
        let (v, reasons) = verdict(&e);
        assert_eq!(v, Verdict::Unknown);
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("us-east-1, which is unreachable"))
        );
    }

    #[test]
    fn reasons_use_singular_and_plural() {
        let ok = [
            alarm("a", Some(AlarmState::Ok)),
            alarm("b", Some(AlarmState::Ok)),
        ];
        let pass = [hc("h", Some(true))];
        assert_eq!(
            verdict(&ev(&ok, &pass)).1,
            vec!["2 alarms OK, 1 health check passing"]
        );
        let pass2 = [hc("h", Some(true)), hc("i", Some(true))];
        assert_eq!(
            verdict(&ev(&ok[..1], &pass2)).1,
            vec!["1 alarm OK, 2 health checks passing"]
        );
    }
}
