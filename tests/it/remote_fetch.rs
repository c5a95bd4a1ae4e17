//! `git fetch distgit::…` end to end with real git: a pushed dist-git comes back as the same
//! tree, a human's hand-made patch becomes a commit, a patch that does not apply is named with
//! its hunk, a missing release tag is fetched from `distgit.upstream`.

use crate::common::*;
use crate::remote_push::{bare_git, dist_git, git_with_helper, push_ok, run_git, url, DistGit};
use std::path::Path;

/// A repository holding only the upstream history and tags of `source` (no downstream commits).
fn upstream_only(source: &Repo) -> Repo {
    let repo = Repo::init();
    let from = source.dir.to_str().expect("utf-8");
    repo.git(&["fetch", "-q", from, "refs/tags/*:refs/tags/*"]);
    repo
}

/// `git fetch` with the helper that must succeed; returns stderr.
fn fetch_ok(repo: &Repo, args: &[&str]) -> String {
    let out = git_with_helper(repo, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "git {args:?} failed:\n{stderr}");
    stderr
}

/// `git ls-tree -r <rev>` outside `.distro/`: mode, blob id and path of every file.
fn tree_outside_distro(repo: &Repo, rev: &str) -> Vec<String> {
    let listing = repo.git(&["ls-tree", "-r", rev]);
    listing.lines().filter(|l| !l.contains("\t.distro/")).map(str::to_owned).collect()
}

/// A checkout of the dist-git branch `rawhide` (to render against, or to edit).
fn checkout(repo: &Repo, dist: &DistGit, name: &str) -> std::path::PathBuf {
    let dir = repo.path(name);
    run_git(repo, &["clone", "-q", "-b", "rawhide", dist.bare.to_str().expect("utf-8"), dir.to_str().expect("utf-8")]);
    dir
}

/// The JSON summary of `git distgit render --json --rev <rev> --diff <dir>`.
fn render_summary(repo: &Repo, rev: &str, dir: &Path) -> serde_json::Value {
    let out = repo.distgit_ok(&["render", "--json", "--rev", rev, "--diff", dir.to_str().expect("utf-8")]);
    let start = out.find("\n{\n").map(|i| i + 1).or_else(|| out.starts_with("{\n").then_some(0)).expect("json");
    serde_json::from_str(&out[start..]).expect("json")
}

/// Commits a change in a dist-git checkout as a packager and pushes it.
fn human_commit(repo: &Repo, dir: &Path, message: &str) {
    let git = |args: &[&str]| {
        let mut full = vec!["-C", dir.to_str().expect("utf-8"), "-c", "user.name=Pat Packager", "-c"];
        full.push("user.email=pat@example.org");
        full.extend_from_slice(args);
        run_git(repo, &full)
    };
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", message]);
    git(&["push", "-q", "origin", "rawhide"]);
}

#[test]
fn a_pushed_dist_git_fetches_back_as_the_same_tree() {
    let source = hello_package();
    let dist = dist_git(&source);
    push_ok(&source, &["push", &url(&dist), "HEAD:rawhide"]);
    let fresh = upstream_only(&source);
    let stderr = fetch_ok(&fresh, &["fetch", &url(&dist), "rawhide"]);
    assert!(stderr.contains("rawhide") && stderr.contains("v1.0 + 5 patch commit(s)"), "{stderr}");
    let fetched = fresh.git(&["rev-parse", "FETCH_HEAD"]);
    // Outside `.distro/` the tree is the candidate's, byte for byte and mode for mode.
    assert_eq!(tree_outside_distro(&fresh, "FETCH_HEAD"), tree_outside_distro(&source, "HEAD"));
    assert!(tree_outside_distro(&fresh, "FETCH_HEAD").iter().any(|l| l.starts_with("100755")));
    // `.distro/` holds dist-git's spec byte for byte, and the render says nothing changed.
    let spec = bare_git(&dist, &source, &["show", "rawhide:hello.spec"]);
    assert_eq!(fresh.git(&["show", "FETCH_HEAD:.distro/hello.spec"]), spec);
    let checkout = checkout(&source, &dist, "dist-checkout");
    let summary = render_summary(&fresh, "FETCH_HEAD", &checkout);
    assert_eq!(summary["unchanged"], true, "{summary:#}");
    // Fetching again lists the same commit (cached under refs/distgit-cache/) and says nothing.
    let again = fetch_ok(&fresh, &["fetch", &url(&dist), "rawhide"]);
    assert!(!again.contains("patch commit"), "{again}");
    assert_eq!(fresh.git(&["rev-parse", "FETCH_HEAD"]), fetched);
    let head = bare_git(&dist, &source, &["rev-parse", "rawhide"]);
    assert_eq!(fresh.git(&["rev-parse", &format!("refs/distgit-cache/{head}")]), fetched);
    // The same in another clone gives the same ids (bot committer at dist-git's date).
    let other = upstream_only(&source);
    fetch_ok(&other, &["fetch", &url(&dist), "rawhide"]);
    assert_eq!(other.git(&["rev-parse", "FETCH_HEAD"]), fetched);
    // Where the pushed commit exists, it stands for itself.
    fetch_ok(&source, &["fetch", &url(&dist), "rawhide"]);
    assert_eq!(source.git(&["rev-parse", "FETCH_HEAD"]), source.git(&["rev-parse", "HEAD"]));
}

#[test]
fn a_configured_remote_fetches_into_remote_tracking_branches() {
    let source = hello_package();
    let dist = dist_git(&source);
    push_ok(&source, &["push", &url(&dist), "HEAD:rawhide"]);
    let fresh = upstream_only(&source);
    fresh.git(&["remote", "add", "fedora", &url(&dist)]);
    fetch_ok(&fresh, &["fetch", "fedora"]);
    let tracking = fresh.git(&["rev-parse", "refs/remotes/fedora/rawhide"]);
    assert_eq!(fresh.git(&["log", "-1", "--format=%s", &tracking]), "Import packaging from dist-git rawhide");
    fresh.git(&["checkout", "-q", "-b", "work", "fedora/rawhide"]);
    assert_eq!(fresh.git(&["status", "--porcelain"]), "");
}

/// A hand-made `gendiff` patch for `README` of the hello package.
const HAND_PATCH: &str = "\
Mention the manual

diff -up hello-1.0/README.orig hello-1.0/README
--- hello-1.0/README.orig\t2024-09-02 10:00:00.000000000 +0200
+++ hello-1.0/README\t2024-09-02 10:05:00.000000000 +0200
@@ -1,3 +1,5 @@
 Hello project
 
 Now with docs.
+
+See the manual.
";

/// Adds `HAND_PATCH` as Patch100 to the dist-git checkout's spec.
fn add_hand_patch(dir: &Path, patch: &str) {
    std::fs::write(dir.join("hello-manual.patch"), patch).expect("patch");
    let spec = std::fs::read_to_string(dir.join("hello.spec")).expect("spec");
    let (head, tail) = spec.split_once("\n%description").expect("%description");
    let spec = format!("{head}\n# Packager's fix-up\nPatch100:       hello-manual.patch\n\n%description{tail}");
    std::fs::write(dir.join("hello.spec"), spec).expect("spec");
}

#[test]
fn a_human_patch_on_dist_git_becomes_a_commit() {
    let source = hello_package();
    let dist = dist_git(&source);
    push_ok(&source, &["push", &url(&dist), "HEAD:rawhide"]);
    let checkout = checkout(&source, &dist, "dist-checkout");
    add_hand_patch(&checkout, HAND_PATCH);
    human_commit(&source, &checkout, "Add a manual hint");
    // In the source-git repository itself: the head is not a bot commit, so it is reversed.
    fetch_ok(&source, &["fetch", &url(&dist), "rawhide"]);
    let subjects = source.git(&["log", "--format=%s", "-2", "FETCH_HEAD"]);
    assert_eq!(subjects, "Import packaging from dist-git rawhide\nhello-manual.patch");
    let message = source.git(&["log", "-1", "--format=%an|%B", "FETCH_HEAD~1"]);
    assert!(message.starts_with("Pat Packager|hello-manual.patch\n\nMention the manual\n"), "{message}");
    assert!(message.contains("Patch-name: hello-manual.patch\nPatch-id: 100\n"), "{message}");
    assert!(message.contains("Patch-status: |\n  # Packager's fix-up\n"), "{message}");
    let readme = source.git(&["show", "FETCH_HEAD:README"]);
    assert!(readme.ends_with("Now with docs.\n\nSee the manual."), "{readme}");
    // Rendering it back changes nothing: the hand-made patch keeps its bytes.
    let summary = render_summary(&source, "FETCH_HEAD", &checkout);
    assert_eq!(summary["unchanged"], true, "{summary:#}");
}

#[test]
fn a_patch_that_does_not_apply_is_named_with_its_hunk() {
    let source = hello_package();
    let dist = dist_git(&source);
    push_ok(&source, &["push", &url(&dist), "HEAD:rawhide"]);
    push_ok(&source, &["push", &url(&dist), "HEAD:f42"]);
    let checkout = checkout(&source, &dist, "dist-checkout");
    add_hand_patch(&checkout, &HAND_PATCH.replace(" Now with docs.", " Now without docs."));
    human_commit(&source, &checkout, "Add a broken patch");
    let fresh = upstream_only(&source);
    let out = git_with_helper(&fresh, &["fetch", &url(&dist), "rawhide"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    for expected in [
        "warning: distgit: dist-git branch rawhide (",
        "Patch100 (hello-manual.patch) does not apply on top of",
        "error: patch failed: README:1",
        "the failing hunk of hello-manual.patch (README, line 1):\n    @@ -1,3 +1,5 @@\n     Hello project\n     \n     Now without docs.\n    +\n    +See the manual.\n",
        "dist-git branch rawhide is left out",
        "couldn't find remote ref rawhide",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }
    // Only f42 (which applies) was reversed and cached.
    let f42 = bare_git(&dist, &source, &["rev-parse", "f42"]);
    let cached = fresh.git(&["for-each-ref", "--format=%(refname)", "refs/distgit-cache/"]);
    assert_eq!(cached, format!("refs/distgit-cache/{f42}"));
    // A configured remote still fetches the other branches, with the same warning.
    fresh.git(&["remote", "add", "fedora", &url(&dist)]);
    let stderr = fetch_ok(&fresh, &["fetch", "fedora"]);
    assert!(stderr.contains("dist-git branch rawhide is left out"), "{stderr}");
    let tracking = fresh.git(&["for-each-ref", "--format=%(refname)", "refs/remotes/fedora/"]);
    assert_eq!(tracking, "refs/remotes/fedora/f42");
}

#[test]
fn a_missing_release_tag_is_fetched_from_the_upstream() {
    let source = hello_package();
    let dist = dist_git(&source);
    push_ok(&source, &["push", &url(&dist), "HEAD:rawhide"]);
    // The upstream: a bare repository with the tags, reached over file://.
    let upstream = source.path("upstream.git");
    run_git(&source, &["init", "-q", "--bare", upstream.to_str().expect("utf-8")]);
    let upstream_url = format!("file://{}", upstream.display());
    source.git(&["push", "-q", &upstream_url, "refs/tags/*:refs/tags/*"]);
    // A clone with the history but without the v1.0 tag.
    let fresh = upstream_only(&source);
    fresh.git(&["tag", "-d", "v1.0"]);
    let out = git_with_helper(&fresh, &["fetch", &url(&dist), "rawhide"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("no tag for version 1.0"), "{stderr}");
    fresh.git(&["config", "distgit.upstream", &upstream_url]);
    let stderr = fetch_ok(&fresh, &["fetch", &url(&dist), "rawhide"]);
    assert!(stderr.contains("fetched tag v1.0 from the upstream"), "{stderr}");
    assert_eq!(fresh.git(&["rev-parse", "v1.0"]), source.git(&["rev-parse", "v1.0"]));
    assert_eq!(fresh.git(&["tag", "--list"]), "v0.9\nv1.0");
    assert_eq!(tree_outside_distro(&fresh, "FETCH_HEAD"), tree_outside_distro(&source, "HEAD"));
}

#[test]
fn a_commit_id_line_in_a_message_keeps_the_patch() {
    // `git patch-id` reads a line starting with a commit id as the next commit; the patch
    // would get no id on either side and be rewritten, bumping Release.
    let source = hello_package();
    source.write("README", "Hello project\n\nNow with docs.\nBackported.\n");
    source.commit("Backport a fix\n\ncommit 8025087acf9d2b941bae93b3e0967560e7e03e87 upstream.\n");
    let dist = dist_git(&source);
    push_ok(&source, &["push", &url(&dist), "HEAD:rawhide"]);
    let fresh = upstream_only(&source);
    fetch_ok(&fresh, &["fetch", &url(&dist), "rawhide"]);
    let checkout = checkout(&source, &dist, "dist-checkout");
    let summary = render_summary(&fresh, "FETCH_HEAD", &checkout);
    assert_eq!(summary["unchanged"], true, "{summary:#}");
}

#[test]
fn clone_checks_out_dist_gits_default_branch_and_a_bare_fetch_takes_head() {
    let source = hello_package();
    let dist = dist_git(&source);
    push_ok(&source, &["push", &url(&dist), "HEAD:rawhide"]);
    push_ok(&source, &["push", &url(&dist), "HEAD:f42"]);
    let upstream = source.dir.to_str().expect("utf-8").to_owned();
    let target = source.path("cloned");
    let target = target.to_str().expect("utf-8");
    let clone = ["-c", "init.defaultBranch=main", "clone", "-q", "-c"];
    let config = format!("distgit.upstream={upstream}");
    fetch_ok(&source, &[&clone[..], &[config.as_str(), &url(&dist), target]].concat());
    let in_clone = |args: &[&str]| source.git(&[&["-C", target][..], args].concat());
    // dist-git's HEAD names rawhide: the clone is on it, at the reversed commit.
    assert_eq!(in_clone(&["symbolic-ref", "HEAD"]), "refs/heads/rawhide");
    assert_eq!(in_clone(&["symbolic-ref", "refs/remotes/origin/HEAD"]), "refs/remotes/origin/rawhide");
    assert_eq!(tree_outside_distro(&source, "HEAD"), {
        let listing = in_clone(&["ls-tree", "-r", "HEAD"]);
        listing.lines().filter(|l| !l.contains("\t.distro/")).map(str::to_owned).collect::<Vec<_>>()
    });

    // A fetch without a refspec takes HEAD into FETCH_HEAD.
    let fresh = upstream_only(&source);
    fetch_ok(&fresh, &["fetch", &url(&dist)]);
    assert_eq!(tree_outside_distro(&fresh, "FETCH_HEAD"), tree_outside_distro(&source, "HEAD"));
}
