//! Resolving `capacity:` groups in `scale` steps and `capacity` conditions: by the
//! Auto Scaling group's or ECS service's name and its Region.

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
