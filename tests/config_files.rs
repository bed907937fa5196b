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
    // The backups section: the source Region comes from the resource ARN.
    let orders = env.backup("orders-db").expect("orders-db backup");
    assert_eq!(orders.resource_type, "Aurora");
    assert_eq!(orders.source_region, "us-east-1");
    assert_eq!(
        (orders.dr_region.as_str(), orders.vault.as_str()),
        ("us-west-2", "orders-dr-vault")
    );
    assert_eq!(orders.rpo, std::time::Duration::from_secs(4 * 3600));
    assert_eq!(
        orders.restore.metadata["DBClusterIdentifier"],
        "orders-restored"
    );
}

/// Each broken file states its expected error on its first line:
/// `# expect: LINE:COLUMN text-in-message`. One test per file.
fn check_broken(name: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/env-broken")
        .join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.lines().next().unwrap_or_default();
    let expect = first
        .strip_prefix("# expect: ")
        .unwrap_or_else(|| panic!("{} lacks an `# expect:` first line", path.display()));
    let (pos, needle) = expect.split_once(' ').unwrap_or((expect, ""));
    let err = match Environment::load(&path) {
        Ok(_) => panic!("{}: loaded without error", path.display()),
        Err(e) => e,
    };
    let shown = err.to_string();
    let want_prefix = format!("{}:{pos}: ", path.display());
    assert!(
        shown.starts_with(&want_prefix) && shown.contains(needle.trim()),
        "want {want_prefix}…{needle}\ngot  {shown}"
    );
}

macro_rules! broken {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            check_broken($file);
        }
    };
}

mod broken_env {
    use super::check_broken;
    broken!(arn_region_mismatch, "arn-region-mismatch");
    broken!(backup_bad_type, "backup-bad-type");
    broken!(backup_same_region, "backup-same-region");
    broken!(backup_unknown_region, "backup-unknown-region");
    broken!(bad_duration, "bad-duration");
    broken!(bad_rule_type, "bad-rule-type");
    broken!(capacity_initial_over_max, "capacity-initial-over-max");
    broken!(capacity_two_kinds, "capacity-two-kinds");
    broken!(db_unknown_region, "db-unknown-region");
    broken!(duplicate_control, "duplicate-control");
    broken!(duplicate_region, "duplicate-region");
    broken!(empty, "empty");
    broken!(four_endpoints, "four-endpoints");
    broken!(malformed_account, "malformed-account");
    broken!(malformed_control_arn, "malformed-control-arn");
    broken!(no_primary, "no-primary");
    broken!(one_region, "one-region");
    broken!(replica_same_region, "replica-same-region");
    broken!(rule_two_kinds, "rule-two-kinds");
    broken!(rule_unknown_control, "rule-unknown-control");
    broken!(table_one_region, "table-one-region");
    broken!(two_primaries, "two-primaries");
    broken!(unknown_nested_key, "unknown-nested-key");
    broken!(unknown_top_key, "unknown-top-key");
    broken!(wrong_type, "wrong-type");
    broken!(yaml_syntax, "yaml-syntax");

    /// Every file in the corpus has a test above.
    #[test]
    fn corpus_is_fully_listed() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/env-broken");
        let listed = include_str!("config_files.rs");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .replace(".yaml", "");
            assert!(
                listed.contains(&format!("\"{name}\")")),
                "no test for {name}.yaml"
            );
        }
    }
}

mod never_panics {
    use super::Environment;
    use drconsole::config::DEFAULT_ENV;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Truncating the default file anywhere and splicing in junk yields Ok or a
        /// positioned error, never a panic.
        #[test]
        fn mangled_default_env(cut in 0usize..4000, junk in "[ -~\n\t:\\[\\]{}-]{0,12}") {
            let mut cut = cut.min(DEFAULT_ENV.len());
            while !DEFAULT_ENV.is_char_boundary(cut) { cut -= 1; }
            let text = format!("{}{junk}{}", &DEFAULT_ENV[..cut], &DEFAULT_ENV[cut..]);
            if let Err(e) = Environment::parse(&text, "mangled.yaml") {
                prop_assert!(e.line >= 1 && e.column >= 1);
                prop_assert!(e.to_string().starts_with("mangled.yaml:"));
            }
        }
    }
}

#[test]
fn three_region_example_loads() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/three-region-env.yaml");
    let env = Environment::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(env.regions.len(), 3);
    assert_eq!(env.aurora[0].members.len(), 3);
    assert!(
        env.arc
            .rules
            .iter()
            .any(|r| matches!(r.rule.kind, drconsole::model::SafetyRuleKind::Gating { .. }))
    );
}
