//! Environment files: the shipped ones load, and every broken file in the corpus gives a
//! `file:line:column` error (never a panic).

use drconsole::config::Environment;

#[test]
fn builtin_default_loads() {
    let env = Environment::builtin_default().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(env.regions.len(), 2);
    assert_eq!(env.primary().name, "us-east-1");
    assert_eq!(env.arc.endpoints.len(), 5);
    assert_eq!(env.arc.controls.len(), 2);
    assert_eq!(env.arc.rules.len(), 1);
    assert_eq!(env.aurora[0].members[1].cluster_id(), "orders-usw2");
}
