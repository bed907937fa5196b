//! The `backups:` section: protected resources and their DR vaults.

use super::super::error::{ConfigError, ConfigErrorKind as K};
use super::super::file::BackupFile;
use super::super::{ProtectedResource, RestoreTemplate};
use super::{Ctx, arn, duration, known_region};
use std::collections::HashMap;

/// AWS Backup's resource type words, as `ListRecoveryPointsByBackupVault` returns
/// them in `ResourceType` and takes in `byResourceType` (AWS Backup API reference,
/// ListRecoveryPointsByBackupVault: "Aurora for Amazon Aurora", "RDS for Amazon
/// Relational Database Service", … "VirtualMachine for VMware virtual machines").
pub const RESOURCE_TYPES: &[&str] = &[
    "Aurora",
    "CloudFormation",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
];

/// The ARN service and resource prefix each type's resources have, where the
/// console checks them (ARN formats from the Service Authorization Reference).
fn arn_shape(resource_type: &str) -> Option<(&'static str, &'static str)> {
    Some(match resource_type {
        "Aurora" | "DocumentDB" | "Neptune" => ("rds", "cluster:"),
        "RDS" => ("rds", "db:"),
        "DynamoDB" => ("dynamodb", "table/"),
        "EFS" => ("elasticfilesystem", "file-system/"),
        "EC2" => ("ec2", "instance/"),
        "EBS" => ("ec2", "volume/"),
        _ => return None,
    })
}

pub(super) fn backups(
    cx: &Ctx,
    raw: &[BackupFile],
    regions: &[&str],
) -> Result<Vec<ProtectedResource>, ConfigError> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for b in raw {
        cx.unique(&mut seen, "backup", &b.name)?;
        let ty = b.resource_type.value.as_str();
        if !RESOURCE_TYPES.contains(&ty) {
            return Err(cx.err(
                K::Invalid,
                &b.resource_type,
                format!(
                    "`{ty}` is not an AWS Backup resource type (one of: {})",
                    RESOURCE_TYPES.join(", ")
                ),
            ));
        }
        let source_region = match arn_shape(ty) {
            Some((service, prefix)) => {
                arn(cx, &b.resource_arn, service, prefix)?;
                b.resource_arn.value.split(':').nth(3).unwrap_or_default()
            }
            None => {
                let parts: Vec<&str> = b.resource_arn.value.splitn(6, ':').collect();
                if parts.len() != 6 || parts[0] != "arn" {
                    return Err(cx.err(
                        K::MalformedArn,
                        &b.resource_arn,
                        format!(
                            "malformed ARN `{}`: expected arn:partition:service:region:account:resource",
                            b.resource_arn.value
                        ),
                    ));
                }
                parts[3]
            }
        };
        if !regions.contains(&source_region) {
            return Err(cx.err(
                K::UnknownReference,
                &b.resource_arn,
                format!(
                    "the resource is in Region `{source_region}`, which is not defined under `regions` (defined: {})",
                    regions.join(", ")
                ),
            ));
        }
        known_region(cx, regions, &b.dr_region)?;
        if b.dr_region.value == source_region {
            return Err(cx.err(
                K::Invalid,
                &b.dr_region,
                format!(
                    "the DR vault must be in another Region than the resource ({source_region}): a copy in the same Region is lost with it"
                ),
            ));
        }
        if b.vault.value.trim().is_empty() {
            return Err(cx.err(K::Invalid, &b.vault, "the vault name is empty"));
        }
        let rpo = duration(cx, &b.rpo)?;
        let restore_test_every = match &b.restore_test_every {
            Some(s) => Some(duration(cx, s)?),
            None => None,
        };
        arn(cx, &b.restore.iam_role_arn, "iam", "role/")?;
        out.push(ProtectedResource {
            name: b.name.value.clone(),
            resource_arn: b.resource_arn.value.clone(),
            resource_type: ty.to_string(),
            source_region: source_region.to_string(),
            dr_region: b.dr_region.value.clone(),
            vault: b.vault.value.clone(),
            rpo,
            restore_test_every,
            restore: RestoreTemplate {
                iam_role_arn: b.restore.iam_role_arn.value.clone(),
                metadata: b.restore.metadata.clone(),
            },
        });
    }
    Ok(out)
}
