//! The game-day fault menu's state: the faults in force ("Active", Enter clears one)
//! above the catalogue (Enter injects one), and the status line that follows each
//! request until the twin confirms it.

use super::action::Action;
use super::app::{App, Effect, Overlay, Severity};
use super::feed::GameDayEvent;
use super::guard::DialogTag;

/// One selectable row of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuItem {
    /// Index into the active faults.
    Active(usize),
    /// Index into the catalogue.
    Catalogue(usize),
}

impl App {
    fn active_len(&self) -> usize {
        self.active_faults.as_ref().map_or(0, Vec::len)
    }

    fn catalogue_len(&self) -> usize {
        self.faults.as_ref().map_or(0, Vec::len)
    }

    /// The row at `selected`: active faults first, then the catalogue.
    pub fn menu_item(&self, selected: usize) -> Option<MenuItem> {
        let a = self.active_len();
        if selected < a {
            Some(MenuItem::Active(selected))
        } else if selected - a < self.catalogue_len() {
            Some(MenuItem::Catalogue(selected - a))
        } else {
            None
        }
    }

    /// The menu's dialog tag names what it lists: when the active faults change under
    /// the operator's eyes the guard is armed afresh, so a key meant for the old list
    /// never acts on the new one (DESIGN.md invariant 7).
    pub(super) fn fault_menu_tag(&self) -> DialogTag {
        match &self.active_faults {
            None => DialogTag("faults:?".into()),
            Some(a) => DialogTag(format!("faults:{}", a.join("\u{1f}"))),
        }
    }

    pub(super) fn open_fault_menu(&mut self) -> Option<Effect> {
        self.overlay = Overlay::FaultMenu { selected: 0 };
        // What was in force when the menu last closed may have changed since.
        self.active_faults = None;
        Some(Effect::RefreshFaults)
    }

    pub(super) fn apply_fault_menu(&mut self, action: Action) -> Option<Effect> {
        let Overlay::FaultMenu { selected } = self.overlay else {
            return None;
        };
        let n = self.active_len() + self.catalogue_len();
        match action {
            Action::Down if n > 0 => {
                self.overlay = Overlay::FaultMenu {
                    selected: (selected + 1) % n,
                }
            }
            Action::Up if n > 0 => {
                self.overlay = Overlay::FaultMenu {
                    selected: (selected + n - 1) % n,
                }
            }
            Action::Submit => {
                let item = self.menu_item(selected);
                self.overlay = Overlay::None;
                return match item {
                    Some(MenuItem::Active(i)) => {
                        let label = self.active_faults.as_ref()?.get(i)?.clone();
                        self.message = Some((format!("clearing fault: {label}"), Severity::Warn));
                        Some(Effect::ClearFault(label))
                    }
                    Some(MenuItem::Catalogue(i)) => {
                        let label = self.faults.as_ref()?.get(i)?.label.clone();
                        self.message = Some((format!("injecting fault: {label}"), Severity::Warn));
                        Some(Effect::InjectFault(i))
                    }
                    None => None,
                };
            }
            Action::Back => self.overlay = Overlay::None,
            _ => {}
        }
        None
    }

    /// An answer from the twin. The status line speaks in the past tense only here,
    /// once the twin confirmed.
    pub fn on_game_day_event(&mut self, ev: GameDayEvent) {
        let active = match ev {
            GameDayEvent::Active(active) => active,
            GameDayEvent::Injected { label, active } => {
                self.message = Some((format!("fault injected: {label}"), Severity::Warn));
                active
            }
            GameDayEvent::Cleared { label, active } => {
                self.message = Some((format!("fault cleared: {label}"), Severity::Info));
                active
            }
            GameDayEvent::Gone { label, active } => {
                self.message = Some((format!("fault no longer in force: {label}"), Severity::Info));
                active
            }
            GameDayEvent::Failed { what, error } => {
                self.message = Some((format!("{what}: {error}"), Severity::Warn));
                return;
            }
        };
        self.set_active_faults(active);
    }

    /// Replaces the active list, keeping the selection on the row it was on; the
    /// first list after the menu opened puts it on the top row.
    fn set_active_faults(&mut self, active: Vec<String>) {
        let Some(old) = self.active_faults.take() else {
            if let Overlay::FaultMenu { selected } = &mut self.overlay {
                *selected = 0;
            }
            self.active_faults = Some(active);
            return;
        };
        let (old_a, new_a) = (old.len(), active.len());
        if let Overlay::FaultMenu { selected } = &mut self.overlay {
            *selected = if *selected >= old_a {
                *selected - old_a + new_a
            } else {
                let label = &old[*selected];
                match active.iter().position(|l| l == label) {
                    Some(i) => i,
                    None if new_a > 0 => (*selected).min(new_a - 1),
                    None => new_a,
                }
            };
        }
        self.active_faults = Some(active);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mode;
    use crate::tui::app::ConsoleInfo;
    use crate::tui::feed::FaultEntry;
    use crossterm::event::{KeyCode, KeyEvent};
    use std::time::{Duration, Instant};

    fn app() -> App {
        let mut a = App::new(ConsoleInfo {
            environment: "t".into(),
            mode: Mode::Simulated,
            read_only: false,
            poll_period_ms: 2000,
        });
        a.faults = Some(
            ["impair", "alarm", "spike"]
                .iter()
                .map(|l| FaultEntry {
                    label: l.to_string(),
                    detail: String::new(),
                })
                .collect(),
        );
        a
    }

    fn active(labels: &[&str]) -> GameDayEvent {
        GameDayEvent::Active(labels.iter().map(|l| l.to_string()).collect())
    }

    fn selected(a: &App) -> usize {
        match a.overlay {
            Overlay::FaultMenu { selected } => selected,
            _ => panic!("the menu is closed"),
        }
    }

    #[test]
    fn the_selection_stays_on_its_row_when_the_active_list_changes() {
        let mut a = app();
        a.apply(Action::OpenFaultMenu);
        a.on_game_day_event(active(&["x impaired"]));
        assert_eq!(a.menu_item(selected(&a)), Some(MenuItem::Active(0)));
        a.apply(Action::Down);
        a.apply(Action::Down);
        assert_eq!(a.menu_item(selected(&a)), Some(MenuItem::Catalogue(1)));
        a.on_game_day_event(active(&["x impaired", "y failing", "z slow"]));
        assert_eq!(a.menu_item(selected(&a)), Some(MenuItem::Catalogue(1)));
        a.apply(Action::Up);
        a.apply(Action::Up);
        a.apply(Action::Up);
        assert_eq!(a.menu_item(selected(&a)), Some(MenuItem::Active(1)));
        // The row under the cursor went: the cursor stays among the active faults.
        a.on_game_day_event(active(&["x impaired", "z slow"]));
        assert_eq!(a.menu_item(selected(&a)), Some(MenuItem::Active(1)));
        assert_eq!(
            a.apply(Action::Submit),
            Some(Effect::ClearFault("z slow".into()))
        );
    }

    #[test]
    fn the_status_line_speaks_in_the_past_tense_only_once_the_twin_confirmed() {
        let mut a = app();
        a.apply(Action::OpenFaultMenu);
        a.on_game_day_event(active(&[]));
        assert_eq!(a.apply(Action::Submit), Some(Effect::InjectFault(0)));
        let msg = |a: &App| a.message.clone().map(|(m, _)| m).unwrap_or_default();
        assert_eq!(msg(&a), "injecting fault: impair");
        a.on_game_day_event(GameDayEvent::Failed {
            what: "fault not injected: impair".into(),
            error: "the twin did not answer within 5 s".into(),
        });
        assert_eq!(
            msg(&a),
            "fault not injected: impair: the twin did not answer within 5 s"
        );
        a.on_game_day_event(GameDayEvent::Injected {
            label: "impair".into(),
            active: vec!["x impaired".into()],
        });
        assert_eq!(msg(&a), "fault injected: impair");
        assert_eq!(a.active_faults, Some(vec!["x impaired".into()]));
    }

    /// A key meant for the list on screen never acts on a list that changed under it:
    /// the new list is a new dialog for the input guard.
    #[test]
    fn a_changed_active_list_rearms_the_input_guard() {
        let mut a = app();
        let t0 = Instant::now();
        let enter = KeyEvent::from(KeyCode::Enter);
        a.on_key(&KeyEvent::from(KeyCode::Char('f')), t0);
        a.on_game_day_event(active(&[]));
        a.frame_drawn(t0);
        a.on_game_day_event(active(&["x impaired"]));
        a.frame_drawn(t0 + Duration::from_millis(400));
        assert_eq!(a.on_key(&enter, t0 + Duration::from_millis(500)), None);
        assert_eq!(a.guard.ignored(), 1);
        // Seen and answered: the cursor stayed on its row (the first catalogue entry).
        assert_eq!(
            a.on_key(&enter, t0 + Duration::from_millis(800)),
            Some(Effect::InjectFault(0))
        );
    }
}
