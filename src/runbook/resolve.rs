//! Resolving names in a runbook against the environment: templates rendered, Regions,
//! databases, routing controls and alarms looked up. Errors are collected, not thrown,
//! so `validate` reports every problem in one go.

use super::condition::{Condition, FailoverPhase};
use super::error::{RunbookError, RunbookErrorKind as K, Source};
use super::file::{ConditionFile, S, WholeOrTemplate};
use super::template;
use crate::config::{AuroraGlobal, Environment, ProtectedResource, ReplicaPair, RoutingControl};
use crate::model::{AlarmState, ControlState, Verdict};
use serde_saphyr::Location;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::time::Duration;

pub struct Resolver<'a> {
    pub src: Source<'a>,
    pub env: &'a Environment,
    pub params: BTreeMap<String, String>,
    /// Declared parameter names, with or without a value.
    pub declared: Vec<String>,
    /// The runbook's `restore_backup` steps: id → the `backups:` resource named.
    pub restore_steps: BTreeMap<String, String>,
    /// Steps resolved so far, in file order (a `delete_restored` step reads the
    /// restore and instance steps before it).
    pub resolved: Vec<(String, super::step::StepKind)>,
    pub errors: Vec<RunbookError>,
}

impl<'a> Resolver<'a> {
    pub fn err(&mut self, kind: K, loc: Location, msg: impl Into<String>) {
        self.errors.push(self.src.at(kind, loc, msg));
    }

    /// The value with its `{{param}}`s rendered.
    pub fn text(&mut self, s: &S) -> Option<String> {
        match template::render(&s.value, &self.params) {
            Ok(v) => Some(v),
            Err(e) => {
                if let Some(name) = &e.missing {
                    // Declared without a value: already reported once, at the declaration.
                    if self.declared.contains(name) {
                        return None;
                    }
                    // Undeclared: one error for the name, at its first use.
                    if self.errors.iter().any(|x| x.message == e.message) {
                        return None;
                    }
                }
                let (line, column) = self.template_position(s, e.offset);
                self.errors
                    .push(self.src.at_pos(K::Template, line, column, e.message));
                None
            }
        }
    }

    /// Where in the file the template at byte `offset` of the value is: the line that
    /// holds it, also inside a multi-line (`|`, `>` or quoted) scalar. The value's text
    /// from `{{` to its line end appears as is in the file (block scalars keep it
    /// verbatim, minus indentation), so the n-th such occurrence after the scalar's
    /// start is it. Falls back to the scalar's start when it cannot be found.
    fn template_position(&self, s: &S, offset: usize) -> (u64, u64) {
        let fallback = (s.referenced.line(), s.referenced.column());
        let value = &s.value;
        let Some(rest) = value.get(offset..) else {
            return fallback;
        };
        // `{{name}}`, or for an unclosed one `{{` up to the next blank: a folded (`>`)
        // scalar joins lines, so nothing longer is sure to be on one line of the file.
        let end = rest
            .find("}}")
            .map(|i| i + 2)
            .filter(|&e| !rest[..e].contains('\n'))
            .unwrap_or_else(|| rest.find(char::is_whitespace).unwrap_or(rest.len()));
        let token = &rest[..end];
        if token.is_empty() {
            return fallback;
        }
        let nth = value[..offset].matches(token).count();
        let text = self.src.text;
        // Byte index of the scalar's start in the file.
        let mut start = 0;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if (i as u64) + 1 == fallback.0 {
                start += l
                    .char_indices()
                    .nth(fallback.1.saturating_sub(1) as usize)
                    .map(|(b, _)| b)
                    .unwrap_or(0);
                break;
            }
            start += l.len();
        }
        let Some(after) = text.get(start..) else {
            return fallback;
        };
        let Some((at, _)) = after.match_indices(token).nth(nth) else {
            return fallback;
        };
        let abs = start + at;
        let line = text[..abs].matches('\n').count() as u64 + 1;
        let line_start = text[..abs].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = text[line_start..abs].chars().count() as u64 + 1;
        (line, column)
    }

    pub fn duration(&mut self, s: &S) -> Option<Duration> {
        let v = self.text(s)?;
        match humantime::parse_duration(v.trim()) {
            Ok(d) if !d.is_zero() => Some(d),
            Ok(_) => {
                self.err(
                    K::Invalid,
                    s.referenced,
                    "a duration must be more than zero",
                );
                None
            }
            Err(e) => {
                self.err(
                    K::Invalid,
                    s.referenced,
                    format!("`{v}` is not a duration (e.g. 30s, 10m): {e}"),
                );
                None
            }
        }
    }

    /// A millisecond threshold: a number as written, or a `{{param}}` string that
    /// renders to one. Errors point at the value.
    pub fn millis(&mut self, s: &Spanned<WholeOrTemplate>) -> Option<u64> {
        let text = match &s.value {
            WholeOrTemplate::Whole(n) => return Some(*n),
            WholeOrTemplate::Text(t) => Spanned {
                value: t.clone(),
                referenced: s.referenced,
                defined: s.defined,
            },
        };
        let v = self.text(&text)?;
        match v.trim().parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.err(
                    K::Invalid,
                    s.referenced,
                    format!("`{v}` is not a whole number of milliseconds"),
                );
                None
            }
        }
    }

    pub fn region(&mut self, s: &S) -> Option<String> {
        let v = self.text(s)?;
        if self.env.region(&v).is_some() {
            Some(v)
        } else {
            let known: Vec<&str> = self.env.regions.iter().map(|r| r.name.as_str()).collect();
            self.err(
                K::UnknownReference,
                s.referenced,
                format!(
                    "Region `{v}` is not in environment `{}` (known: {})",
                    self.env.name,
                    known.join(", ")
                ),
            );
            None
        }
    }

    pub fn aurora(&mut self, s: &S) -> Option<&'a AuroraGlobal> {
        let v = self.text(s)?;
        let env = self.env;
        match env.aurora(&v) {
            Some(d) => Some(d),
            None => {
                let kind = if env.replicas.iter().any(|r| r.name == v) {
                    "is an RDS read replica, not an Aurora global database"
                } else {
                    "is not an Aurora global database in the environment"
                };
                self.err(
                    K::UnknownReference,
                    s.referenced,
                    format!("database `{v}` {kind}"),
                );
                None
            }
        }
    }

    /// A protected resource under the environment's `backups:`.
    pub fn protected(&mut self, s: &S) -> Option<&'a ProtectedResource> {
        let v = self.text(s)?;
        let env = self.env;
        if let Some(b) = env.backup(&v) {
            return Some(b);
        }
        let known: Vec<&str> = env.backups.iter().map(|b| b.name.as_str()).collect();
        self.err(
            K::UnknownReference,
            s.referenced,
            format!(
                "`{v}` is not a protected resource under `backups:` (defined: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        );
        None
    }

    pub fn replica(&mut self, s: &S) -> Option<&'a ReplicaPair> {
        let v = self.text(s)?;
        let env = self.env;
        match env.replicas.iter().find(|r| r.name == v) {
            Some(r) => Some(r),
            None => {
                self.err(
                    K::UnknownReference,
                    s.referenced,
                    format!("database `{v}` is not an RDS read-replica pair in the environment"),
                );
                None
            }
        }
    }

    /// A Region that must be a member of the given global database.
    pub fn member_region(&mut self, db: &AuroraGlobal, s: &S) -> Option<String> {
        let r = self.region(s)?;
        if db.members.iter().any(|m| m.region == r) {
            Some(r)
        } else {
            self.err(
                K::UnknownReference,
                s.referenced,
                format!("database `{}` has no member in `{r}`", db.name),
            );
            None
        }
    }

    pub fn control(&mut self, s: &S) -> Option<&'a RoutingControl> {
        let v = self.text(s)?;
        let env = self.env;
        match env.control_by_name(&v) {
            Some(c) => Some(c),
            None => {
                self.err(
                    K::UnknownReference,
                    s.referenced,
                    format!("routing control `{v}` is not in the environment"),
                );
                None
            }
        }
    }

    pub fn control_state(&mut self, s: &S) -> Option<ControlState> {
        let v = self.text(s)?;
        let st = ControlState::parse(&v);
        if st.is_none() {
            self.err(
                K::Invalid,
                s.referenced,
                format!("state `{v}` must be on or off"),
            );
        }
        st
    }

    fn verdict(&mut self, s: &S) -> Option<Verdict> {
        let v = self.text(s)?;
        let verdict = match v.as_str() {
            "healthy" => Some(Verdict::Healthy),
            "degraded" => Some(Verdict::Degraded),
            "impaired" => Some(Verdict::Impaired),
            "unknown" => Some(Verdict::Unknown),
            _ => None,
        };
        if verdict.is_none() {
            self.err(
                K::Invalid,
                s.referenced,
                format!("`{v}` is not a health verdict (healthy, degraded, impaired, unknown)"),
            );
        }
        verdict
    }

    /// Resolves a list of conditions; `at` positions errors that have no leaf of their own.
    pub fn conditions(&mut self, list: &[ConditionFile], at: Location) -> Vec<Condition> {
        list.iter().filter_map(|c| self.condition(c, at)).collect()
    }

    pub fn condition(&mut self, c: &ConditionFile, at: Location) -> Option<Condition> {
        match c {
            ConditionFile::RegionHealth(h) => {
                let region = self.region(&h.region);
                let (word, negated) = match (&h.is, &h.is_not) {
                    (Some(w), None) => (w, false),
                    (None, Some(w)) => (w, true),
                    _ => {
                        self.err(
                            K::Invalid,
                            h.region.referenced,
                            "region_health needs exactly one of `is:` or `is_not:`",
                        );
                        return None;
                    }
                };
                let verdict = self.verdict(word);
                Some(Condition::RegionHealth {
                    region: region?,
                    verdict: verdict?,
                    negated,
                })
            }
            ConditionFile::ReplicationLag(l) => {
                let name = self.text(&l.database)?;
                if let Some(pair) = self.env.replicas.iter().find(|r| r.name == name) {
                    if let Some(r) = &l.region {
                        let r = self.region(r)?;
                        if r != pair.replica.region {
                            self.err(
                                K::UnknownReference,
                                l.region.as_ref().map(|r| r.referenced).unwrap_or(at),
                                format!(
                                    "replica `{name}` is in `{}`, not `{r}`",
                                    pair.replica.region
                                ),
                            );
                            return None;
                        }
                    }
                    return Some(Condition::ReplicationLag {
                        database: name,
                        region: pair.replica.region.clone(),
                        below_ms: self.millis(&l.below_ms)?,
                    });
                }
                let db = self.aurora(&l.database)?;
                let region = self.lag_region(db, l.region.as_ref(), l.database.referenced)?;
                Some(Condition::ReplicationLag {
                    database: db.name.clone(),
                    region,
                    below_ms: self.millis(&l.below_ms)?,
                })
            }
            ConditionFile::RestoreJob(j) => {
                let step = self.text(&j.step)?;
                let is = self.text(&j.is)?;
                // DescribeRestoreJob Status (AWS Backup API reference).
                const WORDS: &[&str] = &["PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED"];
                if !WORDS.contains(&is.as_str()) {
                    self.err(
                        K::Invalid,
                        j.is.referenced,
                        format!("`{is}` is not a restore job status ({})", WORDS.join(", ")),
                    );
                    return None;
                }
                let Some(resource) = self.restore_steps.get(&step).cloned() else {
                    let known: Vec<&str> = self.restore_steps.keys().map(String::as_str).collect();
                    self.err(
                        K::UnknownReference,
                        j.step.referenced,
                        format!(
                            "`{step}` is not a restore_backup step of this runbook (restore steps: {})",
                            if known.is_empty() { "none".to_string() } else { known.join(", ") }
                        ),
                    );
                    return None;
                };
                let region = self.env.backup(&resource)?.dr_region.clone();
                Some(Condition::RestoreJob {
                    step,
                    region,
                    is,
                    job: None,
                })
            }
            ConditionFile::DynamodbReplication(t) => self.table_latency(t),
            ConditionFile::S3Replication(b) => self.bucket_condition(b),
            ConditionFile::Capacity(c) => {
                let group = self.capacity_group(
                    c.asg.as_ref(),
                    c.ecs_service.as_ref(),
                    &c.region,
                    c.region.referenced,
                )?;
                Some(Condition::Capacity {
                    group: group.name.clone(),
                    region: group.region.clone(),
                    target: group.target.clone(),
                    at_least: self.capacity_count(&c.at_least, group)?,
                })
            }
            ConditionFile::RecoveryPointAge(a) => {
                let name = self.protected(&a.resource)?.name.clone();
                let below = self.duration(&a.below)?;
                Some(Condition::RecoveryPointAge {
                    resource: name,
                    below_s: below.as_secs(),
                })
            }
            ConditionFile::RpoLag(l) => {
                let db = self.aurora(&l.database)?;
                let region = self.lag_region(db, l.region.as_ref(), l.database.referenced)?;
                Some(Condition::RpoLag {
                    database: db.name.clone(),
                    region,
                    below_ms: self.millis(&l.below_ms)?,
                })
            }
            ConditionFile::WriterRegion(w) => {
                let db = self.aurora(&w.database)?;
                let region = self.member_region(db, &w.is)?;
                Some(Condition::WriterRegion {
                    database: db.name.clone(),
                    region,
                })
            }
            ConditionFile::FailoverState(f) => {
                let db = self.aurora(&f.database)?;
                let word = self.text(&f.is)?;
                let Some(phase) = FailoverPhase::parse(&word) else {
                    self.err(
                        K::Invalid,
                        f.is.referenced,
                        format!(
                            "`{word}` is not a failover state (idle, pending, failing-over, cancelling, switching-over)"
                        ),
                    );
                    return None;
                };
                Some(Condition::FailoverState {
                    database: db.name.clone(),
                    phase,
                })
            }
            ConditionFile::RoutingControl(rc) => {
                let control = self.control(&rc.control);
                let state = self.control_state(&rc.state);
                let control = control?;
                Some(Condition::RoutingControl {
                    control: control.name.clone(),
                    arn: control.arn.clone(),
                    state: state?,
                })
            }
            ConditionFile::Alarm(a) => {
                let name = self.text(&a.name)?;
                let region = self
                    .env
                    .regions
                    .iter()
                    .find(|r| r.alarms.iter().any(|x| x == &name))
                    .map(|r| r.name.clone());
                let word = self.text(&a.state)?;
                let state = AlarmState::parse(&word.to_ascii_uppercase());
                if state.is_none() {
                    self.err(
                        K::Invalid,
                        a.state.referenced,
                        format!("`{word}` is not an alarm state (OK, ALARM, INSUFFICIENT_DATA)"),
                    );
                }
                let Some(region) = region else {
                    self.err(
                        K::UnknownReference,
                        a.name.referenced,
                        format!("alarm `{name}` is not listed under any Region's `alarms:`"),
                    );
                    return None;
                };
                Some(Condition::Alarm {
                    name,
                    region,
                    state: state?,
                })
            }
            ConditionFile::All(cs) | ConditionFile::Any(cs) => {
                if cs.is_empty() {
                    self.err(
                        K::Invalid,
                        at,
                        "`all:` / `any:` needs at least one condition",
                    );
                    return None;
                }
                let n = self.errors.len();
                let inner = self.conditions(cs, at);
                if self.errors.len() > n {
                    return None;
                }
                Some(if matches!(c, ConditionFile::All(_)) {
                    Condition::All(inner)
                } else {
                    Condition::Any(inner)
                })
            }
            ConditionFile::Not(inner) => Some(Condition::Not(Box::new(self.condition(inner, at)?))),
        }
    }

    /// Lag is reported by secondaries: the Region is required when there are several.
    fn lag_region(
        &mut self,
        db: &AuroraGlobal,
        region: Option<&S>,
        at: Location,
    ) -> Option<String> {
        match region {
            Some(r) => self.member_region(db, r),
            None => {
                self.err(
                    K::Invalid,
                    at,
                    format!(
                        "lag of `{}` is read per secondary Region: add `region:`",
                        db.name
                    ),
                );
                None
            }
        }
    }
}
