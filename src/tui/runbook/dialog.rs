//! The runbook dialogs' state: confirm a step, start or resume a run, and the reasons
//! for skip, abort and break-glass override. Cancel has the focus when one opens.

use super::link::UnfinishedRun;
use crate::runbook::engine::Prompt;

#[derive(Debug, Clone, PartialEq)]
pub enum DialogKind {
    /// Confirm the current step; a typed confirm needs `prompt.typed` typed.
    Confirm { step: usize, prompt: Prompt },
    /// Start a new run of the open runbook.
    Start,
    /// Skip the current step; a reason is required.
    Skip { step: usize },
    /// Abort the run; the reason is journaled.
    Abort,
    /// Break-glass: re-send overriding the rules ARC named; a typed reason is required.
    Override { step: usize, rules: Vec<String> },
    /// Continue an unfinished run found in the journal.
    Resume(UnfinishedRun),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunDialog {
    pub kind: DialogKind,
    /// The typed confirmation or the reason.
    pub text: String,
    pub ok_focused: bool,
    /// Why OK did not go through (shown in the dialog).
    pub error: Option<String>,
}

impl RunDialog {
    pub fn new(kind: DialogKind) -> Self {
        RunDialog {
            kind,
            text: String::new(),
            ok_focused: false,
            error: None,
        }
    }

    /// A new dialog, boxed as the overlay holds it.
    pub fn boxed(kind: DialogKind) -> Box<Self> {
        Box::new(Self::new(kind))
    }

    /// Tells this dialog apart from any other, for the input guard.
    pub fn tag(&self) -> String {
        match &self.kind {
            DialogKind::Confirm { step, prompt } => format!("confirm {step} {}", prompt.what),
            DialogKind::Start => "start".into(),
            DialogKind::Skip { step } => format!("skip {step}"),
            DialogKind::Abort => "abort".into(),
            DialogKind::Override { step, .. } => format!("override {step}"),
            DialogKind::Resume(r) => format!("resume {}", r.run_id),
        }
    }

    /// The dialog in a few words, for the line that says why it closed.
    pub fn name(&self) -> &'static str {
        match &self.kind {
            DialogKind::Confirm { .. } => "the confirm dialog",
            DialogKind::Start => "the start dialog",
            DialogKind::Skip { .. } => "the skip dialog",
            DialogKind::Abort => "the abort dialog",
            DialogKind::Override { .. } => "the override dialog",
            DialogKind::Resume(_) => "the resume dialog",
        }
    }

    /// The step the dialog acts on, if it is bound to one.
    pub fn step(&self) -> Option<usize> {
        match &self.kind {
            DialogKind::Confirm { step, .. }
            | DialogKind::Skip { step }
            | DialogKind::Override { step, .. } => Some(*step),
            _ => None,
        }
    }

    /// Whether the dialog has a text field.
    pub fn takes_text(&self) -> bool {
        match &self.kind {
            DialogKind::Confirm { prompt, .. } => prompt.typed.is_some(),
            DialogKind::Skip { .. } | DialogKind::Abort | DialogKind::Override { .. } => true,
            DialogKind::Start | DialogKind::Resume(_) => false,
        }
    }

    /// The label of the OK button.
    pub fn ok_label(&self) -> &'static str {
        match &self.kind {
            DialogKind::Confirm { .. } => "Confirm",
            DialogKind::Start => "Start run",
            DialogKind::Skip { .. } => "Skip step",
            DialogKind::Abort => "Abort run",
            DialogKind::Override { .. } => "Override",
            DialogKind::Resume(_) => "Resume",
        }
    }

    /// What OK needs before it goes through; `Err` says what is missing.
    pub fn check(&self) -> Result<(), String> {
        let text = self.text.trim();
        match &self.kind {
            DialogKind::Confirm { prompt, .. } => match &prompt.typed {
                Some(want) if text != want => Err(format!("type `{want}` exactly to confirm")),
                _ => Ok(()),
            },
            DialogKind::Skip { .. } | DialogKind::Override { .. } if text.is_empty() => {
                Err("a reason is required (it is journaled)".into())
            }
            _ => Ok(()),
        }
    }
}
