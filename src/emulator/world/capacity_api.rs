//! The world's capacity calls, as the Auto Scaling and ECS front ends make them, with
//! the rules AWS checks before it changes anything.

use super::TwinWorld;
use super::capacity::{AsgView, EcsServiceView};

/// Why a capacity call was refused, in AWS's own error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    /// EC2 Auto Scaling API Reference, Common Errors: ValidationError, "The input fails
    /// to satisfy the constraints specified by an AWS service", HTTP 400.
    #[error("ValidationError: {0}")]
    AsgValidation(String),
    /// ECS API Reference, DescribeServices / UpdateService, Errors:
    /// ClusterNotFoundException, HTTP 400.
    #[error("ClusterNotFoundException: {0}")]
    ClusterNotFound(String),
    /// ECS API Reference, UpdateService, Errors: ServiceNotFoundException, HTTP 400.
    #[error("ServiceNotFoundException: {0}")]
    ServiceNotFound(String),
}

/// UpdateAutoScalingGroup's size parameters, each absent when not sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AsgSizeChange {
    pub min_size: Option<u32>,
    pub max_size: Option<u32>,
    pub desired_capacity: Option<u32>,
}

/// A DescribeServices answer: the services found, and the ARNs of those asked for
/// that do not exist (reported as failures with reason MISSING).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsDescribe {
    pub services: Vec<EcsServiceView>,
    pub missing: Vec<String>,
}

impl TwinWorld {
    /// DescribeAutoScalingGroups in `region`: every group when `names` is empty, else
    /// those named. EC2 Auto Scaling API Reference, DescribeAutoScalingGroups: names
    /// that match no group are simply absent from the list (no error).
    pub fn asg_describe(&self, region: &str, names: &[String]) -> Vec<AsgView> {
        self.capacity.asg_views(region, names)
    }

    /// UpdateAutoScalingGroup's sizes. EC2 Auto Scaling API Reference,
    /// UpdateAutoScalingGroup: a new MinSize above the current desired capacity (sent
    /// without DesiredCapacity) raises desired to it; a new MaxSize below it lowers
    /// desired to it; DesiredCapacity must lie within [MinSize, MaxSize].
    pub fn asg_update(
        &mut self,
        region: &str,
        name: &str,
        change: AsgSizeChange,
    ) -> Result<(), CapacityError> {
        let (min, max, desired) = self.asg_sizes(region, name)?;
        let min = change.min_size.unwrap_or(min);
        let max = change.max_size.unwrap_or(max);
        if min > max {
            // Wording is the twin's: the API reference gives no message for it.
            return Err(CapacityError::AsgValidation(format!(
                "MinSize {min} must not be greater than MaxSize {max} for the AutoScalingGroup."
            )));
        }
        let desired = change.desired_capacity.unwrap_or(match change {
            AsgSizeChange {
                min_size: Some(m), ..
            } if m > desired => m,
            AsgSizeChange {
                max_size: Some(m), ..
            } if m < desired => m,
            _ => desired,
        });
        if desired < min || desired > max {
            // The API reference documents no message; this is the wording AWS is
            // reported to send for UpdateAutoScalingGroup (not documented, seen in
            // client logs and issue reports).
            return Err(CapacityError::AsgValidation(format!(
                "Desired capacity:{desired} must be between the specified min size:{min} and max size:{max}"
            )));
        }
        let now = self.now;
        self.capacity
            .asg_resize(region, name, now, (min, max, desired));
        Ok(())
    }

    /// SetDesiredCapacity. `HonorCooldown` changes nothing: the twin keeps no cooldown.
    pub fn asg_set_desired(
        &mut self,
        region: &str,
        name: &str,
        desired: u32,
    ) -> Result<(), CapacityError> {
        let (min, max, _) = self.asg_sizes(region, name)?;
        // Messages as AWS sends them (not in the API reference; reported verbatim by
        // users of the AWS CLI and SDKs): "New SetDesiredCapacity value N is above max
        // value M for the AutoScalingGroup."
        if desired > max {
            return Err(CapacityError::AsgValidation(format!(
                "New SetDesiredCapacity value {desired} is above max value {max} for the AutoScalingGroup."
            )));
        }
        if desired < min {
            return Err(CapacityError::AsgValidation(format!(
                "New SetDesiredCapacity value {desired} is below min value {min} for the AutoScalingGroup."
            )));
        }
        let now = self.now;
        self.capacity
            .asg_resize(region, name, now, (min, max, desired));
        Ok(())
    }

    fn asg_sizes(&self, region: &str, name: &str) -> Result<(u32, u32, u32), CapacityError> {
        self.capacity.asg_sizes(region, name).ok_or_else(|| {
            // Not in the API reference; the wording AWS is reported to use.
            CapacityError::AsgValidation(format!(
                "AutoScalingGroup name not found - AutoScalingGroup {name} not found"
            ))
        })
    }

    /// DescribeServices in `region`. `cluster` and each service may be a name or an
    /// ARN; `None` is the `default` cluster (ECS API Reference, DescribeServices,
    /// cluster: "If you do not specify a cluster, the default cluster is assumed").
    pub fn ecs_describe_services(
        &self,
        region: &str,
        cluster: Option<&str>,
        services: &[String],
    ) -> Result<EcsDescribe, CapacityError> {
        let cluster = self.ecs_cluster(region, cluster)?;
        let mut out = EcsDescribe {
            services: Vec::new(),
            missing: Vec::new(),
        };
        for asked in services {
            let name = last_segment(asked);
            match self.capacity.ecs_view(region, &cluster, name) {
                Some(v) => out.services.push(v),
                None if asked.starts_with("arn:") => out.missing.push(asked.clone()),
                None => out
                    .missing
                    .push(self.capacity.service_arn(region, &cluster, name)),
            }
        }
        Ok(out)
    }

    /// UpdateService's desiredCount (`None`: nothing to change, the service as it is).
    pub fn ecs_update_service(
        &mut self,
        region: &str,
        cluster: Option<&str>,
        service: &str,
        desired: Option<u32>,
    ) -> Result<EcsServiceView, CapacityError> {
        let cluster = self.ecs_cluster(region, cluster)?;
        let name = last_segment(service);
        let now = self.now;
        if let Some(d) = desired {
            self.capacity
                .ecs_set_desired(region, &cluster, name, d, now);
        }
        self.capacity
            .ecs_view(region, &cluster, name)
            .ok_or_else(|| CapacityError::ServiceNotFound("Service not found.".to_string()))
    }

    /// The cluster's name, if `region` has it.
    fn ecs_cluster(&self, region: &str, cluster: Option<&str>) -> Result<String, CapacityError> {
        let name = last_segment(cluster.unwrap_or("default"));
        if self.capacity.has_cluster(region, name) {
            Ok(name.to_string())
        } else {
            Err(CapacityError::ClusterNotFound(
                "Cluster not found.".to_string(),
            ))
        }
    }
}

/// `NAME` of `NAME`, `arn:…:cluster/NAME` or `arn:…:service/CLUSTER/NAME`.
fn last_segment(id: &str) -> &str {
    if id.starts_with("arn:") {
        id.rsplit('/').next().unwrap_or(id)
    } else {
        id
    }
}
