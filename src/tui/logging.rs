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

/// Default filter: our own info and above, everyone else's warnings.
pub const DEFAULT_FILTER: &str = "warn,drconsole=info";

/// Installs the global subscriber (tui-logger + wake-up). Returns the notifier the
/// event loop waits on. `RUST_LOG` overrides the filter.
pub fn init() -> anyhow::Result<Arc<Notify>> {
    let notify = Arc::new(Notify::new());
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tui_logger::set_default_level(tui_logger::LevelFilter::Trace);
    tracing_subscriber::registry()
        .with(filter)
        .with(tui_logger::TuiTracingSubscriberLayer)
        .with(NotifyLayer(notify.clone()))
        .try_init()?;
    Ok(notify)
}
