//! Fault state the world consults: impaired Regions, endpoint modes, API error rates,
//! alarms held in ALARM and failing health checks.

use super::{EndpointMode, Reach, Service};
use crate::emulator::scenario::{FaultService, ImpairMode, Latency};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// What a DynamoDB replication stall covers: (table, source Region), `None` meaning
/// every table or every Region.
type TableStallScope = (Option<String>, Option<String>);

#[derive(Debug, Clone, Default)]
pub(super) struct FaultState {
    impaired: BTreeMap<String, ImpairMode>,
    endpoints: Vec<EndpointMode>,
    error_rates: Vec<(Service, String, f64)>,
    region_latency: BTreeMap<String, Latency>,
    /// Per endpoint (0-based slot); zero means "as its Region".
    endpoint_latency: Vec<Latency>,
    /// Per endpoint (0-based slot): applied calls lose their answer.
    endpoint_answer_lost: Vec<bool>,
    answer_lost: Vec<(Service, String)>,
    /// (Region, alarm name) held in ALARM.
    forced_alarms: BTreeSet<(String, String)>,
    /// Route 53 health check ids reported unhealthy.
    failing_checks: BTreeSet<String>,
    /// Regions short of EC2 / Fargate capacity, and until when (`None`: until
    /// `capacity_restored`).
    capacity_short: BTreeMap<String, Option<DateTime<Utc>>>,
    /// DynamoDB replication stalls and until when (`None`: until resumed).
    dynamodb_stalls: BTreeMap<TableStallScope, Option<DateTime<Utc>>>,
    /// S3 replication stalls by rule (`None`: every rule), and until when.
    s3_stalls: BTreeMap<Option<String>, Option<DateTime<Utc>>>,
}

impl FaultState {
    pub(super) fn new(endpoints: usize) -> FaultState {
        FaultState {
            endpoints: vec![EndpointMode::Up; endpoints],
            endpoint_latency: vec![Latency::default(); endpoints],
            endpoint_answer_lost: vec![false; endpoints],
            ..FaultState::default()
        }
    }

    pub(super) fn impair(&mut self, region: &str, mode: ImpairMode) {
        self.impaired.insert(region.to_string(), mode);
    }

    /// The Region is well again: not impaired, and its answers are no longer lost.
    /// Its latency is geography, not a fault, and stays.
    pub(super) fn recover(&mut self, region: &str) {
        self.impaired.remove(region);
        self.answer_lost.retain(|(_, r)| r != region);
    }

    pub(super) fn is_impaired(&self, region: &str) -> bool {
        self.impaired.contains_key(region)
    }

    pub(super) fn reach(&self, region: &str) -> Reach {
        match self.impaired.get(region) {
            None => Reach::Up,
            Some(ImpairMode::Hang) => Reach::Hang,
            Some(ImpairMode::Drop) => Reach::Drop,
        }
    }

    /// `index` is 1-based; out of range reads as Up (no such endpoint to break).
    /// Recovery (`Up`) also ends a lost-answer fault on that endpoint.
    pub(super) fn set_endpoint(&mut self, index: usize, mode: EndpointMode) {
        if let Some(slot) = index.checked_sub(1).and_then(|i| self.endpoints.get_mut(i)) {
            *slot = mode;
        }
        if mode == EndpointMode::Up {
            self.set_endpoint_answer_lost(index, false);
        }
    }

    pub(super) fn set_endpoint_answer_lost(&mut self, index: usize, lost: bool) {
        if let Some(slot) = index
            .checked_sub(1)
            .and_then(|i| self.endpoint_answer_lost.get_mut(i))
        {
            *slot = lost;
        }
    }

    pub(super) fn set_answer_lost(&mut self, service: Service, region: &str) {
        if !self.answer_lost(None, service, region) {
            self.answer_lost.push((service, region.to_string()));
        }
    }

    /// Whether an applied call to this endpoint (1-based) or this service and Region
    /// loses its answer.
    pub(super) fn answer_lost(
        &self,
        endpoint: Option<usize>,
        service: Service,
        region: &str,
    ) -> bool {
        let by_endpoint = endpoint
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| self.endpoint_answer_lost.get(i))
            .copied()
            .unwrap_or(false);
        by_endpoint
            || self
                .answer_lost
                .iter()
                .any(|(s, r)| *s == service && r == region)
    }

    pub(super) fn set_region_latency(&mut self, region: &str, latency: Latency) {
        if latency.is_zero() {
            self.region_latency.remove(region);
        } else {
            self.region_latency.insert(region.to_string(), latency);
        }
    }

    pub(super) fn set_endpoint_latency(&mut self, index: usize, latency: Latency) {
        if let Some(slot) = index
            .checked_sub(1)
            .and_then(|i| self.endpoint_latency.get_mut(i))
        {
            *slot = latency;
        }
    }

    /// An endpoint's own latency if it has one, otherwise its Region's.
    pub(super) fn latency(&self, endpoint: Option<usize>, region: &str) -> Latency {
        endpoint
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| self.endpoint_latency.get(i))
            .copied()
            .filter(|l| !l.is_zero())
            .or_else(|| self.region_latency.get(region).copied())
            .unwrap_or_default()
    }

    pub(super) fn endpoint(&self, index: usize) -> EndpointMode {
        index
            .checked_sub(1)
            .and_then(|i| self.endpoints.get(i))
            .copied()
            .unwrap_or(EndpointMode::Up)
    }

    pub(super) fn set_error_rate(&mut self, service: Service, region: &str, rate: f64) {
        self.error_rates
            .retain(|(s, r, _)| !(*s == service && r == region));
        if rate > 0.0 {
            self.error_rates
                .push((service, region.to_string(), rate.min(1.0)));
        }
    }

    pub(super) fn error_rate(&self, service: Service, region: &str) -> f64 {
        self.error_rates
            .iter()
            .find(|(s, r, _)| *s == service && r == region)
            .map(|(_, _, rate)| *rate)
            .unwrap_or(0.0)
    }

    pub(super) fn force_alarm(&mut self, region: &str, alarm: &str, forced: bool) {
        let key = (region.to_string(), alarm.to_string());
        if forced {
            self.forced_alarms.insert(key);
        } else {
            self.forced_alarms.remove(&key);
        }
    }

    pub(super) fn alarm_forced(&self, region: &str, alarm: &str) -> bool {
        self.forced_alarms
            .iter()
            .any(|(r, a)| r == region && a == alarm)
    }

    /// True when some alarm of `region` is held in ALARM (a composite over the
    /// Region's metric alarms follows it).
    pub(super) fn any_alarm_forced(&self, region: &str) -> bool {
        self.forced_alarms.iter().any(|(r, _)| r == region)
    }

    pub(super) fn fail_check(&mut self, id: &str, failing: bool) {
        if failing {
            self.failing_checks.insert(id.to_string());
        } else {
            self.failing_checks.remove(id);
        }
    }

    pub(super) fn check_failing(&self, id: &str) -> bool {
        self.failing_checks.contains(id)
    }

    pub(super) fn set_capacity_short(&mut self, region: &str, until: Option<DateTime<Utc>>) {
        self.capacity_short.insert(region.to_string(), until);
    }

    pub(super) fn restore_capacity(&mut self, region: &str) {
        self.capacity_short.remove(region);
    }

    pub(super) fn capacity_short(&self, region: &str) -> bool {
        self.capacity_short.contains_key(region)
    }

    /// Ends the shortages whose duration is over.
    pub(super) fn end_capacity_shortages(&mut self, now: DateTime<Utc>) {
        self.capacity_short
            .retain(|_, until| until.is_none_or(|u| u > now));
    }

    pub(super) fn stall_dynamodb(
        &mut self,
        table: Option<&str>,
        region: Option<&str>,
        until: Option<DateTime<Utc>>,
    ) {
        self.dynamodb_stalls.insert(
            (table.map(str::to_string), region.map(str::to_string)),
            until,
        );
    }

    /// Ends the stall injected with exactly this table and Region.
    pub(super) fn resume_dynamodb(&mut self, table: Option<&str>, region: Option<&str>) {
        self.dynamodb_stalls
            .remove(&(table.map(str::to_string), region.map(str::to_string)));
    }

    /// Whether replication of table `name` (the environment's name) / `table` (its
    /// DynamoDB name) out of `source` is stalled.
    pub(super) fn dynamodb_stalled(&self, name: &str, table: &str, source: &str) -> bool {
        self.dynamodb_stalls.keys().any(|(t, r)| {
            t.as_deref().is_none_or(|t| t == name || t == table)
                && r.as_deref().is_none_or(|r| r == source)
        })
    }

    pub(super) fn stall_s3(&mut self, rule: Option<&str>, until: Option<DateTime<Utc>>) {
        self.s3_stalls.insert(rule.map(str::to_string), until);
    }

    pub(super) fn resume_s3(&mut self, rule: Option<&str>) {
        self.s3_stalls.remove(&rule.map(str::to_string));
    }

    /// Whether the rule named `name` (the environment's name) / `rule_id` is stalled.
    pub(super) fn s3_stalled(&self, name: &str, rule_id: &str) -> bool {
        self.s3_stalls
            .keys()
            .any(|r| r.as_deref().is_none_or(|r| r == name || r == rule_id))
    }

    /// Ends the replication stalls whose duration is over.
    pub(super) fn end_replication_stalls(&mut self, now: DateTime<Utc>) {
        let running = |until: &Option<DateTime<Utc>>| until.is_none_or(|u| u > now);
        self.dynamodb_stalls.retain(|_, until| running(until));
        self.s3_stalls.retain(|_, until| running(until));
    }

    // Listings for the game-day menu's Active section, in a stable order.

    /// (table, source Region, until) of every DynamoDB replication stall.
    pub(super) fn dynamodb_stalls(
        &self,
    ) -> impl Iterator<Item = (Option<&str>, Option<&str>, Option<DateTime<Utc>>)> {
        self.dynamodb_stalls
            .iter()
            .map(|((t, r), u)| (t.as_deref(), r.as_deref(), *u))
    }

    /// (rule, until) of every S3 replication stall.
    pub(super) fn s3_stalls(&self) -> impl Iterator<Item = (Option<&str>, Option<DateTime<Utc>>)> {
        self.s3_stalls.iter().map(|(r, u)| (r.as_deref(), *u))
    }

    pub(super) fn capacity_shortages(&self) -> impl Iterator<Item = (&str, Option<DateTime<Utc>>)> {
        self.capacity_short.iter().map(|(r, u)| (r.as_str(), *u))
    }

    pub(super) fn impaired_regions(&self) -> impl Iterator<Item = (&str, ImpairMode)> {
        self.impaired.iter().map(|(r, m)| (r.as_str(), *m))
    }

    /// (1-based index, mode) of every endpoint that is not Up.
    pub(super) fn endpoint_faults(&self) -> impl Iterator<Item = (usize, EndpointMode)> {
        self.endpoints
            .iter()
            .enumerate()
            .filter(|(_, m)| **m != EndpointMode::Up)
            .map(|(i, m)| (i + 1, *m))
    }

    pub(super) fn error_rates(&self) -> impl Iterator<Item = (Service, &str, f64)> {
        self.error_rates
            .iter()
            .map(|(s, r, rate)| (*s, r.as_str(), *rate))
    }

    pub(super) fn forced_alarms(&self) -> impl Iterator<Item = (&str, &str)> {
        self.forced_alarms
            .iter()
            .map(|(r, a)| (r.as_str(), a.as_str()))
    }

    pub(super) fn region_latencies(&self) -> impl Iterator<Item = (&str, Latency)> {
        self.region_latency.iter().map(|(r, l)| (r.as_str(), *l))
    }

    /// (1-based index, latency) of endpoints with a latency of their own.
    pub(super) fn endpoint_latencies(&self) -> impl Iterator<Item = (usize, Latency)> + '_ {
        self.endpoint_latency
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_zero())
            .map(|(i, l)| (i + 1, *l))
    }

    /// 1-based indexes of endpoints whose applied calls lose their answer.
    pub(super) fn endpoints_losing_answers(&self) -> impl Iterator<Item = usize> + '_ {
        self.endpoint_answer_lost
            .iter()
            .enumerate()
            .filter(|(_, lost)| **lost)
            .map(|(i, _)| i + 1)
    }

    pub(super) fn answers_lost(&self) -> impl Iterator<Item = (Service, &str)> {
        self.answer_lost.iter().map(|(s, r)| (*s, r.as_str()))
    }

    pub(super) fn failing_checks(&self) -> impl Iterator<Item = &str> {
        self.failing_checks.iter().map(String::as_str)
    }
}

pub(super) fn service_of(s: FaultService) -> Service {
    match s {
        FaultService::Arc => Service::Arc,
        FaultService::Rds => Service::Rds,
        FaultService::Cloudwatch => Service::CloudWatch,
        FaultService::Sts => Service::Sts,
        FaultService::Backup => Service::Backup,
        FaultService::Autoscaling => Service::AutoScaling,
        FaultService::Ecs => Service::Ecs,
        FaultService::ArcControlConfig => Service::ArcControlConfig,
        FaultService::Route53 => Service::Route53,
    }
}

pub(super) fn fault_service(s: Service) -> FaultService {
    match s {
        Service::Arc => FaultService::Arc,
        Service::Rds => FaultService::Rds,
        Service::CloudWatch => FaultService::Cloudwatch,
        Service::Sts => FaultService::Sts,
        Service::Backup => FaultService::Backup,
        Service::AutoScaling => FaultService::Autoscaling,
        Service::Ecs => FaultService::Ecs,
        Service::ArcControlConfig => FaultService::ArcControlConfig,
        Service::Route53 => FaultService::Route53,
    }
}
