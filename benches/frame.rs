//! Frame cost, measured on the path the console takes for every frame: ratatui's
//! `Terminal::draw` (render into the back buffer, diff against the front buffer,
//! encode the changed cells as escape sequences) over the crossterm backend, inside
//! the BSU/ESU brackets, through the console's `FrameWriter` and its `BufWriter` —
//! here into a `Vec<u8>` instead of stdout.
//!
//! Screens: 200×50 over 20 Regions, 50 databases and 10,000 routing controls, against
//! the same over 1,000 controls (off-screen rows must not cost anything). Two kinds of
//! frame: a clock tick (one second later: the clock and the ages change) and a page of
//! the routing controls (most of the screen changes). Plus the once-per-snapshot row
//! indexing.
//!
//! `cargo bench --bench frame` runs criterion, then prints p50/p99 over 2,000 frames
//! with the bytes each frame wrote.

use chrono::{DateTime, Duration as Seconds, Utc};
use criterion::Criterion;
use drconsole::model::Mode;
use drconsole::tui::app::{App, ConsoleInfo, Panel};
use drconsole::tui::terminal::{FrameWriter, synchronized};
use drconsole::tui::{Action, synthetic, view};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::cell::RefCell;
use std::hint::black_box;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

const AREA: Rect = Rect::new(0, 0, 200, 50);

/// A `Vec<u8>` the bench can still read and empty while the terminal owns the writer.
#[derive(Clone, Default)]
struct Screen(Rc<RefCell<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The console's terminal, writing into memory.
struct Console {
    term: Terminal<CrosstermBackend<FrameWriter<Screen>>>,
    hold: Arc<AtomicBool>,
    screen: Screen,
}

impl Console {
    fn new() -> io::Result<Console> {
        let hold = Arc::new(AtomicBool::new(false));
        let screen = Screen::default();
        let backend = CrosstermBackend::new(FrameWriter::new(screen.clone(), hold.clone()));
        // A fixed viewport: the real one asks the tty for its size, which a bench has not.
        let term = Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(AREA),
            },
        )?;
        Ok(Console { term, hold, screen })
    }

    /// One frame exactly as `event_loop` draws it; returns the bytes it wrote.
    fn frame(&mut self, app: &App, now: DateTime<Utc>) -> io::Result<usize> {
        self.screen.0.borrow_mut().clear();
        synchronized(
            &mut self.term,
            |t| t.backend_mut() as &mut dyn Write,
            &self.hold,
            |t| {
                t.draw(|f| {
                    black_box(view::draw(f, app, now));
                })
                .map(|_| ())
            },
        )?;
        Ok(self.screen.0.borrow().len())
    }
}

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
    let mut buf = ratatui::buffer::Buffer::empty(AREA);
    let info = view::render(&mut buf, AREA, &app, synthetic::fixed_now());
    app.set_viewports(info.viewport);
    for _ in 0..(controls / 2 / info.viewport[Panel::Routing.index()].max(1)) {
        app.apply(Action::PageDown);
    }
    app
}

/// The same screen one page further down the routing controls.
fn paged(controls: usize) -> App {
    let mut app = app(controls);
    app.apply(Action::PageDown);
    app
}

/// A frame source: the `i`-th frame of a tick or a paging sequence.
enum Kind {
    Tick,
    Page,
}

impl Kind {
    fn label(&self) -> &'static str {
        match self {
            Kind::Tick => "clock tick",
            Kind::Page => "page of controls",
        }
    }

    /// The app and clock for frame `i`: each frame differs from the one before.
    fn pick<'a>(&self, apps: &'a [App; 2], i: u64) -> (&'a App, DateTime<Utc>) {
        let start = synthetic::fixed_now();
        match self {
            Kind::Tick => (&apps[0], start + Seconds::seconds((i % 86_400) as i64)),
            Kind::Page => (&apps[(i % 2) as usize], start),
        }
    }
}

fn benches(c: &mut Criterion) -> io::Result<()> {
    for controls in [1_000usize, 10_000] {
        let apps = [app(controls), paged(controls)];
        for kind in [Kind::Tick, Kind::Page] {
            let mut console = Console::new()?;
            let mut i = 0u64;
            let name = format!("frame 200x50, {controls} controls, {}", kind.label());
            c.bench_function(&name, |b| {
                b.iter(|| {
                    let (app, now) = kind.pick(&apps, i);
                    i += 1;
                    black_box(console.frame(app, now).unwrap_or(0))
                })
            });
        }
    }
    let snap = Arc::new(synthetic::large(synthetic::fixed_now(), 20, 50, 10_000));
    let mut app = app(10_000);
    c.bench_function("new snapshot (row index), 10000 controls", |b| {
        b.iter(|| app.set_snapshot(snap.clone()))
    });
    Ok(())
}

fn percentiles(controls: usize, kind: Kind) -> io::Result<()> {
    let apps = [app(controls), paged(controls)];
    let mut console = Console::new()?;
    for i in 0..200 {
        let (app, now) = kind.pick(&apps, i);
        console.frame(app, now)?;
    }
    let mut bytes = Vec::with_capacity(2000);
    let mut times = Vec::with_capacity(2000);
    for i in 200..2200 {
        let (app, now) = kind.pick(&apps, i);
        let t = Instant::now();
        bytes.push(console.frame(app, now)?);
        times.push(t.elapsed());
    }
    times.sort();
    bytes.sort();
    let p =
        |q: f64| -> Duration { times[((times.len() as f64 * q) as usize).min(times.len() - 1)] };
    println!(
        "frame 200x50, 20 Regions, 50 databases, {controls} controls, {}: \
         p50 {:?}  p99 {:?}  max {:?}  ({} bytes p50)",
        kind.label(),
        p(0.50),
        p(0.99),
        p(1.0),
        bytes[bytes.len() / 2],
    );
    Ok(())
}

/// `cargo bench --bench frame -- --test` (criterion's one-pass mode) also checks that
/// the frames measured really go through the diff and the encoder: a page writes much
/// of the screen, a tick a little, an unchanged frame nothing.
fn self_check() -> io::Result<()> {
    let apps = [app(10_000), paged(10_000)];
    let mut console = Console::new()?;
    let first = console.frame(&apps[0], synthetic::fixed_now())?;
    let same = console.frame(&apps[0], synthetic::fixed_now())?;
    let tick = console.frame(&apps[0], synthetic::fixed_now() + Seconds::seconds(1))?;
    let page = console.frame(&apps[1], synthetic::fixed_now() + Seconds::seconds(1))?;
    println!("bytes: first frame {first}, unchanged {same}, tick {tick}, page {page}");
    if same != 0 || tick == 0 || page <= tick || first <= page {
        return Err(io::Error::other(
            "frames did not write what the diff implies",
        ));
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c)?;
    c.final_summary();
    if std::env::args().any(|a| a == "--test") {
        return self_check();
    }
    for controls in [1_000, 10_000] {
        percentiles(controls, Kind::Tick)?;
        percentiles(controls, Kind::Page)?;
    }
    Ok(())
}
