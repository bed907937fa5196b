//! DynamoDB global tables and S3 replication rules under `databases:`.

use super::super::error::{ConfigError, ConfigErrorKind as K};
use super::super::file::{Databases, WriteStrategyFile};
use super::super::{AuroraGlobal, BucketReplication, GlobalTable, ReplicaPair, WriteStrategy};
use super::{Ctx, known_region};
use std::collections::HashMap;

fn strategy(w: Option<WriteStrategyFile>, default: WriteStrategy) -> WriteStrategy {
    match w {
        Some(WriteStrategyFile::Global) => WriteStrategy::Global,
        Some(WriteStrategyFile::Local) => WriteStrategy::Local,
        Some(WriteStrategyFile::Partitioned) => WriteStrategy::Partitioned,
        None => default,
    }
}

pub(super) fn dynamodb(
    cx: &Ctx,
    raw: &Databases,
    regions: &[&str],
    aurora: &[AuroraGlobal],
    replicas: &[ReplicaPair],
) -> Result<Vec<GlobalTable>, ConfigError> {
    // One namespace with the other databases, so a condition's name is unambiguous.
    let mut seen: HashMap<&str, u64> = aurora
        .iter()
        .map(|a| a.name.as_str())
        .chain(replicas.iter().map(|r| r.name.as_str()))
        .map(|n| (n, 0))
        .collect();
    let mut out = Vec::new();
    for t in &raw.dynamodb_global_tables {
        cx.unique(&mut seen, "database", &t.name)?;
        if t.table.value.trim().is_empty() {
            return Err(cx.err(K::Invalid, &t.table, "the table name is empty"));
        }
        if t.regions.value.len() < 2 {
            return Err(ConfigError::at(
                K::Invalid,
                cx.origin,
                t.regions.referenced,
                format!(
                    "global table `{}` needs replicas in at least 2 Regions",
                    t.name.value
                ),
            ));
        }
        let mut in_regions = HashMap::new();
        for r in &t.regions.value {
            known_region(cx, regions, r)?;
            cx.unique(&mut in_regions, "replica Region", r)?;
        }
        out.push(GlobalTable {
            name: t.name.value.clone(),
            table: t.table.value.clone(),
            regions: t.regions.value.iter().map(|r| r.value.clone()).collect(),
            write: strategy(t.write, WriteStrategy::Local),
        });
    }
    Ok(out)
}

pub(super) fn s3(
    cx: &Ctx,
    raw: &Databases,
    regions: &[&str],
) -> Result<Vec<BucketReplication>, ConfigError> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for b in &raw.s3_replication {
        cx.unique(&mut seen, "S3 replication", &b.name)?;
        known_region(cx, regions, &b.source.region)?;
        known_region(cx, regions, &b.destination.region)?;
        for bucket in [&b.source.bucket, &b.destination.bucket] {
            if bucket.value.trim().is_empty() {
                return Err(cx.err(K::Invalid, bucket, "the bucket name is empty"));
            }
        }
        if b.rule_id.value.trim().is_empty() {
            return Err(cx.err(K::Invalid, &b.rule_id, "the rule ID is empty"));
        }
        out.push(BucketReplication {
            name: b.name.value.clone(),
            source_region: b.source.region.value.clone(),
            source_bucket: b.source.bucket.value.clone(),
            destination_region: b.destination.region.value.clone(),
            destination_bucket: b.destination.bucket.value.clone(),
            rule_id: b.rule_id.value.clone(),
            write: strategy(b.write, WriteStrategy::Partitioned),
        });
    }
    Ok(out)
}
