//! A journal written by the real [`JournalWriter`](super::JournalWriter), with every
//! kind of record a run produces (a crash and resume included, and non-ASCII text),
//! for the reader's fuzzing and the summary's tests.

use super::record::{Line, Record, Recorder};
use super::writer::JournalWriter;
use crate::runbook::plan::{ControlEntry, Mutation};
use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeMap;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 14, 0, 0).unwrap()
}

/// The records of a run that was killed after its first confirmed call and resumed,
/// then aborted, with the second of their timestamps.
pub fn records() -> Vec<(i64, Record)> {
    let mutation = Mutation::UpdateRoutingControlStates {
        entries: vec![ControlEntry {
            routing_control_arn:
                "arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/east"
                    .into(),
            name: "east".into(),
            routing_control_state: crate::model::arc::ControlState::Off,
        }],
        safety_rules_to_override: Vec::new(),
    };
    let step = |s: &str, st: &str| Record::Step {
        step: s.into(),
        status: st.into(),
        detail: None,
    };
    vec![
        (
            0,
            Record::RunStart {
                run_id: "20260304T140000Z-pilot-light-failover-0a1b".into(),
                runbook: "Pilot light failover".into(),
                path: Some("runbooks/pilot-light-failover.yaml".into()),
                hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                params: BTreeMap::from([("target".to_string(), "us-west-2".to_string())]),
                operator: "alice@bastion".into(),
                identity: Some("arn:aws:sts::111122223333:assumed-role/DrOperator/alice".into()),
                mode: "SIMULATED".into(),
                read_only: false,
                rto_target_s: 900,
            },
        ),
        (1, step("assess", "running")),
        (2, step("assess", "done")),
        (3, step("fence", "awaiting_confirmation")),
        (
            20,
            Record::Confirmed {
                step: "fence".into(),
                by: "alice@bastion".into(),
                typed: Some("us-east-1".into()),
                prompt: "Turn east Off".into(),
                data_loss_ms: Some(1800.0),
            },
        ),
        (20, step("fence", "running")),
        (
            20,
            Record::Intent {
                step: "fence".into(),
                call: 0,
                endpoint: "https://host-aaaaaa.us-west-2.example.com/v1".into(),
                mutation,
            },
        ),
        (
            21,
            Record::Outcome {
                step: "fence".into(),
                call: 0,
                ok: true,
                request_id: Some("4b6e1c2a-rid".into()),
                endpoint: Some("https://host-aaaaaa.us-west-2.example.com/v1".into()),
                error: None,
                blocking_rules: Vec::new(),
                output: None,
                unknown: false,
                created: None,
            },
        ),
        // The console was killed here; a new one resumed a minute later.
        (
            85,
            Record::Resumed {
                operator: "bob@bastion".into(),
            },
        ),
        (86, step("fence", "done")),
        (
            90,
            Record::Skipped {
                step: "notify".into(),
                by: "bob@bastion".into(),
                reason: "pager already sent — see #incident".into(),
            },
        ),
        (
            95,
            Record::Operator {
                by: "bob@bastion".into(),
                command: "abort".into(),
                reason: Some("primary came back; standing down…".into()),
            },
        ),
        (
            95,
            Record::RunEnd {
                outcome: "aborted".into(),
            },
        ),
    ]
}

/// The fixture's lines as the writer numbers them.
pub fn lines() -> Vec<Line> {
    records()
        .into_iter()
        .enumerate()
        .map(|(i, (s, record))| Line {
            seq: i as u64 + 1,
            at: t0() + chrono::Duration::seconds(s),
            record,
        })
        .collect()
}

/// The bytes of the fixture written by the real writer to a real file.
pub fn real_journal_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs/r.jsonl");
    let mut w = JournalWriter::create(&path).unwrap();
    for l in lines() {
        w.record(l.at, l.record).unwrap();
    }
    std::fs::read(&path).unwrap()
}
