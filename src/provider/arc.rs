//! ARC routing control data plane, through the five cluster endpoints in turn.
//!
//! Start at a random endpoint; move to the next on any transport error, timeout,
//! throttling, 5xx or EndpointTemporarilyUnavailable. A reply that is the cluster's
//! verdict (safety rule, validation, not found) is final: every endpoint serves the
//! same replicated cluster state, so it would answer the same.
//!
//! Endpoints that failed in the last 30 s go to the back of the order (still tried,
//! just last), so a black-holed endpoint does not cost a timeout on every poll.

use super::error::{self, ProviderError, from_sdk};
use super::rotation::{Attempt, EndpointBook, demote_failing, random_start, rotation_order};
use super::types::ControlInfo;
use crate::model::ControlState;
use crate::model::snapshot::EndpointStatus;
use aws_sdk_route53recoverycluster::Client;
use aws_sdk_route53recoverycluster::types::{RoutingControlState, UpdateRoutingControlStateEntry};
use std::future::Future;
use std::time::{Duration, Instant};

/// How long an endpoint that failed waits at the back of the rotation.
const DEMOTE_FOR: Duration = Duration::from_secs(30);

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
        let order = demote_failing(
            rotation_order(random_start(self.len()), self.len()),
            &self.book.recently_failed(DEMOTE_FOR),
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
                        .map_err(from_sdk)?;
                    Ok(((), error::output_request_id(&out)))
                }
            },
        )
        .await
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
        let mut last_err = None;
        for idx in order {
            let Some(client) = self.clients.get(idx) else {
                continue;
            };
            let started = Instant::now();
            let result = match tokio::time::timeout(guard, call(client.clone())).await {
                Ok(r) => r,
                Err(_) => Err(ProviderError::Timeout {
                    detail: format!("no answer within {} ms", guard.as_millis()),
                }),
            };
            let latency = started.elapsed();
            let attempt = Attempt {
                endpoint: idx,
                latency,
                error: result.as_ref().err().map(ProviderError::short),
            };
            self.book.record(&attempt);
            attempts.push(attempt);
            match result {
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
                // The cluster's own verdict: every endpoint would say the same.
                Err(e) if e.is_cluster_verdict() => return Err(e),
                Err(e) if kind == CallKind::IdempotentUpdate && may_have_landed(&e) => {
                    tracing::warn!(
                        what,
                        endpoint = idx + 1,
                        error = %e,
                        "ARC update attempt: outcome unknown (it may have been applied); \
                         the update is idempotent, trying the next endpoint"
                    );
                    last_err = Some(e);
                }
                Err(e) => {
                    tracing::info!(what, endpoint = idx + 1, error = %e, "ARC endpoint failed, trying the next");
                    last_err = Some(e);
                }
            }
        }
        let err = all_failed(what, &attempts, last_err);
        let any_unsure = attempts
            .iter()
            .any(|a| a.error.as_deref() == Some("timeout"));
        if kind == CallKind::IdempotentUpdate && any_unsure {
            // At least one endpoint may have applied it: do not report a plain failure.
            return Err(ProviderError::OutcomeUnknown {
                operation: what.to_string(),
                detail: err.to_string(),
            });
        }
        Err(err)
    }
}

/// A timeout after sending: the endpoint may have applied the request.
fn may_have_landed(e: &ProviderError) -> bool {
    matches!(e, ProviderError::Timeout { .. })
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

/// Every endpoint failed: say so with each one's error, keeping the type when they agree.
fn all_failed(what: &str, attempts: &[Attempt], last: Option<ProviderError>) -> ProviderError {
    let summary = attempts
        .iter()
        .map(|a| format!("#{} {}", a.endpoint + 1, a.error.as_deref().unwrap_or("ok")))
        .collect::<Vec<_>>()
        .join(", ");
    let detail = format!(
        "{what}: all {} ARC cluster endpoints failed ({summary})",
        attempts.len()
    );
    match last {
        Some(ProviderError::Throttled { code, .. })
            if attempts
                .iter()
                .all(|a| a.error.as_deref() == Some(code.as_str())) =>
        {
            ProviderError::Throttled {
                code,
                message: detail,
            }
        }
        _ if !attempts.is_empty()
            && attempts
                .iter()
                .all(|a| a.error.as_deref() == Some("timeout")) =>
        {
            ProviderError::Timeout { detail }
        }
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

    #[tokio::test]
    async fn an_update_keeps_rotating_after_a_timeout() {
        let script = [timeout(), Ok(()), Ok(()), Ok(()), Ok(())];
        let a = run_kind(&script, 0, CallKind::IdempotentUpdate)
            .await
            .expect("endpoint 1 answers");
        assert_eq!(a.endpoint, 1);
        assert_eq!(a.attempts.len(), 2);
    }

    #[tokio::test]
    async fn an_update_that_never_got_an_answer_has_an_unknown_outcome() {
        let refused = Err(ProviderError::Unreachable {
            detail: "refused".into(),
        });
        let script = [
            refused.clone(),
            timeout(),
            refused.clone(),
            refused.clone(),
            refused,
        ];
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
}
