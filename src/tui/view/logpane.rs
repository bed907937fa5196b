//! The log pane: tui-logger's widget over the app's tracing events.

use super::panel;
use super::theme;
use crate::tui::app::{App, Panel};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Widget};
use tui_logger::{TuiLoggerLevelOutput, TuiLoggerWidget};

pub fn render(buf: &mut Buffer, area: Rect, app: &App) -> usize {
    let focused = app.focus == Panel::Log;
    let block = Block::bordered()
        .border_style(if focused {
            theme::BORDER_FOCUS
        } else {
            theme::BORDER
        })
        .title(ratatui::text::Span::styled(
            " Log ",
            if focused {
                theme::BORDER_FOCUS
            } else {
                theme::TITLE
            },
        ));
    let inner = block.inner(area);
    TuiLoggerWidget::default()
        .block(block)
        .output_timestamp(Some("%H:%M:%S".to_string()))
        .output_level(Some(TuiLoggerLevelOutput::Abbreviated))
        .output_target(false)
        .output_file(false)
        .output_line(false)
        .style_error(theme::BAD)
        .style_warn(theme::WARN)
        .style_info(theme::TEXT)
        .style_debug(theme::DIM)
        .style_trace(theme::DIM)
        .state(&app.log_state)
        .render(area, buf);
    panel::rows(inner)
}
