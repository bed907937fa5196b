//! The request log over loopback, for tools and tests in another process (the
//! in-process handle has [`Emulator::requests`](super::Emulator::requests)).

use super::shared::{Shared, lock};
use super::{Listener, RequestOutcome, RequestRecord};
use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;

/// `GET` on the main listener. Not an AWS path on any of the four protocols.
pub const REQUESTS_PATH: &str = "/_drconsole/requests";

pub(super) fn response(shared: &Shared) -> Response<Full<Bytes>> {
    let list: Vec<serde_json::Value> = lock(&shared.log).iter().map(record_json).collect();
    let body = serde_json::to_vec(&list).unwrap_or_default();
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}

fn record_json(r: &RequestRecord) -> serde_json::Value {
    let outcome = match r.outcome {
        RequestOutcome::Status(s) => serde_json::json!({ "status": s }),
        RequestOutcome::Hung => serde_json::json!("hung"),
        RequestOutcome::Dropped => serde_json::json!("dropped"),
        RequestOutcome::AppliedAnswerLost => serde_json::json!("applied_answer_lost"),
        RequestOutcome::ClientLeft { status } => serde_json::json!({ "client_left": status }),
    };
    let listener = match r.listener {
        Listener::Main => "main".to_string(),
        Listener::Arc(i) => format!("arc-{}", i + 1),
    };
    serde_json::json!({
        "sim_time": r.sim_time,
        "real_time": r.real_time,
        "service": r.service.map(|s| format!("{s:?}")),
        "operation": r.operation,
        "region": r.region,
        "listener": listener,
        "mutating": r.mutating,
        "outcome": outcome,
        // Whether the world changed, whatever the client saw.
        "applied": r.applied(),
        "request_id": r.request_id,
    })
}
