//! The twin's Route 53: one public hosted zone and the health checks that tie ARC
//! routing controls to DNS, derived from the environment every time it is read (Route
//! 53 configuration is not part of the environment file, so all of this is the twin's
//! choice, shaped as a real ARC setup is):
//!
//! * One hosted zone named after the environment, `<slug>.twin.example.` (e.g.
//!   `orders-prod-twin.twin.example.`), Id `Z` + 16 upper-case hex digits hashed from
//!   the zone name. Its NS and SOA records are those Route 53 creates for every public
//!   hosted zone (Route 53 Developer Guide, "NS and SOA records that Amazon Route 53
//!   creates for a public hosted zone": NS TTL 172800, SOA TTL 900, SOA value
//!   `<ns> awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`), with the twin's
//!   own name servers `ns-1.twin.example.` … `ns-4.twin.example.`.
//! * For every routing control, a RECOVERY_CONTROL health check whose
//!   `HealthCheckConfig.RoutingControlArn` is the control's ARN (the ARC developer
//!   guide's way of tying a control to DNS); Id UUID-shaped, hashed from the ARN.
//! * For every `health_checks` entry of a Region, an HTTPS health check with exactly
//!   that Id (the console reads CloudWatch `HealthCheckStatus` by these Ids),
//!   `FullyQualifiedDomainName` `<region>.<zone>`, port 443, path `/health`.
//! * For every Region gated by a routing control: a CALCULATED health check over the
//!   RECOVERY_CONTROL checks of its controls and its HTTPS checks (HealthThreshold =
//!   all of them), and one `app.<zone>` A record with SetIdentifier = the Region and
//!   HealthCheckId = that calculated check, pointing at one documentation address
//!   from 192.0.2.0/24 (RFC 5737) per Region. A primary Region's record is Failover
//!   PRIMARY, a secondary's SECONDARY, an active Region's a latency record (Region =
//!   the Region name).
//!
//! Records are ordered as ListResourceRecordSets documents (Route 53 API Reference,
//! ListResourceRecordSets: by DNS name with the labels reversed, then by type); records
//! with the same name and type by SetIdentifier (twin's choice: AWS documents no order).

use super::TwinWorld;
use super::arc::fnv1a;
use super::control_config::slug;
use crate::config::Environment;
use crate::model::Role;

/// The twin's name servers for its zone (twin's choice).
pub const NAME_SERVERS: [&str; 4] = [
    "ns-1.twin.example.",
    "ns-2.twin.example.",
    "ns-3.twin.example.",
    "ns-4.twin.example.",
];
/// The TTL of the twin's `app` records (twin's choice: short, as failover records are).
const APP_TTL: u32 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedZoneView {
    /// Without the `/hostedzone/` prefix the API puts in front of it.
    pub id: String,
    pub name: String,
    pub caller_reference: String,
    pub record_count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthCheckKind {
    Https {
        fqdn: String,
        port: u16,
        resource_path: String,
    },
    RecoveryControl {
        routing_control_arn: String,
    },
    Calculated {
        children: Vec<String>,
        threshold: usize,
    },
}

impl HealthCheckKind {
    /// HealthCheckConfig.Type as the API spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            HealthCheckKind::Https { .. } => "HTTPS",
            HealthCheckKind::RecoveryControl { .. } => "RECOVERY_CONTROL",
            HealthCheckKind::Calculated { .. } => "CALCULATED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheckView {
    pub id: String,
    pub caller_reference: String,
    pub kind: HealthCheckKind,
}

/// How a record set is routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRouting {
    Simple,
    /// PRIMARY | SECONDARY.
    Failover(&'static str),
    /// Latency routing: the record's Region.
    Latency(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView {
    pub name: String,
    pub rtype: &'static str,
    pub set_identifier: Option<String>,
    pub routing: RecordRouting,
    pub ttl: u32,
    pub values: Vec<String>,
    pub health_check_id: Option<String>,
}

impl RecordView {
    /// The documented listing order: name with labels reversed, then type, then
    /// (twin's choice) SetIdentifier.
    pub fn sort_key(&self) -> (String, &'static str, String) {
        (
            reversed_labels(&self.name),
            self.rtype,
            self.set_identifier.clone().unwrap_or_default(),
        )
    }
}

/// `app.example.com.` → `com.example.app`, lower-cased: Route 53's sort order.
pub fn reversed_labels(name: &str) -> String {
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    let mut labels: Vec<&str> = lower.split('.').collect();
    labels.reverse();
    labels.join(".")
}

/// The whole twin-side Route 53 configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route53View {
    pub zone: HostedZoneView,
    pub health_checks: Vec<HealthCheckView>,
    /// In listing order.
    pub records: Vec<RecordView>,
}

impl TwinWorld {
    pub fn route53(&self) -> Route53View {
        route53_of(&self.env)
    }
}

/// A UUID-shaped Id hashed from `seed` (twin's choice; Route 53's own Ids are UUIDs).
fn uuid_from(seed: &str) -> String {
    let a = fnv1a(seed.as_bytes());
    let b = fnv1a(format!("{seed}#uuid").as_bytes());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// The RECOVERY_CONTROL health check's Id for a routing control's ARN.
pub fn recovery_control_check_id(control_arn: &str) -> String {
    uuid_from(&format!("recovery-control:{control_arn}"))
}

pub fn route53_of(env: &Environment) -> Route53View {
    let zone_name = format!("{}.twin.example.", slug(&env.name));
    let mut checks = Vec::new();
    for c in &env.arc.controls {
        checks.push(HealthCheckView {
            id: recovery_control_check_id(&c.arn),
            caller_reference: format!("twin-rc-{}", c.name),
            kind: HealthCheckKind::RecoveryControl {
                routing_control_arn: c.arn.clone(),
            },
        });
    }
    for r in &env.regions {
        for hc in &r.health_checks {
            checks.push(HealthCheckView {
                id: hc.clone(),
                caller_reference: format!("twin-https-{hc}"),
                kind: HealthCheckKind::Https {
                    fqdn: format!("{}.{}", r.name, zone_name.trim_end_matches('.')),
                    port: 443,
                    resource_path: "/health".into(),
                },
            });
        }
    }
    let app = format!("app.{zone_name}");
    let mut records = vec![
        RecordView {
            name: zone_name.clone(),
            rtype: "NS",
            set_identifier: None,
            routing: RecordRouting::Simple,
            ttl: 172_800,
            values: NAME_SERVERS.iter().map(|s| s.to_string()).collect(),
            health_check_id: None,
        },
        RecordView {
            name: zone_name.clone(),
            rtype: "SOA",
            set_identifier: None,
            routing: RecordRouting::Simple,
            ttl: 900,
            values: vec![format!(
                "{} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
                NAME_SERVERS[0]
            )],
            health_check_id: None,
        },
    ];
    for (i, r) in env.regions.iter().enumerate() {
        let gating: Vec<String> = env
            .arc
            .controls
            .iter()
            .filter(|c| c.gates == r.name)
            .map(|c| recovery_control_check_id(&c.arn))
            .collect();
        if gating.is_empty() {
            continue;
        }
        let children: Vec<String> = gating
            .into_iter()
            .chain(r.health_checks.iter().cloned())
            .collect();
        let id = uuid_from(&format!("calculated:{}:{}", zone_name, r.name));
        checks.push(HealthCheckView {
            id: id.clone(),
            caller_reference: format!("twin-calculated-{}", r.name),
            kind: HealthCheckKind::Calculated {
                threshold: children.len(),
                children,
            },
        });
        let routing = match r.role {
            Role::Primary => RecordRouting::Failover("PRIMARY"),
            Role::Secondary => RecordRouting::Failover("SECONDARY"),
            Role::Active => RecordRouting::Latency(r.name.clone()),
        };
        records.push(RecordView {
            name: app.clone(),
            rtype: "A",
            set_identifier: Some(r.name.clone()),
            routing,
            ttl: APP_TTL,
            values: vec![format!("192.0.2.{}", 10 + i.min(200))],
            health_check_id: Some(id),
        });
    }
    records.sort_by_key(RecordView::sort_key);
    let zone_id = format!("Z{:016X}", fnv1a(zone_name.as_bytes()));
    Route53View {
        zone: HostedZoneView {
            id: zone_id,
            caller_reference: format!("twin-{}", slug(&env.name)),
            name: zone_name,
            record_count: records.len(),
        },
        health_checks: checks,
        records,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment::builtin_default().expect("default env")
    }

    #[test]
    fn default_environment_gives_failover_records_over_calculated_checks() {
        let env = env();
        let v = route53_of(&env);
        assert_eq!(v.zone.name, "orders-prod-twin.twin.example.");
        assert!(v.zone.id.starts_with('Z') && v.zone.id.len() == 17);
        let types: Vec<&str> = v.records.iter().map(|r| r.rtype).collect();
        assert_eq!(types, ["NS", "SOA", "A", "A"]);
        let app: Vec<(&str, &RecordRouting)> = v
            .records
            .iter()
            .filter(|r| r.rtype == "A")
            .map(|r| (r.set_identifier.as_deref().unwrap_or(""), &r.routing))
            .collect();
        assert_eq!(
            app,
            [
                ("us-east-1", &RecordRouting::Failover("PRIMARY")),
                ("us-west-2", &RecordRouting::Failover("SECONDARY")),
            ]
        );
        // Two RECOVERY_CONTROL, two HTTPS (the environment's own Ids), two CALCULATED.
        let kinds: Vec<&str> = v.health_checks.iter().map(|h| h.kind.type_name()).collect();
        assert_eq!(
            kinds,
            [
                "RECOVERY_CONTROL",
                "RECOVERY_CONTROL",
                "HTTPS",
                "HTTPS",
                "CALCULATED",
                "CALCULATED"
            ]
        );
        assert!(v.health_checks.iter().any(|h| h.id == "hc-orders-use1"));
        let calc = &v.health_checks[4];
        let HealthCheckKind::Calculated {
            children,
            threshold,
        } = &calc.kind
        else {
            panic!("calculated")
        };
        assert_eq!(*threshold, 2);
        assert_eq!(
            children,
            &[
                recovery_control_check_id(&env.arc.controls[0].arn),
                "hc-orders-use1".to_string()
            ]
        );
        assert_eq!(
            v.records[2].health_check_id.as_deref(),
            Some(calc.id.as_str())
        );
    }

    #[test]
    fn ids_are_uuid_shaped_and_stable() {
        let id = recovery_control_check_id("arn:x");
        assert_eq!(id, recovery_control_check_id("arn:x"));
        let parts: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_ne!(id, recovery_control_check_id("arn:y"));
    }

    #[test]
    fn labels_sort_reversed() {
        assert_eq!(reversed_labels("app.Example.com."), "com.example.app");
        assert!(reversed_labels("example.com.") < reversed_labels("app.example.com."));
    }
}
