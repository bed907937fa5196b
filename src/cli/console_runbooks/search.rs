//! Where the console looks for runbooks. On a bastion the console is started from
//! `$HOME`, where `./runbooks` does not exist, so the search path is explicit and the
//! empty list names every directory it looked in.
//!
//! Order: `--runbooks DIR` (repeatable) if given; else `DRCONSOLE_RUNBOOKS` (a path
//! list, `:`-separated like `PATH`) if set and not empty; else `./runbooks`, then
//! `$XDG_CONFIG_HOME/drconsole/runbooks` (`~/.config` when XDG_CONFIG_HOME is unset,
//! empty or relative, as the XDG Base Directory spec says). A runbook name found in an
//! earlier directory hides the same name in a later one.

use std::ffi::OsString;
use std::path::PathBuf;

/// The environment variable holding a runbook path list.
pub const RUNBOOKS_VAR: &str = "DRCONSOLE_RUNBOOKS";

/// The directories to search, in order, made absolute (for messages that a person can
/// follow from any working directory).
pub fn search_path(flags: &[PathBuf]) -> Vec<PathBuf> {
    let lookup = |k: &str| std::env::var_os(k);
    search_path_from(flags, &lookup)
        .into_iter()
        .map(|d| std::path::absolute(&d).unwrap_or(d))
        .collect()
}

/// [`search_path`] with the environment given (for tests).
pub fn search_path_from(flags: &[PathBuf], var: &dyn Fn(&str) -> Option<OsString>) -> Vec<PathBuf> {
    if !flags.is_empty() {
        return flags.to_vec();
    }
    if let Some(list) = var(RUNBOOKS_VAR).filter(|v| !v.is_empty()) {
        let dirs: Vec<PathBuf> = std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !dirs.is_empty() {
            return dirs;
        }
    }
    let mut dirs = vec![PathBuf::from(super::RUNBOOK_DIR)];
    if let Some(c) = crate::config::user_config_dir_from(var) {
        dirs.push(c.join("runbooks"));
    }
    dirs
}

/// Every `*.yaml` / `*.yml` in `dirs`, in order, sorted within a directory; a file
/// stem found in an earlier directory hides the same stem in a later one (as
/// [`resolve`] picks the earlier one too).
pub fn runbook_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    for dir in dirs {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut here: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        here.sort();
        for p in here {
            if seen.insert(p.file_stem().map(|s| s.to_os_string())) {
                files.push(p);
            }
        }
    }
    files
}

/// `NAME` → the first `DIR/NAME.yaml` (or `.yml`) that exists; anything that looks
/// like a path is taken as is.
pub fn resolve(dirs: &[PathBuf], name: &str) -> Result<PathBuf, String> {
    if name.contains('/') || name.ends_with(".yaml") || name.ends_with(".yml") {
        return Ok(PathBuf::from(name));
    }
    dirs.iter()
        .flat_map(|d| {
            [
                d.join(format!("{name}.yaml")),
                d.join(format!("{name}.yml")),
            ]
        })
        .find(|p| p.is_file())
        .ok_or_else(|| format!("no runbook named {name} (searched {})", shown(dirs)))
}

/// The directories as one line: `/a, /b`.
pub fn shown(dirs: &[PathBuf]) -> String {
    let list: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    list.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let m: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn the_default_is_cwd_then_xdg_config() {
        let e = env(&[("HOME", "/home/op"), ("XDG_CONFIG_HOME", "/cfg")]);
        assert_eq!(
            search_path_from(&[], &e),
            [
                PathBuf::from("runbooks"),
                PathBuf::from("/cfg/drconsole/runbooks")
            ]
        );
        // Unset, empty or relative XDG_CONFIG_HOME: ~/.config (XDG Base Directory spec).
        for xdg in [None, Some(""), Some("rel")] {
            let mut vars = vec![("HOME", "/home/op")];
            if let Some(x) = xdg {
                vars.push(("XDG_CONFIG_HOME", x));
            }
            assert_eq!(
                search_path_from(&[], &env(&vars))[1],
                PathBuf::from("/home/op/.config/drconsole/runbooks"),
                "{xdg:?}"
            );
        }
    }

    #[test]
    fn flags_win_over_the_variable_which_wins_over_the_default() {
        let e = env(&[("HOME", "/h"), (RUNBOOKS_VAR, "/a:/b")]);
        assert_eq!(
            search_path_from(&[], &e),
            [PathBuf::from("/a"), PathBuf::from("/b")]
        );
        let flags = [PathBuf::from("/x"), PathBuf::from("/y")];
        assert_eq!(search_path_from(&flags, &e), flags);
        let empty = env(&[("HOME", "/h"), (RUNBOOKS_VAR, "")]);
        assert_eq!(search_path_from(&[], &empty)[0], PathBuf::from("runbooks"));
    }

    #[test]
    fn names_resolve_in_the_first_directory_that_has_them() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(b.path().join("drill.yaml"), "x").unwrap();
        std::fs::write(a.path().join("both.yml"), "x").unwrap();
        std::fs::write(b.path().join("both.yaml"), "x").unwrap();
        let dirs = [a.path().to_path_buf(), b.path().to_path_buf()];
        assert_eq!(resolve(&dirs, "drill"), Ok(b.path().join("drill.yaml")));
        assert_eq!(resolve(&dirs, "both"), Ok(a.path().join("both.yml")));
        assert_eq!(resolve(&dirs, "x/y.yaml"), Ok(PathBuf::from("x/y.yaml")));
        let e = resolve(&dirs, "nope").unwrap_err();
        assert!(e.contains(&a.path().display().to_string()), "{e}");
        assert!(e.contains(&b.path().display().to_string()), "{e}");
    }
}
