//! What the console finds on disk: the runbooks under `runbooks/`, and unfinished runs
//! under the state directory.

use crate::config::Environment;
use crate::model::Mode;
use crate::runbook::journal::{LockState, Record, ResumePoint, RunLock, read_journal};
use crate::runbook::validate;
use crate::tui::runbook::{CatalogueEntry, UnfinishedRun};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every `*.yaml` (and `*.yml`) in the search path, validated with default
/// parameters; a name already found in an earlier directory hides a later one (as
/// [`resolve`](super::search::resolve) picks the earlier one too).
pub fn catalogue(dirs: &[PathBuf], env: &Environment) -> Vec<CatalogueEntry> {
    let files = super::search::runbook_files(dirs);
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            match validate::load(&p, env, &BTreeMap::new()) {
                Ok(rb) => CatalogueEntry {
                    name,
                    title: rb.name,
                    summary: rb.summary,
                    error: None,
                },
                Err(e) => CatalogueEntry {
                    title: name.clone(),
                    name,
                    summary: None,
                    error: Some(e.to_string().lines().next().unwrap_or_default().to_string()),
                },
            }
        })
        .collect()
}

/// Runs under the state directory that started and never ended, newest first; only
/// those started in the same mode (a LIVE run is never offered on the twin). A journal
/// that cannot be read is listed with the reason instead of vanishing.
pub fn unfinished(state_dir: &Path, mode: Mode) -> Vec<UnfinishedRun> {
    crate::runbook::journal::run_files(state_dir)
        .into_iter()
        .filter_map(|f| {
            let (held_by, left_by_dead) = match RunLock::state(&f) {
                LockState::Held(h) => (Some(h), None),
                LockState::LeftByDeadProcess(h) => (None, Some(h)),
                LockState::Free => (None, None),
            };
            let j = match read_journal(&f) {
                Ok(j) => j,
                Err(e) => {
                    return Some(UnfinishedRun {
                        run_id: f
                            .file_stem()
                            .map(|s| s.to_string_lossy().to_string())
                            .unwrap_or_default(),
                        runbook: "?".into(),
                        started_at: None,
                        initiator: "?".into(),
                        last_step: None,
                        held_by,
                        left_by_dead,
                        unreadable: Some(e.to_string()),
                        fresh_twin: false,
                    });
                }
            };
            let same_mode = j.lines.iter().any(
                |l| matches!(&l.record, Record::RunStart { mode: m, .. } if m == mode.as_str()),
            );
            let p = ResumePoint::from_lines(&j.lines);
            (same_mode && p.is_unfinished()).then(|| UnfinishedRun {
                last_step: p.last_step.as_ref().map(|s| {
                    let word = p.statuses.get(s).map(|(w, _)| w.as_str()).unwrap_or("?");
                    format!("{s} ({word})")
                }),
                run_id: p.run_id,
                runbook: p.runbook,
                started_at: p.started_at,
                initiator: p.initiator,
                held_by,
                left_by_dead,
                unreadable: None,
                fresh_twin: false,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::RUNBOOK_DIR;
    use super::*;
    use crate::runbook::journal;

    #[test]
    fn the_shipped_runbooks_are_listed_and_valid_for_their_environment() {
        let env = Environment::builtin_default().unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(RUNBOOK_DIR);
        let c = catalogue(&[dir], &env);
        assert!(c.iter().any(|e| e.name == "pilot-light-failover"), "{c:?}");
        // The active/active runbooks are listed, with why they do not load here.
        for e in &c {
            match e.name.as_str() {
                "region-evacuation" | "region-return" => assert!(
                    e.error
                        .as_deref()
                        .is_some_and(|m| m.contains("is for environment `shop-prod`")),
                    "{e:?}"
                ),
                _ => assert!(e.error.is_none(), "{e:?}"),
            }
        }
        let aa = Environment::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/active-active-env.yaml"),
        )
        .unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(RUNBOOK_DIR);
        let c = catalogue(&[dir], &aa);
        for name in ["region-evacuation", "region-return"] {
            let e = c.iter().find(|e| e.name == name).unwrap();
            assert!(e.error.is_none(), "{e:?}");
        }
    }

    #[test]
    fn an_earlier_directory_hides_the_same_name_in_a_later_one() {
        let env = Environment::builtin_default().unwrap();
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join(RUNBOOK_DIR);
        let mine = tempfile::tempdir().unwrap();
        std::fs::write(mine.path().join("game-day.yaml"), "not: a runbook\n").unwrap();
        let c = catalogue(&[mine.path().to_path_buf(), shipped.clone()], &env);
        let game_days: Vec<_> = c.iter().filter(|e| e.name == "game-day").collect();
        assert_eq!(game_days.len(), 1, "{c:?}");
        assert!(
            game_days[0].error.is_some(),
            "the earlier (broken) one wins"
        );
        assert_eq!(c.len(), catalogue(&[shipped], &env).len());
    }

    #[test]
    fn unfinished_runs_are_found_and_ended_ones_are_not() {
        use crate::runbook::journal::{JournalWriter, Record, Recorder};
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::Utc::now();
        let start = |id: &str| Record::RunStart {
            run_id: id.into(),
            runbook: "Pilot light failover".into(),
            path: Some("runbooks/pilot-light-failover.yaml".into()),
            hash: "h".into(),
            params: BTreeMap::new(),
            operator: "alice@box".into(),
            identity: None,
            mode: "SIMULATED".into(),
            read_only: false,
            rto_target_s: 900,
        };
        let mut open = JournalWriter::create(&journal::run_path(dir.path(), "r1")).unwrap();
        open.record(now, start("r1")).unwrap();
        open.record(
            now,
            Record::Step {
                step: "assess".into(),
                status: "done".into(),
                detail: None,
            },
        )
        .unwrap();
        let mut ended = JournalWriter::create(&journal::run_path(dir.path(), "r2")).unwrap();
        ended.record(now, start("r2")).unwrap();
        ended
            .record(
                now,
                Record::RunEnd {
                    outcome: "completed".into(),
                },
            )
            .unwrap();
        assert!(unfinished(dir.path(), Mode::Live).is_empty());
        let found = unfinished(dir.path(), Mode::Simulated);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].run_id, "r1");
        assert_eq!(found[0].last_step.as_deref(), Some("assess (done)"));
        assert_eq!(found[0].initiator, "alice@box");
        assert!(found[0].resumable());
    }

    /// A run held by a live console (the OS lock) is listed as held and not
    /// resumable; once its console is gone the lock's text says who left it.
    #[test]
    fn a_held_run_is_not_resumable_and_a_dead_holder_is_named() {
        use crate::runbook::journal::{JournalWriter, Recorder, fixture};
        let dir = tempfile::tempdir().unwrap();
        let path = journal::run_path(dir.path(), "r1");
        let mut w = JournalWriter::create(&path).unwrap();
        for l in fixture::lines().into_iter().take(8) {
            w.record(l.at, l.record).unwrap();
        }
        let lock = RunLock::acquire(&path, "alice@box").unwrap();
        let found = unfinished(dir.path(), Mode::Simulated);
        assert!(
            found[0]
                .held_by
                .as_deref()
                .unwrap()
                .starts_with("alice@box")
        );
        assert!(!found[0].resumable());
        assert!(found[0].why_not_offered().unwrap().contains("live console"));
        // A crash: the kernel frees the lock, the text stays.
        drop(lock);
        std::fs::write(RunLock::path_for(&path), "alice@box pid 1 since x\n").unwrap();
        let found = unfinished(dir.path(), Mode::Simulated);
        assert!(found[0].resumable(), "{found:?}");
        assert_eq!(
            found[0].left_by_dead.as_deref(),
            Some("alice@box pid 1 since x")
        );
    }

    /// A journal damaged before its last line is listed with the reason, not dropped.
    #[test]
    fn an_unreadable_run_is_listed_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal::run_path(dir.path(), "r9");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "not json}\n{\"seq\":2}\n").unwrap();
        let found = unfinished(dir.path(), Mode::Simulated);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].run_id, "r9");
        assert!(!found[0].resumable());
        assert!(
            found[0].unreadable.as_deref().unwrap().contains(":1:"),
            "{found:?}"
        );
    }
}
