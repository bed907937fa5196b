//! Metric history: one bounded ring per series, aggregated on read like GetMetricData.

use super::{MetricQuery, MetricSeries};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, VecDeque};

/// Sim seconds between samples.
pub(super) const SAMPLE_EVERY_S: i64 = 5;
/// Three hours of samples.
const CAPACITY: usize = (3 * 3600 / SAMPLE_EVERY_S) as usize;

/// A series is named by its Region, namespace, metric name and its whole set of
/// dimensions (CloudWatch user guide, "Dimensions": each unique combination of
/// dimensions is a separate metric, and a query must name all of them). The set is
/// kept sorted by name, so the order a caller lists dimensions in does not matter
/// (order-insensitivity: unverified, the twin's choice).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    region: String,
    namespace: String,
    metric: String,
    dimensions: Vec<(String, String)>,
}

fn dimension_set<'a>(dims: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let mut set: Vec<(String, String)> = dims
        .into_iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    set.sort();
    set
}

#[derive(Debug, Clone, Default)]
pub(super) struct MetricStore {
    series: BTreeMap<Key, VecDeque<(DateTime<Utc>, f64)>>,
}

impl MetricStore {
    pub(super) fn record(
        &mut self,
        region: &str,
        namespace: &str,
        metric: &str,
        dimensions: &[(&str, &str)],
        at: DateTime<Utc>,
        value: f64,
    ) {
        let key = Key {
            region: region.into(),
            namespace: namespace.into(),
            metric: metric.into(),
            dimensions: dimension_set(dimensions.iter().copied()),
        };
        let ring = self.series.entry(key).or_default();
        if ring.len() >= CAPACITY {
            ring.pop_front();
        }
        ring.push_back((at, value));
    }

    pub(super) fn query(&self, region: &str, q: &MetricQuery) -> MetricSeries {
        let key = Key {
            region: region.into(),
            namespace: q.namespace.clone(),
            metric: q.metric_name.clone(),
            dimensions: dimension_set(q.dimensions.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        };
        let (Some(ring), Ok(period)) = (self.series.get(&key), i64::try_from(q.period_s)) else {
            return MetricSeries::default();
        };
        if period <= 0 {
            return MetricSeries::default();
        }
        // Datapoints sit on period boundaries (a 60 s period gives whole minutes),
        // whatever StartTime the caller sent: CloudWatch rounds StartTime down and
        // buckets from there (AWS-FACTS.md; GetMetricData API reference, StartTime and
        // Period). Buckets are aligned to the epoch, so two polls with different
        // StartTimes stamp the same minute the same way.
        let start = q.start.timestamp().div_euclid(period) * period;
        let end = q.end.timestamp();
        let mut buckets: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
        for (t, v) in ring.iter() {
            let s = t.timestamp();
            if s >= start && s < end {
                buckets.entry(s.div_euclid(period)).or_default().push(*v);
            }
        }
        let mut out = MetricSeries::default();
        for (k, values) in buckets.iter().rev() {
            let (Some(v), Some(at)) = (
                aggregate(&q.stat, values),
                DateTime::<Utc>::from_timestamp(k * period, 0),
            ) else {
                return MetricSeries::default();
            };
            out.timestamps.push(at);
            out.values.push(v);
        }
        out
    }
}

/// None for a statistic CloudWatch does not know.
fn aggregate(stat: &str, values: &[f64]) -> Option<f64> {
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    Some(match stat {
        "Average" => sum / n,
        "Sum" => sum,
        "SampleCount" => n,
        "Maximum" => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        "Minimum" => values.iter().copied().fold(f64::INFINITY, f64::min),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn buckets_newest_first_clipped_and_aggregated() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let mut m = MetricStore::default();
        for i in 0..12 {
            m.record(
                "r",
                "NS",
                "M",
                &[("D", "x")],
                t0 + Duration::seconds(i * 5),
                i as f64,
            );
        }
        let q = |stat: &str| MetricQuery {
            namespace: "NS".into(),
            metric_name: "M".into(),
            dimensions: vec![("D".into(), "x".into())],
            start: t0 + Duration::seconds(5),
            end: t0 + Duration::seconds(50),
            period_s: 20,
            stat: stat.into(),
        };
        // StartTime 5 s rounds down to the 20 s boundary at 0: samples 0..=9 (t = 0..45)
        // fall in [0,20) = 0..3, [20,40) = 4..7, [40,60) = 8..9 (clipped at EndTime).
        let s = m.query("r", &q("Maximum"));
        assert_eq!(s.values, vec![9.0, 7.0, 3.0]);
        assert_eq!(s.timestamps[0], t0 + Duration::seconds(40));
        assert_eq!(m.query("r", &q("SampleCount")).values, vec![2.0, 4.0, 4.0]);
        assert_eq!(m.query("r", &q("Average")).values, vec![8.5, 5.5, 1.5]);
        assert!(m.query("other", &q("Average")).values.is_empty());
        assert!(m.query("r", &q("p99.9")).values.is_empty());
    }

    /// AWS-FACTS.md (GetMetricData API reference): datapoints sit on period boundaries,
    /// so polls with different StartTimes stamp each minute the same way. The old twin
    /// stamped relative to StartTime, so every poll invented new minutes.
    #[test]
    fn timestamps_are_on_period_boundaries_whatever_the_start_time() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let mut m = MetricStore::default();
        for i in 0..120 {
            m.record(
                "r",
                "NS",
                "M",
                &[("D", "x")],
                t0 + Duration::seconds(i * 5),
                1.0,
            );
        }
        let stamps = |start_s: i64| {
            m.query(
                "r",
                &MetricQuery {
                    namespace: "NS".into(),
                    metric_name: "M".into(),
                    dimensions: vec![("D".into(), "x".into())],
                    start: t0 + Duration::seconds(start_s),
                    end: t0 + Duration::seconds(600),
                    period_s: 60,
                    stat: "Maximum".into(),
                },
            )
            .timestamps
        };
        let a = stamps(127);
        let b = stamps(133);
        assert_eq!(a, b);
        assert!(a.iter().all(|t| t.timestamp() % 60 == 0), "{a:?}");
        assert_eq!(a.last().copied(), Some(t0 + Duration::seconds(120)));
    }

    /// CloudWatch user guide, "Dimensions": a query names the whole dimension set; the
    /// twin matches it in any order, and a subset matches nothing.
    #[test]
    fn a_series_is_named_by_its_whole_dimension_set_in_any_order() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let mut m = MetricStore::default();
        m.record("r", "NS", "M", &[("A", "1"), ("B", "2")], t0, 7.0);
        let q = |dims: &[(&str, &str)]| MetricQuery {
            namespace: "NS".into(),
            metric_name: "M".into(),
            dimensions: dims
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            start: t0,
            end: t0 + Duration::seconds(60),
            period_s: 60,
            stat: "Maximum".into(),
        };
        assert_eq!(
            m.query("r", &q(&[("B", "2"), ("A", "1")])).values,
            vec![7.0]
        );
        assert!(m.query("r", &q(&[("A", "1")])).values.is_empty());
        assert!(
            m.query("r", &q(&[("A", "1"), ("B", "3")]))
                .values
                .is_empty()
        );
    }
}
