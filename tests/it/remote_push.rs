//! `git push distgit::…` end to end with real git: first push, second push, no-op, dry run.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A bare dist-git repository and a lookaside directory beside the source-git repo.
pub struct DistGit {
    pub bare: PathBuf,
    pub lookaside: PathBuf,
}

/// Creates a bare dist-git repository (default branch `rawhide`) and configures the source
/// repo's lookaside.
pub fn dist_git(repo: &Repo) -> DistGit {
    let bare = repo.path("dist.git");
    let lookaside = repo.path("lookaside");
    run_git(repo, &["init", "-q", "--bare", "-b", "rawhide", bare.to_str().expect("utf-8")]);
    repo.git(&["config", "distgit.lookaside", lookaside.to_str().expect("utf-8")]);
    DistGit { bare, lookaside }
}

/// Runs git outside the repo (hermetic).
pub fn run_git(repo: &Repo, args: &[&str]) -> String {
    let out = hermetic("git", repo.home()).args(args).output().expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

/// `git <args>` in the source repo with `git-remote-distgit` on PATH, not yet run.
pub fn git_cmd_with_helper(repo: &Repo, args: &[&str]) -> std::process::Command {
    let helper = PathBuf::from(env!("CARGO_BIN_EXE_git-remote-distgit"));
    let bin_dir = helper.parent().expect("bin dir").to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = repo.git_cmd(args);
    cmd.env("PATH", path);
    cmd
}

/// `git <args>` in the source repo with `git-remote-distgit` on PATH.
pub fn git_with_helper(repo: &Repo, args: &[&str]) -> Output {
    git_cmd_with_helper(repo, args).output().expect("git")
}

/// `git push` that must succeed; returns stderr.
pub fn push_ok(repo: &Repo, args: &[&str]) -> String {
    let out = git_with_helper(repo, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "git {args:?} failed:\n{stderr}");
    stderr
}

/// `git push` that must fail (without a panic in the helper); returns stderr.
pub fn push_fails(repo: &Repo, args: &[&str]) -> String {
    let out = git_with_helper(repo, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "git {args:?} should fail:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

pub fn bare_git(dist: &DistGit, repo: &Repo, args: &[&str]) -> String {
    let mut full = vec!["--git-dir", dist.bare.to_str().expect("utf-8")];
    full.extend_from_slice(args);
    run_git(repo, &full)
}

pub fn url(dist: &DistGit) -> String {
    format!("distgit::{}", dist.bare.display())
}

pub fn files_in_lookaside(dir: &Path) -> Vec<String> {
    walk(dir).into_iter().map(|p| p.strip_prefix(dir).expect("prefix").display().to_string()).collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn first_push_creates_the_branch_and_uploads_the_tarball() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let message = bare_git(&dist, &repo, &["log", "-1", "--format=%B", "rawhide"]);
    assert!(message.contains(&format!("From-source-git-commit: {head}")), "{message}");
    assert_eq!(
        bare_git(&dist, &repo, &["log", "-1", "--format=%an <%ae>", "rawhide"]),
        "git-distgit <git-distgit@localhost>"
    );
    let files = bare_git(&dist, &repo, &["ls-tree", "--name-only", "rawhide"]);
    for f in ["hello.spec", "sources", "distgit.toml", "0001-Quote-the-greeting.patch"] {
        assert!(files.lines().any(|l| l == f), "{f} missing in:\n{files}");
    }
    let sources = bare_git(&dist, &repo, &["show", "rawhide:sources"]);
    let sha = sources.rsplit(' ').next().expect("sha");
    assert_eq!(
        files_in_lookaside(&dist.lookaside),
        vec![format!("hello/hello-1.0.tar.gz/sha512/{sha}/hello-1.0.tar.gz")]
    );
}

#[test]
fn second_push_adds_one_commit_and_unchanged_push_is_a_no_op() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let first = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    repo.write("README", "Hello project\n\nMore.\n");
    let new = repo.commit("Say more");
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide~1"]), first);
    let message = bare_git(&dist, &repo, &["log", "-1", "--format=%B", "rawhide"]);
    assert!(message.contains(&format!("From-source-git-commit: {new}")) && message.contains("Say more"), "{message}");
    let spec = bare_git(&dist, &repo, &["show", "rawhide:hello.spec"]);
    assert!(spec.contains("Release:        2%{?dist}"), "{spec}");
    let second = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    let stderr = push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(stderr.contains("up-to-date") || stderr.contains("up to date"), "{stderr}");
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide"]), second);
}

#[test]
fn dry_run_changes_nothing_anywhere() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let before = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    let lookaside_before = files_in_lookaside(&dist.lookaside);
    repo.write("README", "changed\n");
    repo.commit("Change");
    repo.git(&["tag", "-a", "-m", "r", "v1.1"]);
    push_ok(&repo, &["push", "--dry-run", &url(&dist), "HEAD:rawhide"]);
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide"]), before);
    assert_eq!(files_in_lookaside(&dist.lookaside), lookaside_before, "no upload on --dry-run");
}
