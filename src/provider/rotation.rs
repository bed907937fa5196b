//! ARC cluster endpoint rotation: the order endpoints are tried in, and what each
//! one did last time (for the snapshot's endpoint table).

use crate::model::snapshot::EndpointStatus;
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// What the book knows of an endpoint right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// Its last call, recently, got an answer (success or a cluster verdict).
    Answers,
    /// Not used recently: no opinion.
    Unknown,
    /// Its last call, recently, failed (no answer, throttled, 5xx).
    Fails,
}

/// Orders endpoints: those known to answer first, then the unknown, then those that
/// failed recently, keeping the rotation order inside each group. Every endpoint is
/// still tried, but a call (an update above all) starts where an answer is expected,
/// so a known-dark endpoint does not cost a timeout on every call.
pub fn prefer_answering(order: Vec<usize>, known: &[Known]) -> Vec<usize> {
    let of = |i: &usize| known.get(*i).copied().unwrap_or(Known::Unknown);
    let mut out: Vec<usize> = order
        .iter()
        .copied()
        .filter(|i| of(i) == Known::Answers)
        .collect();
    out.extend(order.iter().copied().filter(|i| of(i) == Known::Unknown));
    out.extend(order.iter().copied().filter(|i| of(i) == Known::Fails));
    out
}

/// One call on one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub endpoint: usize,
    pub latency: Duration,
    /// `None` when it answered successfully; otherwise a short label of the error.
    pub error: Option<String>,
    /// The request was (or may have been) sent and no verdict came back: a timeout
    /// after sending, a connection reset after sending, an unreadable reply. For an
    /// update this means it may have been applied. Set from the error's type, never
    /// from its text.
    pub may_have_landed: bool,
    /// The endpoint itself failed (see [`ProviderError::is_endpoint_fault`]); a
    /// safety-rule refusal or another cluster verdict is a healthy answer.
    ///
    /// [`ProviderError::is_endpoint_fault`]: super::ProviderError::is_endpoint_fault
    pub endpoint_fault: bool,
}

impl Attempt {
    /// A successful attempt.
    pub fn answered(endpoint: usize, latency: Duration) -> Self {
        Attempt {
            endpoint,
            latency,
            error: None,
            may_have_landed: false,
            endpoint_fault: false,
        }
    }
}

/// What an endpoint did last.
#[derive(Debug, Clone, Default)]
struct Last {
    latency_ms: Option<u64>,
    /// The endpoint's own failure, if its last call failed; a cluster verdict is not.
    error: Option<String>,
    /// Wall time, for display.
    used: Option<DateTime<Utc>>,
    /// Monotonic time, for freshness: a clock step must not revive old knowledge.
    at: Option<Instant>,
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
            slot.error = if attempt.endpoint_fault {
                attempt.error.clone()
            } else {
                None
            };
            slot.used = Some(Utc::now());
            slot.at = Some(Instant::now());
        }
    }

    /// What is known of each endpoint from calls less than `within` ago. After
    /// that an endpoint is unknown again, so a recovered one is noticed.
    pub fn known(&self, within: Duration) -> Vec<Known> {
        let last = match self.last.lock() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        last.iter()
            .map(|l| match l.at {
                Some(t) if t.elapsed() < within => {
                    if l.error.is_some() {
                        Known::Fails
                    } else {
                        Known::Answers
                    }
                }
                _ => Known::Unknown,
            })
            .collect()
    }

    /// True when no endpoint is known to answer: an update should find one first.
    pub fn none_known_to_answer(&self, within: Duration) -> bool {
        !self.known(within).contains(&Known::Answers)
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

    fn failed(endpoint: usize, error: &str) -> Attempt {
        Attempt {
            endpoint,
            latency: Duration::from_millis(5),
            error: Some(error.into()),
            may_have_landed: false,
            endpoint_fault: true,
        }
    }

    #[test]
    fn calls_start_where_an_answer_is_expected() {
        use Known::{Answers, Fails, Unknown};
        let known = [Fails, Unknown, Fails, Answers, Unknown];
        assert_eq!(
            prefer_answering(rotation_order(0, 5), &known),
            vec![3, 1, 4, 0, 2]
        );
        assert_eq!(
            prefer_answering(rotation_order(4, 5), &known),
            vec![3, 4, 1, 0, 2]
        );
        assert_eq!(
            prefer_answering(rotation_order(2, 5), &[Unknown; 5]),
            vec![2, 3, 4, 0, 1]
        );
    }

    #[test]
    fn knowledge_is_recent_only_for_a_while() {
        let book = EndpointBook::new(vec![("a".into(), "u".into()), ("b".into(), "v".into())]);
        book.record(&failed(0, "timeout"));
        book.record(&Attempt::answered(1, Duration::from_millis(3)));
        assert_eq!(
            book.known(Duration::from_secs(30)),
            vec![Known::Fails, Known::Answers]
        );
        assert!(!book.none_known_to_answer(Duration::from_secs(30)));
        assert_eq!(book.known(Duration::ZERO), vec![Known::Unknown; 2]);
        assert!(book.none_known_to_answer(Duration::ZERO));
    }

    /// Issue 7 §4: a safety-rule refusal from a healthy endpoint is an answer, not an
    /// endpoint failure: the endpoint is neither shown failing nor demoted.
    #[test]
    fn a_cluster_verdict_does_not_count_against_the_endpoint() {
        let book = EndpointBook::new(vec![("a".into(), "u".into())]);
        book.record(&Attempt {
            endpoint: 0,
            latency: Duration::from_millis(4),
            error: Some("safety rule".into()),
            may_have_landed: false,
            endpoint_fault: false,
        });
        assert_eq!(book.statuses()[0].last_error, None);
        assert_eq!(book.known(Duration::from_secs(30)), vec![Known::Answers]);
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
            latency: Duration::from_millis(12),
            ..failed(1, "timeout")
        });
        let s = book.statuses();
        assert_eq!(s[0].last_latency_ms, None);
        assert_eq!(s[1].last_latency_ms, Some(12));
        assert_eq!(s[1].last_error.as_deref(), Some("timeout"));
        book.record(&Attempt::answered(1, Duration::from_millis(3)));
        assert_eq!(book.statuses()[1].last_error, None);
    }
}
