//! Fault state the world consults: impaired Regions, endpoint modes, API error rates.

use super::{EndpointMode, Reach, Service};
use crate::emulator::scenario::{FaultService, ImpairMode};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub(super) struct FaultState {
    impaired: BTreeMap<String, ImpairMode>,
    endpoints: Vec<EndpointMode>,
    error_rates: Vec<(Service, String, f64)>,
}

impl FaultState {
    pub(super) fn new(endpoints: usize) -> FaultState {
        FaultState {
            endpoints: vec![EndpointMode::Up; endpoints],
            ..FaultState::default()
        }
    }

    pub(super) fn impair(&mut self, region: &str, mode: ImpairMode) {
        self.impaired.insert(region.to_string(), mode);
    }

    pub(super) fn recover(&mut self, region: &str) {
        self.impaired.remove(region);
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
    pub(super) fn set_endpoint(&mut self, index: usize, mode: EndpointMode) {
        if let Some(slot) = index.checked_sub(1).and_then(|i| self.endpoints.get_mut(i)) {
            *slot = mode;
        }
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
}

pub(super) fn service_of(s: FaultService) -> Service {
    match s {
        FaultService::Arc => Service::Arc,
        FaultService::Rds => Service::Rds,
        FaultService::Cloudwatch => Service::CloudWatch,
        FaultService::Sts => Service::Sts,
    }
}
