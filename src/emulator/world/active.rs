//! The faults the world holds now, each with the fault that undoes it: what the
//! game-day menu lists under "Active" and the twin's `/_drconsole/faults` serves.
//!
//! Derived from the fault state every time, never kept beside it, so a fault injected
//! by a scenario, another console or the HTTP control shows up the same way.

use super::faults::fault_service;
use super::{EndpointMode, Service, TwinWorld};
use crate::emulator::scenario::{ActiveFault, Fault, ImpairMode};

impl TwinWorld {
    /// Every fault in force, in a stable order: Regions, alarms, health checks, ARC
    /// endpoints, API error rates, replication, capacity, DynamoDB and S3 replication
    /// stalls, lag spikes (until they end).
    pub fn active_faults(&self) -> Vec<ActiveFault> {
        let mut out = Vec::new();
        let mut push = |label: String, clear: Fault| out.push(ActiveFault { label, clear });
        for (region, mode) in self.faults.impaired_regions() {
            let how = match mode {
                ImpairMode::Hang => "its endpoints hang",
                ImpairMode::Drop => "its endpoints drop connections",
            };
            push(
                format!("{region} impaired: {how}"),
                Fault::RegionRecovered {
                    region: region.to_string(),
                },
            );
        }
        for (region, alarm) in self.faults.forced_alarms() {
            push(
                format!("Alarm {alarm} ({region}) held in ALARM"),
                Fault::AlarmReleased {
                    region: region.to_string(),
                    alarm: alarm.to_string(),
                },
            );
        }
        for hc in self.faults.failing_checks() {
            push(
                format!("Health check {hc} failing"),
                Fault::HealthCheckRecovered {
                    health_check: hc.to_string(),
                },
            );
        }
        for (index, mode) in self.faults.endpoint_faults() {
            let region = self
                .env
                .arc
                .endpoints
                .get(index - 1)
                .map_or("", |e| e.region.as_str());
            let how = match mode {
                EndpointMode::Up => continue,
                EndpointMode::Down => "down: hangs".to_string(),
                EndpointMode::Slow { latency_ms } => format!("slow: +{latency_ms} ms"),
                EndpointMode::Throttling => "throttling".to_string(),
            };
            push(
                format!("ARC endpoint {index} ({region}) {how}"),
                Fault::EndpointRecovered { index },
            );
        }
        for index in self.faults.endpoints_losing_answers() {
            push(
                format!(
                    "ARC endpoint {index} ({}) applies updates, then loses the answer",
                    self.endpoint_region(index)
                ),
                Fault::EndpointRecovered { index },
            );
        }
        for (index, l) in self.faults.endpoint_latencies() {
            push(
                format!(
                    "ARC endpoint {index} ({}) latency: {}",
                    self.endpoint_region(index),
                    latency_words(l)
                ),
                Fault::EndpointLatency {
                    index,
                    accept_ms: 0,
                    reply_ms: 0,
                },
            );
        }
        for (region, l) in self.faults.region_latencies() {
            push(
                format!("{region} latency: {}", latency_words(l)),
                Fault::RegionLatency {
                    region: region.to_string(),
                    accept_ms: 0,
                    reply_ms: 0,
                },
            );
        }
        for (service, region) in self.faults.answers_lost() {
            // Recovering the Region ends it (and an impairment of that Region with it).
            push(
                format!(
                    "{} in {region}: calls applied, answers lost",
                    service_name(service)
                ),
                Fault::RegionRecovered {
                    region: region.to_string(),
                },
            );
        }
        for (service, region, rate) in self.faults.error_rates() {
            let what = service_name(service);
            push(
                format!(
                    "{what} 5xx in {region} ({:.0} % of calls)",
                    (rate * 100.0).round()
                ),
                Fault::ApiErrorRate {
                    service: fault_service(service),
                    region: region.to_string(),
                    rate: 0.0,
                },
            );
        }
        for g in &self.aurora {
            let (name, regions) = g.broken_links();
            for region in regions {
                push(
                    format!("Replication of {name} to {region} broken"),
                    Fault::ReplicationRestored {
                        database: Some(name.to_string()),
                        region: Some(region.to_string()),
                    },
                );
            }
        }
        for r in &self.replicas {
            if let Some(name) = r.broken_name() {
                push(
                    format!("Replication of {name} broken"),
                    Fault::ReplicationRestored {
                        database: Some(name.to_string()),
                        region: None,
                    },
                );
            }
        }
        for (resource, since) in self.backup_history.failing_now() {
            let on = resource.map_or("every protected resource".to_string(), |r| r.to_string());
            push(
                format!(
                    "Backup copies of {on} failing since {}",
                    since.format("%H:%M:%S")
                ),
                Fault::BackupCopyRestored {
                    resource: resource.map(str::to_string),
                },
            );
        }
        for (region, until) in self.faults.capacity_shortages() {
            push(
                format!(
                    "{region} short of capacity{}: new instances and tasks stay pending",
                    till(until)
                ),
                Fault::CapacityRestored {
                    region: region.to_string(),
                },
            );
        }
        for (table, region, until) in self.faults.dynamodb_stalls() {
            let on = table.map_or("every DynamoDB global table".to_string(), |t| {
                format!("DynamoDB {t}")
            });
            let from = region.map_or("every Region".to_string(), str::to_string);
            push(
                format!("{on}: replication out of {from} stalled{}", till(until)),
                Fault::DynamodbReplicationResumed {
                    table: table.map(str::to_string),
                    region: region.map(str::to_string),
                },
            );
        }
        for (rule, until) in self.faults.s3_stalls() {
            let on = rule.map_or("every S3 replication rule".to_string(), |r| {
                format!("S3 replication {r}")
            });
            push(
                format!("{on} stalled{}: backlog growing", till(until)),
                Fault::S3ReplicationResumed {
                    rule: rule.map(str::to_string),
                },
            );
        }
        if self.arc.drifted() {
            push(
                format!(
                    "ARC configuration drifted: {} added, first safety rule's wait period +{} ms",
                    super::DRIFT_CONTROL_NAME,
                    super::DRIFT_WAIT_RAISE_MS
                ),
                Fault::ArcConfigDriftReverted {},
            );
        }
        if self.restores_failing {
            push(
                "AWS Backup restore jobs failing".to_string(),
                Fault::BackupRestoreWorking {},
            );
        }
        for s in &self.spikes {
            let on = match (&s.database, &s.region) {
                (Some(d), Some(r)) => format!("{d} in {r}"),
                (Some(d), None) => d.clone(),
                (None, Some(r)) => format!("every database in {r}"),
                (None, None) => "every database".to_string(),
            };
            push(
                format!(
                    "Lag spike on {on}: {} peak over {}",
                    ms(s.peak_ms),
                    s.duration
                ),
                Fault::LagSpikeEnded {
                    database: s.database.clone(),
                    region: s.region.clone(),
                },
            );
        }
        out
    }
}

impl TwinWorld {
    fn endpoint_region(&self, index: usize) -> &str {
        self.env
            .arc
            .endpoints
            .get(index.wrapping_sub(1))
            .map_or("", |e| e.region.as_str())
    }
}

fn service_name(service: Service) -> &'static str {
    match service {
        Service::Arc => "ARC",
        Service::Rds => "RDS",
        Service::CloudWatch => "CloudWatch",
        Service::Sts => "STS",
        Service::Backup => "AWS Backup",
        Service::AutoScaling => "Auto Scaling",
        Service::Ecs => "ECS",
        Service::ArcControlConfig => "ARC control config",
        Service::Route53 => "Route 53",
    }
}

/// " until HH:MM:SS" for a fault with an end, nothing for one held until undone.
fn till(until: Option<chrono::DateTime<chrono::Utc>>) -> String {
    until.map_or(String::new(), |u| {
        format!(" until {}", u.format("%H:%M:%S"))
    })
}

fn latency_words(l: crate::emulator::scenario::Latency) -> String {
    format!(
        "+{} ms per new connection, +{} ms per answer",
        l.accept_ms, l.reply_ms
    )
}

fn ms(v: u64) -> String {
    if v.is_multiple_of(1000) {
        format!("{} s", v / 1000)
    } else {
        format!("{v} ms")
    }
}
