//! State shared by every listener task, and each request's fate: black hole, drop,
//! delay, throttle, injected error or the world's own answer.

use super::{Listener, RequestOutcome, RequestRecord};
use crate::emulator::clock::SimClock;
use crate::emulator::scenario::Latency;
use crate::emulator::wire::{self, Call, Reply, arc_json::RateWindow};
use crate::emulator::world::{EndpointMode, Reach, Service, TwinWorld};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;
use tokio::sync::watch;

/// The request log keeps the most recent entries only.
const LOG_CAPACITY: usize = 10_000;

pub(super) struct Shared {
    pub(super) world: Mutex<TwinWorld>,
    pub(super) clock: SimClock,
    pub(super) log: Mutex<VecDeque<RequestRecord>>,
    pub(super) arc_windows: Mutex<Vec<RateWindow>>,
    /// Each ARC endpoint's own Region (dark when that Region is impaired).
    pub(super) arc_regions: Vec<String>,
    /// Bumped whenever the world may have changed; hung requests wait on it.
    pub(super) changed: watch::Sender<u64>,
    pub(super) request_seq: AtomicU64,
    pub(super) seed: u64,
    /// Simulated seconds per wall second.
    pub(super) speed: f64,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a handler must not take the whole twin down with it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What to do with a request before the world handles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gate {
    Hang,
    Ready(Ready),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ready {
    Drop,
    Answer {
        delay_ms: u64,
        verdict: FaultVerdict,
        /// If the call is applied, close the connection instead of answering.
        lose_answer: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FaultVerdict {
    Execute,
    Throttle,
    Inject,
}

impl Shared {
    pub(super) fn arc_region(&self, index: usize) -> &str {
        self.arc_regions.get(index).map_or("", String::as_str)
    }

    /// A request id shaped like AWS's (a UUID), unique per request and per run: the
    /// world's seed is mixed with a per-process random value, so two runs of the same
    /// scenario never hand out the same ids (journals of both can sit side by side).
    pub(super) fn next_request_id(&self) -> String {
        let n = self.request_seq.fetch_add(1, Ordering::Relaxed);
        let a = splitmix(self.seed ^ run_salt() ^ n);
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

    /// The latency of the request's endpoint (not advancing the world: a cold
    /// connection's delay comes before the request reaches the service).
    pub(super) fn latency(&self, listener: Listener, region: &str) -> Latency {
        let w = lock(&self.world);
        match listener {
            Listener::Main => w.latency(None, region),
            Listener::Arc(i) => w.latency(Some(i + 1), self.arc_region(i)),
        }
    }

    /// Rewrites the outcome of the newest record with this request id (the client
    /// left after the record was written, before the answer could be handed over).
    pub(super) fn amend(&self, request_id: &str, outcome: RequestOutcome) {
        let mut log = lock(&self.log);
        if let Some(r) = log.iter_mut().rev().find(|r| r.request_id == request_id) {
            r.outcome = outcome;
        }
    }

    pub(super) fn record(&self, rec: RequestRecord) {
        let mut log = lock(&self.log);
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(rec);
    }

    /// Advances the world to now and decides the request's fate.
    pub(super) fn gate(
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
        w: &mut TwinWorld,
        listener: Listener,
        region: &str,
        service: Option<Service>,
        mutating: bool,
    ) -> Gate {
        let mut delay_ms = 0;
        let mut verdict = FaultVerdict::Execute;
        let reach_region = match listener {
            Listener::Main => region,
            Listener::Arc(i) => {
                // The world numbers endpoints from 1, as scenarios do.
                match w.endpoint_mode(i + 1) {
                    EndpointMode::Up => {}
                    EndpointMode::Down => return Gate::Hang,
                    EndpointMode::Slow { latency_ms } => delay_ms = latency_ms,
                    EndpointMode::Throttling => verdict = FaultVerdict::Throttle,
                }
                self.arc_region(i)
            }
        };
        match w.region_reach(reach_region) {
            Reach::Up => {}
            Reach::Hang => return Gate::Hang,
            Reach::Drop => return Gate::Ready(Ready::Drop),
        }
        if verdict == FaultVerdict::Execute
            && let Listener::Arc(i) = listener
            && mutating
        {
            let admitted = lock(&self.arc_windows)
                .get_mut(i)
                .is_none_or(|win| win.admit(Instant::now()));
            if !admitted {
                verdict = FaultVerdict::Throttle;
            }
        }
        if verdict == FaultVerdict::Execute
            && let Some(s) = service
            && w.injected_error(s, region)
        {
            verdict = FaultVerdict::Inject;
        }
        let endpoint = match listener {
            Listener::Main => None,
            Listener::Arc(i) => Some(i + 1),
        };
        let lose_answer = mutating
            && verdict == FaultVerdict::Execute
            && service.is_some_and(|s| w.answer_lost(endpoint, s, region));
        Gate::Ready(Ready::Answer {
            delay_ms,
            verdict,
            lose_answer,
        })
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
    pub(super) async fn wait_out_black_hole(&self, listener: Listener, region: &str) -> Ready {
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

    pub(super) fn execute(&self, call: &Call, request_id: &str) -> Reply {
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

/// A random value drawn once per process.
fn run_salt() -> u64 {
    static SALT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SALT.get_or_init(rand::random::<u64>)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
