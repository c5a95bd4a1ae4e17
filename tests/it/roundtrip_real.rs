//! Opt-in round trip on a real dist-git (issue 3 acceptance 4, docs/compatibility.md):
//! `git fetch distgit::<dist-git> <branch>` into a repository holding only the upstream tags,
//! then `git distgit render --diff <dist-git checkout>` of what was fetched.
//!
//! Set `DISTGIT_ROUNDTRIP_DISTGIT` to a local clone of the dist-git, `DISTGIT_ROUNDTRIP_UPSTREAM`
//! to a local clone of the upstream (with its release tags), and optionally
//! `DISTGIT_ROUNDTRIP_BRANCH` (default `rawhide`). Without them the test returns at once.
//!
//! Checked: every patch file comes back under its name with the same `git patch-id`s (its
//! bytes kept), only `*.patch` files the spec does not name are dropped, and — once `sources`
//! names the tarball the render makes (`git archive` of the tag, which is not the upstream's
//! `make dist` tarball most packages use) and those stale files are gone — the render changes
//! nothing: spec bytes, Release and `%changelog` included.

use crate::common::*;
use crate::remote_push::{git_with_helper, run_git};
use std::path::{Path, PathBuf};

/// The JSON summary and the diff text of `git distgit render --json --rev <rev> --diff <dir>`.
fn render_diff(repo: &Repo, rev: &str, dir: &Path) -> (String, serde_json::Value) {
    let out = repo.distgit_ok(&["render", "--json", "--rev", rev, "--diff", dir.to_str().expect("utf-8")]);
    let start = if out.starts_with("{\n") { 0 } else { out.find("\n{\n").expect("json") + 1 };
    (out[..start].to_owned(), serde_json::from_str(&out[start..]).expect("json"))
}

fn env_path(key: &str) -> Option<PathBuf> {
    std::env::var_os(key).map(PathBuf::from).filter(|p| !p.as_os_str().is_empty())
}

#[test]
fn real_dist_git_fetches_and_renders_back() {
    let (Some(distgit), Some(upstream)) =
        (env_path("DISTGIT_ROUNDTRIP_DISTGIT"), env_path("DISTGIT_ROUNDTRIP_UPSTREAM"))
    else {
        eprintln!("skipping: set DISTGIT_ROUNDTRIP_DISTGIT and DISTGIT_ROUNDTRIP_UPSTREAM (docs/compatibility.md)");
        return;
    };
    let branch = std::env::var("DISTGIT_ROUNDTRIP_BRANCH").unwrap_or_else(|_| "rawhide".into());
    let repo = Repo::init();
    repo.git(&["fetch", "-q", upstream.to_str().expect("utf-8"), "refs/tags/*:refs/tags/*"]);
    // Only the branch under test, so only it is reversed.
    let bare = repo.path("dist.git");
    let (from, to) = (distgit.to_str().expect("utf-8"), bare.to_str().expect("utf-8"));
    run_git(&repo, &["clone", "-q", "--bare", "--single-branch", "-b", &branch, from, to]);
    let url = format!("distgit::{to}");
    let out = git_with_helper(&repo, &["fetch", &url, &branch]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "git fetch {url} {branch}:\n{stderr}");
    eprintln!("{stderr}");
    eprintln!("{}", repo.git(&["log", "--format=%h %an: %s", "--reverse", "FETCH_HEAD", "--not", "--tags"]));
    let checkout = repo.path("checkout");
    run_git(&repo, &["clone", "-q", "-b", &branch, to, checkout.to_str().expect("utf-8")]);

    // 1. Against the dist-git as it is: patch names and ids are the same.
    let (diff, summary) = render_diff(&repo, "FETCH_HEAD", &checkout);
    let patches = summary["patches"].as_array().expect("patches");
    let names: Vec<&str> = patches.iter().map(|p| p["file"].as_str().expect("file")).collect();
    let spec_name = summary["spec"].as_str().expect("spec").to_owned();
    let spec = std::fs::read_to_string(checkout.join(&spec_name)).expect("spec");
    for name in &names {
        assert!(spec.contains(name), "{name} is not in the dist-git spec");
    }
    let not_kept: Vec<&str> =
        patches.iter().filter(|p| p["kept"] != true).map(|p| p["file"].as_str().unwrap_or("?")).collect();
    assert!(not_kept.is_empty(), "patch ids differ for {not_kept:?}\n{diff}");
    // Only `*.patch` files the spec does not name may go (the reverse leaves them out).
    let deleted: Vec<String> =
        summary["deleted"].as_array().expect("deleted").iter().map(|d| d.as_str().expect("path").to_owned()).collect();
    for path in &deleted {
        assert!(path.ends_with(".patch") && !spec.contains(path.as_str()), "{path} deleted\n{summary:#}");
    }
    eprintln!("patches kept: {names:?}; stale patch files dropped: {deleted:?}");

    // 2. With `sources` naming the render's tarball, nothing changes at all.
    let rendered = repo.path("rendered");
    repo.distgit_ok(&["render", "--rev", "FETCH_HEAD", "--out", rendered.to_str().expect("utf-8")]);
    let ours = std::fs::read(rendered.join("sources")).expect("sources");
    if ours != std::fs::read(checkout.join("sources")).expect("sources") {
        eprintln!("the dist-git's tarball is not `git archive` of the tag: comparing with our `sources`");
        std::fs::write(checkout.join("sources"), &ours).expect("sources");
    }
    for path in &deleted {
        std::fs::remove_file(checkout.join(path)).expect("rm");
    }
    let (diff, summary) = render_diff(&repo, "FETCH_HEAD", &checkout);
    assert_eq!(summary["unchanged"], true, "{diff}\n{summary:#}");
}
