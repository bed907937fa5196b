//! Styled lines for the runbook panes: word wrapping and a scrolled list of lines that
//! says how many are out of sight, so nothing is cut silently.

use crate::tui::view::text::Row;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

/// One line of styled pieces.
#[derive(Debug, Clone, Default)]
pub struct Line(pub Vec<(String, Style)>);

impl Line {
    pub fn new() -> Self {
        Line(Vec::new())
    }
    pub fn push(mut self, s: impl Into<String>, style: Style) -> Self {
        self.0.push((s.into(), style));
        self
    }
}

/// Lines under construction for one pane width.
pub struct Lines {
    pub width: usize,
    pub out: Vec<Line>,
}

impl Lines {
    pub fn new(width: u16) -> Self {
        Lines {
            width: usize::from(width),
            out: Vec::new(),
        }
    }

    pub fn line(&mut self, l: Line) {
        self.out.push(l);
    }

    /// `lead` then `text` wrapped; continuation lines are indented by the lead's width.
    pub fn para(&mut self, lead: &[(&str, Style)], text: &str, style: Style) {
        let lead_w: usize = lead.iter().map(|(s, _)| Span::raw(*s).width()).sum();
        let room = self.width.saturating_sub(lead_w).max(10);
        for (n, chunk) in wrap(text, room).into_iter().enumerate() {
            let mut l = Line::new();
            if n == 0 {
                for (s, st) in lead {
                    l = l.push(*s, *st);
                }
            } else {
                l = l.push(" ".repeat(lead_w), style);
            }
            self.out.push(l.push(chunk, style));
        }
    }
}

/// Greedy word wrap by display width; a word longer than the width is split.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let w = Span::raw(word.as_str()).width();
            let need = if cur.is_empty() { w } else { cur_w + 1 + w };
            if need <= width {
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.push_str(&word);
                cur_w = need;
                break;
            }
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                cur_w = 0;
                continue;
            }
            // A single word wider than the line: split it by characters.
            let head: String = take_width(&word, width);
            let rest = word[head.len()..].to_string();
            out.push(head);
            if rest.is_empty() {
                break;
            }
            word = rest;
        }
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

fn take_width(s: &str, width: usize) -> String {
    let mut w = 0;
    let mut out = String::new();
    for c in s.chars() {
        let cw = Span::raw(c.to_string()).width();
        if w + cw > width && !out.is_empty() {
            break;
        }
        w += cw;
        out.push(c);
    }
    out
}

/// Draws `lines` from `offset` into `area`; returns the offset actually used (clamped).
/// When lines are out of sight the last row says how many.
pub fn draw(
    buf: &mut Buffer,
    area: Rect,
    lines: &[Line],
    offset: usize,
    more_style: Style,
) -> usize {
    let h = usize::from(area.height);
    if h == 0 {
        return 0;
    }
    let offset = offset.min(lines.len().saturating_sub(h));
    let below = lines.len().saturating_sub(offset + h);
    let rows = if below > 0 { h - 1 } else { h };
    for (y, l) in (area.y..).zip(lines.iter().skip(offset).take(rows)) {
        let mut r = Row::new(buf, area, y);
        for (s, st) in &l.0 {
            r.put(s, *st);
        }
    }
    if below > 0 {
        let more = below + 1;
        let y = area.y + area.height - 1;
        Row::new(buf, area, y).put(
            &format!(
                " ↓ {more} more line{} (PgDn)",
                if more == 1 { "" } else { "s" }
            ),
            more_style,
        );
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_splits_long_ones() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 5), vec![""]);
    }
}
