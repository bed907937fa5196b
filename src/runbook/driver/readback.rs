//! Did a call land? Read back the one resource it changes. Used when a sent call's
//! answer never came (the provider's `OutcomeUnknown`) and, on resume, for the calls
//! whose effect the engine cannot read by itself. Never a guess: a read that fails is
//! [`Seen::Unknown`].

use super::reads::first_cluster_answer;
use crate::config::Environment;
use crate::provider::Provider;
use crate::runbook::plan::Mutation;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Applied(String),
    /// The change was accepted and is under way.
    InProgress(String),
    NotApplied(String),
    Unknown(String),
}

pub async fn look(provider: &Arc<Provider>, env: &Environment, m: &Mutation) -> Seen {
    match m {
        Mutation::UpdateRoutingControlStates { entries, .. } => {
            let mut differ = Vec::new();
            for e in entries {
                match provider
                    .get_routing_control_state(&e.routing_control_arn)
                    .await
                    .map(|a| a.value.state)
                {
                    Ok(Some(s)) if s == e.routing_control_state => {}
                    Ok(Some(s)) => differ.push(format!("{} is {s}", e.name)),
                    Ok(None) | Err(_) => {
                        return Seen::Unknown(format!("the state of {} is unknown", e.name));
                    }
                }
            }
            if differ.is_empty() {
                Seen::Applied("every control is in the wanted state".into())
            } else {
                Seen::NotApplied(differ.join(", "))
            }
        }
        Mutation::FailoverGlobalCluster {
            global_cluster_identifier: id,
            target_db_cluster_identifier: target,
            ..
        }
        | Mutation::SwitchoverGlobalCluster {
            global_cluster_identifier: id,
            target_db_cluster_identifier: target,
            ..
        } => {
            let Some(db) = env.aurora.iter().find(|d| &d.global_cluster_id == id) else {
                return Seen::Unknown(format!("{id} is not in the environment file"));
            };
            let regions = db.members.iter().map(|m| m.region.clone()).collect();
            let list = match first_cluster_answer(provider.clone(), id.clone(), regions).await {
                Ok(l) => l,
                Err(e) => return Seen::Unknown(format!("{id} could not be read: {e}")),
            };
            let Some(g) = list.into_iter().find(|g| &g.id == id) else {
                return Seen::Unknown(format!("{id} was not in the reply"));
            };
            let writer = g
                .members
                .iter()
                .find(|m| m.is_writer == Some(true))
                .map(|m| m.cluster_arn.clone());
            let to = g.failover.as_ref().and_then(|f| f.to_cluster_arn.clone());
            if writer.as_ref() == Some(target) {
                Seen::Applied(format!("the writer of {id} is {target}"))
            } else if to.as_ref() == Some(target) {
                Seen::InProgress(format!(
                    "a failover of {id} to {target} is {}",
                    g.failover.map(|f| f.status).unwrap_or_default()
                ))
            } else {
                Seen::NotApplied(format!(
                    "the writer of {id} is {}",
                    writer.as_deref().unwrap_or("unknown")
                ))
            }
        }
        Mutation::PromoteReadReplica {
            region,
            db_instance_identifier: id,
            ..
        } => match provider.describe_db_instance(region, id).await {
            Ok(i) if i.replica_source.is_none() => Seen::Applied(format!(
                "{id} in {region} is no longer a read replica: promoted"
            )),
            Ok(i) => match i.status.as_deref() {
                // A replica is modified, then rebooted, while it is promoted.
                Some(s @ ("modifying" | "rebooting")) => {
                    Seen::InProgress(format!("{id} is {s} (being promoted)"))
                }
                s => Seen::NotApplied(format!(
                    "{id} is still a read replica (status {})",
                    s.unwrap_or("unknown")
                )),
            },
            Err(e) => Seen::Unknown(format!("{id} could not be read: {e}")),
        },
        Mutation::RunCommand { .. } => {
            Seen::Unknown("a local command's effect cannot be read back".into())
        }
    }
}
