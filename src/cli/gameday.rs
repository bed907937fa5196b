//! The console's game-day task: injects and clears faults in the twin and reports each
//! result to the UI by channel. The twin is either in this process (the [`Emulator`]
//! handle) or another one (`--twin-endpoints`: its `/_drconsole/faults` over HTTP).

use crate::emulator::Emulator;
use crate::emulator::scenario::{ActiveFault, Fault, FaultsDoc};
use crate::tui::{GameDayEvent, GameDayRequest};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// A twin on loopback answers at once; past this it is stuck, and the operator is told.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum GameDayError {
    #[error("the twin's fault control URL `{0}` is not http://host:port/path")]
    BadUrl(String),
    #[error("cannot reach the twin: {0}")]
    Connect(#[source] std::io::Error),
    #[error("the twin's fault control failed: {0}")]
    Http(#[from] hyper::Error),
    #[error("the twin did not answer within {} s", ANSWER_WITHIN.as_secs())]
    Timeout,
    #[error("the twin refused it (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the twin's answer is not a fault list: {0}")]
    BadReply(#[from] serde_json::Error),
}

/// `GET` / `POST` on a twin's `/_drconsole/faults`.
#[derive(Debug, Clone)]
pub struct FaultsClient {
    authority: String,
    path: String,
}

impl FaultsClient {
    pub fn new(url: &str) -> Result<FaultsClient, GameDayError> {
        let bad = || GameDayError::BadUrl(url.to_string());
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let (authority, path) = rest.split_once('/').ok_or_else(bad)?;
        if authority.is_empty() {
            return Err(bad());
        }
        Ok(FaultsClient {
            authority: authority.to_string(),
            path: format!("/{path}"),
        })
    }

    /// The catalogue and the faults in force.
    pub async fn get(&self) -> Result<FaultsDoc, GameDayError> {
        self.call(Method::GET, Bytes::new()).await
    }

    /// Injects `fault`; answers with the faults in force afterwards.
    pub async fn post(&self, fault: &Fault) -> Result<Vec<ActiveFault>, GameDayError> {
        let body = serde_json::to_vec(fault)?;
        Ok(self.call(Method::POST, Bytes::from(body)).await?.active)
    }

    async fn call(&self, method: Method, body: Bytes) -> Result<FaultsDoc, GameDayError> {
        tokio::time::timeout(ANSWER_WITHIN, self.exchange(method, body))
            .await
            .map_err(|_| GameDayError::Timeout)?
    }

    async fn exchange(&self, method: Method, body: Bytes) -> Result<FaultsDoc, GameDayError> {
        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(GameDayError::Connect)?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        // Drives the connection until the exchange is over (the twin then closes it).
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let req = Request::builder()
            .method(method)
            .uri(&self.path)
            .header(hyper::header::HOST, &self.authority)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(body))
            .map_err(|_| GameDayError::BadUrl(format!("http://{}{}", self.authority, self.path)))?;
        let resp = sender.send_request(req).await?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            return Err(GameDayError::Refused {
                status: status.as_u16(),
                message: String::from_utf8_lossy(&bytes).trim().to_string(),
            });
        }
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// Where the faults go.
pub enum Control<'a> {
    InProcess(&'a Emulator),
    Remote(&'a FaultsClient),
}

impl Control<'_> {
    async fn active(&self) -> Result<Vec<ActiveFault>, GameDayError> {
        match self {
            Control::InProcess(twin) => Ok(twin.active_faults()),
            Control::Remote(client) => Ok(client.get().await?.active),
        }
    }

    async fn inject(&self, fault: &Fault) -> Result<Vec<ActiveFault>, GameDayError> {
        match self {
            Control::InProcess(twin) => Ok(twin.inject(fault.clone())),
            Control::Remote(client) => client.post(fault).await,
        }
    }
}

fn labels(active: &[ActiveFault]) -> Vec<String> {
    active.iter().map(|a| a.label.clone()).collect()
}

/// Serves the menu's requests one at a time, in order, until the UI lets go.
/// `shown` is the active list the UI last received: a clear names one of its labels.
pub async fn serve(
    control: Control<'_>,
    catalogue: Vec<(String, Fault)>,
    mut requests: mpsc::UnboundedReceiver<GameDayRequest>,
    events: mpsc::UnboundedSender<GameDayEvent>,
) {
    let mut shown: Vec<ActiveFault> = Vec::new();
    while let Some(req) = requests.recv().await {
        let ev = match req {
            GameDayRequest::Refresh => match control.active().await {
                Ok(a) => {
                    shown = a;
                    GameDayEvent::Active(labels(&shown))
                }
                Err(e) => failed("cannot list the faults in force", &e),
            },
            GameDayRequest::Inject(i) => match catalogue.get(i) {
                Some((label, fault)) => match control.inject(fault).await {
                    Ok(a) => {
                        tracing::warn!("game day: fault injected: {label}");
                        shown = a;
                        GameDayEvent::Injected {
                            label: label.clone(),
                            active: labels(&shown),
                        }
                    }
                    Err(e) => failed(&format!("fault not injected: {label}"), &e),
                },
                None => GameDayEvent::Failed {
                    what: "fault not injected".into(),
                    error: format!("no catalogue entry #{i}"),
                },
            },
            GameDayRequest::Clear(label) => {
                match shown
                    .iter()
                    .find(|a| a.label == label)
                    .map(|a| a.clear.clone())
                {
                    Some(clear) => match control.inject(&clear).await {
                        Ok(a) => {
                            tracing::info!("game day: fault cleared: {label}");
                            shown = a;
                            GameDayEvent::Cleared {
                                label,
                                active: labels(&shown),
                            }
                        }
                        Err(e) => failed(&format!("fault not cleared: {label}"), &e),
                    },
                    None => GameDayEvent::Gone {
                        label,
                        active: labels(&shown),
                    },
                }
            }
        };
        if events.send(ev).is_err() {
            return;
        }
    }
}

fn failed(what: &str, e: &GameDayError) -> GameDayEvent {
    tracing::warn!("game day: {what}: {e}");
    GameDayEvent::Failed {
        what: what.to_string(),
        error: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;
    use crate::emulator::scenario::{self, Fault};
    use crate::emulator::{self, EmulatorOptions};

    async fn twin() -> (Emulator, Vec<(String, Fault)>) {
        let env = Environment::builtin_default().expect("env");
        let opts = EmulatorOptions {
            seed: 1,
            speed: 1.0,
            scenario: None,
            port: 0,
        };
        let twin = emulator::start(&env, opts).await.expect("twin");
        (twin, scenario::catalogue(&env))
    }

    /// Runs `serve` over `requests` and returns what it reported, in order.
    async fn served(
        control: Control<'_>,
        cat: Vec<(String, Fault)>,
        requests: Vec<GameDayRequest>,
    ) -> Vec<GameDayEvent> {
        let (req_tx, req_rx) = mpsc::unbounded_channel();
        let (ev_tx, mut ev_rx) = mpsc::unbounded_channel();
        for r in requests {
            req_tx.send(r).expect("send");
        }
        drop(req_tx);
        serve(control, cat, req_rx, ev_tx).await;
        let mut out = Vec::new();
        while let Ok(ev) = ev_rx.try_recv() {
            out.push(ev);
        }
        out
    }

    fn health_check_requests(cat: &[(String, Fault)]) -> Vec<GameDayRequest> {
        let i = cat
            .iter()
            .position(|(l, _)| l.starts_with("Health check hc-orders-use1"))
            .expect("entry");
        vec![
            GameDayRequest::Refresh,
            GameDayRequest::Inject(i),
            GameDayRequest::Clear("Health check hc-orders-use1 failing".into()),
            GameDayRequest::Clear("Health check hc-orders-use1 failing".into()),
            GameDayRequest::Inject(cat.len()),
        ]
    }

    fn expected(label: &str) -> Vec<GameDayEvent> {
        let active = "Health check hc-orders-use1 failing".to_string();
        vec![
            GameDayEvent::Active(vec![]),
            GameDayEvent::Injected {
                label: label.into(),
                active: vec![active.clone()],
            },
            GameDayEvent::Cleared {
                label: active.clone(),
                active: vec![],
            },
            GameDayEvent::Gone {
                label: active,
                active: vec![],
            },
        ]
    }

    #[tokio::test]
    async fn in_process_injects_clears_and_reports_in_order() {
        let (twin, cat) = twin().await;
        let reqs = health_check_requests(&cat);
        let label = "Health check hc-orders-use1 (us-east-1) fails";
        let events = served(Control::InProcess(&twin), cat, reqs).await;
        assert_eq!(events[..4], expected(label)[..]);
        assert!(
            matches!(&events[4], GameDayEvent::Failed { .. }),
            "{:?}",
            events[4]
        );
        assert!(twin.active_faults().is_empty());
    }

    /// The same requests over the twin's HTTP control (what `--twin-endpoints` uses).
    #[tokio::test]
    async fn over_http_injects_clears_and_reports_in_order() {
        let (twin, _) = twin().await;
        let url = format!("{}{}", twin.aws_endpoint_url(), emulator::FAULTS_PATH);
        let client = FaultsClient::new(&url).expect("url");
        let cat: Vec<(String, Fault)> = client
            .get()
            .await
            .expect("GET")
            .catalogue
            .into_iter()
            .map(|e| (e.label, e.fault))
            .collect();
        let reqs = health_check_requests(&cat);
        let label = "Health check hc-orders-use1 (us-east-1) fails";
        let events = served(Control::Remote(&client), cat, reqs).await;
        assert_eq!(events[..4], expected(label)[..]);
        // A fault the twin's environment does not know is refused with its reason.
        let bad = Fault::HealthCheckFailing {
            health_check: "hc-nope".into(),
        };
        match client.post(&bad).await {
            Err(GameDayError::Refused {
                status: 400,
                message,
            }) => {
                assert!(message.contains("hc-nope"), "{message}")
            }
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn a_faults_url_splits_into_authority_and_path() {
        let c = FaultsClient::new("http://127.0.0.1:4566/_drconsole/faults").expect("url");
        assert_eq!(c.authority, "127.0.0.1:4566");
        assert_eq!(c.path, "/_drconsole/faults");
        assert!(matches!(
            FaultsClient::new("https://x/y"),
            Err(GameDayError::BadUrl(_))
        ));
        assert!(matches!(
            FaultsClient::new(""),
            Err(GameDayError::BadUrl(_))
        ));
    }
}
