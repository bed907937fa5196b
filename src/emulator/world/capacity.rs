//! Compute capacity per Region: EC2 Auto Scaling groups and ECS services built from the
//! environment's `capacity:` section. Desired capacity moves at once; the instances and
//! tasks behind it take sim time to come into service (or never do while the Region is
//! short of capacity, fault `capacity_shortage`) and to leave.

use super::faults::FaultState;
pub use super::fleet::LifecycleState;
use super::fleet::{Fleet, INSTANCES, TASKS, ZONES};
use crate::config::{CapacityGroup, CapacityTarget};
use chrono::{DateTime, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Stands in for whatever the group's launch template names; the twin has no templates.
const INSTANCE_TYPE: &str = "m6i.large";
/// EC2 Auto Scaling API Reference, CreateAutoScalingGroup, DefaultCooldown:
/// "Default: 300 seconds".
const DEFAULT_COOLDOWN_S: u32 = 300;
/// One instance of an Auto Scaling group as DescribeAutoScalingGroups shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsgInstanceView {
    pub instance_id: String,
    pub instance_type: String,
    pub availability_zone: String,
    pub lifecycle_state: LifecycleState,
    /// EC2 Auto Scaling API Reference, Instance, HealthStatus: "Healthy" or
    /// "Unhealthy"; the twin's instances never fail health checks.
    pub health_status: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsgView {
    pub name: String,
    pub arn: String,
    pub min_size: u32,
    pub max_size: u32,
    pub desired_capacity: u32,
    pub default_cooldown: u32,
    pub availability_zones: Vec<String>,
    /// EC2 Auto Scaling API Reference, AutoScalingGroup, HealthCheckType: "EC2" is the
    /// default.
    pub health_check_type: &'static str,
    pub created_time: DateTime<Utc>,
    pub instances: Vec<AsgInstanceView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsServiceView {
    pub arn: String,
    pub name: String,
    pub cluster_arn: String,
    /// ECS API Reference, Service, status: ACTIVE, DRAINING or INACTIVE.
    pub status: &'static str,
    pub desired_count: u32,
    pub running_count: u32,
    pub pending_count: u32,
    /// ECS API Reference, Service, launchType: EC2 | FARGATE | EXTERNAL; the twin's
    /// services are Fargate.
    pub launch_type: &'static str,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Asg {
    region: String,
    name: String,
    arn: String,
    min: u32,
    max: u32,
    created: DateTime<Utc>,
    fleet: Fleet,
}

#[derive(Debug, Clone)]
struct EcsService {
    region: String,
    cluster: String,
    name: String,
    created: DateTime<Utc>,
    fleet: Fleet,
}

/// Every group and service, and the RNG their launch times come from (its own stream,
/// so that scaling calls cannot shift the lag walk of the databases).
#[derive(Debug, Clone)]
pub(super) struct CapacityBook {
    rng: ChaCha8Rng,
    account: String,
    asgs: Vec<Asg>,
    services: Vec<EcsService>,
}

impl CapacityBook {
    pub(super) fn new(
        groups: &[CapacityGroup],
        account: &str,
        seed: u64,
        created: DateTime<Utc>,
    ) -> CapacityBook {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xca9a_c17e_0000_0002);
        let mut asgs = Vec::new();
        let mut services = Vec::new();
        for g in groups {
            match &g.target {
                CapacityTarget::Asg { name } => {
                    let id = rng.random::<u128>();
                    asgs.push(Asg {
                        region: g.region.clone(),
                        name: name.clone(),
                        arn: asg_arn(&g.region, account, id, name),
                        min: 0,
                        max: g.max.max(g.initial),
                        created,
                        fleet: Fleet::new(g.initial, &mut rng),
                    });
                }
                CapacityTarget::EcsService { cluster, service } => services.push(EcsService {
                    region: g.region.clone(),
                    cluster: cluster.clone(),
                    name: service.clone(),
                    created,
                    fleet: Fleet::new(g.initial, &mut rng),
                }),
            }
        }
        CapacityBook {
            rng,
            account: account.to_string(),
            asgs,
            services,
        }
    }

    pub(super) fn tick(&mut self, now: DateTime<Utc>, faults: &FaultState) {
        for a in &mut self.asgs {
            let short = faults.capacity_short(&a.region);
            a.fleet.tick(now, short, INSTANCES, &mut self.rng);
        }
        for s in &mut self.services {
            let short = faults.capacity_short(&s.region);
            s.fleet.tick(now, short, TASKS, &mut self.rng);
        }
    }

    /// Groups of `region`, all of them or those named (in the environment's order).
    pub(super) fn asg_views(&self, region: &str, names: &[String]) -> Vec<AsgView> {
        self.asgs
            .iter()
            .filter(|a| a.region == region && (names.is_empty() || names.contains(&a.name)))
            .map(asg_view)
            .collect()
    }

    /// (min, max, desired) of a group, if `region` has it.
    pub(super) fn asg_sizes(&self, region: &str, name: &str) -> Option<(u32, u32, u32)> {
        self.asgs
            .iter()
            .find(|a| a.region == region && a.name == name)
            .map(|a| (a.min, a.max, a.fleet.desired))
    }

    /// Sets min, max and desired after the caller has checked them (see `capacity_api`).
    pub(super) fn asg_resize(
        &mut self,
        region: &str,
        name: &str,
        now: DateTime<Utc>,
        sizes: (u32, u32, u32),
    ) {
        if let Some(a) = self
            .asgs
            .iter_mut()
            .find(|a| a.region == region && a.name == name)
        {
            let (min, max, desired) = sizes;
            a.min = min;
            a.max = max;
            a.fleet.set_desired(desired, now, INSTANCES, &mut self.rng);
        }
    }

    pub(super) fn has_cluster(&self, region: &str, cluster: &str) -> bool {
        self.services
            .iter()
            .any(|s| s.region == region && s.cluster == cluster)
    }

    pub(super) fn ecs_view(
        &self,
        region: &str,
        cluster: &str,
        name: &str,
    ) -> Option<EcsServiceView> {
        self.services
            .iter()
            .find(|s| s.region == region && s.cluster == cluster && s.name == name)
            .map(|s| self.service_view(s))
    }

    pub(super) fn ecs_set_desired(
        &mut self,
        region: &str,
        cluster: &str,
        name: &str,
        desired: u32,
        now: DateTime<Utc>,
    ) -> bool {
        let found = self
            .services
            .iter_mut()
            .find(|s| s.region == region && s.cluster == cluster && s.name == name);
        match found {
            Some(s) => {
                s.fleet.set_desired(desired, now, TASKS, &mut self.rng);
                true
            }
            None => false,
        }
    }

    /// `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME` (ECS API Reference, Service,
    /// serviceArn: the long ARN format with the cluster name).
    pub(super) fn service_arn(&self, region: &str, cluster: &str, name: &str) -> String {
        format!(
            "arn:aws:ecs:{region}:{}:service/{cluster}/{name}",
            self.account
        )
    }

    pub(super) fn cluster_arn(&self, region: &str, cluster: &str) -> String {
        format!("arn:aws:ecs:{region}:{}:cluster/{cluster}", self.account)
    }

    fn service_view(&self, s: &EcsService) -> EcsServiceView {
        let (pending, running) = s.fleet.counts();
        EcsServiceView {
            arn: self.service_arn(&s.region, &s.cluster, &s.name),
            name: s.name.clone(),
            cluster_arn: self.cluster_arn(&s.region, &s.cluster),
            status: "ACTIVE",
            desired_count: s.fleet.desired,
            running_count: running,
            pending_count: pending,
            launch_type: "FARGATE",
            created_at: s.created,
        }
    }
}

/// EC2 Auto Scaling API Reference, AutoScalingGroup, AutoScalingGroupARN; the shape is
/// `arn:aws:autoscaling:REGION:ACCOUNT:autoScalingGroup:UUID:autoScalingGroupName/NAME`.
fn asg_arn(region: &str, account: &str, id: u128, name: &str) -> String {
    let h = format!("{id:032x}");
    format!(
        "arn:aws:autoscaling:{region}:{account}:autoScalingGroup:{}-{}-{}-{}-{}:autoScalingGroupName/{name}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn asg_view(a: &Asg) -> AsgView {
    let instances = a
        .fleet
        .units
        .iter()
        .map(|u| AsgInstanceView {
            instance_id: u.id.clone(),
            instance_type: INSTANCE_TYPE.to_string(),
            availability_zone: format!("{}{}", a.region, u.zone),
            lifecycle_state: u.lifecycle_state(),
            health_status: "Healthy",
        })
        .collect();
    AsgView {
        name: a.name.clone(),
        arn: a.arn.clone(),
        min_size: a.min,
        max_size: a.max,
        desired_capacity: a.fleet.desired,
        default_cooldown: DEFAULT_COOLDOWN_S,
        availability_zones: ZONES.iter().map(|z| format!("{}{z}", a.region)).collect(),
        health_check_type: "EC2",
        created_time: a.created,
        instances,
    }
}
