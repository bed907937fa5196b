//! Frame cost: a full 200×50 frame over 20 Regions, 50 databases and 10,000 routing
//! controls, against the same screen over 1,000 controls (off-screen rows must not
//! cost anything), plus the once-per-snapshot row indexing.
//!
//! `cargo bench --bench frame` runs criterion, then prints p50/p99 over 2,000 frames.

use chrono::{DateTime, Utc};
use criterion::Criterion;
use drconsole::model::Mode;
use drconsole::tui::app::{App, ConsoleInfo, Panel};
use drconsole::tui::{Action, synthetic, view};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn app(controls: usize) -> App {
    let mut app = App::new(ConsoleInfo {
        environment: "bench".into(),
        mode: Mode::Simulated,
        read_only: true,
        poll_period_ms: 2000,
    });
    app.set_snapshot(Arc::new(synthetic::large(
        synthetic::fixed_now(),
        20,
        50,
        controls,
    )));
    // Scroll the routing controls into the middle, as an operator would.
    app.focus = Panel::Routing;
    let area = Rect::new(0, 0, 200, 50);
    let mut buf = Buffer::empty(area);
    let info = view::render(&mut buf, area, &app, synthetic::fixed_now());
    app.set_viewports(info.viewport);
    for _ in 0..(controls / 2 / info.viewport[Panel::Routing.index()].max(1)) {
        app.apply(Action::PageDown);
    }
    app
}

fn frame(app: &App, buf: &mut Buffer, now: DateTime<Utc>) {
    buf.reset();
    black_box(view::render(buf, buf.area, app, now));
}

fn benches(c: &mut Criterion) {
    let now = synthetic::fixed_now();
    let area = Rect::new(0, 0, 200, 50);
    for controls in [1_000usize, 10_000] {
        let app = app(controls);
        let mut buf = Buffer::empty(area);
        c.bench_function(&format!("frame 200x50, {controls} controls"), |b| {
            b.iter(|| frame(&app, &mut buf, now))
        });
    }
    let snap = Arc::new(synthetic::large(now, 20, 50, 10_000));
    let mut app = app(10_000);
    c.bench_function("new snapshot (row index), 10000 controls", |b| {
        b.iter(|| app.set_snapshot(snap.clone()))
    });
}

fn percentiles(label: &str, controls: usize) {
    let app = app(controls);
    let area = Rect::new(0, 0, 200, 50);
    let mut buf = Buffer::empty(area);
    let now = synthetic::fixed_now();
    for _ in 0..200 {
        frame(&app, &mut buf, now);
    }
    let mut times: Vec<Duration> = (0..2000)
        .map(|_| {
            let t = Instant::now();
            frame(&app, &mut buf, now);
            t.elapsed()
        })
        .collect();
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{label}: p50 {:?}  p99 {:?}  max {:?}",
        p(0.50),
        p(0.99),
        p(1.0)
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    percentiles(
        "frame 200x50, 20 Regions, 50 databases, 1000 controls",
        1_000,
    );
    percentiles(
        "frame 200x50, 20 Regions, 50 databases, 10000 controls",
        10_000,
    );
}
