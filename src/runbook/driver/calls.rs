//! Sending a step's call: AWS calls through the provider's one choke point
//! (`provider::mutate`), `command` steps through the local runner. Maps the plan's
//! mutation to the provider's and the provider's typed errors to the engine's.

use super::readback::{self, Landed};
use crate::config::Environment;
use crate::provider::{self, ControlUpdate, Provider, ProviderError};
use crate::runbook::engine::{CallError, CallErrorKind, Receipt};
use crate::runbook::local_command;
use crate::runbook::plan::Mutation;
use std::sync::Arc;
use std::time::Duration;

/// The provider's form of an AWS call; `None` for a local command.
// The error is built once per refused call; its size does not matter.
#[allow(clippy::result_large_err)]
pub fn to_provider(m: &Mutation) -> Result<Option<provider::MutatingRequest>, CallError> {
    Ok(Some(match m {
        Mutation::UpdateRoutingControlStates {
            entries,
            safety_rules_to_override,
        } => provider::MutatingRequest::UpdateRoutingControlStates {
            updates: entries
                .iter()
                .map(|e| ControlUpdate {
                    name: e.name.clone(),
                    arn: e.routing_control_arn.clone(),
                    state: e.routing_control_state,
                })
                .collect(),
            overrides: safety_rules_to_override.clone(),
        },
        Mutation::SwitchoverGlobalCluster {
            region,
            global_cluster_identifier,
            target_db_cluster_identifier,
        } => provider::MutatingRequest::SwitchoverGlobalCluster {
            global_cluster_id: global_cluster_identifier.clone(),
            primary_region: region.clone(),
            target_cluster_arn: target_db_cluster_identifier.clone(),
            target_region: region_of_arn(target_db_cluster_identifier)
                .unwrap_or_default()
                .to_string(),
        },
        Mutation::FailoverGlobalCluster {
            region,
            global_cluster_identifier,
            target_db_cluster_identifier,
            allow_data_loss,
        } => {
            // The choke point sends unplanned failovers with AllowDataLoss only; a
            // failover without data loss is a switchover, and says so.
            if !allow_data_loss {
                return Err(CallError::new(
                    CallErrorKind::Rejected,
                    "a failover without data loss is a planned switchover: use an \
                     aurora_switchover step (nothing was sent)",
                ));
            }
            provider::MutatingRequest::FailoverGlobalCluster {
                global_cluster_id: global_cluster_identifier.clone(),
                target_cluster_arn: target_db_cluster_identifier.clone(),
                target_region: region.clone(),
            }
        }
        Mutation::PromoteReadReplica {
            region,
            db_instance_identifier,
            backup_retention_period,
        } => provider::MutatingRequest::PromoteReadReplica {
            region: region.clone(),
            instance_id: db_instance_identifier.clone(),
            backup_retention_days: backup_retention_period.and_then(|d| i32::try_from(d).ok()),
        },
        Mutation::StartRestoreJob {
            region,
            recovery_point_arn,
            resource_type,
            iam_role_arn,
            metadata,
            idempotency_token,
            ..
        } => {
            // The engine pins both before journaling the intent; unpinned, nothing goes.
            let (Some(point), Some(token)) = (recovery_point_arn, idempotency_token) else {
                return Err(CallError::new(
                    CallErrorKind::Other,
                    "the restore's recovery point or idempotency token was not fixed \
                     (nothing was sent)",
                ));
            };
            provider::MutatingRequest::StartRestoreJob {
                region: region.clone(),
                recovery_point_arn: point.clone(),
                resource_type: resource_type.clone(),
                iam_role_arn: iam_role_arn.clone(),
                metadata: metadata.clone(),
                idempotency_token: token.clone(),
            }
        }
        Mutation::CreateDbInstance {
            region,
            db_instance_identifier,
            db_cluster_identifier,
            db_instance_class,
            engine,
        } => provider::MutatingRequest::CreateDbInstance {
            region: region.clone(),
            instance_id: db_instance_identifier.clone(),
            cluster_id: Some(db_cluster_identifier.clone()),
            class: db_instance_class.clone(),
            engine: engine.clone(),
        },
        Mutation::DeleteDbInstance {
            region,
            db_instance_identifier,
        } => provider::MutatingRequest::DeleteDbInstance {
            region: region.clone(),
            instance_id: db_instance_identifier.clone(),
            // An Aurora cluster's instance: the cluster holds the data.
            skip_final_snapshot: None,
        },
        Mutation::DeleteDbCluster {
            region,
            db_cluster_identifier,
        } => provider::MutatingRequest::DeleteDbCluster {
            region: region.clone(),
            cluster_id: db_cluster_identifier.clone(),
        },
        Mutation::UpdateAutoScalingGroup { .. } | Mutation::UpdateService { .. } => {
            match m.scale_ask() {
                Some(ask) => ask.into_request(),
                None => return Ok(None),
            }
        }
        Mutation::RunCommand { .. } => return Ok(None),
    }))
}

/// Fixes a StartRestoreJob before its intent is journaled: `latest` becomes the
/// newest COMPLETED point in the DR vault (the dashboard's rule), and the restore jobs
/// that point already has are listed, so a lost answer can be settled by finding the
/// new one. A read that fails sends nothing.
#[allow(clippy::result_large_err)]
pub async fn pin(
    provider: &Arc<Provider>,
    env: &Environment,
    m: &Mutation,
) -> Result<Mutation, CallError> {
    let Mutation::StartRestoreJob {
        region,
        vault,
        resource_arn,
        recovery_point_arn,
        prior_jobs,
        ..
    } = m
    else {
        return Ok(m.clone());
    };
    let mut out = m.clone();
    let point = match recovery_point_arn {
        Some(p) => p.clone(),
        None => {
            let Some(b) = env.backups.iter().find(|b| &b.resource_arn == resource_arn) else {
                return Err(CallError::new(
                    CallErrorKind::Other,
                    format!("{resource_arn} is not under `backups:` (nothing was sent)"),
                ));
            };
            match super::reads::newest_point(provider, b).await {
                Ok(Some(p)) => p.arn,
                Ok(None) => {
                    return Err(CallError::new(
                        CallErrorKind::Rejected,
                        format!(
                            "vault {vault} in {region} holds no COMPLETED recovery point of \
                             {}: nothing to restore (nothing was sent)",
                            b.name
                        ),
                    ));
                }
                Err(e) => {
                    return Err(CallError::new(
                        CallErrorKind::Other,
                        format!(
                            "the newest recovery point could not be chosen: vault {vault} in \
                             {region} did not answer ({e}); nothing was sent"
                        ),
                    ));
                }
            }
        }
    };
    if prior_jobs.is_empty() {
        let jobs = provider
            .list_restore_jobs_of(region, &point)
            .await
            .map_err(|e| {
                CallError::new(
                    CallErrorKind::Other,
                    format!(
                        "the restore jobs in {region} could not be listed ({e}); without them a \
                     lost answer could not be settled, so nothing was sent"
                    ),
                )
            })?;
        let before: Vec<String> = jobs.into_iter().map(|j| j.id).collect();
        if let Mutation::StartRestoreJob { prior_jobs, .. } = &mut out {
            *prior_jobs = before;
        }
    }
    if let Mutation::StartRestoreJob {
        recovery_point_arn, ..
    } = &mut out
    {
        *recovery_point_arn = Some(point);
    }
    Ok(out)
}

fn region_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// Sends one call. Blocking for commands: call from the engine's own thread.
#[allow(clippy::result_large_err)]
pub async fn perform(
    provider: &Arc<Provider>,
    env: &Environment,
    m: &Mutation,
) -> Result<Receipt, CallError> {
    if let Mutation::RunCommand {
        program,
        args,
        timeout_ms,
    } = m
    {
        if provider.read_only() {
            return Err(CallError::new(
                CallErrorKind::ReadOnly,
                format!("refused in read-only mode: run `{program}`"),
            ));
        }
        let (program, args) = (program.clone(), args.clone());
        let timeout = Duration::from_millis(*timeout_ms);
        return tokio::task::spawn_blocking(move || local_command::run(&program, &args, timeout))
            .await
            .unwrap_or_else(|e| {
                Err(CallError::new(
                    CallErrorKind::CommandFailed,
                    format!("the command runner failed: {e}"),
                ))
            });
    }
    let Some(call) = to_provider(m)? else {
        return Err(CallError::new(CallErrorKind::Other, "nothing to send"));
    };
    match provider.mutate(&call).await {
        Ok(o) => Ok(Receipt {
            request_id: o.request_id,
            endpoint: Some(o.answered_by),
            output: o
                .created_id
                .as_ref()
                .map(|id| format!("restore job {id} started")),
            created: o.created_id,
        }),
        Err(e) if e.is_outcome_unknown() => settle_unknown(provider, env, m, e).await,
        Err(e) => {
            let mut err = to_call_error(e);
            // RDS calls go to one known Region; ARC rotates, so who answered is unknown.
            if err.endpoint.is_none() {
                err.endpoint = match m {
                    Mutation::UpdateRoutingControlStates { .. } => None,
                    Mutation::StartRestoreJob { .. }
                    | Mutation::UpdateAutoScalingGroup { .. }
                    | Mutation::UpdateService { .. } => Some(m.endpoint()),
                    _ => Some(format!("RDS {}", m.endpoint())),
                };
            }
            Err(err)
        }
    }
}

/// The call was sent but no answer came: read back whether it landed. It did → a
/// receipt that says so (no request id); it did not, or cannot be told → the error,
/// with what the fresh read showed.
#[allow(clippy::result_large_err)]
async fn settle_unknown(
    provider: &Arc<Provider>,
    env: &Environment,
    m: &Mutation,
    e: ProviderError,
) -> Result<Receipt, CallError> {
    let endpoint = Some(match m {
        Mutation::UpdateRoutingControlStates { .. } => "ARC (no answer)".to_string(),
        Mutation::StartRestoreJob { .. }
        | Mutation::UpdateAutoScalingGroup { .. }
        | Mutation::UpdateService { .. } => format!("{} (no answer)", m.endpoint()),
        _ => format!("RDS {} (no answer)", m.endpoint()),
    });
    let (landed, created) = readback::look_created(provider, env, m).await;
    match landed {
        Landed::Applied(how) | Landed::InProgress(how) => Ok(Receipt {
            request_id: None,
            endpoint,
            output: Some(format!(
                "no answer came ({e}); a fresh read shows the call landed: {how}"
            )),
            created,
        }),
        Landed::NotApplied(how) => {
            let mut err = to_call_error(e);
            err.message = format!(
                "{}; a fresh read shows it was not applied: {how}",
                err.message
            );
            err.endpoint = endpoint;
            Err(err)
        }
        Landed::Unknown(why) => {
            let mut err = to_call_error(e);
            err.message = format!("{}; and state could not be read back: {why}", err.message);
            err.endpoint = endpoint;
            Err(err)
        }
    }
}

pub fn to_call_error(e: ProviderError) -> CallError {
    let kind = match &e {
        ProviderError::ReadOnly { .. } => CallErrorKind::ReadOnly,
        ProviderError::SafetyRule { .. } => CallErrorKind::SafetyRule,
        ProviderError::Throttled { .. } => CallErrorKind::Throttled,
        // No answer: the call's effect is unknown.
        ProviderError::Timeout { .. }
        | ProviderError::Unreachable { .. }
        | ProviderError::Unavailable { .. }
        | ProviderError::OutcomeUnknown { .. } => CallErrorKind::OutcomeUnknown,
        ProviderError::NotFound { .. }
        | ProviderError::InvalidState { .. }
        | ProviderError::Conflict { .. }
        | ProviderError::Refused { .. }
        | ProviderError::Api { .. } => CallErrorKind::Rejected,
        ProviderError::NotConfigured(_) | ProviderError::NoCredentials(_) => CallErrorKind::Other,
    };
    let mut out = CallError::new(kind, e.to_string());
    out.aws_code = match &e {
        ProviderError::Conflict { .. } => Some("ConflictException".into()),
        ProviderError::Refused { code, .. }
        | ProviderError::NotFound { code, .. }
        | ProviderError::InvalidState { code, .. }
        | ProviderError::Throttled { code, .. }
        | ProviderError::Unavailable { code, .. } => Some(code.clone()),
        _ => None,
    };
    if let ProviderError::SafetyRule { rule_arns, .. } = e {
        out.blocking_rules = rule_arns;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ControlState;
    use crate::runbook::plan::ControlEntry;

    #[test]
    fn plan_calls_map_to_the_choke_point() {
        let m = Mutation::UpdateRoutingControlStates {
            entries: vec![ControlEntry {
                routing_control_arn: "arn:c".into(),
                name: "cell-a".into(),
                routing_control_state: ControlState::On,
            }],
            safety_rules_to_override: vec!["arn:r".into()],
        };
        let Some(provider::MutatingRequest::UpdateRoutingControlStates { updates, overrides }) =
            to_provider(&m).unwrap()
        else {
            panic!("wrong mapping");
        };
        assert_eq!(updates[0].arn, "arn:c");
        assert_eq!(overrides, vec!["arn:r".to_string()]);
        let s = Mutation::SwitchoverGlobalCluster {
            region: "us-east-1".into(),
            global_cluster_identifier: "g".into(),
            target_db_cluster_identifier: "arn:aws:rds:us-west-2:1:cluster:x".into(),
        };
        assert!(matches!(
            to_provider(&s).unwrap(),
            Some(provider::MutatingRequest::SwitchoverGlobalCluster { ref primary_region, ref target_region, .. })
                if primary_region == "us-east-1" && target_region == "us-west-2"
        ));
        let f = Mutation::FailoverGlobalCluster {
            region: "us-west-2".into(),
            global_cluster_identifier: "g".into(),
            target_db_cluster_identifier: "arn".into(),
            allow_data_loss: false,
        };
        assert_eq!(to_provider(&f).unwrap_err().kind, CallErrorKind::Rejected);
        let c = Mutation::RunCommand {
            program: "true".into(),
            args: vec![],
            timeout_ms: 10,
        };
        assert_eq!(to_provider(&c).unwrap(), None);
    }

    #[test]
    fn provider_errors_keep_their_meaning() {
        let e = to_call_error(ProviderError::SafetyRule {
            rule_arns: vec!["arn:rule".into()],
            message: "no".into(),
        });
        assert_eq!(e.kind, CallErrorKind::SafetyRule);
        assert_eq!(e.blocking_rules, vec!["arn:rule".to_string()]);
        let t = to_call_error(ProviderError::Timeout { detail: "x".into() });
        assert_eq!(t.kind, CallErrorKind::OutcomeUnknown);
        let r = to_call_error(ProviderError::ReadOnly { action: "x".into() });
        assert_eq!(r.kind, CallErrorKind::ReadOnly);
        // An API error reaches the journal with its code, HTTP status and message.
        let d = to_call_error(ProviderError::Refused {
            code: "AccessDeniedException".into(),
            status: 403,
            message: "User is not authorized".into(),
        });
        assert_eq!(d.kind, CallErrorKind::Rejected);
        assert_eq!(d.aws_code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(
            d.message,
            "AccessDeniedException (HTTP 403): User is not authorized"
        );
        let u = to_call_error(ProviderError::OutcomeUnknown {
            operation: "UpdateRoutingControlStates".into(),
            detail: "#1 timed out; #2 blocked".into(),
        });
        assert_eq!(u.kind, CallErrorKind::OutcomeUnknown);
    }
}
