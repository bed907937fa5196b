//! Tracing goes into tui-logger, without its mover thread.
//!
//! `tui_logger::init_logger` starts a thread that wakes every 10 ms forever; an idle
//! console must not. Instead a small layer notifies the UI when an event was
//! recorded, and the UI calls `tui_logger::move_events()` itself.

use std::sync::Arc;
use tokio::sync::Notify;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Wakes the UI after tui-logger has recorded an event.
struct NotifyLayer(Arc<Notify>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for NotifyLayer {
    fn on_event(&self, _event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        // notify_one stores a permit: many events between two UI wake-ups coalesce.
        self.0.notify_one();
    }
}

/// Default filter: our own info and above, everyone else's warnings, except
/// aws-config, whose IMDS and credential-chain probing warns on every machine that is
/// not an EC2 instance (the same intent as `status`'s `DEFAULT_LOG_FILTER`).
pub const DEFAULT_FILTER: &str = "warn,drconsole=info,aws_config=error";

/// Installs the global subscriber (tui-logger + wake-up). Returns the notifier the
/// event loop waits on. `RUST_LOG` overrides the filter.
pub fn init() -> anyhow::Result<Arc<Notify>> {
    let notify = Arc::new(Notify::new());
    let filter = filter(std::env::var(EnvFilter::DEFAULT_ENV).ok().as_deref());
    tui_logger::set_default_level(tui_logger::LevelFilter::Trace);
    tracing_subscriber::registry()
        .with(filter)
        .with(tui_logger::TuiTracingSubscriberLayer)
        .with(NotifyLayer(notify.clone()))
        .try_init()?;
    Ok(notify)
}

/// `RUST_LOG` when it is set and parses, else [`DEFAULT_FILTER`].
fn filter(rust_log: Option<&str>) -> EnvFilter {
    rust_log
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tracing_subscriber::Registry;

    /// Records the target of every event that passes the filter.
    struct Seen(Arc<Mutex<Vec<String>>>);
    impl<S: Subscriber> Layer<S> for Seen {
        fn on_event(&self, e: &tracing::Event<'_>, _: Context<'_, S>) {
            if let Ok(mut v) = self.0.lock() {
                v.push(format!(
                    "{}:{}",
                    e.metadata().target(),
                    e.metadata().level()
                ));
            }
        }
    }

    /// The events that pass `f` out of a fixed set: aws-config's IMDS warning and
    /// error, another crate's warning, and our own info and debug.
    fn passing(f: EnvFilter) -> Vec<String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sub = Registry::default().with(f).with(Seen(seen.clone()));
        tracing::subscriber::with_default(sub, || {
            tracing::warn!(target: "aws_config::imds::region", "failed to load region from IMDS");
            tracing::error!(target: "aws_config::default_provider", "no credentials");
            tracing::warn!(target: "hyper_util::client", "connection reset");
            tracing::info!(target: "drconsole::monitor", "poll");
            tracing::debug!(target: "drconsole::monitor", "detail");
        });
        seen.lock().map(|v| v.clone()).unwrap_or_default()
    }

    #[test]
    fn default_filter_silences_aws_config_warnings_but_keeps_its_errors() {
        assert_eq!(
            passing(filter(None)),
            vec![
                "aws_config::default_provider:ERROR",
                "hyper_util::client:WARN",
                "drconsole::monitor:INFO",
            ]
        );
        assert_eq!(passing(filter(Some("  "))), passing(filter(None)));
    }

    #[test]
    fn rust_log_overrides_the_default() {
        assert_eq!(
            passing(filter(Some("aws_config=warn,drconsole=debug"))),
            vec![
                "aws_config::imds::region:WARN",
                "aws_config::default_provider:ERROR",
                "drconsole::monitor:INFO",
                "drconsole::monitor:DEBUG",
            ]
        );
    }
}
