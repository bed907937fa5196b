//! A twin in its own process (`drconsole emulator --endpoints-file F`), the `run`
//! binary against it, and reads of its state through the production provider (the
//! SDK over the wire), for `runbook_run.rs` and `runbook_crash.rs`.

#![allow(dead_code)]

use drconsole::cli::emulator::TwinEndpoints;
use drconsole::config::Environment;
use drconsole::model::ControlState;
use drconsole::provider::{Provider, ProviderConfig, Target};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_drconsole");

/// Bound on waiting for a child, so a broken build fails instead of hanging.
pub const GIVE_UP: Duration = Duration::from_secs(120);

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn env() -> Environment {
    Environment::builtin_default().expect("built-in environment")
}

/// The twin process; killed on drop.
pub struct TwinProcess {
    child: Child,
    pub file: PathBuf,
    pub endpoints: TwinEndpoints,
    pub dir: tempfile::TempDir,
    /// The environment file the twin was built from (None: the built-in one).
    pub env_file: Option<PathBuf>,
}

impl TwinProcess {
    pub fn start(scenario: &str, speed: f64) -> TwinProcess {
        Self::start_with(None, scenario, speed)
    }

    /// A twin of the environment file `env_file` (relative to the repository).
    pub fn start_with_env(env_file: &str, scenario: &str, speed: f64) -> TwinProcess {
        Self::start_with(Some(repo(env_file)), scenario, speed)
    }

    fn start_with(env_file: Option<PathBuf>, scenario: &str, speed: f64) -> TwinProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("twin.json");
        let mut cmd = Command::new(BIN);
        cmd.arg("emulator");
        if let Some(e) = &env_file {
            cmd.arg("--env").arg(e);
        }
        let child = cmd
            .args(["--scenario", scenario, "--speed"])
            .arg(speed.to_string())
            .arg("--endpoints-file")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("emulator starts");
        let started = Instant::now();
        while !file.exists() {
            assert!(
                started.elapsed() < GIVE_UP,
                "the emulator never wrote {file:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let endpoints = TwinEndpoints::load(&file).expect("endpoints file");
        TwinProcess {
            child,
            file,
            endpoints,
            dir,
            env_file,
        }
    }

    /// The environment this twin serves.
    pub fn environment(&self) -> Environment {
        match &self.env_file {
            Some(f) => Environment::load(f).expect("environment file"),
            None => env(),
        }
    }

    /// A state directory for runs against this twin.
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// `drconsole run RUNBOOK --twin-endpoints F --state-dir D EXTRA…` to completion.
    pub fn run(&self, runbook: &str, extra: &[&str]) -> Output {
        let mut child = self
            .run_command(runbook, extra)
            .spawn()
            .expect("run starts");
        wait_bounded(&mut child);
        child.wait_with_output().expect("run output")
    }

    pub fn run_command(&self, runbook: &str, extra: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("run").arg(repo(runbook));
        if let Some(e) = &self.env_file {
            c.arg("--env").arg(e);
        }
        c.arg("--twin-endpoints")
            .arg(&self.file)
            .arg("--state-dir")
            .arg(self.state_dir())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// `drconsole status --json` against this twin, reading this state directory's
    /// journals (restore tests).
    #[allow(dead_code)]
    pub fn status_json(&self) -> serde_json::Value {
        let mut child = Command::new(BIN)
            .args(["status", "--json", "--twin-endpoints"])
            .arg(&self.file)
            .env("DRCONSOLE_STATE_DIR", self.state_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("status starts");
        wait_bounded(&mut child);
        let out = child.wait_with_output().expect("status output");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)))
    }

    /// The production provider against this twin.
    pub async fn provider(&self) -> Provider {
        let target = Target::Twin {
            aws_endpoint_url: self.endpoints.aws_endpoint_url.clone(),
            arc_endpoint_urls: self.endpoints.arc_endpoint_urls.clone(),
        };
        let config = ProviderConfig {
            connect_timeout: Duration::from_millis(300),
            attempt_timeout: Duration::from_millis(500),
            operation_timeout: Duration::from_millis(1500),
            max_attempts: 2,
        };
        Provider::connect(&self.environment(), target, config, true)
            .await
            .expect("provider")
    }

    /// The twin's request log, read over loopback (GET /_drconsole/requests).
    pub fn requests(&self) -> Vec<serde_json::Value> {
        serde_json::from_value(http_get_json(&self.endpoints.requests_url))
            .expect("the request log is a JSON list")
    }

    /// Mutating calls that changed the twin's world (answered 2xx, or applied with
    /// the answer lost or the client gone), by operation.
    pub fn completed_mutations(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r["mutating"] == true && r["applied"] == true)
            .map(|r| r["operation"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Every mutating request the twin received, whatever became of it, by
    /// operation: one entry per request id (a black-holed request released later
    /// logs a second record under the same id).
    pub fn mutating_requests(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.requests()
            .into_iter()
            .filter(|r| r["mutating"] == true)
            .filter(|r| seen.insert(r["request_id"].as_str().unwrap_or_default().to_string()))
            .map(|r| r["operation"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// POSTs a fault (`{"region_impaired": {…}}`, as the scenario files write it) to the twin's
    /// game-day control and checks that it was taken.
    pub fn inject(&self, fault: serde_json::Value) {
        let url = self
            .endpoints
            .faults_url
            .strip_prefix("http://")
            .expect("http");
        let (host, path) = url.split_once('/').expect("path");
        let body = fault.to_string();
        let mut s = std::net::TcpStream::connect(host).expect("connect to the twin");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        write!(
            s,
            "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let mut reply = String::new();
        s.read_to_string(&mut reply).expect("reply");
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
}

impl Drop for TwinProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for a child to exit, killing it after [`GIVE_UP`].
pub fn wait_bounded(child: &mut Child) {
    let started = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        if started.elapsed() > GIVE_UP {
            let _ = child.kill();
            panic!("the child did not finish within {GIVE_UP:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The writer's Region as DescribeGlobalClusters reports it through the SDK, asked in
/// `region`.
pub async fn writer_region(p: &Provider, region: &str) -> Option<String> {
    let e = env();
    let db = e.aurora("orders").expect("orders");
    let list = p
        .describe_global_clusters(region, Some(&db.global_cluster_id))
        .await
        .ok()?;
    let g = list.into_iter().find(|g| g.id == db.global_cluster_id)?;
    let w = g.members.iter().find(|m| m.is_writer == Some(true))?;
    db.members
        .iter()
        .find(|m| m.cluster_arn == w.cluster_arn)
        .map(|m| m.region.clone())
}

/// A routing control's state as ARC reports it through the SDK.
pub async fn control(p: &Provider, name: &str) -> Option<ControlState> {
    control_of(p, &env(), name).await
}

/// A routing control's state by its name in `env`, read through the SDK.
pub async fn control_of(p: &Provider, env: &Environment, name: &str) -> Option<ControlState> {
    let c = env.control_by_name(name).expect("control");
    p.get_routing_control_state(&c.arn).await.ok()?.value.state
}

/// Read back through the SDK: `active` holds the writer and its cell is On, and the
/// `standby` cell is Off.
pub async fn assert_serving_from(p: &Provider, active: &str, standby: &str) {
    assert_eq!(
        writer_region(p, "us-west-2").await.as_deref(),
        Some(active),
        "writer Region"
    );
    let cell = |r: &str| format!("cell-{r}");
    assert_eq!(control(p, &cell(active)).await, Some(ControlState::On));
    assert_eq!(control(p, &cell(standby)).await, Some(ControlState::Off));
}

impl TwinProcess {
    /// The twin's game-day control, read over loopback (GET /_drconsole/faults).
    pub fn faults(&self) -> serde_json::Value {
        http_get_json(&self.endpoints.faults_url)
    }

    /// Labels of the faults the twin holds now.
    pub fn active_faults(&self) -> Vec<String> {
        self.faults()["active"]
            .as_array()
            .expect("an active list")
            .iter()
            .map(|a| a["label"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

fn http_get_json(url: &str) -> serde_json::Value {
    let url = url.strip_prefix("http://").expect("http url");
    let (host, path) = url.split_once('/').expect("path");
    let mut s = std::net::TcpStream::connect(host).expect("connect to the twin");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    let (_, body) = text.split_once("\r\n\r\n").expect("http reply");
    serde_json::from_str(body).expect("JSON")
}
