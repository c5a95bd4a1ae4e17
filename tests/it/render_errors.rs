//! Acceptance 5: bad input gives one clear error, and nothing is written.

use crate::common::*;

/// Renders into a fresh `--out` and returns stderr, asserting failure and that nothing was written.
fn render_fails(repo: &Repo) -> String {
    let out = repo.path("out");
    let result = repo.distgit(&["render", "--out", out.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert!(!result.status.success(), "render should fail");
    assert!(!out.exists(), "nothing may be written on failure; stderr:\n{stderr}");
    let leftovers: Vec<_> = std::fs::read_dir(repo.tmp.path())
        .expect("tmp")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".git-distgit"))
        .collect();
    assert!(leftovers.is_empty(), "staging directory left behind");
    assert!(stderr.starts_with("error: "), "one clear error:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn no_release_tag() {
    let repo = Repo::init();
    repo.write("README", "x\n");
    repo.commit("Initial");
    repo.git(&["tag", "latest"]);
    add_distro(&repo, &[(".distro/distgit.toml", "[upstream]\ntag_pattern = \"v*\"\n")]);
    let err = render_fails(&repo);
    assert!(err.contains("no release tag is reachable"), "{err}");
    assert!(err.contains("v*") && err.contains("latest"), "names the pattern and the tags seen: {err}");
}

#[test]
fn missing_distro_directory() {
    let repo = hello_upstream();
    let err = render_fails(&repo);
    assert!(err.contains("has no `.distro/` directory"), "{err}");
}

#[test]
fn malformed_spec() {
    let repo = hello_upstream();
    add_distro(&repo, &[]);
    repo.write(".distro/hello.spec", HELLO_SPEC.replace("Name:           hello\n", ""));
    repo.commit("Break the spec");
    let err = render_fails(&repo);
    assert!(err.contains(".distro/hello.spec"), "names the file: {err}");
    assert!(err.contains("Name"), "names the problem: {err}");
}

#[test]
fn unknown_config_key() {
    let repo = hello_upstream();
    add_distro(&repo, &[(".distro/distgit.toml", "[tarball]\nmode = \"archive\"\ncompression = \"xz\"\n")]);
    let err = render_fails(&repo);
    assert!(err.contains(".distro/distgit.toml"), "{err}");
    assert!(err.contains("compression"), "{err}");
}

#[test]
fn bad_config_value() {
    let repo = hello_upstream();
    add_distro(&repo, &[(".distro/distgit.toml", "[tarball]\nmode = \"zip\"\n")]);
    let err = render_fails(&repo);
    assert!(err.contains("tarball.mode") || err.contains("mode"), "{err}");
    assert!(err.contains("archive") && err.contains("upstream"), "lists the accepted values: {err}");
}

#[test]
fn bad_packit_yaml() {
    let repo = hello_upstream();
    add_distro(&repo, &[(".distro/source-git.yaml", "upstream_ref: [v1.0\n")]);
    let err = render_fails(&repo);
    assert!(err.contains(".distro/source-git.yaml"), "{err}");
}

#[test]
fn bad_trailer_yaml() {
    let repo = hello_upstream();
    add_distro(&repo, &[]);
    repo.write("README", "changed\n");
    let id = repo.commit("Change the README\n\nPatch-name: readme.patch\nIgnore-patch: [oops\n");
    let err = render_fails(&repo);
    assert!(err.contains(&id[..12]), "names the commit: {err}");
    assert!(err.contains("Ignore-patch"), "names the trailer: {err}");
}

#[test]
fn out_directory_not_empty() {
    let repo = hello_upstream();
    add_distro(&repo, &[]);
    let out = repo.path("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("keep"), "x").expect("write");
    let result = repo.distgit(&["render", "--out", out.to_str().expect("utf-8")]);
    assert!(!result.status.success());
    assert!(String::from_utf8_lossy(&result.stderr).contains("is not empty"));
    assert_eq!(std::fs::read_dir(&out).expect("out").count(), 1);
}

#[test]
fn unlinearizable_merge() {
    let repo = hello_upstream();
    add_distro(&repo, &[]);
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("README", "side\n");
    repo.commit("Side change");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("dos.txt", "main\n");
    repo.commit("Main change");
    repo.git(&["merge", "-q", "--no-edit", "side"]);
    let err = render_fails(&repo);
    assert!(err.contains("cannot be linearized"), "{err}");
}

#[test]
fn binary_change_without_git_apply() {
    let repo = hello_upstream();
    add_distro(&repo, &[]);
    repo.write("logo.bin", [0u8, 1, 2, 3, 255, 0, 7]);
    let id = repo.commit("Add a logo");
    let err = render_fails(&repo);
    assert!(err.contains(&id[..12]) && err.contains("-S git"), "{err}");
}
