//! Bounded history of one metric: (time, value) pairs, oldest first.

use chrono::{DateTime, Utc};
use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct History {
    cap: usize,
    points: VecDeque<(DateTime<Utc>, f64)>,
}

impl History {
    pub fn new(cap: usize) -> Self {
        History {
            cap: cap.max(1),
            points: VecDeque::new(),
        }
    }

    /// Merges datapoints (any order). A point for a period already held replaces it
    /// (CloudWatch revises the current, partial period); older periods are kept.
    pub fn merge(&mut self, points: &[(DateTime<Utc>, f64)]) {
        let mut sorted = points.to_vec();
        sorted.sort_by_key(|p| p.0);
        for (t, v) in sorted {
            match self.points.iter().position(|(pt, _)| *pt >= t) {
                Some(i) if self.points[i].0 == t => self.points[i].1 = v,
                Some(i) => self.points.insert(i, (t, v)),
                None => self.points.push_back((t, v)),
            }
        }
        while self.points.len() > self.cap {
            self.points.pop_front();
        }
    }

    pub fn latest(&self) -> Option<(DateTime<Utc>, f64)> {
        self.points.back().copied()
    }

    /// Every (period start, value), oldest first.
    pub fn points(&self) -> Vec<(DateTime<Utc>, f64)> {
        self.points.iter().copied().collect()
    }

    pub fn values(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.1).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).single().unwrap()
    }

    #[test]
    fn merge_orders_replaces_and_bounds() {
        let mut h = History::new(3);
        h.merge(&[(t(60), 2.0), (t(0), 1.0)]);
        assert_eq!(h.values(), vec![1.0, 2.0]);
        h.merge(&[(t(60), 5.0)]);
        assert_eq!(h.values(), vec![1.0, 5.0]);
        h.merge(&[(t(120), 3.0), (t(180), 4.0)]);
        assert_eq!(h.values(), vec![5.0, 3.0, 4.0]);
        assert_eq!(h.latest(), Some((t(180), 4.0)));
    }
}
