//! Writes one row of styled pieces straight into the buffer, marking a cut with "…"
//! so nothing is truncated silently. No intermediate `Line`s: rows are hot in the bench.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

pub struct Row<'a> {
    buf: &'a mut Buffer,
    start: u16,
    x: u16,
    y: u16,
    end: u16,
    cut: bool,
}

impl<'a> Row<'a> {
    /// A writer for row `y` of `area` (which must lie inside the buffer).
    pub fn new(buf: &'a mut Buffer, area: Rect, y: u16) -> Row<'a> {
        Row {
            buf,
            start: area.x,
            x: area.x,
            y,
            end: area.right(),
            cut: area.width == 0,
        }
    }

    pub fn put(&mut self, s: &str, style: Style) -> &mut Self {
        if self.cut || s.is_empty() {
            return self;
        }
        let w = Span::raw(s).width();
        let avail = usize::from(self.end - self.x);
        if w <= avail {
            let (nx, _) = self.buf.set_stringn(self.x, self.y, s, avail, style);
            self.x = nx;
        } else {
            self.cut = true;
            if avail > 1 {
                self.buf.set_stringn(self.x, self.y, s, avail - 1, style);
            }
            self.buf.set_stringn(self.end - 1, self.y, "…", 1, style);
        }
        self
    }

    /// Moves to column `col` (relative to the row start) if not already past it.
    pub fn col(&mut self, col: u16) -> &mut Self {
        let target = self.start.saturating_add(col).min(self.end);
        if self.x < target {
            self.x = target;
        } else if !self.cut && self.x < self.end {
            // Keep at least one space between columns.
            self.x += 1;
        }
        self
    }

    pub fn space(&mut self, n: u16) -> &mut Self {
        self.x = self.x.saturating_add(n).min(self.end);
        self
    }

    /// Columns left on this row.
    pub fn remaining(&self) -> u16 {
        if self.cut { 0 } else { self.end - self.x }
    }

    /// Current absolute x.
    pub fn x(&self) -> u16 {
        self.x
    }

    pub fn y(&self) -> u16 {
        self.y
    }

    pub fn advance(&mut self, n: u16) {
        self.x = self.x.saturating_add(n).min(self.end);
    }

    pub fn buf(&mut self) -> &mut Buffer {
        self.buf
    }
}

/// Splits `s` at spaces into at most `max_lines` lines of at most `width` columns.
/// The last line keeps whatever is left, so a row writer still marks the cut with "…";
/// a word wider than `width` is left whole for the same reason.
pub fn wrap(s: &str, width: usize, max_lines: usize) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        if lines.len() + 1 >= max_lines.max(1) || Span::raw(rest).width() <= width {
            lines.push(rest);
            break;
        }
        // The last space that keeps the line within `width`, else the first space.
        let mut cut = None;
        let mut w = 0;
        for (i, ch) in rest.char_indices() {
            if ch == ' ' {
                if w <= width || cut.is_none() {
                    cut = Some(i);
                }
                if w > width {
                    break;
                }
            }
            w += Span::raw(&rest[i..i + ch.len_utf8()]).width();
        }
        match cut {
            Some(i) => {
                lines.push(&rest[..i]);
                rest = rest[i..].trim_start();
            }
            None => {
                lines.push(rest);
                break;
            }
        }
    }
    lines
}

/// Formats milliseconds for people: 812 ms, 4.2 s, 3 m 05 s.
pub fn ms(v: f64) -> String {
    if !v.is_finite() || v < 0.0 {
        "n/a".to_string()
    } else if v < 1000.0 {
        format!("{v:.0} ms")
    } else if v < 60_000.0 {
        format!("{:.1} s", v / 1000.0)
    } else {
        let s = (v / 1000.0) as u64;
        format!("{} m {:02} s", s / 60, s % 60)
    }
}

/// A short age: 2s, 3m05s, 2h10m.
pub fn age(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// The coarsest single unit of an age, for tight spots: 4s, 2m, 3h, 5d.
pub fn age_compact(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// us-east-1 → use1, ap-northeast-1 → apne1.
pub fn short_region(r: &str) -> String {
    let mut out = String::new();
    for (i, part) in r.split('-').enumerate() {
        match i {
            0 => out.push_str(part),
            _ if part.chars().all(|c| c.is_ascii_digit()) => out.push_str(part),
            _ => {
                for dir in ["north", "south", "east", "west", "central"] {
                    if let Some(rest) = part.strip_prefix(dir) {
                        out.push_str(&dir[..1]);
                        if let Some(r2) = rest.get(..1) {
                            out.push_str(r2);
                        }
                        break;
                    }
                }
            }
        }
    }
    if out.is_empty() { r.to_string() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_rows_end_with_an_ellipsis() {
        let area = Rect::new(0, 0, 8, 1);
        let mut buf = Buffer::empty(area);
        Row::new(&mut buf, area, 0)
            .put("abcd", Style::new())
            .put("efghij", Style::new());
        assert_eq!(buf[(7, 0)].symbol(), "…");
        assert_eq!(buf[(6, 0)].symbol(), "g");
    }

    #[test]
    fn exact_fit_is_not_marked() {
        let area = Rect::new(0, 0, 4, 1);
        let mut buf = Buffer::empty(area);
        Row::new(&mut buf, area, 0).put("abcd", Style::new());
        assert_eq!(buf[(3, 0)].symbol(), "d");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_keeps_the_rest_on_the_last_line() {
        let s = "at least 1 of cell-us-east-1, cell-us-west-2 must be On";
        assert_eq!(
            wrap(s, 30, 2),
            vec!["at least 1 of cell-us-east-1,", "cell-us-west-2 must be On"]
        );
        assert_eq!(wrap(s, 80, 3), vec![s]);
        assert_eq!(wrap(s, 30, 1), vec![s]);
        assert_eq!(
            wrap(s, 10, 3),
            vec![
                "at least 1",
                "of",
                "cell-us-east-1, cell-us-west-2 must be On"
            ]
        );
        assert_eq!(
            wrap("averylongword and", 4, 3),
            vec!["averylongword", "and"]
        );
        assert!(wrap("   ", 4, 3).is_empty());
    }

    #[test]
    fn formats() {
        assert_eq!(ms(812.4), "812 ms");
        assert_eq!(ms(4210.0), "4.2 s");
        assert_eq!(age(185_000), "3m05s");
        assert_eq!(age_compact(9_999), "9s");
        assert_eq!(age_compact(185_000), "3m");
        assert_eq!(age_compact(7_300_000), "2h");
        assert_eq!(age_compact(200_000_000), "2d");
        assert_eq!(age_compact(-5), "0s");
        assert_eq!(short_region("ap-northeast-1"), "apne1");
        assert_eq!(short_region("us-east-1"), "use1");
        assert_eq!(short_region("eu-central-1"), "euc1");
    }
}
