//! EC2 Auto Scaling and ECS reads: desired capacity and what of it serves.

use super::error::from_sdk;
use super::types::CapacityInfo;
use super::{Provider, ProviderError};

/// DescribeAutoScalingGroups' MaxRecords maximum (EC2 Auto Scaling API reference:
/// "The default value is 50 and the maximum value is 100").
const ASG_PAGE: i32 = 100;
/// Names per DescribeAutoScalingGroups call; the API reference gives no limit on
/// AutoScalingGroupNames, so the console asks for no more than one page holds.
const ASG_NAMES_PER_CALL: usize = 100;
/// DescribeServices takes at most 10 services per call (ECS API reference,
/// DescribeServices `services`: "You may specify up to 10 services to describe").
pub const ECS_SERVICES_PER_CALL: usize = 10;
/// Pages read at most, so a reply that keeps naming a next page cannot loop for ever.
const MAX_PAGES: usize = 10;

/// Instance lifecycle states of a launching instance (EC2 Auto Scaling API
/// reference, Instance.LifecycleState; user guide, "Amazon EC2 Auto Scaling instance
/// lifecycle": Pending, then Pending:Wait / Pending:Proceed while a launch lifecycle
/// hook holds it, then InService).
const LAUNCHING: &[&str] = &["Pending", "Pending:Wait", "Pending:Proceed"];

/// Counts an Auto Scaling group's instances: `(LifecycleState, HealthStatus)` each.
/// Serving = `InService` and `Healthy` (Instance.HealthStatus: "Healthy" |
/// "Unhealthy"); an InService instance reported unhealthy is about to be replaced
/// and does not count. Terminating, detaching and standby instances count as
/// nothing. An unknown word counts as nothing too: never as serving.
pub fn count_asg_instances<'a>(
    instances: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (u32, u32, u32) {
    let (mut serving, mut warming, mut unhealthy) = (0u32, 0u32, 0u32);
    for (state, health) in instances {
        if state == "InService" && health == "Healthy" {
            serving += 1;
        } else if state == "InService" {
            unhealthy += 1;
        } else if LAUNCHING.contains(&state) {
            warming += 1;
        }
    }
    (serving, warming, unhealthy)
}

fn count(n: Option<i32>) -> u32 {
    n.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

impl Provider {
    fn autoscaling(&self, region: &str) -> Result<&aws_sdk_autoscaling::Client, ProviderError> {
        self.autoscaling.get(region).ok_or_else(|| {
            ProviderError::NotConfigured(format!("no Auto Scaling client for {region}"))
        })
    }

    /// The one-attempt client for UpdateAutoScalingGroup in `region`.
    pub(super) fn autoscaling_mutating(
        &self,
        region: &str,
    ) -> Result<&aws_sdk_autoscaling::Client, ProviderError> {
        self.autoscaling_mutating.get(region).ok_or_else(|| {
            ProviderError::NotConfigured(format!("no Auto Scaling client for {region}"))
        })
    }

    /// The one-attempt client for UpdateService in `region`.
    pub(super) fn ecs_mutating(&self, region: &str) -> Result<&aws_sdk_ecs::Client, ProviderError> {
        self.ecs_mutating
            .get(region)
            .ok_or_else(|| ProviderError::NotConfigured(format!("no ECS client for {region}")))
    }

    fn ecs(&self, region: &str) -> Result<&aws_sdk_ecs::Client, ProviderError> {
        self.ecs
            .get(region)
            .ok_or_else(|| ProviderError::NotConfigured(format!("no ECS client for {region}")))
    }

    /// DescribeAutoScalingGroups for `names` in `region`, every page: each group
    /// found, by name. A name AWS does not list is absent from the answer (the API
    /// returns no error for it).
    pub async fn describe_auto_scaling_groups(
        &self,
        region: &str,
        names: &[String],
    ) -> Result<Vec<(String, CapacityInfo)>, ProviderError> {
        let client = self.autoscaling(region)?;
        let mut out = Vec::new();
        for chunk in names.chunks(ASG_NAMES_PER_CALL) {
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let page = self
                    .bounded(
                        client
                            .describe_auto_scaling_groups()
                            .set_auto_scaling_group_names(Some(chunk.to_vec()))
                            .max_records(ASG_PAGE)
                            .set_next_token(token.take())
                            .send(),
                    )
                    .await?
                    .map_err(from_sdk)?;
                for g in page.auto_scaling_groups() {
                    let (in_service, warming, unhealthy) =
                        count_asg_instances(g.instances().iter().map(|i| {
                            (
                                i.lifecycle_state().map_or("", |s| s.as_str()),
                                i.health_status().unwrap_or_default(),
                            )
                        }));
                    let name = g.auto_scaling_group_name().unwrap_or_default().to_string();
                    out.push((
                        name,
                        CapacityInfo {
                            desired: count(g.desired_capacity()),
                            min: g.min_size().and_then(|v| u32::try_from(v).ok()),
                            max: g.max_size().and_then(|v| u32::try_from(v).ok()),
                            in_service,
                            warming,
                            unhealthy,
                            status: None,
                        },
                    ));
                }
                match page.next_token().filter(|t| !t.is_empty()) {
                    Some(t) => token = Some(t.to_string()),
                    None => break,
                }
            }
        }
        Ok(out)
    }

    /// DescribeServices for `services` of `cluster` in `region`, ten per call: each
    /// service found, by name. A service AWS reports in `failures` (reason MISSING)
    /// is absent from the answer.
    pub async fn describe_ecs_services(
        &self,
        region: &str,
        cluster: &str,
        services: &[String],
    ) -> Result<Vec<(String, CapacityInfo)>, ProviderError> {
        let client = self.ecs(region)?;
        let mut out = Vec::new();
        for chunk in services.chunks(ECS_SERVICES_PER_CALL) {
            let page = self
                .bounded(
                    client
                        .describe_services()
                        .cluster(cluster)
                        .set_services(Some(chunk.to_vec()))
                        .send(),
                )
                .await?
                .map_err(from_sdk)?;
            for s in page.services() {
                out.push((
                    s.service_name().unwrap_or_default().to_string(),
                    CapacityInfo {
                        desired: count(Some(s.desired_count())),
                        min: None,
                        max: None,
                        in_service: count(Some(s.running_count())),
                        warming: count(Some(s.pending_count())),
                        unhealthy: 0,
                        status: s.status().map(str::to_string),
                    },
                ));
            }
        }
        Ok(out)
    }

    /// One group or service, or NotFound when AWS does not list it.
    pub async fn read_capacity(
        &self,
        region: &str,
        target: &crate::config::CapacityTarget,
    ) -> Result<CapacityInfo, ProviderError> {
        use crate::config::CapacityTarget as T;
        let (found, wanted, code) = match target {
            T::Asg { name } => (
                self.describe_auto_scaling_groups(region, std::slice::from_ref(name))
                    .await?,
                name,
                "AutoScalingGroupNotFound",
            ),
            T::EcsService { cluster, service } => (
                self.describe_ecs_services(region, cluster, std::slice::from_ref(service))
                    .await?,
                service,
                "ServiceNotFoundException",
            ),
        };
        found
            .into_iter()
            .find(|(n, _)| n == wanted)
            .map(|(_, c)| c)
            .ok_or_else(|| ProviderError::NotFound {
                code: code.into(),
                message: format!("{} is not listed in {region}", target.label()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_healthy_in_service_instances_serve() {
        let (serving, warming, unhealthy) = count_asg_instances([
            ("InService", "Healthy"),
            ("InService", "Unhealthy"),
            ("Pending", "Healthy"),
            ("Pending:Wait", "Healthy"),
            ("Pending:Proceed", "Healthy"),
            ("Terminating", "Healthy"),
            ("Standby", "Healthy"),
            ("Warmed:Running", "Healthy"),
            ("SomethingNew", "Healthy"),
        ]);
        assert_eq!((serving, warming, unhealthy), (1, 3, 1));
    }
}
