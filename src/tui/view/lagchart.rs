//! A one-row lag sparkline with the RPO target as its ceiling: a bar that reaches the
//! top of the row has crossed the target and turns red, so the threshold is visible
//! at a glance even where there is room for only one row.

use super::text::Row;
use super::theme;
use chrono::{DateTime, Utc};
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

/// The time axis of a lag chart: one column per CloudWatch period, the rightmost
/// the period holding `now`, and marks where an outage or failover began.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeAxis {
    pub now: DateTime<Utc>,
    pub period_s: i64,
    pub marks: Vec<DateTime<Utc>>,
}

impl TimeAxis {
    fn period_of(&self, t: DateTime<Utc>) -> i64 {
        t.timestamp().div_euclid(self.period_s.max(1))
    }
}

/// A chart `area.height` rows tall: bars in eighths, one column per period placed by
/// its timestamp (a period without a datapoint stays blank, never zero), the RPO
/// target as a dashed line with its value at the right edge, and — when there are at
/// least three rows — a time row (−15m … now) with ▲ under each mark. The scale
/// always shows the target and the peak.
pub fn chart(
    buf: &mut ratatui::buffer::Buffer,
    area: ratatui::layout::Rect,
    points: &[(DateTime<Utc>, f64)],
    axis: &TimeAxis,
    target: f64,
    label: &str,
) {
    let label = format!("┤{label}");
    let label_w = label.chars().count() as u16;
    if area.height == 0 || area.width <= label_w + 4 {
        return;
    }
    let bars = usize::from(area.width - label_w);
    let time_row = area.height >= 3;
    let rows = usize::from(area.height) - usize::from(time_row);
    let last = axis.period_of(axis.now);
    let first = last - (bars as i64 - 1);
    // Column of each period shown; points outside the window are left out.
    let mut cols: Vec<Option<f64>> = vec![None; bars];
    for (t, v) in points {
        let k = axis.period_of(*t);
        if (first..=last).contains(&k) {
            cols[(k - first) as usize] = Some(*v);
        }
    }
    let mark_cols: Vec<usize> = axis
        .marks
        .iter()
        .map(|m| axis.period_of(*m))
        .filter(|k| (first..=last).contains(k))
        .map(|k| (k - first) as usize)
        .collect();
    let peak = cols
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let top = (target * 1.25).max(peak).max(1.0);
    let eighths = (rows * 8) as f64;
    // Row (from the bottom) holding the target line.
    let t_row = (((target / top) * rows as f64).ceil() as usize).clamp(1, rows) - 1;
    let bottom = area.bottom() - 1 - u16::from(time_row);
    for r in 0..rows {
        let y = bottom - r as u16;
        for (i, v) in cols.iter().enumerate() {
            let x = area.x + i as u16;
            let fill = match v {
                Some(v) if v.is_finite() && *v > 0.0 => {
                    ((v / top * eighths) as usize).saturating_sub(r * 8).min(8)
                }
                _ => 0,
            };
            if fill > 0 {
                let (_, style) = bar(v.unwrap_or_default(), target);
                buf.set_string(x, y, BARS[fill - 1], style);
            } else if r == t_row {
                buf.set_string(x, y, "╌", theme::BAD_DIM);
            } else if mark_cols.contains(&i) {
                buf.set_string(x, y, "┊", theme::WARN);
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
    if time_row {
        time_labels(buf, area, bars, axis, &mark_cols);
    }
}

/// "−15m" under the oldest column, "now" under the newest, ▲ under each mark.
fn time_labels(
    buf: &mut ratatui::buffer::Buffer,
    area: ratatui::layout::Rect,
    bars: usize,
    axis: &TimeAxis,
    mark_cols: &[usize],
) {
    let y = area.bottom() - 1;
    let span_s = (bars as i64 - 1) * axis.period_s.max(1);
    let oldest = if span_s >= 120 {
        format!("−{}m", span_s / 60)
    } else {
        format!("−{span_s}s")
    };
    buf.set_string(area.x, y, &oldest, theme::DIM);
    let now_x = area.x + bars as u16 - 3;
    if now_x > area.x + oldest.chars().count() as u16 {
        buf.set_string(now_x, y, "now", theme::DIM);
    }
    for c in mark_cols {
        buf.set_string(area.x + *c as u16, y, "▲", theme::WARN);
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

    fn render(area: Rect, points: &[(DateTime<Utc>, f64)], axis: &TimeAxis) -> String {
        let mut buf = Buffer::empty(area);
        chart(&mut buf, area, points, axis, 5000.0, "5s");
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    + "\n"
            })
            .collect()
    }

    fn at(min: i64, sec: i64) -> DateTime<Utc> {
        // 1_800_000_000 is on a whole minute.
        DateTime::<Utc>::from_timestamp(1_800_000_000 + min * 60 + sec, 0).expect("time")
    }

    #[test]
    fn chart_draws_the_target_line_and_bars_above_it() {
        let axis = TimeAxis {
            now: at(1, 30),
            period_s: 60,
            marks: vec![],
        };
        let text = render(
            Rect::new(0, 0, 20, 2),
            &[(at(0, 0), 1000.0), (at(1, 0), 10_000.0)],
            &axis,
        );
        assert!(text.contains("╌"), "{text}");
        assert!(text.contains("┤5s"), "{text}");
        // The 10 s sample (the current minute) reaches the top row, in the last column.
        assert_eq!(
            text.lines().next().and_then(|l| l.chars().nth(16)),
            Some('█'),
            "{text}"
        );
    }

    /// Issue 7 §4: one column per period placed by its timestamp (a missing minute is
    /// a gap), a time row from −Nm to now, and a mark where the outage began.
    #[test]
    fn chart_has_a_true_time_axis_with_gaps_and_an_outage_mark() {
        let axis = TimeAxis {
            now: at(15, 20),
            period_s: 60,
            marks: vec![at(12, 40)],
        };
        // Minutes 0..=15 with minute 6 missing; lag climbs after the outage at 12:40.
        let points: Vec<(DateTime<Utc>, f64)> = (0..=15)
            .filter(|m| *m != 6)
            .map(|m| {
                (
                    at(m, 0),
                    if m >= 12 {
                        2000.0 * (m - 11) as f64
                    } else {
                        300.0
                    },
                )
            })
            .collect();
        let text = render(Rect::new(0, 0, 19, 5), &points, &axis);
        insta::assert_snapshot!(text);
        let last = text.lines().last().unwrap_or_default();
        assert!(last.starts_with("−15m"), "{text}");
        assert!(last.contains("now"), "{text}");
        assert_eq!(last.chars().nth(12), Some('▲'), "{text}");
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
