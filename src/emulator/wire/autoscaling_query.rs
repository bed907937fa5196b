//! EC2 Auto Scaling in awsQuery (`Action=…&Version=2011-01-01`, signing name
//! `autoscaling`): DescribeAutoScalingGroups, UpdateAutoScalingGroup and
//! SetDesiredCapacity, answered in the 2011-01-01 XML namespace.

use super::query::Params;
use super::xml::Xml;
use super::{ApiError, Protocol};
use crate::emulator::world::{AsgSizeChange, AsgView, CapacityError, TwinWorld};
use chrono::SecondsFormat;

pub const AUTOSCALING_XMLNS: &str = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
/// EC2 Auto Scaling API Reference, DescribeAutoScalingGroups, MaxRecords: "The default
/// value is 50 and the maximum value is 100."
const DEFAULT_RECORDS: usize = 50;
const MAX_RECORDS: usize = 100;
/// Obscures the page offset so that clients treat NextToken as opaque.
const TOKEN_MASK: u64 = 0x2011_0101_a5ca_1e00;

pub fn handle(
    world: &mut TwinWorld,
    region: &str,
    op: &str,
    params: &Params,
    request_id: &str,
) -> Result<String, ApiError> {
    let mut x = Xml::new();
    x.open_ns(&format!("{op}Response"), AUTOSCALING_XMLNS);
    match op {
        "DescribeAutoScalingGroups" => {
            let names: Vec<String> = params
                .members("AutoScalingGroupNames")
                .into_iter()
                .map(str::to_string)
                .collect();
            let all = world.asg_describe(region, &names);
            let (start, end) = page(params, all.len())?;
            x.open("DescribeAutoScalingGroupsResult")
                .open("AutoScalingGroups");
            for g in &all[start..end] {
                group(&mut x, g);
            }
            x.close("AutoScalingGroups");
            if end < all.len() {
                x.text("NextToken", &format!("{:016x}", end as u64 ^ TOKEN_MASK));
            }
            x.close("DescribeAutoScalingGroupsResult");
        }
        "UpdateAutoScalingGroup" => {
            let name = params.required("AutoScalingGroupName")?;
            let change = AsgSizeChange {
                min_size: size(params, "MinSize")?,
                max_size: size(params, "MaxSize")?,
                desired_capacity: size(params, "DesiredCapacity")?,
            };
            world
                .asg_update(region, name, change)
                .map_err(capacity_error)?;
        }
        "SetDesiredCapacity" => {
            let name = params.required("AutoScalingGroupName")?;
            params.required("DesiredCapacity")?;
            let desired = size(params, "DesiredCapacity")?.unwrap_or_default();
            // HonorCooldown is read for its type only: the twin keeps no cooldown.
            params.bool("HonorCooldown")?;
            world
                .asg_set_desired(region, name, desired)
                .map_err(capacity_error)?;
        }
        _ => return Err(Protocol::AutoScalingQuery.unknown_operation(op)),
    }
    // Operations without output answer with ResponseMetadata alone.
    x.open("ResponseMetadata")
        .text("RequestId", request_id)
        .close("ResponseMetadata")
        .close(&format!("{op}Response"));
    Ok(x.finish())
}

pub fn capacity_error(e: CapacityError) -> ApiError {
    match e {
        CapacityError::AsgValidation(m) => ApiError::new(400, "ValidationError", m),
        // Not reachable from Auto Scaling calls; mapped for completeness.
        CapacityError::ClusterNotFound(m) => ApiError::new(400, "ClusterNotFoundException", m),
        CapacityError::ServiceNotFound(m) => ApiError::new(400, "ServiceNotFoundException", m),
    }
}

/// A size parameter (MinSize, MaxSize, DesiredCapacity): a non-negative integer.
fn size(params: &Params, key: &str) -> Result<Option<u32>, ApiError> {
    match params.get(key) {
        None => Ok(None),
        Some(v) => v.trim().parse::<u32>().map(Some).map_err(|_| {
            // The twin's wording: the API reference types these as Integer and gives
            // no message for a value that is not one.
            ApiError::new(
                400,
                "ValidationError",
                format!("Value '{v}' at '{key}' failed to satisfy constraint: Member must be a non-negative integer"),
            )
        }),
    }
}

/// The page `[start, end)` that MaxRecords and NextToken select.
fn page(params: &Params, len: usize) -> Result<(usize, usize), ApiError> {
    let max = match params.get("MaxRecords") {
        None => DEFAULT_RECORDS,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_RECORDS).contains(n))
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "ValidationError",
                    format!("MaxRecords {v} must be between 1 and {MAX_RECORDS}"),
                )
            })?,
    };
    let start = match params.get("NextToken") {
        None | Some("") => 0,
        // EC2 Auto Scaling API Reference, DescribeAutoScalingGroups, Errors:
        // InvalidNextToken, "The NextToken value is not valid", HTTP 400.
        Some(t) => u64::from_str_radix(t, 16)
            .ok()
            .map(|raw| raw ^ TOKEN_MASK)
            .and_then(|o| usize::try_from(o).ok())
            .filter(|o| *o <= len)
            .ok_or_else(|| {
                ApiError::new(400, "InvalidNextToken", "The NextToken value is not valid.")
            })?,
    };
    Ok((start, start.saturating_add(max).min(len)))
}

/// One `member` of AutoScalingGroups, in the AutoScalingGroup data type's element names
/// (EC2 Auto Scaling API Reference, AutoScalingGroup; every member it marks Required:
/// Yes is present).
fn group(x: &mut Xml, g: &AsgView) {
    x.open("member")
        .text("AutoScalingGroupName", &g.name)
        .text("AutoScalingGroupARN", &g.arn)
        .text("MinSize", &g.min_size.to_string())
        .text("MaxSize", &g.max_size.to_string())
        .text("DesiredCapacity", &g.desired_capacity.to_string())
        .text("DefaultCooldown", &g.default_cooldown.to_string())
        .list("AvailabilityZones", "member", &g.availability_zones)
        .text("HealthCheckType", g.health_check_type)
        .open("Instances");
    // EC2 Auto Scaling API Reference, Instance: InstanceId, AvailabilityZone,
    // LifecycleState, HealthStatus and ProtectedFromScaleIn are required.
    for i in &g.instances {
        x.open("member")
            .text("InstanceId", &i.instance_id)
            .text("InstanceType", &i.instance_type)
            .text("AvailabilityZone", &i.availability_zone)
            .text("LifecycleState", i.lifecycle_state.as_str())
            .text("HealthStatus", i.health_status)
            .bool("ProtectedFromScaleIn", false)
            .close("member");
    }
    x.close("Instances")
        .text(
            "CreatedTime",
            &g.created_time.to_rfc3339_opts(SecondsFormat::Millis, true),
        )
        .close("member");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;
    use chrono::{TimeZone, Utc};

    fn world() -> TwinWorld {
        let env = Environment::builtin_default().expect("default env");
        let t0 = Utc
            .with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
            .single()
            .expect("valid time");
        TwinWorld::new(&env, 1, t0)
    }

    fn call(w: &mut TwinWorld, body: &str) -> Result<String, ApiError> {
        let p = Params::parse("", body.as_bytes()).expect("form");
        let op = p.get("Action").unwrap_or_default().to_string();
        handle(w, "us-east-1", &op, &p, "req-1")
    }

    #[test]
    fn describe_uses_the_2011_namespace_and_pages() {
        let mut w = world();
        let all = call(&mut w, "Action=DescribeAutoScalingGroups").expect("ok");
        assert!(all.contains(
            "<DescribeAutoScalingGroupsResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
        ));
        assert!(all.contains("<AutoScalingGroupName>orders-web-use1</AutoScalingGroupName>"));
        assert!(all.contains("<LifecycleState>InService</LifecycleState>"));
        assert!(!all.contains("NextToken"));
        let none = call(
            &mut w,
            "Action=DescribeAutoScalingGroups&AutoScalingGroupNames.member.1=nope",
        )
        .expect("unknown names are no error");
        assert!(none.contains("<AutoScalingGroups></AutoScalingGroups>"));
        let bad = call(&mut w, "Action=DescribeAutoScalingGroups&NextToken=zz").expect_err("token");
        assert_eq!(bad.code, "InvalidNextToken");
    }

    #[test]
    fn set_desired_checks_bounds_and_required_parameters() {
        let mut w = world();
        let e = call(
            &mut w,
            "Action=SetDesiredCapacity&AutoScalingGroupName=orders-web-use1&DesiredCapacity=99",
        )
        .expect_err("above max");
        assert_eq!((e.status, e.code.as_str()), (400, "ValidationError"));
        let e = call(
            &mut w,
            "Action=SetDesiredCapacity&AutoScalingGroupName=orders-web-use1",
        )
        .expect_err("missing");
        assert_eq!(e.code, "MissingParameter");
        let ok = call(
            &mut w,
            "Action=UpdateAutoScalingGroup&AutoScalingGroupName=orders-web-use1&DesiredCapacity=8",
        )
        .expect("ok");
        assert!(ok.contains("<UpdateAutoScalingGroupResponse"));
        assert!(ok.contains("<RequestId>req-1</RequestId>"));
    }
}
