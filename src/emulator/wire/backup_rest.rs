//! AWS Backup in restJson1: the operation is the HTTP method and path, parameters
//! are in the path (percent-encoded) and the query string, replies are JSON with
//! timestamps in epoch seconds (restJson1's default for body members).
//!
//! Paths and parameter names are the AWS Backup API reference's Request Syntax
//! (which writes a trailing `/`; the SDK sends none, and both are routed):
//! `GET /backup-vaults/{backupVaultName}/recovery-points?resourceArn=…&maxResults=…
//! &nextToken=…` (ListRecoveryPointsByBackupVault),
//! `GET /resources/{resourceArn}/recovery-points` (ListRecoveryPointsByResource),
//! `GET /copy-jobs?resourceArn=…&destinationVaultArn=…` (ListCopyJobs),
//! `PUT /restore-jobs` with a JSON body (StartRestoreJob),
//! `GET /restore-jobs/{restoreJobId}` (DescribeRestoreJob),
//! `GET /restore-jobs/?status=…` (ListRestoreJobs); methods and paths as the
//! aws-sdk-backup 1.132 serializers (generated from AWS's model) send them.

use super::ApiError;
use crate::emulator::world::{
    BackupError, CopyJobView, RecoveryPointView, RestoreJobView, RestoreRequest, TwinWorld,
};
use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

/// MaxResults of the list calls: "Valid Range: Minimum value of 1. Maximum value of
/// 1000." (AWS Backup API reference, ListRecoveryPointsByBackupVault, ListCopyJobs).
const MAX_RESULTS: usize = 1000;
/// The page size when MaxResults is absent: AWS documents none; a twin choice small
/// enough that the console's paging is exercised by a few days of hourly points.
const DEFAULT_PAGE: usize = 50;

/// An operation and its path parameters, routed from method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    ListRecoveryPointsByBackupVault { vault: String },
    ListRecoveryPointsByResource { resource_arn: String },
    ListCopyJobs,
    StartRestoreJob,
    DescribeRestoreJob { id: String },
    ListRestoreJobs,
}

impl Route {
    pub fn operation(&self) -> &'static str {
        match self {
            Route::ListRecoveryPointsByBackupVault { .. } => "ListRecoveryPointsByBackupVault",
            Route::ListRecoveryPointsByResource { .. } => "ListRecoveryPointsByResource",
            Route::ListCopyJobs => "ListCopyJobs",
            Route::StartRestoreJob => "StartRestoreJob",
            Route::DescribeRestoreJob { .. } => "DescribeRestoreJob",
            Route::ListRestoreJobs => "ListRestoreJobs",
        }
    }
}

/// Routes a request; `None` is an unknown operation.
pub fn route(method: &str, path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let decode = |s: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    };
    match (method, segs.as_slice()) {
        ("GET", ["backup-vaults", vault, "recovery-points"]) => {
            Some(Route::ListRecoveryPointsByBackupVault {
                vault: decode(vault)?,
            })
        }
        ("GET", ["resources", arn, "recovery-points"]) => {
            Some(Route::ListRecoveryPointsByResource {
                resource_arn: decode(arn)?,
            })
        }
        ("GET", ["copy-jobs"]) => Some(Route::ListCopyJobs),
        ("PUT", ["restore-jobs"]) => Some(Route::StartRestoreJob),
        ("GET", ["restore-jobs"]) => Some(Route::ListRestoreJobs),
        ("GET", ["restore-jobs", id]) => Some(Route::DescribeRestoreJob { id: decode(id)? }),
        _ => None,
    }
}

/// Query parameters, decoded.
pub type Query = Vec<(String, String)>;

pub fn parse_query(q: &str) -> Query {
    form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn get<'a>(q: &'a Query, key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The AWS Backup error: HTTP status per the API reference's Errors sections
/// (ResourceNotFoundException 400, InvalidParameterValueException 400).
pub fn error_of(e: &BackupError) -> ApiError {
    match e {
        BackupError::NotFound(m) => ApiError::new(400, "ResourceNotFoundException", m.clone()),
        BackupError::InvalidParameter(m) => {
            ApiError::new(400, "InvalidParameterValueException", m.clone())
        }
    }
}

pub fn handle(
    world: &mut TwinWorld,
    region: &str,
    route: &Route,
    query: &Query,
    body: &Value,
) -> Result<Value, ApiError> {
    let page = page_size(query)?;
    let token = get(query, "nextToken");
    let after = time_param(query, "createdAfter")?;
    let before = time_param(query, "createdBefore")?;
    let in_window =
        |t: DateTime<Utc>| after.is_none_or(|a| t >= a) && before.is_none_or(|b| t <= b);
    match route {
        Route::ListRecoveryPointsByBackupVault { vault } => {
            let points = world
                .recovery_points_in_vault(region, vault, get(query, "resourceArn"))
                .map_err(|e| error_of(&e))?;
            let points: Vec<Value> = points
                .iter()
                .filter(|p| in_window(p.creation))
                .filter(|p| get(query, "resourceType").is_none_or(|t| t == p.resource_type))
                .map(point_by_vault)
                .collect();
            let (items, next) = paginate(points, page, token)?;
            Ok(with_token(json!({ "RecoveryPoints": items }), next))
        }
        Route::ListRecoveryPointsByResource { resource_arn } => {
            let points = world
                .recovery_points_of_resource(region, resource_arn)
                .map_err(|e| error_of(&e))?;
            let points: Vec<Value> = points.iter().map(point_by_resource).collect();
            let (items, next) = paginate(points, page, token)?;
            Ok(with_token(json!({ "RecoveryPoints": items }), next))
        }
        Route::ListCopyJobs => {
            let jobs = world.copy_jobs(
                region,
                get(query, "resourceArn"),
                get(query, "destinationVaultArn"),
            );
            let jobs: Vec<Value> = jobs
                .iter()
                .filter(|j| in_window(j.creation))
                .filter(|j| get(query, "state").is_none_or(|s| s == j.state))
                .map(|j| copy_job(world, j))
                .collect();
            let (items, next) = paginate(jobs, page, token)?;
            Ok(with_token(json!({ "CopyJobs": items }), next))
        }
        Route::StartRestoreJob => {
            let req = restore_request(body)?;
            let id = world
                .start_restore_job(region, &req)
                .map_err(|e| error_of(&e))?;
            Ok(json!({ "RestoreJobId": id }))
        }
        Route::DescribeRestoreJob { id } => world
            .restore_job(region, id)
            .map(|j| restore_job(world, &j))
            .map_err(|e| error_of(&e)),
        Route::ListRestoreJobs => {
            let jobs: Vec<Value> = world
                .restore_jobs(region)
                .iter()
                .filter(|j| in_window(j.created))
                .filter(|j| get(query, "status").is_none_or(|s| s == j.status))
                .map(|j| restore_job(world, j))
                .collect();
            let (items, next) = paginate(jobs, page, token)?;
            Ok(with_token(json!({ "RestoreJobs": items }), next))
        }
    }
}

/// StartRestoreJob's body; RecoveryPointArn and Metadata are required (API
/// reference: MissingParameterValueException, HTTP 400, when one is absent).
fn restore_request(body: &Value) -> Result<RestoreRequest, ApiError> {
    let missing = |what: &str| {
        ApiError::new(
            400,
            "MissingParameterValueException",
            format!("{what} is required"),
        )
    };
    let point_arn = body
        .get("RecoveryPointArn")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("RecoveryPointArn"))?
        .to_string();
    let metadata = body
        .get("Metadata")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("Metadata"))?
        .iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|v| (k.clone(), v.to_string()))
                .ok_or_else(|| {
                    ApiError::new(
                        400,
                        "InvalidParameterValueException",
                        format!("Metadata value of {k} must be a string"),
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(RestoreRequest {
        point_arn,
        metadata,
        iam_role_arn: text("IamRoleArn"),
        idempotency_token: text("IdempotencyToken"),
        resource_type: text("ResourceType"),
    })
}

/// DescribeRestoreJob's output and RestoreJobsListMember (same members).
fn restore_job(world: &TwinWorld, j: &RestoreJobView) -> Value {
    let mut v = json!({
        "AccountId": world.account(),
        "RestoreJobId": j.id,
        "RecoveryPointArn": j.point_arn,
        "RecoveryPointCreationDate": epoch(j.point_created),
        "BackupVaultArn": j.vault_arn,
        "ResourceType": j.resource_type,
        "Status": j.status,
        "PercentDone": j.percent_done,
        "CreationDate": epoch(j.created),
        "ExpectedCompletionTimeMinutes": j.expected_minutes,
    });
    if let Some(obj) = v.as_object_mut() {
        let mut opt = |k: &str, x: Option<Value>| {
            if let Some(x) = x {
                obj.insert(k.into(), x);
            }
        };
        opt("IamRoleArn", j.iam_role_arn.as_ref().map(|s| json!(s)));
        opt("StatusMessage", j.status_message.as_ref().map(|s| json!(s)));
        opt("CompletionDate", j.completed.map(epoch));
        opt(
            "CreatedResourceArn",
            j.created_resource_arn.as_ref().map(|s| json!(s)),
        );
    }
    v
}

fn page_size(query: &Query) -> Result<usize, ApiError> {
    match get(query, "maxResults") {
        None => Ok(DEFAULT_PAGE),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_RESULTS).contains(&n) => Ok(n),
            _ => Err(ApiError::new(
                400,
                "InvalidParameterValueException",
                format!("maxResults {v} is not within 1..={MAX_RESULTS}"),
            )),
        },
    }
}

/// Query timestamps in restJson1 are ISO 8601 date-time strings.
fn time_param(query: &Query, key: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    get(query, key)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    ApiError::new(
                        400,
                        "InvalidParameterValueException",
                        format!("{key} `{v}` is not an ISO 8601 date-time: {e}"),
                    )
                })
        })
        .transpose()
}

/// Pages by position; the token is opaque to the client.
fn paginate(
    items: Vec<Value>,
    page: usize,
    token: Option<&str>,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let start = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("twin-page-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "InvalidParameterValueException",
                    format!("nextToken `{t}` is not one this service issued"),
                )
            })?,
    };
    let end = (start + page).min(items.len());
    let next = (end < items.len()).then(|| format!("twin-page-{end}"));
    Ok((items[start..end].to_vec(), next))
}

fn with_token(mut v: Value, next: Option<String>) -> Value {
    if let (Some(t), Some(obj)) = (next, v.as_object_mut()) {
        obj.insert("NextToken".into(), Value::String(t));
    }
    v
}

fn epoch(t: DateTime<Utc>) -> Value {
    json!(t.timestamp_millis() as f64 / 1000.0)
}

/// RecoveryPointByBackupVault (API reference, Data Types).
fn point_by_vault(p: &RecoveryPointView) -> Value {
    let mut v = json!({
        "RecoveryPointArn": p.arn,
        "BackupVaultName": p.vault_name,
        "BackupVaultArn": p.vault_arn,
        "ResourceArn": p.resource_arn,
        "ResourceType": p.resource_type,
        "IamRoleArn": p.iam_role_arn,
        "Status": p.status,
        "CreationDate": epoch(p.creation),
        "InitiationDate": epoch(p.initiation),
        "IsEncrypted": true,
        "IsParent": false,
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some(s) = &p.source_vault_arn {
            obj.insert("SourceBackupVaultArn".into(), json!(s));
        }
        if let Some(c) = p.completion {
            obj.insert("CompletionDate".into(), epoch(c));
        }
    }
    v
}

/// RecoveryPointByResource (API reference, Data Types).
fn point_by_resource(p: &RecoveryPointView) -> Value {
    json!({
        "RecoveryPointArn": p.arn,
        "BackupVaultName": p.vault_name,
        "Status": p.status,
        "CreationDate": epoch(p.creation),
        "IsParent": false,
    })
}

/// CopyJob (API reference, Data Types).
fn copy_job(world: &TwinWorld, j: &CopyJobView) -> Value {
    let mut v = json!({
        "AccountId": world.account(),
        "CopyJobId": j.id,
        "SourceBackupVaultArn": j.source_vault_arn,
        "SourceRecoveryPointArn": j.source_point_arn,
        "DestinationBackupVaultArn": j.dest_vault_arn,
        "ResourceArn": j.resource_arn,
        "ResourceType": j.resource_type,
        "IamRoleArn": j.iam_role_arn,
        "State": j.state,
        "CreationDate": epoch(j.creation),
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some(d) = &j.dest_point_arn {
            obj.insert("DestinationRecoveryPointArn".into(), json!(d));
        }
        if let Some(c) = j.completion {
            obj.insert("CompletionDate".into(), epoch(c));
        }
        if let Some(m) = &j.status_message {
            obj.insert("StatusMessage".into(), json!(m));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_follow_the_api_reference_request_syntax() {
        assert_eq!(
            route("GET", "/backup-vaults/orders-dr-vault/recovery-points/"),
            Some(Route::ListRecoveryPointsByBackupVault {
                vault: "orders-dr-vault".into()
            })
        );
        assert_eq!(
            route(
                "GET",
                "/resources/arn%3Aaws%3Ards%3Aus-east-1%3A1%3Acluster%3Ax/recovery-points/"
            ),
            Some(Route::ListRecoveryPointsByResource {
                resource_arn: "arn:aws:rds:us-east-1:1:cluster:x".into()
            })
        );
        assert_eq!(route("GET", "/copy-jobs/"), Some(Route::ListCopyJobs));
        assert_eq!(route("POST", "/copy-jobs/"), None);
        assert_eq!(route("PUT", "/restore-jobs"), Some(Route::StartRestoreJob));
        assert_eq!(
            route("GET", "/restore-jobs/ABC-1"),
            Some(Route::DescribeRestoreJob { id: "ABC-1".into() })
        );
        assert_eq!(route("GET", "/restore-jobs/"), Some(Route::ListRestoreJobs));
        assert_eq!(route("GET", "/nothing/"), None);
    }

    #[test]
    fn pages_carry_a_token_until_the_last() {
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let (a, t) = paginate(items.clone(), 2, None).unwrap();
        assert_eq!((a.len(), t.as_deref()), (2, Some("twin-page-2")));
        let (b, t) = paginate(items.clone(), 2, t.as_deref()).unwrap();
        assert_eq!(
            (b, t.as_deref()),
            (vec![json!(2), json!(3)], Some("twin-page-4"))
        );
        let (c, t) = paginate(items.clone(), 2, t.as_deref()).unwrap();
        assert_eq!((c, t), (vec![json!(4)], None));
        assert!(paginate(items, 2, Some("bogus")).is_err());
    }

    #[test]
    fn max_results_outside_1_to_1000_is_invalid() {
        for bad in ["0", "1001", "x"] {
            let q = vec![("maxResults".to_string(), bad.to_string())];
            assert_eq!(
                page_size(&q).unwrap_err().code,
                "InvalidParameterValueException"
            );
        }
    }
}
