//! Replication lag as a bounded random walk with spikes and stalls.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// How one kind of replication lag moves, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct LagModel {
    lo: f64,
    hi: f64,
    step: f64,
    /// Chance per sim second of a spontaneous spike.
    spike_chance: f64,
}

impl LagModel {
    /// A walk between `lo` and `hi` ms moving at most `step` ms a sim second, without
    /// spontaneous spikes.
    pub(super) const fn bounded_walk(lo: f64, hi: f64, step: f64) -> LagModel {
        LagModel {
            lo,
            hi,
            step,
            spike_chance: 0.0,
        }
    }
}

/// Aurora global database: ~80–400 ms, a spike roughly every ten minutes.
pub(super) const AURORA: LagModel = LagModel {
    lo: 80.0,
    hi: 400.0,
    step: 25.0,
    spike_chance: 1.0 / 600.0,
};

/// RDS cross-Region read replica: 0–3 s, no spontaneous spikes.
pub(super) const REPLICA: LagModel = LagModel {
    lo: 0.0,
    hi: 3000.0,
    step: 250.0,
    spike_chance: 0.0,
};

/// Lag added per sim second while replication is stalled (source impaired, link broken).
const STALL_GROWTH_MS: f64 = 1000.0;
/// The largest spontaneous spike (see [`Lag::step`]).
const SPONTANEOUS_PEAK_MAX_MS: f64 = 3000.0;
/// How fast a backlog drains once replication resumes.
const DRAIN_MS: f64 = 3000.0;

#[derive(Debug, Clone, Copy)]
struct Spike {
    peak_ms: f64,
    total_s: f64,
    left_s: f64,
}

#[derive(Debug, Clone)]
pub(super) struct Lag {
    model: LagModel,
    base_ms: f64,
    spike: Option<Spike>,
    stall_ms: f64,
    /// RPO lag runs a little ahead of replication lag.
    rpo_extra_ms: f64,
    /// While the source Region is dark nothing new is committed there, so the
    /// committed-but-unreplicated window (RPO lag) stays what it was when it went dark,
    /// even as replication lag (time since the last record arrived) keeps growing.
    rpo_frozen_ms: Option<f64>,
}

impl Lag {
    pub(super) fn new(model: LagModel, rng: &mut ChaCha8Rng) -> Lag {
        Lag {
            model,
            base_ms: rng.random_range(model.lo..=model.hi),
            spike: None,
            stall_ms: 0.0,
            rpo_extra_ms: rng.random_range(5.0..40.0),
            rpo_frozen_ms: None,
        }
    }

    /// The source Region went dark (`true`) or came back (`false`).
    pub(super) fn source_dark(&mut self, dark: bool) {
        match (dark, self.rpo_frozen_ms) {
            (true, None) => self.rpo_frozen_ms = Some(self.rpo_ms()),
            (false, Some(_)) => self.rpo_frozen_ms = None,
            _ => {}
        }
    }

    /// One sim second.
    pub(super) fn step(&mut self, rng: &mut ChaCha8Rng, stalled: bool) {
        let m = self.model;
        let delta = rng.random_range(-m.step..=m.step);
        self.base_ms = (self.base_ms + delta).clamp(m.lo, m.hi);
        self.rpo_extra_ms = rng.random_range(5.0..40.0);
        if m.spike_chance > 0.0 && self.spike.is_none() && rng.random_bool(m.spike_chance) {
            // Spontaneous spikes are noise, not incidents: with the baseline (≤ 400 ms)
            // and the RPO extra (< 40 ms) they stay under 3.5 s, below the built-in
            // environments' RPO targets (5 s, 10 s), so `calm` never shows an RPO
            // breach. Incidents come from a scenario's `lag_spike` fault.
            let peak = rng.random_range(1000.0..=SPONTANEOUS_PEAK_MAX_MS);
            let secs = rng.random_range(20.0..=60.0);
            self.spike = Some(Spike {
                peak_ms: peak,
                total_s: secs,
                left_s: secs,
            });
        } else if let Some(s) = &mut self.spike {
            s.left_s -= 1.0;
            if s.left_s <= 0.0 {
                self.spike = None;
            }
        }
        if stalled {
            self.stall_ms += STALL_GROWTH_MS;
        } else {
            self.stall_ms = (self.stall_ms - DRAIN_MS).max(0.0);
        }
    }

    pub(super) fn force_spike(&mut self, peak_ms: f64, secs: f64) {
        let secs = secs.max(1.0);
        self.spike = Some(Spike {
            peak_ms,
            total_s: secs,
            left_s: secs,
        });
    }

    /// Ends a spike at once (a game-day lag spike cleared by the operator).
    pub(super) fn end_spike(&mut self) {
        self.spike = None;
    }

    pub(super) fn ms(&self) -> f64 {
        let spike = self
            .spike
            .map(|s| s.peak_ms * (s.left_s / s.total_s))
            .unwrap_or(0.0);
        self.base_ms + spike + self.stall_ms
    }

    pub(super) fn rpo_ms(&self) -> f64 {
        self.rpo_frozen_ms
            .unwrap_or_else(|| self.ms() + self.rpo_extra_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// `calm` shows no incident: ten simulated hours of Aurora lag on several seeds,
    /// spontaneous spikes included, never reach the built-in 5 s RPO target.
    #[test]
    fn spontaneous_aurora_lag_stays_under_the_rpo_target() {
        for seed in 0..5u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut lag = Lag::new(AURORA, &mut rng);
            let mut worst: f64 = 0.0;
            let mut spikes = 0;
            for _ in 0..36_000 {
                lag.step(&mut rng, false);
                if lag.spike.is_some() {
                    spikes += 1;
                }
                worst = worst.max(lag.rpo_ms());
            }
            assert!(spikes > 0, "seed {seed}: the noise still has spikes");
            assert!(worst < 5000.0, "seed {seed}: RPO lag reached {worst} ms");
        }
    }
}
