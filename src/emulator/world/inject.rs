//! Applying faults (from scenarios or the console's game-day menu) to the world.

use super::faults::service_of;
use super::{EndpointMode, InjectedSpike, TwinWorld};
use crate::emulator::scenario::{Fault, FaultService, Latency, arc_endpoint_region};

impl TwinWorld {
    /// Applies a fault now. Names that do not resolve (unknown Region) change nothing.
    pub fn inject(&mut self, fault: &Fault) {
        match fault {
            Fault::RegionImpaired { region, mode } => {
                if let Some(r) = self.region_name(region) {
                    self.backup_history.region_down(&r, self.now);
                    self.faults.impair(&r, *mode);
                }
            }
            Fault::RegionRecovered { region } => {
                if let Some(r) = self.region_name(region) {
                    self.backup_history.region_up(&r, self.now);
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
                self.note_spike(database.clone(), region.clone(), *peak_ms, duration, secs);
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
                // ARC is signed for its cluster endpoint's own Region (scenario.rs).
                let r = match service {
                    FaultService::Arc => arc_endpoint_region(region, &self.env),
                    _ => None,
                };
                if let Some(r) = r.or_else(|| self.region_name(region)) {
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
            Fault::AlarmForced { region, alarm } => {
                if let Some(r) = self.region_name(region) {
                    self.faults.force_alarm(&r, alarm, true);
                }
            }
            Fault::AlarmReleased { region, alarm } => {
                if let Some(r) = self.region_name(region) {
                    self.faults.force_alarm(&r, alarm, false);
                }
            }
            Fault::HealthCheckFailing { health_check } => {
                self.faults.fail_check(health_check, true)
            }
            Fault::HealthCheckRecovered { health_check } => {
                self.faults.fail_check(health_check, false)
            }
            Fault::BackupCopyFailing {
                resource,
                for_the_last,
            } => {
                let back = for_the_last
                    .as_deref()
                    .and_then(|d| humantime::parse_duration(d.trim()).ok())
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .unwrap_or_default();
                // A span beyond chrono's range (scenario checks reject it) starts now.
                let from = self.now.checked_sub_signed(back).unwrap_or(self.now);
                self.backup_history.copies_fail(resource.as_deref(), from);
            }
            Fault::BackupCopyRestored { resource } => {
                self.backup_history
                    .copies_work(resource.as_deref(), self.now);
            }
            Fault::BackupRestoreFailing {} => self.restores_failing = true,
            Fault::BackupRestoreWorking {} => self.restores_failing = false,
            Fault::ArcConfigDrift {} => self.arc.drift(),
            Fault::ArcConfigDriftReverted {} => self.arc.undrift(),
            Fault::CapacityShortage { region, duration } => {
                let until = self.until(duration.as_deref());
                if let Some(r) = self.region_name(region) {
                    self.faults.set_capacity_short(&r, until);
                }
            }
            Fault::CapacityRestored { region } => {
                if let Some(r) = self.region_name(region) {
                    self.faults.restore_capacity(&r);
                }
            }
            Fault::DynamodbReplicationStall {
                table,
                region,
                duration,
            } => {
                let until = self.until(duration.as_deref());
                match region.as_deref().map(|r| self.region_name(r)) {
                    // A Region that does not resolve stalls nothing (not every Region).
                    Some(None) => {}
                    resolved => {
                        let region = resolved.flatten();
                        self.faults
                            .stall_dynamodb(table.as_deref(), region.as_deref(), until);
                    }
                }
            }
            Fault::DynamodbReplicationResumed { table, region } => {
                let region = region.as_deref().and_then(|r| self.region_name(r));
                self.faults
                    .resume_dynamodb(table.as_deref(), region.as_deref());
            }
            Fault::S3ReplicationStall { rule, duration } => {
                let until = self.until(duration.as_deref());
                self.faults.stall_s3(rule.as_deref(), until);
            }
            Fault::S3ReplicationResumed { rule } => self.faults.resume_s3(rule.as_deref()),
            Fault::LagSpikeEnded { database, region } => {
                let region = region.as_deref().and_then(|r| self.region_name(r));
                self.spikes.retain(|s| {
                    !(s.database.as_deref() == database.as_deref() && s.region == region)
                });
                for g in self
                    .aurora
                    .iter_mut()
                    .filter(|g| g.matches(database.as_deref()))
                {
                    g.end_spike(region.as_deref());
                }
                for r in self
                    .replicas
                    .iter_mut()
                    .filter(|r| r.matches(database.as_deref(), region.as_deref()))
                {
                    r.end_spike();
                }
            }
        }
    }

    /// When a fault with this `duration` (humantime) ends; `None` (no duration, or one
    /// beyond chrono's range, which scenario checks refuse) lasts until undone.
    fn until(&self, duration: Option<&str>) -> Option<chrono::DateTime<chrono::Utc>> {
        duration
            .and_then(|d| humantime::parse_duration(d.trim()).ok())
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .and_then(|d| self.now.checked_add_signed(d))
    }

    /// Remembers an injected lag spike until it ends, for the Active list; a new spike
    /// on the same database and Region replaces the old one, as it does in the lag.
    fn note_spike(
        &mut self,
        database: Option<String>,
        region: Option<String>,
        peak_ms: u64,
        duration: &str,
        secs: f64,
    ) {
        self.spikes
            .retain(|s| !(s.database == database && s.region == region));
        let until = self.now + chrono::Duration::milliseconds((secs.max(1.0) * 1000.0) as i64);
        self.spikes.push(InjectedSpike {
            database,
            region,
            peak_ms,
            duration: duration.trim().to_string(),
            until,
        });
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
