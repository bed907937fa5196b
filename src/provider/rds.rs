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
                // An empty FailoverState (no status) means no operation runs.
                failover: g.failover_state().and_then(|f| {
                    Some(FailoverInfo {
                        status: f.status()?.as_str().to_string(),
                        from_cluster_arn: f.from_db_cluster_arn().map(str::to_string),
                        to_cluster_arn: f.to_db_cluster_arn().map(str::to_string),
                        data_loss_allowed: f.is_data_loss_allowed().unwrap_or(false),
                    })
                }),
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
