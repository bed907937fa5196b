//! Where each panel goes. Narrow screens stack the panels and give the focused one the
//! room it wants; wide screens put routing controls beside Regions and replication.

use crate::tui::app::{App, Panel};
use ratatui::layout::Rect;

/// Below this the dashboard says "terminal too small" instead of drawing.
pub const MIN_WIDTH: u16 = 70;
pub const MIN_HEIGHT: u16 = 20;
/// From this width the body has two columns.
pub const WIDE: u16 = 120;
const HEADER: u16 = 2;
const FOOTER: u16 = 1;
/// A panel never shrinks below its borders plus one row.
const PANEL_MIN: u16 = 3;
/// Below this body height a narrow screen shows the log pane only when focused.
const SHORT_BODY: u16 = 24;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub footer: Rect,
    /// Indexed by `Panel::index()`; `None` when hidden.
    pub panels: [Option<Rect>; 4],
}

/// Rows (plus borders) each panel would like.
fn desired(app: &App, panel: Panel) -> u16 {
    let rows = match panel {
        Panel::Routing => app.row_count(panel) + 1, // + endpoint strip
        Panel::Log => 8,
        _ => app.row_count(panel),
    };
    u16::try_from(rows.max(1))
        .unwrap_or(u16::MAX)
        .saturating_add(2)
}

/// Splits `total` rows among `panels`: everyone gets the minimum, the focused panel
/// then gets what it wants, then Routing, then the others in order; the last panel
/// takes the rest.
fn allocate(total: u16, panels: &[(Panel, u16)], focus: Panel) -> Vec<u16> {
    let mut h: Vec<u16> = panels.iter().map(|_| PANEL_MIN).collect();
    let mut left = total.saturating_sub(PANEL_MIN * panels.len() as u16);
    // The focused panel first; then the routing controls, which the act path needs
    // on screen (a failover flips them) even when the Replication panel has many
    // rows (backups); then the others in order.
    let rank = |p: Panel| match p {
        _ if p == focus => 0,
        Panel::Routing => 1,
        _ => 2,
    };
    let mut order: Vec<(usize, &(Panel, u16))> = panels.iter().enumerate().collect();
    order.sort_by_key(|(i, (p, _))| (rank(*p), *i));
    for (i, (_, want)) in order {
        let extra = want.saturating_sub(h[i]).min(left);
        h[i] += extra;
        left -= extra;
    }
    if let Some(last) = h.last_mut() {
        *last += left;
    }
    h
}

fn stack(area: Rect, panels: &[(Panel, u16)], focus: Panel, out: &mut [Option<Rect>; 4]) {
    let heights = allocate(area.height, panels, focus);
    let mut y = area.y;
    for ((p, _), h) in panels.iter().zip(heights) {
        let h = h.min(area.bottom().saturating_sub(y));
        out[p.index()] = Some(Rect::new(area.x, y, area.width, h));
        y += h;
    }
}

/// The rows between the header and the footer.
pub fn body(area: Rect) -> Rect {
    Rect::new(
        area.x,
        area.y + HEADER.min(area.height),
        area.width,
        area.height.saturating_sub(HEADER + FOOTER),
    )
}

/// From this width the runbook view keeps the dashboard panels beside the steps.
pub const RUN_BESIDE: u16 = 160;

/// The runbook view's body split: the run's area and the dashboard panels' area.
/// From [`RUN_BESIDE`] columns both, side by side (`flipped` hides the panels);
/// below it one or the other (`flipped` shows the panels instead of the run).
pub fn beside_run(body: Rect, flipped: bool) -> (Option<Rect>, Option<Rect>) {
    if body.width >= RUN_BESIDE {
        if flipped {
            return (Some(body), None);
        }
        let dash_w = body.width * 2 / 5;
        let run = Rect::new(body.x, body.y, body.width - dash_w, body.height);
        let dash = Rect::new(run.right(), body.y, dash_w, body.height);
        (Some(run), Some(dash))
    } else if flipped {
        (None, Some(body))
    } else {
        (Some(body), None)
    }
}

/// Regions, replication and routing stacked in `area` (the runbook view's panels).
pub fn stacked(area: Rect, app: &App) -> Vec<(Panel, Rect)> {
    let want = |p: Panel| (p, desired(app, p));
    let list = [
        want(Panel::Regions),
        want(Panel::Replication),
        want(Panel::Routing),
    ];
    let mut out = [None; 4];
    // Routing is last: it takes whatever is left after the others got what they want.
    stack(area, &list, Panel::Regions, &mut out);
    list.iter()
        .filter_map(|(p, _)| out[p.index()].map(|r| (*p, r)))
        .collect()
}

pub fn compute(area: Rect, app: &App) -> Areas {
    let header = Rect::new(area.x, area.y, area.width, HEADER.min(area.height));
    let footer = Rect::new(
        area.x,
        area.bottom().saturating_sub(FOOTER),
        area.width,
        FOOTER,
    );
    let body = Rect::new(
        area.x,
        area.y + header.height,
        area.width,
        area.height.saturating_sub(HEADER + FOOTER),
    );
    let mut panels = [None; 4];
    if app.zoomed {
        panels[app.focus.index()] = Some(body);
        return Areas {
            header,
            footer,
            panels,
        };
    }
    let want = |p: Panel| (p, desired(app, p));
    if area.width >= WIDE {
        let log_h = if app.log_visible {
            (body.height / 4).clamp(PANEL_MIN, 14)
        } else {
            0
        };
        let top = Rect::new(body.x, body.y, body.width, body.height - log_h);
        let left_w = body.width * 11 / 20;
        let left = Rect::new(top.x, top.y, left_w, top.height);
        let right = Rect::new(top.x + left_w, top.y, top.width - left_w, top.height);
        stack(
            left,
            &[want(Panel::Regions), want(Panel::Replication)],
            app.focus,
            &mut panels,
        );
        panels[Panel::Routing.index()] = Some(right);
        if log_h > 0 {
            panels[Panel::Log.index()] = Some(Rect::new(body.x, top.bottom(), body.width, log_h));
        }
    } else {
        let mut list = vec![
            want(Panel::Regions),
            want(Panel::Replication),
            want(Panel::Routing),
        ];
        // On short screens the log pane steps aside unless it has the focus (Tab or z).
        if app.log_visible && (body.height >= SHORT_BODY || app.focus == Panel::Log) {
            list.push(want(Panel::Log));
        }
        stack(body, &list, app.focus, &mut panels);
    }
    Areas {
        header,
        footer,
        panels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn focused_panel_gets_what_it_wants_first() {
        let h = allocate(
            20,
            &[(Panel::Regions, 10), (Panel::Routing, 30)],
            Panel::Routing,
        );
        assert_eq!(h, vec![3, 17]);
        let h = allocate(
            20,
            &[(Panel::Regions, 10), (Panel::Routing, 30)],
            Panel::Regions,
        );
        assert_eq!(h, vec![10, 10]);
    }

    /// CI found a failover at 80×24 whose routing controls had one row left once the
    /// Replication panel grew backup rows: Routing now comes right after the focus.
    #[test]
    fn routing_gets_its_rows_before_a_long_replication_panel() {
        let h = allocate(
            20,
            &[
                (Panel::Regions, 4),
                (Panel::Replication, 14),
                (Panel::Routing, 8),
            ],
            Panel::Regions,
        );
        assert_eq!(h, vec![4, 8, 8]);
    }

    #[test]
    fn spare_rows_go_to_the_last_panel() {
        let h = allocate(
            20,
            &[(Panel::Regions, 4), (Panel::Routing, 5)],
            Panel::Regions,
        );
        assert_eq!(h, vec![4, 16]);
    }
}
