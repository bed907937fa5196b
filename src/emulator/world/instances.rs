//! RDS CreateDBInstance in the twin, for the instance an Aurora cluster restored by
//! AWS Backup needs (AWS Backup developer guide, "Restoring an Amazon Aurora cluster":
//! the restore creates the cluster without instances).
//!
//! AWS facts (RDS API reference, CreateDBInstance): `DBInstanceIdentifier`,
//! `DBInstanceClass` and `Engine` are required; `DBClusterIdentifier` names the Aurora
//! cluster the instance joins; errors include `DBInstanceAlreadyExists` (HTTP 400) and
//! `DBClusterNotFoundFault` (HTTP 404). The new instance's `DBInstanceStatus` is
//! `creating`, then `available` (RDS user guide, "Viewing Amazon RDS DB instance
//! status").
//!
//! Twin choices, not AWS facts: an instance takes 8 min of sim time to create; the
//! clusters an instance can join are the ones this twin's restores created.

use super::TwinWorld;
use super::api::{DbClusterView, DbInstanceView, RdsError};
use chrono::{DateTime, Duration, Utc};

const CREATE_S: i64 = 8 * 60;

#[derive(Debug, Clone)]
pub(super) struct CreatedInstance {
    region: String,
    id: String,
    cluster: Option<String>,
    engine: String,
    created: DateTime<Utc>,
}

/// What CreateDBInstance carries.
#[derive(Debug, Clone, Default)]
pub struct CreateInstanceRequest {
    pub id: String,
    pub class: String,
    pub engine: String,
    pub cluster: Option<String>,
}

impl TwinWorld {
    /// Clusters in `region` created by this twin's completed restores.
    pub(super) fn restored_clusters(&self, region: &str) -> Vec<DbClusterView> {
        self.restore_jobs(region)
            .into_iter()
            .filter(|j| j.status == "COMPLETED")
            .filter_map(|j| {
                let arn = j.created_resource_arn?;
                let (_, id) = arn.split_once(":cluster:")?;
                Some(DbClusterView {
                    id: id.to_string(),
                    arn: arn.clone(),
                    status: "available".into(),
                    engine: j.engine.unwrap_or_else(|| "aurora-postgresql".into()),
                    engine_version: String::new(),
                    global_cluster_id: None,
                    is_writer: false,
                    endpoint: format!("{id}.cluster-twin.{region}.rds.amazonaws.com"),
                })
            })
            .collect()
    }

    /// CreateDBInstance in `region`.
    pub fn rds_create_db_instance(
        &mut self,
        region: &str,
        req: &CreateInstanceRequest,
    ) -> Result<DbInstanceView, RdsError> {
        for (what, v) in [
            ("DBInstanceIdentifier", &req.id),
            ("DBInstanceClass", &req.class),
            ("Engine", &req.engine),
        ] {
            if v.is_empty() {
                return Err(RdsError::InvalidParameterValue(format!(
                    "{what} is required"
                )));
            }
        }
        if self.rds_db_instances(region, Some(&req.id)).is_ok() {
            return Err(RdsError::DbInstanceAlreadyExists(format!(
                "DB instance already exists: {}",
                req.id
            )));
        }
        if let Some(c) = &req.cluster
            && self.rds_db_clusters(region, Some(c)).is_err()
        {
            return Err(RdsError::DbClusterNotFound(format!(
                "DBCluster {c} not found in {region}"
            )));
        }
        let i = CreatedInstance {
            region: region.to_string(),
            id: req.id.clone(),
            cluster: req.cluster.clone(),
            engine: req.engine.clone(),
            created: self.now,
        };
        let view = self.instance_view(&i);
        self.created_instances.push(i);
        Ok(view)
    }

    /// The instances CreateDBInstance made in `region`.
    pub(super) fn created_instance_views(&self, region: &str) -> Vec<DbInstanceView> {
        self.created_instances
            .iter()
            .filter(|i| i.region == region)
            .map(|i| self.instance_view(i))
            .collect()
    }

    fn instance_view(&self, i: &CreatedInstance) -> DbInstanceView {
        let done = (self.now - i.created) >= Duration::seconds(CREATE_S);
        DbInstanceView {
            id: i.id.clone(),
            arn: format!("arn:aws:rds:{}:{}:db:{}", i.region, self.account, i.id),
            status: if done { "available" } else { "creating" }.into(),
            engine: i.engine.clone(),
            replica_source: None,
            replicas: Vec::new(),
            replication_status: None,
            cluster: i.cluster.clone(),
        }
    }
}
