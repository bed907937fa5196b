//! Every thing a user can make the console do: one closed enum.

/// A user intent, produced by the keymap (or the `:` command line) and applied by
/// [`crate::tui::App::apply`]. The meaning of the navigation actions depends on what
/// has the focus: a panel scrolls, a menu moves its selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Ask before quitting (opens the confirm dialog).
    AskQuit,
    /// Clear the terminal and paint everything again (Ctrl-L).
    Redraw,
    ToggleHelp,
    /// Close the overlay or input, or leave zoom; never quits.
    Back,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Enter in menus and dialogs.
    Submit,
    /// Move between the buttons of a dialog.
    NextButton,
    /// Start typing a routing-control filter (`/`).
    StartFilter,
    OpenCommandLine,
    ToggleLog,
    /// Give the focused panel the whole body.
    ToggleZoom,
    OpenFaultMenu,
    /// Typed text in the filter or command line.
    InsertChar(char),
    DeleteChar,
    /// Set the routing-control filter directly (`:filter TEXT`).
    SetFilter(String),
    /// Show the runbook view, or the list of runbooks when none is open.
    OpenRunbooks,
    /// Open the resume dialog for the unfinished run the banner names.
    ReviewResume,
    /// Open a runbook by name with parameters (`:run NAME k=v…`).
    OpenRunbook(String),
    /// Act on the current step: start the run, or open its confirm dialog.
    RunAct,
    /// Tick the next checklist item of a manual step.
    RunTick,
    /// Untick the last ticked checklist item.
    RunUntick,
    RunPause,
    RunResume,
    /// Skip the current step (asks for a reason).
    RunSkip,
    /// Abort the run (asks first, with a reason).
    RunAbort,
    /// Retry a failed or blocked step (guards are read fresh again).
    RunRetry,
    /// Break-glass override of the safety rules ARC named (asks for a typed reason).
    RunOverride,
    /// The dashboard panels in the runbook view: beside the steps on a wide screen
    /// (hide / show), instead of them on a narrower one (switch), the run going on.
    ToggleRunDashboard,
}
