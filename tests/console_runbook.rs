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
            // Scaled capacity serves at once here (the twin warms it up; see
            // tests/runbook_run.rs).
            m if m.scale_ask().is_some() => {
                if let Some(a) = m.scale_ask() {
                    self.facts.capacity.insert(
                        (a.region, a.target),
                        drconsole::provider::CapacityInfo {
                            desired: a.desired,
                            min: a.min,
                            max: a.max,
                            in_service: a.desired,
                            warming: 0,
                            unhealthy: 0,
                            status: None,
                        },
                    );
                }
            }
            _ => {}
        }
        Ok(Receipt {
            request_id: Some("req-1".into()),
            endpoint: Some(call.endpoint()),
            output: None,
            created: None,
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
    assert_eq!(app.overlay, Overlay::None, "no dialog opens by itself");
    app.apply(Action::RunAct);
    let Overlay::Run(d) = &app.overlay else {
        panic!("Enter opens the confirm dialog: {:?}", app.overlay);
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
    app.apply(Action::RunAct);
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
    // Down to the flip (step 8).
    for _ in 0..7 {
        app.apply(Action::Down);
    }
    let s = screen(&mut app, 80, 24, now());
    assert!(s.contains("READ-ONLY: walk and plan only"), "{s}");
    insta::assert_snapshot!("read_only_walk_80x24", s);
    // Further down the step: the rule preview and the exact call.
    let mut seen = String::new();
    for _ in 0..3 {
        app.apply(Action::PageDown);
        seen.push_str(&screen(&mut app, 80, 24, now()));
    }
    assert!(
        seen.contains("every safety rule holds after this change"),
        "{seen}"
    );
    assert!(seen.contains("UpdateRoutingControlStates"), "{seen}");
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
    run.cmd(Command::Confirm { typed: None }, 75); // scale-workers
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

/// Longer than the console's dialog guard (300 ms after a dialog is first drawn):
/// keys sent after this are the operator's answer to a dialog they have seen.
const GUARD_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Lets the dialog guard pass: the dialog is on screen, the operator reads it.
fn read_dialog(c: &mut pty::Console) {
    std::thread::sleep(GUARD_WAIT);
    c.pump(std::time::Duration::from_millis(50));
}

/// Confirms the dialog on screen (after the guard): optionally types, moves to OK,
/// presses it.
fn confirm(c: &mut pty::Console, typed: Option<&str>) {
    read_dialog(c);
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
    c.wait_text("checklist: 2 left");

    // The declaration: Enter before the checklist is ticked says what is left.
    c.keys(ENTER);
    c.wait_text("tick the checklist first");
    assert!(
        !c.screen().contains("Confirm:"),
        "no dialog for an unticked checklist"
    );
    c.keys(b"x");
    c.keys(b"x");
    c.wait_text("Enter to review");
    assert!(
        !c.screen().contains("Confirm:"),
        "no dialog opens by itself"
    );
    c.keys(ENTER);
    c.wait_text("Confirm: Declare the outage");
    confirm(&mut c, None);

    // The checks pass; the failover asks, with the data loss, for the Region typed.
    c.wait_screen("db-failover awaiting", |s| {
        s.lines()
            .any(|l| l.contains("db-failover") && l.contains("Enter to review"))
    });
    c.keys(ENTER);
    c.wait_text("Type us-west-2 to confirm");
    c.wait_text("at least ≈");
    confirm(&mut c, Some("us-west-2"));

    // The wait for the writer ends and the scale-out awaits; look at the dashboard
    // first: the writer has moved.
    c.wait_screen("scale-out awaiting", |s| {
        s.lines()
            .any(|l| l.contains("scale-out") && l.contains("Enter to review"))
    });
    c.keys(ESC);
    c.wait_screen("the writer in us-west-2", |s| {
        s.contains("writer us-west-2")
    });

    // Back to the run: `r` opens no dialog; Enter reviews the scale-out, then the flip.
    c.keys(b"r");
    c.wait_text("scale-out awaits confirmation");
    assert!(!c.screen().contains("Confirm:"), "r opens no dialog");
    c.keys(ENTER);
    c.wait_text("Confirm: Scale out");
    confirm(&mut c, None);
    // The web tier warms up (60–150 s on the twin, ×20), then the workers ask.
    c.wait_screen("scale-workers awaiting", |s| {
        s.lines()
            .any(|l| l.contains("scale-workers") && l.contains("Enter to review"))
    });
    c.keys(ENTER);
    c.wait_text("Confirm: Scale the workers");
    confirm(&mut c, None);
    c.wait_screen("flip awaiting", |s| {
        s.lines()
            .any(|l| l.contains("flip") && l.contains("Enter to review"))
    });
    c.keys(ENTER);
    c.wait_text("Confirm: Move traffic");
    c.wait_text("every safety rule holds after this change");
    confirm(&mut c, Some("us-west-2"));
    c.wait_text("COMPLETED");
    c.wait_text("RTO achieved");

    // The routing controls flipped, on the dashboard.
    c.keys(ESC);
    c.wait_screen("cell-us-west-2 On and cell-us-east-1 Off", controls_flipped);

    c.keys(b"q");
    c.wait_text("Leave drconsole?");
    read_dialog(&mut c);
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
    // Offered by a line, never by a dialog that opens by itself.
    assert_eq!(app.overlay, Overlay::None);
    let (msg, _) = app.message.clone().expect("a line offers it");
    assert!(msg.contains("R reviews resuming it"), "{msg}");
    app.message = None;
    let s = screen(&mut app, 80, 24, now());
    assert!(s.contains("unfinished run Pilot light failover"), "{s}");
    app.apply(Action::ReviewResume);
    let Overlay::Run(d) = &app.overlay else {
        panic!("R opens the resume dialog: {:?}", app.overlay);
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
    // Offered by a footer line; the dialog opens only on the operator's own key (R).
    assert_eq!(app2.overlay, Overlay::None, "no dialog opens by itself");
    app2.apply(Action::ReviewResume);
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
        c.wait_text("checklist: 2 left");
        c.keys(b"x");
        c.keys(b"x");
        c.wait_text("Enter to review");
        c.keys(ENTER);
        c.wait_text("Confirm: Declare the outage");
        confirm(&mut c, None);
        c.wait_screen("db-failover awaiting", |s| {
            s.lines()
                .any(|l| l.contains("db-failover") && l.contains("Enter to review"))
        });
        c.keys(ENTER);
        c.wait_text("Type us-west-2 to confirm");
        // Dropping the console kills it mid-run, dialog open.
    }
    let mut c = pty::start(&args, state.path());
    // Offered by a line; `R` opens the dialog.
    c.wait_text("unfinished run");
    assert!(!c.screen().contains("Resume the unfinished run?"));
    c.keys(b"R");
    c.wait_text("Resume the unfinished run?");
    c.wait_text("Pilot light failover");
    confirm(&mut c, None);
    // Done steps stay done; the failover asks again, with a fresh RPO reading.
    c.wait_screen("db-failover awaiting", |s| {
        s.lines()
            .any(|l| l.contains("db-failover") && l.contains("Enter to review"))
    });
    c.keys(ENTER);
    c.wait_text("Type us-west-2 to confirm");
    read_dialog(&mut c);
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

/// A step awaiting confirmation opens no dialog by itself (not on a view, not on `r`);
/// Enter does, for the step that awaits it.
#[test]
fn no_dialog_opens_by_itself() {
    let (run, mut app) = to_failover_confirm();
    app.on_run_event(run.view(40));
    assert_eq!(app.overlay, Overlay::None);
    let s = screen(&mut app, 80, 24, now() + Duration::seconds(41));
    assert!(s.contains("awaiting confirmation — Enter to review"), "{s}");
    app.runbook.visible = false;
    app.apply(Action::OpenRunbooks);
    assert_eq!(app.overlay, Overlay::None, "r opens no dialog");
    app.apply(Action::RunAct);
    assert!(matches!(
        &app.overlay,
        Overlay::Run(d) if matches!(d.kind, DialogKind::Confirm { step: 3, .. })
    ));
}

/// Enter on a manual step with unticked items says which are left; no dialog.
#[test]
fn an_incomplete_checklist_opens_no_confirm_dialog() {
    let env = env();
    let rb = runbook("pilot-light-failover", &env);
    let mut app = app(false);
    app.on_run_event(RunEvent::Opened(opened("pilot-light-failover", &rb, &env)));
    let mut run = Run::start(rb, &env);
    run.cmd(Command::Tick { item: 0 }, 2);
    app.on_run_event(run.view(3));
    app.apply(Action::RunAct);
    assert_eq!(app.overlay, Overlay::None);
    let (msg, _) = app.message.clone().expect("says what is left");
    assert!(msg.contains("1 left: Writers in us-east-1"), "{msg}");
    let s = screen(&mut app, 80, 24, now() + Duration::seconds(3));
    assert!(s.contains("checklist: 1 left — x ticks"), "{s}");
}

/// A dialog for a step the run has left closes itself, and says why.
#[test]
fn a_dialog_for_a_step_no_longer_current_closes_itself() {
    let (mut run, mut app) = to_failover_confirm();
    app.on_run_event(run.view(40));
    app.apply(Action::RunAct);
    let s = screen(&mut app, 100, 30, now() + Duration::seconds(41));
    assert!(
        s.contains("Confirm: Fail over the Aurora global database to us-west-2 (db-failover)"),
        "the dialog names its step: {s}"
    );
    // Another console (or the headless runner) confirmed it meanwhile.
    run.cmd(
        Command::Confirm {
            typed: Some("us-west-2".into()),
        },
        45,
    );
    app.on_run_event(run.view(46));
    assert_eq!(app.overlay, Overlay::None);
    let (msg, _) = app.message.clone().expect("a line says why");
    assert!(
        msg.contains("closed the confirm dialog: the run moved on from db-failover"),
        "{msg}"
    );
    assert!(msg.contains("nothing was sent"), "{msg}");
}

/// Type-ahead through the real key path: `s`, a reason, Tab and Enter in one burst
/// open the skip dialog and nothing else; the dialog says the keys were ignored.
#[test]
fn typed_ahead_keys_never_act_in_a_runbook_dialog() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use std::time::Instant;
    let (run, mut app) = to_failover_confirm();
    app.on_run_event(run.view(40));
    let t0 = Instant::now();
    let mut effects = Vec::new();
    for k in "sreason\t\r".chars() {
        let code = match k {
            '\t' => KeyCode::Tab,
            '\r' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        effects.extend(app.on_key(&KeyEvent::new(code, KeyModifiers::NONE), t0));
    }
    assert!(effects.is_empty(), "{effects:?}");
    let Overlay::Run(d) = &app.overlay else {
        panic!("the skip dialog is open: {:?}", app.overlay);
    };
    assert!(d.text.is_empty() && !d.ok_focused, "{d:?}");
    let s = screen(&mut app, 100, 30, now() + Duration::seconds(41));
    assert!(s.contains("Skip: db-failover"), "{s}");
    assert!(
        s.contains("8 keys typed before this dialog was on screen were ignored"),
        "{s}"
    );
}

#[test]
fn g_and_capital_g_jump_and_the_cursor_follows_the_run_unless_moved() {
    let (mut run, mut app) = to_failover_confirm();
    app.on_run_event(run.view(40));
    assert_eq!(app.runbook.selected, 3, "follows the current step");
    app.apply(Action::Top);
    assert_eq!(app.runbook.selected, 0);
    run.cmd(
        Command::Confirm {
            typed: Some("us-west-2".into()),
        },
        45,
    );
    app.on_run_event(run.view(46));
    assert_eq!(app.runbook.selected, 0, "moved by the operator: stays");
    app.apply(Action::Bottom);
    assert_eq!(app.runbook.selected, app.runbook.step_count() - 1);
    // Back on the current step, it follows again.
    let cur = app.runbook.open.as_ref().and_then(|o| o.current()).unwrap();
    while app.runbook.selected > cur {
        app.apply(Action::Up);
    }
    assert!(app.runbook.follow);
}

#[path = "support/twin_process.rs"]
mod twin_process;

mod external {
    //! The console against a twin in another process, whose request log says what
    //! was sent.

    use super::pty::{COLS, Console, ROWS};
    use super::twin_process::TwinProcess;
    use portable_pty::CommandBuilder;
    use std::path::Path;
    use std::time::Duration;

    pub fn start(twin: &TwinProcess, state: &Path, env: &[(&str, &str)]) -> Console {
        let mut cmd = CommandBuilder::new("sh");
        // stderr goes to a file: test hooks print there, not over the screen.
        cmd.arg("-c");
        cmd.arg("exec \"$0\" \"$@\" 2>>\"$DRCONSOLE_TEST_STDERR\"");
        cmd.arg(env!("CARGO_BIN_EXE_drconsole"));
        cmd.args(["--poll-ms", "300", "--twin-endpoints"]);
        cmd.arg(&twin.file);
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("XDG_STATE_HOME", state);
        cmd.env("USER", "alice");
        cmd.env("DRCONSOLE_TEST_STDERR", state.join("stderr.txt"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        Console::spawn(
            cmd,
            ROWS,
            COLS,
            Duration::from_secs(60),
            Duration::from_millis(150),
        )
    }

    /// Mutating requests the twin received (any outcome), by operation.
    pub fn mutations(twin: &TwinProcess) -> Vec<String> {
        twin.requests()
            .into_iter()
            .filter(|r| r["mutating"] == true)
            .map(|r| r["operation"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

/// Keys typed ahead into every kind of dialog (quit, start, yes-confirm, skip reason,
/// abort, typed confirm, override) act on nothing: the dialog stays open with Cancel
/// focused and the twin's request log shows nothing sent.
#[test]
fn typed_ahead_keys_send_nothing_from_any_dialog() {
    let twin = twin_process::TwinProcess::start("calm", 1.0);
    let state = tempfile::tempdir().expect("state dir");
    let mut c = external::start(&twin, state.path(), &[]);
    c.wait_text("us-east-1");
    let sent = |t: &twin_process::TwinProcess| external::mutations(t).len();

    // Types `keys` in one write, waits for `title`, lets the guard pass, and checks
    // the dialog is still open and nothing more was sent; then cancels it.
    let type_ahead = |c: &mut pty::Console, keys: &[u8], title: &str, before: usize| {
        c.keys(keys);
        c.wait_text(title);
        read_dialog(c);
        c.pump(std::time::Duration::from_millis(300));
        let s = c.screen();
        assert!(s.contains(title), "the dialog stays open:\n{s}");
        assert!(s.contains("ignored"), "it says keys were ignored:\n{s}");
        assert_eq!(sent(&twin), before, "nothing sent:\n{s}");
        assert!(c.running());
        c.keys(ESC);
        let t = title.to_string();
        c.wait_screen("the dialog closed", move |s| !s.contains(&t));
    };

    type_ahead(&mut c, b"q\t\r", "Leave drconsole?", 0);
    c.keys(b":run tests/fixtures/runbook-console/type-ahead.yaml");
    c.keys(ENTER);
    c.wait_text("not started");
    type_ahead(&mut c, b"\r\t\r", "Start the run?", 0);
    assert!(c.screen().contains("not started"));
    c.keys(ENTER);
    c.wait_text("Start the run?");
    confirm(&mut c, None);

    // The pause ends; the routing change awaits, and no dialog opens by itself.
    c.wait_text("awaiting confirmation — Enter to review");
    c.pump(std::time::Duration::from_millis(800));
    assert!(!c.screen().contains("Confirm:"), "{}", c.screen());
    type_ahead(&mut c, b"\r\t\r", "Confirm: Turn on us-west-2 (west-on)", 0);
    type_ahead(&mut c, b"sreason\t\r", "Skip: west-on", 0);
    type_ahead(&mut c, b"a\t\r", "Abort the run?", 0);
    assert!(!c.screen().contains("ABORTED"));

    // Confirmed when seen: one call.
    c.keys(ENTER);
    c.wait_text("Confirm: Turn on us-west-2 (west-on)");
    confirm(&mut c, None);
    c.wait_screen("west-typed awaiting", |s| {
        s.lines()
            .any(|l| l.contains("west-typed") && l.contains("Enter to review"))
    });
    assert_eq!(
        external::mutations(&twin),
        vec!["UpdateRoutingControlStates".to_string()]
    );
    type_ahead(
        &mut c,
        b"\rus-west-2\t\r",
        "Confirm: Turn on us-west-2 again, typed",
        1,
    );

    // Skipped when seen, with a reason.
    c.keys(b"s");
    c.wait_text("Skip: west-typed");
    read_dialog(&mut c);
    c.keys(b"already on");
    c.keys(TAB);
    c.keys(ENTER);
    c.wait_screen("all-off awaiting", |s| {
        s.lines()
            .any(|l| l.contains("all-off") && l.contains("Enter to review"))
    });
    // ARC refuses turning every cell off; the override dialog gets typed-ahead keys.
    c.keys(ENTER);
    c.wait_text("Confirm: Turn every cell off");
    confirm(&mut c, None);
    c.wait_screen("all-off failed", |s| {
        s.lines()
            .any(|l| l.contains("all-off") && l.contains("failed"))
    });
    let refused = sent(&twin);
    assert!(refused >= 2, "{:?}", external::mutations(&twin));
    type_ahead(
        &mut c,
        b"oreason\t\r",
        "Break-glass override: all-off",
        refused,
    );

    c.keys(b"q");
    c.wait_text("Leave drconsole?");
    read_dialog(&mut c);
    c.keys(b"\t\r");
    assert!(c.wait_exit().success());
    assert_eq!(sent(&twin), refused, "{:?}", external::mutations(&twin));
}

/// Ctrl-L and `:redraw` at 80×24 mid-run: the console stays alive (it used to ask the
/// terminal for the cursor position and exit 2 after 2 s), repaints every cell of a
/// screen it cannot trust, and the run goes on.
#[test]
fn ctrl_l_and_redraw_repaint_everything_and_the_run_goes_on() {
    let state = tempfile::tempdir().expect("state dir");
    let mut c = pty::start(&["--scenario", "calm", "--poll-ms", "300"], state.path());
    c.wait_text("us-east-1");
    c.keys(b":run tests/fixtures/runbook-console/pauses.yaml");
    c.keys(ENTER);
    c.wait_text("not started");
    c.keys(ENTER);
    c.wait_text("Start the run?");
    confirm(&mut c, None);
    c.wait_text("waiting");
    let whole = |s: &str| {
        s.contains("RUNBOOK")
            && s.contains("Two pauses")
            && s.contains("Steps 2")
            && s.lines().any(|l| l.contains("breathe"))
            && s.lines().any(|l| l.contains("after"))
    };
    assert!(whole(&c.screen()), "{}", c.screen());

    // A garbled terminal: what is on it is no longer what the console drew.
    c.forget_screen();
    c.keys(b"\x0c");
    c.wait_screen("the whole screen after Ctrl-L", whole);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(c.running(), "alive after Ctrl-L:\n{}", c.screen());

    c.forget_screen();
    c.keys(b":redraw");
    c.keys(ENTER);
    c.wait_screen("the whole screen after :redraw", whole);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(c.running(), "alive after :redraw:\n{}", c.screen());

    c.wait_text("COMPLETED");
    c.keys(b"q");
    c.wait_text("Leave drconsole?");
    read_dialog(&mut c);
    c.keys(b"\t\r");
    assert!(c.wait_exit().success());
}

/// A `command` step running `sleep 20` shows "running" once confirmed, not "awaiting
/// confirmation" until the program ends.
#[test]
fn a_long_command_shows_running_while_it_runs() {
    let state = tempfile::tempdir().expect("state dir");
    let mut c = pty::start(&["--scenario", "calm", "--poll-ms", "300"], state.path());
    c.wait_text("us-east-1");
    c.keys(b":run tests/fixtures/runbook-console/sleep.yaml");
    c.keys(ENTER);
    c.wait_text("not started");
    c.keys(ENTER);
    c.wait_text("Start the run?");
    confirm(&mut c, None);
    c.wait_text("Enter to review");
    c.keys(ENTER);
    c.wait_text("Confirm: Sleep twenty seconds (nap)");
    confirm(&mut c, None);
    let nap = |s: &str, word: &str| s.lines().any(|l| l.contains("nap") && l.contains(word));
    c.wait_screen("nap running", move |s| nap(s, "running"));
    // Still running (the program takes 20 s): the view did not wait for it.
    assert!(!nap(&c.screen(), "done"), "{}", c.screen());
}

/// On the outage scenario, the confirmed failover shows "running" before its call is
/// even sent: the engine is held (test hook) right after the call's intent is
/// journaled, and the twin's request log has no FailoverGlobalCluster yet. The time
/// from the confirming key to "running" on screen is printed (README Measurements).
#[test]
fn outage_failover_shows_running_before_its_call() {
    let twin = twin_process::TwinProcess::start("primary-region-outage", 20.0);
    let state = tempfile::tempdir().expect("state dir");
    let mut c = external::start(
        &twin,
        state.path(),
        &[("DRCONSOLE_TEST_PAUSE_AT", "intent:db-failover")],
    );
    c.wait_text("us-east-1");
    c.keys(b":run pilot-light-failover");
    c.keys(ENTER);
    c.wait_text("not started");
    c.keys(ENTER);
    c.wait_text("Start the run?");
    confirm(&mut c, None);
    c.wait_text("checklist: 2 left");
    c.keys(b"x");
    c.keys(b"x");
    c.wait_text("Enter to review");
    c.keys(ENTER);
    c.wait_text("Confirm: Declare the outage");
    confirm(&mut c, None);
    let row = |s: &str, word: &str| {
        s.lines()
            .any(|l| l.contains("db-failover") && l.contains(word))
    };
    c.wait_screen("db-failover awaiting", move |s| row(s, "Enter to review"));
    c.keys(ENTER);
    c.wait_text("Type us-west-2 to confirm");
    read_dialog(&mut c);
    c.keys(b"us-west-2");
    c.keys(TAB);
    // The confirming key, then every screen until the step shows "running".
    let key_at = std::time::Instant::now();
    c.keys_now(ENTER);
    c.wait_for(
        "db-failover running",
        std::time::Duration::from_secs(60),
        move |c| row(&c.screen(), "running"),
    );
    let shown = key_at.elapsed();
    eprintln!(
        "MEASUREMENT confirm key → \"running\" on screen: {} ms",
        shown.as_millis()
    );
    // The order: "running" is on screen while the call is not yet sent.
    assert!(
        !external::mutations(&twin).contains(&"FailoverGlobalCluster".to_string()),
        "the failover call went out before the screen said running"
    );
    assert!(!row(&c.screen(), "awaiting"), "{}", c.screen());
}

/// The help and the README say why typed-ahead keys do nothing in a dialog.
#[test]
fn help_and_readme_explain_the_dialog_guard() {
    let note = drconsole::tui::keymap::DIALOG_GUARD_NOTE;
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    assert!(readme.contains(note), "README lacks: {note}");
    let mut app = app(false);
    app.apply(Action::ToggleHelp);
    app.apply(Action::Bottom);
    let s = screen(&mut app, 100, 40, now());
    assert!(s.contains("Dialogs never open by themselves"), "{s}");
}
