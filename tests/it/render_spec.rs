//! Acceptance 4: snapshots of spec edits show only the owned lines changing.

use crate::common::*;

fn diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(1).header("source", "rendered").to_string()
}

fn render_to(repo: &Repo, name: &str, previous: Option<&std::path::Path>) -> std::path::PathBuf {
    let out = repo.path(name);
    let mut args = vec!["render", "--out", out.to_str().expect("utf-8")];
    if let Some(p) = previous {
        args.extend(["--diff", p.to_str().expect("utf-8")]);
    }
    repo.distgit_ok(&args);
    out
}

fn spec_of(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("hello.spec")).expect("spec")
}

#[test]
fn first_render_sets_version_patches_and_a_changelog_entry() {
    let repo = hello_package();
    let source = HELLO_SPEC.replace("Says hello.", "Says hello, politely.");
    let out = render_to(&repo, "out", None);
    insta::assert_snapshot!(diff(&source, &spec_of(&out)));
}

#[test]
fn new_commit_bumps_release_and_adds_an_entry() {
    let repo = hello_package();
    let first = render_to(&repo, "first", None);
    repo.write("README", "Hello project\n\nNow with docs.\nAnd more.\n");
    repo.commit("Say more in the README");
    let second = render_to(&repo, "second", Some(&first));
    insta::assert_snapshot!(diff(&spec_of(&first), &spec_of(&second)));
}

#[test]
fn unchanged_render_keeps_release_and_changelog() {
    let repo = hello_package();
    let first = render_to(&repo, "first", None);
    let json = repo.distgit_ok(&["render", "--json", "--diff", first.to_str().expect("utf-8")]);
    let summary: serde_json::Value = serde_json::from_str(json.trim_start_matches(|c| c != '{')).expect("json");
    assert_eq!(summary["unchanged"], true, "{json}");
    let second = render_to(&repo, "second", Some(&first));
    assert_eq!(spec_of(&first), spec_of(&second));
}

#[test]
fn new_release_resets_release_and_says_update() {
    let repo = hello_package();
    let first = render_to(&repo, "first", None);
    repo.write("README", "Hello 1.1\n");
    repo.commit("Upstream 1.1");
    repo.tag("v1.1");
    let second = render_to(&repo, "second", Some(&first));
    insta::assert_snapshot!(diff(&spec_of(&first), &spec_of(&second)));
}

#[test]
fn autorelease_and_autochangelog_are_left_alone() {
    let repo = hello_upstream();
    let spec = HELLO_SPEC
        .replace("Release:        1%{?dist}", "Release:        %autorelease")
        .replace("* Mon Jan 01 2024 Pat Packager <pat@example.org> - 0.9-1\n- Initial package\n", "%autochangelog\n");
    repo.write(".distro/hello.spec", &spec);
    repo.commit("Add packaging");
    plain_downstream(&repo);
    repo.write(".distro/hello.spec", &spec);
    repo.commit("Packaging: keep the rpmautospec spec");
    let out = render_to(&repo, "out", None);
    insta::assert_snapshot!(diff(&spec, &spec_of(&out)));
}

#[test]
fn packit_sync_changelog_leaves_release_and_changelog() {
    let repo = hello_upstream();
    add_distro(&repo, &[(".distro/source-git.yaml", "specfile_path: .distro/hello.spec\nsync_changelog: true\n")]);
    plain_downstream(&repo);
    let source = HELLO_SPEC.replace("Says hello.", "Says hello, politely.");
    let out = render_to(&repo, "out", None);
    insta::assert_snapshot!(diff(&source, &spec_of(&out)));
}
