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
//! DeleteDBInstance and DeleteDBCluster (RDS API reference) delete what a restore
//! test made: the resource shows `deleting`, then is gone (`DBInstanceNotFound`,
//! `DBClusterNotFoundFault`); a cluster that still has instances not being deleted is
//! `InvalidDBClusterStateFault`.
//!
//! Twin choices, not AWS facts: an instance takes 8 min of sim time to create and 2 to
//! delete, a cluster 2 to delete; the clusters an instance can join, and the only ones
//! that can be deleted, are the ones this twin's restores created (the environment's
//! own databases are never deleted).

use super::TwinWorld;
use super::api::{DbClusterView, DbInstanceView, RdsError};
use chrono::{DateTime, Duration, Utc};

const CREATE_S: i64 = 8 * 60;
const DELETE_S: i64 = 2 * 60;

#[derive(Debug, Clone)]
pub(super) struct CreatedInstance {
    region: String,
    id: String,
    cluster: Option<String>,
    engine: String,
    created: DateTime<Utc>,
    deleted: Option<DateTime<Utc>>,
}

/// A restored cluster deleted by DeleteDBCluster: (Region, id, when).
#[derive(Debug, Clone)]
pub(super) struct DeletedCluster {
    pub(super) region: String,
    pub(super) id: String,
    at: DateTime<Utc>,
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
    /// Clusters in `region` created by this twin's completed restores, until deleted.
    pub(super) fn restored_clusters(&self, region: &str) -> Vec<DbClusterView> {
        self.restore_jobs(region)
            .into_iter()
            .filter(|j| j.status == "COMPLETED")
            .filter_map(|j| {
                let arn = j.created_resource_arn?;
                let (_, id) = arn.split_once(":cluster:")?;
                let completed = j.completed?;
                let deleted = self
                    .deleted_clusters
                    .iter()
                    .filter(|d| d.region == region && d.id == id && d.at >= completed)
                    .map(|d| d.at)
                    .max();
                let status = match deleted {
                    Some(at) if (self.now - at) >= Duration::seconds(DELETE_S) => return None,
                    Some(_) => "deleting",
                    None => "available",
                };
                Some(DbClusterView {
                    id: id.to_string(),
                    arn: arn.clone(),
                    status: status.into(),
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
            deleted: None,
        };
        let view = self.instance_view(&i);
        self.created_instances.push(i);
        Ok(view)
    }

    /// DeleteDBInstance of an instance CreateDBInstance made.
    pub fn rds_delete_db_instance(
        &mut self,
        region: &str,
        id: &str,
    ) -> Result<DbInstanceView, RdsError> {
        let now = self.now;
        let gone = |i: &CreatedInstance| {
            i.deleted
                .is_some_and(|at| (now - at) >= Duration::seconds(DELETE_S))
        };
        let Some(pos) = self
            .created_instances
            .iter()
            .position(|i| i.region == region && i.id == id && !gone(i))
        else {
            return Err(RdsError::DbInstanceNotFound(format!(
                "DBInstance {id} not found in {region}"
            )));
        };
        if self.created_instances[pos].deleted.is_some() {
            return Err(RdsError::InvalidDbInstanceState(format!(
                "DB instance {id} is already being deleted"
            )));
        }
        self.created_instances[pos].deleted = Some(now);
        Ok(self.instance_view(&self.created_instances[pos]))
    }

    /// DeleteDBCluster of a cluster a restore made.
    pub fn rds_delete_db_cluster(
        &mut self,
        region: &str,
        id: &str,
    ) -> Result<DbClusterView, RdsError> {
        let Some(mut view) = self
            .restored_clusters(region)
            .into_iter()
            .find(|c| c.id == id)
        else {
            return Err(RdsError::DbClusterNotFound(format!(
                "DBCluster {id} not found in {region}"
            )));
        };
        if view.status == "deleting" {
            return Err(RdsError::InvalidDbClusterState(format!(
                "DB cluster {id} is already being deleted"
            )));
        }
        let members_left = self
            .created_instance_views(region)
            .iter()
            .any(|i| i.cluster.as_deref() == Some(id) && i.status != "deleting");
        if members_left {
            return Err(RdsError::InvalidDbClusterState(format!(
                "Cluster {id} cannot be deleted, it still contains DB instances in \
                 non-deleting state"
            )));
        }
        self.deleted_clusters.push(DeletedCluster {
            region: region.to_string(),
            id: id.to_string(),
            at: self.now,
        });
        view.status = "deleting".into();
        Ok(view)
    }

    /// The instances CreateDBInstance made in `region`, until deleted.
    pub(super) fn created_instance_views(&self, region: &str) -> Vec<DbInstanceView> {
        self.created_instances
            .iter()
            .filter(|i| i.region == region)
            .filter(|i| {
                i.deleted
                    .is_none_or(|at| (self.now - at) < Duration::seconds(DELETE_S))
            })
            .map(|i| self.instance_view(i))
            .collect()
    }

    fn instance_view(&self, i: &CreatedInstance) -> DbInstanceView {
        let done = (self.now - i.created) >= Duration::seconds(CREATE_S);
        let status = match (i.deleted, done) {
            (Some(_), _) => "deleting",
            (None, true) => "available",
            (None, false) => "creating",
        };
        DbInstanceView {
            id: i.id.clone(),
            arn: format!("arn:aws:rds:{}:{}:db:{}", i.region, self.account, i.id),
            status: status.into(),
            engine: i.engine.clone(),
            replica_source: None,
            replicas: Vec::new(),
            replication_status: None,
            cluster: i.cluster.clone(),
        }
    }
}
