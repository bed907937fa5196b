//! ARC routing control data plane, through the five cluster endpoints in turn.
//!
//! Start at a random endpoint; move to the next on any transport error, timeout,
//! throttling, 5xx or EndpointTemporarilyUnavailable. A reply that is the cluster's
//! verdict (safety rule, validation, not found) is final: every endpoint serves the
//! same replicated cluster state, so it would answer the same.
//!
//! A ConflictException that names no safety rule is a concurrency conflict: back off
//! briefly, then the next endpoint.
//!
//! Endpoints that answered in the last 30 s go first, those that failed go last (still
//! tried, just last), so a black-holed endpoint does not cost a timeout on every poll.
//! An update with no endpoint known to answer first races a cheap read on every
//! endpoint at once and starts on the first to answer.
//!
//! Once any attempt of an update may have landed (a timeout, reset or unreadable reply
//! after sending), no later error is reported as a refusal: the result is
//! [`ProviderError::OutcomeUnknown`] with every attempt's error as detail.

use super::error::{self, ProviderError, from_sdk, from_sdk_mutating};
use super::rotation::{Attempt, EndpointBook, prefer_answering, random_start, rotation_order};
use super::types::ControlInfo;
use crate::model::ControlState;
use crate::model::snapshot::EndpointStatus;
use aws_sdk_route53recoverycluster::Client;
use aws_sdk_route53recoverycluster::types::{RoutingControlState, UpdateRoutingControlStateEntry};
use std::future::Future;
use std::time::{Duration, Instant};

/// How long what an endpoint did last decides its place in the rotation.
const DEMOTE_FOR: Duration = Duration::from_secs(30);

/// Pause before the next endpoint after a concurrency conflict (a ConflictException
/// naming no safety rule). AWS documents no value; a short pause lets the competing
/// change commit (unverified).
const CONFLICT_BACKOFF: Duration = Duration::from_millis(250);

/// Most pages a listing may take (300 controls per cluster at ≥ 1 per page).
const MAX_PAGES: usize = 300;

/// A successful ARC call and who answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct ArcAnswer<T> {
    pub value: T,
    /// Index of the endpoint that answered (environment file order).
    pub endpoint: usize,
    pub region: String,
    pub latency: Duration,
    pub request_id: Option<String>,
    /// Every attempt in order, the successful one last.
    pub attempts: Vec<Attempt>,
}

pub(super) struct ArcEndpoints {
    clients: Vec<Client>,
    regions: Vec<String>,
    book: EndpointBook,
}

impl ArcEndpoints {
    pub fn new(list: Vec<(String, String, Client)>) -> Self {
        let book = EndpointBook::new(
            list.iter()
                .map(|(r, u, _)| (r.clone(), u.clone()))
                .collect(),
        );
        let regions = list.iter().map(|(r, _, _)| r.clone()).collect();
        let clients = list.into_iter().map(|(_, _, c)| c).collect();
        ArcEndpoints {
            clients,
            regions,
            book,
        }
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    pub fn statuses(&self) -> Vec<EndpointStatus> {
        self.book.statuses()
    }

    /// Runs `call` on endpoints in rotation order (random start) until one answers.
    /// `guard` bounds each endpoint even if the SDK's own timeouts misbehave.
    pub async fn rotate<T, F, Fut>(
        &self,
        what: &str,
        kind: CallKind,
        guard: Duration,
        call: F,
    ) -> Result<ArcAnswer<T>, ProviderError>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<(T, Option<String>), ProviderError>>,
    {
        // Nothing known to answer (a fresh console, or a long quiet spell): race one
        // cheap read on every endpoint first, so neither a poll nor an update pays a
        // timeout per dark endpoint before reaching one that answers.
        if self.book.none_known_to_answer(DEMOTE_FOR) {
            self.find_answering(guard).await;
        }
        let order = prefer_answering(
            rotation_order(random_start(self.len()), self.len()),
            &self.book.known(DEMOTE_FOR),
        );
        let rotation = Rotation {
            clients: &self.clients,
            regions: &self.regions,
            book: &self.book,
        };
        rotation.run(what, kind, order, guard, call).await
    }

    pub async fn get_state(
        &self,
        arn: &str,
        guard: Duration,
    ) -> Result<ArcAnswer<ControlInfo>, ProviderError> {
        self.rotate(
            "GetRoutingControlState",
            CallKind::Read,
            guard,
            |c| async move {
                let out = c
                    .get_routing_control_state()
                    .routing_control_arn(arn)
                    .send()
                    .await
                    .map_err(from_sdk)?;
                let rid = error::output_request_id(&out);
                Ok((
                    ControlInfo {
                        arn: out.routing_control_arn().to_string(),
                        name: out.routing_control_name().map(str::to_string),
                        panel_arn: None,
                        state: from_wire(out.routing_control_state()),
                    },
                    rid,
                ))
            },
        )
        .await
    }

    pub async fn list(
        &self,
        guard: Duration,
    ) -> Result<ArcAnswer<Vec<ControlInfo>>, ProviderError> {
        self.rotate(
            "ListRoutingControls",
            CallKind::Read,
            guard,
            |c| async move {
                let mut out = Vec::new();
                let mut token: Option<String> = None;
                let mut rid = None;
                for _ in 0..MAX_PAGES {
                    let page = c
                        .list_routing_controls()
                        .set_next_token(token.take())
                        .send()
                        .await
                        .map_err(from_sdk)?;
                    rid = error::output_request_id(&page).or(rid);
                    for rc in page.routing_controls() {
                        let Some(arn) = rc.routing_control_arn() else {
                            continue;
                        };
                        out.push(ControlInfo {
                            arn: arn.to_string(),
                            name: rc.routing_control_name().map(str::to_string),
                            panel_arn: rc.control_panel_arn().map(str::to_string),
                            state: rc.routing_control_state().and_then(from_wire),
                        });
                    }
                    match page.next_token() {
                        Some(t) if !t.is_empty() => token = Some(t.to_string()),
                        _ => break,
                    }
                }
                Ok((out, rid))
            },
        )
        .await
    }

    /// Setting a state is idempotent (a desired state), so re-sending a batch whose
    /// attempt timed out (and may have landed) to the next endpoint is safe and is
    /// what ARC recommends; the log still records that attempt's outcome as unknown.
    pub async fn update(
        &self,
        updates: &[(String, ControlState)],
        overrides: &[String],
        guard: Duration,
    ) -> Result<ArcAnswer<()>, ProviderError> {
        let mut entries = Vec::with_capacity(updates.len());
        for (arn, state) in updates {
            let entry = UpdateRoutingControlStateEntry::builder()
                .routing_control_arn(arn)
                .routing_control_state(to_wire(*state))
                .build()
                .map_err(|e| ProviderError::Api {
                    code: "ClientError".into(),
                    message: e.to_string(),
                })?;
            entries.push(entry);
        }
        self.rotate(
            "UpdateRoutingControlStates",
            CallKind::IdempotentUpdate,
            guard,
            |c| {
                let entries = entries.clone();
                async move {
                    let out = c
                        .update_routing_control_states()
                        .set_update_routing_control_state_entries(Some(entries))
                        .set_safety_rules_to_override(Some(overrides.to_vec()))
                        .send()
                        .await
                        .map_err(|e| from_sdk_mutating(e, "UpdateRoutingControlStates"))?;
                    Ok(((), error::output_request_id(&out)))
                }
            },
        )
        .await
    }
}

impl ArcEndpoints {
    /// Races one read on every endpoint at once and records each answer that arrives
    /// before the first success, so the next call starts on an endpoint known to
    /// answer. The read is `ListRoutingControls` with `MaxResults` 1 (the smallest page
    /// the ARC data plane API reference allows, "Valid Range: Minimum value of 1"):
    /// it needs no ARN and is safe to send many times. The race costs about one round
    /// trip of the fastest endpoint, not a timeout per dark one. Unfinished reads are
    /// cancelled when the first answer arrives.
    pub async fn find_answering(&self, guard: Duration) {
        let mut race = tokio::task::JoinSet::new();
        for (idx, client) in self.clients.iter().enumerate() {
            let client = client.clone();
            race.spawn(async move {
                let started = Instant::now();
                let sent = client.list_routing_controls().max_results(1).send();
                let result = match tokio::time::timeout(guard, sent).await {
                    Ok(r) => r.map(|_| ()).map_err(from_sdk),
                    Err(_) => Err(ProviderError::Timeout {
                        detail: format!("no answer within {} ms", guard.as_millis()),
                    }),
                };
                (idx, started.elapsed(), result)
            });
        }
        while let Some(done) = race.join_next().await {
            let Ok((idx, latency, result)) = done else {
                continue;
            };
            let attempt = match &result {
                Ok(()) => Attempt::answered(idx, latency),
                Err(e) => Attempt {
                    endpoint: idx,
                    latency,
                    error: Some(e.short()),
                    may_have_landed: false,
                    endpoint_fault: e.is_endpoint_fault(),
                },
            };
            self.book.record(&attempt);
            if !attempt.endpoint_fault {
                tracing::debug!(
                    endpoint = idx + 1,
                    "ARC endpoint answers; the update starts there"
                );
                break;
            }
        }
        race.abort_all();
    }
}

/// Whether a rotated call changes anything: a timed-out update attempt may have
/// landed, which the log and the final error must say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CallKind {
    Read,
    IdempotentUpdate,
}

/// The rotation itself, generic over the client so tests can script endpoints.
struct Rotation<'a, C> {
    clients: &'a [C],
    regions: &'a [String],
    book: &'a EndpointBook,
}

impl<C: Clone> Rotation<'_, C> {
    async fn run<T, F, Fut>(
        &self,
        what: &str,
        kind: CallKind,
        order: Vec<usize>,
        guard: Duration,
        call: F,
    ) -> Result<ArcAnswer<T>, ProviderError>
    where
        F: Fn(C) -> Fut,
        Fut: Future<Output = Result<(T, Option<String>), ProviderError>>,
    {
        let mut attempts = Vec::new();
        let mut errors: Vec<ProviderError> = Vec::new();
        let update = kind == CallKind::IdempotentUpdate;
        for idx in order {
            let Some(client) = self.clients.get(idx) else {
                continue;
            };
            let started = Instant::now();
            let result = match tokio::time::timeout(guard, call(client.clone())).await {
                Ok(r) => r,
                Err(_) => Err(no_answer(what, kind, guard)),
            };
            let latency = started.elapsed();
            let attempt = match &result {
                Ok(_) => Attempt::answered(idx, latency),
                Err(e) => Attempt {
                    endpoint: idx,
                    latency,
                    error: Some(e.short()),
                    may_have_landed: update && e.is_outcome_unknown(),
                    endpoint_fault: e.is_endpoint_fault(),
                },
            };
            self.book.record(&attempt);
            attempts.push(attempt);
            let e = match result {
                Ok((value, request_id)) => {
                    tracing::debug!(
                        what,
                        endpoint = idx + 1,
                        ms = super::types::millis(latency),
                        "ARC answered"
                    );
                    return Ok(ArcAnswer {
                        value,
                        endpoint: idx,
                        region: self.regions.get(idx).cloned().unwrap_or_default(),
                        latency,
                        request_id,
                        attempts,
                    });
                }
                Err(e) => e,
            };
            let verdict = e.is_cluster_verdict();
            let conflict = matches!(e, ProviderError::Conflict { .. });
            if update && e.is_outcome_unknown() {
                tracing::warn!(
                    what,
                    endpoint = idx + 1,
                    error = %e,
                    "ARC update attempt: outcome unknown (it may have been applied); \
                     the update is idempotent, trying the next endpoint"
                );
            } else if !verdict {
                tracing::info!(what, endpoint = idx + 1, error = %e, "ARC endpoint failed, trying the next");
            }
            errors.push(e);
            // The cluster's own verdict: every endpoint would say the same.
            if verdict {
                break;
            }
            if conflict {
                tokio::time::sleep(CONFLICT_BACKOFF).await;
            }
        }
        if attempts.iter().any(|a| a.may_have_landed) {
            // An earlier attempt may have applied the update, so no later error (not
            // even a verdict: a gating rule's wait period started by that very change
            // refuses the re-send) says it was refused.
            return Err(ProviderError::OutcomeUnknown {
                operation: what.to_string(),
                detail: every_error(what, &attempts, &errors),
            });
        }
        match errors.last() {
            Some(e) if e.is_cluster_verdict() => Err(e.clone()),
            _ => Err(all_failed(what, &attempts, errors)),
        }
    }
}

/// The error of an attempt that got no answer within the rotation's own bound: for
/// an update it was sent, so it may have been applied.
fn no_answer(what: &str, kind: CallKind, guard: Duration) -> ProviderError {
    let detail = format!("no answer within {} ms", guard.as_millis());
    match kind {
        CallKind::IdempotentUpdate => ProviderError::OutcomeUnknown {
            operation: what.to_string(),
            detail,
        },
        CallKind::Read => ProviderError::Timeout { detail },
    }
}

/// Every attempt's endpoint and full error, in order.
fn every_error(what: &str, attempts: &[Attempt], errors: &[ProviderError]) -> String {
    let list = attempts
        .iter()
        .filter(|a| a.error.is_some())
        .zip(errors)
        .map(|(a, e)| format!("#{} {e}", a.endpoint + 1))
        .collect::<Vec<_>>()
        .join("; ");
    format!("{what}: {list}")
}

fn from_wire(s: &RoutingControlState) -> Option<ControlState> {
    ControlState::parse(s.as_str())
}

fn to_wire(s: ControlState) -> RoutingControlState {
    match s {
        ControlState::On => RoutingControlState::On,
        ControlState::Off => RoutingControlState::Off,
    }
}

/// Every endpoint failed: say so with each one's error, keeping the type when they
/// agree, and keeping a service's own answer (code, HTTP status, message) whole.
fn all_failed(what: &str, attempts: &[Attempt], errors: Vec<ProviderError>) -> ProviderError {
    let summary = attempts
        .iter()
        .map(|a| format!("#{} {}", a.endpoint + 1, a.error.as_deref().unwrap_or("ok")))
        .collect::<Vec<_>>()
        .join(", ");
    let detail = format!(
        "{what}: all {} ARC cluster endpoints failed ({summary})",
        attempts.len()
    );
    let same = |label: &str| attempts.iter().all(|a| a.error.as_deref() == Some(label));
    // The last reply the service itself gave, if any: AccessDenied, a conflict…
    let answer = errors
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e,
                ProviderError::Refused { .. } | ProviderError::Conflict { .. }
            )
        })
        .cloned();
    match (errors.last(), answer) {
        (Some(ProviderError::Throttled { code, .. }), _) if same(code) => {
            ProviderError::Throttled {
                code: code.clone(),
                message: detail,
            }
        }
        (_, Some(e)) if same(&e.short()) => e,
        (
            _,
            Some(ProviderError::Refused {
                code,
                status,
                message,
            }),
        ) => ProviderError::Refused {
            code,
            status,
            message: format!("{message} [{detail}]"),
        },
        (_, Some(ProviderError::Conflict { status, message })) => ProviderError::Conflict {
            status,
            message: format!("{message} [{detail}]"),
        },
        _ if same("timeout") => ProviderError::Timeout { detail },
        _ => ProviderError::Unreachable { detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> EndpointBook {
        EndpointBook::new(
            (0..5)
                .map(|i| (format!("r{i}"), format!("http://e{i}")))
                .collect(),
        )
    }

    fn regions() -> Vec<String> {
        (0..5).map(|i| format!("r{i}")).collect()
    }

    /// Endpoint i answers with `script[i]`.
    async fn run(
        script: &[Result<(), ProviderError>],
        start: usize,
    ) -> Result<ArcAnswer<usize>, ProviderError> {
        run_kind(script, start, CallKind::Read).await
    }

    async fn run_kind(
        script: &[Result<(), ProviderError>],
        start: usize,
        kind: CallKind,
    ) -> Result<ArcAnswer<usize>, ProviderError> {
        let clients: Vec<usize> = (0..5).collect();
        let (regions, book) = (regions(), book());
        let rotation = Rotation {
            clients: &clients,
            regions: &regions,
            book: &book,
        };
        let order = rotation_order(start, 5);
        rotation
            .run("test", kind, order, Duration::from_secs(5), |i| {
                let r = script[i].clone();
                async move { r.map(|()| (i, None)) }
            })
            .await
    }

    fn timeout() -> Result<(), ProviderError> {
        Err(ProviderError::Timeout { detail: "t".into() })
    }

    #[tokio::test]
    async fn moves_on_from_transport_errors_to_the_first_answer() {
        let throttled = Err(ProviderError::Throttled {
            code: "ThrottlingException".into(),
            message: String::new(),
        });
        let unavailable = Err(ProviderError::Unavailable {
            code: "EndpointTemporarilyUnavailableException".into(),
            message: String::new(),
        });
        let script = [timeout(), throttled, unavailable, Ok(()), timeout()];
        let a = run(&script, 4).await.expect("endpoint 3 answers");
        assert_eq!(a.endpoint, 3);
        let tried: Vec<usize> = a.attempts.iter().map(|x| x.endpoint).collect();
        assert_eq!(tried, vec![4, 0, 1, 2, 3]);
        assert_eq!(a.region, "r3");
    }

    #[tokio::test]
    async fn a_cluster_verdict_stops_the_rotation() {
        let blocked = Err(ProviderError::SafetyRule {
            rule_arns: vec!["arn:x/safetyrule/1".into()],
            message: String::new(),
        });
        let script = [timeout(), blocked, Ok(()), Ok(()), Ok(())];
        let e = run(&script, 0).await.expect_err("final");
        assert!(matches!(e, ProviderError::SafetyRule { .. }));
    }

    #[tokio::test]
    async fn all_endpoints_failing_is_reported_with_each_error() {
        let script = [timeout(), timeout(), timeout(), timeout(), timeout()];
        let e = run(&script, 2).await.expect_err("all fail");
        match e {
            ProviderError::Timeout { detail } => assert!(detail.contains("all 5"), "{detail}"),
            other => panic!("{other:?}"),
        }
    }

    /// What an update attempt that got no answer after sending looks like (the SDK
    /// error through `from_sdk_mutating`).
    fn sent_no_answer() -> Result<(), ProviderError> {
        Err(ProviderError::OutcomeUnknown {
            operation: "UpdateRoutingControlStates".into(),
            detail: "timed out".into(),
        })
    }

    fn refused() -> Result<(), ProviderError> {
        Err(ProviderError::Unreachable {
            detail: "connection refused".into(),
        })
    }

    fn rule_refusal() -> Result<(), ProviderError> {
        Err(ProviderError::SafetyRule {
            rule_arns: vec!["arn:x/safetyrule/1".into()],
            message: "Cannot change state: safety rule arn:x/safetyrule/1".into(),
        })
    }

    #[tokio::test]
    async fn an_update_keeps_rotating_after_a_timeout() {
        let script = [sent_no_answer(), Ok(()), Ok(()), Ok(()), Ok(())];
        let a = run_kind(&script, 0, CallKind::IdempotentUpdate)
            .await
            .expect("endpoint 1 answers");
        assert_eq!(a.endpoint, 1);
        assert_eq!(a.attempts.len(), 2);
        assert!(a.attempts[0].may_have_landed);
        assert!(!a.attempts[1].may_have_landed);
    }

    #[tokio::test]
    async fn an_update_that_never_got_an_answer_has_an_unknown_outcome() {
        let script = [refused(), sent_no_answer(), refused(), refused(), refused()];
        let e = run_kind(&script, 0, CallKind::IdempotentUpdate)
            .await
            .expect_err("all fail");
        assert!(e.is_outcome_unknown(), "{e:?}");
        // A read failing the same way is a plain failure.
        let script = [timeout(), timeout(), timeout(), timeout(), timeout()];
        let e = run_kind(&script, 0, CallKind::Read)
            .await
            .expect_err("all fail");
        assert!(matches!(e, ProviderError::Timeout { .. }), "{e:?}");
    }

    /// Issue 8 §1: an attempt that may have landed, then a verdict from the next
    /// endpoint (the wait period its own change started, say), is *outcome unknown*
    /// with both errors, never "refused" with break-glass offered.
    #[tokio::test]
    async fn a_verdict_after_an_attempt_that_may_have_landed_is_outcome_unknown() {
        let script = [sent_no_answer(), rule_refusal(), Ok(()), Ok(()), Ok(())];
        let e = run_kind(&script, 0, CallKind::IdempotentUpdate)
            .await
            .expect_err("unknown");
        let ProviderError::OutcomeUnknown { detail, .. } = &e else {
            panic!("{e:?}");
        };
        assert!(
            detail.contains("#1 UpdateRoutingControlStates: outcome unknown"),
            "{detail}"
        );
        assert!(
            detail.contains("#2 blocked by safety rule arn:x/safetyrule/1"),
            "{detail}"
        );
        // Any other later error too.
        let denied = Err(ProviderError::Refused {
            code: "AccessDeniedException".into(),
            status: 403,
            message: "no".into(),
        });
        let script = [
            sent_no_answer(),
            denied.clone(),
            denied.clone(),
            denied.clone(),
            denied,
        ];
        let e = run_kind(&script, 0, CallKind::IdempotentUpdate)
            .await
            .expect_err("unknown");
        assert!(e.is_outcome_unknown(), "{e:?}");
        // Without such an attempt the verdict stands.
        let script = [refused(), rule_refusal(), Ok(()), Ok(()), Ok(())];
        let e = run_kind(&script, 0, CallKind::IdempotentUpdate)
            .await
            .expect_err("refused");
        assert!(matches!(e, ProviderError::SafetyRule { .. }), "{e:?}");
    }

    #[tokio::test]
    async fn a_conflict_naming_no_rule_moves_to_the_next_endpoint() {
        let conflict = Err(ProviderError::Conflict {
            status: 409,
            message: "a concurrent update".into(),
        });
        let script = [conflict.clone(), Ok(()), Ok(()), Ok(()), Ok(())];
        let a = run_kind(&script, 0, CallKind::IdempotentUpdate)
            .await
            .expect("endpoint 1 answers");
        assert_eq!(a.endpoint, 1);
        let script = [
            conflict.clone(),
            conflict.clone(),
            conflict.clone(),
            conflict.clone(),
            conflict,
        ];
        let e = run_kind(&script, 0, CallKind::IdempotentUpdate)
            .await
            .expect_err("all conflict");
        assert!(matches!(e, ProviderError::Conflict { .. }), "{e:?}");
    }

    /// "unreachable … (Unknown: )" no more: an AccessDenied from every endpoint keeps
    /// its code, HTTP status and message.
    #[tokio::test]
    async fn an_api_error_keeps_its_code_status_and_message() {
        let denied = Err(ProviderError::Refused {
            code: "AccessDeniedException".into(),
            status: 403,
            message: "User: arn:aws:iam::1:user/x is not authorized".into(),
        });
        let script = [
            denied.clone(),
            denied.clone(),
            denied.clone(),
            denied.clone(),
            denied.clone(),
        ];
        let e = run(&script, 0).await.expect_err("denied");
        assert_eq!(e, denied.clone().unwrap_err());
        assert_eq!(
            e.to_string(),
            "AccessDeniedException (HTTP 403): User: arn:aws:iam::1:user/x is not authorized"
        );
        // Mixed with dark endpoints, the service's answer is still what is shown.
        let script = [timeout(), denied.clone(), timeout(), timeout(), timeout()];
        let e = run(&script, 0).await.expect_err("denied");
        assert!(
            matches!(&e, ProviderError::Refused { code, status: 403, message }
                if code == "AccessDeniedException" && message.contains("not authorized")),
            "{e:?}"
        );
    }

    /// Issue 7 §4: a rule refusal from a healthy endpoint leaves it healthy.
    #[tokio::test]
    async fn a_rule_refusal_does_not_mark_the_endpoint_failing() {
        let clients: Vec<usize> = (0..5).collect();
        let (regions, book) = (regions(), book());
        let rotation = Rotation {
            clients: &clients,
            regions: &regions,
            book: &book,
        };
        let script = [rule_refusal(), Ok(()), Ok(()), Ok(()), Ok(())];
        let _ = rotation
            .run(
                "t",
                CallKind::IdempotentUpdate,
                rotation_order(0, 5),
                Duration::from_secs(5),
                |i| {
                    let r = script[i].clone();
                    async move { r.map(|()| (i, None)) }
                },
            )
            .await;
        assert_eq!(book.statuses()[0].last_error, None);
        assert_eq!(
            book.known(Duration::from_secs(30))[0],
            crate::provider::rotation::Known::Answers
        );
    }
}
