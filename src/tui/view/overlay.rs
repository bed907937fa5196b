//! Pop-ups drawn over the dashboard: generated help, the game-day fault menu and the
//! quit confirmation.

use super::text::Row;
use super::theme;
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::{self, Context};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Clear, Widget};

pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub(super) fn popup(buf: &mut Buffer, area: Rect, title: &str) -> Rect {
    Clear.render(area, buf);
    let block = Block::bordered()
        .border_style(theme::BORDER_FOCUS)
        .title(Span::styled(format!(" {title} "), theme::BORDER_FOCUS));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

pub fn render(buf: &mut Buffer, area: Rect, app: &App) {
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help { offset } => help(buf, area, *offset),
        Overlay::FaultMenu { selected } => super::faultmenu::render(buf, area, app, *selected),
        Overlay::ConfirmQuit { ok_focused } => {
            confirm(buf, area, *ok_focused);
            run_note(buf, area, app);
        }
        Overlay::RunbookPicker { selected } => {
            super::runbook::picker::render(buf, area, app, *selected)
        }
        Overlay::Run(d) => super::runbook::dialog::render(buf, area, app, d),
    }
}

enum HelpLine {
    Heading(&'static str),
    Key(&'static str, &'static str),
    Command(String, &'static str),
    Note(String),
    Blank,
}

/// Help, generated from the keymap table and the command table.
fn help_lines() -> Vec<HelpLine> {
    let mut out = Vec::new();
    for ctx in Context::ALL {
        out.push(HelpLine::Heading(ctx.title()));
        out.extend(keymap::bindings(ctx).map(|b| HelpLine::Key(b.label, b.description)));
        out.push(HelpLine::Blank);
    }
    out.extend(
        keymap::dialog_guard_note_lines()
            .into_iter()
            .map(HelpLine::Note),
    );
    out.push(HelpLine::Blank);
    out.push(HelpLine::Heading("Commands (type : then the command)"));
    for c in keymap::COMMANDS {
        out.push(HelpLine::Command(
            c.names
                .iter()
                .map(|n| format!(":{n}"))
                .collect::<Vec<_>>()
                .join(" "),
            c.description,
        ));
    }
    out
}

fn help(buf: &mut Buffer, area: Rect, offset: usize) {
    let lines = help_lines();
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let outer = centered(area, 72, h.min(area.height.saturating_sub(2)));
    let inner = popup(buf, outer, "Help — keys (j/k scroll, Esc closes)");
    let offset = offset.min(lines.len().saturating_sub(usize::from(inner.height)));
    for (y, line) in (inner.y..inner.bottom()).zip(lines.iter().skip(offset)) {
        let mut w = Row::new(buf, inner, y);
        match line {
            HelpLine::Heading(t) => {
                w.put(t, theme::TITLE);
            }
            HelpLine::Key(k, d) => {
                w.space(2)
                    .put(k, theme::BORDER_FOCUS)
                    .col(16)
                    .put(d, theme::TEXT);
            }
            HelpLine::Command(k, d) => {
                w.space(2)
                    .put(k, theme::BORDER_FOCUS)
                    .col(22)
                    .put(d, theme::TEXT);
            }
            HelpLine::Note(t) => {
                w.put(t, theme::WARN);
            }
            HelpLine::Blank => {}
        }
    }
    if lines.len() > offset + usize::from(inner.height) {
        let more = lines.len() - offset - usize::from(inner.height);
        let y = outer.bottom() - 1;
        let note = format!(" ↓ {more} more ");
        let x = outer
            .right()
            .saturating_sub(note.chars().count() as u16 + 1);
        buf.set_string(x, y, note, theme::WARN);
    }
}

fn confirm(buf: &mut Buffer, area: Rect, ok_focused: bool) {
    let outer = centered(area, 40, 7);
    let inner = popup(buf, outer, "Quit");
    if inner.height < 3 {
        return;
    }
    Row::new(buf, inner, inner.y + 1)
        .space(2)
        .put("Leave drconsole?", theme::TITLE);
    let (cancel, ok) = if ok_focused {
        (theme::TEXT, theme::SELECTED)
    } else {
        (theme::SELECTED, theme::TEXT)
    };
    Row::new(buf, inner, inner.y + 3)
        .space(6)
        .put("[ Cancel ]", cancel)
        .space(6)
        .put("[ OK ]", ok);
}

/// Under the quit question: a run in progress is not lost, it waits in the journal.
fn run_note(buf: &mut Buffer, area: Rect, app: &App) {
    if !app
        .runbook
        .open
        .as_ref()
        .is_some_and(|o| o.run_in_progress())
    {
        return;
    }
    let outer = centered(area, 40, 7);
    let inner = Rect::new(outer.x + 1, outer.y + 1, outer.width.saturating_sub(2), 5);
    if inner.height < 3 || inner.bottom() > area.bottom() {
        return;
    }
    Row::new(buf, inner, inner.y + 2)
        .space(2)
        .put("the run stays resumable", theme::WARN);
}
