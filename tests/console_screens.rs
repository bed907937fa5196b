//! Screen snapshots: the console rendered on ratatui's TestBackend from synthetic
//! snapshots shaped like the twin's scenarios. Time is fixed so screens are stable.

use drconsole::model::Mode;
use drconsole::model::snapshot::Snapshot;
use drconsole::tui::app::{App, ConsoleInfo, Panel};
use drconsole::tui::feed::{FaultEntry, FeedState};
use drconsole::tui::{Action, synthetic, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use std::sync::Arc;

fn info(read_only: bool) -> ConsoleInfo {
    ConsoleInfo {
        environment: "orders-prod (twin)".to_string(),
        mode: Mode::Simulated,
        read_only,
        poll_period_ms: 2000,
    }
}

fn app_with(snap: Snapshot) -> App {
    let mut app = App::new(info(false));
    app.set_snapshot(Arc::new(snap));
    app
}

/// Renders twice, as the event loop does: the first frame tells the app its viewports.
fn screen(app: &mut App, w: u16, h: u16) -> String {
    drawn(app, w, h).backend().to_string()
}

fn drawn(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    let now = synthetic::fixed_now();
    for _ in 0..2 {
        let mut vp = None;
        term.draw(|f| vp = Some(view::draw(f, app, now)))
            .expect("draw");
        if let Some(vp) = vp {
            app.set_viewports(vp.viewport);
        }
    }
    term
}

/// Where `needle` starts on the first row that contains it, in cells.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let want: Vec<String> = needle.chars().map(String::from).collect();
    let area = buf.area;
    (area.top()..area.bottom()).find_map(|y| {
        let row: Vec<&str> = (area.left()..area.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        row.windows(want.len())
            .position(|w| w.iter().zip(&want).all(|(a, b)| *a == b))
            .map(|x| (area.x + x as u16, y))
    })
}

/// The first cell of the value after `label` on the row that names `anchor`.
fn value_after(buf: &Buffer, anchor: &str, label: &str) -> Option<Cell> {
    let (_, y) = find(buf, anchor)?;
    let row = Rect::new(buf.area.x, y, buf.area.width, 1);
    let mut line = Buffer::empty(row);
    for x in row.left()..row.right() {
        line[(x, y)] = buf[(x, y)].clone();
    }
    let (x, _) = find(&line, label)?;
    Some(buf[(x + label.chars().count() as u16, y)].clone())
}

fn is_over_target(c: &Cell) -> bool {
    c.fg == Color::Red && c.modifier.contains(Modifier::BOLD)
}

/// Chart cells drawn in the "over the RPO target" style.
fn bars_over_target(buf: &Buffer) -> usize {
    buf.content()
        .iter()
        .filter(|c| c.symbol() == "█" && is_over_target(c))
        .count()
}

fn faults() -> Vec<FaultEntry> {
    vec![
        FaultEntry {
            label: "impair us-east-1".into(),
            detail: "the Region's APIs hang; alarms fire".into(),
        },
        FaultEntry {
            label: "darken ARC endpoint 3".into(),
            detail: "ap-southeast-2 cluster endpoint stops answering".into(),
        },
        FaultEntry {
            label: "lag spike on orders".into(),
            detail: "replication lag climbs past the RPO target for 2 minutes".into(),
        },
    ]
}

#[test]
fn calm_80x24() {
    let mut app = app_with(synthetic::calm(synthetic::fixed_now()));
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn calm_200x50() {
    let mut app = app_with(synthetic::calm(synthetic::fixed_now()));
    insta::assert_snapshot!(screen(&mut app, 200, 50));
}

#[test]
fn primary_region_outage_80x24() {
    let mut app = app_with(synthetic::primary_region_outage(synthetic::fixed_now()));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("UNKNOWN"), "{s}");
    assert!(s.contains("unreachable since 03:12:09"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn stale_and_unknown_header_80x24() {
    let mut app = App::new(info(true));
    app.set_snapshot(Arc::new(synthetic::primary_region_outage(
        synthetic::fixed_now(),
    )));
    let s = screen(&mut app, 80, 24);
    let header: Vec<&str> = s.lines().take(2).collect();
    assert!(
        header[0].contains("orders-prod (twin)")
            && header[0].contains(" 23s old · ? unknown  03:12:30 UTC"),
        "{s}"
    );
    insta::assert_snapshot!(header.join("\n"));
}

#[test]
fn lag_storm_120x40() {
    let mut app = app_with(synthetic::lag_storm(synthetic::fixed_now()));
    let term = drawn(&mut app, 120, 40);
    let buf = term.backend().buffer();
    let s = term.backend().to_string();
    for label in ["  lag ", "RPO lag "] {
        // Three spaces: the member's row, not the header's "RPO breach: orders → us-west-2".
        let v = value_after(buf, "   → us-west-2", label).expect("the member's lag is shown");
        assert!(
            is_over_target(&v),
            "{label}above the 5 s target is drawn red and bold, got {v:?}: {s}"
        );
    }
    assert!(
        bars_over_target(buf) > 0,
        "chart bars above the target are red: {s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn calm_lag_is_not_drawn_over_target() {
    let mut app = app_with(synthetic::calm(synthetic::fixed_now()));
    let term = drawn(&mut app, 120, 40);
    let buf = term.backend().buffer();
    let s = term.backend().to_string();
    for label in ["  lag ", "RPO lag "] {
        let v = value_after(buf, "→ us-west-2", label).expect("the member's lag is shown");
        assert_ne!(v.symbol(), "u", "calm lag is known: {s}");
        assert!(!is_over_target(&v), "{label}under the target: {v:?}: {s}");
    }
    assert_eq!(bars_over_target(buf), 0, "{s}");
}

#[test]
fn safety_rule_wraps_instead_of_being_cut_at_120x40() {
    let mut snap = synthetic::calm(synthetic::fixed_now());
    snap.rules[0].description =
        "assertion: at least 1 of cell-us-east-1, cell-us-west-2 must be On".to_string();
    let mut app = app_with(snap);
    let s = screen(&mut app, 120, 40);
    let lines: Vec<&str> = s.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("✔ rule: assertion: at least 1 of"))
        .expect("the rule is shown");
    assert!(!lines[at].contains("…"), "{s}");
    assert!(lines[at + 1].contains("must be On"), "{s}");
}

#[test]
fn failover_in_flight_120x40() {
    let mut app = app_with(synthetic::failing_over(synthetic::fixed_now()));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("FAILOVER failing-over us-east-1→us-west-2"),
        "{s}"
    );
}

#[test]
fn connecting_before_any_data() {
    let mut app = App::new(info(true));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("connecting…"), "{s}");
    assert!(s.contains("READ-ONLY"), "{s}");
    assert!(s.contains("SIMULATED"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn connection_failure_is_shown_not_hidden() {
    let mut app = App::new(info(false));
    app.feed = FeedState::Failed("no credentials in the chain".into());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("no credentials in the chain"), "{s}");
}

#[test]
fn help_overlay() {
    let mut app = app_with(synthetic::calm(synthetic::fixed_now()));
    app.apply(Action::ToggleHelp);
    insta::assert_snapshot!(screen(&mut app, 100, 40));
}

#[test]
fn fault_menu() {
    let mut app = app_with(synthetic::calm(synthetic::fixed_now()));
    app.faults = Some(faults());
    app.apply(Action::OpenFaultMenu);
    app.apply(Action::Down);
    insta::assert_snapshot!(screen(&mut app, 100, 30));
}

/// Issue 7 §7: what the twin holds is listed above the catalogue, Enter on it clears
/// it, and the status line says what is in flight.
#[test]
fn fault_menu_with_active_faults() {
    use drconsole::tui::GameDayEvent;
    use drconsole::tui::app::Effect;
    let mut app = app_with(synthetic::calm(synthetic::fixed_now()));
    app.faults = Some(faults());
    app.apply(Action::OpenFaultMenu);
    app.on_game_day_event(GameDayEvent::Active(vec![
        "us-east-1 impaired: its endpoints hang".into(),
        "Alarm orders-api-5xx-usw2 (us-west-2) held in ALARM".into(),
    ]));
    app.apply(Action::Down);
    insta::assert_snapshot!(screen(&mut app, 100, 30));
    assert_eq!(
        app.apply(Action::Submit),
        Some(Effect::ClearFault(
            "Alarm orders-api-5xx-usw2 (us-west-2) held in ALARM".into()
        ))
    );
    let footer = screen(&mut app, 100, 30);
    assert!(
        footer.contains("clearing fault: Alarm orders-api-5xx-usw2"),
        "{footer}"
    );
    app.on_game_day_event(GameDayEvent::Cleared {
        label: "Alarm orders-api-5xx-usw2 (us-west-2) held in ALARM".into(),
        active: vec!["us-east-1 impaired: its endpoints hang".into()],
    });
    let footer = screen(&mut app, 100, 30);
    assert!(
        footer.contains("fault cleared: Alarm orders-api-5xx-usw2"),
        "{footer}"
    );
}

#[test]
fn quit_confirm_has_cancel_focused() {
    let mut app = app_with(synthetic::calm(synthetic::fixed_now()));
    app.apply(Action::AskQuit);
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn too_small() {
    let mut app = app_with(synthetic::calm(synthetic::fixed_now()));
    let s = screen(&mut app, 40, 10);
    assert!(s.contains("terminal too small (need 70×20)"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn no_size_panics() {
    let mut app = app_with(synthetic::large(synthetic::fixed_now(), 20, 50, 2000));
    app.apply(Action::ToggleHelp);
    for w in [1u16, 2, 5, 69, 70, 79, 80, 119, 120, 250] {
        for h in [1u16, 3, 19, 20, 24, 60] {
            screen(&mut app, w, h);
        }
    }
}

#[test]
fn scrolled_routing_panel_says_what_is_out_of_sight() {
    let mut app = app_with(synthetic::large(synthetic::fixed_now(), 3, 2, 500));
    app.focus = Panel::Routing;
    let s = screen(&mut app, 80, 24);
    assert!(s.contains(" of 510"), "{s}");
    assert!(s.contains("↓"), "{s}");
}

#[test]
fn filtered_routing_controls_200x50() {
    let mut app = app_with(synthetic::large(synthetic::fixed_now(), 4, 3, 300));
    app.apply(Action::SetFilter("cell-0012".into()));
    insta::assert_snapshot!(screen(&mut app, 200, 50));
}

#[test]
fn readme_keys_table_is_generated_from_the_keymap() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let table = drconsole::tui::keymap::markdown_table();
    assert!(
        doc.contains(&table),
        "README.md's keys table is out of date; it should contain:\n{table}"
    );
}

#[test]
fn live_mode_badge_and_no_game_day() {
    let mut snap = synthetic::calm(synthetic::fixed_now());
    snap.mode = Mode::Live;
    let mut app = App::new(ConsoleInfo {
        mode: Mode::Live,
        ..info(true)
    });
    app.set_snapshot(Arc::new(snap));
    app.faults = None;
    let s = screen(&mut app, 80, 24);
    assert!(s.contains(" LIVE "), "{s}");
    assert!(!s.contains("SIMULATED"), "{s}");
    assert!(
        !s.contains("f faults"),
        "no fault hint against a real account: {s}"
    );
    app.apply(Action::OpenFaultMenu);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("only on the simulated twin"), "{s}");
}

/// After endpoints 1–5 went down and came back, only #1 is retried: the others keep
/// their old errors. Each result shows its age, and the panel title counts failures.
#[test]
fn arc_endpoint_errors_show_their_age_and_a_headline_80x24() {
    let now = synthetic::fixed_now();
    let mut snap = synthetic::calm(now);
    for e in snap.endpoints.iter_mut().skip(1) {
        e.last_error = Some("timeout".to_string());
        e.last_latency_ms = None;
        e.last_used = Some(now - chrono::Duration::seconds(125));
    }
    snap.endpoints[0].last_used = Some(now - chrono::Duration::seconds(10));
    let mut app = app_with(snap);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("ARC: 4 of 5 endpoints failing"), "{s}");
    // At 80 columns the word "ago" gives way so that result and age both fit.
    assert!(s.contains("1 use1 12ms 10s "), "{s}");
    assert_eq!(s.matches("✖ timeout 2m ").count(), 4, "{s}");
    let wide = screen(&mut app, 200, 50);
    assert!(wide.contains("1 use1 12ms 10s ago"), "{wide}");
    assert!(wide.contains("2 apne1 ✖ timeout 2m ago"), "{wide}");
    insta::assert_snapshot!(s);
}

#[test]
fn one_failing_arc_endpoint_is_not_a_headline() {
    let mut app = app_with(synthetic::primary_region_outage(synthetic::fixed_now()));
    let s = screen(&mut app, 80, 24);
    assert!(!s.contains("endpoints failing"), "{s}");
    // Results younger than two poll periods are fresh and carry no age (an idle screen
    // must not redraw the strip every second); older ones say how old they are.
    assert!(s.contains("2 apne1 21ms "), "{s}");
    assert!(!s.contains("21ms 2s"), "{s}");
    assert!(s.contains("5 usw2 48ms 5s"), "{s}");
}

/// After a failover the writer sits in the configured secondary: the Regions panel
/// says so on both Regions, and the verdict column stays aligned.
#[test]
fn roles_after_the_writer_moved_80x24() {
    let mut snap = synthetic::calm(synthetic::fixed_now());
    for d in &mut snap.databases {
        d.writer_region = Some("us-west-2".to_string());
    }
    let mut app = app_with(snap);
    let s = screen(&mut app, 80, 24);
    assert!(
        s.contains("us-east-1  primary · not writer    healthy"),
        "{s}"
    );
    assert!(
        s.contains("us-west-2  secondary · writer now  healthy"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

/// ARC unreachable: every endpoint failing and the controls' last read 41 s old. The
/// controls are unknown now: "?" with the last state read and its age, dimmed, never
/// green; the failing headline is whole at every width from 80 to 200 columns.
#[test]
fn routing_controls_unknown_when_arc_is_unreachable_120x30() {
    let now = synthetic::fixed_now();
    let mut snap = synthetic::calm(now);
    for e in &mut snap.endpoints {
        e.last_error = Some("timed out".to_string());
        e.last_latency_ms = None;
        e.last_used = Some(now - chrono::Duration::seconds(3));
    }
    for c in &mut snap.controls {
        c.stale = true;
        c.observed_at = Some(now - chrono::Duration::seconds(41));
    }
    let mut app = app_with(snap);
    for w in (80..=200).step_by(10) {
        let s = screen(&mut app, w, 30);
        assert!(
            s.contains("ARC: 5 of 5 endpoints failing"),
            "{w} columns:\n{s}"
        );
    }
    let term = drawn(&mut app, 120, 30);
    let buf = term.backend().buffer();
    let (x, y) = find(buf, "? On (41s ago)").expect("unknown On with its age");
    assert_eq!(buf[(x + 2, y)].fg, Color::DarkGray, "dimmed, not green");
    assert!(find(buf, "? Off (41s ago)").is_some());
    assert!(find(buf, "● On").is_none(), "no control is shown as known");
    assert!(
        find(buf, "✔ rule").is_none(),
        "a rule over stale states is not known to hold"
    );
    insta::assert_snapshot!(term.backend().to_string());
}

/// An RPO breach is named in the header and the Replication title, and a secondary
/// that stopped receiving says "stalled" in words.
#[test]
fn rpo_breach_at_a_glance_80x24() {
    let now = synthetic::fixed_now();
    let mut snap = synthetic::calm(now);
    let m = &mut snap.databases[0].members[1];
    m.lag_history = vec![300.0, 400.0, 15_400.0, 23_400.0, 31_400.0];
    m.lag_ms = Some(31_400.0);
    m.rpo_lag_ms = Some(31_000.0);
    snap.replicas[0].replication_status = Some("error".to_string());
    let mut app = app_with(snap);
    let s = screen(&mut app, 80, 24);
    let header: Vec<&str> = s.lines().take(2).collect();
    assert!(
        header[1].contains("RPO breach: orders → us-west-2 31.0 s > 5.0 s"),
        "{s}"
    );
    assert_eq!(
        s.matches("RPO breach: orders → us-west-2 31.0 s > 5.0 s")
            .count(),
        2,
        "header and Replication title:\n{s}"
    );
    assert!(s.contains("stalled"), "{s}");
    assert!(s.contains("replication error"), "{s}");
    insta::assert_snapshot!(s);
    let wide = screen(&mut app, 200, 50);
    assert!(
        wide.contains("· RPO breach: orders → us-west-2 31.0 s > 5.0 s"),
        "{wide}"
    );
}

/// Issue 9: the Backups rows say fresh, over RPO (with the failed copy) and "age
/// unverified" (a copy whose source Region was not read: its age is a lower bound);
/// an overdue or never-run restore test stands out, a recent one stays quiet.
#[test]
fn backups_rows_120x40() {
    let mut app = app_with(synthetic::with_backups(synthetic::fixed_now()));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("backups in the DR vault"), "{s}");
    assert!(s.contains("newest 1h05m / RPO 4h  ok"), "{s}");
    assert!(s.contains("OVER RPO"), "{s}");
    assert!(s.contains("copy FAILED 25m ago · test overdue 2d"), "{s}");
    assert!(s.contains("· never tested"), "{s}");
    assert!(
        !s.contains("tested 3d ago"),
        "a test within its schedule is quiet:\n{s}"
    );
    assert!(s.contains("newest ≥2h00m / RPO 1d  age unverified"), "{s}");
    assert!(s.contains("age unverified"), "{s}");
    insta::assert_snapshot!(s);
}

/// Issue 10: capacity under each Region (serving / production, warming up, desired)
/// and the DynamoDB and S3 rows in the Replication panel with the
/// write strategy's caveat (the README shows a real capture of the same rows).
#[test]
fn capacity_and_replication_rows_120x40() {
    let mut app = app_with(synthetic::with_scale_out(synthetic::fixed_now()));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("web-usw2"), "{s}");
    assert!(s.contains("2/6 instances · 4 warming · desired 6 "), "{s}");
    assert!(s.contains("1/4 tasks · desired 1 "), "{s}");
    assert!(s.contains("6/6 instances · desired 6 "), "{s}");
    assert!(
        s.contains("carts        DynamoDB · write local (last writer wins)"),
        "{s}"
    );
    assert!(s.contains("use1→usw2"), "{s}");
    assert!(s.contains("latency 6.2 s"), "{s}");
    assert!(s.contains("130 ops, 48.5 MB queued"), "{s}");
    insta::assert_snapshot!(s);
}

/// A dark Region's capacity is unknown, never its last numbers.
#[test]
fn capacity_of_a_dark_region_is_unknown() {
    let mut app = app_with(synthetic::with_scale_out_west_dark(synthetic::fixed_now()));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("capacity unknown: us-west-2 does not answer"),
        "{s}"
    );
    assert!(!s.contains("2/6 instances"), "{s}");
}
