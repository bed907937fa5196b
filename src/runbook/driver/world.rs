//! The engine's [`World`] backed by the AWS provider. The engine is synchronous and
//! runs on its own blocking thread, so each read or call is driven to completion on
//! the runtime from there; the UI thread never waits on it.

use super::clock::RunClock;
use super::{calls, reads};
use crate::config::Environment;
use crate::provider::Provider;
use crate::runbook::condition::{Facts, Probe};
use crate::runbook::engine::{CallError, Receipt, World};
use crate::runbook::plan::Mutation;
use std::sync::Arc;
use tokio::runtime::Handle;

pub struct ProviderWorld {
    provider: Arc<Provider>,
    env: Arc<Environment>,
    clock: RunClock,
    rt: Handle,
}

impl ProviderWorld {
    /// `rt` must not be the current thread's runtime context (call from a blocking
    /// thread).
    pub fn new(
        provider: Arc<Provider>,
        env: Arc<Environment>,
        clock: RunClock,
        rt: Handle,
    ) -> Self {
        ProviderWorld {
            provider,
            env,
            clock,
            rt,
        }
    }
}

impl World for ProviderWorld {
    fn read(&mut self, probes: &[Probe]) -> Facts {
        let now = self.clock.now();
        self.rt
            .block_on(reads::read(&self.provider, &self.env, probes, now))
    }

    fn perform(&mut self, call: &Mutation) -> Result<Receipt, CallError> {
        self.rt
            .block_on(calls::perform(&self.provider, &self.env, call))
    }

    fn pin(&mut self, call: &Mutation) -> Result<Mutation, CallError> {
        self.rt
            .block_on(calls::pin(&self.provider, &self.env, call))
    }
}
