//! CloudWatch GetMetricData and DescribeAlarms over the protocol-neutral value tree, so
//! rpcv2Cbor (the Rust SDK) and awsJson1_0 (boto3, AWS CLI) share one set of handlers.

pub mod cbor;
pub mod json;
mod value;

pub use value::Value;

use super::ApiError;
use crate::emulator::world::{AlarmView, MetricQuery, TwinWorld};
use crate::model::AlarmState;

/// GetMetricData's documented cap on queries per call.
const MAX_QUERIES: usize = 500;
const MAX_ALARM_NAMES: usize = 100;

pub fn handle(world: &TwinWorld, region: &str, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "GetMetricData" => get_metric_data(world, region, input),
        "DescribeAlarms" => describe_alarms(world, region, input),
        _ => Err(ApiError::new(
            400,
            "UnknownOperationException",
            format!("Unknown operation {op}"),
        )),
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterValue", message)
}

fn missing(name: &str) -> ApiError {
    ApiError::new(
        400,
        "MissingParameter",
        format!("The parameter {name} is required."),
    )
}

fn get_metric_data(world: &TwinWorld, region: &str, input: &Value) -> Result<Value, ApiError> {
    let queries = input
        .get("MetricDataQueries")
        .ok_or_else(|| missing("MetricDataQueries"))?
        .as_list()
        .ok_or_else(|| invalid("MetricDataQueries must be a list"))?;
    if queries.len() > MAX_QUERIES {
        return Err(invalid(format!(
            "MetricDataQueries has {} entries; at most {MAX_QUERIES} are allowed",
            queries.len()
        )));
    }
    let start = time(input, "StartTime")?;
    let end = time(input, "EndTime")?;
    if start >= end {
        return Err(invalid("StartTime must be before EndTime"));
    }
    let ascending = input.get("ScanBy").and_then(Value::as_str) == Some("TimestampAscending");
    let mut results = Vec::with_capacity(queries.len());
    for q in queries {
        let id = q
            .get("Id")
            .and_then(Value::as_str)
            .ok_or_else(|| missing("MetricDataQueries.Id"))?;
        let query = metric_query(q, start, end)?;
        if q.get("ReturnData") == Some(&Value::Bool(false)) {
            continue;
        }
        let mut series = world.cw_metric(region, &query);
        if ascending {
            series.timestamps.reverse();
            series.values.reverse();
        }
        let label = q
            .get("Label")
            .and_then(Value::as_str)
            .unwrap_or(&query.metric_name)
            .to_string();
        results.push(Value::map(vec![
            ("Id", Value::str(id)),
            ("Label", Value::Str(label)),
            (
                "Timestamps",
                Value::List(series.timestamps.into_iter().map(Value::Time).collect()),
            ),
            (
                "Values",
                Value::List(series.values.into_iter().map(Value::Float).collect()),
            ),
            ("StatusCode", Value::str("Complete")),
        ]));
    }
    Ok(Value::map(vec![
        ("MetricDataResults", Value::List(results)),
        ("Messages", Value::List(Vec::new())),
    ]))
}

fn time(input: &Value, key: &str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    input
        .get(key)
        .ok_or_else(|| missing(key))?
        .as_time()
        .ok_or_else(|| invalid(format!("{key} must be a timestamp")))
}

fn metric_query(
    q: &Value,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Result<MetricQuery, ApiError> {
    let Some(stat) = q.get("MetricStat") else {
        return Err(if q.get("Expression").is_some() {
            invalid("The twin does not evaluate metric math expressions; use MetricStat")
        } else {
            missing("MetricDataQueries.MetricStat")
        });
    };
    let metric = stat
        .get("Metric")
        .ok_or_else(|| missing("MetricStat.Metric"))?;
    let text = |v: &Value, key: &str| -> Result<String, ApiError> {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| missing(key))
    };
    let mut dimensions = Vec::new();
    for d in metric
        .get("Dimensions")
        .and_then(Value::as_list)
        .unwrap_or_default()
    {
        dimensions.push((text(d, "Name")?, text(d, "Value")?));
    }
    let period = stat
        .get("Period")
        .ok_or_else(|| missing("MetricStat.Period"))?
        .as_i64()
        .filter(|p| *p > 0)
        .ok_or_else(|| invalid("MetricStat.Period must be a positive integer"))?;
    Ok(MetricQuery {
        namespace: text(metric, "Namespace")?,
        metric_name: text(metric, "MetricName")?,
        dimensions,
        start,
        end,
        period_s: period as u64,
        stat: text(stat, "Stat")?,
    })
}

fn describe_alarms(world: &TwinWorld, region: &str, input: &Value) -> Result<Value, ApiError> {
    let mut names = Vec::new();
    for n in input
        .get("AlarmNames")
        .and_then(Value::as_list)
        .unwrap_or_default()
    {
        let name = n
            .as_str()
            .ok_or_else(|| invalid("AlarmNames must list strings"))?;
        names.push(name.to_string());
    }
    if names.len() > MAX_ALARM_NAMES {
        return Err(invalid("AlarmNames may list at most 100 names"));
    }
    let state = match input.get("StateValue") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .and_then(AlarmState::parse)
                .ok_or_else(|| invalid("StateValue must be OK, ALARM or INSUFFICIENT_DATA"))?,
        ),
    };
    let prefix = match input.get("AlarmNamePrefix") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .ok_or_else(|| invalid("AlarmNamePrefix must be a string"))?,
        ),
    };
    // CloudWatch API Reference, DescribeAlarms, AlarmNamePrefix: "If this parameter
    // is specified, you cannot specify AlarmNames." The error for both is Common
    // Errors' InvalidParameterCombination ("Parameters that must not be used together
    // were used together", HTTP 400); AWS does not document which code this exact
    // case returns, so that code is the twin's reading.
    if prefix.is_some() && input.get("AlarmNames").is_some() {
        return Err(ApiError::new(
            400,
            "InvalidParameterCombination",
            "AlarmNamePrefix and AlarmNames cannot be specified together",
        ));
    }
    // Without AlarmTypes only metric alarms are returned (AWS-FACTS.md; CloudWatch API
    // reference, DescribeAlarms: "If you omit this parameter, only metric alarms are
    // returned").
    let mut types = Vec::new();
    for t in input
        .get("AlarmTypes")
        .and_then(Value::as_list)
        .unwrap_or_default()
    {
        match t.as_str() {
            Some(w @ ("MetricAlarm" | "CompositeAlarm")) => types.push(w),
            _ => {
                return Err(invalid(
                    "AlarmTypes must list MetricAlarm or CompositeAlarm",
                ));
            }
        }
    }
    if types.is_empty() {
        types.push("MetricAlarm");
    }
    let matching: Vec<AlarmView> = world
        .cw_alarms(region, &names)
        .into_iter()
        .filter(|a| state.is_none_or(|s| a.state == s))
        .filter(|a| prefix.is_none_or(|p| a.name.starts_with(p)))
        .collect();
    let metric: Vec<Value> = matching
        .iter()
        .filter(|a| a.composite_rule.is_none() && types.contains(&"MetricAlarm"))
        .map(alarm)
        .collect();
    let composite: Vec<Value> = matching
        .iter()
        .filter(|_| types.contains(&"CompositeAlarm"))
        .filter_map(|a| {
            a.composite_rule
                .as_deref()
                .map(|rule| composite_alarm(a, rule))
        })
        .collect();
    Ok(Value::map(vec![
        ("MetricAlarms", Value::List(metric)),
        ("CompositeAlarms", Value::List(composite)),
    ]))
}

fn composite_alarm(a: &AlarmView, rule: &str) -> Value {
    Value::map(vec![
        ("AlarmName", Value::str(&a.name)),
        ("AlarmArn", Value::str(&a.arn)),
        ("ActionsEnabled", Value::Bool(true)),
        ("AlarmRule", Value::str(rule)),
        ("StateValue", Value::str(a.state.as_str())),
        ("StateReason", Value::str(&a.reason)),
        ("StateUpdatedTimestamp", Value::Time(a.updated)),
        ("StateTransitionedTimestamp", Value::Time(a.updated)),
    ])
}

fn alarm(a: &AlarmView) -> Value {
    Value::map(vec![
        ("AlarmName", Value::str(&a.name)),
        ("AlarmArn", Value::str(&a.arn)),
        ("ActionsEnabled", Value::Bool(true)),
        ("StateValue", Value::str(a.state.as_str())),
        ("StateReason", Value::str(&a.reason)),
        ("StateUpdatedTimestamp", Value::Time(a.updated)),
        ("StateTransitionedTimestamp", Value::Time(a.updated)),
        ("MetricName", Value::str(&a.metric_name)),
        ("Namespace", Value::str(&a.namespace)),
        ("Dimensions", Value::List(Vec::new())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;
    use chrono::DateTime;

    fn world() -> TwinWorld {
        let env = Environment::builtin_default().expect("default env");
        TwinWorld::new(&env, 1, chrono::Utc::now())
    }

    fn names(out: &Value) -> Vec<String> {
        out.get("MetricAlarms")
            .and_then(Value::as_list)
            .unwrap_or_default()
            .iter()
            .filter_map(|a| a.get("AlarmName").and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn describe_alarms_by_prefix_is_regional() {
        let w = world();
        let by_prefix = Value::map(vec![("AlarmNamePrefix", Value::str("orders-api-5xx"))]);
        let out = describe_alarms(&w, "us-west-2", &by_prefix).unwrap();
        assert_eq!(names(&out), ["orders-api-5xx-usw2"]);
        let out = describe_alarms(&w, "us-east-1", &by_prefix).unwrap();
        assert_eq!(names(&out), ["orders-api-5xx-use1"]);
        let none = Value::map(vec![("AlarmNamePrefix", Value::str("nothing-"))]);
        assert!(names(&describe_alarms(&w, "us-east-1", &none).unwrap()).is_empty());
    }

    #[test]
    fn alarm_names_and_prefix_together_are_refused() {
        let w = world();
        let both = Value::map(vec![
            ("AlarmNamePrefix", Value::str("orders")),
            (
                "AlarmNames",
                Value::List(vec![Value::str("orders-api-5xx-use1")]),
            ),
        ]);
        let e = describe_alarms(&w, "us-east-1", &both).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (400, "InvalidParameterCombination")
        );
    }

    fn query_tree() -> Value {
        Value::map(vec![
            ("Id", Value::str("m1")),
            (
                "MetricStat",
                Value::map(vec![
                    (
                        "Metric",
                        Value::map(vec![
                            ("Namespace", Value::str("AWS/RDS")),
                            ("MetricName", Value::str("AuroraGlobalDBReplicationLag")),
                            (
                                "Dimensions",
                                Value::List(vec![Value::map(vec![
                                    ("Name", Value::str("DBClusterIdentifier")),
                                    ("Value", Value::str("orders-usw2")),
                                ])]),
                            ),
                        ]),
                    ),
                    ("Period", Value::Int(60)),
                    ("Stat", Value::str("Average")),
                ]),
            ),
        ])
    }

    #[test]
    fn metric_stat_becomes_a_world_query() {
        let s = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let e = DateTime::from_timestamp(1_800_000_600, 0).unwrap();
        let q = metric_query(&query_tree(), s, e).unwrap();
        assert_eq!(q.metric_name, "AuroraGlobalDBReplicationLag");
        assert_eq!(
            q.dimensions,
            vec![("DBClusterIdentifier".into(), "orders-usw2".into())]
        );
        assert_eq!((q.period_s, q.stat.as_str()), (60, "Average"));
    }

    #[test]
    fn expressions_and_missing_periods_are_rejected() {
        let s = DateTime::from_timestamp(0, 0).unwrap();
        let expr = Value::map(vec![
            ("Id", Value::str("e")),
            ("Expression", Value::str("m1*2")),
        ]);
        assert_eq!(
            metric_query(&expr, s, s).unwrap_err().code,
            "InvalidParameterValue"
        );
        let Value::Map(mut pairs) = query_tree() else {
            unreachable!()
        };
        if let Some((_, Value::Map(stat))) = pairs.iter_mut().find(|(k, _)| k == "MetricStat") {
            stat.retain(|(k, _)| k != "Period");
        }
        assert_eq!(
            metric_query(&Value::Map(pairs), s, s).unwrap_err().code,
            "MissingParameter"
        );
    }
}
