//! CloudWatch alarms per Region: INSUFFICIENT_DATA at creation, OK once evaluated,
//! ALARM while the Region is impaired or the alarm is forced (game day). An alarm whose name says it is a composite
//! (`…region-health…` or `…composite…`, the twin's own convention) is served as a
//! composite alarm over the Region's metric alarms: DescribeAlarms returns it only
//! when `AlarmTypes` asks for `CompositeAlarm` (AWS-FACTS.md; CloudWatch API
//! reference, DescribeAlarms).

use super::AlarmView;
use super::faults::FaultState;
use crate::model::AlarmState;
use chrono::{DateTime, Utc};

/// Sim seconds before a newly created alarm has enough data to leave INSUFFICIENT_DATA.
const FIRST_EVAL_S: u32 = 60;
/// Sim seconds of breaching data before ALARM (one short evaluation period).
const TO_ALARM_S: u32 = 10;
/// Sim seconds of healthy data before an alarm returns to OK.
const TO_OK_S: u32 = 30;

#[derive(Debug, Clone)]
struct Metric {
    namespace: &'static str,
    name: &'static str,
    threshold: f64,
    breaching: f64,
    healthy: f64,
}

/// A plausible metric from the alarm's name.
fn metric_for(name: &str) -> Metric {
    if name.contains("latency") {
        Metric {
            namespace: "AWS/ApplicationELB",
            name: "TargetResponseTime",
            threshold: 1.0,
            breaching: 4.8,
            healthy: 0.12,
        }
    } else {
        Metric {
            namespace: "AWS/ApplicationELB",
            name: "HTTPCode_Target_5XX_Count",
            threshold: 5.0,
            breaching: 57.0,
            healthy: 0.0,
        }
    }
}

/// True for the alarm names the twin serves as composite alarms.
pub(super) fn is_composite_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("region-health") || n.contains("composite")
}

#[derive(Debug, Clone)]
struct Alarm {
    name: String,
    composite: bool,
    region: String,
    metric: Metric,
    state: AlarmState,
    reason: String,
    updated: DateTime<Utc>,
    /// Consecutive sim seconds the data has pointed at another state.
    pending_s: u32,
}

#[derive(Debug, Clone, Default)]
pub(super) struct AlarmBook {
    account: String,
    alarms: Vec<Alarm>,
}

impl AlarmBook {
    pub(super) fn new<'a>(
        account: &str,
        alarms: impl Iterator<Item = (&'a str, &'a str)>,
        created: DateTime<Utc>,
    ) -> AlarmBook {
        AlarmBook {
            account: account.to_string(),
            alarms: alarms
                .map(|(region, name)| Alarm {
                    name: name.to_string(),
                    composite: is_composite_name(name),
                    region: region.to_string(),
                    metric: metric_for(name),
                    state: AlarmState::InsufficientData,
                    reason: "Unchecked: Initial alarm creation".into(),
                    updated: created,
                    pending_s: 0,
                })
                .collect(),
        }
    }

    pub(super) fn tick(&mut self, now: DateTime<Utc>, faults: &FaultState) {
        for a in &mut self.alarms {
            // A forced alarm still waits out its evaluation periods, as a real
            // breach does; a composite follows any forced alarm of its Region.
            let forced = if a.composite {
                faults.any_alarm_forced(&a.region)
            } else {
                faults.alarm_forced(&a.region, &a.name)
            };
            let want = if faults.is_impaired(&a.region) || forced {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            };
            if a.state == want {
                a.pending_s = 0;
                continue;
            }
            a.pending_s += 1;
            let needed = match (a.state, want) {
                (AlarmState::InsufficientData, _) => FIRST_EVAL_S,
                (_, AlarmState::Alarm) => TO_ALARM_S,
                _ => TO_OK_S,
            };
            if a.pending_s >= needed {
                a.reason = if a.composite {
                    composite_reason(a.state, want)
                } else {
                    reason(&a.metric, a.state, want, now)
                };
                a.state = want;
                a.updated = now;
                a.pending_s = 0;
            }
        }
    }

    pub(super) fn views(&self, region: &str, names: &[String]) -> Vec<AlarmView> {
        let rule = |region: &str| {
            let parts: Vec<String> = self
                .alarms
                .iter()
                .filter(|m| m.region == region && !m.composite)
                .map(|m| format!("ALARM(\"{}\")", m.name))
                .collect();
            parts.join(" OR ")
        };
        self.alarms
            .iter()
            .filter(|a| a.region == region)
            .filter(|a| names.is_empty() || names.contains(&a.name))
            .map(|a| AlarmView {
                composite_rule: a.composite.then(|| rule(&a.region)),
                name: a.name.clone(),
                arn: format!(
                    "arn:aws:cloudwatch:{}:{}:alarm:{}",
                    a.region, self.account, a.name
                ),
                state: a.state,
                reason: a.reason.clone(),
                updated: a.updated,
                namespace: a.metric.namespace.to_string(),
                metric_name: a.metric.name.to_string(),
            })
            .collect()
    }
}

/// A composite alarm's StateReason (wording unverified).
fn composite_reason(from: AlarmState, to: AlarmState) -> String {
    format!("Composite alarm rule evaluated to {to} (was {from})")
}

/// CloudWatch's StateReason wording.
fn reason(m: &Metric, from: AlarmState, to: AlarmState, now: DateTime<Utc>) -> String {
    let (value, verb) = match to {
        AlarmState::Alarm => (m.breaching, "was"),
        _ => (m.healthy, "was not"),
    };
    format!(
        "Threshold Crossed: 1 out of the last 1 datapoints [{value:.1} ({})] {verb} greater than or equal to the threshold ({:.1}) (minimum 1 datapoint for {from} -> {to} transition).",
        now.format("%d/%m/%y %H:%M:%S"),
        m.threshold,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::scenario::ImpairMode;
    use chrono::{Duration, TimeZone};

    #[test]
    fn insufficient_data_then_ok_then_alarm() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let mut book = AlarmBook::new("111122223333", [("r1", "api-5xx")].into_iter(), t0);
        let mut faults = FaultState::new(5);
        let state = |b: &AlarmBook| b.views("r1", &[])[0].state;
        assert_eq!(state(&book), AlarmState::InsufficientData);
        for s in 1..=59 {
            book.tick(t0 + Duration::seconds(s), &faults);
        }
        assert_eq!(state(&book), AlarmState::InsufficientData);
        book.tick(t0 + Duration::seconds(60), &faults);
        assert_eq!(state(&book), AlarmState::Ok);
        assert_eq!(book.views("r1", &[])[0].updated, t0 + Duration::seconds(60));
        faults.impair("r1", ImpairMode::Hang);
        for s in 61..=80 {
            book.tick(t0 + Duration::seconds(s), &faults);
        }
        assert_eq!(state(&book), AlarmState::Alarm);
        assert!(book.views("other", &[]).is_empty());
    }
}
