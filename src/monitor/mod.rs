//! The monitor: pollers fan out reads per Region and service, and one assembler task
//! turns their answers into immutable [`Snapshot`]s, published only when something
//! changed. Staleness is judged by age, so a Region whose calls hang still turns
//! unknown on time while the others stay fresh.

mod assemble;
pub mod clock;
mod history;
mod observe;
pub mod poll;
pub mod verdict;

pub use assemble::{HEALTH_CHECK_REGION, aws_now, copy_sources, metric_freshness, newest_usable};
pub use observe::{bucket_key, table_link_key};
pub use poll::{metric_plan, metric_regions};

use crate::config::Environment;
use crate::model::snapshot::Snapshot;
use crate::provider::Provider;
use clock::steady_now;
use observe::{Observations, Update};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

#[derive(Debug, Clone)]
pub struct MonitorOptions {
    pub poll: Duration,
    /// CloudWatch period for lag and health-check metrics, seconds.
    pub metric_period_s: i32,
    /// How far back the first metric poll reads.
    pub history_window: chrono::Duration,
    /// Samples kept per metric.
    pub history_len: usize,
    /// Re-read the caller identity every this many polls.
    pub identity_every: u64,
    /// Where run journals live: restore tests are read from them ("last tested").
    /// `None`: not read (the field stays unknown).
    pub state_dir: Option<std::path::PathBuf>,
    /// How often the journals are checked for a new restore test (re-read only when
    /// a journal changed).
    pub restore_tests_every: Duration,
}

impl Default for MonitorOptions {
    fn default() -> Self {
        MonitorOptions {
            poll: Duration::from_secs(2),
            metric_period_s: 60,
            history_window: chrono::Duration::minutes(10),
            history_len: 120,
            identity_every: 30,
            state_dir: None,
            restore_tests_every: Duration::from_secs(10),
        }
    }
}

/// The running monitor. Dropping it stops every task.
pub struct MonitorHandle {
    pub snapshots: watch::Receiver<Arc<Snapshot>>,
    /// Turns true once every poller has reported (well or badly) at least once.
    pub complete: watch::Receiver<bool>,
    refresh: watch::Sender<u64>,
    tasks: Vec<JoinHandle<()>>,
}

impl MonitorHandle {
    /// The latest snapshot.
    pub fn latest(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    /// Polls everything now instead of at the next tick (after a mutating call, say).
    pub fn refresh_now(&self) {
        self.refresh.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Waits until every poller has reported once (or the monitor stopped).
    pub async fn first_complete(&mut self) -> Arc<Snapshot> {
        // Ends with an error only when the assembler is gone; the latest snapshot
        // is still the best answer then.
        let _ = self.complete.wait_for(|c| *c).await;
        self.latest()
    }
}

impl Drop for MonitorHandle {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts polling. Must be called inside a tokio runtime.
pub fn spawn(
    provider: Arc<Provider>,
    env: Arc<Environment>,
    opts: MonitorOptions,
) -> MonitorHandle {
    let tick = assemble::assembler_tick(opts.poll);
    let mut ctx = assemble::Context::new(provider.mode(), provider.read_only(), opts.poll);
    ctx.metric_fresh_for = assemble::metric_freshness(opts.metric_period_s);
    ctx.metric_read_within =
        chrono::Duration::seconds(i64::from(opts.metric_period_s)) + ctx.stale_after;
    let metric_regions = poll::metric_regions(&env);
    let mut obs = Observations::new(&env, &metric_regions, opts.history_len);
    obs.restore_tests_expected = opts.state_dir.is_some() && !env.backups.is_empty();
    let first = assemble::build(&env, &obs, provider.endpoint_statuses(), &ctx, steady_now());
    let (snap_tx, snapshots) = watch::channel(Arc::new(first));
    let (done_tx, complete) = watch::channel(false);
    let (tx, rx) = mpsc::channel::<Update>(256);
    let (refresh, _) = watch::channel(0u64);

    let mut tasks = poll::spawn_all(&provider, &env, &opts, &tx, &refresh);
    drop(tx);
    let assembler = Assembler {
        provider,
        env,
        obs,
        ctx,
        snap_tx,
        done_tx,
    };
    tasks.push(tokio::spawn(assembler.run(rx, tick)));
    MonitorHandle {
        snapshots,
        complete,
        refresh,
        tasks,
    }
}

/// How long reports of one poll tick are gathered before one snapshot is published.
const PUBLISH_SETTLE: Duration = Duration::from_millis(40);

/// Owns the observations; the only task that touches them.
struct Assembler {
    provider: Arc<Provider>,
    env: Arc<Environment>,
    obs: Observations,
    ctx: assemble::Context,
    snap_tx: watch::Sender<Arc<Snapshot>>,
    done_tx: watch::Sender<bool>,
}

impl Assembler {
    /// Applies every report and re-judges staleness on a timer (age alone can turn
    /// an item stale while its poller is stuck in a hung call). The pollers of one tick
    /// answer within milliseconds of each other: their reports are gathered for a short
    /// settle time and published as one snapshot, so the UI draws one frame per tick,
    /// not one per poller.
    async fn run(mut self, mut rx: mpsc::Receiver<Update>, tick: Duration) {
        let mut timer = tokio::time::interval(tick);
        timer.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut pending: Option<tokio::time::Instant> = None;
        loop {
            let deadline = pending;
            let settle = async move {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                u = rx.recv() => match u {
                    Some(u) => {
                        self.obs.apply(u);
                        // The first report of a burst starts the settle time.
                        pending.get_or_insert_with(|| tokio::time::Instant::now() + PUBLISH_SETTLE);
                        continue;
                    }
                    None => return,
                },
                _ = settle => {}
                _ = timer.tick() => {}
            }
            pending = None;
            self.publish();
        }
    }

    fn publish(&self) {
        let endpoints = self.provider.endpoint_statuses();
        // Ages are judged on the steady clock, as the pollers stamp their reports.
        let now = steady_now();
        let mut snap = assemble::build(&self.env, &self.obs, endpoints, &self.ctx, now);
        self.snap_tx.send_if_modified(|cur| {
            // Same apart from when it was assembled: keep the published one.
            snap.taken_at = cur.taken_at;
            if **cur == snap {
                false
            } else {
                snap.taken_at = now;
                *cur = Arc::new(snap);
                true
            }
        });
        if !*self.done_tx.borrow() && self.obs.complete() {
            let _ = self.done_tx.send(true);
        }
    }
}
