//! Settling a call whose outcome is unknown (a crash, kill -9 or SSH drop between intent
//! and outcome, or a call that got no answer): re-read state before anything is re-sent.

use super::landed::{self, Landed};
use super::status::StepStatus;
use super::world::World;
use super::{Engine, EngineError};
use crate::runbook::condition::Facts;
use crate::runbook::journal::record::{Record, Recorder};
use crate::runbook::plan::Mutation;
use crate::runbook::step::StepKind;
use chrono::{DateTime, Utc};

impl Engine {
    /// Reads, fresh, what `mutation` changes and judges whether it landed, through
    /// the one [`landed::landed`] decision; with what the call created, when the read
    /// shows it (a restore job).
    pub(super) fn read_landed(
        &self,
        kind: &StepKind,
        mutation: &Mutation,
        w: &mut dyn World,
    ) -> (Landed, Option<String>) {
        let probes = landed::probes(kind, mutation);
        let facts = if probes.is_empty() {
            Facts::default()
        } else {
            w.read(&probes)
        };
        let readout = landed::readout_from_facts(kind, mutation, &facts);
        let created = landed::new_restore_job(mutation, &readout).map(|j| j.id.clone());
        (landed::landed(mutation, &readout), created)
    }

    /// An intent without outcome: re-read state. Applied → record it as settled and
    /// move on; still in progress → re-read later (bounded); otherwise ask the operator
    /// before re-sending. Returns when to re-read, if waiting.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle(
        &mut self,
        i: usize,
        call: usize,
        polls: u32,
        w: &mut dyn World,
        rec: &mut dyn Recorder,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
        let kind = self.rb.steps[i].kind.clone();
        let Some(mutation) = self.call_of(i, call) else {
            self.set(i, StepStatus::Running, rec, now)?;
            return Ok(None);
        };
        let (verdict, created) = self.read_landed(&kind, &mutation, w);
        let how = verdict.how().to_string();
        let step = self.rb.steps[i].id.clone();
        match verdict {
            Landed::Applied(_) => {
                rec.record(
                    now,
                    Record::Settled {
                        step,
                        call,
                        applied: true,
                        how,
                        created: created.clone(),
                    },
                )?;
                self.steps[i].calls_done[call] = true;
                if created.is_some() {
                    self.steps[i].restore_job = created;
                }
                self.set(i, StepStatus::Running, rec, now)?;
                Ok(None)
            }
            Landed::InProgress(_) if polls < SETTLE_POLLS => {
                self.steps[i].status = StepStatus::Settling {
                    call,
                    polls: polls + 1,
                };
                Ok(Some(now + chrono::Duration::seconds(SETTLE_EVERY_S)))
            }
            Landed::NotApplied(_) | Landed::InProgress(_) | Landed::Unknown(_) => {
                let mut prompt = self.prompt(i, w, true);
                prompt.what = format!(
                    "The outcome of {} is unknown (no answer, or an interruption). Fresh state: {how}. Re-send it?",
                    mutation.headline()
                );
                self.set(i, StepStatus::AwaitingConfirmation { prompt }, rec, now)?;
                Ok(None)
            }
        }
    }
}

/// While a change sent before a crash is visibly still in progress, re-read every
/// few seconds for up to 15 minutes before asking the operator.
const SETTLE_EVERY_S: i64 = 5;
const SETTLE_POLLS: u32 = 180;
