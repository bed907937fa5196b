//! One capacity line under its Region in the Regions panel: what serves, what is
//! warming up, desired, and what production needs.

use super::text::Row;
use super::theme;
use crate::model::snapshot::CapacityStatus;

/// `▪ web-usw2  2/6 instances · 4 warming · desired 6`, coloured by level.
/// Unknown counts are said as unknown, never as a number.
pub fn line(w: &mut Row, c: &CapacityStatus, name_w: u16) {
    w.put("    ▪ ", theme::DIM)
        .put(&c.name, theme::LABEL)
        .col(6 + name_w + 2);
    let (Some(serving), Some(desired)) = (c.in_service, c.desired) else {
        let why = c.error.as_deref().unwrap_or("not read yet");
        w.put("capacity unknown", theme::UNKNOWN)
            .put(&format!(": {why}"), theme::DIM);
        return;
    };
    let style = match c.level() {
        Some("production") => theme::OK,
        Some("partial") => theme::WARN,
        _ => theme::BAD_DIM,
    };
    // Nothing serves and nothing is asked: the standby is a pilot light (said, as
    // that is what it is on purpose); any other shortfall shows in the numbers.
    if serving == 0 && desired == 0 {
        w.put("pilot light: ", style);
    }
    w.put(&format!("{serving}/{} {}", c.production, c.unit), style);
    let mut rest = Vec::new();
    if let Some(n) = c.warming.filter(|n| *n > 0) {
        rest.push(format!("{n} warming"));
    }
    if let Some(n) = c.unhealthy.filter(|n| *n > 0) {
        rest.push(format!("{n} unhealthy"));
    }
    rest.push(format!("desired {desired}"));
    if let Some(s) = c.service_status.as_deref().filter(|s| *s != "ACTIVE") {
        rest.push(s.to_string());
    }
    w.put(&format!(" · {}", rest.join(" · ")), theme::DIM);
}
