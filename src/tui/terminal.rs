//! The terminal: raw mode and the alternate screen, restored on every way out, and a
//! writer that sends each frame as one write inside synchronized-update brackets.

use crossterm::cursor::{Hide, Show};
use crossterm::terminal::{
    self, BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen,
};
use crossterm::{QueueableCommand, execute};
use ratatui::Terminal;
use ratatui::backend::{Backend as RatatuiBackend, CrosstermBackend};
use ratatui::layout::Rect;
use std::io::{self, BufWriter, Stdout, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Big enough that a full 200×50 frame with styles never spills early.
const FRAME_BUFFER: usize = 1 << 20;

/// The terminal writer. While a frame is being drawn (`hold` set) its bytes are
/// collected; the flush after the frame sends them through the `BufWriter` as one
/// write, or sends nothing when the frame changed no cell (only the brackets and a
/// cursor hide), so an unchanged screen costs zero bytes.
pub struct FrameWriter<W: Write> {
    inner: BufWriter<W>,
    hold: Arc<AtomicBool>,
    frame: Vec<u8>,
}

/// Bytes every frame carries that change nothing on screen: the brackets, the cursor
/// hide, and the style resets ratatui's crossterm backend ends each draw with.
const NOISE: [&[u8]; 7] = [
    b"\x1b[?2026h",
    b"\x1b[?2026l",
    b"\x1b[?25l",
    b"\x1b[39m",
    b"\x1b[49m",
    b"\x1b[59m",
    b"\x1b[0m",
];

fn changes_nothing(mut bytes: &[u8]) -> bool {
    'next: while !bytes.is_empty() {
        for n in NOISE {
            if let Some(rest) = bytes.strip_prefix(n) {
                bytes = rest;
                continue 'next;
            }
        }
        return false;
    }
    true
}

impl<W: Write> FrameWriter<W> {
    pub fn new(w: W, hold: Arc<AtomicBool>) -> Self {
        FrameWriter {
            inner: BufWriter::with_capacity(FRAME_BUFFER, w),
            hold,
            frame: Vec::with_capacity(FRAME_BUFFER),
        }
    }

    pub fn get_ref(&self) -> &W {
        self.inner.get_ref()
    }

    /// The underlying writer, e.g. to empty a `Vec<u8>` between frames in the bench.
    pub fn get_mut(&mut self) -> &mut W {
        self.inner.get_mut()
    }
}

impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.hold.load(Ordering::Relaxed) {
            self.frame.extend_from_slice(buf);
            Ok(buf.len())
        } else {
            self.inner.write(buf)
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.hold.load(Ordering::Relaxed) {
            return Ok(());
        }
        if !self.frame.is_empty() {
            if !changes_nothing(&self.frame) {
                self.inner.write_all(&self.frame)?;
            }
            self.frame.clear();
        }
        self.inner.flush()
    }
}

/// Runs `body` as one synchronized frame: BSU, body, ESU, then one flush of the
/// writer that `writer` finds inside `target`.
pub fn synchronized<T, R>(
    target: &mut T,
    writer: impl Fn(&mut T) -> &mut dyn Write,
    hold: &AtomicBool,
    body: impl FnOnce(&mut T) -> io::Result<R>,
) -> io::Result<R> {
    hold.store(true, Ordering::Relaxed);
    let result = writer(target)
        .queue(BeginSynchronizedUpdate)
        .map(|_| ())
        .and_then(|()| body(target));
    let end = writer(target).queue(EndSynchronizedUpdate).map(|_| ());
    hold.store(false, Ordering::Relaxed);
    let flushed = writer(target).flush();
    let value = result?;
    end?;
    flushed?;
    Ok(value)
}

pub type Backend = CrosstermBackend<FrameWriter<Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back: raw mode off, main screen, cursor shown. Safe to call more
/// than once and from a panic hook; only the first call after `enter` acts.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        // A frame may have been cut mid-way: close the synchronized update first.
        let _ = execute!(out, EndSynchronizedUpdate, LeaveAlternateScreen, Show);
        let _ = terminal::disable_raw_mode();
    }
}

/// Owns the terminal while the console runs; dropping it restores the terminal.
pub struct TerminalGuard {
    pub terminal: Terminal<Backend>,
    hold: Arc<AtomicBool>,
}

impl TerminalGuard {
    /// Raw mode, alternate screen, hidden cursor, and a panic hook that restores first.
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, Hide) {
            restore();
            return Err(e);
        }
        let hold = Arc::new(AtomicBool::new(false));
        let writer = FrameWriter::new(io::stdout(), hold.clone());
        match Terminal::new(CrosstermBackend::new(writer)) {
            Ok(terminal) => Ok(TerminalGuard { terminal, hold }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl TerminalGuard {
    /// Draws one frame as a single write inside synchronized-update brackets.
    pub fn frame<R>(
        &mut self,
        body: impl FnOnce(&mut Terminal<Backend>) -> io::Result<R>,
    ) -> io::Result<R> {
        synchronized(
            &mut self.terminal,
            |t| t.backend_mut() as &mut dyn Write,
            &self.hold,
            body,
        )
    }
}

/// Ctrl-L and `:redraw`: clears the whole screen and forgets what ratatui believes is
/// on it, so the next frame paints every cell. Unlike `Terminal::clear`, this never asks
/// the terminal anything: `clear` reads the cursor position (an escape-sequence query
/// whose answer the input thread, which owns crossterm's reader, would swallow; the
/// console then waited 2 s and died). The size comes from an ioctl, and a fullscreen
/// `resize` clears with `ESC [2J` and resets the previous buffer, with no query.
pub fn repaint_all<B: RatatuiBackend>(term: &mut Terminal<B>) -> Result<(), B::Error> {
    let size = term.size()?;
    term.resize(Rect::new(0, 0, size.width, size.height))
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

thread_local! {
    /// Set on the thread that owns the terminal.
    static UI_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A panic on the UI thread restores the terminal before the message is printed. A
/// panic in a background task (a poller) leaves the console running: its message goes
/// to the log pane instead of being sprayed over the screen.
fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    UI_THREAD.with(|t| t.set(true));
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let ui = UI_THREAD.with(std::cell::Cell::get);
        if ui || !ACTIVE.load(Ordering::SeqCst) {
            restore();
            previous(info);
        } else {
            tracing::error!("background task panicked: {info}");
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::{ClearType, TestBackend, WindowSize};
    use ratatui::buffer::Cell;
    use ratatui::layout::{Position, Size};

    /// A backend that fails any query of the terminal, as a real one does while the
    /// input thread owns the reader; it records what was drawn.
    struct NoQueries {
        inner: TestBackend,
        cells_drawn: usize,
        cleared: usize,
    }

    impl RatatuiBackend for NoQueries {
        type Error = io::Error;
        fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, c: I) -> io::Result<()> {
            let cells: Vec<_> = c.collect();
            self.cells_drawn += cells.len();
            let _ = self.inner.draw(cells.into_iter());
            Ok(())
        }
        fn hide_cursor(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn show_cursor(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn get_cursor_position(&mut self) -> io::Result<Position> {
            Err(io::Error::other("the cursor position could not be read"))
        }
        fn set_cursor_position<P: Into<Position>>(&mut self, _p: P) -> io::Result<()> {
            Ok(())
        }
        fn clear(&mut self) -> io::Result<()> {
            self.cleared += 1;
            Ok(())
        }
        fn clear_region(&mut self, _t: ClearType) -> io::Result<()> {
            self.cleared += 1;
            Ok(())
        }
        fn size(&self) -> io::Result<Size> {
            Ok(Size::new(20, 5))
        }
        fn window_size(&mut self) -> io::Result<WindowSize> {
            Err(io::Error::other("no window size query either"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn repaint_all_asks_the_terminal_nothing_and_repaints_every_cell() {
        let backend = NoQueries {
            inner: TestBackend::new(20, 5),
            cells_drawn: 0,
            cleared: 0,
        };
        let mut term = Terminal::new(backend).expect("no query to create");
        let frame = |f: &mut ratatui::Frame| f.render_widget("hello", f.area());
        term.draw(frame).expect("first frame");
        term.backend_mut().cells_drawn = 0;
        // The same frame again changes no cell: nothing is drawn.
        term.draw(frame).expect("same frame");
        assert_eq!(term.backend().cells_drawn, 0);
        // `Terminal::clear` queries the cursor position, which fails here.
        assert!(term.clear().is_err());
        repaint_all(&mut term).expect("no query");
        assert!(term.backend().cleared >= 1, "the screen is cleared");
        term.draw(frame).expect("frame after the repaint");
        // The screen was cleared and the previous buffer forgotten: every cell that is
        // not blank is sent again (blank cells are what a cleared screen shows).
        assert_eq!(term.backend().cells_drawn, "hello".len());
    }

    #[test]
    fn a_frame_is_one_write_inside_bsu_esu() {
        #[derive(Default)]
        struct Count {
            writes: Vec<Vec<u8>>,
        }
        impl Write for Count {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.writes.push(b.to_vec());
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let hold = Arc::new(AtomicBool::new(false));
        let mut w = FrameWriter::new(Count::default(), hold.clone());
        synchronized(
            &mut w,
            |w| w as &mut dyn Write,
            &hold,
            |w| {
                w.write_all(b"hello")?;
                w.flush()?;
                w.write_all(b" world")
            },
        )
        .unwrap();
        let writes = &w.get_ref().writes;
        assert_eq!(writes.len(), 1);
        let s = String::from_utf8_lossy(&writes[0]);
        assert!(s.starts_with("\x1b[?2026h"), "{s:?}");
        assert!(s.ends_with("\x1b[?2026l"), "{s:?}");
        assert!(s.contains("hello world"));
    }

    #[test]
    fn a_frame_that_changes_nothing_writes_nothing() {
        let hold = Arc::new(AtomicBool::new(false));
        let mut w = FrameWriter::new(Vec::new(), hold.clone());
        synchronized(
            &mut w,
            |w| w as &mut dyn Write,
            &hold,
            |w| w.write_all(b"\x1b[?25l"),
        )
        .unwrap();
        assert!(w.get_ref().is_empty());
        synchronized(
            &mut w,
            |w| w as &mut dyn Write,
            &hold,
            |w| w.write_all(b"x"),
        )
        .unwrap();
        assert_eq!(w.get_ref().len(), 8 + 1 + 8);
    }
}
