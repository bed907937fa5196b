//! Metric history: one bounded ring per series, aggregated on read like GetMetricData.

use super::{MetricQuery, MetricSeries};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, VecDeque};

/// Sim seconds between samples.
pub(super) const SAMPLE_EVERY_S: i64 = 5;
/// Three hours of samples.
const CAPACITY: usize = (3 * 3600 / SAMPLE_EVERY_S) as usize;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    region: String,
    namespace: String,
    metric: String,
    dim_name: String,
    dim_value: String,
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
        dim: (&str, &str),
        at: DateTime<Utc>,
        value: f64,
    ) {
        let key = Key {
            region: region.into(),
            namespace: namespace.into(),
            metric: metric.into(),
            dim_name: dim.0.into(),
            dim_value: dim.1.into(),
        };
        let ring = self.series.entry(key).or_default();
        if ring.len() >= CAPACITY {
            ring.pop_front();
        }
        ring.push_back((at, value));
    }

    pub(super) fn query(&self, region: &str, q: &MetricQuery) -> MetricSeries {
        let [(dim_name, dim_value)] = q.dimensions.as_slice() else {
            return MetricSeries::default();
        };
        let key = Key {
            region: region.into(),
            namespace: q.namespace.clone(),
            metric: q.metric_name.clone(),
            dim_name: dim_name.clone(),
            dim_value: dim_value.clone(),
        };
        let (Some(ring), Ok(period)) = (self.series.get(&key), i64::try_from(q.period_s)) else {
            return MetricSeries::default();
        };
        if period <= 0 {
            return MetricSeries::default();
        }
        let mut buckets: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
        for (t, v) in ring.iter().filter(|(t, _)| *t >= q.start && *t < q.end) {
            let k = (*t - q.start).num_seconds() / period;
            buckets.entry(k).or_default().push(*v);
        }
        let mut out = MetricSeries::default();
        for (k, values) in buckets.iter().rev() {
            let Some(v) = aggregate(&q.stat, values) else {
                return MetricSeries::default();
            };
            out.timestamps.push(q.start + Duration::seconds(k * period));
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
    use chrono::TimeZone;

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
                ("D", "x"),
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
        // Samples 1..=9 (t = 5..45): buckets [5,25) = 1..4, [25,45) = 5..8, [45,50) = 9.
        let s = m.query("r", &q("Maximum"));
        assert_eq!(s.values, vec![9.0, 8.0, 4.0]);
        assert_eq!(s.timestamps[0], t0 + Duration::seconds(45));
        assert_eq!(m.query("r", &q("SampleCount")).values, vec![1.0, 4.0, 4.0]);
        assert_eq!(m.query("r", &q("Average")).values, vec![9.0, 6.5, 2.5]);
        assert!(m.query("other", &q("Average")).values.is_empty());
        assert!(m.query("r", &q("p99.9")).values.is_empty());
    }
}
