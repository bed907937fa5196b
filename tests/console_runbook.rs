//! Runbooks in the console: screens of the runbook view rendered on ratatui's
//! TestBackend from a real engine walked against a fake world, and a pseudo-terminal
//! run of the real binary against the twin.

use chrono::{DateTime, Duration, Utc};
use drconsole::config::Environment;
use drconsole::model::arc::evaluate_update;
use drconsole::model::snapshot::Snapshot;
use drconsole::model::{ControlState, Mode, Verdict};
use drconsole::runbook::condition::{Facts, FailoverPhase, Probe};
use drconsole::runbook::driver::RunClock;
use drconsole::runbook::engine::{
    CallError, CallErrorKind, Command, Engine, Receipt, RunContext, StepStatus, World,
};
use drconsole::runbook::journal::MemoryRecorder;
use drconsole::runbook::{Mutation, Runbook, validate};
use drconsole::tui::app::{App, ConsoleInfo, Overlay};
use drconsole::tui::runbook::{DialogKind, Opened, RunEvent};
use drconsole::tui::{Action, synthetic, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

fn env() -> Environment {
    Environment::builtin_default().expect("built-in environment")
}

fn now() -> DateTime<Utc> {
    synthetic::fixed_now()
}

/// A world that answers reads from `facts` and applies calls the way the twin would:
/// ARC judges routing-control updates by the environment's safety rules.
struct FakeWorld {
    facts: Facts,
    env: Environment,
    sent: Vec<Mutation>,
}

impl FakeWorld {
    fn outage(env: &Environment) -> Self {
        let mut f = Facts::default();
        f.region_health.insert("us-west-2".into(), Verdict::Healthy);
        f.writer.insert("orders".into(), "us-east-1".into());
        f.failover.insert("orders".into(), FailoverPhase::Idle);
        f.rpo_lag_ms
            .insert(("orders".into(), "us-west-2".into()), 1800.0);
        f.lag_ms
            .insert(("orders".into(), "us-west-2".into()), 1700.0);
        f.alarms.insert(
            "orders-api-5xx-usw2".into(),
            drconsole::model::AlarmState::Ok,
        );
        for c in &env.arc.controls {
            let on = c.name == "cell-us-east-1";
            f.controls.insert(
                c.arn.clone(),
                if on {
                    ControlState::On
                } else {
                    ControlState::Off
                },
            );
        }
        FakeWorld {
            facts: f,
            env: env.clone(),
            sent: Vec::new(),
        }
    }
}

impl World for FakeWorld {
    fn read(&mut self, _probes: &[Probe]) -> Facts {
        self.facts.clone()
    }

    fn perform(&mut self, call: &Mutation) -> Result<Receipt, CallError> {
        self.sent.push(call.clone());
        match call {
            Mutation::UpdateRoutingControlStates {
                entries,
                safety_rules_to_override,
            } => {
                let rules: Vec<_> = self.env.arc.rules.iter().map(|r| r.rule.clone()).collect();
                let names: HashMap<_, _> = self
                    .env
                    .arc
                    .controls
                    .iter()
                    .map(|c| (c.arn.clone(), c.name.clone()))
                    .collect();
                let updates: Vec<_> = entries
                    .iter()
                    .map(|e| (e.routing_control_arn.clone(), e.routing_control_state))
                    .collect();
                let v = evaluate_update(
                    &rules,
                    &self.facts.controls,
                    &updates,
                    safety_rules_to_override,
                    &[],
                    &names,
                );
                if !v.is_empty() {
                    let mut e = CallError::new(
                        CallErrorKind::SafetyRule,
                        format!("ConflictException: {}", v[0]),
                    );
                    e.blocking_rules = v.iter().map(|x| x.rule_arn.clone()).collect();
                    e.endpoint = Some("ap-northeast-1".into());
                    return Err(e);
                }
                for (arn, st) in updates {
                    self.facts.controls.insert(arn, st);
                }
            }
            Mutation::FailoverGlobalCluster { region, .. } => {
                self.facts.writer.insert("orders".into(), region.clone());
            }
            _ => {}
        }
        Ok(Receipt {
            request_id: Some("req-1".into()),
            endpoint: Some(call.endpoint()),
            output: None,
        })
    }
}

fn runbook(name: &str, env: &Environment) -> Runbook {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("runbooks")
        .join(format!("{name}.yaml"));
    validate::load(&path, env, &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}"))
}

fn opened(file: &str, rb: &Runbook, env: &Environment) -> Opened {
    Opened {
        file: file.to_string(),
        runbook: Arc::new(rb.clone()),
        safety_rules: Arc::new(env.arc.rules.iter().map(|r| r.rule.clone()).collect()),
        control_names: Arc::new(
            env.arc
                .controls
                .iter()
                .map(|c| (c.arn.clone(), c.name.clone()))
                .collect(),
        ),
        clock: RunClock::real(),
    }
}

/// The synthetic snapshot with the environment's control ARNs, so live guards and the
/// rule preview read the same controls the runbook names.
fn snapshot(mut s: Snapshot, env: &Environment) -> Snapshot {
    for c in &mut s.controls {
        if let Some(e) = env.control_by_name(&c.name) {
            c.arn = e.arn.clone();
        }
    }
    s
}

fn app(read_only: bool) -> App {
    let mut app = App::new(ConsoleInfo {
        environment: "orders-prod (twin)".to_string(),
        mode: Mode::Simulated,
        read_only,
        poll_period_ms: 2000,
    });
    let env = env();
    let s = snapshot(synthetic::primary_region_outage(now()), &env);
    app.set_snapshot(Arc::new(s));
    app
}

struct Run {
    engine: Engine,
    world: FakeWorld,
    rec: MemoryRecorder,
}

impl Run {
    fn start(rb: Runbook, env: &Environment) -> Run {
        let ctx = RunContext::for_environment(
            env,
            "20261127T031200Z-pilot-light-failover-1a2b".into(),
            "alice@bastion".into(),
            Mode::Simulated,
            false,
        );
        let mut rec = MemoryRecorder::default();
        let mut engine = Engine::start(rb, ctx, &mut rec, now()).expect("start");
        let mut world = FakeWorld::outage(env);
        engine
            .advance(&mut world, &mut rec, now())
            .expect("advance");
        Run { engine, world, rec }
    }

    fn cmd(&mut self, c: Command, at_s: i64) {
        self.engine
            .command(
                c,
                &mut self.world,
                &mut self.rec,
                now() + Duration::seconds(at_s),
            )
            .unwrap_or_else(|e| panic!("{e}"));
    }

    fn view(&self, at_s: i64) -> RunEvent {
        RunEvent::View(Box::new(self.engine.view(now() + Duration::seconds(at_s))))
    }
}

/// Renders twice, as the event loop does.
fn screen(app: &mut App, w: u16, h: u16, at: DateTime<Utc>) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    for _ in 0..2 {
        let mut vp = None;
        term.draw(|f| vp = Some(view::draw(f, app, at)))
            .expect("draw");
        if let Some(vp) = vp {
            app.set_viewports(vp.viewport);
        }
    }
    term.backend().to_string()
}

/// Pilot light on an outage: the declaration confirmed, checks passed, up to the
/// failover's confirmation.
fn to_failover_confirm() -> (Run, App) {
    let env = env();
    let rb = runbook("pilot-light-failover", &env);
    let mut app = app(false);
    app.on_run_event(RunEvent::Opened(opened("pilot-light-failover", &rb, &env)));
    let mut run = Run::start(rb, &env);
    run.cmd(Command::Tick { item: 0 }, 20);
    run.cmd(Command::Tick { item: 1 }, 25);
    run.cmd(Command::Confirm { typed: None }, 31);
    assert!(matches!(
        run.engine.status("db-failover"),
        Some(StepStatus::AwaitingConfirmation { .. })
    ));
    (run, app)
}

#[test]
fn data_loss_failover_confirm_dialog() {
    let (run, mut app) = to_failover_confirm();
    app.on_run_event(run.view(40));
    let Overlay::Run(d) = &app.overlay else {
        panic!("the confirm dialog opens by itself: {:?}", app.overlay);
    };
    assert!(!d.ok_focused, "Cancel has the focus");
    assert!(matches!(d.kind, DialogKind::Confirm { .. }));
    for c in "us-west".chars() {
        app.apply(Action::InsertChar(c));
    }
    let s = screen(&mut app, 80, 24, now() + Duration::seconds(41));
    assert!(s.contains("at least ≈1.8 s of writes in us-east-1;"), "{s}");
    assert!(s.contains("Type us-west-2 to confirm"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn typed_confirm_must_match_and_enter_on_cancel_sends_nothing() {
    let (run, mut app) = to_failover_confirm();
    app.on_run_event(run.view(40));
    for c in "us-east-1".chars() {
        app.apply(Action::InsertChar(c));
    }
    // Enter with Cancel focused cancels.
    assert_eq!(app.apply(Action::Submit), None);
    assert_eq!(app.overlay, Overlay::None);
    // Enter reopens; a wrong Region is refused in the dialog.
    app.apply(Action::RunAct);
    for c in "us-east-1".chars() {
        app.apply(Action::InsertChar(c));
    }
    app.apply(Action::NextButton);
    assert_eq!(app.apply(Action::Submit), None);
    let Overlay::Run(d) = &app.overlay else {
        panic!("dialog stays open");
    };
    assert!(d.error.as_deref().unwrap_or("").contains("us-west-2"));
    // The right Region goes out as the engine's typed confirmation.
    for _ in 0..9 {
        app.apply(Action::DeleteChar);
    }
    for c in "us-west-2".chars() {
        app.apply(Action::InsertChar(c));
    }
    app.apply(Action::NextButton);
    let effect = app.apply(Action::Submit);
    assert_eq!(
        effect,
        Some(drconsole::tui::app::Effect::Run(
            drconsole::tui::runbook::RunRequest::StepCommand {
                step: "db-failover".into(),
                cmd: Command::Confirm {
                    typed: Some("us-west-2".into())
                }
            }
        ))
    );
}

#[test]
fn runbook_view_mid_run() {
    let (mut run, mut app) = to_failover_confirm();
    app.on_run_event(run.view(40));
    app.apply(Action::Back); // the dialog
    // The failover is accepted; the writer has not moved yet, so the wait polls.
    run.engine
        .command(
            Command::Confirm {
                typed: Some("us-west-2".into()),
            },
            &mut FakeWorldNoMove(&mut run.world),
            &mut run.rec,
            now() + Duration::seconds(52),
        )
        .expect("confirm");
    assert!(matches!(
        run.engine.status("writer-moved"),
        Some(StepStatus::Waiting { .. })
    ));
    app.on_run_event(run.view(60));
    let s = screen(&mut app, 80, 24, now() + Duration::seconds(75));
    assert!(s.contains("RTO 1:15 / 15:00"), "{s}");
    assert!(s.contains("✔ db-failover"), "{s}");
    assert!(s.contains("waiting, 9m37s left"), "{s}");
    insta::assert_snapshot!("runbook_view_mid_run_80x24", s);
    // The target Region stays readable at 80 columns even with a message in the
    // header: the run id gives way first.
    app.runbook.busy = Some("asking the run service…".into());
    let busy = screen(&mut app, 80, 24, now() + Duration::seconds(75));
    let header = busy.lines().nth(3).unwrap_or_default();
    assert!(header.contains("from=us-east-1 to=us-west-2 "), "{busy}");
    app.runbook.busy = None;
    let wide = screen(&mut app, 160, 40, now() + Duration::seconds(75));
    assert!(wide.contains("Planned API calls"), "{wide}");
    insta::assert_snapshot!("runbook_view_mid_run_160x40", wide);
    app.apply(Action::AskQuit);
    let s = screen(&mut app, 80, 24, now() + Duration::seconds(76));
    assert!(s.contains("the run stays resumable"), "{s}");
}

#[test]
fn waiting_step_counts_down() {
    let (mut run, mut app) = to_failover_confirm();
    // The failover call returns but the writer has not moved yet.
    run.world
        .facts
        .writer
        .insert("orders".into(), "us-east-1".into());
    run.engine
        .command(
            Command::Confirm {
                typed: Some("us-west-2".into()),
            },
            &mut FakeWorldNoMove(&mut run.world),
            &mut run.rec,
            now() + Duration::seconds(50),
        )
        .expect("confirm");
    app.on_run_event(run.view(50));
    let s = screen(&mut app, 80, 24, now() + Duration::seconds(110));
    // Timeout 10m from 03:13:20 → 9 m left at +60 s.
    assert!(s.contains("waiting, 9m00s left"), "{s}");
}

/// Performs calls without moving the writer (the failover is still running).
struct FakeWorldNoMove<'a>(&'a mut FakeWorld);

impl World for FakeWorldNoMove<'_> {
    fn read(&mut self, p: &[Probe]) -> Facts {
        self.0.read(p)
    }
    fn perform(&mut self, call: &Mutation) -> Result<Receipt, CallError> {
        self.0.sent.push(call.clone());
        Ok(Receipt::default())
    }
}

const DRAIN_FIRST: &str = r#"
name: Drain us-east-1 first
summary: The wrong order — take traffic out of us-east-1 before us-west-2 is on
environment: orders-prod
rto: 15m
steps:
  - id: drain-east
    title: Take traffic out of us-east-1
    routing_controls:
      - { control: cell-us-east-1, state: off }
"#;

#[test]
fn safety_rule_conflict_is_explained_and_override_offered() {
    let env = env();
    let rb = validate::parse(DRAIN_FIRST, "drain-first.yaml", &env, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut app = app(false);
    app.on_run_event(RunEvent::Opened(opened("drain-first", &rb, &env)));
    let mut run = Run::start(rb, &env);
    let StepStatus::AwaitingConfirmation { prompt } =
        run.engine.status("drain-east").unwrap().clone()
    else {
        panic!("drain-east asks first");
    };
    assert!(
        prompt
            .rules
            .as_deref()
            .unwrap_or("")
            .contains("would be blocked"),
        "{prompt:?}"
    );
    run.cmd(Command::Confirm { typed: None }, 10);
    assert!(matches!(
        run.engine.status("drain-east"),
        Some(StepStatus::Failed { .. })
    ));
    app.on_run_event(run.view(12));
    let s = screen(&mut app, 100, 30, now() + Duration::seconds(12));
    assert!(s.contains("ARC refused the change"), "{s}");
    assert!(s.contains("at-least-one-cell-on"), "{s}");
    assert!(s.contains("o: break-glass override"), "{s}");
    insta::assert_snapshot!("safety_rule_conflict_100x30", s);

    // The override dialog names only the rule ARC named, and needs a typed reason.
    app.apply(Action::RunOverride);
    let Overlay::Run(d) = &app.overlay else {
        panic!("override dialog");
    };
    let DialogKind::Override { rules, .. } = &d.kind else {
        panic!("{d:?}");
    };
    assert_eq!(rules, &vec![env.arc.rules[0].rule.arn.clone()]);
    app.apply(Action::NextButton);
    assert_eq!(app.apply(Action::Submit), None, "no reason, no override");
    for c in "IC approved: us-west-2 is serving".chars() {
        app.apply(Action::InsertChar(c));
    }
    let s = screen(&mut app, 100, 30, now() + Duration::seconds(14));
    insta::assert_snapshot!("safety_rule_override_dialog_100x30", s);
    app.apply(Action::NextButton);
    let eff = app.apply(Action::Submit);
    assert_eq!(
        eff,
        Some(drconsole::tui::app::Effect::Run(
            drconsole::tui::runbook::RunRequest::StepCommand {
                step: "drain-east".into(),
                cmd: Command::Override {
                    reason: "IC approved: us-west-2 is serving".into()
                }
            }
        ))
    );
}

#[test]
fn read_only_walks_and_never_starts() {
    let env = env();
    let rb = runbook("pilot-light-failover", &env);
    let mut app = app(true);
    app.on_run_event(RunEvent::Opened(opened("pilot-light-failover", &rb, &env)));
    assert_eq!(app.apply(Action::RunAct), None);
    assert_eq!(app.overlay, Overlay::None, "no start dialog in read-only");
    for _ in 0..6 {
        app.apply(Action::Down);
    }
    let s = screen(&mut app, 80, 24, now());
    assert!(s.contains("READ-ONLY: walk and plan only"), "{s}");
    assert!(
        s.contains("every safety rule holds after this change"),
        "{s}"
    );
    insta::assert_snapshot!("read_only_walk_80x24", s);
    app.apply(Action::PageDown);
    app.apply(Action::PageDown);
    let s = screen(&mut app, 80, 24, now());
    assert!(s.contains("UpdateRoutingControlStates"), "{s}");
}

#[test]
fn finished_run_shows_the_summary() {
    let (mut run, mut app) = to_failover_confirm();
    run.cmd(
        Command::Confirm {
            typed: Some("us-west-2".into()),
        },
        52,
    );
    // Remember the accepted data loss as the console does when the operator confirms.
    app.runbook.data_loss_ms = Some(1800.0);
    run.cmd(Command::Confirm { typed: None }, 70); // scale-out
    run.cmd(
        Command::Confirm {
            typed: Some("us-west-2".into()),
        },
        90,
    ); // flip
    run.engine
        .advance(&mut run.world, &mut run.rec, now() + Duration::seconds(300))
        .expect("advance");
    let v = run.engine.view(now() + Duration::seconds(300));
    assert!(
        matches!(v.run, drconsole::runbook::engine::RunStatus::Completed),
        "{:?}",
        v.run
    );
    app.on_run_event(RunEvent::View(Box::new(v)));
    let s = screen(&mut app, 100, 34, now() + Duration::seconds(400));
    assert!(s.contains("RTO achieved"), "{s}");
    assert!(s.contains("about 1.8 s of committed writes"), "{s}");
    assert!(s.contains("confirmed by alice@bastion"), "{s}");
    insta::assert_snapshot!("run_summary_100x34", s);
}

#[path = "support/pty.rs"]
mod pty_harness;

mod pty {
    //! The real binary in a pseudo-terminal at 80×24 against the twin.

    pub use super::pty_harness::Console;
    use portable_pty::CommandBuilder;
    use std::path::Path;
    use std::time::Duration;

    pub const ROWS: u16 = 24;
    pub const COLS: u16 = 80;

    pub fn start(args: &[&str], state_dir: &Path) -> Console {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_drconsole"));
        cmd.args(args);
        // runbooks/ is found from the working directory.
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("XDG_STATE_HOME", state_dir);
        cmd.env("USER", "alice");
        // Keys are given time to land before the next look at the screen.
        Console::spawn(
            cmd,
            ROWS,
            COLS,
            Duration::from_secs(40),
            Duration::from_millis(150),
        )
    }
}

const TAB: &[u8] = b"\t";
const ENTER: &[u8] = b"\r";
const ESC: &[u8] = b"\x1b";

/// Confirms the dialog on screen: optionally types, moves to OK, presses it.
fn confirm(c: &mut pty::Console, typed: Option<&str>) {
    if let Some(t) = typed {
        c.keys(t.as_bytes());
    }
    c.keys(TAB);
    c.keys(ENTER);
}

fn controls_flipped(s: &str) -> bool {
    s.lines()
        .any(|l| l.contains("On") && l.contains("cell-us-west-2"))
        && s.lines()
            .any(|l| l.contains("Off") && l.contains("cell-us-east-1"))
}

#[test]
fn pilot_light_failover_in_the_console() {
    let state = tempfile::tempdir().expect("state dir");
    let mut c = pty::start(
        &[
            "--scenario",
            "primary-region-outage",
            "--speed",
            "20",
            "--poll-ms",
            "300",
        ],
        state.path(),
    );
    c.wait_text("us-east-1");
    // The writer starts in us-east-1 (shown once read, or unknown once the Region is
    // dark: the outage may already have begun by the first poll).
    c.wait_screen("the orders database", |s| {
        s.contains("writer us-east-1") || s.contains("orders")
    });
    assert!(!c.screen().contains("writer us-west-2"));

    // Open the runbook from the command line and start a run.
    c.keys(b":run pilot-light-failover");
    c.keys(ENTER);
    c.wait_text("RUNBOOK");
    c.wait_text("not started");
    c.keys(ENTER);
    c.wait_text("Start the run?");
    confirm(&mut c, None);
    c.wait_text("awaiting confirmation");

    // The declaration: tick the checklist, then its confirm dialog opens by itself.
    c.keys(b"x");
    c.keys(b"x");
    c.wait_text("Confirm: Declare the outage");
    confirm(&mut c, None);

    // The checks pass; the failover asks, with the data loss, for the Region typed.
    c.wait_text("Type us-west-2 to confirm");
    c.wait_text("at least ≈");
    confirm(&mut c, Some("us-west-2"));

    // The wait for the writer ends and the scale-out asks; look at the dashboard
    // first: the writer has moved.
    c.wait_text("Confirm: Scale out");
    c.keys(ESC);
    c.wait_text("not confirmed: nothing was sent");
    c.keys(ESC);
    c.wait_screen("the writer in us-west-2", |s| {
        s.contains("writer us-west-2")
    });

    // Back to the run: the scale-out asks again, then the flip with the Region typed.
    c.keys(b"r");
    c.wait_text("Confirm: Scale out");
    confirm(&mut c, None);
    c.wait_text("Confirm: Move traffic");
    c.wait_text("every safety rule holds after this change");
    confirm(&mut c, Some("us-west-2"));
    c.wait_text("COMPLETED");
    c.wait_text("RTO achieved");

    // The routing controls flipped, on the dashboard.
    c.keys(ESC);
    c.wait_screen("cell-us-west-2 On and cell-us-east-1 Off", controls_flipped);

    c.keys(b"q");
    c.keys(TAB);
    c.keys(ENTER);
    assert!(c.wait_exit().success());
    // The run is journaled under the state directory.
    let runs = std::fs::read_dir(state.path().join("drconsole/runs"))
        .expect("runs dir")
        .count();
    assert!(runs >= 1);
}

#[test]
fn help_in_the_runbook_view_opens_at_the_operator_controls() {
    let env = env();
    let rb = runbook("pilot-light-failover", &env);
    let mut app = app(false);
    app.on_run_event(RunEvent::Opened(opened("pilot-light-failover", &rb, &env)));
    app.apply(Action::ToggleHelp);
    let s = screen(&mut app, 100, 40, now());
    for words in [
        "Runbook view",
        "pause the run",
        "resume a paused run",
        "skip the current step (with a reason)",
        "retry a failed or blocked step",
        "abort the run",
    ] {
        assert!(s.contains(words), "{words} missing from help:\n{s}");
    }
}

#[test]
fn an_unfinished_run_is_offered_for_resume() {
    let mut app = app(false);
    let run = drconsole::tui::runbook::UnfinishedRun {
        run_id: "20261127T031200Z-pilot-light-failover-1a2b".into(),
        runbook: "Pilot light failover".into(),
        started_at: Some(now()),
        initiator: "alice@bastion".into(),
        last_step: Some("db-failover (awaiting_confirmation)".into()),
        held_by: None,
        left_by_dead: None,
        unreadable: None,
        fresh_twin: false,
    };
    app.on_run_event(RunEvent::Unfinished(vec![run.clone()]));
    let Overlay::Run(d) = &app.overlay else {
        panic!("resume is offered: {:?}", app.overlay);
    };
    assert!(!d.ok_focused, "Cancel has the focus");
    let s = screen(&mut app, 80, 24, now());
    assert!(s.contains("Resume the unfinished run?"), "{s}");
    assert!(s.contains("db-failover"), "{s}");
    app.apply(Action::NextButton);
    assert_eq!(
        app.apply(Action::Submit),
        Some(drconsole::tui::app::Effect::Run(
            drconsole::tui::runbook::RunRequest::Resume {
                run_id: run.run_id.clone()
            }
        ))
    );
}

/// Issue 7 §4: a run held by a live console is not offered; the console says who
/// holds it. A run left by a dead console is offered and says so, and a fresh
/// in-process twin is said not to remember the earlier calls.
#[test]
fn a_held_run_is_not_offered_and_a_fresh_twin_is_warned_about() {
    let base = drconsole::tui::runbook::UnfinishedRun {
        run_id: "20261127T031200Z-pilot-light-failover-1a2b".into(),
        runbook: "Pilot light failover".into(),
        started_at: Some(now()),
        initiator: "alice@bastion".into(),
        last_step: Some("db-failover (awaiting_confirmation)".into()),
        held_by: Some("alice@bastion pid 77 since 03:12".into()),
        left_by_dead: None,
        unreadable: None,
        fresh_twin: true,
    };
    let mut app = app(false);
    app.on_run_event(RunEvent::Unfinished(vec![base.clone()]));
    assert_eq!(app.overlay, Overlay::None, "a held run is not offered");
    let said = app.message.clone().map(|m| m.0).unwrap_or_default();
    assert!(
        said.contains("held by a live console (alice@bastion pid 77"),
        "{said}"
    );

    let mut app2 = self::app(false);
    let dead = drconsole::tui::runbook::UnfinishedRun {
        held_by: None,
        left_by_dead: Some("alice@bastion pid 77 since 03:12".into()),
        ..base
    };
    app2.on_run_event(RunEvent::Unfinished(vec![dead]));
    assert!(
        matches!(app2.overlay, Overlay::Run(_)),
        "{:?}",
        app2.overlay
    );
    let s = screen(&mut app2, 120, 40, now());
    assert!(s.contains("whose console is gone"), "{s}");
    assert!(s.contains("does not remember the calls"), "{s}");
}

#[test]
fn operator_controls_become_engine_commands() {
    use drconsole::tui::app::Effect;
    use drconsole::tui::runbook::RunRequest;
    let (run, mut app) = to_failover_confirm();
    app.on_run_event(run.view(40));
    app.apply(Action::Back); // leave the confirm dialog
    let cmd = |c: Command| Some(Effect::Run(RunRequest::Command(c)));
    let at = |c: Command| {
        Some(Effect::Run(RunRequest::StepCommand {
            step: "db-failover".into(),
            cmd: c,
        }))
    };
    assert_eq!(app.apply(Action::RunPause), cmd(Command::Pause));
    assert_eq!(app.apply(Action::RunResume), cmd(Command::Resume));
    assert_eq!(app.apply(Action::RunRetry), at(Command::Retry));
    // Skip needs a reason.
    app.apply(Action::RunSkip);
    app.apply(Action::NextButton);
    assert_eq!(app.apply(Action::Submit), None);
    for c in "done by hand".chars() {
        app.apply(Action::InsertChar(c));
    }
    app.apply(Action::NextButton);
    assert_eq!(
        app.apply(Action::Submit),
        at(Command::Skip {
            reason: "done by hand".into()
        })
    );
    // Abort asks first, Cancel focused: Enter alone sends nothing.
    app.apply(Action::RunAbort);
    assert_eq!(app.apply(Action::Submit), None);
    assert_eq!(app.overlay, Overlay::None);
    app.apply(Action::RunAbort);
    app.apply(Action::NextButton);
    assert_eq!(
        app.apply(Action::Submit),
        cmd(Command::Abort {
            reason: String::new()
        })
    );
    // No override without a refusal from ARC naming its rules.
    app.apply(Action::RunOverride);
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn runbook_list_opens_with_r_and_enter_asks_the_service() {
    use drconsole::tui::app::Effect;
    use drconsole::tui::runbook::{CatalogueEntry, RunRequest};
    let mut app = app(false);
    let entry = |n: &str| CatalogueEntry {
        name: n.into(),
        title: n.into(),
        summary: Some("summary".into()),
        error: None,
    };
    app.on_run_event(RunEvent::Catalogue(vec![
        entry("aurora-planned-switchover"),
        entry("pilot-light-failover"),
    ]));
    app.apply(Action::OpenRunbooks);
    assert!(matches!(
        app.overlay,
        Overlay::RunbookPicker { selected: 0 }
    ));
    let s = screen(&mut app, 80, 24, now());
    assert!(s.contains("pilot-light-failover"), "{s}");
    app.apply(Action::Down);
    assert_eq!(
        app.apply(Action::Submit),
        Some(Effect::Run(RunRequest::Open {
            name: "pilot-light-failover".into(),
            params: BTreeMap::new()
        }))
    );
    // `:run NAME k=v` carries the parameters.
    app.apply(Action::OpenCommandLine);
    for c in "run pilot-light-failover to=us-east-1 from=us-west-2".chars() {
        app.apply(Action::InsertChar(c));
    }
    let eff = app.apply(Action::Submit);
    let Some(Effect::Run(RunRequest::Open { name, params })) = eff else {
        panic!("{eff:?}");
    };
    assert_eq!(name, "pilot-light-failover");
    assert_eq!(params.get("to").map(String::as_str), Some("us-east-1"));
}

#[test]
fn a_killed_console_offers_its_run_for_resume() {
    let state = tempfile::tempdir().expect("state dir");
    let args = [
        "--scenario",
        "primary-region-outage",
        "--speed",
        "20",
        "--poll-ms",
        "300",
    ];
    {
        let mut c = pty::start(&args, state.path());
        c.wait_text("us-east-1");
        c.keys(b":run pilot-light-failover");
        c.keys(ENTER);
        c.wait_text("not started");
        c.keys(ENTER);
        c.wait_text("Start the run?");
        confirm(&mut c, None);
        c.wait_text("awaiting confirmation");
        c.keys(b"x");
        c.keys(b"x");
        c.wait_text("Confirm: Declare the outage");
        confirm(&mut c, None);
        c.wait_text("Type us-west-2 to confirm");
        // Dropping the console kills it mid-run, dialog open.
    }
    let mut c = pty::start(&args, state.path());
    c.wait_text("Resume the unfinished run?");
    c.wait_text("Pilot light failover");
    confirm(&mut c, None);
    // Done steps stay done; the failover asks again, with a fresh RPO reading.
    c.wait_text("Type us-west-2 to confirm");
    c.keys(ESC);
    c.wait_screen("the declaration still done", |s| {
        s.lines()
            .any(|l| l.contains("✔ assess") && l.contains("done"))
    });
}

/// The manual first step waits for the operator: its kind line says so, it is not
/// "confirmed by" anyone while it waits, and its instructions appear once.
#[test]
fn manual_step_says_what_it_waits_for_and_shows_instructions_once() {
    let env = env();
    let rb = runbook("pilot-light-failover", &env);
    let mut app = app(false);
    app.on_run_event(RunEvent::Opened(opened("pilot-light-failover", &rb, &env)));
    let run = Run::start(rb, &env);
    assert!(matches!(
        run.engine.status("assess"),
        Some(StepStatus::AwaitingConfirmation { .. })
    ));
    let RunEvent::View(mut v) = run.view(5) else {
        unreachable!("view() builds a view")
    };
    // As seen in the trial: an operator recorded against a step still waiting.
    v.steps[0].confirmed_by = Some("unknown@vm".into());
    app.on_run_event(RunEvent::View(v));
    if matches!(app.overlay, Overlay::Run(_)) {
        app.apply(Action::Back);
    }
    let s = screen(&mut app, 100, 40, now() + Duration::seconds(6));
    assert!(s.contains("assess · manual · operator acknowledges"), "{s}");
    assert!(!s.contains("no confirm"), "{s}");
    assert!(s.contains("awaiting"), "{s}");
    assert!(!s.contains("confirmed by"), "{s}");
    assert_eq!(
        s.matches("Confirm with the incident channel").count(),
        1,
        "{s}"
    );
}

/// Break-glass, after the override: the dialog and the detail pane name the rule the
/// change violates and say the override is in effect with its reason; the calls carry
/// `SafetyRulesToOverride` (ARC UpdateRoutingControlStates request parameter); the risk
/// line says no Region serves traffic when every control ends Off; the journal keeps
/// the same words.
#[test]
fn break_glass_confirm_tells_the_truth_about_the_override() {
    let env = env();
    let rb = validate::parse(DRAIN_FIRST, "drain-first.yaml", &env, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut app = app(false);
    app.on_run_event(RunEvent::Opened(opened("drain-first", &rb, &env)));
    let mut run = Run::start(rb, &env);
    run.cmd(Command::Confirm { typed: None }, 10);
    let reason = "IC approved: us-west-2 is serving";
    run.cmd(
        Command::Override {
            reason: reason.into(),
        },
        14,
    );
    let Some(StepStatus::AwaitingConfirmation { prompt }) = run.engine.status("drain-east") else {
        panic!("the overridden step asks again");
    };
    let rules = prompt.rules.clone().unwrap_or_default();
    assert!(!rules.contains("every safety rule holds"), "{rules}");
    assert!(
        rules.contains("violates safety rule at-least-one-cell-on"),
        "{rules}"
    );
    let bg = prompt.break_glass.clone().unwrap_or_default();
    assert!(
        bg.contains("at-least-one-cell-on") && bg.contains(reason),
        "{bg}"
    );
    assert!(
        prompt
            .calls
            .iter()
            .any(|c| c.contains("SafetyRulesToOverride=[arn:")),
        "{:?}",
        prompt.calls
    );
    let risk = prompt.risk.clone().unwrap_or_default();
    assert!(!risk.contains("traffic moves"), "{risk}");
    assert!(
        risk.contains("no Region is meant to serve traffic"),
        "{risk}"
    );

    app.on_run_event(run.view(15));
    if !matches!(app.overlay, Overlay::Run(_)) {
        app.apply(Action::RunAct);
    }
    let s = screen(&mut app, 100, 40, now() + Duration::seconds(16));
    assert!(s.contains("BREAK-GLASS"), "{s}");
    assert!(s.contains("SafetyRulesToOverride"), "{s}");
    insta::assert_snapshot!("break_glass_confirm_after_override_100x40", s);

    app.apply(Action::Back);
    let s = screen(&mut app, 100, 40, now() + Duration::seconds(17));
    assert!(!s.contains("every safety rule holds"), "{s}");
    assert!(
        s.contains("override of at-least-one-cell-on in effect"),
        "{s}"
    );
    assert!(s.contains("(overridden)"), "{s}");
    assert!(s.contains("SafetyRulesToOverride"), "{s}");
    insta::assert_snapshot!("break_glass_detail_after_override_100x40", s);

    run.cmd(Command::Confirm { typed: None }, 20);
    let journaled = run
        .rec
        .lines
        .iter()
        .filter_map(|l| match &l.record {
            drconsole::runbook::journal::Record::Confirmed { prompt, .. } => Some(prompt.clone()),
            _ => None,
        })
        .next_back()
        .unwrap_or_default();
    assert!(journaled.contains("BREAK-GLASS"), "{journaled}");
    assert!(
        !journaled.contains("every safety rule holds"),
        "{journaled}"
    );
}

/// The dashboard beside the run: from 160 columns Regions, replication and routing
/// stay in sight beside the steps; below that `d` switches between the steps and the
/// panels without leaving the run.
#[test]
fn dashboard_panels_beside_the_run() {
    let (run, mut app) = to_failover_confirm();
    app.on_run_event(run.view(40));
    if matches!(app.overlay, Overlay::Run(_)) {
        app.apply(Action::Back);
    }
    let wide = screen(&mut app, 160, 40, now() + Duration::seconds(41));
    for want in [
        "Steps",
        "Regions",
        "Replication",
        "Routing controls",
        "RUNBOOK",
    ] {
        assert!(wide.contains(want), "{want}:\n{wide}");
    }
    insta::assert_snapshot!("runbook_with_dashboard_160x40", wide);

    let narrow = screen(&mut app, 100, 30, now() + Duration::seconds(41));
    assert!(
        narrow.contains("Steps") && !narrow.contains("Routing controls"),
        "{narrow}"
    );
    app.apply(Action::ToggleRunDashboard);
    let panels = screen(&mut app, 100, 30, now() + Duration::seconds(42));
    assert!(panels.contains("RUNBOOK"), "still in the run:\n{panels}");
    assert!(
        panels.contains("Routing controls") && !panels.contains("Steps"),
        "{panels}"
    );
    assert!(app.runbook.visible, "the run view is still up");
    app.apply(Action::ToggleRunDashboard);
    let back = screen(&mut app, 100, 30, now() + Duration::seconds(43));
    assert!(back.contains("Steps"), "{back}");
}
