//! The emulator handle and its loopback listeners: one main listener (RDS, STS,
//! CloudWatch) and one per ARC cluster endpoint, hyper 1, one task per connection.
//!
//! The world sits behind a `std::sync::Mutex` that is never held across an await: each
//! request locks it a few times (latency, gate, execute). Black holes, slow endpoints,
//! latency and hangs wait outside the lock.

mod connections;
mod faults_http;
mod request_log;
mod shared;

pub use faults_http::FAULTS_PATH;
pub use request_log::REQUESTS_PATH;

use crate::config::Environment;
use crate::emulator::clock::SimClock;
use crate::emulator::scenario::{ActiveFault, Fault, Scenario};
use crate::emulator::wire::arc_json::RateWindow;
use crate::emulator::world::{Service, TwinWorld};
use chrono::{DateTime, Utc};
use connections::accept_loop;
use shared::{Shared, lock};
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::watch;

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
pub enum RequestOutcome {
    /// Answered with this HTTP status.
    Status(u16),
    /// Held open without an answer (black hole). If the Region recovers while the client
    /// still waits, a second record with the eventual status follows.
    Hung,
    /// Connection closed without a response, the request not handled.
    Dropped,
    /// The twin applied the call (the world changed; it would have answered 2xx) and
    /// then closed the connection without the answer: a reset after commit (faults
    /// `endpoint_answer_lost`, `answer_lost`).
    AppliedAnswerLost,
    /// The client hung up before its answer was handed over. `Some(status)`: the twin
    /// handled the request anyway, as a service does once a request has reached it
    /// (during a reply delay); a mutating 2xx changed the world. `None`: it left during
    /// a cold connection's accept delay, before the request counted as received, and
    /// nothing was handled.
    ClientLeft { status: Option<u16> },
}

impl RequestRecord {
    /// Whether this request changed the world: a mutating call the twin applied,
    /// whether or not the client got the answer.
    pub fn applied(&self) -> bool {
        let ok = |s: u16| (200..300).contains(&s);
        self.mutating
            && match self.outcome {
                RequestOutcome::Status(s) | RequestOutcome::ClientLeft { status: Some(s) } => ok(s),
                RequestOutcome::AppliedAnswerLost => true,
                RequestOutcome::Hung
                | RequestOutcome::Dropped
                | RequestOutcome::ClientLeft { status: None } => false,
            }
    }
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
    pub outcome: RequestOutcome,
    /// The request id the twin answered with (also in the client's reply).
    pub request_id: String,
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
    let mut world = TwinWorld::new(env, opts.seed, start_sim);
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
    /// Returns the faults in force afterwards.
    pub fn inject(&self, fault: Fault) -> Vec<ActiveFault> {
        faults_http::inject(&self.shared, &fault)
    }

    /// The faults in force now, each with the fault that undoes it.
    pub fn active_faults(&self) -> Vec<ActiveFault> {
        faults_http::active(&self.shared)
    }

    /// The most recent requests, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Reads the world, brought up to the current sim time first.
    pub fn with_world<R>(&self, f: impl FnOnce(&TwinWorld) -> R) -> R {
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
