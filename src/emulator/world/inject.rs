//! Applying faults (from scenarios or the console's game-day menu) to the world.

use super::EndpointMode;
use super::TwinWorld;
use super::faults::service_of;
use crate::emulator::scenario::{Fault, Latency};

impl TwinWorld {
    /// Applies a fault now. Names that do not resolve (unknown Region) change nothing.
    pub fn inject(&mut self, fault: &Fault) {
        match fault {
            Fault::RegionImpaired { region, mode } => {
                if let Some(r) = self.region_name(region) {
                    self.faults.impair(&r, *mode);
                }
            }
            Fault::RegionRecovered { region } => {
                if let Some(r) = self.region_name(region) {
                    self.faults.recover(&r);
                }
            }
            Fault::EndpointDown { index } => self.faults.set_endpoint(*index, EndpointMode::Down),
            Fault::EndpointSlow { index, latency_ms } => self.faults.set_endpoint(
                *index,
                EndpointMode::Slow {
                    latency_ms: *latency_ms,
                },
            ),
            Fault::EndpointThrottling { index } => {
                self.faults.set_endpoint(*index, EndpointMode::Throttling)
            }
            Fault::EndpointRecovered { index } => {
                self.faults.set_endpoint(*index, EndpointMode::Up)
            }
            Fault::LagSpike {
                database,
                region,
                peak_ms,
                duration,
            } => {
                let secs = humantime::parse_duration(duration.trim())
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(60.0);
                let region = region.as_deref().and_then(|r| self.region_name(r));
                let peak = *peak_ms as f64;
                for g in self
                    .aurora
                    .iter_mut()
                    .filter(|g| g.matches(database.as_deref()))
                {
                    g.spike(region.as_deref(), peak, secs);
                }
                for r in self
                    .replicas
                    .iter_mut()
                    .filter(|r| r.matches(database.as_deref(), region.as_deref()))
                {
                    r.spike(peak, secs);
                }
            }
            Fault::ReplicationBroken { database, region } => {
                self.set_broken(database.as_deref(), region.as_deref(), true)
            }
            Fault::ReplicationRestored { database, region } => {
                self.set_broken(database.as_deref(), region.as_deref(), false)
            }
            Fault::ApiErrorRate {
                service,
                region,
                rate,
            } => {
                if let Some(r) = self.region_name(region) {
                    self.faults.set_error_rate(service_of(*service), &r, *rate);
                }
            }
            Fault::RegionLatency {
                region,
                accept_ms,
                reply_ms,
            } => {
                if let Some(r) = self.region_name(region) {
                    self.faults.set_region_latency(
                        &r,
                        Latency {
                            accept_ms: *accept_ms,
                            reply_ms: *reply_ms,
                        },
                    );
                }
            }
            Fault::EndpointLatency {
                index,
                accept_ms,
                reply_ms,
            } => self.faults.set_endpoint_latency(
                *index,
                Latency {
                    accept_ms: *accept_ms,
                    reply_ms: *reply_ms,
                },
            ),
            Fault::EndpointAnswerLost { index } => {
                self.faults.set_endpoint_answer_lost(*index, true)
            }
            Fault::AnswerLost { service, region } => {
                if let Some(r) = self.region_name(region) {
                    self.faults.set_answer_lost(service_of(*service), &r);
                }
            }
        }
    }

    fn set_broken(&mut self, database: Option<&str>, region: Option<&str>, broken: bool) {
        let region = region.and_then(|r| self.region_name(r));
        for g in self.aurora.iter_mut().filter(|g| g.matches(database)) {
            g.set_broken(region.as_deref(), broken);
        }
        for r in self
            .replicas
            .iter_mut()
            .filter(|r| r.matches(database, region.as_deref()))
        {
            r.set_broken(broken);
        }
    }
}
