//! Rendering: a pure function of the app state and the time, one function per panel.

mod backups;
mod capacity;
mod faultmenu;
mod footer;
mod header;
mod lagchart;
pub mod layout;
mod logpane;
mod overlay;
mod panel;
mod regions;
mod replication;
mod routing;
pub mod rpo;
pub mod runbook;
mod stores;
pub mod text;
pub mod theme;
mod too_small;

use crate::tui::app::{App, Overlay, Panel};
use crate::tui::feed::FeedState;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

pub use layout::{MIN_HEIGHT, MIN_WIDTH};

/// What a frame learned that the state needs: how many rows each panel could show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameInfo {
    pub viewport: [usize; 4],
    pub cursor: Option<Position>,
    /// The runbook view's largest detail scroll offset, when it was drawn.
    pub runbook_scroll_max: Option<usize>,
}

/// Draws into a ratatui frame (the event loop and the screen tests).
pub fn draw(frame: &mut Frame, app: &App, now: DateTime<Utc>) -> FrameInfo {
    let area = frame.area();
    let info = render(frame.buffer_mut(), area, app, now);
    if let Some(pos) = info.cursor {
        frame.set_cursor_position(pos);
    }
    info
}

/// Draws the whole screen into `buf` over `area`.
pub fn render(buf: &mut Buffer, area: Rect, app: &App, now: DateTime<Utc>) -> FrameInfo {
    let mut info = FrameInfo {
        viewport: app.viewport,
        cursor: None,
        runbook_scroll_max: None,
    };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small::render(buf, area);
        if matches!(app.overlay, Overlay::ConfirmQuit { .. }) {
            overlay::render(buf, area, app);
        }
        return info;
    }
    let areas = layout::compute(area, app);
    header::render(buf, areas.header, app, now);
    if app.runbook.visible && app.runbook.open.is_some() {
        let body = layout::body(area);
        let (run_area, dash) = layout::beside_run(body, app.run_dashboard_flipped);
        match (run_area, dash) {
            (Some(r), dash) => {
                info.runbook_scroll_max = runbook::render(buf, r, app, now);
                if let Some(d) = dash {
                    dashboard_beside(buf, d, app, now, &mut info);
                }
            }
            (None, Some(d)) => {
                // Narrow, switched to the panels: the run's title bar stays on top.
                let title_h = 2.min(d.height);
                runbook::title(buf, Rect::new(d.x, d.y, d.width, title_h), app, now);
                let rest = Rect::new(d.x, d.y + title_h, d.width, d.height - title_h);
                dashboard_beside(buf, rest, app, now, &mut info);
            }
            (None, None) => {}
        }
        info.cursor = footer::render(buf, areas.footer, app);
        overlay::render(buf, area, app);
        return info;
    }
    for p in Panel::ALL {
        let Some(r) = areas.panels[p.index()] else {
            continue;
        };
        let rows = match p {
            Panel::Regions => regions::render(buf, r, app, now),
            Panel::Replication => replication::render(buf, r, app, now),
            Panel::Routing => routing::render(buf, r, app, now),
            Panel::Log => logpane::render(buf, r, app),
        };
        info.viewport[p.index()] = rows;
    }
    info.cursor = footer::render(buf, areas.footer, app);
    overlay::render(buf, area, app);
    info
}

/// Regions, replication and routing stacked in `area`, beside (or instead of) the
/// runbook steps; each gets what it wants, routing the rest.
fn dashboard_beside(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    now: DateTime<Utc>,
    info: &mut FrameInfo,
) {
    let panels = layout::stacked(area, app);
    for (p, r) in panels {
        let rows = match p {
            Panel::Regions => regions::render(buf, r, app, now),
            Panel::Replication => replication::render(buf, r, app, now),
            Panel::Routing => routing::render(buf, r, app, now),
            Panel::Log => continue,
        };
        info.viewport[p.index()] = rows;
    }
}

/// The body of a panel before data arrives: connecting, or why there is none.
fn placeholder(buf: &mut Buffer, inner: Rect, app: &App) {
    if inner.height == 0 {
        return;
    }
    let (msg, style) = match &app.feed {
        FeedState::Connecting => ("connecting…".to_string(), theme::WARN),
        FeedState::Failed(e) => (format!("no data: {e}"), theme::BAD),
        FeedState::Ended => ("no data: the monitor stopped".to_string(), theme::BAD),
        FeedState::Connected => ("waiting for the first poll…".to_string(), theme::WARN),
    };
    text::Row::new(buf, inner, inner.y)
        .put(" ", theme::TEXT)
        .put(&msg, style);
}
