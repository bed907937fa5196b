//! The real binary in a pseudo-terminal (portable-pty + vt100), shared by the console's
//! end-to-end tests: spawn, type keys, read the screen, wait (bounded) for text.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Console {
    pub master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    parser: vt100::Parser,
    /// How long `wait_text` / `wait_screen` wait before failing the test.
    wait_limit: Duration,
    /// How long `keys` lets the console take keys in before the next look.
    key_settle: Duration,
}

#[allow(dead_code)] // each test file uses its own subset
impl Console {
    pub fn spawn(
        mut cmd: CommandBuilder,
        rows: u16,
        cols: u16,
        wait_limit: Duration,
        key_settle: Duration,
    ) -> Console {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("RUST_LOG");
        let child = pair.slave.spawn_command(cmd).expect("spawn drconsole");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Console {
            master: pair.master,
            child,
            writer,
            output,
            parser: vt100::Parser::new(rows, cols, 0),
            wait_limit,
            key_settle,
        }
    }

    pub fn pump(&mut self, wait: Duration) {
        if let Ok(bytes) = self.output.recv_timeout(wait) {
            self.parser.process(&bytes);
            while let Ok(more) = self.output.try_recv() {
                self.parser.process(&more);
            }
        }
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits (bounded) until `pred` holds for the console.
    pub fn wait_for(&mut self, what: &str, timeout: Duration, pred: impl Fn(&Console) -> bool) {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if pred(self) {
                return;
            }
            self.pump(Duration::from_millis(100));
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.screen());
    }

    /// Waits (bounded by the wait limit) until `pred` holds for the screen text.
    pub fn wait_screen(&mut self, what: &str, pred: impl Fn(&str) -> bool) {
        let limit = self.wait_limit;
        self.wait_for(what, limit, move |c| pred(&c.screen()));
    }

    pub fn wait_text(&mut self, text: &str) {
        let t = text.to_string();
        self.wait_screen(text, move |s| s.contains(&t));
    }

    pub fn keys(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write keys");
        self.writer.flush().expect("flush keys");
        if !self.key_settle.is_zero() {
            self.pump(self.key_settle);
        }
    }

    /// Types without waiting afterwards (to time what follows from the key).
    pub fn keys_now(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    /// Forgets what is on screen, as a garbled terminal would: only a full repaint
    /// by the console shows it whole again.
    pub fn forget_screen(&mut self) {
        self.pump(Duration::from_millis(50));
        self.parser.process(b"\x1b[2J\x1b[H");
    }

    /// Waits for the process to end and drains its last output.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            self.pump(Duration::from_millis(50));
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.pump(Duration::from_millis(200));
                return status;
            }
            assert!(
                Instant::now() < end,
                "drconsole did not exit; screen:\n{}",
                self.screen()
            );
        }
    }

    /// Raw mode off shows as canonical mode with echo on the pty again.
    pub fn assert_restored(&self) {
        let screen = self.parser.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "cursor still hidden");
        let termios = self.master.get_termios().expect("termios");
        let flags = format!("{:?}", termios.local_flags);
        assert!(
            flags.contains("ICANON") && flags.contains("ECHO"),
            "raw mode still on: {flags}"
        );
    }

    pub fn on_alternate_screen(&self) -> bool {
        self.parser.screen().alternate_screen()
    }

    /// True while the process has not exited.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Tells the screen parser the terminal's new size (after `master.resize`).
    pub fn set_screen_size(&mut self, rows: u16, cols: u16) {
        self.parser.screen_mut().set_size(rows, cols);
    }

    /// Foreground colour of the first cell of `text` on screen.
    pub fn colour_of(&self, text: &str) -> Option<vt100::Color> {
        let screen = self.parser.screen();
        for (row, line) in screen.contents().lines().enumerate() {
            if let Some(byte_col) = line.find(text) {
                let col = line[..byte_col].chars().count();
                return screen.cell(row as u16, col as u16).map(|c| c.fgcolor());
            }
        }
        None
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
