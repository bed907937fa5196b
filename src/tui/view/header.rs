//! Two header rows: who and where (environment, mode badge, read-only lock, clock,
//! oldest data), then the account and identity ARN.

use super::text::{self, Row};
use super::theme;
use crate::tui::app::App;
use crate::tui::feed::FeedState;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

pub fn render(buf: &mut Buffer, area: Rect, app: &App, now: DateTime<Utc>) {
    if area.height == 0 {
        return;
    }
    let (age_text, age_style) = data_age(app, now, area.width >= 100);
    let clock = format!("{} UTC", now.format("%H:%M:%S"));
    let right_w = Span::raw(&age_text).width() + Span::raw(&clock).width() + 4;
    let right_w = u16::try_from(right_w).unwrap_or(u16::MAX).min(area.width);
    let left = Rect::new(area.x, area.y, area.width - right_w, 1);
    let right = Rect::new(left.right(), area.y, right_w, 1);

    let mut row = Row::new(buf, left, area.y);
    row.put(
        &format!(" {} ", app.info.mode.as_str()),
        theme::mode_badge(app.info.mode),
    );
    row.put(" ", theme::TEXT);
    if app.info.read_only {
        row.put(" 🔒READ-ONLY ", theme::READ_ONLY)
            .put(" ", theme::TEXT);
    } else {
        row.put("read-write ", theme::DIM);
    }
    row.put(&app.info.environment, theme::TITLE);

    let mut r = Row::new(buf, right, area.y);
    r.space(1)
        .put(&age_text, age_style)
        .put("  ", theme::TEXT)
        .put(&clock, theme::TITLE);

    if area.height < 2 {
        return;
    }
    let y = area.y + 1;
    let mut row = Row::new(buf, area, y);
    row.put(" ", theme::TEXT);
    // An RPO breach comes first: the identity may be cut, the breach may not.
    if let Some(h) = app.snapshot.as_deref().and_then(super::rpo::headline) {
        row.put(&h, theme::BAD).put("  ", theme::TEXT);
    }
    match app.snapshot.as_deref() {
        Some(s) => match (&s.identity, &s.identity_error) {
            (Some(id), _) => {
                row.put("account ", theme::LABEL)
                    .put(&id.account, theme::TITLE)
                    .put("  ", theme::TEXT)
                    .put(&id.arn, theme::TEXT);
            }
            (None, Some(e)) => {
                row.put("identity unknown: ", theme::UNKNOWN)
                    .put(e, theme::WARN);
            }
            (None, None) => {
                row.put("identity not yet known", theme::UNKNOWN);
            }
        },
        None => {
            let (msg, style) = match &app.feed {
                FeedState::Failed(e) => (format!("cannot connect: {e}"), theme::BAD),
                FeedState::Ended => ("monitor stopped".to_string(), theme::BAD),
                _ => (
                    "connecting… (resolving credentials, first poll)".to_string(),
                    theme::WARN,
                ),
            };
            row.put(&msg, style);
        }
    }
}

/// "oldest data 3s", styled by staleness; unknown when nothing has been read.
fn data_age(app: &App, now: DateTime<Utc>, wide: bool) -> (String, ratatui::style::Style) {
    if app.snapshot.is_none() {
        return ("no data yet".to_string(), theme::UNKNOWN);
    }
    match app.rows.oldest {
        Some(t) => {
            let ms = (now - t).num_milliseconds();
            // Narrow: "23s old · ? unknown" — short enough that at 80 columns the
            // environment name still fits, and "?" is the symbol unknown has everywhere.
            let unknown = match (app.rows.has_unknown, wide) {
                (false, _) => "",
                (true, true) => " · some unknown",
                (true, false) => " · ? unknown",
            };
            let age = text::age(ms);
            let text = if wide {
                format!("oldest data {age}{unknown}")
            } else {
                format!("{age} old{unknown}")
            };
            let style = match theme::age(ms, app.info.poll_period_ms) {
                st if st == theme::DIM && app.rows.has_unknown => theme::UNKNOWN,
                st => st,
            };
            (text, style)
        }
        None => ("no data read yet".to_string(), theme::UNKNOWN),
    }
}
