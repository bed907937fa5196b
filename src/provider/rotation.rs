//! ARC cluster endpoint rotation: the order endpoints are tried in, and what each
//! one did last time (for the snapshot's endpoint table).

use crate::model::snapshot::EndpointStatus;
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use std::time::Duration;

/// Every endpoint exactly once, starting at `start` and wrapping around.
pub fn rotation_order(start: usize, n: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    (0..n).map(|i| (start % n + i) % n).collect()
}

/// A random starting point, so many consoles spread their load over the endpoints.
pub fn random_start(n: usize) -> usize {
    if n == 0 { 0 } else { rand::random_range(0..n) }
}

/// One call on one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub endpoint: usize,
    pub latency: Duration,
    /// `None` when it answered successfully.
    pub error: Option<String>,
}

/// What an endpoint did last.
#[derive(Debug, Clone, Default)]
struct Last {
    latency_ms: Option<u64>,
    error: Option<String>,
    used: Option<DateTime<Utc>>,
}

/// Per-endpoint last latency/error. A std mutex: held only to copy small values,
/// never across an await.
#[derive(Debug)]
pub struct EndpointBook {
    endpoints: Vec<(String, String)>,
    last: Mutex<Vec<Last>>,
}

impl EndpointBook {
    /// `endpoints`: (region, url) in file order.
    pub fn new(endpoints: Vec<(String, String)>) -> Self {
        let last = Mutex::new(vec![Last::default(); endpoints.len()]);
        EndpointBook { endpoints, last }
    }

    pub fn len(&self) -> usize {
        self.endpoints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    pub fn record(&self, attempt: &Attempt) {
        let mut last = match self.last.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(slot) = last.get_mut(attempt.endpoint) {
            slot.latency_ms = Some(u64::try_from(attempt.latency.as_millis()).unwrap_or(u64::MAX));
            slot.error = attempt.error.clone();
            slot.used = Some(Utc::now());
        }
    }

    pub fn statuses(&self) -> Vec<EndpointStatus> {
        let last = match self.last.lock() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        self.endpoints
            .iter()
            .zip(last)
            .enumerate()
            .map(|(index, ((region, url), l))| EndpointStatus {
                index,
                region: region.clone(),
                url: url.clone(),
                last_latency_ms: l.latency_ms,
                last_error: l.error,
                last_used: l.used,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_visits_every_endpoint_once_from_the_start() {
        assert_eq!(rotation_order(0, 5), vec![0, 1, 2, 3, 4]);
        assert_eq!(rotation_order(3, 5), vec![3, 4, 0, 1, 2]);
        assert_eq!(rotation_order(7, 5), vec![2, 3, 4, 0, 1]);
        assert!(rotation_order(0, 0).is_empty());
    }

    #[test]
    fn random_start_is_in_range_and_varies() {
        let starts: std::collections::HashSet<usize> = (0..200).map(|_| random_start(5)).collect();
        assert!(starts.iter().all(|s| *s < 5));
        assert!(
            starts.len() > 1,
            "a random start should not always be the same"
        );
    }

    #[test]
    fn book_keeps_last_result_per_endpoint() {
        let book = EndpointBook::new(vec![
            ("us-east-1".into(), "http://a".into()),
            ("us-west-2".into(), "http://b".into()),
        ]);
        book.record(&Attempt {
            endpoint: 1,
            latency: Duration::from_millis(12),
            error: Some("timeout".into()),
        });
        let s = book.statuses();
        assert_eq!(s[0].last_latency_ms, None);
        assert_eq!(s[1].last_latency_ms, Some(12));
        assert_eq!(s[1].last_error.as_deref(), Some("timeout"));
        book.record(&Attempt {
            endpoint: 1,
            latency: Duration::from_millis(3),
            error: None,
        });
        assert_eq!(book.statuses()[1].last_error, None);
    }
}
