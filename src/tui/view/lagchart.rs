//! A one-row lag sparkline with the RPO target as its ceiling: a bar that reaches the
//! top of the row has crossed the target and turns red, so the threshold is visible
//! at a glance even where there is room for only one row.

use super::text::Row;
use super::theme;
use ratatui::style::Style;

const BARS: [&str; 8] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/// Draws the last `width` samples (oldest left) scaled to `target`, then "┤target".
pub fn sparkline(w: &mut Row, samples: &[f64], target: f64, width: u16, label: &str) {
    let label = format!("┤{label}");
    let label_w = label.chars().count() as u16;
    let bars = width.saturating_sub(label_w);
    if bars < 4 {
        return;
    }
    let n = usize::from(bars).min(samples.len());
    let pad = bars - n as u16;
    // Missing history is blank, not zero: the chart starts when the data does.
    w.space(pad);
    for v in &samples[samples.len() - n..] {
        let (sym, style) = bar(*v, target);
        w.put(sym, style);
    }
    w.put(&label, theme::DIM);
}

fn bar(v: f64, target: f64) -> (&'static str, Style) {
    if !v.is_finite() || v < 0.0 {
        return ("·", theme::UNKNOWN);
    }
    if target <= 0.0 || v >= target {
        return ("█", theme::BAD);
    }
    let level = ((v / target) * 8.0) as usize;
    let style = if v >= 0.8 * target { theme::WARN } else { theme::OK };
    (BARS[level.min(7)], style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    #[test]
    fn crossing_the_target_fills_the_bar_in_red() {
        let area = Rect::new(0, 0, 12, 1);
        let mut buf = Buffer::empty(area);
        let mut row = Row::new(&mut buf, area, 0);
        sparkline(&mut row, &[100.0, 4000.0, 6000.0], 5000.0, 12, "5s");
        // 12 wide: 9 bars ("┤5s" is 3), 3 samples right-aligned.
        assert_eq!(buf[(6, 0)].symbol(), "▁");
        assert_eq!(buf[(8, 0)].symbol(), "█");
        assert_eq!(buf[(8, 0)].fg, theme::BAD.fg.unwrap_or_default());
        assert_eq!(buf[(9, 0)].symbol(), "┤");
    }
}
