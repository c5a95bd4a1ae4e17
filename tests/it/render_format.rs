//! Acceptance 2: patches equal `git format-patch` byte for byte (several option sets), and the
//! tarball equals `git archive --format=tar --prefix=… TAG | gzip -n`.

use crate::common::*;
use std::collections::BTreeMap;

/// Real `git format-patch` of `v1.0..HEAD` without `.distro/`, by file name.
fn git_format_patch(repo: &Repo, options: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let out = repo.path("git-format-patch");
    let _ = std::fs::remove_dir_all(&out);
    let out_str = out.to_str().expect("utf-8 path");
    let mut args = vec!["format-patch", "-q", "-o", out_str];
    args.extend_from_slice(options);
    args.extend_from_slice(&["v1.0..HEAD", "--", ".", ":(exclude).distro"]);
    repo.git(&args);
    read_patches(&out)
}

fn read_patches(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "patch"))
        .map(|p| (p.file_name().expect("name").to_string_lossy().into_owned(), std::fs::read(&p).expect("read")))
        .collect()
}

fn toml_list(options: &[&str]) -> String {
    let quoted: Vec<String> = options.iter().map(|o| format!("{o:?}")).collect();
    format!("[patches]\nformat_options = [{}]\n", quoted.join(", "))
}

#[test]
fn patches_equal_git_format_patch_for_each_option_set() {
    let repo = hello_package();
    let option_sets: [&[&str]; 5] = [
        &[],
        &["-N", "-k", "--no-signature", "--zero-commit"],
        &["-U5", "--stat=80", "--summary"],
        &["--patience", "--full-index", "--no-renames"],
        &["--histogram", "--subject-prefix=PATCH hello", "--signature=custom", "--minimal"],
    ];
    for (i, options) in option_sets.iter().enumerate() {
        repo.write(".distro/distgit.toml", toml_list(options));
        repo.commit(&format!("Packaging: format options set {i}"));
        let out = repo.path(&format!("out{i}"));
        repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
        let expected = git_format_patch(&repo, options);
        assert_eq!(expected.len(), 5, "fixture makes five patches (the .distro-only commits make none)");
        let rendered = read_patches(&out);
        assert_eq!(rendered.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "options {options:?}");
        for (name, bytes) in &expected {
            assert!(rendered[name] == *bytes, "{name} differs from git format-patch {options:?}");
        }
    }
}

#[test]
fn repository_config_does_not_change_the_patches() {
    let repo = hello_package();
    let expected = git_format_patch(&repo, &[]);
    for (key, value) in
        [("diff.noprefix", "true"), ("format.signature", "x"), ("core.autocrlf", "true"), ("diff.context", "7")]
    {
        repo.git(&["config", key, value]);
    }
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    let rendered = read_patches(&out);
    assert_eq!(rendered, expected);
}

#[test]
fn tarball_equals_git_archive_piped_to_gzip_n() {
    let repo = hello_package();
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    let script = "git archive --format=tar --prefix=hello-1.0/ v1.0 | gzip -n | sha512sum | cut -d' ' -f1";
    let expected = hermetic("sh", repo.home()).current_dir(&repo.dir).args(["-c", script]).output().expect("sh");
    let expected = String::from_utf8_lossy(&expected.stdout).trim().to_owned();
    assert_eq!(expected.len(), 128);
    let tarball = std::fs::read(out.join("hello-1.0.tar.gz")).expect("tarball written");
    assert_eq!(git_distgit::digest::sha512_hex(&tarball), expected);
    let sources = std::fs::read_to_string(out.join("sources")).expect("sources");
    assert_eq!(sources, format!("SHA512 (hello-1.0.tar.gz) = {expected}\n"));
}

#[test]
fn same_input_same_bytes() {
    let repo = hello_package();
    let (a, b) = (repo.path("a"), repo.path("b"));
    repo.distgit_ok(&["render", "--out", a.to_str().expect("utf-8")]);
    repo.distgit_ok(&["render", "--out", b.to_str().expect("utf-8")]);
    let (ra, rb) = (read_all(&a), read_all(&b));
    assert_eq!(ra.keys().collect::<Vec<_>>(), rb.keys().collect::<Vec<_>>());
    assert!(ra == rb, "two renders of one commit differ");
    assert!(ra.contains_key("hello-1.0.tar.gz") && ra.len() == 8, "{:?}", ra.keys());
}

fn read_all(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .map(|p| (p.file_name().expect("name").to_string_lossy().into_owned(), std::fs::read(&p).expect("read")))
        .collect()
}
