//! Acceptance 1: the rendered directory passes `rpmbuild -bs` and `rpmbuild -bp --nodeps`, and
//! `git am` of the patches on the release tag reproduces the candidate's tree minus `.distro/`.

use crate::common::*;
use std::path::Path;

/// Runs rpmbuild `mode` (`-bs`, `-bp`) on the single spec in `dist`, using it as _sourcedir.
fn rpmbuild(dist: &Path, top: &Path, mode: &str) -> std::process::Output {
    let spec = std::fs::read_dir(dist)
        .expect("read dist")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "spec"))
        .expect("a spec");
    let define = |k: &str, v: &Path| format!("{k} {}", v.display());
    let mut cmd = hermetic("rpmbuild", top);
    cmd.arg("--define").arg(define("_topdir", top)).arg("--define").arg(define("_sourcedir", dist));
    cmd.arg(mode);
    if mode == "-bp" {
        cmd.arg("--nodeps");
    }
    cmd.arg(spec).output().expect("run rpmbuild")
}

fn assert_rpmbuild(dist: &Path, top: &Path) {
    for mode in ["-bs", "-bp"] {
        let out = rpmbuild(dist, top, mode);
        assert!(
            out.status.success(),
            "rpmbuild {mode} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Applies the rendered patches (in spec order) with `git am` on the tag and compares trees.
fn assert_git_am_reproduces(repo: &Repo, dist: &Path, patches_in_order: &[String]) {
    let am = repo.path("am");
    let src = repo.dir.to_str().expect("utf-8");
    let clone = |args: &[&str]| {
        let out = hermetic("git", repo.home()).args(args).output().expect("git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let am_str = am.to_str().expect("utf-8");
    clone(&["clone", "-q", src, am_str]);
    clone(&["-C", am_str, "checkout", "-q", "v1.0"]);
    let mut args = vec!["-C", am_str, "-c", "user.name=T", "-c", "user.email=t@e", "am", "-q", "--keep-cr"];
    let paths: Vec<String> = patches_in_order.iter().map(|p| dist.join(p).display().to_string()).collect();
    args.extend(paths.iter().map(String::as_str));
    clone(&args);
    let got = clone(&["-C", am_str, "rev-parse", "HEAD^{tree}"]);
    let index = repo.path("index");
    let idx = index.to_str().expect("utf-8");
    let mut read = repo.git_cmd(&["read-tree", "HEAD"]);
    assert!(read.env("GIT_INDEX_FILE", idx).status().expect("read-tree").success());
    let mut rm = repo.git_cmd(&["rm", "-r", "-q", "--cached", ".distro"]);
    assert!(rm.env("GIT_INDEX_FILE", idx).status().expect("rm").success());
    let want = repo.git_cmd(&["write-tree"]).env("GIT_INDEX_FILE", idx).output().expect("write-tree");
    assert_eq!(got, String::from_utf8_lossy(&want.stdout).trim(), "git am result differs from the candidate tree");
}

/// The patch files in spec order, from `render --json`.
fn patch_order(repo: &Repo) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&repo.distgit_ok(&["render", "--json"])).expect("json");
    json["patches"].as_array().expect("patches").iter().map(|p| p["file"].as_str().expect("file").to_owned()).collect()
}

fn trailer_downstream(repo: &Repo) {
    repo.write("README", "Hello project\n\nNow with docs, and a greeting.\n");
    repo.commit("Mention the greeting\n\nPatch-name: readme-greeting.patch\nPatch-status: |\n    # Downstream only: upstream keeps the README terse\n");
    repo.write("doc/file with spaces.txt", "one\n2\n3\n");
    repo.commit("Docs: number three\n\nPatch-name: docs.patch\n");
    repo.write("doc/file with spaces.txt", "1\n2\n3\n");
    repo.commit("Docs: number one\n\nPatch-name: docs.patch\n");
}

#[test]
fn rendered_dist_git_builds_and_patches_reproduce_the_tree() {
    if !require_tool("rpmbuild") {
        return;
    }
    let repo = hello_package();
    trailer_downstream(&repo);
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    assert_rpmbuild(&out, &repo.path("rpmbuild"));
    let order = patch_order(&repo);
    assert_eq!(order.len(), 7, "5 plain patches, 1 named, 1 squashed: {order:?}");
    assert!(order.contains(&"docs.patch".to_owned()));
    assert_git_am_reproduces(&repo, &out, &order);
}

#[test]
fn packit_source_git_yaml_repo_builds() {
    if !require_tool("rpmbuild") {
        return;
    }
    let repo = hello_upstream();
    let yaml = packit_source_git_yaml("v1.0", "hello-1.0.tar.gz", 4);
    let toml = "[spec]\nversion = \"render\"\n";
    add_distro(&repo, &[(".distro/source-git.yaml", yaml.as_str()), (".distro/distgit.toml", toml)]);
    plain_downstream(&repo);
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    let spec = std::fs::read_to_string(out.join("hello.spec")).expect("spec");
    assert!(spec.contains("\nPatch0001: "), "Packit digits honoured:\n{spec}");
    for config_or_ignored in ["source-git.yaml", "distgit.toml", ".gitignore"] {
        assert!(!out.join(config_or_ignored).exists(), "{config_or_ignored} must not be synced");
    }
    assert_rpmbuild(&out, &repo.path("rpmbuild"));
    assert_git_am_reproduces(&repo, &out, &patch_order(&repo));
}

#[test]
fn legacy_yaml_ignore_and_present_in_spec_build() {
    if !require_tool("rpmbuild") {
        return;
    }
    let repo = hello_upstream();
    let spec = HELLO_SPEC.replace(
        "BuildArch:      noarch\n",
        "# Carried by hand in the spec\nPatch100:       present.patch\nBuildArch:      noarch\n",
    );
    repo.write(".distro/hello.spec", &spec);
    repo.commit("Add packaging");
    repo.write("README", "Hello project\n\nNow with docs.\nLegacy.\n");
    repo.commit("Legacy metadata\n\npatch_name: legacy.patch\ndescription: Explained in YAML\n");
    repo.write("doc/file with spaces.txt", "ignored change\n");
    repo.commit("Experiment\n\nIgnore-patch: true\n");
    repo.write("dos.txt", "present\r\n");
    repo.commit("Already in the spec\n\nPatch-name: present.patch\nPatch-present-in-specfile: true\n");
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    let rendered = std::fs::read_to_string(out.join("hello.spec")).expect("spec");
    assert!(rendered.contains("# Explained in YAML\nPatch101:       legacy.patch\n"), "{rendered}");
    assert_eq!(rendered.matches("present.patch").count(), 1, "no second line for a present patch");
    let patches: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".patch"))
        .collect();
    assert_eq!(patches.len(), 2, "the ignored commit leaves no file: {patches:?}");
    assert_rpmbuild(&out, &repo.path("rpmbuild"));
}

#[test]
fn binary_changes_render_when_the_spec_applies_with_git() {
    if !require_tool("rpmbuild") {
        return;
    }
    let repo = hello_upstream();
    repo.write(".distro/hello.spec", HELLO_SPEC.replace("%autosetup -p1", "%autosetup -p1 -S git"));
    repo.commit("Add packaging");
    repo.write("logo.bin", [0u8, 1, 2, 3, 255, 0, 7, 9]);
    repo.commit("Add a logo");
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    let patch = std::fs::read_to_string(out.join("0001-Add-a-logo.patch")).expect("patch");
    assert!(patch.contains("GIT binary patch"), "{patch}");
    assert_rpmbuild(&out, &repo.path("rpmbuild"));
    assert_git_am_reproduces(&repo, &out, &patch_order(&repo));
}
