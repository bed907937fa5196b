//! What a terminal below the minimum size gets: the size it needs, never a panic.

use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use super::theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub fn render(buf: &mut Buffer, area: Rect) {
    let lines = [
        format!("terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT})"),
        format!("now {}×{} · q quits", area.width, area.height),
    ];
    let top = area.y + area.height.saturating_sub(2) / 2;
    for (i, line) in lines.iter().enumerate() {
        let y = top + i as u16;
        if y >= area.bottom() {
            break;
        }
        let w = line.chars().count() as u16;
        let x = area.x + area.width.saturating_sub(w) / 2;
        let style = if i == 0 { theme::BAD } else { theme::DIM };
        buf.set_stringn(x, y, line, usize::from(area.right() - x), style);
    }
}
