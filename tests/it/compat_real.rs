//! Opt-in check against a real source-git repository (issue acceptance 3, docs/compatibility.md).
//!
//! Set `DISTGIT_COMPAT_REPO` to a local clone (and optionally `DISTGIT_COMPAT_REV` to the
//! commit or branch to render, default `HEAD`); the test renders it unchanged and runs
//! `rpmbuild -bs` and `rpmbuild -bp --nodeps` on the result. Without the variable it returns
//! at once, so CI needs no network and no clone.

use crate::common::*;
use std::path::Path;
use std::process::Output;

/// Runs `rpmbuild <mode>` on the single spec in `dist` (also `_sourcedir`), with `defines`.
pub fn rpmbuild(dist: &Path, top: &Path, mode: &str, defines: &[(&str, &str)]) -> Output {
    let spec = std::fs::read_dir(dist)
        .expect("read dist")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "spec"))
        .expect("a spec");
    let mut cmd = hermetic("rpmbuild", top);
    let fixed = [("_topdir", top.display().to_string()), ("_sourcedir", dist.display().to_string())];
    let given = defines.iter().map(|(k, v)| (*k, v.to_string()));
    for (key, value) in fixed.iter().map(|(k, v)| (*k, v.clone())).chain(given) {
        cmd.arg("--define").arg(format!("{key} {value}"));
    }
    cmd.arg(mode);
    if mode == "-bp" {
        cmd.arg("--nodeps");
    }
    cmd.arg(spec).output().expect("run rpmbuild")
}

/// Asserts that `rpmbuild -bs` and `rpmbuild -bp --nodeps` succeed on `dist` (when rpmbuild
/// is installed).
pub fn rpmbuild_ok(dist: &Path, top: &Path, defines: &[(&str, &str)]) {
    if !require_tool("rpmbuild") {
        return;
    }
    for mode in ["-bs", "-bp"] {
        let out = rpmbuild(dist, top, mode, defines);
        let log = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "rpmbuild {mode} failed on {}:\n{log}", dist.display());
    }
}

/// Stand-ins for rpmautospec's `%autorelease` / `%autochangelog` where its macros are not
/// installed (Debian's rpm): release 1, empty changelog.
fn autospec_fallbacks() -> Vec<(&'static str, &'static str)> {
    let eval = std::process::Command::new("rpm").args(["--eval", "%autorelease"]).output();
    let defined = eval.is_ok_and(|o| o.status.success() && !String::from_utf8_lossy(&o.stdout).contains('%'));
    match defined {
        true => Vec::new(),
        false => vec![("autorelease", "1%{?dist}"), ("autochangelog", "%{nil}")],
    }
}

/// `git status --porcelain` of the clone, to show the render changed none of its files.
fn status(repo: &Path, home: &Path) -> String {
    let out = hermetic("git", home).arg("-C").arg(repo).args(["status", "--porcelain", "--ignored"]).output();
    String::from_utf8_lossy(&out.expect("git status").stdout).into_owned()
}

#[test]
fn real_source_git_repository_renders_and_builds() {
    let Some(repo) = std::env::var_os("DISTGIT_COMPAT_REPO") else {
        eprintln!("skipping: set DISTGIT_COMPAT_REPO=<clone of a source-git repository> (docs/compatibility.md)");
        return;
    };
    let repo = Path::new(&repo).to_path_buf();
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let before = status(&repo, tmp.path());
    let mut cmd = hermetic(env!("CARGO_BIN_EXE_git-distgit"), tmp.path());
    cmd.arg("-C").arg(&repo).args(["render", "--out"]).arg(&out);
    if let Ok(rev) = std::env::var("DISTGIT_COMPAT_REV") {
        cmd.args(["--rev", &rev]);
    }
    let result = cmd.output().expect("run git-distgit");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "render of {} failed:\n{stderr}", repo.display());
    assert_eq!(status(&repo, tmp.path()), before, "the render changed files of the clone");
    rpmbuild_ok(&out, &tmp.path().join("rpmbuild"), &autospec_fallbacks());
}
