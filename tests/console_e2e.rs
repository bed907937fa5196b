//! The real binary in a pseudo-terminal (portable-pty + vt100): it starts on the twin
//! and shows the Regions; Tab and `?` work; a game-day fault changes the screen; `q`
//! and confirm exits 0 with the terminal restored. SIGTERM and SIGHUP restore too.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ROWS: u16 = 40;
const COLS: u16 = 120;

struct Console {
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    parser: vt100::Parser,
}

impl Console {
    fn start(extra: &[&str]) -> Console {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_drconsole"));
        cmd.args(["--poll-ms", "500"]);
        cmd.args(extra);
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
            parser: vt100::Parser::new(ROWS, COLS, 0),
        }
    }

    fn pump(&mut self, wait: Duration) {
        if let Ok(bytes) = self.output.recv_timeout(wait) {
            self.parser.process(&bytes);
            while let Ok(more) = self.output.try_recv() {
                self.parser.process(&more);
            }
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits (bounded) until the screen satisfies `pred`.
    fn wait_for(&mut self, what: &str, timeout: Duration, pred: impl Fn(&Console) -> bool) {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if pred(self) {
                return;
            }
            self.pump(Duration::from_millis(100));
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.screen());
    }

    fn wait_text(&mut self, text: &str) {
        let t = text.to_string();
        self.wait_for(text, Duration::from_secs(20), move |c| {
            c.screen().contains(&t)
        });
    }

    fn keys(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    /// Waits for the process to end and drains its last output.
    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
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
    fn assert_restored(&self) {
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

    /// Foreground colour of the first cell of `text` on screen.
    fn colour_of(&self, text: &str) -> Option<vt100::Color> {
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

#[test]
fn dashboard_keys_fault_and_quit() {
    let mut c = Console::start(&[]);
    c.wait_text("us-east-1");
    c.wait_text("Regions");
    c.wait_for("us-east-1 healthy", Duration::from_secs(20), |c| {
        primary_row(c, " healthy ")
    });
    assert!(c.parser.screen().alternate_screen());

    // Tab moves the focus (cyan title) from Regions to Replication.
    let cyan = Some(vt100::Color::Idx(6));
    c.wait_for("Regions focused", Duration::from_secs(5), |c| {
        c.colour_of(" Regions ") == cyan
    });
    c.keys(b"\t");
    c.wait_for("Replication focused", Duration::from_secs(5), |c| {
        c.colour_of(" Replication ") == cyan && c.colour_of(" Regions ") != cyan
    });

    c.keys(b"?");
    c.wait_text("Help");
    c.wait_text("show this help");
    c.keys(b"\x1b");
    c.wait_for("help closed", Duration::from_secs(5), |c| {
        !c.screen().contains("show this help")
    });

    // Game day: the first catalogue entry impairs the primary Region.
    c.keys(b"f");
    c.wait_text("Game day");
    c.keys(b"\r");
    c.wait_for("us-east-1 not healthy", Duration::from_secs(30), |c| {
        primary_row(c, "UNKNOWN") || primary_row(c, "IMPAIRED")
    });
    assert!(!primary_row(&c, " healthy "));

    c.keys(b"q");
    c.wait_text("Leave drconsole?");
    c.keys(b"\r"); // Cancel has the focus
    c.wait_for("dialog closed", Duration::from_secs(5), |c| {
        !c.screen().contains("Leave drconsole?")
    });
    assert!(
        c.child.try_wait().expect("try_wait").is_none(),
        "Enter on Cancel must not quit"
    );
    c.keys(b"q");
    c.wait_text("Leave drconsole?");
    c.keys(b"\t\r");
    let status = c.wait_exit();
    assert_eq!(status.exit_code(), 0, "{status:?}");
    c.assert_restored();
}

/// True when the Regions panel's us-east-1 row shows `verdict`.
fn primary_row(c: &Console, verdict: &str) -> bool {
    c.screen()
        .lines()
        .any(|l| l.contains("us-east-1  primary") && l.contains(verdict))
}

fn signal_restores(sig: &str, code: u32) {
    let mut c = Console::start(&["--scenario", "calm"]);
    c.wait_text("Regions");
    let pid = c.child.process_id().expect("pid");
    let ok = std::process::Command::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .status()
        .expect("run kill");
    assert!(ok.success());
    let status = c.wait_exit();
    assert_eq!(status.exit_code(), code, "{status:?}");
    c.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores("TERM", 143);
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores("HUP", 129);
}

#[test]
fn resize_storm_then_too_small_then_back() {
    let mut c = Console::start(&[]);
    c.wait_text("Regions");
    for i in 0..200u16 {
        let cols = 60 + (i * 7) % 140;
        let rows = 15 + (i * 3) % 40;
        c.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize");
        c.pump(Duration::from_millis(1));
    }
    c.master
        .resize(PtySize {
            rows: 12,
            cols: 50,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("resize");
    c.parser.screen_mut().set_size(12, 50);
    c.wait_text("terminal too small");
    c.master
        .resize(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("resize");
    c.parser.screen_mut().set_size(ROWS, COLS);
    c.wait_text("Routing controls");
    assert!(
        c.child.try_wait().expect("try_wait").is_none(),
        "survived the storm"
    );
}
