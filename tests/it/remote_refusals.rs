//! Each refusal of `git push distgit::…` shows its reason, and leaves dist-git and the
//! lookaside exactly as they were.

use crate::common::*;
use crate::remote_push::*;

/// Everything observable on the remote side: refs and lookaside files.
fn remote_state(repo: &Repo, dist: &DistGit) -> (String, Vec<String>) {
    let refs = bare_git(dist, repo, &["for-each-ref", "--format=%(refname) %(objectname)"]);
    (refs, files_in_lookaside(&dist.lookaside))
}

/// Commits `files` on `branch` of the bare dist-git as a person would, with plain git.
fn human_commit(repo: &Repo, dist: &DistGit, branch: &str, files: &[(&str, &str)], message: &str) {
    let work = repo.path(&format!("human-{}", rand_suffix()));
    let w = work.to_str().expect("utf-8");
    run_git(repo, &["clone", "-q", dist.bare.to_str().expect("utf-8"), w]);
    let has_branch = run_git(repo, &["-C", w, "branch", "-r"]).contains(&format!("origin/{branch}"));
    if has_branch {
        run_git(repo, &["-C", w, "checkout", "-q", branch]);
    } else {
        run_git(repo, &["-C", w, "checkout", "-q", "--orphan", branch]);
    }
    for (path, content) in files {
        std::fs::write(work.join(path), content).expect("write");
    }
    run_git(repo, &["-C", w, "add", "-A"]);
    run_git(
        repo,
        &["-C", w, "-c", "user.name=Hu Man", "-c", "user.email=hu@example.org", "commit", "-q", "-m", message],
    );
    run_git(repo, &["-C", w, "push", "-q", "origin", branch]);
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

#[test]
fn branch_without_opt_in_is_not_auto_maintained() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    human_commit(&repo, &dist, "rawhide", &[("hello.spec", "Name: hello\n")], "Hand-made package");
    let before = remote_state(&repo, &dist);
    let err = push_fails(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(err.contains("not auto-maintained") && err.contains("distgit.toml"), "{err}");
    assert_eq!(remote_state(&repo, &dist), before);
}

#[test]
fn human_commits_on_top_are_refused_then_forced_on_top() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    human_commit(&repo, &dist, "rawhide", &[("gating.yaml", "--- !Policy\n")], "Add gating by hand");
    let human = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    repo.write("README", "newer\n");
    repo.commit("Newer work");
    let before = remote_state(&repo, &dist);
    let err = push_fails(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(
        err.contains("diverged") && err.contains("Add gating by hand") && err.contains("added:    gating.yaml"),
        "{err}"
    );
    assert_eq!(remote_state(&repo, &dist), before);
    push_ok(&repo, &["push", &url(&dist), "+HEAD:rawhide"]);
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide~1"]), human, "human commit kept below the render");
    assert!(bare_git(&dist, &repo, &["ls-tree", "--name-only", "rawhide"]).contains("gating.yaml"));
}

#[test]
fn rewritten_source_git_is_non_fast_forward() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    repo.write("README", "first\n");
    repo.commit("First version");
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.write("README", "second\n");
    repo.commit("Second version");
    let before = remote_state(&repo, &dist);
    let err = push_fails(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(err.contains("non-fast-forward") || err.contains("fetch first"), "{err}");
    assert_eq!(remote_state(&repo, &dist), before);
}

#[test]
fn deleting_a_branch_is_refused() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let before = remote_state(&repo, &dist);
    let err = push_fails(&repo, &["push", &url(&dist), ":rawhide"]);
    assert!(err.contains("deleting dist-git branches is refused") && err.contains("opt out"), "{err}");
    assert_eq!(remote_state(&repo, &dist), before);
}

#[test]
fn remote_hook_rejection_shows_its_lines_and_rolls_back_the_upload() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    let hook = dist.bare.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'policy: dist-git is frozen today' >&2\nexit 1\n").expect("hook");
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let before = remote_state(&repo, &dist);
    let err = push_fails(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(err.contains("remote: policy: dist-git is frozen today"), "{err}");
    assert!(err.contains("pre-receive hook declined"), "{err}");
    assert_eq!(remote_state(&repo, &dist), before, "no ref, no lookaside file left behind");
}

#[test]
fn lookaside_upload_failure_changes_nothing() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    let blocked = repo.path("not-a-dir");
    std::fs::write(&blocked, "a file where the lookaside directory should be").expect("write");
    repo.git(&["config", "distgit.lookaside", blocked.to_str().expect("utf-8")]);
    let before = remote_state(&repo, &dist);
    let err = push_fails(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(err.contains("lookaside upload failed") && err.contains("dist-git not changed"), "{err}");
    assert_eq!(remote_state(&repo, &dist), before);
}

#[test]
fn push_failing_after_the_fetch_changes_nothing() {
    // git daemon serves fetches but refuses pushes: the failure happens mid-way, after the
    // dist-git state was read and the tarball uploaded.
    let repo = hello_package();
    let dist = dist_git(&repo);
    let daemon = GitDaemon::start(repo.home(), dist.bare.parent().expect("parent"), false);
    let remote = format!("distgit::git://127.0.0.1:{}/dist.git", daemon.port);
    let before = remote_state(&repo, &dist);
    let err = push_fails(&repo, &["push", &remote, "HEAD:rawhide"]);
    assert!(err.contains("push to dist-git failed") && err.contains("nothing changed there"), "{err}");
    assert_eq!(remote_state(&repo, &dist), before);
}
