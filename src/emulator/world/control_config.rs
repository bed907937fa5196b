//! The ARC Recovery Control Configuration API's view of the world: the cluster, its
//! control panels, routing controls and safety rules, read from the same ArcState the
//! data plane judges updates with, so a drifted configuration shows on both APIs.

use super::TwinWorld;
use super::arc::{ControlConfig, PanelConfig};
use crate::model::SafetyRule;

/// One cluster as DescribeCluster / ListClusters describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    pub arn: String,
    pub name: String,
    /// (endpoint URL as written in the environment file, Region).
    pub endpoints: Vec<(String, String)>,
}

/// Why a control-config read found nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigNotFound(pub String);

impl TwinWorld {
    /// The environment's one cluster. Its name is the twin's choice (the environment
    /// file does not record it): the environment's name, slugified.
    pub fn cc_cluster(&self) -> ClusterConfig {
        ClusterConfig {
            arn: self.env.arc.cluster_arn.clone(),
            name: format!("{}-cluster", slug(&self.env.name)),
            endpoints: self
                .env
                .arc
                .endpoints
                .iter()
                .map(|e| (e.url.clone(), e.region.clone()))
                .collect(),
        }
    }

    pub fn cc_describe_cluster(&self, arn: &str) -> Result<ClusterConfig, ConfigNotFound> {
        let c = self.cc_cluster();
        if c.arn == arn {
            Ok(c)
        } else {
            Err(ConfigNotFound(format!("Cluster {arn} was not found")))
        }
    }

    /// Control panels, with the number of routing controls in each; `cluster` filters
    /// (an ARN that is not the cluster's finds nothing).
    pub fn cc_panels(
        &self,
        cluster: Option<&str>,
    ) -> Result<Vec<(PanelConfig, usize)>, ConfigNotFound> {
        if let Some(c) = cluster {
            self.cc_describe_cluster(c)?;
        }
        let controls = self.arc.control_configs();
        Ok(self
            .arc
            .panel_configs()
            .into_iter()
            .map(|p| {
                let n = controls.iter().filter(|c| c.panel_arn == p.arn).count();
                (p, n)
            })
            .collect())
    }

    pub fn cc_panel(&self, arn: &str) -> Result<(PanelConfig, usize), ConfigNotFound> {
        self.cc_panels(None)?
            .into_iter()
            .find(|(p, _)| p.arn == arn)
            .ok_or_else(|| ConfigNotFound(format!("ControlPanel {arn} was not found")))
    }

    pub fn cc_controls(&self, panel: &str) -> Result<Vec<ControlConfig>, ConfigNotFound> {
        self.cc_panel(panel)?;
        Ok(self
            .arc
            .control_configs()
            .into_iter()
            .filter(|c| c.panel_arn == panel)
            .collect())
    }

    pub fn cc_control(&self, arn: &str) -> Result<ControlConfig, ConfigNotFound> {
        self.arc
            .control_configs()
            .into_iter()
            .find(|c| c.arn == arn)
            .ok_or_else(|| ConfigNotFound(format!("RoutingControl {arn} was not found")))
    }

    pub fn cc_rules(&self, panel: &str) -> Result<Vec<SafetyRule>, ConfigNotFound> {
        self.cc_panel(panel)?;
        Ok(self
            .arc
            .rule_configs()
            .into_iter()
            .filter(|(p, _)| p == panel)
            .map(|(_, r)| r)
            .collect())
    }

    /// A safety rule and its panel's ARN.
    pub fn cc_rule(&self, arn: &str) -> Result<(String, SafetyRule), ConfigNotFound> {
        self.arc
            .rule_configs()
            .into_iter()
            .find(|(_, r)| r.arn == arn)
            .ok_or_else(|| ConfigNotFound(format!("SafetyRule {arn} was not found")))
    }

    /// Whether fault `arc_config_drift` holds.
    pub fn arc_config_drifted(&self) -> bool {
        self.arc.drifted()
    }
}

/// Lower-case letters and digits, every other run of characters one `-`:
/// "orders-prod (twin)" → "orders-prod-twin". Twin's choice for derived names.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("twin");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_dns_labels() {
        assert_eq!(slug("orders-prod (twin)"), "orders-prod-twin");
        assert_eq!(slug("  Shop / EU  "), "shop-eu");
        assert_eq!(slug("()"), "twin");
    }
}
