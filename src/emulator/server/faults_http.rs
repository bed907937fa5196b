//! The game-day control over loopback, for a console in another process
//! (`--twin-endpoints`): `GET` lists the catalogue and the faults in force, `POST` with
//! a fault as JSON injects it and answers with the faults now in force. The in-process
//! handle has [`Emulator::inject`](super::Emulator::inject) and
//! [`Emulator::active_faults`](super::Emulator::active_faults).

use super::shared::{Shared, lock};
use crate::emulator::scenario::{self, ActiveFault, CatalogueEntry, Fault, FaultsDoc};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

/// On the main listener. Not an AWS path on any of the four protocols.
pub const FAULTS_PATH: &str = "/_drconsole/faults";

/// A fault is a few hundred bytes of JSON.
const MAX_BODY: usize = 64 * 1024;

/// Brings the world up to now, injects, and wakes requests waiting in a black hole
/// (the Region or endpoint may have recovered).
pub(super) fn inject(shared: &Shared, fault: &Fault) -> Vec<ActiveFault> {
    let active = {
        let mut w = lock(&shared.world);
        w.advance_to(shared.clock.now());
        w.inject(fault);
        w.active_faults()
    };
    shared.changed.send_modify(|n| *n += 1);
    active
}

pub(super) fn active(shared: &Shared) -> Vec<ActiveFault> {
    let mut w = lock(&shared.world);
    w.advance_to(shared.clock.now());
    w.active_faults()
}

pub(super) async fn response(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    match *req.method() {
        Method::GET => {
            let doc = {
                let mut w = lock(&shared.world);
                w.advance_to(shared.clock.now());
                FaultsDoc {
                    catalogue: scenario::catalogue(w.environment())
                        .into_iter()
                        .map(|(label, fault)| CatalogueEntry { label, fault })
                        .collect(),
                    active: w.active_faults(),
                }
            };
            json(&doc)
        }
        Method::POST => {
            let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    return text(
                        StatusCode::BAD_REQUEST,
                        &format!("cannot read the body: {e}"),
                    );
                }
            };
            let fault = match serde_json::from_slice::<Fault>(&body) {
                Ok(f) => f,
                Err(e) => return text(StatusCode::BAD_REQUEST, &format!("not a fault: {e}")),
            };
            let checked = {
                let w = lock(&shared.world);
                scenario::validate(fault, w.environment())
            };
            match checked {
                Ok(fault) => json(&FaultsDoc {
                    catalogue: Vec::new(),
                    active: inject(shared, &fault),
                }),
                Err(e) => text(StatusCode::BAD_REQUEST, &format!("not a fault here: {e}")),
            }
        }
        _ => {
            let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "use GET or POST");
            r.headers_mut().insert(
                hyper::header::ALLOW,
                hyper::header::HeaderValue::from_static("GET, POST"),
            );
            r
        }
    }
}

fn json(doc: &FaultsDoc) -> Response<Full<Bytes>> {
    // Plain data with string keys: serialising it cannot fail.
    let body = serde_json::to_vec(doc).unwrap_or_default();
    with_type(StatusCode::OK, body, "application/json")
}

/// One line, so a client can show it as it is.
fn text(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let line = message.replace(['\n', '\r'], " ");
    with_type(
        status,
        format!("{line}\n").into_bytes(),
        "text/plain; charset=utf-8",
    )
}

fn with_type(
    status: StatusCode,
    body: Vec<u8>,
    content_type: &'static str,
) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    resp
}
