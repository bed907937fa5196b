//! The environment file `discover` writes: the same shape a person writes, with a
//! comment on where each decided thing came from and a TODO on what was not decided.
//! Hand-written rather than serialized because serde cannot emit comments.

use super::infer::{Discovered, Gate};
use crate::model::{ControlState, Role, RuleType, SafetyRule, SafetyRuleKind};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What only the team knows; written as TODO so `validate` does not pass it silently.
pub const TODO: &str = "TODO";

pub struct Header<'a> {
    pub name: &'a str,
    pub when: &'a str,
    /// How to repeat the discovery (the command line, without secrets).
    pub command: &'a str,
    /// Routing control ARN → its state when discovered (ARC data plane), written as
    /// `initial:` so the file rehearses on the twin as the account stood.
    pub states: Option<&'a BTreeMap<String, ControlState>>,
}

/// A YAML scalar: plain when it is unambiguous, JSON-quoted (valid YAML) otherwise.
fn scalar(s: &str) -> String {
    let plain_chars = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_./:@+".contains(&b));
    let reserved = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
    );
    let starts_ok = s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
    if plain_chars && !reserved && starts_ok && !s.contains("::") && !s.ends_with(':') {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

fn list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| scalar(s)).collect();
    format!("[{}]", parts.join(", "))
}

fn role_word(r: Role) -> &'static str {
    match r {
        Role::Primary => "primary",
        Role::Secondary => "secondary",
        Role::Active => "active",
    }
}

fn rule_type(t: RuleType) -> &'static str {
    // RuleConfig API reference: ATLEAST | AND | OR.
    match t {
        RuleType::Atleast => "ATLEAST",
        RuleType::And => "AND",
        RuleType::Or => "OR",
    }
}

pub fn render(d: &Discovered, h: &Header) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Written by `drconsole discover` at {}.", h.when);
    let _ = writeln!(o, "# Read again with: {}", h.command);
    let _ = writeln!(
        o,
        "# Check it against the control plane before each game day: drconsole discover --check FILE"
    );
    let undecided = d.undecided();
    if !undecided.is_empty() {
        let _ = writeln!(
            o,
            "#\n# {} thing(s) could not be decided; search for TODO:",
            undecided.len()
        );
        for u in &undecided {
            let _ = writeln!(o, "#   - {u}");
        }
    }
    let _ = writeln!(o, "name: {}", scalar(h.name));
    let _ = writeln!(o, "targets:");
    let _ = writeln!(
        o,
        "  # Your objectives: AWS stores no RTO or RPO, so these are placeholders to set."
    );
    let _ = writeln!(o, "  rto: 15m\n  rpo: 5s\n");

    let _ = writeln!(o, "regions:");
    for r in &d.regions {
        let _ = writeln!(o, "  - name: {}", scalar(&r.name));
        match &r.role {
            Ok(role) => {
                let _ = writeln!(o, "    role: {}", role_word(*role));
            }
            Err(why) => {
                let _ = writeln!(o, "    # TODO: primary, secondary or active? ({why})");
                let _ = writeln!(o, "    role: {TODO}");
            }
        }
        if d.raw.alarms.is_none() {
            let _ = writeln!(
                o,
                "    # alarms not read (give --alarm-prefix): list this Region's health alarms"
            );
        }
        let _ = writeln!(o, "    alarms: {}", list(&r.alarms));
        let _ = writeln!(o, "    health_checks: {}", list(&r.health_checks));
    }
    if !d.unplaced_health_checks.is_empty() {
        let _ = writeln!(
            o,
            "  # Health checks on no record that names a Region (add them to a Region if they \
             watch it): {}",
            d.unplaced_health_checks.join(", ")
        );
    }

    let arc = &d.raw.arc;
    let _ = writeln!(o, "\narc:");
    let _ = writeln!(o, "  cluster_arn: {}", scalar(&arc.cluster_arn));
    let _ = writeln!(
        o,
        "  # The cluster's Regional endpoints (DescribeCluster), bookmarked so a failover\n  \
         # never depends on the control-plane API."
    );
    let _ = writeln!(o, "  endpoints:");
    for (region, url) in &arc.endpoints {
        let _ = writeln!(
            o,
            "    - {{ region: {}, url: {} }}",
            scalar(region),
            scalar(url)
        );
    }
    let _ = writeln!(o, "  control_panels:");
    let name_of = |arn: &str| -> String {
        arc.panels
            .iter()
            .flat_map(|p| p.controls.iter())
            .find(|(_, a)| a == arn)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| format!("{TODO}-unknown-control {arn}"))
    };
    for p in &arc.panels {
        let _ = writeln!(o, "    - name: {}", scalar(&p.name));
        let _ = writeln!(o, "      arn: {}", scalar(&p.arn));
        let _ = writeln!(o, "      routing_controls:");
        for (name, carn) in &p.controls {
            let _ = writeln!(o, "        - name: {}", scalar(name));
            let _ = writeln!(o, "          arn: {}", scalar(carn));
            if let Some(state) = h.states.and_then(|s| s.get(carn)) {
                let word = match state {
                    ControlState::On => "on",
                    ControlState::Off => "off",
                };
                let _ = writeln!(
                    o,
                    "          initial: {word}   # when discovered; the twin starts here"
                );
            }
            match d.gates.get(carn) {
                Some(Gate::Region(r)) => {
                    let _ = writeln!(o, "          gates: {}", scalar(r));
                }
                Some(Gate::Switch(targets)) => {
                    let _ = writeln!(
                        o,
                        "          # Attached to no record: the gating control of {}",
                        targets.join(", ")
                    );
                    let _ = writeln!(o, "          gates: {}", scalar("gating switch"));
                }
                other => {
                    let why = match other {
                        Some(Gate::Unknown(w)) => w.as_str(),
                        _ => "not read",
                    };
                    let _ = writeln!(o, "          # TODO: which Region does it gate? ({why})");
                    let _ = writeln!(o, "          gates: {TODO}");
                }
            }
        }
        if p.rules.is_empty() {
            let _ = writeln!(o, "      safety_rules: []");
        } else {
            let _ = writeln!(o, "      safety_rules:");
        }
        for rule in &p.rules {
            write_rule(&mut o, rule, &name_of);
        }
    }

    if !d.aurora.is_empty() || !d.replicas.is_empty() {
        let _ = writeln!(o, "\ndatabases:");
    }
    if !d.aurora.is_empty() {
        let _ = writeln!(o, "  aurora_global:");
        for a in &d.aurora {
            let _ = writeln!(o, "    - name: {}", scalar(&a.name));
            let _ = writeln!(
                o,
                "      global_cluster_id: {}",
                scalar(&a.global_cluster_id)
            );
            let _ = writeln!(o, "      members:");
            for m in &a.members {
                let _ = writeln!(
                    o,
                    "        - {{ region: {}, cluster_arn: {} }}",
                    scalar(&m.region),
                    serde_json::to_string(&m.cluster_arn).unwrap_or_default()
                );
            }
        }
    }
    if !d.replicas.is_empty() {
        let _ = writeln!(o, "  rds_replicas:");
        for p in &d.replicas {
            let _ = writeln!(o, "    - name: {}", scalar(&p.name));
            let _ = writeln!(
                o,
                "      primary: {{ region: {}, instance_id: {} }}",
                scalar(&p.primary.region),
                scalar(&p.primary.instance_id)
            );
            let _ = writeln!(
                o,
                "      replica: {{ region: {}, instance_id: {} }}",
                scalar(&p.replica.region),
                scalar(&p.replica.instance_id)
            );
        }
    }
    let _ = writeln!(
        o,
        "\n# Not discovered (add by hand if the workload has them): DynamoDB global tables and\n\
         # S3 replication (databases:), AWS Backup copies (backups:), Auto Scaling groups and\n\
         # ECS services (capacity:)."
    );
    o
}

fn write_rule(o: &mut String, rule: &SafetyRule, name_of: &dyn Fn(&str) -> String) {
    let names = |arns: &[String]| -> Vec<String> { arns.iter().map(|a| name_of(a)).collect() };
    let _ = writeln!(o, "        - name: {}", scalar(&rule.name));
    let _ = writeln!(o, "          arn: {}", scalar(&rule.arn));
    match &rule.kind {
        SafetyRuleKind::Assertion { asserted } => {
            let _ = writeln!(o, "          assertion:");
            let _ = writeln!(o, "            controls: {}", list(&names(asserted)));
        }
        SafetyRuleKind::Gating { gating, targets } => {
            let _ = writeln!(o, "          gating:");
            let _ = writeln!(o, "            gating_controls: {}", list(&names(gating)));
            let _ = writeln!(o, "            target_controls: {}", list(&names(targets)));
        }
    }
    let _ = writeln!(
        o,
        "          rule: {{ type: {}, threshold: {}, inverted: {} }}",
        rule_type(rule.config.kind),
        rule.config.threshold,
        rule.config.inverted
    );
    let _ = writeln!(o, "          wait_period_ms: {}", rule.wait_period_ms);
}
