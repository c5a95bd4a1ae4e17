//! Regressions found by rendering real Packit source-git repositories (docs/compatibility.md),
//! each reduced to a small fixture.

use crate::common::*;
use crate::compat_real::rpmbuild_ok;

/// The Packit config `packit source-git init` writes, with one-digit patch numbers.
fn packit_yaml(upstream_ref: &str, source_path: &str) -> String {
    packit_source_git_yaml(upstream_ref, source_path, 1)
}

/// Renders into `out` and returns the directory.
fn render(repo: &Repo) -> std::path::PathBuf {
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    out
}

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// sgallagher/sscg: `sources` still names the tarball of an older release (Packit writes it
/// once, at init); the spec's `Source0` names the tarball rpmbuild needs.
#[test]
fn stale_packit_sources_do_not_rename_the_tarball() {
    let repo = hello_upstream();
    add_distro(&repo, &[(".distro/source-git.yaml", &packit_yaml("v1.0", "hello-0.9.tar.gz"))]);
    plain_downstream(&repo);
    let out = render(&repo);
    assert!(out.join("hello-1.0.tar.gz").is_file(), "Source0's file is made");
    assert!(!out.join("hello-0.9.tar.gz").exists(), "the stale Packit name is not used");
    assert!(read(&out, "sources").starts_with("SHA512 (hello-1.0.tar.gz) = "), "{}", read(&out, "sources"));
    rpmbuild_ok(&out, &repo.path("rpmbuild"), &[]);
}

/// Sets the fixture spec's `Version:` and commits.
fn spec_version(repo: &Repo, version: &str) {
    repo.write(".distro/hello.spec", HELLO_SPEC.replace("Version:        0.9", &format!("Version:        {version}")));
    repo.commit("Packaging: set the version");
}

/// redhat-plumbers/dracut-*: `upstream_ref` is the commit id of the release, and the clone
/// does not have the tag; the version is the spec's, not the commit id.
#[test]
fn untagged_upstream_ref_commit_takes_the_spec_version() {
    let repo = hello_upstream();
    let release = repo.git(&["rev-parse", "v1.0^{commit}"]);
    repo.git(&["tag", "-d", "v1.0"]);
    add_distro(&repo, &[(".distro/source-git.yaml", &packit_yaml(&release, "hello-1.0.tar.gz"))]);
    plain_downstream(&repo);
    spec_version(&repo, "1.0");
    let out = render(&repo);
    assert!(read(&out, "hello.spec").contains("\nVersion:        1.0\n"), "{}", read(&out, "hello.spec"));
    assert!(out.join("hello-1.0.tar.gz").is_file());
    rpmbuild_ok(&out, &repo.path("rpmbuild"), &[]);
}

/// A commit id as `upstream_ref` with a tag on that commit: the tag gives the version.
#[test]
fn upstream_ref_commit_with_a_tag_takes_the_tag_version() {
    let repo = hello_upstream();
    let release = repo.git(&["rev-parse", "v1.0^{commit}"]);
    add_distro(&repo, &[(".distro/source-git.yaml", &packit_yaml(&release, "x.tar.gz"))]);
    plain_downstream(&repo);
    let json: serde_json::Value = serde_json::from_str(&repo.distgit_ok(&["render", "--json"])).expect("json");
    assert_eq!(json["version"], "1.0", "{json}");
    assert_eq!(json["tarballs"][0]["name"], "hello-1.0.tar.gz", "{json}");
}

/// An untagged commit id and a spec version that is not literal: a clear error, not a version
/// made of the commit id.
#[test]
fn untagged_upstream_ref_commit_with_a_macro_version_is_an_error() {
    let repo = hello_upstream();
    let release = repo.git(&["rev-parse", "v1.0^{commit}"]);
    repo.git(&["tag", "-d", "v1.0"]);
    add_distro(&repo, &[(".distro/source-git.yaml", &packit_yaml(&release, "x.tar.gz"))]);
    spec_version(&repo, "%{upstream_version}");
    let out = repo.distgit(&["render"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains(&release) && stderr.contains("no tag names"), "{stderr}");
}

/// authselect's fork lacks the upstream tag `upstream_ref` names: the error says to fetch tags.
#[test]
fn missing_upstream_ref_tag_says_to_fetch_tags() {
    let repo = hello_upstream();
    add_distro(&repo, &[(".distro/source-git.yaml", &packit_yaml("1.2.6", "x.tar.gz"))]);
    let out = repo.distgit(&["render"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("`1.2.6`") && stderr.contains("git fetch --tags"), "{stderr}");
}

/// sgallagher/sscg: `.gitattributes` marks `.github` `export-ignore`, so the archived tarball
/// has no `.github/`, and patches touching it broke `%autosetup -p1`. Such paths are left
/// out of the patches; a commit touching only them makes no patch.
#[test]
fn export_ignored_paths_stay_out_of_patches() {
    let repo = Repo::init();
    repo.write("README", "Hello project\n");
    repo.write("src/hello.sh", "#!/bin/sh\necho hello\n");
    repo.write("ci/build.yaml", "steps: [build]\n");
    repo.write(".gitattributes", "/ci export-ignore\n");
    repo.commit("Initial upstream import");
    repo.tag("v1.0");
    add_distro(&repo, &[]);
    repo.write("ci/build.yaml", "steps: [build, test]\n");
    repo.commit("CI: run the tests");
    repo.write("ci/build.yaml", "steps: [build, test, lint]\n");
    repo.write("src/hello.sh", "#!/bin/sh\necho hello world\n");
    repo.commit("Greet the world, lint in CI");
    let out = render(&repo);
    let json: serde_json::Value = serde_json::from_str(&repo.distgit_ok(&["render", "--json"])).expect("json");
    let patches = json["patches"].as_array().expect("patches");
    assert_eq!(patches.len(), 1, "the CI-only commit makes no patch: {json}");
    let patch = read(&out, patches[0]["file"].as_str().expect("file"));
    assert!(patch.contains("src/hello.sh") && !patch.contains("ci/build.yaml"), "{patch}");
    rpmbuild_ok(&out, &repo.path("rpmbuild"), &[]);
}
