//! Paths `git archive` leaves out of the release tarball (`export-ignore`), so patches do not
//! touch files the tarball does not have.

use super::{run, GitError, ShadowRepo};
use std::collections::BTreeSet;

/// The paths changed in `release..tip` that `git archive <release>` leaves out: each is the
/// outermost path (file or directory) whose `export-ignore` attribute is set in the release
/// commit's `.gitattributes` files. Sorted, without paths inside another one.
pub fn export_ignored(shadow: &ShadowRepo, release: &str, tip: &str) -> Result<Vec<String>, GitError> {
    let mut log = shadow.git();
    log.args(["log", "--format=", "--name-only", "--no-renames", "-z"]).arg(format!("{release}..{tip}"));
    let changed = run(&mut log, None)?;
    let candidates = with_ancestors(&nul_split(&changed));
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let input: Vec<u8> = candidates.iter().flat_map(|p| p.bytes().chain([0])).collect();
    let mut check = shadow.git();
    check.args(["check-attr", "-z", "--stdin"]).arg(format!("--source={release}")).arg("export-ignore");
    let output = run(&mut check, Some(&input))?;
    let set = attribute_set(&nul_split(&output), &check)?;
    Ok(outermost(set))
}

/// The NUL-separated, non-empty fields of `bytes` (newlines between log entries dropped).
fn nul_split(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).trim_matches('\n').to_owned())
        .filter(|f| !f.is_empty())
        .collect()
}

/// Every path and each of its parent directories, once.
fn with_ancestors(paths: &[String]) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for path in paths {
        let mut end = path.len();
        all.insert(path.clone());
        while let Some(slash) = path[..end].rfind('/') {
            all.insert(path[..slash].to_owned());
            end = slash;
        }
    }
    all
}

/// The paths whose attribute is `set`, from `check-attr -z` triples (path, attribute, value).
fn attribute_set(fields: &[String], cmd: &std::process::Command) -> Result<BTreeSet<String>, GitError> {
    if !fields.len().is_multiple_of(3) {
        let detail = format!("{} fields, not path/attribute/value triples", fields.len());
        return Err(GitError::Output { command: super::describe(cmd), detail });
    }
    Ok(fields.chunks(3).filter(|t| t[2] == "set").map(|t| t[0].clone()).collect())
}

/// `set` without the paths that lie inside another path of `set`.
fn outermost(set: BTreeSet<String>) -> Vec<String> {
    let inside =
        |p: &str| set.iter().any(|q| p.len() > q.len() && p.starts_with(q.as_str()) && p[q.len()..].starts_with('/'));
    set.iter().filter(|p| !inside(p)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ancestors_are_added_once() {
        let all = with_ancestors(&strings(&[".github/workflows/ci.yaml", ".github/x", "README"]));
        assert_eq!(
            all.into_iter().collect::<Vec<_>>(),
            [".github", ".github/workflows", ".github/workflows/ci.yaml", ".github/x", "README"]
        );
    }

    #[test]
    fn only_set_values_count_and_inner_paths_go() {
        let fields = strings(&[
            ".github",
            "export-ignore",
            "set",
            ".github/x",
            "export-ignore",
            "set",
            "src",
            "export-ignore",
            "unspecified",
            ".githubx",
            "export-ignore",
            "set",
        ]);
        let set = attribute_set(&fields, &std::process::Command::new("git")).unwrap_or_default();
        assert_eq!(outermost(set), [".github", ".githubx"]);
    }

    #[test]
    fn malformed_output_is_an_error() {
        let fields = strings(&["a", "export-ignore"]);
        assert!(attribute_set(&fields, &std::process::Command::new("git")).is_err());
    }
}
