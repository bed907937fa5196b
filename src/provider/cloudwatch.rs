//! CloudWatch reads: one batched GetMetricData per Region per poll, and DescribeAlarms.

use super::error::from_sdk;
use super::types::{AlarmInfo, MetricPoints, MetricRequest};
use super::{Provider, ProviderError};
use crate::model::AlarmState;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use chrono::{DateTime, TimeZone, Utc};

/// GetMetricData takes at most 500 queries per call.
const MAX_QUERIES: usize = 500;
/// Bound on result pages (each page holds up to 100,800 datapoints).
const MAX_PAGES: usize = 20;
/// Bound on DescribeAlarms pages (100 alarms a page).
const MAX_ALARM_PAGES: usize = 20;

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
                points: Vec::new(),
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

    /// DescribeAlarms in `region` for the named alarms.
    pub async fn describe_alarms(
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
                        .set_next_token(token.take())
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            for a in page.metric_alarms() {
                out.push(AlarmInfo {
                    name: a.alarm_name().unwrap_or_default().to_string(),
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

fn from_smithy(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(t.secs(), t.subsec_nanos()).single()
}
