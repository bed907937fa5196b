//! The one keymap table. Every binding carries its description; `?` help and the
//! footer hints are generated from it, so they cannot drift from what the keys do.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where a binding applies: the innermost thing that has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Dashboard,
    Help,
    FaultMenu,
    Confirm,
    /// The `/` filter and the `:` command line.
    TextInput,
    /// The runbook view: steps, details and operator controls.
    Runbook,
    /// The list of runbooks under `runbooks/`.
    RunbookPicker,
    /// A runbook dialog: confirm a step, or give a reason (text is typed).
    RunDialog,
}

impl Context {
    pub const ALL: [Context; 8] = [
        Context::Dashboard,
        Context::Help,
        Context::FaultMenu,
        Context::Confirm,
        Context::TextInput,
        Context::Runbook,
        Context::RunbookPicker,
        Context::RunDialog,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Context::Dashboard => "Dashboard",
            Context::Help => "Help",
            Context::FaultMenu => "Fault menu (game day)",
            Context::Confirm => "Confirm dialog",
            Context::TextInput => "Filter and command line",
            Context::Runbook => "Runbook view",
            Context::RunbookPicker => "Runbook list",
            Context::RunDialog => "Runbook dialog (confirm, reasons)",
        }
    }
}

/// One physical key, with the modifiers that must be held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }
    const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
    const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    fn matches(&self, ev: &KeyEvent) -> bool {
        // Terminals report Shift with capitals and BackTab inconsistently; only
        // Control and Alt distinguish bindings here.
        let significant = KeyModifiers::CONTROL | KeyModifiers::ALT;
        self.code == ev.code && (ev.modifiers & significant) == (self.mods & significant)
    }
}

/// One row of the keymap table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    /// How the keys are written in help.
    pub label: &'static str,
    pub action: Action,
    pub description: &'static str,
}

const fn b(
    context: Context,
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    description: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        label,
        action,
        description,
    }
}

use Context::{Confirm, Dashboard, FaultMenu, Help, RunDialog, Runbook, RunbookPicker, TextInput};
use KeyCode as K;

/// The keymap. Order is help order.
#[rustfmt::skip]
pub static KEYMAP: &[Binding] = &[
    b(Dashboard, &[Key::ch('?')], "?", Action::ToggleHelp, "show this help"),
    b(Dashboard, &[Key::plain(K::Tab)], "Tab", Action::FocusNext, "next panel"),
    b(Dashboard, &[Key::plain(K::BackTab)], "Shift-Tab", Action::FocusPrev, "previous panel"),
    b(Dashboard, &[Key::ch('j'), Key::plain(K::Down)], "j ↓", Action::Down, "scroll down"),
    b(Dashboard, &[Key::ch('k'), Key::plain(K::Up)], "k ↑", Action::Up, "scroll up"),
    b(Dashboard, &[Key::plain(K::PageDown), Key::ctrl('d')], "PgDn ^D", Action::PageDown, "page down"),
    b(Dashboard, &[Key::plain(K::PageUp), Key::ctrl('u')], "PgUp ^U", Action::PageUp, "page up"),
    b(Dashboard, &[Key::ch('g'), Key::plain(K::Home)], "g Home", Action::Top, "go to the top"),
    b(Dashboard, &[Key::ch('G'), Key::plain(K::End)], "G End", Action::Bottom, "go to the bottom"),
    b(Dashboard, &[Key::ch('/')], "/", Action::StartFilter, "filter routing controls"),
    b(Dashboard, &[Key::ch(':')], ":", Action::OpenCommandLine, "command line (:help lists commands)"),
    b(Dashboard, &[Key::ch('z')], "z", Action::ToggleZoom, "zoom the focused panel"),
    b(Dashboard, &[Key::ch('l')], "l", Action::ToggleLog, "show or hide the log pane"),
    b(Dashboard, &[Key::ch('f')], "f", Action::OpenFaultMenu, "game day: see, inject and clear faults (twin only)"),
    b(Dashboard, &[Key::ch('r')], "r", Action::OpenRunbooks, "runbooks: the open run, or the list"),
    b(Dashboard, &[Key::ch('R')], "R", Action::ReviewResume, "review resuming an unfinished run (asks first)"),
    b(Dashboard, &[Key::plain(K::Esc)], "Esc", Action::Back, "leave zoom, clear the filter"),
    b(Dashboard, &[Key::ctrl('l')], "^L", Action::Redraw, "redraw the screen"),
    b(Dashboard, &[Key::ch('q'), Key::ctrl('c')], "q ^C", Action::AskQuit, "quit (asks first)"),
    b(Help, &[Key::ch('j'), Key::plain(K::Down)], "j ↓", Action::Down, "scroll down"),
    b(Help, &[Key::ch('k'), Key::plain(K::Up)], "k ↑", Action::Up, "scroll up"),
    b(Help, &[Key::plain(K::PageDown), Key::ctrl('d')], "PgDn ^D", Action::PageDown, "page down"),
    b(Help, &[Key::plain(K::PageUp), Key::ctrl('u')], "PgUp ^U", Action::PageUp, "page up"),
    b(Help, &[Key::ch('g'), Key::plain(K::Home)], "g Home", Action::Top, "go to the top"),
    b(Help, &[Key::ch('G'), Key::plain(K::End)], "G End", Action::Bottom, "go to the bottom"),
    b(Help, &[Key::plain(K::Esc), Key::ch('?'), Key::ch('q')], "Esc ? q", Action::Back, "close help"),
    b(FaultMenu, &[Key::ch('j'), Key::plain(K::Down)], "j ↓", Action::Down, "next fault"),
    b(FaultMenu, &[Key::ch('k'), Key::plain(K::Up)], "k ↑", Action::Up, "previous fault"),
    b(FaultMenu, &[Key::plain(K::Enter)], "Enter", Action::Submit, "clear (Active) or inject the selected fault"),
    b(FaultMenu, &[Key::plain(K::Esc), Key::ch('q')], "Esc q", Action::Back, "close the menu"),
    b(Confirm, &[Key::plain(K::Tab), Key::plain(K::BackTab), Key::plain(K::Left), Key::plain(K::Right), Key::ch('h'), Key::ch('l')], "Tab ← →", Action::NextButton, "move between Cancel and OK"),
    b(Confirm, &[Key::plain(K::Enter)], "Enter", Action::Submit, "press the focused button"),
    b(Confirm, &[Key::plain(K::Esc), Key::ch('n'), Key::ctrl('c')], "Esc n", Action::Back, "cancel"),
    b(TextInput, &[Key::plain(K::Enter)], "Enter", Action::Submit, "apply"),
    b(TextInput, &[Key::plain(K::Esc)], "Esc", Action::Back, "cancel"),
    b(TextInput, &[Key::plain(K::Backspace)], "Backspace", Action::DeleteChar, "delete a character"),
    b(Runbook, &[Key::ch('?')], "?", Action::ToggleHelp, "show this help"),
    b(Runbook, &[Key::ch('j'), Key::plain(K::Down)], "j ↓", Action::Down, "next step"),
    b(Runbook, &[Key::ch('k'), Key::plain(K::Up)], "k ↑", Action::Up, "previous step"),
    b(Runbook, &[Key::plain(K::PageDown), Key::ctrl('d')], "PgDn ^D", Action::PageDown, "scroll the step details down"),
    b(Runbook, &[Key::plain(K::PageUp), Key::ctrl('u')], "PgUp ^U", Action::PageUp, "scroll the step details up"),
    b(Runbook, &[Key::ch('g'), Key::plain(K::Home)], "g Home", Action::Top, "first step (the list stops following the run)"),
    b(Runbook, &[Key::ch('G'), Key::plain(K::End)], "G End", Action::Bottom, "last step (back on the current step it follows again)"),
    b(Runbook, &[Key::plain(K::Enter)], "Enter", Action::RunAct, "start the run, or review the step awaiting confirmation (asks first)"),
    b(Runbook, &[Key::ch('x')], "x", Action::RunTick, "tick the next checklist item"),
    b(Runbook, &[Key::ch('X')], "X", Action::RunUntick, "untick the last ticked item"),
    b(Runbook, &[Key::ch('p')], "p", Action::RunPause, "pause the run"),
    b(Runbook, &[Key::ch('u')], "u", Action::RunResume, "resume a paused run"),
    b(Runbook, &[Key::ch('s')], "s", Action::RunSkip, "skip the current step (with a reason)"),
    b(Runbook, &[Key::ch('r')], "r", Action::RunRetry, "retry a failed or blocked step (fresh guards)"),
    b(Runbook, &[Key::ch('o')], "o", Action::RunOverride, "break-glass override of the rules ARC named (typed reason)"),
    b(Runbook, &[Key::ch('a')], "a", Action::RunAbort, "abort the run (asks, with a reason)"),
    b(Runbook, &[Key::ch('d')], "d", Action::ToggleRunDashboard, "dashboard panels: hide or show beside the steps (160+ columns), else switch with the steps"),
    b(Runbook, &[Key::ch(':')], ":", Action::OpenCommandLine, "command line (:run NAME k=v opens a runbook)"),
    b(Runbook, &[Key::ch('R')], "R", Action::ReviewResume, "review resuming an unfinished run (asks first)"),
    b(Runbook, &[Key::plain(K::Esc)], "Esc", Action::Back, "back to the dashboard (the run goes on)"),
    b(Runbook, &[Key::ctrl('l')], "^L", Action::Redraw, "redraw the screen"),
    b(Runbook, &[Key::ch('q'), Key::ctrl('c')], "q ^C", Action::AskQuit, "quit (asks first)"),
    b(RunbookPicker, &[Key::ch('j'), Key::plain(K::Down)], "j ↓", Action::Down, "next runbook"),
    b(RunbookPicker, &[Key::ch('k'), Key::plain(K::Up)], "k ↑", Action::Up, "previous runbook"),
    b(RunbookPicker, &[Key::plain(K::Enter)], "Enter", Action::Submit, "open the runbook (default parameters)"),
    b(RunbookPicker, &[Key::plain(K::Esc), Key::ch('q')], "Esc q", Action::Back, "close the list"),
    b(RunDialog, &[Key::plain(K::Tab), Key::plain(K::BackTab), Key::plain(K::Left), Key::plain(K::Right)], "Tab ← →", Action::NextButton, "move between Cancel and OK"),
    b(RunDialog, &[Key::plain(K::Enter)], "Enter", Action::Submit, "press the focused button (Cancel first)"),
    b(RunDialog, &[Key::plain(K::Backspace)], "Backspace", Action::DeleteChar, "delete a typed character"),
    b(RunDialog, &[Key::plain(K::Esc), Key::ctrl('c')], "Esc", Action::Back, "cancel"),
];

/// Said in help and the README: why keys typed ahead do nothing in a dialog.
pub const DIALOG_GUARD_NOTE: &str = "Dialogs never open by themselves, and ignore keys typed before they were on screen and for 0.3 s after (no type-ahead into a confirmation).";

/// [`DIALOG_GUARD_NOTE`] in lines that fit the help box.
pub fn dialog_guard_note_lines() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in DIALOG_GUARD_NOTE.split(' ') {
        match out.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= 66 => {
                line.push(' ');
                line.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
    }
    out
}

/// The action bound to `ev` in `context`, if any. In text input, unbound printable
/// characters are typed.
pub fn lookup(context: Context, ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let bound = KEYMAP
        .iter()
        .filter(|b| b.context == context)
        .find(|b| b.keys.iter().any(|k| k.matches(ev)))
        .map(|b| b.action.clone());
    let types = matches!(context, Context::TextInput | Context::RunDialog);
    if bound.is_some() || !types {
        return bound;
    }
    match ev.code {
        KeyCode::Char(c)
            if !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(Action::InsertChar(c))
        }
        _ => None,
    }
}

/// The bindings of one context, in table order.
pub fn bindings(context: Context) -> impl Iterator<Item = &'static Binding> {
    KEYMAP.iter().filter(move |b| b.context == context)
}

/// The keymap as a Markdown table (the README's keys table is this text).
pub fn markdown_table() -> String {
    let mut out = String::from("| Where | Keys | Does |\n|---|---|---|\n");
    for ctx in Context::ALL {
        for b in bindings(ctx) {
            out.push_str(&format!(
                "| {} | `{}` | {} |\n",
                ctx.title(),
                b.label,
                b.description
            ));
        }
    }
    for c in COMMANDS {
        let names: Vec<String> = c.names.iter().map(|n| format!(":{n}")).collect();
        out.push_str(&format!(
            "| Command line | `{}` | {} |\n",
            names.join("` `"),
            c.description
        ));
    }
    out
}

/// `:` commands: a name, the action it stands for, and what it does.
pub struct Command {
    pub names: &'static [&'static str],
    pub action: fn(&str) -> Action,
    pub description: &'static str,
}

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { names: &["quit", "q"], action: |_| Action::AskQuit, description: "quit (asks first)" },
    Command { names: &["help", "h"], action: |_| Action::ToggleHelp, description: "show help" },
    Command { names: &["filter", "f"], action: |arg| Action::SetFilter(arg.to_string()), description: "filter routing controls: :filter TEXT" },
    Command { names: &["faults", "gameday"], action: |_| Action::OpenFaultMenu, description: "open the fault menu" },
    Command { names: &["log"], action: |_| Action::ToggleLog, description: "show or hide the log pane" },
    Command { names: &["zoom"], action: |_| Action::ToggleZoom, description: "zoom the focused panel" },
    Command { names: &["redraw"], action: |_| Action::Redraw, description: "redraw the screen" },
    Command { names: &["run"], action: |arg| Action::OpenRunbook(arg.to_string()), description: "open a runbook: :run NAME [k=v…]" },
    Command { names: &["runbooks", "rb"], action: |_| Action::OpenRunbooks, description: "the runbook view, or the list of runbooks" },
];

/// Parses a `:` command line.
pub fn parse_command(line: &str) -> Result<Action, String> {
    let line = line.trim();
    let (word, arg) = line.split_once(' ').unwrap_or((line, ""));
    COMMANDS
        .iter()
        .find(|c| c.names.contains(&word))
        .map(|c| (c.action)(arg.trim()))
        .ok_or_else(|| format!("unknown command :{word} (try :help)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn q_asks_and_ctrl_l_redraws() {
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(lookup(Context::Dashboard, &q), Some(Action::AskQuit));
        let l = key(KeyCode::Char('l'), KeyModifiers::CONTROL);
        assert_eq!(lookup(Context::Dashboard, &l), Some(Action::Redraw));
        let plain_l = key(KeyCode::Char('l'), KeyModifiers::NONE);
        assert_eq!(
            lookup(Context::Dashboard, &plain_l),
            Some(Action::ToggleLog)
        );
    }

    #[test]
    fn capital_g_matches_with_shift() {
        let g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(Context::Dashboard, &g), Some(Action::Bottom));
    }

    #[test]
    fn text_input_types_unbound_characters() {
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(
            lookup(Context::TextInput, &q),
            Some(Action::InsertChar('q'))
        );
        let esc = key(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(lookup(Context::TextInput, &esc), Some(Action::Back));
    }

    #[test]
    fn every_context_has_a_way_back() {
        for ctx in Context::ALL {
            let has_back =
                bindings(ctx).any(|b| matches!(b.action, Action::Back | Action::ToggleHelp));
            assert!(has_back, "{ctx:?} has no way out");
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for ctx in Context::ALL {
            let keys: Vec<Key> = bindings(ctx).flat_map(|b| b.keys.iter().copied()).collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(k), "{k:?} bound twice in {ctx:?}");
            }
        }
    }

    #[test]
    fn run_dialog_types_letters_that_are_keys_elsewhere() {
        for c in ['q', 'n', 'h', 'l', 'u', 's'] {
            let k = key(KeyCode::Char(c), KeyModifiers::NONE);
            assert_eq!(lookup(Context::RunDialog, &k), Some(Action::InsertChar(c)));
        }
        let tab = key(KeyCode::Tab, KeyModifiers::NONE);
        assert_eq!(lookup(Context::RunDialog, &tab), Some(Action::NextButton));
    }

    #[test]
    fn run_command_keeps_its_arguments() {
        assert_eq!(
            parse_command("run pilot-light-failover to=us-west-2"),
            Ok(Action::OpenRunbook(
                "pilot-light-failover to=us-west-2".into()
            ))
        );
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse_command("q"), Ok(Action::AskQuit));
        assert_eq!(
            parse_command("filter use1"),
            Ok(Action::SetFilter("use1".into()))
        );
        assert!(parse_command("launch-missiles").is_err());
    }
}
