//! Aurora global databases: members, moving lag, switchover and failover walks.

use super::faults::FaultState;
use super::lag::{AURORA, Lag};
use super::{
    DataLossEvent, DbClusterView, FailoverView, GlobalClusterView, GlobalMemberView, RdsError,
};
use crate::config::AuroraGlobal;
use chrono::{DateTime, Duration, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

const ENGINE: &str = "aurora-postgresql";
const ENGINE_VERSION: &str = "16.4";
/// Every operation sits this long in `pending`, so a second call sees it running.
const PENDING_S: i64 = 5;
/// Size of a database when the scenario names none, GiB.
const DEFAULT_SIZE_GIB: u32 = 500;

/// How long an old primary takes to rejoin as a secondary once its Region is back,
/// after a data-loss failover: it is rebuilt from the new primary, which takes
/// minutes and grows with the data (AWS user guide, "Recovering an Amazon Aurora
/// global database from an unplanned outage": the old primary is re-added as a
/// secondary and must resynchronize). The figures — 5 min plus 1 min per 100 GiB —
/// are the twin's guess (unverified), set per scenario with `database_gib`.
fn rejoin_s(size_gib: u32) -> u32 {
    300 + size_gib.saturating_mul(60) / 100
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sync {
    Connected,
    /// Old writer after an unplanned failover, waiting for its Region to come back.
    PendingResync,
    /// Its Region is back: being rebuilt from the new primary (`done_s` of `need_s`).
    Rejoining {
        done_s: u32,
        need_s: u32,
    },
}

#[derive(Debug, Clone)]
struct Member {
    region: String,
    arn: String,
    id: String,
    lag: Lag,
    sync: Sync,
    broken: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Pending,
    /// Shown as `switching-over` for a switchover and `failing-over` for a failover
    /// with data loss (AWS-FACTS.md; RDS API reference, FailoverState).
    Running,
}

#[derive(Debug, Clone)]
struct Op {
    data_loss: bool,
    from: usize,
    to: usize,
    phase: Phase,
    until: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(super) struct GlobalDb {
    name: String,
    account: String,
    id: String,
    resource_id: String,
    members: Vec<Member>,
    writer: usize,
    op: Option<Op>,
    size_gib: u32,
}

/// One secondary's lag as the world samples it into metrics.
pub(super) struct LagSample<'a> {
    pub region: &'a str,
    pub cluster_id: &'a str,
    pub lag_ms: f64,
    pub rpo_ms: f64,
}

impl GlobalDb {
    pub(super) fn new(
        g: &AuroraGlobal,
        primary_region: &str,
        account: &str,
        rng: &mut ChaCha8Rng,
    ) -> GlobalDb {
        let members: Vec<Member> = g
            .members
            .iter()
            .map(|m| Member {
                region: m.region.clone(),
                arn: m.cluster_arn.clone(),
                id: m.cluster_id().to_string(),
                lag: Lag::new(AURORA, rng),
                sync: Sync::Connected,
                broken: false,
            })
            .collect();
        let writer = members
            .iter()
            .position(|m| m.region == primary_region)
            .unwrap_or(0);
        GlobalDb {
            name: g.name.clone(),
            account: account.to_string(),
            id: g.global_cluster_id.clone(),
            resource_id: format!("cluster-{:016x}", rng.random::<u64>()),
            members,
            writer,
            op: None,
            size_gib: DEFAULT_SIZE_GIB,
        }
    }

    pub(super) fn set_size_gib(&mut self, gib: u32) {
        self.size_gib = gib;
    }

    pub(super) fn id(&self) -> &str {
        &self.id
    }

    /// True when a fault naming `database` applies here (env name or global id; None = all).
    pub(super) fn matches(&self, database: Option<&str>) -> bool {
        database.is_none_or(|d| d == self.name || d == self.id)
    }

    fn arn(&self) -> String {
        format!("arn:aws:rds::{}:global-cluster:{}", self.account, self.id)
    }

    /// One sim second.
    pub(super) fn tick(&mut self, now: DateTime<Utc>, rng: &mut ChaCha8Rng, faults: &FaultState) {
        let source_down = faults.is_impaired(&self.members[self.writer].region);
        for (i, m) in self.members.iter_mut().enumerate() {
            if i == self.writer {
                continue;
            }
            match &mut m.sync {
                // Nothing arrives while either end is unreachable or the link is broken.
                Sync::Connected => {
                    m.lag.source_dark(source_down);
                    m.lag.step(
                        rng,
                        source_down || m.broken || faults.is_impaired(&m.region),
                    )
                }
                Sync::PendingResync => {
                    if !faults.is_impaired(&m.region) {
                        m.sync = Sync::Rejoining {
                            done_s: 0,
                            need_s: rejoin_s(self.size_gib),
                        };
                    }
                }
                Sync::Rejoining { done_s, need_s } => {
                    // A Region that goes dark again starts the rebuild over.
                    if faults.is_impaired(&m.region) {
                        m.sync = Sync::PendingResync;
                    } else if *done_s + 1 >= *need_s {
                        m.sync = Sync::Connected;
                        m.lag = Lag::new(AURORA, rng);
                    } else {
                        *done_s += 1;
                    }
                }
            }
        }
        self.advance_op(now, rng);
    }

    fn advance_op(&mut self, now: DateTime<Utc>, rng: &mut ChaCha8Rng) {
        let Some(op) = &mut self.op else { return };
        if now < op.until {
            return;
        }
        match op.phase {
            Phase::Pending => {
                let secs = if op.data_loss {
                    rng.random_range(60..=120)
                } else {
                    // Planned switchover waits for the secondary to catch up.
                    let lag_s = self.members[op.to].lag.ms() / 1000.0;
                    20 + (10.0 * lag_s).round() as i64
                };
                op.phase = Phase::Running;
                op.until = now + Duration::seconds(secs);
            }
            Phase::Running => {
                let (from, to, data_loss) = (op.from, op.to, op.data_loss);
                self.op = None;
                self.writer = to;
                let old = &mut self.members[from];
                old.sync = if data_loss {
                    Sync::PendingResync
                } else {
                    Sync::Connected
                };
                old.lag = Lag::new(AURORA, rng);
                old.broken = false;
            }
        }
    }

    pub(super) fn spike(&mut self, region: Option<&str>, peak_ms: f64, secs: f64) {
        let writer = self.writer;
        for (i, m) in self.members.iter_mut().enumerate() {
            if i != writer && region.is_none_or(|r| r == m.region) {
                m.lag.force_spike(peak_ms, secs);
            }
        }
    }

    pub(super) fn end_spike(&mut self, region: Option<&str>) {
        for m in &mut self.members {
            if region.is_none_or(|r| r == m.region) {
                m.lag.end_spike();
            }
        }
    }

    /// The env name and the Regions of the secondaries whose link is broken.
    pub(super) fn broken_links(&self) -> (&str, Vec<&str>) {
        let regions = self
            .members
            .iter()
            .enumerate()
            .filter(|(i, m)| *i != self.writer && m.broken)
            .map(|(_, m)| m.region.as_str())
            .collect();
        (&self.name, regions)
    }

    pub(super) fn set_broken(&mut self, region: Option<&str>, broken: bool) {
        let writer = self.writer;
        for (i, m) in self.members.iter_mut().enumerate() {
            if i != writer && region.is_none_or(|r| r == m.region) {
                m.broken = broken;
            }
        }
    }

    /// Lag of every connected secondary; members awaiting resync have no known lag.
    pub(super) fn lag_samples(&self) -> Vec<LagSample<'_>> {
        self.members
            .iter()
            .enumerate()
            .filter(|(i, m)| *i != self.writer && m.sync == Sync::Connected)
            .map(|(_, m)| LagSample {
                region: &m.region,
                cluster_id: &m.id,
                lag_ms: m.lag.ms(),
                rpo_ms: m.lag.rpo_ms(),
            })
            .collect()
    }

    pub(super) fn view(&self) -> GlobalClusterView {
        let status = match &self.op {
            None => "available",
            Some(op) if op.data_loss => "failing-over",
            Some(_) => "switching-over",
        };
        let readers: Vec<String> = self
            .members
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.writer)
            .map(|(_, m)| m.arn.clone())
            .collect();
        GlobalClusterView {
            id: self.id.clone(),
            resource_id: self.resource_id.clone(),
            arn: self.arn(),
            status: status.to_string(),
            engine: ENGINE.to_string(),
            engine_version: ENGINE_VERSION.to_string(),
            members: self
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| GlobalMemberView {
                    cluster_arn: m.arn.clone(),
                    readers: if i == self.writer {
                        readers.clone()
                    } else {
                        Vec::new()
                    },
                    is_writer: i == self.writer,
                    write_forwarding: "disabled".to_string(),
                    // AWS documents connected | pending-resync (API reference,
                    // GlobalClusterMember.SynchronizationStatus).
                    synchronization: match m.sync {
                        Sync::Connected => "connected",
                        Sync::PendingResync | Sync::Rejoining { .. } => "pending-resync",
                    }
                    .to_string(),
                })
                .collect(),
            failover: self.op.as_ref().map(|op| FailoverView {
                status: match (op.phase, op.data_loss) {
                    (Phase::Pending, _) => "pending",
                    (Phase::Running, true) => "failing-over",
                    (Phase::Running, false) => "switching-over",
                }
                .to_string(),
                from_cluster_arn: self.members[op.from].arn.clone(),
                to_cluster_arn: self.members[op.to].arn.clone(),
                is_data_loss_allowed: op.data_loss,
            }),
        }
    }

    /// The member clusters that live in `region`.
    pub(super) fn cluster_views(&self, region: &str) -> Vec<DbClusterView> {
        self.members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.region == region)
            .map(|(i, m)| DbClusterView {
                id: m.id.clone(),
                arn: m.arn.clone(),
                // While rebuilt from the new primary the old writer's cluster is not
                // "available" (the intermediate word is the twin's, unverified).
                status: match m.sync {
                    Sync::Rejoining { .. } => "resyncing",
                    _ => "available",
                }
                .to_string(),
                engine: ENGINE.to_string(),
                engine_version: ENGINE_VERSION.to_string(),
                global_cluster_id: Some(self.id.clone()),
                is_writer: i == self.writer,
                endpoint: format!(
                    "{}.cluster-c7x2k9q1w3e5.{}.rds.amazonaws.com",
                    m.id, m.region
                ),
            })
            .collect()
    }

    fn member_index(&self, target: &str) -> Result<usize, RdsError> {
        self.members
            .iter()
            .position(|m| m.arn == target || m.id == target)
            .ok_or_else(|| {
                RdsError::DbClusterNotFound(format!(
                    "DBCluster {target} is not a member of global cluster {}",
                    self.id
                ))
            })
    }

    fn check_idle(&self, to: usize) -> Result<(), RdsError> {
        if self.op.is_some() {
            return Err(RdsError::InvalidGlobalClusterState(format!(
                "global cluster {} already has a switchover or failover in progress",
                self.id
            )));
        }
        if to == self.writer {
            return Err(RdsError::InvalidGlobalClusterState(format!(
                "{} is already the writer of global cluster {}",
                self.members[to].id, self.id
            )));
        }
        if self.members[to].sync != Sync::Connected {
            return Err(RdsError::InvalidGlobalClusterState(format!(
                "{} is not synchronized with global cluster {}",
                self.members[to].id, self.id
            )));
        }
        Ok(())
    }

    pub(super) fn switchover(
        &mut self,
        now: DateTime<Utc>,
        target: &str,
        faults: &FaultState,
    ) -> Result<GlobalClusterView, RdsError> {
        let to = self.member_index(target)?;
        self.check_idle(to)?;
        // A planned switchover waits for full sync, which needs both Regions healthy.
        for m in [&self.members[self.writer], &self.members[to]] {
            if faults.is_impaired(&m.region) {
                return Err(RdsError::InvalidGlobalClusterState(format!(
                    "switchover needs healthy Regions, but {} in {} is unreachable; \
                     use a failover with AllowDataLoss instead",
                    m.id, m.region
                )));
            }
        }
        self.op = Some(Op {
            data_loss: false,
            from: self.writer,
            to,
            phase: Phase::Pending,
            until: now + Duration::seconds(PENDING_S),
        });
        Ok(self.view())
    }

    /// Unplanned failover with data loss, called in `region`.
    pub(super) fn failover(
        &mut self,
        now: DateTime<Utc>,
        region: &str,
        target: &str,
    ) -> Result<(GlobalClusterView, DataLossEvent), RdsError> {
        let to = self.member_index(target)?;
        self.check_idle(to)?;
        let m = &self.members[to];
        if m.region != region {
            return Err(RdsError::InvalidParameterValue(format!(
                "a failover with AllowDataLoss must be called in the target's Region {}, not {region}",
                m.region
            )));
        }
        let event = DataLossEvent {
            at: now,
            global_cluster_id: self.id.clone(),
            from_region: self.members[self.writer].region.clone(),
            to_region: m.region.clone(),
            lost_ms: m.lag.rpo_ms(),
        };
        self.op = Some(Op {
            data_loss: true,
            from: self.writer,
            to,
            phase: Phase::Pending,
            until: now + Duration::seconds(PENDING_S),
        });
        Ok((self.view(), event))
    }
}
