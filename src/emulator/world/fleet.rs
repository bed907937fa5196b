//! The members behind a desired count (an Auto Scaling group's instances, an ECS
//! service's tasks): launched, in service, leaving, each on its own sim-time countdown.

use chrono::{DateTime, Duration, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Sim seconds from launch to InService (boot plus application warm-up), drawn
/// uniformly. The twin's choice, not an AWS figure: real launches depend on the AMI,
/// the instance type and the group's health-check grace period.
pub const INSTANCE_LAUNCH_S: (i64, i64) = (60, 150);
/// Sim seconds a surplus instance stays `Terminating` before it leaves the group (the
/// twin's choice; AWS waits for deregistration delay and lifecycle hooks).
pub const INSTANCE_TERMINATE_S: i64 = 30;
/// Sim seconds an ECS task is pending (placement, image pull, start) before it runs.
/// The twin's choice, not an AWS figure.
pub const TASK_START_S: (i64, i64) = (20, 60);
/// Sim seconds a surplus task still counts as running while it stops (the twin's choice).
pub const TASK_STOP_S: i64 = 10;
/// Availability Zone letters the twin spreads instances over, round robin.
pub(super) const ZONES: [char; 3] = ['a', 'b', 'c'];

/// EC2 Auto Scaling API Reference, data type Instance, LifecycleState: the twin uses
/// three of its documented values (no lifecycle hooks, standby or warm pools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleState {
    Pending,
    InService,
    Terminating,
}

impl LifecycleState {
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleState::Pending => "Pending",
            LifecycleState::InService => "InService",
            LifecycleState::Terminating => "Terminating",
        }
    }
}

/// Where one instance or task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Launching; `None` while the Region is short of capacity (the launch has not
    /// found capacity yet, so no countdown runs).
    Starting {
        ready_at: Option<DateTime<Utc>>,
    },
    Up,
    Leaving {
        gone_at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone)]
pub(super) struct Unit {
    pub(super) id: String,
    pub(super) zone: char,
    phase: Phase,
}

/// The instances of a group or the tasks of a service, and the count they aim at.
#[derive(Debug, Clone, Default)]
pub(super) struct Fleet {
    pub(super) desired: u32,
    pub(super) units: Vec<Unit>,
    launched: usize,
}

/// How long a fleet's members take to start and to leave.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timing {
    start_s: (i64, i64),
    stop_s: i64,
}

pub(super) const INSTANCES: Timing = Timing {
    start_s: INSTANCE_LAUNCH_S,
    stop_s: INSTANCE_TERMINATE_S,
};
pub(super) const TASKS: Timing = Timing {
    start_s: TASK_START_S,
    stop_s: TASK_STOP_S,
};

impl Fleet {
    /// `initial` members already up.
    pub(super) fn new(initial: u32, rng: &mut ChaCha8Rng) -> Fleet {
        let mut f = Fleet::default();
        for _ in 0..initial {
            f.launch(rng, Phase::Up);
        }
        f.desired = initial;
        f
    }

    fn launch(&mut self, rng: &mut ChaCha8Rng, phase: Phase) {
        let zone = ZONES[self.launched % ZONES.len()];
        self.launched += 1;
        self.units.push(Unit {
            id: format!("i-0{:016x}", rng.random::<u64>()),
            zone,
            phase,
        });
    }

    fn live(&self) -> usize {
        self.units
            .iter()
            .filter(|u| !matches!(u.phase, Phase::Leaving { .. }))
            .count()
    }

    /// Launches or retires members so that `desired` are live. Members still starting
    /// leave first, then the newest in service (the twin's termination policy).
    pub(super) fn set_desired(
        &mut self,
        desired: u32,
        now: DateTime<Utc>,
        t: Timing,
        rng: &mut ChaCha8Rng,
    ) {
        self.desired = desired;
        let want = desired as usize;
        while self.live() < want {
            self.launch(rng, Phase::Starting { ready_at: None });
        }
        let mut surplus = self.live().saturating_sub(want);
        let gone_at = now + Duration::seconds(t.stop_s);
        for starting_first in [true, false] {
            for u in self.units.iter_mut().rev() {
                let pick = match u.phase {
                    Phase::Starting { .. } => starting_first,
                    Phase::Up => !starting_first,
                    Phase::Leaving { .. } => false,
                };
                if pick && surplus > 0 {
                    u.phase = Phase::Leaving { gone_at };
                    surplus -= 1;
                }
            }
        }
    }

    pub(super) fn tick(
        &mut self,
        now: DateTime<Utc>,
        short: bool,
        t: Timing,
        rng: &mut ChaCha8Rng,
    ) {
        for u in &mut self.units {
            if let Phase::Starting { ready_at } = u.phase {
                u.phase = match ready_at {
                    _ if short => Phase::Starting { ready_at: None },
                    None => {
                        let s = rng.random_range(t.start_s.0..=t.start_s.1);
                        Phase::Starting {
                            ready_at: Some(now + Duration::seconds(s)),
                        }
                    }
                    Some(at) if at <= now => Phase::Up,
                    Some(_) => u.phase,
                };
            }
        }
        self.units
            .retain(|u| !matches!(u.phase, Phase::Leaving { gone_at } if gone_at <= now));
    }

    /// (pending, running): a stopping task is still running until it has stopped.
    pub(super) fn counts(&self) -> (u32, u32) {
        let pending = self
            .units
            .iter()
            .filter(|u| matches!(u.phase, Phase::Starting { .. }))
            .count();
        (pending as u32, (self.units.len() - pending) as u32)
    }
}

impl Unit {
    pub(super) fn lifecycle_state(&self) -> LifecycleState {
        match self.phase {
            Phase::Starting { .. } => LifecycleState::Pending,
            Phase::Up => LifecycleState::InService,
            Phase::Leaving { .. } => LifecycleState::Terminating,
        }
    }
}
