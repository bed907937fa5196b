//! CloudWatch reads: one batched GetMetricData per Region per poll, and DescribeAlarms.

use super::error::from_sdk;
use super::types::{AlarmInfo, MetricPoints, MetricRequest};
use super::{Provider, ProviderError};
use crate::model::AlarmState;
use aws_sdk_cloudwatch::types::{AlarmType, Dimension, Metric, MetricDataQuery, MetricStat};
use chrono::{DateTime, TimeZone, Utc};

/// GetMetricData takes at most 500 queries per call.
const MAX_QUERIES: usize = 500;
/// Bound on result pages (each page holds up to 100,800 datapoints).
const MAX_PAGES: usize = 20;
/// Bound on DescribeAlarms pages (100 alarms a page).
const MAX_ALARM_PAGES: usize = 20;
/// DescribeAlarms takes at most 100 AlarmNames per call (AWS-FACTS.md; CloudWatch API
/// reference, DescribeAlarms).
const MAX_ALARM_NAMES: usize = 100;

impl Provider {
    /// Fetches every requested metric in `region` between `start` and `end` in one call
    /// (paging through results). Points come back oldest first.
    pub async fn get_metric_data(
        &self,
        region: &str,
        requests: &[MetricRequest],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<MetricPoints>, ProviderError> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        if requests.len() > MAX_QUERIES {
            return Err(ProviderError::Api {
                code: "ClientError".into(),
                message: format!(
                    "{} metrics in one call (at most {MAX_QUERIES})",
                    requests.len()
                ),
            });
        }
        let client = self.cloudwatch(region)?;
        // Query ids must start with a lower-case letter; map them back to the keys.
        let queries: Vec<MetricDataQuery> = requests
            .iter()
            .enumerate()
            .map(|(i, r)| query(i, r))
            .collect();
        let mut results: Vec<MetricPoints> = requests
            .iter()
            .map(|r| MetricPoints {
                key: r.key.clone(),
                ..MetricPoints::default()
            })
            .collect();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let out = self
                .bounded(
                    client
                        .get_metric_data()
                        .set_metric_data_queries(Some(queries.clone()))
                        .start_time(to_smithy(start))
                        .end_time(to_smithy(end))
                        .set_next_token(token.take())
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            for r in out.metric_data_results() {
                let Some(idx) = r.id().and_then(index_of) else {
                    continue;
                };
                let Some(slot) = results.get_mut(idx) else {
                    continue;
                };
                for (t, v) in r.timestamps().iter().zip(r.values()) {
                    if let Some(t) = from_smithy(t) {
                        slot.points.push((t, *v));
                    }
                }
                let messages: Vec<String> = r
                    .messages()
                    .iter()
                    .map(|m| {
                        format!(
                            "{}: {}",
                            m.code().unwrap_or_default(),
                            m.value().unwrap_or_default()
                        )
                    })
                    .collect();
                let status = r.status_code().map(|s| s.as_str().to_string());
                judge_status(slot, status.as_deref(), &messages);
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        for r in &mut results {
            r.points.sort_by_key(|p| p.0);
            r.points.dedup_by_key(|p| p.0);
        }
        Ok(results)
    }

    /// DescribeAlarms in `region` for the named alarms, metric and composite alike:
    /// without `AlarmTypes` CloudWatch returns metric alarms only, so a composite
    /// Region-health alarm would read as "not found" (AWS-FACTS.md). More than 100
    /// names are asked for in batches of 100.
    pub async fn describe_alarms(
        &self,
        region: &str,
        names: &[String],
    ) -> Result<Vec<AlarmInfo>, ProviderError> {
        if names.is_empty() {
            return self.describe_alarm_batch(region, &[]).await;
        }
        let mut out = Vec::new();
        for batch in names.chunks(MAX_ALARM_NAMES) {
            out.extend(self.describe_alarm_batch(region, batch).await?);
        }
        Ok(out)
    }

    /// One DescribeAlarms (paged) for at most 100 names.
    async fn describe_alarm_batch(
        &self,
        region: &str,
        names: &[String],
    ) -> Result<Vec<AlarmInfo>, ProviderError> {
        let client = self.cloudwatch(region)?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_ALARM_PAGES {
            let page = self
                .bounded(
                    client
                        .describe_alarms()
                        .set_alarm_names((!names.is_empty()).then(|| names.to_vec()))
                        .alarm_types(AlarmType::MetricAlarm)
                        .alarm_types(AlarmType::CompositeAlarm)
                        .set_next_token(token.take())
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            for a in page.metric_alarms() {
                out.push(AlarmInfo {
                    name: a.alarm_name().unwrap_or_default().to_string(),
                    composite: false,
                    state: a.state_value().and_then(|s| AlarmState::parse(s.as_str())),
                    reason: a.state_reason().map(str::to_string),
                });
            }
            for a in page.composite_alarms() {
                out.push(AlarmInfo {
                    name: a.alarm_name().unwrap_or_default().to_string(),
                    composite: true,
                    state: a.state_value().and_then(|s| AlarmState::parse(s.as_str())),
                    reason: a.state_reason().map(str::to_string),
                });
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }
}

/// Applies one result's StatusCode (AWS-FACTS.md; GetMetricData API reference,
/// MetricDataResult.StatusCode: Complete | PartialData | InternalError | Forbidden).
/// PartialData: the points are real but more pages follow (or the page bound cut them
/// off): kept, and noted. InternalError and Forbidden — and any status word not
/// known here — make the metric unknown: its points are dropped, never shown as
/// current.
fn judge_status(slot: &mut MetricPoints, status: Option<&str>, messages: &[String]) {
    let detail = |code: &str| {
        if messages.is_empty() {
            code.to_string()
        } else {
            format!("{code} ({})", messages.join("; "))
        }
    };
    match status {
        // A later page completes what an earlier one called partial.
        None | Some("Complete") => {
            if slot
                .incomplete
                .as_deref()
                .is_some_and(|i| i.starts_with("PartialData"))
            {
                slot.incomplete = None;
            }
        }
        Some("PartialData") => slot.incomplete = Some(detail("PartialData")),
        Some(other) => {
            slot.points.clear();
            slot.incomplete = Some(detail(other));
        }
    }
}

fn query(i: usize, r: &MetricRequest) -> MetricDataQuery {
    let dims: Vec<Dimension> = r
        .dimensions
        .iter()
        .map(|(n, v)| Dimension::builder().name(n).value(v).build())
        .collect();
    let metric = Metric::builder()
        .namespace(&r.namespace)
        .metric_name(&r.metric_name)
        .set_dimensions(Some(dims))
        .build();
    let stat = MetricStat::builder()
        .metric(metric)
        .period(r.period_s)
        .stat(&r.stat)
        .build();
    MetricDataQuery::builder()
        .id(format!("m{i}"))
        .metric_stat(stat)
        .return_data(true)
        .build()
}

fn index_of(id: &str) -> Option<usize> {
    id.strip_prefix('m')?.parse().ok()
}

fn to_smithy(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs_and_nanos(t.timestamp(), t.timestamp_subsec_nanos())
}

pub(super) fn from_smithy(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(t.secs(), t.subsec_nanos()).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> MetricPoints {
        MetricPoints {
            key: "k".into(),
            points: vec![(Utc::now(), 1.0)],
            incomplete: None,
        }
    }

    #[test]
    fn status_codes_keep_partial_data_and_drop_errors() {
        let mut s = slot();
        judge_status(&mut s, Some("Complete"), &[]);
        assert_eq!((s.points.len(), s.incomplete.as_deref()), (1, None));
        let mut s = slot();
        judge_status(&mut s, Some("PartialData"), &[]);
        assert_eq!(s.points.len(), 1);
        assert_eq!(s.incomplete.as_deref(), Some("PartialData"));
        for code in ["InternalError", "Forbidden", "SomethingNew"] {
            let mut s = slot();
            judge_status(&mut s, Some(code), &["Throttled: slow down".to_string()]);
            assert!(s.points.is_empty(), "{code}");
            assert_eq!(
                s.incomplete.as_deref(),
                Some(format!("{code} (Throttled: slow down)").as_str())
            );
        }
    }
}
