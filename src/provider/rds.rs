//! RDS reads: global clusters and DB instances, in the Region asked.

use super::error::from_sdk;
use super::types::{FailoverInfo, GlobalClusterInfo, GlobalMemberInfo, InstanceInfo};
use super::{Provider, ProviderError};

impl Provider {
    /// DescribeGlobalClusters in `region`, optionally for one identifier.
    pub async fn describe_global_clusters(
        &self,
        region: &str,
        id: Option<&str>,
    ) -> Result<Vec<GlobalClusterInfo>, ProviderError> {
        let client = self.rds(region)?;
        let out = self
            .bounded(
                client
                    .describe_global_clusters()
                    .set_global_cluster_identifier(id.map(str::to_string))
                    .send(),
            )
            .await?
            .map_err(from_sdk)?;
        Ok(out
            .global_clusters()
            .iter()
            .map(|g| GlobalClusterInfo {
                id: g
                    .global_cluster_identifier()
                    .unwrap_or_default()
                    .to_string(),
                status: g.status().map(str::to_string),
                members: g
                    .global_cluster_members()
                    .iter()
                    .filter_map(|m| {
                        Some(GlobalMemberInfo {
                            cluster_arn: m.db_cluster_arn()?.to_string(),
                            is_writer: m.is_writer(),
                        })
                    })
                    .collect(),
                failover: g.failover_state().and_then(failover_info),
            })
            .filter(|g| id.is_none_or(|want| g.id == want))
            .collect())
    }

    /// DescribeDBInstances for one instance in `region`.
    pub async fn describe_db_instance(
        &self,
        region: &str,
        id: &str,
    ) -> Result<InstanceInfo, ProviderError> {
        let client = self.rds(region)?;
        let out = self
            .bounded(
                client
                    .describe_db_instances()
                    .db_instance_identifier(id)
                    .send(),
            )
            .await?
            .map_err(from_sdk)?;
        let inst = out
            .db_instances()
            .iter()
            .find(|i| i.db_instance_identifier() == Some(id))
            .ok_or_else(|| ProviderError::NotFound {
                code: "DBInstanceNotFound".into(),
                message: format!("{id} not in the reply from {region}"),
            })?;
        Ok(InstanceInfo {
            id: id.to_string(),
            status: inst.db_instance_status().map(str::to_string),
            replication_status: inst
                .status_infos()
                .iter()
                .find(|s| s.status_type() == Some("read replication"))
                .and_then(|s| s.status().map(str::to_string)),
            replica_source: inst
                .read_replica_source_db_instance_identifier()
                .map(str::to_string),
        })
    }
}

impl Provider {
    /// DescribeDBClusters for one cluster in `region`: its `Status`.
    pub async fn describe_db_cluster_status(
        &self,
        region: &str,
        id: &str,
    ) -> Result<Option<String>, ProviderError> {
        let client = self.rds(region)?;
        let out = self
            .bounded(
                client
                    .describe_db_clusters()
                    .db_cluster_identifier(id)
                    .send(),
            )
            .await?
            .map_err(from_sdk)?;
        let c = out
            .db_clusters()
            .iter()
            .find(|c| c.db_cluster_identifier() == Some(id))
            .ok_or_else(|| ProviderError::NotFound {
                code: "DBClusterNotFoundFault".into(),
                message: format!("{id} not in the reply from {region}"),
            })?;
        Ok(c.status().map(str::to_string))
    }
}

/// FailoverState as the console reads it. An empty FailoverState means no operation
/// runs (AWS-FACTS.md). The status word is kept as AWS sent it, whatever it is — the
/// SDK keeps words it does not know (`switching-over` in older SDKs) as `Unknown`,
/// whose `as_str` is the word itself — so a word the console does not know reads as
/// "in progress", never as idle. A FailoverState that names clusters but carries no
/// status is not documented (unverified): it is read as in progress too.
fn failover_info(f: &aws_sdk_rds::types::FailoverState) -> Option<FailoverInfo> {
    let from = f.from_db_cluster_arn().map(str::to_string);
    let to = f.to_db_cluster_arn().map(str::to_string);
    let status = match f.status() {
        Some(s) if !s.as_str().is_empty() => s.as_str().to_string(),
        _ if from.is_some() || to.is_some() => NO_STATUS.to_string(),
        _ => return None,
    };
    Some(FailoverInfo {
        status,
        from_cluster_arn: from,
        to_cluster_arn: to,
        data_loss_allowed: f.is_data_loss_allowed().unwrap_or(false),
    })
}

/// The status shown for a FailoverState that names clusters but has no status word.
pub const NO_STATUS: &str = "in-progress (no status)";

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_rds::types::{FailoverState, FailoverStatus};

    #[test]
    fn every_failover_status_word_is_kept_and_empty_state_is_idle() {
        for word in [
            "pending",
            "failing-over",
            "cancelling",
            "switching-over",
            "new-word",
        ] {
            let f = FailoverState::builder()
                .status(FailoverStatus::from(word))
                .is_data_loss_allowed(word == "failing-over")
                .build();
            let info = failover_info(&f).expect("an operation runs");
            assert_eq!(info.status, word);
            assert_eq!(info.data_loss_allowed, word == "failing-over");
        }
        assert_eq!(failover_info(&FailoverState::builder().build()), None);
        let no_word = FailoverState::builder()
            .to_db_cluster_arn("arn:aws:rds:us-west-2:1:cluster:x")
            .build();
        assert_eq!(
            failover_info(&no_word).map(|i| i.status),
            Some(NO_STATUS.to_string())
        );
    }
}
