//! The dialog input guard (DESIGN.md invariant 7): keys that arrived before a dialog
//! was on screen never act inside it. While a dialog waits for its first frame every
//! key is dropped (that drains queued keys, a paste, typed-ahead text), and for
//! [`DEFAULT_INTERVAL`] after that frame was drawn too (keys already in flight from the
//! terminal). The clock is monotonic and passed in, so tests need no sleeping.

use std::time::{Duration, Instant};

/// How long keys are ignored after a dialog was first drawn: shorter than a person's
/// reaction to something new on screen (about 250 ms and up), longer than a burst of
/// typed-ahead keys takes to arrive over a slow SSH link.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(300);

/// Which dialog is up: a different tag is a new dialog, guarded afresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogTag(pub String);

#[derive(Debug, Clone)]
pub struct InputGuard {
    pub interval: Duration,
    /// The dialog being guarded, and when its first frame was drawn (`None`: not yet).
    current: Option<(DialogTag, Option<Instant>)>,
    /// Keys dropped for the current dialog.
    ignored: usize,
}

impl Default for InputGuard {
    fn default() -> Self {
        InputGuard::new(DEFAULT_INTERVAL)
    }
}

impl InputGuard {
    pub fn new(interval: Duration) -> Self {
        InputGuard {
            interval,
            current: None,
            ignored: 0,
        }
    }

    /// Follows the dialog on screen (call after every change of state): a new tag
    /// arms the guard, no dialog disarms it.
    pub fn track(&mut self, tag: Option<DialogTag>) {
        match (&self.current, tag) {
            (Some((cur, _)), Some(t)) if *cur == t => {}
            (_, Some(t)) => {
                self.current = Some((t, None));
                self.ignored = 0;
            }
            (_, None) => {
                self.current = None;
                self.ignored = 0;
            }
        }
    }

    /// A frame was drawn at `now`. True when it was the dialog's first: pending input
    /// should then be drained.
    pub fn drawn(&mut self, now: Instant) -> bool {
        match &mut self.current {
            Some((_, at @ None)) => {
                *at = Some(now);
                true
            }
            _ => false,
        }
    }

    /// Whether a key arriving at `now` must be dropped; counts it when so.
    pub fn blocks(&mut self, now: Instant) -> bool {
        let blocked = match &self.current {
            None => false,
            Some((_, None)) => true,
            Some((_, Some(at))) => now.saturating_duration_since(*at) < self.interval,
        };
        if blocked {
            self.ignored += 1;
        }
        blocked
    }

    /// Keys dropped for the dialog on screen.
    pub fn ignored(&self) -> usize {
        self.ignored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(s: &str) -> Option<DialogTag> {
        Some(DialogTag(s.into()))
    }

    #[test]
    fn keys_before_the_first_frame_and_within_the_interval_are_dropped() {
        let t0 = Instant::now();
        let mut g = InputGuard::new(Duration::from_millis(300));
        assert!(!g.blocks(t0), "no dialog, no guard");
        g.track(tag("confirm 3"));
        // Typed ahead: the dialog is not on screen yet, however long that takes.
        assert!(g.blocks(t0 + Duration::from_secs(5)));
        assert!(g.drawn(t0 + Duration::from_secs(5)));
        assert!(
            !g.drawn(t0 + Duration::from_secs(6)),
            "only the first frame"
        );
        let shown = t0 + Duration::from_secs(5);
        assert!(g.blocks(shown + Duration::from_millis(299)));
        assert!(!g.blocks(shown + Duration::from_millis(300)));
        assert_eq!(g.ignored(), 2);
    }

    #[test]
    fn the_same_dialog_is_not_rearmed_but_a_new_one_is() {
        let t0 = Instant::now();
        let mut g = InputGuard::new(Duration::from_millis(300));
        g.track(tag("skip 2"));
        g.drawn(t0);
        g.track(tag("skip 2"));
        assert!(!g.blocks(t0 + Duration::from_millis(400)));
        g.track(tag("confirm 2"));
        assert!(g.blocks(t0 + Duration::from_millis(400)), "a new dialog");
        g.track(None);
        assert!(!g.blocks(t0 + Duration::from_millis(400)));
        assert_eq!(g.ignored(), 0);
    }
}
