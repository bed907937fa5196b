//! The one choke point for every call that changes anything in AWS.
//!
//! It refuses in read-only mode before a byte is sent, sends each call to the right
//! place (ARC through the endpoint rotation; RDS switchover to the primary's Region,
//! failover to the target's Region), and logs every call and its outcome.

use super::Provider;
use super::error::{self, ProviderError, from_sdk_mutating, outcome_unknown_if_transport};
use super::types::millis;
use crate::model::ControlState;
use aws_sdk_rds::operation::RequestId;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::fmt;
use std::time::{Duration, Instant};

/// One routing-control change, named for people and by ARN for ARC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlUpdate {
    pub name: String,
    pub arn: String,
    pub state: ControlState,
}

/// Every mutating call drconsole can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MutatingRequest {
    /// UpdateRoutingControlStates (at most 10 entries), optionally overriding rules.
    UpdateRoutingControlStates {
        updates: Vec<ControlUpdate>,
        /// Safety rule ARNs to override.
        overrides: Vec<String>,
    },
    /// Planned switchover (RPO 0), sent to the current primary's Region.
    SwitchoverGlobalCluster {
        global_cluster_id: String,
        primary_region: String,
        target_cluster_arn: String,
        target_region: String,
    },
    /// Unplanned failover with AllowDataLoss, sent to the target's Region.
    FailoverGlobalCluster {
        global_cluster_id: String,
        target_cluster_arn: String,
        target_region: String,
    },
    /// Promote an RDS read replica, in the replica's Region.
    PromoteReadReplica {
        region: String,
        instance_id: String,
        backup_retention_days: Option<i32>,
    },
    /// AWS Backup StartRestoreJob in the Region of the recovery point's vault. The
    /// idempotency token makes a re-send after a lost answer start nothing new
    /// (API reference: "Retrying a successful request with the same idempotency
    /// token results in a success message with no action taken").
    StartRestoreJob {
        region: String,
        recovery_point_arn: String,
        resource_type: String,
        iam_role_arn: String,
        metadata: std::collections::BTreeMap<String, String>,
        idempotency_token: String,
    },
    /// RDS CreateDBInstance in `region`; with `cluster_id`, an instance of that
    /// Aurora cluster (what a cluster restored by AWS Backup lacks).
    CreateDbInstance {
        region: String,
        instance_id: String,
        cluster_id: Option<String>,
        class: String,
        engine: String,
    },
    /// RDS DeleteDBInstance. `skip_final_snapshot` is sent only for an instance that
    /// is not in an Aurora cluster (RDS API reference: it does not apply to Aurora
    /// instances, whose cluster holds the data).
    DeleteDbInstance {
        region: String,
        instance_id: String,
        skip_final_snapshot: Option<bool>,
    },
    /// RDS DeleteDBCluster with SkipFinalSnapshot: for a scratch restore, whose data
    /// is the recovery point it came from.
    DeleteDbCluster { region: String, cluster_id: String },
    /// EC2 Auto Scaling UpdateAutoScalingGroup: DesiredCapacity, and MinSize/MaxSize
    /// when given. Setting a value twice leaves the group as once, so a re-send after
    /// a lost answer starts nothing new.
    UpdateAutoScalingGroup {
        region: String,
        name: String,
        desired: u32,
        min: Option<u32>,
        max: Option<u32>,
    },
    /// ECS UpdateService with only desiredCount.
    UpdateEcsService {
        region: String,
        cluster: String,
        service: String,
        desired: u32,
    },
}

/// ARC's limit on entries per UpdateRoutingControlStates call.
pub const MAX_BATCH: usize = crate::model::arc::ARC_MAX_CONTROLS_PER_UPDATE;

impl MutatingRequest {
    /// The call in plain words, for confirmation prompts, logs and the journal.
    pub fn describe(&self) -> String {
        match self {
            MutatingRequest::UpdateRoutingControlStates { updates, overrides } => {
                let list = updates
                    .iter()
                    .map(|u| format!("{} {}", u.name, u.state))
                    .collect::<Vec<_>>()
                    .join(", ");
                if overrides.is_empty() {
                    format!("Set routing controls: {list}")
                } else {
                    format!(
                        "Set routing controls: {list}, overriding safety rules {}",
                        overrides.join(", ")
                    )
                }
            }
            MutatingRequest::SwitchoverGlobalCluster {
                global_cluster_id,
                primary_region,
                target_region,
                ..
            } => format!(
                "Switch over Aurora global database {global_cluster_id} from {primary_region} \
                 to {target_region} (planned, no data loss)"
            ),
            MutatingRequest::FailoverGlobalCluster {
                global_cluster_id,
                target_region,
                ..
            } => format!(
                "Fail over Aurora global database {global_cluster_id} to {target_region} \
                 (unplanned, ALLOWS DATA LOSS)"
            ),
            MutatingRequest::PromoteReadReplica {
                region,
                instance_id,
                ..
            } => format!(
                "Promote RDS read replica {instance_id} in {region} to a standalone instance"
            ),
            MutatingRequest::StartRestoreJob {
                region,
                recovery_point_arn,
                metadata,
                ..
            } => {
                let target = metadata
                    .get("DBClusterIdentifier")
                    .or_else(|| metadata.get("DBInstanceIdentifier"))
                    .map(|t| format!(" as {t}"))
                    .unwrap_or_default();
                format!("Restore recovery point {recovery_point_arn} in {region}{target}")
            }
            MutatingRequest::DeleteDbInstance {
                region,
                instance_id,
                ..
            } => format!("Delete DB instance {instance_id} in {region}"),
            MutatingRequest::DeleteDbCluster { region, cluster_id } => {
                format!("Delete DB cluster {cluster_id} in {region} (no final snapshot)")
            }
            MutatingRequest::UpdateAutoScalingGroup {
                region,
                name,
                desired,
                min,
                max,
            } => {
                let mut bounds = Vec::new();
                if let Some(m) = min {
                    bounds.push(format!("min {m}"));
                }
                if let Some(m) = max {
                    bounds.push(format!("max {m}"));
                }
                let bounds = if bounds.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", bounds.join(", "))
                };
                format!("Set Auto Scaling group {name} in {region} to {desired} instances{bounds}")
            }
            MutatingRequest::UpdateEcsService {
                region,
                cluster,
                service,
                desired,
            } => format!("Set ECS service {cluster}/{service} in {region} to {desired} tasks"),
            MutatingRequest::CreateDbInstance {
                region,
                instance_id,
                cluster_id,
                class,
                ..
            } => format!(
                "Create DB instance {instance_id} ({class}) in {region}{}",
                cluster_id
                    .as_ref()
                    .map(|c| format!(" in cluster {c}"))
                    .unwrap_or_default()
            ),
        }
    }

    /// The API operation name.
    pub fn operation(&self) -> &'static str {
        match self {
            MutatingRequest::UpdateRoutingControlStates { .. } => "UpdateRoutingControlStates",
            MutatingRequest::SwitchoverGlobalCluster { .. } => "SwitchoverGlobalCluster",
            MutatingRequest::FailoverGlobalCluster { .. } => "FailoverGlobalCluster",
            MutatingRequest::PromoteReadReplica { .. } => "PromoteReadReplica",
            MutatingRequest::StartRestoreJob { .. } => "StartRestoreJob",
            MutatingRequest::CreateDbInstance { .. } => "CreateDBInstance",
            MutatingRequest::DeleteDbInstance { .. } => "DeleteDBInstance",
            MutatingRequest::DeleteDbCluster { .. } => "DeleteDBCluster",
            MutatingRequest::UpdateAutoScalingGroup { .. } => "UpdateAutoScalingGroup",
            MutatingRequest::UpdateEcsService { .. } => "UpdateService",
        }
    }
}

impl fmt::Display for MutatingRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// What a successful mutating call came back with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutationOutcome {
    pub operation: &'static str,
    pub request_id: Option<String>,
    /// Who answered: "ARC endpoint #5 (us-west-2)" or "RDS us-west-2".
    pub answered_by: String,
    /// ARC: index of the cluster endpoint that answered.
    pub endpoint: Option<usize>,
    pub latency: Duration,
    /// What the call created, when it names it (StartRestoreJob's RestoreJobId).
    pub created_id: Option<String>,
}

impl Provider {
    /// Sends one mutating call. Refuses in read-only mode before anything is sent.
    pub async fn mutate(&self, call: &MutatingRequest) -> Result<MutationOutcome, ProviderError> {
        let what = call.describe();
        if self.read_only {
            tracing::warn!(operation = call.operation(), call = %what, "refused: read-only mode");
            return Err(ProviderError::ReadOnly { action: what });
        }
        tracing::info!(operation = call.operation(), call = %what, "sending");
        let started = Instant::now();
        let result = self.send(call).await;
        match &result {
            Ok(o) => tracing::info!(
                operation = o.operation,
                request_id = o.request_id.as_deref().unwrap_or("-"),
                answered_by = %o.answered_by,
                ms = millis(o.latency),
                "succeeded"
            ),
            Err(e) if e.is_outcome_unknown() => tracing::warn!(
                operation = call.operation(),
                ms = millis(started.elapsed()),
                error = %e,
                "outcome unknown: it may have been applied; re-read state before retrying"
            ),
            Err(e) => tracing::warn!(
                operation = call.operation(),
                ms = millis(started.elapsed()),
                error = %e,
                "failed"
            ),
        }
        result
    }

    async fn send(&self, call: &MutatingRequest) -> Result<MutationOutcome, ProviderError> {
        let operation = call.operation();
        let started = Instant::now();
        match call {
            MutatingRequest::UpdateRoutingControlStates { updates, overrides } => {
                if updates.is_empty() || updates.len() > MAX_BATCH {
                    return Err(ProviderError::Api {
                        code: "ValidationException".into(),
                        message: format!(
                            "{} routing controls in one call (1 to {MAX_BATCH} allowed)",
                            updates.len()
                        ),
                    });
                }
                let pairs: Vec<(String, ControlState)> =
                    updates.iter().map(|u| (u.arn.clone(), u.state)).collect();
                let answer = self.arc.update(&pairs, overrides, self.arc_guard()).await?;
                Ok(MutationOutcome {
                    operation,
                    request_id: answer.request_id,
                    answered_by: format!(
                        "ARC endpoint #{} ({})",
                        answer.endpoint + 1,
                        answer.region
                    ),
                    endpoint: Some(answer.endpoint),
                    latency: answer.latency,
                    created_id: None,
                })
            }
            MutatingRequest::SwitchoverGlobalCluster {
                global_cluster_id,
                primary_region,
                target_cluster_arn,
                ..
            } => {
                let client = self.rds_mutating(primary_region)?;
                let sent = client
                    .switchover_global_cluster()
                    .global_cluster_identifier(global_cluster_id)
                    .target_db_cluster_identifier(target_cluster_arn)
                    .send();
                self.answered(sent, operation, format!("RDS {primary_region}"), started)
                    .await
            }
            MutatingRequest::FailoverGlobalCluster {
                global_cluster_id,
                target_cluster_arn,
                target_region,
            } => {
                let client = self.rds_mutating(target_region)?;
                let sent = client
                    .failover_global_cluster()
                    .global_cluster_identifier(global_cluster_id)
                    .target_db_cluster_identifier(target_cluster_arn)
                    .allow_data_loss(true)
                    .send();
                self.answered(sent, operation, format!("RDS {target_region}"), started)
                    .await
            }
            MutatingRequest::PromoteReadReplica {
                region,
                instance_id,
                backup_retention_days,
            } => {
                let client = self.rds_mutating(region)?;
                let sent = client
                    .promote_read_replica()
                    .db_instance_identifier(instance_id)
                    .set_backup_retention_period(*backup_retention_days)
                    .send();
                self.answered(sent, operation, format!("RDS {region}"), started)
                    .await
            }
            MutatingRequest::StartRestoreJob {
                region,
                recovery_point_arn,
                resource_type,
                iam_role_arn,
                metadata,
                idempotency_token,
            } => {
                let client = self.backup_mutating(region)?;
                let sent = client
                    .start_restore_job()
                    .recovery_point_arn(recovery_point_arn)
                    .resource_type(resource_type)
                    .iam_role_arn(iam_role_arn)
                    .set_metadata(Some(metadata.clone().into_iter().collect()))
                    .idempotency_token(idempotency_token)
                    .send();
                let out = self.bounded_mutation(sent, operation).await?;
                let created_id = out
                    .as_ref()
                    .ok()
                    .and_then(|o| o.restore_job_id().map(str::to_string));
                let mut outcome = finish(out, operation, format!("AWS Backup {region}"), started)?;
                outcome.created_id = created_id;
                Ok(outcome)
            }
            MutatingRequest::CreateDbInstance {
                region,
                instance_id,
                cluster_id,
                class,
                engine,
            } => {
                let client = self.rds_mutating(region)?;
                let sent = client
                    .create_db_instance()
                    .db_instance_identifier(instance_id)
                    .set_db_cluster_identifier(cluster_id.clone())
                    .db_instance_class(class)
                    .engine(engine)
                    .send();
                self.answered(sent, operation, format!("RDS {region}"), started)
                    .await
            }
            MutatingRequest::DeleteDbInstance {
                region,
                instance_id,
                skip_final_snapshot,
            } => {
                let client = self.rds_mutating(region)?;
                let sent = client
                    .delete_db_instance()
                    .db_instance_identifier(instance_id)
                    .set_skip_final_snapshot(*skip_final_snapshot)
                    .send();
                self.answered(sent, operation, format!("RDS {region}"), started)
                    .await
            }
            MutatingRequest::DeleteDbCluster { region, cluster_id } => {
                let client = self.rds_mutating(region)?;
                let sent = client
                    .delete_db_cluster()
                    .db_cluster_identifier(cluster_id)
                    .skip_final_snapshot(true)
                    .send();
                self.answered(sent, operation, format!("RDS {region}"), started)
                    .await
            }
            MutatingRequest::UpdateAutoScalingGroup {
                region,
                name,
                desired,
                min,
                max,
            } => {
                let client = self.autoscaling_mutating(region)?;
                let int = |v: &u32| i32::try_from(*v).unwrap_or(i32::MAX);
                let sent = client
                    .update_auto_scaling_group()
                    .auto_scaling_group_name(name)
                    .desired_capacity(int(desired))
                    .set_min_size(min.as_ref().map(int))
                    .set_max_size(max.as_ref().map(int))
                    .send();
                self.answered(sent, operation, format!("Auto Scaling {region}"), started)
                    .await
            }
            MutatingRequest::UpdateEcsService {
                region,
                cluster,
                service,
                desired,
            } => {
                let client = self.ecs_mutating(region)?;
                let sent = client
                    .update_service()
                    .cluster(cluster)
                    .service(service)
                    .desired_count(i32::try_from(*desired).unwrap_or(i32::MAX))
                    .send();
                self.answered(sent, operation, format!("ECS {region}"), started)
                    .await
            }
        }
    }
}

impl Provider {
    /// Waits (bounded) for a call sent to one Regional service and turns its reply into
    /// the outcome, `by` naming who answers ("RDS us-west-2"): the one ending of every
    /// mutation but ARC's.
    async fn answered<O, E>(
        &self,
        sent: impl std::future::Future<Output = Result<O, SdkError<E, HttpResponse>>>,
        operation: &'static str,
        by: String,
        started: Instant,
    ) -> Result<MutationOutcome, ProviderError>
    where
        O: RequestId,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        finish(
            self.bounded_mutation(sent, operation).await?,
            operation,
            by,
            started,
        )
    }

    /// Like `bounded`, but giving up on a call that was already sent leaves its
    /// outcome unknown.
    async fn bounded_mutation<T>(
        &self,
        fut: impl std::future::Future<Output = T>,
        operation: &str,
    ) -> Result<T, ProviderError> {
        self.bounded(fut)
            .await
            .map_err(|e| outcome_unknown_if_transport(e, operation))
    }
}

/// Turns a Regional service's reply into the outcome, logging the request id of a
/// refusal too (AWS support asks for it).
fn finish<O, E>(
    out: Result<O, SdkError<E, HttpResponse>>,
    operation: &'static str,
    by: String,
    started: Instant,
) -> Result<MutationOutcome, ProviderError>
where
    O: RequestId,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match out {
        Ok(o) => Ok(MutationOutcome {
            operation,
            request_id: error::output_request_id(&o),
            answered_by: by,
            endpoint: None,
            latency: started.elapsed(),
            created_id: None,
        }),
        Err(e) => {
            if let Some(id) = error::request_id(&e) {
                tracing::warn!(operation, answered_by = %by, request_id = %id, "refused");
            }
            Err(from_sdk_mutating(e, operation))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_reads_plainly() {
        let m = MutatingRequest::UpdateRoutingControlStates {
            updates: vec![
                ControlUpdate {
                    name: "cell-us-east-1".into(),
                    arn: "a".into(),
                    state: ControlState::Off,
                },
                ControlUpdate {
                    name: "cell-us-west-2".into(),
                    arn: "b".into(),
                    state: ControlState::On,
                },
            ],
            overrides: vec![],
        };
        assert_eq!(
            m.describe(),
            "Set routing controls: cell-us-east-1 Off, cell-us-west-2 On"
        );
        let f = MutatingRequest::FailoverGlobalCluster {
            global_cluster_id: "orders-global".into(),
            target_cluster_arn: "arn".into(),
            target_region: "us-west-2".into(),
        };
        assert!(f.describe().contains("ALLOWS DATA LOSS"));
        assert!(f.describe().contains("us-west-2"));
    }
}
