//! Row indexes over a snapshot, built once when a snapshot (or the filter) changes so
//! that a frame only touches the rows it shows: frame cost does not grow with rows
//! that are off-screen.

use crate::model::Verdict;
use crate::model::snapshot::{RestoreTest, Snapshot};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionRow {
    Region(usize),
    /// (region, reason) — one line per reason, under a Region that is not healthy.
    Reason(usize, usize),
    /// (region, index in `snapshot.capacity`) — one line per capacity group.
    Capacity(usize, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicationRow {
    Database(usize),
    /// A failover in flight on this database.
    Failover(usize),
    /// Why this database could not be read.
    DatabaseError(usize),
    /// (database, member) for each secondary member.
    Member(usize, usize),
    Replica(usize),
    /// A DynamoDB global table, its write strategy and caveat.
    Table(usize),
    /// (table, link) one source→receiving Region latency.
    TableLink(usize, usize),
    /// An S3 replication rule.
    Bucket(usize),
    /// The "backups in the DR Region" heading (only when the environment has any).
    BackupsHeading,
    /// A protected resource's newest DR point against its backup RPO.
    Backup(usize),
    /// Its latest copy job, when that needs saying (failed, running, unreadable).
    BackupCopy(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingRow {
    /// A control panel heading: (index into `panels`).
    Panel(usize),
    Control(usize),
    Rule(usize),
    /// The filter hides everything.
    NoMatch,
}

/// Panel name and how many of its controls are shown / exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelGroup {
    pub name: String,
    pub shown: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    /// `Snapshot::oldest_observation`, computed once per snapshot (it walks every item).
    pub oldest: Option<chrono::DateTime<chrono::Utc>>,
    /// `Snapshot::has_unknown`, likewise.
    pub has_unknown: bool,
    pub regions: Vec<RegionRow>,
    pub replication: Vec<ReplicationRow>,
    pub routing: Vec<RoutingRow>,
    pub panels: Vec<PanelGroup>,
    pub controls_shown: usize,
}

impl Rows {
    pub fn build(snap: &Snapshot, filter: &str) -> Rows {
        Rows {
            oldest: snap.oldest_observation(),
            has_unknown: snap.has_unknown(),
            regions: region_rows(snap),
            replication: replication_rows(snap),
            ..routing_rows(snap, filter)
        }
    }
}

fn region_rows(snap: &Snapshot) -> Vec<RegionRow> {
    let mut rows = Vec::with_capacity(snap.regions.len());
    for (i, r) in snap.regions.iter().enumerate() {
        rows.push(RegionRow::Region(i));
        // A healthy Region's first reason ("2 alarms OK") fits on its own line; its
        // notes (what is unknown) and every reason of the others get a line each.
        let first = usize::from(r.verdict == Verdict::Healthy);
        rows.extend((first..r.reasons.len()).map(|j| RegionRow::Reason(i, j)));
        rows.extend(
            snap.capacity
                .iter()
                .enumerate()
                .filter(|(_, c)| c.region == r.name)
                .map(|(k, _)| RegionRow::Capacity(i, k)),
        );
    }
    rows
}

fn replication_rows(snap: &Snapshot) -> Vec<ReplicationRow> {
    let mut rows = Vec::new();
    for (i, db) in snap.databases.iter().enumerate() {
        rows.push(ReplicationRow::Database(i));
        if db.failover.is_some() {
            rows.push(ReplicationRow::Failover(i));
        }
        if db.error.is_some() {
            rows.push(ReplicationRow::DatabaseError(i));
        }
        for (j, m) in db.members.iter().enumerate() {
            // The writer has no lag of its own; unknown writers show every member.
            if m.is_writer != Some(true) {
                rows.push(ReplicationRow::Member(i, j));
            }
        }
    }
    rows.extend((0..snap.replicas.len()).map(ReplicationRow::Replica));
    for (i, t) in snap.dynamodb.iter().enumerate() {
        rows.push(ReplicationRow::Table(i));
        rows.extend((0..t.links.len()).map(|j| ReplicationRow::TableLink(i, j)));
    }
    rows.extend((0..snap.s3_replication.len()).map(ReplicationRow::Bucket));
    if !snap.backups.is_empty() {
        rows.push(ReplicationRow::BackupsHeading);
    }
    for (i, b) in snap.backups.iter().enumerate() {
        rows.push(ReplicationRow::Backup(i));
        let copy_ok = b
            .latest_copy
            .as_ref()
            .is_some_and(|c| c.state == "COMPLETED");
        // A restore test that is due (or never ran) stands out on that line too.
        let test_due = b
            .restore_test(snap.taken_at)
            .is_some_and(RestoreTest::needs_attention);
        if !copy_ok || b.copy_error.is_some() || test_due {
            rows.push(ReplicationRow::BackupCopy(i));
        }
    }
    rows
}

fn matches(filter: &str, fields: &[&str]) -> bool {
    filter.is_empty()
        || fields
            .iter()
            .any(|f| f.to_lowercase().contains(&filter.to_lowercase()))
}

/// Controls grouped by panel (panels in order of first appearance), each panel's
/// rules after its controls. The filter matches control name, gated cell and panel.
fn routing_rows(snap: &Snapshot, filter: &str) -> Rows {
    let filter = filter.trim();
    let mut order: Vec<&str> = Vec::new();
    let mut by_panel: HashMap<&str, (Vec<usize>, Vec<usize>, usize)> = HashMap::new();
    for (i, c) in snap.controls.iter().enumerate() {
        let e = by_panel.entry(c.panel.as_str()).or_insert_with(|| {
            order.push(c.panel.as_str());
            Default::default()
        });
        e.2 += 1;
        if matches(filter, &[&c.name, &c.gates, &c.panel]) {
            e.0.push(i);
        }
    }
    for (i, r) in snap.rules.iter().enumerate() {
        let e = by_panel.entry(r.panel.as_str()).or_insert_with(|| {
            order.push(r.panel.as_str());
            Default::default()
        });
        e.1.push(i);
    }
    let mut rows = Rows::default();
    for name in order {
        let Some((controls, rules, total)) = by_panel.remove(name) else {
            continue;
        };
        if !filter.is_empty() && controls.is_empty() {
            continue;
        }
        rows.routing.push(RoutingRow::Panel(rows.panels.len()));
        rows.panels.push(PanelGroup {
            name: name.to_string(),
            shown: controls.len(),
            total,
        });
        rows.controls_shown += controls.len();
        rows.routing
            .extend(controls.into_iter().map(RoutingRow::Control));
        rows.routing.extend(rules.into_iter().map(RoutingRow::Rule));
    }
    if rows.routing.is_empty() && !filter.is_empty() {
        rows.routing.push(RoutingRow::NoMatch);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::synthetic;

    #[test]
    fn controls_are_grouped_by_panel_with_rules_after() {
        let snap = synthetic::large(synthetic::fixed_now(), 2, 2, 150);
        let rows = Rows::build(&snap, "");
        assert_eq!(rows.controls_shown, 150);
        assert_eq!(rows.panels.len(), 2);
        assert!(matches!(rows.routing[0], RoutingRow::Panel(0)));
        let first_rule = rows
            .routing
            .iter()
            .position(|r| matches!(r, RoutingRow::Rule(_)));
        let second_panel = rows
            .routing
            .iter()
            .rposition(|r| matches!(r, RoutingRow::Panel(_)));
        assert!(
            first_rule < second_panel,
            "rules of panel 1 come before panel 2"
        );
    }

    #[test]
    fn filter_keeps_matching_controls_and_says_when_nothing_matches() {
        let snap = synthetic::calm(synthetic::fixed_now());
        let rows = Rows::build(&snap, "WEST");
        assert_eq!(rows.controls_shown, 1);
        let none = Rows::build(&snap, "no-such-cell");
        assert_eq!(none.routing, vec![RoutingRow::NoMatch]);
    }

    #[test]
    fn unhealthy_regions_list_their_reasons() {
        let snap = synthetic::primary_region_outage(synthetic::fixed_now());
        let rows = Rows::build(&snap, "");
        assert!(
            rows.regions
                .iter()
                .any(|r| matches!(r, RegionRow::Reason(0, _)))
        );
    }

    #[test]
    fn a_healthy_region_lists_its_unknown_notes_but_not_its_summary() {
        let snap = synthetic::primary_region_outage(synthetic::fixed_now());
        let rows = Rows::build(&snap, "");
        assert_eq!(snap.regions[1].reasons.len(), 2, "{:?}", snap.regions[1]);
        assert_eq!(
            rows.regions,
            vec![
                RegionRow::Region(0),
                RegionRow::Reason(0, 0),
                RegionRow::Region(1),
                RegionRow::Reason(1, 1),
            ]
        );
        let calm = Rows::build(&synthetic::calm(synthetic::fixed_now()), "");
        assert_eq!(
            calm.regions,
            vec![RegionRow::Region(0), RegionRow::Region(1)]
        );
    }
}
