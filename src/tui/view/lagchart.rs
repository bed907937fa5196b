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

/// A chart `area.height` rows tall: bars in eighths, the RPO target as a dashed line
/// with its value at the right edge. The scale always shows the target and the peak.
pub fn chart(
    buf: &mut ratatui::buffer::Buffer,
    area: ratatui::layout::Rect,
    samples: &[f64],
    target: f64,
    label: &str,
) {
    let label = format!("┤{label}");
    let label_w = label.chars().count() as u16;
    if area.height == 0 || area.width <= label_w + 4 {
        return;
    }
    let bars = usize::from(area.width - label_w);
    let peak = samples
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let top = (target * 1.25).max(peak).max(1.0);
    let rows = usize::from(area.height);
    let eighths = (rows * 8) as f64;
    // Row (from the bottom) holding the target line.
    let t_row = (((target / top) * rows as f64).ceil() as usize).clamp(1, rows) - 1;
    let n = bars.min(samples.len());
    let x0 = area.x + (bars - n) as u16;
    for r in 0..rows {
        let y = area.bottom() - 1 - r as u16;
        for x in area.x..x0 {
            if r == t_row {
                buf.set_string(x, y, "╌", theme::BAD_DIM);
            }
        }
        for (i, v) in samples[samples.len() - n..].iter().enumerate() {
            let x = x0 + i as u16;
            let h = if v.is_finite() && *v > 0.0 {
                (v / top * eighths) as usize
            } else {
                0
            };
            let fill = h.saturating_sub(r * 8).min(8);
            let (_, style) = bar(*v, target);
            if fill > 0 {
                buf.set_string(x, y, BARS[fill - 1], style);
            } else if r == t_row {
                buf.set_string(x, y, "╌", theme::BAD_DIM);
            }
        }
        if r == t_row {
            buf.set_stringn(
                area.x + bars as u16,
                y,
                &label,
                usize::from(label_w),
                theme::DIM,
            );
        }
    }
}

fn bar(v: f64, target: f64) -> (&'static str, Style) {
    if !v.is_finite() || v < 0.0 {
        return ("·", theme::UNKNOWN);
    }
    if target <= 0.0 || v >= target {
        return ("█", theme::BAD);
    }
    let level = ((v / target) * 8.0) as usize;
    let style = if v >= 0.8 * target {
        theme::WARN
    } else {
        theme::OK
    };
    (BARS[level.min(7)], style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    #[test]
    fn chart_draws_the_target_line_and_bars_above_it() {
        let area = Rect::new(0, 0, 20, 4);
        let mut buf = Buffer::empty(area);
        chart(&mut buf, area, &[1000.0, 10_000.0], 5000.0, "5s");
        let text: String = (0..4)
            .map(|y| {
                (0..20)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        assert!(text.contains("╌"), "{text}");
        assert!(text.contains("┤5s"), "{text}");
        // The 10 s sample reaches the top row.
        assert_ne!(buf[(16, 0)].symbol(), " ", "{text}");
    }

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
