//! Amazon Route 53 (restXml, SigV4 signing name `route53`; a global service, signed
//! for us-east-1). Reads only, over the twin's derived zone and health checks
//! (`world::route53` says what they are and why).
//!
//! Paths and query parameter names are those of aws-sdk-route53 1.132's serializers
//! (`operation/*`), matching the Route 53 API Reference's Request Syntax:
//! `GET /2013-04-01/hostedzone?marker=&maxitems=` (ListHostedZones),
//! `GET /2013-04-01/hostedzone/{Id}` (GetHostedZone),
//! `GET /2013-04-01/hostedzone/{Id}/rrset?name=&type=&identifier=&maxitems=`
//! (ListResourceRecordSets), `GET /2013-04-01/healthcheck?marker=&maxitems=`
//! (ListHealthChecks), `GET /2013-04-01/healthcheck/{HealthCheckId}` (GetHealthCheck).
//! Element names are those of the SDK's deserializers (`protocol_serde/*`), every
//! document in the 2013-04-01 namespace; errors are `<ErrorResponse><Error>` with
//! Type, Code, Message (`rest_xml_wrapped_errors`).

use super::ApiError;
use super::backup_rest::Query;
use super::protocol::ROUTE53_XMLNS;
use super::xml::Xml;
use crate::emulator::world::{
    HealthCheckKind, HealthCheckView, HostedZoneView, NAME_SERVERS, RecordRouting, RecordView,
    TwinWorld, reversed_labels,
};
use percent_encoding::percent_decode_str;

const API_VERSION: &str = "2013-04-01";
/// Route 53 API Reference, ListHostedZones and ListHealthChecks: maxitems defaults to
/// 100, and "If you set MaxItems to a value greater than 100, Route 53 returns only
/// the first 100".
const LIST_MAX: usize = 100;
/// Route 53 API Reference, ListResourceRecordSets: "returns up to 300 resource record
/// sets at a time"; maxitems defaults to 300.
const RRSET_MAX: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    ListHostedZones,
    GetHostedZone { id: String },
    ListResourceRecordSets { zone: String },
    ListHealthChecks,
    GetHealthCheck { id: String },
}

impl Route {
    pub fn operation(&self) -> &'static str {
        match self {
            Route::ListHostedZones => "ListHostedZones",
            Route::GetHostedZone { .. } => "GetHostedZone",
            Route::ListResourceRecordSets { .. } => "ListResourceRecordSets",
            Route::ListHealthChecks => "ListHealthChecks",
            Route::GetHealthCheck { .. } => "GetHealthCheck",
        }
    }
}

pub fn route(method: &str, path: &str) -> Option<Route> {
    if method != "GET" {
        return None;
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let d = |s: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
            .filter(|s| !s.is_empty())
    };
    match segs.as_slice() {
        [API_VERSION, "hostedzone"] => Some(Route::ListHostedZones),
        [API_VERSION, "hostedzone", id] => Some(Route::GetHostedZone { id: d(id)? }),
        [API_VERSION, "hostedzone", id, "rrset"] => {
            Some(Route::ListResourceRecordSets { zone: d(id)? })
        }
        [API_VERSION, "healthcheck"] => Some(Route::ListHealthChecks),
        [API_VERSION, "healthcheck", id] => Some(Route::GetHealthCheck { id: d(id)? }),
        _ => None,
    }
}

fn get<'a>(q: &'a Query, key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Route 53 API Reference, every action's Errors: InvalidInput, HTTP 400.
fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidInput", message)
}

/// Route 53 API Reference, ListResourceRecordSets / GetHostedZone Errors:
/// NoSuchHostedZone, "No hosted zone exists with the ID that you specified", HTTP 404.
fn no_such_zone(id: &str) -> ApiError {
    ApiError::new(
        404,
        "NoSuchHostedZone",
        format!("No hosted zone found with ID: {id}"),
    )
}

/// The requested page size: (size to use, the value to echo as MaxItems).
fn max_items(q: &Query, default: usize, cap: usize) -> Result<(usize, String), ApiError> {
    match get(q, "maxitems") {
        None => Ok((default, default.to_string())),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => Ok((n.min(cap), v.to_string())),
            _ => Err(invalid(format!("maxitems {v} is not a positive integer"))),
        },
    }
}

/// The hosted zone Id as the SDK and boto3 send it: they strip `/hostedzone/`, but
/// accept either.
fn zone_id(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
        .trim_start_matches("hostedzone/")
}

pub fn handle(world: &TwinWorld, route: &Route, query: &Query) -> Result<String, ApiError> {
    let r53 = world.route53();
    let mut x = Xml::new();
    match route {
        Route::ListHostedZones => {
            let (max, echo) = max_items(query, LIST_MAX, LIST_MAX)?;
            let zones = [r53.zone.clone()];
            let start = marker_start(query, &zones, |z| z.id.as_str())?;
            let end = (start + max).min(zones.len());
            x.open_ns("ListHostedZonesResponse", ROUTE53_XMLNS)
                .open("HostedZones");
            for z in &zones[start..end] {
                hosted_zone(&mut x, z);
            }
            x.close("HostedZones")
                .text("Marker", get(query, "marker").unwrap_or(""))
                .bool("IsTruncated", end < zones.len());
            if let Some(next) = zones.get(end) {
                x.text("NextMarker", &next.id);
            }
            x.text("MaxItems", &echo).close("ListHostedZonesResponse");
        }
        Route::GetHostedZone { id } => {
            if zone_id(id) != r53.zone.id {
                return Err(no_such_zone(zone_id(id)));
            }
            x.open_ns("GetHostedZoneResponse", ROUTE53_XMLNS);
            hosted_zone(&mut x, &r53.zone);
            x.open("DelegationSet").open("NameServers");
            for ns in NAME_SERVERS {
                x.text("NameServer", ns.trim_end_matches('.'));
            }
            x.close("NameServers")
                .close("DelegationSet")
                .close("GetHostedZoneResponse");
        }
        Route::ListResourceRecordSets { zone } => {
            if zone_id(zone) != r53.zone.id {
                return Err(no_such_zone(zone_id(zone)));
            }
            let (max, echo) = max_items(query, RRSET_MAX, RRSET_MAX)?;
            let start = rrset_start(query, &r53.records)?;
            let end = (start + max).min(r53.records.len());
            x.open_ns("ListResourceRecordSetsResponse", ROUTE53_XMLNS)
                .open("ResourceRecordSets");
            for r in &r53.records[start..end] {
                record(&mut x, r);
            }
            x.close("ResourceRecordSets")
                .bool("IsTruncated", end < r53.records.len());
            // ListResourceRecordSets: NextRecordName / NextRecordType name the first
            // record of the next page; NextRecordIdentifier only when it has a
            // SetIdentifier.
            if let Some(next) = r53.records.get(end) {
                x.text("NextRecordName", &next.name)
                    .text("NextRecordType", next.rtype)
                    .opt_text("NextRecordIdentifier", next.set_identifier.as_deref());
            }
            x.text("MaxItems", &echo)
                .close("ListResourceRecordSetsResponse");
        }
        Route::ListHealthChecks => {
            let (max, echo) = max_items(query, LIST_MAX, LIST_MAX)?;
            let checks = &r53.health_checks;
            let start = marker_start(query, checks, |h| h.id.as_str())?;
            let end = (start + max).min(checks.len());
            x.open_ns("ListHealthChecksResponse", ROUTE53_XMLNS)
                .open("HealthChecks");
            for h in &checks[start..end] {
                health_check(&mut x, h);
            }
            x.close("HealthChecks")
                .text("Marker", get(query, "marker").unwrap_or(""))
                .bool("IsTruncated", end < checks.len());
            if let Some(next) = checks.get(end) {
                x.text("NextMarker", &next.id);
            }
            x.text("MaxItems", &echo).close("ListHealthChecksResponse");
        }
        Route::GetHealthCheck { id } => {
            let Some(h) = r53.health_checks.iter().find(|h| &h.id == id) else {
                // Route 53 API Reference, GetHealthCheck Errors: NoSuchHealthCheck,
                // "No health check exists with the specified ID", HTTP 404.
                return Err(ApiError::new(
                    404,
                    "NoSuchHealthCheck",
                    format!("A health check with id {id} does not exist."),
                ));
            };
            x.open_ns("GetHealthCheckResponse", ROUTE53_XMLNS);
            health_check(&mut x, h);
            x.close("GetHealthCheckResponse");
        }
    }
    Ok(x.finish())
}

/// Where a marker-paged list resumes: the item whose Id is `marker` (ListHostedZones
/// and ListHealthChecks: NextMarker is the Id of the first item of the next page). A
/// marker naming nothing is InvalidInput (twin's choice: AWS documents no error).
fn marker_start<T>(q: &Query, items: &[T], id: impl Fn(&T) -> &str) -> Result<usize, ApiError> {
    match get(q, "marker") {
        None | Some("") => Ok(0),
        Some(m) => items
            .iter()
            .position(|i| id(i) == m)
            .ok_or_else(|| invalid(format!("marker {m} names no item of this list"))),
    }
}

/// ListResourceRecordSets starts at the first record at or after (name, type,
/// identifier) in listing order. "If you specify type but not name, Route 53 returns
/// an InvalidInput error" (Route 53 API Reference, ListResourceRecordSets).
fn rrset_start(q: &Query, records: &[RecordView]) -> Result<usize, ApiError> {
    let name = get(q, "name");
    let rtype = get(q, "type");
    let identifier = get(q, "identifier");
    if name.is_none() && rtype.is_some() {
        return Err(invalid("You must specify name if you specify type"));
    }
    let Some(name) = name else { return Ok(0) };
    let key = (
        reversed_labels(name),
        rtype.unwrap_or(""),
        identifier.unwrap_or(""),
    );
    Ok(records
        .iter()
        .position(|r| {
            let (n, t, i) = r.sort_key();
            (n.as_str(), t, i.as_str()) >= (key.0.as_str(), key.1, key.2)
        })
        .unwrap_or(records.len()))
}

/// HostedZone (API Reference, Data Types); Id carries the `/hostedzone/` prefix.
fn hosted_zone(x: &mut Xml, z: &HostedZoneView) {
    x.open("HostedZone")
        .text("Id", &format!("/hostedzone/{}", z.id))
        .text("Name", &z.name)
        .text("CallerReference", &z.caller_reference)
        .open("Config")
        .text(
            "Comment",
            "Served by the drconsole twin, derived from the environment",
        )
        .bool("PrivateZone", false)
        .close("Config")
        .text("ResourceRecordSetCount", &z.record_count.to_string())
        .close("HostedZone");
}

/// ResourceRecordSet (API Reference, Data Types).
fn record(x: &mut Xml, r: &RecordView) {
    x.open("ResourceRecordSet")
        .text("Name", &r.name)
        .text("Type", r.rtype)
        .opt_text("SetIdentifier", r.set_identifier.as_deref());
    match &r.routing {
        RecordRouting::Simple => {}
        RecordRouting::Failover(f) => {
            x.text("Failover", f);
        }
        RecordRouting::Latency(region) => {
            x.text("Region", region);
        }
    }
    x.text("TTL", &r.ttl.to_string()).open("ResourceRecords");
    for v in &r.values {
        x.open("ResourceRecord")
            .text("Value", v)
            .close("ResourceRecord");
    }
    x.close("ResourceRecords")
        .opt_text("HealthCheckId", r.health_check_id.as_deref())
        .close("ResourceRecordSet");
}

/// HealthCheck and HealthCheckConfig (API Reference, Data Types). RequestInterval 30
/// and FailureThreshold 3 are HealthCheckConfig's documented defaults.
fn health_check(x: &mut Xml, h: &HealthCheckView) {
    x.open("HealthCheck")
        .text("Id", &h.id)
        .text("CallerReference", &h.caller_reference)
        .open("HealthCheckConfig");
    match &h.kind {
        HealthCheckKind::Https {
            fqdn,
            port,
            resource_path,
        } => {
            x.text("Port", &port.to_string())
                .text("Type", h.kind.type_name())
                .text("ResourcePath", resource_path)
                .text("FullyQualifiedDomainName", fqdn)
                .text("RequestInterval", "30")
                .text("FailureThreshold", "3")
                .bool("Inverted", false)
                .bool("Disabled", false);
        }
        HealthCheckKind::RecoveryControl {
            routing_control_arn,
        } => {
            x.text("Type", h.kind.type_name())
                .bool("Inverted", false)
                .bool("Disabled", false)
                .text("RoutingControlArn", routing_control_arn);
        }
        HealthCheckKind::Calculated {
            children,
            threshold,
        } => {
            x.text("Type", h.kind.type_name())
                .bool("Inverted", false)
                .bool("Disabled", false)
                .text("HealthThreshold", &threshold.to_string())
                .list("ChildHealthChecks", "ChildHealthCheck", children);
        }
    }
    x.close("HealthCheckConfig")
        .text("HealthCheckVersion", "1")
        .close("HealthCheck");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;
    use chrono::Utc;

    fn world() -> TwinWorld {
        let env = Environment::builtin_default().expect("default env");
        TwinWorld::new(&env, 1, Utc::now())
    }

    fn q(pairs: &[(&str, &str)]) -> Query {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn routes_follow_the_sdk_paths() {
        assert_eq!(
            route("GET", "/2013-04-01/hostedzone"),
            Some(Route::ListHostedZones)
        );
        assert_eq!(
            route("GET", "/2013-04-01/hostedzone/Z1/rrset"),
            Some(Route::ListResourceRecordSets { zone: "Z1".into() })
        );
        assert_eq!(
            route("GET", "/2013-04-01/healthcheck/abc"),
            Some(Route::GetHealthCheck { id: "abc".into() })
        );
        assert_eq!(route("GET", "/2012-12-12/healthcheck"), None);
        assert_eq!(route("POST", "/2013-04-01/healthcheck"), None);
    }

    #[test]
    fn record_sets_page_by_name_type_and_identifier() {
        let w = world();
        let zone = w.route53().zone.id;
        let r = Route::ListResourceRecordSets { zone: zone.clone() };
        let p1 = handle(&w, &r, &q(&[("maxitems", "3")])).unwrap();
        assert!(p1.contains("<IsTruncated>true</IsTruncated>"), "{p1}");
        assert!(
            p1.contains(
                "<NextRecordName>app.orders-prod-twin.twin.example.</NextRecordName>\
                 <NextRecordType>A</NextRecordType>\
                 <NextRecordIdentifier>us-west-2</NextRecordIdentifier>"
            ),
            "{p1}"
        );
        let p2 = handle(
            &w,
            &r,
            &q(&[
                ("name", "app.orders-prod-twin.twin.example."),
                ("type", "A"),
                ("identifier", "us-west-2"),
                ("maxitems", "3"),
            ]),
        )
        .unwrap();
        assert!(p2.contains("<Failover>SECONDARY</Failover>"), "{p2}");
        assert!(p2.contains("<IsTruncated>false</IsTruncated>"), "{p2}");
        assert!(!p2.contains("<Failover>PRIMARY</Failover>"), "{p2}");
        let e = handle(&w, &r, &q(&[("type", "A")])).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "InvalidInput"));
        let e = handle(
            &w,
            &Route::ListResourceRecordSets {
                zone: "ZNONE".into(),
            },
            &q(&[]),
        )
        .unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (404, "NoSuchHostedZone"));
    }

    #[test]
    fn health_checks_page_by_marker() {
        let w = world();
        let p1 = handle(&w, &Route::ListHealthChecks, &q(&[("maxitems", "1")])).unwrap();
        assert!(p1.contains("<Type>RECOVERY_CONTROL</Type>"), "{p1}");
        assert!(p1.contains("<MaxItems>1</MaxItems>"), "{p1}");
        let next = w.route53().health_checks[1].id.clone();
        assert!(
            p1.contains(&format!("<NextMarker>{next}</NextMarker>")),
            "{p1}"
        );
        let all = handle(&w, &Route::ListHealthChecks, &q(&[])).unwrap();
        assert_eq!(all.matches("<HealthCheck>").count(), 6);
        assert!(all.contains("<Id>hc-orders-use1</Id>"));
        let e = handle(&w, &Route::GetHealthCheck { id: "nope".into() }, &q(&[])).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (404, "NoSuchHealthCheck"));
    }
}
