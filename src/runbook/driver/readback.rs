//! Did a call land? Read back, through the provider, the one resource it changes, and
//! let the engine's one decision ([`landed`]) judge it. Used when a sent call's answer
//! never came (the provider's `OutcomeUnknown`) and, on resume, for the calls whose
//! effect the engine cannot read by itself. Never a guess: a read that fails is
//! [`Landed::Unknown`].

use super::reads::{cluster_status, first_cluster_answer, instance_status, restore_job_seen};
use crate::config::Environment;
use crate::provider::Provider;
pub use crate::runbook::engine::landed::Landed;
use crate::runbook::engine::landed::{
    GlobalReadout, InstanceReadout, Readout, landed, new_restore_job,
};
use crate::runbook::plan::Mutation;
use std::sync::Arc;

pub async fn look(provider: &Arc<Provider>, env: &Environment, m: &Mutation) -> Landed {
    landed(m, &read(provider, env, m).await)
}

/// [`look`], with what the call created when the read shows it (a restore job id).
pub async fn look_created(
    provider: &Arc<Provider>,
    env: &Environment,
    m: &Mutation,
) -> (Landed, Option<String>) {
    let r = read(provider, env, m).await;
    let created = new_restore_job(m, &r).map(|j| j.id.clone());
    (landed(m, &r), created)
}

/// Reads what `m` changes; anything unreadable is left out (unknown).
async fn read(provider: &Arc<Provider>, env: &Environment, m: &Mutation) -> Readout {
    let mut r = Readout::default();
    match m {
        Mutation::UpdateRoutingControlStates { entries, .. } => {
            for e in entries {
                if let Ok(Some(s)) = provider
                    .get_routing_control_state(&e.routing_control_arn)
                    .await
                    .map(|a| a.value.state)
                {
                    r.controls.insert(e.routing_control_arn.clone(), s);
                }
            }
        }
        Mutation::FailoverGlobalCluster {
            global_cluster_identifier: id,
            ..
        }
        | Mutation::SwitchoverGlobalCluster {
            global_cluster_identifier: id,
            ..
        } => {
            let Some(db) = env.aurora.iter().find(|d| &d.global_cluster_id == id) else {
                return r;
            };
            let regions = db.members.iter().map(|m| m.region.clone()).collect();
            let Ok(list) = first_cluster_answer(provider.clone(), id.clone(), regions).await else {
                return r;
            };
            if let Some(g) = list.into_iter().find(|g| &g.id == id) {
                let writer = g
                    .members
                    .iter()
                    .find(|m| m.is_writer == Some(true))
                    .map(|m| m.cluster_arn.clone());
                r.global = Some(GlobalReadout {
                    writer_region: writer
                        .as_deref()
                        .and_then(|a| a.split(':').nth(3))
                        .map(str::to_string),
                    writer_cluster: writer,
                    // No FailoverState is idle; any status word is an operation.
                    phase: g.failover.map(|f| f.status),
                    phase_read: true,
                });
            }
        }
        Mutation::PromoteReadReplica {
            region,
            db_instance_identifier: id,
            ..
        } => {
            r.instance = Some(
                provider
                    .describe_db_instance(region, id)
                    .await
                    .map(|i| InstanceReadout {
                        is_replica: i.replica_source.is_some(),
                        status: i.status,
                    })
                    .map_err(|e| e.to_string()),
            );
        }
        Mutation::StartRestoreJob {
            region,
            recovery_point_arn: Some(point),
            ..
        } => {
            r.restore_jobs = Some(
                provider
                    .list_restore_jobs_of(region, point)
                    .await
                    .map(|jobs| jobs.into_iter().map(restore_job_seen).collect())
                    .map_err(|e| e.to_string()),
            );
        }
        Mutation::CreateDbInstance {
            region,
            db_instance_identifier: id,
            ..
        } => {
            r.new_instance = Some(instance_status(provider, region, id).await);
        }
        Mutation::DeleteDbInstance {
            region,
            db_instance_identifier: id,
        } => {
            r.new_instance = Some(instance_status(provider, region, id).await);
        }
        Mutation::DeleteDbCluster {
            region,
            db_cluster_identifier: id,
        } => {
            r.cluster = Some(cluster_status(provider, region, id).await);
        }
        Mutation::UpdateAutoScalingGroup { .. } | Mutation::UpdateService { .. } => {
            if let Some(a) = m.scale_ask() {
                r.capacity = Some(
                    provider
                        .read_capacity(&a.region, &a.target)
                        .await
                        .map_err(|e| e.to_string()),
                );
            }
        }
        Mutation::StartRestoreJob { .. } | Mutation::RunCommand { .. } => {}
    }
    r
}
