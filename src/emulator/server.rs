//! The emulator handle and its loopback listeners: one main listener (RDS, STS,
//! CloudWatch) and one per ARC cluster endpoint, hyper 1, one task per connection.
//!
//! The world sits behind a `std::sync::Mutex` that is never held across an await: each
//! request locks it twice at most (gate, then execute). Black holes, slow endpoints and
//! hangs wait outside the lock.

use crate::config::Environment;
use crate::emulator::clock::SimClock;
use crate::emulator::scenario::{Fault, Scenario};
use crate::emulator::wire::{self, Call, Incoming, Reply, arc_json::RateWindow};
use crate::emulator::world::{EndpointMode, Reach, Service, World};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming as Body;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Request bodies larger than this are refused (the biggest real one, a 500-query
/// GetMetricData, is far smaller).
const MAX_BODY: usize = 4 * 1024 * 1024;
/// The request log keeps the most recent entries only.
const LOG_CAPACITY: usize = 10_000;

#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    pub seed: u64,
    /// Sim seconds per real second; finite and > 0.
    pub speed: f64,
    pub scenario: Option<Scenario>,
    /// Main listener port; 0 picks a free one. ARC listeners always pick free ports.
    pub port: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("speed must be a finite number above 0, got {0}")]
    InvalidSpeed(f64),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
}

/// Which listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// `AWS_ENDPOINT_URL`: RDS, STS, CloudWatch.
    Main,
    /// ARC cluster endpoint, 0-based index into the environment's endpoints (and into
    /// [`Emulator::arc_endpoint_urls`]).
    Arc(usize),
}

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered with this HTTP status.
    Status(u16),
    /// Held open without an answer (black hole). If the Region recovers while the client
    /// still waits, a second record with the eventual status follows.
    Hung,
    /// Connection closed without a response.
    Dropped,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub sim_time: DateTime<Utc>,
    pub real_time: DateTime<Utc>,
    /// None when the request could not be attributed to a service.
    pub service: Option<Service>,
    pub operation: String,
    pub region: String,
    pub listener: Listener,
    pub mutating: bool,
    pub outcome: Outcome,
    /// The request id the twin answered with (also in the client's reply).
    pub request_id: String,
}

struct Shared {
    world: Mutex<World>,
    clock: SimClock,
    log: Mutex<VecDeque<RequestRecord>>,
    arc_windows: Mutex<Vec<RateWindow>>,
    /// Each ARC endpoint's own Region (dark when that Region is impaired).
    arc_regions: Vec<String>,
    /// Bumped whenever the world may have changed; hung requests wait on it.
    changed: watch::Sender<u64>,
    request_seq: AtomicU64,
    seed: u64,
    speed: f64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a handler must not take the whole twin down with it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What to do with a request before the world handles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Hang,
    Ready(Ready),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ready {
    Drop,
    Answer { delay_ms: u64, verdict: Verdict },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Execute,
    Throttle,
    Inject,
}

/// The running twin. Dropping it (or [`Emulator::shutdown`]) stops every listener.
pub struct Emulator {
    shared: Arc<Shared>,
    main_addr: SocketAddr,
    arc_addrs: Vec<SocketAddr>,
    stop: watch::Sender<bool>,
}

/// Starts the twin on 127.0.0.1. Must be called inside a tokio runtime.
pub async fn start(env: &Environment, opts: EmulatorOptions) -> Result<Emulator, EmulatorError> {
    if !(opts.speed.is_finite() && opts.speed > 0.0) {
        return Err(EmulatorError::InvalidSpeed(opts.speed));
    }
    let bind = |port: u16| async move {
        TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|source| EmulatorError::Bind { port, source })
    };
    let main = bind(opts.port).await?;
    let mut arcs = Vec::with_capacity(env.arc.endpoints.len());
    for _ in &env.arc.endpoints {
        arcs.push(bind(0).await?);
    }
    let addr_of = |l: &TcpListener| {
        l.local_addr().map_err(|source| EmulatorError::Bind {
            port: opts.port,
            source,
        })
    };
    let main_addr = addr_of(&main)?;
    let arc_addrs = arcs.iter().map(addr_of).collect::<Result<Vec<_>, _>>()?;

    let start_sim = Utc::now();
    let mut world = World::new(env, opts.seed, start_sim);
    if let Some(s) = opts.scenario {
        world.set_scenario(s);
    }
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        clock: SimClock::new(start_sim, Instant::now(), opts.speed),
        log: Mutex::new(VecDeque::new()),
        arc_windows: Mutex::new(
            env.arc
                .endpoints
                .iter()
                .map(|_| RateWindow::default())
                .collect(),
        ),
        arc_regions: env.arc.endpoints.iter().map(|e| e.region.clone()).collect(),
        changed: watch::Sender::new(0),
        request_seq: AtomicU64::new(0),
        seed: opts.seed,
        speed: opts.speed,
    });
    let (stop, _) = watch::channel(false);
    tokio::spawn(accept_loop(
        main,
        Listener::Main,
        shared.clone(),
        stop.subscribe(),
    ));
    for (i, l) in arcs.into_iter().enumerate() {
        tokio::spawn(accept_loop(
            l,
            Listener::Arc(i),
            shared.clone(),
            stop.subscribe(),
        ));
    }
    Ok(Emulator {
        shared,
        main_addr,
        arc_addrs,
        stop,
    })
}

impl Emulator {
    /// The URL for RDS, STS and CloudWatch (`AWS_ENDPOINT_URL`).
    pub fn aws_endpoint_url(&self) -> String {
        format!("http://{}", self.main_addr)
    }

    /// One URL per ARC cluster endpoint, in the environment's endpoint order.
    pub fn arc_endpoint_urls(&self) -> Vec<String> {
        self.arc_addrs
            .iter()
            .map(|a| format!("http://{a}"))
            .collect()
    }

    /// The simulated clock: its start (when simulated and wall time agreed) and speed.
    pub fn clock(&self) -> (DateTime<Utc>, f64) {
        (self.shared.clock.start(), self.shared.speed)
    }

    /// Injects a fault now (game-day menu); the world is first brought up to date.
    pub fn inject(&self, fault: Fault) {
        {
            let mut w = lock(&self.shared.world);
            w.advance_to(self.shared.clock.now());
            w.inject(&fault);
        }
        self.shared.changed.send_modify(|n| *n += 1);
    }

    /// The most recent requests, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Reads the world, brought up to the current sim time first.
    pub fn with_world<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        let r = {
            let mut w = lock(&self.shared.world);
            w.advance_to(self.shared.clock.now());
            f(&w)
        };
        self.shared.changed.send_modify(|n| *n += 1);
        r
    }

    /// Stops accepting and closes every connection (hung ones included).
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn accept_loop(
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
            let service = service_fn(move |req| serve(shared.clone(), which, req));
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

async fn serve(
    shared: Arc<Shared>,
    listener: Listener,
    req: Request<Body>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    if listener == Listener::Main && req.uri().path() == REQUESTS_PATH {
        return Ok(request_log_response(&shared));
    }
    let request_id = shared.next_request_id();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        // Too large or the client went away mid-body: nothing sensible to answer.
        Err(_) => return Err(Dropped),
    };
    let incoming = Incoming {
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
        outcome: Outcome::Hung,
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
    let (delay_ms, verdict) = match ready {
        Ready::Drop => {
            rec.outcome = Outcome::Dropped;
            shared.record(rec);
            return Err(Dropped);
        }
        Ready::Answer { delay_ms, verdict } => (delay_ms, verdict),
    };
    if delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }
    let reply = match (&decoded, verdict) {
        (Err(r), _) => r.protocol.error(&r.error, &request_id),
        (Ok(call), Verdict::Throttle) => wire::throttled(call, &request_id),
        (Ok(call), Verdict::Inject) => wire::injected_failure(call, &request_id),
        (Ok(call), Verdict::Execute) => shared.execute(call, &request_id),
    };
    rec.sim_time = shared.clock.now();
    rec.outcome = Outcome::Status(reply.status);
    shared.record(rec);
    Ok(to_response(reply))
}

/// The request log over loopback, for tools and tests in another process (the
/// in-process handle has [`Emulator::requests`]). Not an AWS path on any protocol.
pub const REQUESTS_PATH: &str = "/_drconsole/requests";

fn request_log_response(shared: &Shared) -> Response<Full<Bytes>> {
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
        Outcome::Status(s) => serde_json::json!({ "status": s }),
        Outcome::Hung => serde_json::json!("hung"),
        Outcome::Dropped => serde_json::json!("dropped"),
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
        "request_id": r.request_id,
    })
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

impl Shared {
    fn arc_region(&self, index: usize) -> &str {
        self.arc_regions.get(index).map_or("", String::as_str)
    }

    /// A request id shaped like AWS's (a UUID), unique per request, seeded.
    fn next_request_id(&self) -> String {
        let n = self.request_seq.fetch_add(1, Ordering::Relaxed);
        let a = splitmix(self.seed ^ n);
        let b = splitmix(a ^ n.rotate_left(17));
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    fn record(&self, rec: RequestRecord) {
        let mut log = lock(&self.log);
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(rec);
    }

    /// Advances the world to now and decides the request's fate.
    fn gate(
        &self,
        listener: Listener,
        region: &str,
        service: Option<Service>,
        mutating: bool,
    ) -> Gate {
        let gate = {
            let mut w = lock(&self.world);
            w.advance_to(self.clock.now());
            self.decide(&mut w, listener, region, service, mutating)
        };
        self.changed.send_modify(|n| *n += 1);
        gate
    }

    fn decide(
        &self,
        w: &mut World,
        listener: Listener,
        region: &str,
        service: Option<Service>,
        mutating: bool,
    ) -> Gate {
        let mut delay_ms = 0;
        let mut verdict = Verdict::Execute;
        let reach_region = match listener {
            Listener::Main => region,
            Listener::Arc(i) => {
                // The world numbers endpoints from 1, as scenarios do.
                match w.endpoint_mode(i + 1) {
                    EndpointMode::Up => {}
                    EndpointMode::Down => return Gate::Hang,
                    EndpointMode::Slow { latency_ms } => delay_ms = latency_ms,
                    EndpointMode::Throttling => verdict = Verdict::Throttle,
                }
                self.arc_region(i)
            }
        };
        match w.region_reach(reach_region) {
            Reach::Up => {}
            Reach::Hang => return Gate::Hang,
            Reach::Drop => return Gate::Ready(Ready::Drop),
        }
        if verdict == Verdict::Execute
            && let Listener::Arc(i) = listener
            && mutating
        {
            let admitted = lock(&self.arc_windows)
                .get_mut(i)
                .is_none_or(|win| win.admit(Instant::now()));
            if !admitted {
                verdict = Verdict::Throttle;
            }
        }
        if verdict == Verdict::Execute
            && let Some(s) = service
            && w.injected_error(s, region)
        {
            verdict = Verdict::Inject;
        }
        Gate::Ready(Ready::Answer { delay_ms, verdict })
    }

    /// Whether the request's listener/Region is still dark, without advancing the world
    /// (only real requests advance it; hung waiters just look).
    fn still_dark(&self, listener: Listener, region: &str) -> bool {
        let w = lock(&self.world);
        let reach_region = match listener {
            Listener::Main => region,
            Listener::Arc(i) => {
                if w.endpoint_mode(i + 1) == EndpointMode::Down {
                    return true;
                }
                self.arc_region(i)
            }
        };
        w.region_reach(reach_region) == Reach::Hang
    }

    /// Holds a request in the black hole until its Region/endpoint recovers (noticed when
    /// another request or an injection moves the world), or for ever; the client's
    /// timeout or the shutdown ends it. No lock is held while waiting and no timer runs.
    async fn wait_out_black_hole(&self, listener: Listener, region: &str) -> Ready {
        let mut changes = self.changed.subscribe();
        loop {
            if changes.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
            if !self.still_dark(listener, region) {
                let service = None; // a recovered hang is answered, not re-rolled for faults
                let g = {
                    let mut w = lock(&self.world);
                    self.decide(&mut w, listener, region, service, false)
                };
                if let Gate::Ready(r) = g {
                    return r;
                }
            }
        }
    }

    fn execute(&self, call: &Call, request_id: &str) -> Reply {
        let reply = {
            let mut w = lock(&self.world);
            wire::execute(&mut w, call, request_id)
        };
        if call.mutating() {
            self.changed.send_modify(|n| *n += 1);
        }
        reply
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
