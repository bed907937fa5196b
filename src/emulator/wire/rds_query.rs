//! RDS in awsQuery: reads of global clusters, clusters and instances, and the six
//! mutating operations, with replies in the element names the SDK deserializers expect.

use super::protocol::RDS_XMLNS;
use super::query::Params;
use super::xml::Xml;
use super::{ApiError, Protocol};
use crate::emulator::world::{
    CreateInstanceRequest, DbClusterView, DbInstanceView, GlobalClusterView, RdsError, TwinWorld,
};

pub fn handle(
    world: &mut TwinWorld,
    region: &str,
    op: &str,
    params: &Params,
    request_id: &str,
) -> Result<String, ApiError> {
    let mut x = Xml::new();
    x.open_ns(&format!("{op}Response"), RDS_XMLNS)
        .open(&format!("{op}Result"));
    match op {
        "DescribeGlobalClusters" => {
            let id = params
                .get("GlobalClusterIdentifier")
                .filter(|s| !s.is_empty());
            let list = world.rds_global_clusters(region, id).map_err(rds_error)?;
            x.open("GlobalClusters");
            for g in &list {
                global_cluster(&mut x, "GlobalClusterMember", g);
            }
            x.close("GlobalClusters");
        }
        "DescribeDBClusters" => {
            let id = params.get("DBClusterIdentifier").filter(|s| !s.is_empty());
            let list = world.rds_db_clusters(region, id).map_err(rds_error)?;
            x.open("DBClusters");
            for c in &list {
                db_cluster(&mut x, c);
            }
            x.close("DBClusters");
        }
        "DescribeDBInstances" => {
            let id = params.get("DBInstanceIdentifier").filter(|s| !s.is_empty());
            let list = world.rds_db_instances(region, id).map_err(rds_error)?;
            x.open("DBInstances");
            for i in &list {
                db_instance(&mut x, i);
            }
            x.close("DBInstances");
        }
        "SwitchoverGlobalCluster" => {
            let gid = params.required("GlobalClusterIdentifier")?;
            let target = params.required("TargetDbClusterIdentifier")?;
            let g = world
                .rds_switchover(region, gid, target)
                .map_err(rds_error)?;
            global_cluster(&mut x, "GlobalCluster", &g);
        }
        "FailoverGlobalCluster" => {
            let gid = params.required("GlobalClusterIdentifier")?;
            let target = params.required("TargetDbClusterIdentifier")?;
            let allow = params.bool("AllowDataLoss")?;
            let switchover = params.bool("Switchover")?;
            let g = world
                .rds_failover(region, gid, target, allow, switchover)
                .map_err(rds_error)?;
            global_cluster(&mut x, "GlobalCluster", &g);
        }
        "CreateDBInstance" => {
            let req = CreateInstanceRequest {
                id: params.required("DBInstanceIdentifier")?.to_string(),
                class: params.required("DBInstanceClass")?.to_string(),
                engine: params.required("Engine")?.to_string(),
                cluster: params
                    .get("DBClusterIdentifier")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            };
            let i = world
                .rds_create_db_instance(region, &req)
                .map_err(rds_error)?;
            db_instance(&mut x, &i);
        }
        "DeleteDBInstance" => {
            let id = params.required("DBInstanceIdentifier")?;
            let i = world
                .rds_delete_db_instance(region, id)
                .map_err(rds_error)?;
            db_instance(&mut x, &i);
        }
        "DeleteDBCluster" => {
            let id = params.required("DBClusterIdentifier")?;
            let c = world.rds_delete_db_cluster(region, id).map_err(rds_error)?;
            db_cluster(&mut x, &c);
        }
        "PromoteReadReplica" => {
            let id = params.required("DBInstanceIdentifier")?;
            let i = world
                .rds_promote_read_replica(region, id)
                .map_err(rds_error)?;
            db_instance(&mut x, &i);
        }
        _ => return Err(Protocol::RdsQuery.unknown_operation(op)),
    }
    x.close(&format!("{op}Result"))
        .open("ResponseMetadata")
        .text("RequestId", request_id)
        .close("ResponseMetadata")
        .close(&format!("{op}Response"));
    Ok(x.finish())
}

pub fn rds_error(e: RdsError) -> ApiError {
    let (code, msg) = match &e {
        RdsError::GlobalClusterNotFound(m) => ("GlobalClusterNotFoundFault", m),
        RdsError::DbClusterNotFound(m) => ("DBClusterNotFoundFault", m),
        RdsError::DbInstanceNotFound(m) => ("DBInstanceNotFound", m),
        RdsError::DbInstanceAlreadyExists(m) => ("DBInstanceAlreadyExists", m),
        RdsError::InvalidGlobalClusterState(m) => ("InvalidGlobalClusterStateFault", m),
        RdsError::InvalidDbClusterState(m) => ("InvalidDBClusterStateFault", m),
        RdsError::InvalidDbInstanceState(m) => ("InvalidDBInstanceState", m),
        RdsError::InvalidParameterCombination(m) => ("InvalidParameterCombination", m),
        RdsError::InvalidParameterValue(m) => ("InvalidParameterValue", m),
    };
    let status = if code.contains("NotFound") { 404 } else { 400 };
    ApiError::new(status, code, msg.clone())
}

fn global_cluster(x: &mut Xml, element: &str, g: &GlobalClusterView) {
    x.open(element)
        .text("GlobalClusterIdentifier", &g.id)
        .text("GlobalClusterResourceId", &g.resource_id)
        .text("GlobalClusterArn", &g.arn)
        .text("Status", &g.status)
        .text("Engine", &g.engine)
        .text("EngineVersion", &g.engine_version)
        .bool("StorageEncrypted", true)
        .bool("DeletionProtection", false)
        .open("GlobalClusterMembers");
    for m in &g.members {
        x.open("GlobalClusterMember")
            .text("DBClusterArn", &m.cluster_arn)
            .list("Readers", "member", &m.readers)
            .bool("IsWriter", m.is_writer)
            .text("GlobalWriteForwardingStatus", &m.write_forwarding);
        if !m.is_writer {
            x.text("SynchronizationStatus", &m.synchronization);
        }
        x.close("GlobalClusterMember");
    }
    x.close("GlobalClusterMembers");
    if let Some(f) = &g.failover {
        x.open("FailoverState")
            .text("Status", &f.status)
            .text("FromDbClusterArn", &f.from_cluster_arn)
            .text("ToDbClusterArn", &f.to_cluster_arn)
            .bool("IsDataLossAllowed", f.is_data_loss_allowed)
            .close("FailoverState");
    }
    x.close(element);
}

fn db_cluster(x: &mut Xml, c: &DbClusterView) {
    x.open("DBCluster")
        .text("DBClusterIdentifier", &c.id)
        .text("DBClusterArn", &c.arn)
        .text("Status", &c.status)
        .text("Engine", &c.engine)
        .text("EngineVersion", &c.engine_version)
        .text("Endpoint", &c.endpoint)
        .opt_text("GlobalClusterIdentifier", c.global_cluster_id.as_deref())
        .bool("MultiAZ", true)
        .close("DBCluster");
}

fn db_instance(x: &mut Xml, i: &DbInstanceView) {
    x.open("DBInstance")
        .text("DBInstanceIdentifier", &i.id)
        .text("DBInstanceArn", &i.arn)
        .text("DBInstanceStatus", &i.status)
        .text("Engine", &i.engine)
        .opt_text("DBClusterIdentifier", i.cluster.as_deref())
        .opt_text(
            "ReadReplicaSourceDBInstanceIdentifier",
            i.replica_source.as_deref(),
        )
        .list(
            "ReadReplicaDBInstanceIdentifiers",
            "ReadReplicaDBInstanceIdentifier",
            &i.replicas,
        );
    if let Some(status) = &i.replication_status {
        x.open("StatusInfos")
            .open("DBInstanceStatusInfo")
            .text("StatusType", "read replication")
            .bool("Normal", status == "replicating")
            .text("Status", status)
            .close("DBInstanceStatusInfo")
            .close("StatusInfos");
    }
    x.close("DBInstance");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::world::{FailoverView, GlobalMemberView};

    fn global() -> GlobalClusterView {
        GlobalClusterView {
            id: "orders-global".into(),
            resource_id: "cluster-abc".into(),
            arn: "arn:aws:rds::111122223333:global-cluster:orders-global".into(),
            status: "available".into(),
            engine: "aurora-postgresql".into(),
            engine_version: "16.4".into(),
            members: vec![
                GlobalMemberView {
                    cluster_arn: "arn:a".into(),
                    readers: vec!["arn:b".into()],
                    is_writer: true,
                    write_forwarding: "disabled".into(),
                    synchronization: "connected".into(),
                },
                GlobalMemberView {
                    cluster_arn: "arn:b".into(),
                    readers: vec![],
                    is_writer: false,
                    write_forwarding: "disabled".into(),
                    synchronization: "connected".into(),
                },
            ],
            failover: Some(FailoverView {
                status: "pending".into(),
                from_cluster_arn: "arn:a".into(),
                to_cluster_arn: "arn:b".into(),
                is_data_loss_allowed: false,
            }),
        }
    }

    #[test]
    fn global_cluster_uses_sdk_element_names() {
        let mut x = Xml::new();
        global_cluster(&mut x, "GlobalClusterMember", &global());
        let s = x.finish();
        assert!(s.contains("<GlobalClusterMembers><GlobalClusterMember><DBClusterArn>arn:a"));
        assert!(s.contains("<Readers><member>arn:b</member></Readers><IsWriter>true</IsWriter>"));
        assert!(s.contains(
            "<FailoverState><Status>pending</Status><FromDbClusterArn>arn:a</FromDbClusterArn>"
        ));
        // The writer has no synchronization status; the secondary has one.
        assert_eq!(s.matches("<SynchronizationStatus>").count(), 1);
    }

    #[test]
    fn not_found_faults_are_404_and_others_400() {
        let e = rds_error(RdsError::GlobalClusterNotFound("x".into()));
        assert_eq!(
            (e.status, e.code.as_str()),
            (404, "GlobalClusterNotFoundFault")
        );
        let e = rds_error(RdsError::InvalidParameterCombination("x".into()));
        assert_eq!(
            (e.status, e.code.as_str()),
            (400, "InvalidParameterCombination")
        );
    }
}
