//! Regressions found by rendering real Packit source-git repositories (docs/compatibility.md),
//! each reduced to a small fixture.

use crate::common::*;
use crate::compat_real::rpmbuild_ok;

/// A Packit `source-git.yaml` in the shape `packit source-git init` writes, with `upstream_ref`
/// and the `sources` item given.
fn packit_yaml(upstream_ref: &str, source_path: &str) -> String {
    format!(
        "\
upstream_project_url: https://example.org/hello
upstream_ref: {upstream_ref}
downstream_package_name: hello
specfile_path: .distro/hello.spec
patch_generation_ignore_paths:
- .distro
patch_generation_patch_id_digits: 1
sync_changelog: true
files_to_sync:
- src: .distro/
  dest: .
  delete: true
  filters:
  - protect .git*
  - protect sources
  - exclude source-git.yaml
  - exclude .gitignore
sources:
- path: {source_path}
  url: https://example.org/lookaside/{source_path}
"
    )
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
