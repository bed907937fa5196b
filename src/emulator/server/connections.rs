//! The HTTP side: accepting connections and turning one request into one reply
//! (or a hang, or a dropped connection).
//!
//! hyper drops a request's future when its client hangs up. So the part of a request
//! that a real service would finish regardless (from the gate on: reply delay,
//! execution, the log) runs in its own task and hands the answer back; only a black
//! hole and a cold connection's accept delay belong to the client and end with it.

use super::shared::{FaultVerdict, Gate, Ready, Shared};
use super::{Listener, RequestOutcome, RequestRecord};
use crate::emulator::wire::{self, Incoming, Reply};
use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming as Body;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

/// Request bodies larger than this are refused (the biggest real one, a 500-query
/// GetMetricData, is far smaller).
const MAX_BODY: usize = 4 * 1024 * 1024;

pub(super) async fn accept_loop(
    listener: TcpListener,
    which: Listener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("emulator accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let shared = shared.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            // The accept delay (latency profile) is paid once, by a connection's first
            // request.
            let fresh = Arc::new(AtomicBool::new(true));
            let service = service_fn(move |req| {
                let first = fresh.swap(false, Ordering::Relaxed);
                serve(shared.clone(), which, first, req)
            });
            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        });
    }
}

/// Returned to hyper to close the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by the twin")]
struct Dropped;

/// Logs a request whose client hung up during the accept delay, if dropped before
/// [`Unheard::heard`].
struct Unheard<'a> {
    shared: &'a Shared,
    rec: Option<RequestRecord>,
}

impl Unheard<'_> {
    fn heard(mut self) {
        self.rec = None;
    }
}

impl Drop for Unheard<'_> {
    fn drop(&mut self) {
        if let Some(mut rec) = self.rec.take() {
            rec.sim_time = self.shared.clock.now();
            rec.outcome = RequestOutcome::ClientLeft { status: None };
            self.shared.record(rec);
        }
    }
}

async fn serve(
    shared: Arc<Shared>,
    listener: Listener,
    first: bool,
    req: Request<Body>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    if listener == Listener::Main && req.uri().path() == super::REQUESTS_PATH {
        return Ok(super::request_log::response(&shared));
    }
    if listener == Listener::Main && req.uri().path() == super::FAULTS_PATH {
        return Ok(super::faults_http::response(&shared, req).await);
    }
    let request_id = shared.next_request_id();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        // Too large or the client went away mid-body: nothing sensible to answer.
        Err(_) => return Err(Dropped),
    };
    let incoming = Incoming {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts.headers,
        body,
    };
    let decoded = match listener {
        Listener::Main => wire::decode_main(&incoming),
        Listener::Arc(i) => wire::decode_arc(&incoming, shared.arc_region(i)),
    };
    let mut rec = RequestRecord {
        sim_time: shared.clock.now(),
        real_time: Utc::now(),
        service: None,
        operation: String::new(),
        region: String::new(),
        listener,
        mutating: false,
        outcome: RequestOutcome::Hung,
        request_id: request_id.clone(),
    };
    match &decoded {
        Ok(c) => {
            rec.service = Some(c.service);
            rec.operation = c.operation.clone();
            rec.region = c.region.clone();
            rec.mutating = c.mutating();
        }
        Err(r) => {
            rec.service = r.service;
            rec.operation = r.operation.clone();
            rec.region = r.region.clone();
        }
    }

    let latency = shared.latency(listener, &rec.region);
    if first && latency.accept_ms > 0 {
        let unheard = Unheard {
            shared: &shared,
            rec: Some(rec.clone()),
        };
        tokio::time::sleep(Duration::from_millis(latency.accept_ms)).await;
        unheard.heard();
    }

    // Only decoded calls draw from the injected-error RNG: a rejected request is
    // answered with its own error.
    let fault_service = decoded.as_ref().ok().map(|c| c.service);
    let ready = match shared.gate(listener, &rec.region, fault_service, rec.mutating) {
        Gate::Ready(r) => r,
        Gate::Hang => {
            shared.record(rec.clone());
            shared.wait_out_black_hole(listener, &rec.region).await
        }
    };
    let (delay_ms, verdict, lose_answer) = match ready {
        Ready::Drop => {
            rec.outcome = RequestOutcome::Dropped;
            shared.record(rec);
            return Err(Dropped);
        }
        Ready::Answer {
            delay_ms,
            verdict,
            lose_answer,
        } => (delay_ms + latency.reply_ms, verdict, lose_answer),
    };
    // From here on the request has reached the service: it is handled and logged
    // whether or not the client waits for the answer.
    let (tx, rx) = oneshot::channel();
    let task = shared.clone();
    tokio::spawn(async move {
        let shared = task;
        if delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        let reply = match (&decoded, verdict) {
            (Err(r), _) => r.protocol.error(&r.error, &request_id),
            (Ok(call), FaultVerdict::Throttle) => wire::throttled(call, &request_id),
            (Ok(call), FaultVerdict::Inject) => wire::injected_failure(call, &request_id),
            (Ok(call), FaultVerdict::Execute) => shared.execute(call, &request_id),
        };
        rec.sim_time = shared.clock.now();
        let status = reply.status;
        if lose_answer && (200..300).contains(&status) {
            rec.outcome = RequestOutcome::AppliedAnswerLost;
            shared.record(rec);
            let _ = tx.send(Err(Dropped));
            return;
        }
        // Logged before the answer is handed over, so a client that reads the log
        // after its answer always finds its request.
        rec.outcome = if tx.is_closed() {
            RequestOutcome::ClientLeft {
                status: Some(status),
            }
        } else {
            RequestOutcome::Status(status)
        };
        shared.record(rec);
        if tx.send(Ok(to_response(reply))).is_err() {
            shared.amend(
                &request_id,
                RequestOutcome::ClientLeft {
                    status: Some(status),
                },
            );
        }
    });
    rx.await.unwrap_or(Err(Dropped))
}

fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(reply.body)));
    *resp.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    for (k, v) in reply.headers {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(&v),
        ) {
            headers.append(k, v);
        }
    }
    resp
}
