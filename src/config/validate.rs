//! Turns the file as written into an [`Environment`], or the first error with its position.

use super::error::{ConfigError, ConfigErrorKind as K};
use super::file::{self, EnvFile, RoleFile, S};
use super::*;
use std::collections::HashMap;

mod arc;
mod backups;
mod capacity;
mod stores;
use arc::arc;

struct Ctx<'a> {
    origin: &'a str,
}

impl Ctx<'_> {
    fn err(&self, kind: K, at: &S, msg: impl Into<String>) -> ConfigError {
        ConfigError::at(kind, self.origin, at.referenced, msg)
    }

    /// Records `name` in `seen`, failing on a second definition.
    fn unique<'s>(
        &self,
        seen: &mut HashMap<&'s str, u64>,
        what: &str,
        name: &'s S,
    ) -> Result<(), ConfigError> {
        if let Some(line) = seen.insert(name.value.as_str(), name.referenced.line()) {
            return Err(self.err(
                K::Duplicate,
                name,
                format!(
                    "duplicate {what} `{}` (first defined on line {line})",
                    name.value
                ),
            ));
        }
        Ok(())
    }
}

pub(super) fn validate(raw: EnvFile, origin: &str) -> Result<Environment, ConfigError> {
    let cx = Ctx { origin };
    let regions = regions(&cx, &raw)?;
    let region_names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let rto = duration(&cx, &raw.targets.rto)?;
    let rpo = duration(&cx, &raw.targets.rpo)?;
    let arc = arc(&cx, &raw.arc)?;
    let aurora = aurora(&cx, &raw.databases, &region_names)?;
    let replicas = replicas(&cx, &raw.databases, &region_names, &aurora)?;
    let backups = backups::backups(&cx, &raw.backups, &region_names)?;
    let capacity = capacity::capacity(&cx, &raw.capacity, &region_names)?;
    let dynamodb = stores::dynamodb(&cx, &raw.databases, &region_names, &aurora, &replicas)?;
    let s3_replication = stores::s3(&cx, &raw.databases, &region_names)?;
    let notify = notify(&cx, raw.notify.as_ref())?;
    Ok(Environment {
        name: raw.name.value,
        source: None,
        regions,
        rto,
        rpo,
        arc,
        aurora,
        replicas,
        backups,
        capacity,
        dynamodb,
        s3_replication,
        store: raw.store.map(|s| s.value),
        notify,
    })
}

/// `notify:`: an SNS topic ARN (ARN format from the AWS General Reference, "Amazon
/// Resource Names": arn:partition:sns:region:account:topic) and http(s) webhook URLs.
fn notify(
    cx: &Ctx,
    raw: Option<&super::file::NotifyFile>,
) -> Result<super::NotifyTargets, ConfigError> {
    let Some(raw) = raw else {
        return Ok(super::NotifyTargets::default());
    };
    if let Some(t) = &raw.sns_topic {
        let parts: Vec<&str> = t.value.split(':').collect();
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[1].starts_with("aws")
            && parts[2] == "sns"
            && parts[3..].iter().all(|p| !p.is_empty());
        if !ok {
            return Err(cx.err(
                K::Invalid,
                t,
                format!(
                    "`{}` is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC)",
                    t.value
                ),
            ));
        }
    }
    for w in &raw.webhooks {
        if !(w.value.starts_with("https://") || w.value.starts_with("http://")) {
            return Err(cx.err(
                K::Invalid,
                w,
                format!("webhook `{}` must be an http:// or https:// URL", w.value),
            ));
        }
    }
    Ok(super::NotifyTargets {
        sns_topic: raw.sns_topic.as_ref().map(|t| t.value.clone()),
        webhooks: raw.webhooks.iter().map(|w| w.value.clone()).collect(),
    })
}

fn duration(cx: &Ctx, s: &S) -> Result<Duration, ConfigError> {
    humantime::parse_duration(s.value.trim()).map_err(|e| {
        cx.err(
            K::Invalid,
            s,
            format!("`{}` is not a duration like 15m or 5s: {e}", s.value),
        )
    })
}

fn regions(cx: &Ctx, raw: &EnvFile) -> Result<Vec<Region>, ConfigError> {
    let list = &raw.regions.value;
    if list.len() < 2 {
        return Err(ConfigError::at(
            K::TooFewRegions,
            cx.origin,
            raw.regions.referenced,
            format!(
                "at least 2 Regions are needed for disaster recovery, found {}",
                list.len()
            ),
        ));
    }
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    let mut primary: Option<&S> = None;
    let mut actives: Vec<&S> = Vec::new();
    for r in list {
        cx.unique(&mut seen, "Region", &r.name)?;
        if !is_region_name(&r.name.value) {
            return Err(cx.err(
                K::Invalid,
                &r.name,
                format!(
                    "`{}` is not an AWS Region name like us-east-1",
                    r.name.value
                ),
            ));
        }
        let role = match r.role.value {
            RoleFile::Primary => {
                if let Some(p) = primary {
                    return Err(ConfigError::at(
                        K::Duplicate,
                        cx.origin,
                        r.role.referenced,
                        format!(
                            "two primary Regions: `{}` and `{}`; exactly one is primary",
                            p.value, r.name.value
                        ),
                    ));
                }
                primary = Some(&r.name);
                Role::Primary
            }
            RoleFile::Secondary => Role::Secondary,
            RoleFile::Active => {
                actives.push(&r.name);
                Role::Active
            }
        };
        let mut alarm_seen = HashMap::new();
        for a in &r.alarms {
            cx.unique(&mut alarm_seen, "alarm", a)?;
        }
        out.push(Region {
            name: r.name.value.clone(),
            role,
            alarms: r.alarms.iter().map(|a| a.value.clone()).collect(),
            health_checks: r.health_checks.iter().map(|h| h.value.clone()).collect(),
        });
    }
    // One serving Region and standbys (pilot light, warm standby), or several that
    // serve at once (multi-site active/active); a primary among actives would make
    // "which Region serves" ambiguous.
    match (primary, actives.as_slice()) {
        (Some(p), [a, ..]) => {
            return Err(cx.err(
                K::Invalid,
                a,
                format!(
                    "`{}` is active and `{}` is primary: either exactly one Region is \
                     primary, or at least two are active (multi-site active/active)",
                    a.value, p.value
                ),
            ));
        }
        (None, [one]) => {
            return Err(cx.err(
                K::Invalid,
                one,
                "a single active Region: active/active needs at least two (or make it \
                 `role: primary`)",
            ));
        }
        (None, []) => {
            return Err(ConfigError::at(
                K::Invalid,
                cx.origin,
                raw.regions.referenced,
                "no Region has `role: primary`; exactly one must (or at least two \
                 `role: active` for active/active)",
            ));
        }
        _ => {}
    }
    Ok(out)
}

fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn known_region(cx: &Ctx, regions: &[&str], s: &S) -> Result<(), ConfigError> {
    if regions.contains(&s.value.as_str()) {
        Ok(())
    } else {
        Err(cx.err(
            K::UnknownReference,
            s,
            format!(
                "Region `{}` is not defined under `regions` (defined: {})",
                s.value,
                regions.join(", ")
            ),
        ))
    }
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, with checks per service.
fn arn(cx: &Ctx, s: &S, service: &str, resource_prefix: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| {
        cx.err(
            K::MalformedArn,
            s,
            format!("malformed ARN `{}`: {why}", s.value),
        )
    };
    let parts: Vec<&str> = s.value.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return Err(bad(
            "expected arn:partition:service:region:account:resource",
        ));
    }
    if !matches!(parts[1], "aws" | "aws-cn" | "aws-us-gov") {
        return Err(bad("unknown partition"));
    }
    if parts[2] != service {
        return Err(bad(&format!(
            "expected service `{service}`, found `{}`",
            parts[2]
        )));
    }
    if parts[4].len() != 12 || !parts[4].chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("the account id must be 12 digits"));
    }
    if !parts[5].starts_with(resource_prefix) || parts[5].len() <= resource_prefix.len() {
        return Err(bad(&format!(
            "expected a resource starting `{resource_prefix}`"
        )));
    }
    Ok(())
}

/// Gives a position-less error the position of `at`.
fn relocate(mut e: ConfigError, at: &S) -> ConfigError {
    if e.line == 1 && e.column == 1 {
        e.line = at.referenced.line().max(1);
        e.column = at.referenced.column().max(1);
    }
    e
}

fn aurora(
    cx: &Ctx,
    raw: &file::Databases,
    regions: &[&str],
) -> Result<Vec<AuroraGlobal>, ConfigError> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for d in &raw.aurora_global {
        cx.unique(&mut seen, "database", &d.name)?;
        if d.members.value.len() < 2 {
            return Err(ConfigError::at(
                K::Invalid,
                cx.origin,
                d.members.referenced,
                format!(
                    "global database `{}` needs members in at least 2 Regions",
                    d.name.value
                ),
            ));
        }
        let mut seen_region = HashMap::new();
        let mut members = Vec::new();
        for m in &d.members.value {
            known_region(cx, regions, &m.region)?;
            cx.unique(&mut seen_region, "member Region", &m.region)?;
            arn(cx, &m.cluster_arn, "rds", "cluster:")?;
            let arn_region = m.cluster_arn.value.split(':').nth(3).unwrap_or_default();
            if arn_region != m.region.value {
                return Err(cx.err(
                    K::MalformedArn,
                    &m.cluster_arn,
                    format!(
                        "cluster ARN is in Region `{arn_region}` but the member says `{}`",
                        m.region.value
                    ),
                ));
            }
            members.push(AuroraMember {
                region: m.region.value.clone(),
                cluster_arn: m.cluster_arn.value.clone(),
            });
        }
        out.push(AuroraGlobal {
            name: d.name.value.clone(),
            global_cluster_id: d.global_cluster_id.value.clone(),
            members,
        });
    }
    Ok(out)
}

fn replicas(
    cx: &Ctx,
    raw: &file::Databases,
    regions: &[&str],
    aurora: &[AuroraGlobal],
) -> Result<Vec<ReplicaPair>, ConfigError> {
    let mut seen: HashMap<&str, u64> = aurora.iter().map(|a| (a.name.as_str(), 0)).collect();
    let mut out = Vec::new();
    for r in &raw.rds_replicas {
        cx.unique(&mut seen, "database", &r.name)?;
        known_region(cx, regions, &r.primary.region)?;
        known_region(cx, regions, &r.replica.region)?;
        if r.primary.region.value == r.replica.region.value {
            return Err(cx.err(
                K::Invalid,
                &r.replica.region,
                "a cross-Region replica must be in a different Region from its primary",
            ));
        }
        out.push(ReplicaPair {
            name: r.name.value.clone(),
            primary: ReplicaEnd {
                region: r.primary.region.value.clone(),
                instance_id: r.primary.instance_id.value.clone(),
            },
            replica: ReplicaEnd {
                region: r.replica.region.value.clone(),
                instance_id: r.replica.instance_id.value.clone(),
            },
        });
    }
    Ok(out)
}
