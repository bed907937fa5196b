//! The `capacity:` section: Auto Scaling groups and ECS services per Region.

use super::super::error::{ConfigError, ConfigErrorKind as K};
use super::super::file::{CapacityFile, S};
use super::super::{CapacityGroup, CapacityTarget};
use super::{Ctx, known_region};
use std::collections::HashMap;

/// AutoScalingGroupName and an ECS service name are at most 255 characters (EC2
/// Auto Scaling API reference, UpdateAutoScalingGroup; ECS API reference,
/// CreateService `serviceName`).
const MAX_NAME: usize = 255;

fn name(cx: &Ctx, what: &str, s: &S) -> Result<String, ConfigError> {
    let v = s.value.trim();
    if v.is_empty() {
        return Err(cx.err(K::Invalid, s, format!("the {what} name is empty")));
    }
    if v.chars().count() > MAX_NAME {
        return Err(cx.err(
            K::Invalid,
            s,
            format!("the {what} name is longer than {MAX_NAME} characters"),
        ));
    }
    Ok(v.to_string())
}

pub(super) fn capacity(
    cx: &Ctx,
    raw: &[CapacityFile],
    regions: &[&str],
) -> Result<Vec<CapacityGroup>, ConfigError> {
    let mut seen = HashMap::new();
    let mut out: Vec<CapacityGroup> = Vec::new();
    for c in raw {
        cx.unique(&mut seen, "capacity group", &c.name)?;
        known_region(cx, regions, &c.region)?;
        let target = match (&c.asg, &c.ecs) {
            (Some(a), None) => CapacityTarget::Asg {
                name: name(cx, "Auto Scaling group", a)?,
            },
            (None, Some(e)) => CapacityTarget::EcsService {
                cluster: name(cx, "ECS cluster", &e.value.cluster)?,
                service: name(cx, "ECS service", &e.value.service)?,
            },
            _ => {
                return Err(cx.err(
                    K::Invalid,
                    &c.name,
                    "a capacity group names exactly one of `asg: NAME` and \
                     `ecs: {cluster, service}`",
                ));
            }
        };
        if let Some(other) = out
            .iter()
            .find(|o| o.target == target && o.region == c.region.value)
        {
            return Err(cx.err(
                K::Duplicate,
                &c.name,
                format!(
                    "{} in {} is already capacity group `{}`",
                    target.label(),
                    c.region.value,
                    other.name
                ),
            ));
        }
        let production = c.production.value;
        if production == 0 {
            return Err(ConfigError::at(
                K::Invalid,
                cx.origin,
                c.production.referenced,
                "`production` is the capacity the whole load needs: at least 1",
            ));
        }
        let max = c.max.as_ref().map_or(production, |m| m.value);
        if max < production
            && let Some(m) = &c.max
        {
            return Err(ConfigError::at(
                K::Invalid,
                cx.origin,
                m.referenced,
                format!("`max` ({max}) is below `production` ({production})"),
            ));
        }
        let initial = c.initial.as_ref().map_or(production, |i| i.value);
        if initial > max
            && let Some(i) = &c.initial
        {
            return Err(ConfigError::at(
                K::Invalid,
                cx.origin,
                i.referenced,
                format!("`initial` ({initial}) is above the group's max ({max})"),
            ));
        }
        out.push(CapacityGroup {
            name: c.name.value.clone(),
            region: c.region.value.clone(),
            target,
            production,
            initial,
            max,
        });
    }
    Ok(out)
}
