//! Resolving `capacity:` groups in `scale` steps and `capacity` conditions: by the
//! Auto Scaling group's or ECS service's name and its Region.

use super::condition::Condition;
use super::error::RunbookErrorKind as K;
use super::file::S;
use super::resolve::Resolver;
use crate::config::{CapacityGroup, CapacityTarget};
use serde_saphyr::Location;

impl<'a> Resolver<'a> {
    /// The environment's capacity group named by exactly one of `asg` and
    /// `ecs_service`, in `region`.
    pub fn capacity_group(
        &mut self,
        asg: Option<&S>,
        ecs_service: Option<&S>,
        region: &S,
        at: Location,
    ) -> Option<&'a CapacityGroup> {
        let region = self.region(region)?;
        let (name, is_asg, loc) = match (asg, ecs_service) {
            (Some(a), None) => (self.text(a)?, true, a.referenced),
            (None, Some(e)) => (self.text(e)?, false, e.referenced),
            _ => {
                self.err(
                    K::Invalid,
                    at,
                    "name exactly one of `asg: NAME` and `ecs_service: NAME`",
                );
                return None;
            }
        };
        let env = self.env;
        let found = env.capacity.iter().find(|g| {
            g.region == region
                && match &g.target {
                    CapacityTarget::Asg { name: n } => is_asg && *n == name,
                    CapacityTarget::EcsService { service, .. } => !is_asg && *service == name,
                }
        });
        if found.is_none() {
            let known: Vec<String> = env
                .capacity
                .iter()
                .filter(|g| g.region == region)
                .map(|g| g.target.label())
                .collect();
            let what = if is_asg {
                "Auto Scaling group"
            } else {
                "ECS service"
            };
            self.err(
                K::UnknownReference,
                loc,
                format!(
                    "{what} `{name}` in {region} is not under the environment's `capacity:` \
                     (there: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
        found
    }

    /// `dynamodb_replication: {table, region, below_ms}`: `region` must hold a replica.
    pub fn table_latency(&mut self, f: &super::file::TableLatencyFile) -> Option<Condition> {
        let name = self.text(&f.table)?;
        let region = self.region(&f.region)?;
        let below = self.number(&f.below_ms)?;
        let env = self.env;
        let Some(t) = env.global_table(&name) else {
            let known: Vec<&str> = env.dynamodb.iter().map(|t| t.name.as_str()).collect();
            self.err(
                K::UnknownReference,
                f.table.referenced,
                format!(
                    "`{name}` is not under `databases: dynamodb_global_tables` (defined: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            );
            return None;
        };
        if !t.regions.contains(&region) {
            self.err(
                K::UnknownReference,
                f.region.referenced,
                format!(
                    "{name} has no replica in {region} (replicas: {})",
                    t.regions.join(", ")
                ),
            );
            return None;
        }
        Some(Condition::DynamodbReplication {
            table: t.name.clone(),
            region,
            below_ms: below,
        })
    }

    /// `s3_replication: {rule, …limits}`: at least one limit.
    pub fn bucket_condition(&mut self, f: &super::file::BucketCondFile) -> Option<Condition> {
        let name = self.text(&f.rule)?;
        let env = self.env;
        if env.bucket_replication(&name).is_none() {
            let known: Vec<&str> = env.s3_replication.iter().map(|b| b.name.as_str()).collect();
            self.err(
                K::UnknownReference,
                f.rule.referenced,
                format!(
                    "`{name}` is not under `databases: s3_replication` (defined: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            );
            return None;
        }
        let mut limit = |s: &Option<S>| match s {
            Some(s) => self.number(s).map(Some),
            None => Some(None),
        };
        let (lat, ops, bytes) = (
            limit(&f.latency_below_s)?,
            limit(&f.pending_operations_below)?,
            limit(&f.pending_bytes_below)?,
        );
        if lat.is_none() && ops.is_none() && bytes.is_none() {
            self.err(
                K::Invalid,
                f.rule.referenced,
                "give at least one of latency_below_s, pending_operations_below, pending_bytes_below",
            );
            return None;
        }
        Some(Condition::S3Replication {
            rule: name,
            latency_below_s: lat,
            pending_operations_below: ops,
            pending_bytes_below: bytes,
        })
    }

    fn number(&mut self, s: &S) -> Option<u64> {
        let v = self.text(s)?;
        match v.trim().parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.err(
                    K::Invalid,
                    s.referenced,
                    format!("`{v}` is not a whole number"),
                );
                None
            }
        }
    }

    /// A count of instances or tasks: a number, or `production` (the group's need).
    pub fn capacity_count(&mut self, s: &S, group: &CapacityGroup) -> Option<u32> {
        let v = self.text(s)?;
        let v = v.trim();
        if v == "production" {
            return Some(group.production);
        }
        match v.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.err(
                    K::Invalid,
                    s.referenced,
                    format!("`{v}` is not a count: a whole number or `production`"),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Environment;
    use crate::runbook::condition::{Condition, Facts};
    use crate::runbook::step::StepKind;
    use crate::runbook::validate;
    use std::collections::BTreeMap;

    /// The built-in environment: a global table `carts` and an S3 rule `receipts`.
    fn env() -> Environment {
        Environment::builtin_default().unwrap_or_else(|e| panic!("{e}"))
    }

    fn condition(yaml: &str) -> Result<Condition, String> {
        let text = format!(
            "name: t\nenvironment: orders-prod\nrto: 1h\nsteps:\n  - id: c\n    title: C\n    check:\n      - {yaml}\n"
        );
        let rb = validate::parse(&text, "t.yaml", &env(), &BTreeMap::new())
            .map_err(|e| e.to_string())?;
        match &rb.steps[0].kind {
            StepKind::Check { conditions } => Ok(conditions[0].clone()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn write_strategies_default_by_store() {
        let env = env();
        assert_eq!(env.dynamodb[0].write, crate::config::WriteStrategy::Local);
        assert_eq!(
            env.s3_replication[0].write,
            crate::config::WriteStrategy::Partitioned
        );
        assert!(env.dynamodb[0].write.caveat().contains("last-writer-wins"));
    }

    #[test]
    fn dynamodb_replication_is_unknown_unless_every_source_was_read() {
        let c =
            condition("dynamodb_replication: { table: carts, region: us-west-2, below_ms: 1000 }")
                .unwrap();
        let mut f = Facts::default();
        assert_eq!(c.evaluate(&f).holds, None);
        f.table_latency_ms
            .insert(("carts".into(), "us-west-2".into()), 1800.0);
        let t = c.evaluate(&f);
        assert_eq!(t.holds, Some(false), "{}", t.why);
        assert!(t.why.contains("1800 ms"), "{}", t.why);
        f.table_latency_ms
            .insert(("carts".into(), "us-west-2".into()), 200.0);
        assert_eq!(c.evaluate(&f).holds, Some(true));
        let e = condition("dynamodb_replication: { table: carts, region: eu-west-1, below_ms: 1 }")
            .unwrap_err();
        assert!(e.contains("eu-west-1"), "{e}");
        let e = condition("dynamodb_replication: { table: nope, region: us-west-2, below_ms: 1 }")
            .unwrap_err();
        assert!(e.contains("dynamodb_global_tables"), "{e}");
    }

    #[test]
    fn s3_replication_checks_each_limit_given() {
        let c = condition(
            "s3_replication: { rule: receipts, latency_below_s: 900, pending_operations_below: 100 }",
        )
        .unwrap();
        let mut f = Facts::default();
        assert_eq!(c.evaluate(&f).holds, None);
        f.bucket_replication
            .insert("receipts".into(), (30.0, 5.0, 1e9));
        assert_eq!(c.evaluate(&f).holds, Some(true), "bytes have no limit here");
        f.bucket_replication
            .insert("receipts".into(), (30.0, 500.0, 0.0));
        assert_eq!(c.evaluate(&f).holds, Some(false));
        let e = condition("s3_replication: { rule: receipts }").unwrap_err();
        assert!(e.contains("at least one"), "{e}");
    }
}
