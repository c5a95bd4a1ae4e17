//! The reverse of the render (`git_distgit::reverse`): dist-git → source-git commits, and the
//! round trip back through `git distgit render --diff`.

use crate::common::*;
use crate::compat_real::rpmbuild;
use git_distgit::reverse::{reverse, DistGitCommit, ReverseError, Reversed};
use git_distgit::snapshot::Person;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The fixed bot identity the caller passes as committer.
fn bot() -> Person {
    Person { name: "Distgit Bot".into(), email: "bot@example.org".into(), time: EPOCH + 86_400, offset: 0 }
}

/// The files of a dist-git checkout (without `.git`), as the helper would read them from the
/// dist-git commit.
fn read_distgit(dir: &Path, branch: &str) -> DistGitCommit {
    let mut files = BTreeMap::new();
    let mut executable = BTreeSet::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().filter_entry(|e| e.file_name() != ".git") {
        let entry = entry.expect("walk");
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).expect("prefix").to_string_lossy().into_owned();
        if entry.metadata().expect("metadata").permissions().mode() & 0o111 != 0 {
            executable.insert(rel.clone());
        }
        files.insert(rel, std::fs::read(entry.path()).expect("read"));
    }
    DistGitCommit {
        id: "0123456789abcdef0123456789abcdef01234567".into(),
        branch: branch.into(),
        author: Person {
            name: "Pat Packager".into(),
            email: "pat@example.org".into(),
            time: EPOCH + 3600,
            offset: 7200,
        },
        files,
        executable,
    }
}

/// `git distgit render --json --diff <dist> --rev <rev>` in `repo`: the diff text and the
/// parsed summary.
fn render_diff(repo: &Repo, rev: &str, dist: &Path) -> (String, serde_json::Value) {
    let out = repo.distgit_ok(&["render", "--json", "--rev", rev, "--diff", dist.to_str().expect("utf-8")]);
    let start = out
        .match_indices("{\n")
        .map(|(i, _)| i)
        .find(|i| *i == 0 || out.as_bytes()[i - 1] == b'\n')
        .unwrap_or_else(|| panic!("no JSON in {out}"));
    (out[..start].to_owned(), serde_json::from_str(&out[start..]).expect("json"))
}

/// The summary of [`render_diff`].
fn render_json(repo: &Repo, rev: &str, dist: &Path) -> serde_json::Value {
    render_diff(repo, rev, dist).1
}

/// Renders `source` into a dist-git directory, reverses it into `upstream` (a clone with the
/// tags but none of the downstream commits) and checks that rendering the result against the
/// directory changes nothing. Returns what the reverse wrote.
fn round_trip(source: &Repo, upstream: &Repo) -> Reversed {
    let dist = source.path("dist");
    source.distgit_ok(&["render", "--out", dist.to_str().expect("utf-8")]);
    let reversed = reverse(&upstream.dir, &read_distgit(&dist, "rawhide"), &bot()).expect("reverse");
    upstream.git(&["branch", "reversed", &reversed.tip]);
    let summary = render_json(upstream, "reversed", &dist);
    assert_eq!(summary["unchanged"], true, "{summary:#}");
    let original = render_json(source, "HEAD", &dist);
    let files = |s: &serde_json::Value| {
        s["patches"].as_array().expect("patches").iter().map(|p| p["file"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(files(&summary), files(&original));
    assert!(summary["patches"].as_array().expect("patches").iter().all(|p| p["kept"] == true), "{summary:#}");
    let spec = summary["spec"].as_str().expect("spec");
    let reversed_spec = upstream.git_bytes(&["show", &format!("reversed:.distro/{spec}")]);
    assert_eq!(String::from_utf8_lossy(&reversed_spec), std::fs::read_to_string(dist.join(spec)).expect("spec"));
    reversed
}

#[test]
fn rendered_package_round_trips() {
    let reversed = round_trip(&hello_package(), &hello_upstream());
    let subjects: Vec<&str> = reversed.commits.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "Quote the greeting",
            "Rename old-name.txt",
            "Make hello.sh executable",
            "Fix the docs",
            "Fix a CRLF file",
            "Import packaging from dist-git rawhide"
        ]
    );
    assert_eq!((reversed.tag.as_str(), reversed.version.as_str()), ("v1.0", "1.0"));
    assert!(reversed.unapplied.is_empty() && reversed.dropped.is_empty());
}

#[test]
fn reversed_commits_carry_authors_and_trailers() {
    let source = hello_package();
    let upstream = hello_upstream();
    let reversed = round_trip(&source, &upstream);
    let first = &reversed.commits[0].id;
    let header = upstream.git(&["log", "-1", "--format=%an <%ae> %ad|%cn <%ce> %cd", "--date=raw", first]);
    assert_eq!(
        header,
        format!(
            "Zbigniew Jędrzejewski-Szmek <zbyszek@example.org> {} +0000|Distgit Bot <bot@example.org> {} +0000",
            EPOCH + 5 * 60,
            EPOCH + 86_400
        )
    );
    let message = upstream.git(&["log", "-1", "--format=%B", first]);
    assert_eq!(
        message,
        "Quote the greeting\n\nShells are picky.\n\nPatch-name: 0001-Quote-the-greeting.patch\nPatch-id: 1\n\
         Patch-present-in-specfile: true\nPatch-status: |\n  # Quote the greeting\n  \
         # Author: Zbigniew Jędrzejewski-Szmek <zbyszek@example.org>\n\
         From-dist-git-commit: 0123456789abcdef0123456789abcdef01234567"
    );
    let tip = upstream.git(&["log", "-1", "--format=%an <%ae> %ad%n%B", "--date=raw", &reversed.tip]);
    assert_eq!(
        tip,
        format!(
            "Pat Packager <pat@example.org> {} +0200\nImport packaging from dist-git rawhide\n\n\
             From-dist-git-commit: 0123456789abcdef0123456789abcdef01234567",
            EPOCH + 3600
        )
    );
    let distro = upstream.git(&["ls-tree", "-r", "--name-only", &reversed.tip, ".distro"]);
    assert_eq!(distro, ".distro/.gitignore\n.distro/hello.spec");
    // The source tree at the tip equals the source-git candidate's, outside .distro/.
    assert_eq!(tree_files(&upstream, &reversed.tip), tree_files(&source, "HEAD"));
}

#[test]
fn squashed_patch_files_become_one_commit_per_mail() {
    let source = hello_upstream();
    add_distro(&source, &[]);
    source.write("README", "one\n");
    source.commit("First half\n\nPatch-name: both.patch\n");
    source.write("src/hello.sh", "#!/bin/sh\necho two\n");
    source.commit("Second half\n\nPatch-name: both.patch\n");
    let reversed = round_trip(&source, &hello_upstream());
    let patches: Vec<Option<&str>> = reversed.commits.iter().map(|c| c.patch.as_deref()).collect();
    assert_eq!(patches, [Some("both.patch"), Some("both.patch"), None]);
}

#[test]
fn same_input_gives_the_same_commits() {
    let source = hello_package();
    let dist = source.path("dist");
    source.distgit_ok(&["render", "--out", dist.to_str().expect("utf-8")]);
    let upstream = hello_upstream();
    let distgit = read_distgit(&dist, "rawhide");
    let one = reverse(&upstream.dir, &distgit, &bot()).expect("reverse");
    let two = reverse(&upstream.dir, &distgit, &bot()).expect("reverse");
    assert_eq!(one, two);
}

/// Every ref and HEAD, to show that a failure moved none.
fn refs(repo: &Repo) -> String {
    format!("{}\n{}", repo.git(&["for-each-ref"]), repo.git(&["symbolic-ref", "HEAD"]))
}

#[test]
fn a_patch_that_does_not_apply_is_named_with_the_failing_hunk() {
    let source = hello_package();
    let dist = source.path("dist");
    source.distgit_ok(&["render", "--out", dist.to_str().expect("utf-8")]);
    let mut distgit = read_distgit(&dist, "rawhide");
    let patch = distgit.files.get_mut("0004-Fix-the-docs.patch").expect("patch");
    *patch = String::from_utf8_lossy(patch).replace(" one\n", " uno\n").into_bytes();
    let upstream = hello_upstream();
    let before = refs(&upstream);
    let err = reverse(&upstream.dir, &distgit, &bot()).expect_err("must fail");
    let text = err.to_string();
    assert!(matches!(err, ReverseError::PatchFailed { number: 4, .. }), "{text}");
    assert!(text.starts_with("Patch4 (0004-Fix-the-docs.patch) does not apply on top of "), "{text}");
    assert!(text.contains("error: patch failed: doc/file with spaces.txt:1"), "{text}");
    assert_eq!(refs(&upstream), before);
}

#[test]
fn a_missing_tag_says_how_to_fetch_it() {
    let source = hello_package();
    let dist = source.path("dist");
    source.distgit_ok(&["render", "--out", dist.to_str().expect("utf-8")]);
    let upstream = hello_upstream();
    upstream.git(&["tag", "-d", "v1.0"]);
    let err = reverse(&upstream.dir, &read_distgit(&dist, "rawhide"), &bot()).expect_err("no tag").to_string();
    assert!(err.starts_with("no tag for version 1.0 (the spec's `Version:`) in this repository"), "{err}");
    assert!(err.contains("such as `v1.0`, `1.0`, `hello-1.0`"), "{err}");
    assert!(err.contains("git fetch <upstream-url> 'refs/tags/*:refs/tags/*'"), "{err}");
}

#[test]
fn distgit_toml_decides_the_tag() {
    let source = hello_package();
    let dist = source.path("dist");
    source.distgit_ok(&["render", "--out", dist.to_str().expect("utf-8")]);
    let upstream = hello_upstream();
    // Another tag with the same version on an older commit: only the configured pattern
    // picks the right one.
    upstream.git(&["tag", "release-1.0", "v0.9"]);
    let mut distgit = read_distgit(&dist, "rawhide");
    distgit.files.insert("distgit.toml".into(), b"[upstream]\ntag_pattern = \"release-*\"\n".to_vec());
    let reversed = reverse(&upstream.dir, &distgit, &bot()).expect_err("the patches do not apply to 0.9");
    assert!(reversed.to_string().contains("does not apply on top of"), "{reversed}");
    distgit.files.insert("distgit.toml".into(), b"[upstream]\ntag_pattern = \"v*\"\n".to_vec());
    let reversed = reverse(&upstream.dir, &distgit, &bot()).expect("reverse");
    assert_eq!(reversed.tag, "v1.0");
    let toml = upstream.git(&["show", &format!("{}:.distro/distgit.toml", reversed.tip)]);
    assert_eq!(toml, "[upstream]\ntag_pattern = \"v*\"");
}

/// The upstream of the hand-made Fedora-style package `frob`, tagged `v2.1`.
fn frob_upstream() -> Repo {
    let repo = Repo::init();
    repo.write("README", "Frob frobnicates things.\n");
    repo.write("ChangeLog", "2024-09-01  Ada Upstream  <ada@example.org>\n\n\t* Release 2.1.\n");
    repo.write("Makefile", "PREFIX = /usr/local\nCFLAGS += -Wall\n\nfrob: src/frob.c\n\t$(CC) $(CFLAGS) -o $@ $<\n");
    repo.write(
        "src/frob.c",
        "#include <stdio.h>\n#include <string.h>\n\nint frob(const char *s)\n{\n    int n = strlen(s);\n    \
         return s[n - 1];\n}\n\nint main(int argc, char **argv)\n{\n    if (argc < 2)\n        return 1;\n    \
         printf(\"%d\\n\", frob(argv[1]));\n    return 0;\n}\n",
    );
    repo.write(
        "src/paths.h",
        "#ifndef PATHS_H\n#define PATHS_H\n#define CONFDIR \"/usr/local/etc\"\n#define DATADIR \"/usr/local/share/frob\"\n#endif\n",
    );
    repo.commit("frob 2.1");
    repo.tag("v2.1");
    repo
}

const FROB_SPEC: &str = "\
Name:           frob
Version:        2.1
Release:        3%{?dist}
Summary:        Frobnicates things
License:        MIT
URL:            https://example.org/frob
Source0:        %{url}/archive/v%{version}/%{name}-%{version}.tar.gz
Source1:        frob.sysconfig

# Fix a crash on empty input (rhbz#2000001)
# Sent upstream: https://example.org/frob/pull/12
Patch0:         frob-2.1-empty-input.patch
# Fedora-specific default paths
Patch1:         frob-2.1-fedora-paths.patch
# Backported from upstream
Patch2:         0001-Use-size_t-for-lengths.patch
Patch3:         frob-2.1-changelog.patch

BuildRequires:  gcc
BuildRequires:  make

%description
Frob frobnicates things.

%prep
%autosetup -p1

%build
%make_build

%install
%make_install PREFIX=%{_prefix}
install -Dpm 0644 %{SOURCE1} %{buildroot}%{_sysconfdir}/sysconfig/frob

%files
%doc README ChangeLog
%config(noreplace) %{_sysconfdir}/sysconfig/frob

%changelog
* Thu Sep 05 2024 Pat Packager <pat@example.org> - 2.1-3
- Add a ChangeLog entry

* Wed Sep 04 2024 Pat Packager <pat@example.org> - 2.1-2
- Use size_t for lengths (upstream backport)

* Mon Sep 02 2024 Pat Packager <pat@example.org> - 2.1-1
- Update to 2.1
";

/// A `gendiff`-style patch with a description above the diff.
const EMPTY_INPUT_PATCH: &str = "\
Fix a crash on empty input

Upstream: https://example.org/frob/pull/12

diff -up frob-2.1/src/frob.c.empty frob-2.1/src/frob.c
--- frob-2.1/src/frob.c.empty\t2024-09-02 10:00:00.000000000 +0200
+++ frob-2.1/src/frob.c\t2024-09-02 10:05:00.000000000 +0200
@@ -4,6 +4,8 @@
 int frob(const char *s)
 {
     int n = strlen(s);
+    if (n == 0)
+        return 0;
     return s[n - 1];
 }
 
";

/// A `gendiff`-style patch over two files.
const FEDORA_PATHS_PATCH: &str = "\
diff -up frob-2.1/Makefile.fedora frob-2.1/Makefile
--- frob-2.1/Makefile.fedora\t2024-09-02 11:00:00.000000000 +0200
+++ frob-2.1/Makefile\t2024-09-02 11:01:00.000000000 +0200
@@ -1,4 +1,4 @@
-PREFIX = /usr/local
+PREFIX = /usr
 CFLAGS += -Wall
 
 frob: src/frob.c
diff -up frob-2.1/src/paths.h.fedora frob-2.1/src/paths.h
--- frob-2.1/src/paths.h.fedora\t2024-09-02 11:00:00.000000000 +0200
+++ frob-2.1/src/paths.h\t2024-09-02 11:01:00.000000000 +0200
@@ -1,5 +1,5 @@
 #ifndef PATHS_H
 #define PATHS_H
-#define CONFDIR \"/usr/local/etc\"
-#define DATADIR \"/usr/local/share/frob\"
+#define CONFDIR \"/etc\"
+#define DATADIR \"/usr/share/frob\"
 #endif
";

/// An upstream commit as `git format-patch` wrote it; it only applies after the first patch.
const SIZE_T_PATCH: &str = "\
From 5f3c1a9e0b6d4c2e8a7f9b1d3e5c7a9b0d2f4e6a Mon Sep 17 00:00:00 2001
From: Ann Upstream <ann@example.org>
Date: Wed, 4 Sep 2024 09:30:00 +0200
Subject: [PATCH] Use size_t for lengths

strlen() returns size_t; storing it in an int truncates long inputs.

Signed-off-by: Ann Upstream <ann@example.org>
---
 src/frob.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/src/frob.c b/src/frob.c
index 3b18e51..9c5e0d2 100644
--- a/src/frob.c
+++ b/src/frob.c
@@ -3,7 +3,7 @@
 
 int frob(const char *s)
 {
-    int n = strlen(s);
+    size_t n = strlen(s);
     if (n == 0)
         return 0;
     return s[n - 1];
-- 
2.46.0

";

/// `gendiff` writes `ChangeLog` hunks without context (`-U0`).
const CHANGELOG_PATCH: &str = "\
diff -U0 -up frob-2.1/ChangeLog.changelog frob-2.1/ChangeLog
--- frob-2.1/ChangeLog.changelog\t2024-09-05 12:00:00.000000000 +0200
+++ frob-2.1/ChangeLog\t2024-09-05 12:00:30.000000000 +0200
@@ -0,0 +1,4 @@
+2024-09-05  Pat Packager  <pat@example.org>
+
+\t* Fedora build fixes.
+
";

/// The `sources` line of the `git archive` tarball of `tag`.
fn sources_line(repo: &Repo, tag: &str, prefix: &str, file: &str) -> String {
    let script = format!("git archive --format=tar --prefix={prefix}/ {tag} | gzip -n | sha512sum");
    let out = hermetic("sh", repo.home()).current_dir(&repo.dir).arg("-c").arg(script).output().expect("sha512sum");
    let hex = String::from_utf8_lossy(&out.stdout).split_whitespace().next().expect("hash").to_owned();
    format!("SHA512 ({file}) = {hex}\n")
}

/// The hand-made `frob` dist-git, written to `dir`; the tarball too, for rpmbuild.
fn frob_distgit(upstream: &Repo, dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let files = [
        ("frob.spec", FROB_SPEC.to_owned()),
        ("sources", sources_line(upstream, "v2.1", "frob-2.1", "frob-2.1.tar.gz")),
        (".gitignore", "/frob-*.tar.gz\n".to_owned()),
        ("frob.sysconfig", "FROB_OPTS=\n".to_owned()),
        ("frob-2.1-empty-input.patch", EMPTY_INPUT_PATCH.to_owned()),
        ("frob-2.1-fedora-paths.patch", FEDORA_PATHS_PATCH.to_owned()),
        ("0001-Use-size_t-for-lengths.patch", SIZE_T_PATCH.to_owned()),
        ("frob-2.1-changelog.patch", CHANGELOG_PATCH.to_owned()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    let tarball = hermetic("sh", upstream.home())
        .current_dir(&upstream.dir)
        .arg("-c")
        .arg(format!("git archive --format=tar --prefix=frob-2.1/ v2.1 | gzip -n > {}/frob-2.1.tar.gz", dir.display()))
        .status()
        .expect("archive");
    assert!(tarball.success());
}

/// The files (path → bytes) of the tree of `rev`, outside `.distro/`.
fn tree_files(repo: &Repo, rev: &str) -> BTreeMap<String, Vec<u8>> {
    let names = repo.git(&["ls-tree", "-r", "--name-only", rev]);
    let outside = names.lines().filter(|n| !n.starts_with(".distro/"));
    outside.map(|n| (n.to_owned(), repo.git_bytes(&["show", &format!("{rev}:{n}")]))).collect()
}

/// The files `rpmbuild -bp` left in the build directory of `dist`'s spec.
fn prepped_files(dist: &Path, top: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    if !require_tool("rpmbuild") {
        return None;
    }
    let out = rpmbuild(dist, top, "-bp", &[]);
    assert!(out.status.success(), "rpmbuild -bp: {}", String::from_utf8_lossy(&out.stderr));
    let src = walkdir::WalkDir::new(top.join("BUILD"))
        .into_iter()
        .map(|e| e.expect("walk").into_path())
        .find(|p| p.ends_with("frob-2.1"))
        .expect("frob-2.1 in BUILD");
    let files = walkdir::WalkDir::new(&src).into_iter().map(|e| e.expect("walk")).filter(|e| e.file_type().is_file());
    Some(
        files
            .map(|e| {
                let rel = e.path().strip_prefix(&src).expect("prefix").to_string_lossy().into_owned();
                (rel, std::fs::read(e.path()).expect("read"))
            })
            .collect(),
    )
}

#[test]
fn hand_made_fedora_dist_git_is_reversed_like_rpm_prep() {
    let upstream = frob_upstream();
    let dist = upstream.path("frob-dist");
    frob_distgit(&upstream, &dist);
    let reversed = reverse(&upstream.dir, &read_distgit(&dist, "f41"), &bot()).expect("reverse");
    let subjects: Vec<&str> = reversed.commits.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "frob-2.1-empty-input.patch",
            "frob-2.1-fedora-paths.patch",
            "Use size_t for lengths",
            "frob-2.1-changelog.patch",
            "Import packaging from dist-git f41"
        ]
    );
    // The tree is what `rpmbuild -bp` makes of the dist-git.
    let tree = tree_files(&upstream, &reversed.tip);
    if let Some(prepped) = prepped_files(&dist, &upstream.path("rpmbuild")) {
        assert_eq!(tree.keys().collect::<Vec<_>>(), prepped.keys().collect::<Vec<_>>());
        assert!(tree == prepped, "the reversed tree differs from rpmbuild -bp's");
    }
    assert!(String::from_utf8_lossy(&tree["src/frob.c"]).contains("    size_t n = strlen(s);\n    if (n == 0)\n"));
    assert!(String::from_utf8_lossy(&tree["ChangeLog"]).starts_with("2024-09-05  Pat Packager"));
    // Plain diffs: the dist-git author, the file name, the description as body (its last
    // paragraph, `Upstream: …`, is a trailer to git, so the Packit trailers join it).
    let first = upstream.git(&["log", "-1", "--format=%an|%ad|%B", "--date=raw", &reversed.commits[0].id]);
    assert_eq!(
        first,
        format!(
            "Pat Packager|{} +0200|frob-2.1-empty-input.patch\n\nFix a crash on empty input\n\n\
             Upstream: https://example.org/frob/pull/12\nPatch-name: frob-2.1-empty-input.patch\nPatch-id: 0\n\
             Patch-present-in-specfile: true\nPatch-status: |\n  # Fix a crash on empty input (rhbz#2000001)\n  \
             # Sent upstream: https://example.org/frob/pull/12\n\
             From-dist-git-commit: 0123456789abcdef0123456789abcdef01234567",
            EPOCH + 3600
        )
    );
    // A mail: its author, date and message; the Signed-off-by block takes the trailers.
    let third = upstream.git(&["log", "-1", "--format=%an <%ae>|%ad|%B", "--date=iso", &reversed.commits[2].id]);
    assert_eq!(
        third,
        "Ann Upstream <ann@example.org>|2024-09-04 09:30:00 +0200|Use size_t for lengths\n\n\
         strlen() returns size_t; storing it in an int truncates long inputs.\n\n\
         Signed-off-by: Ann Upstream <ann@example.org>\nPatch-name: 0001-Use-size_t-for-lengths.patch\nPatch-id: 2\n\
         Patch-present-in-specfile: true\nPatch-status: |\n  # Backported from upstream\n\
         From-dist-git-commit: 0123456789abcdef0123456789abcdef01234567"
    );
    let distro = upstream.git(&["ls-tree", "-r", "--name-only", &reversed.tip, ".distro"]);
    assert_eq!(distro, ".distro/.gitignore\n.distro/frob.spec\n.distro/frob.sysconfig");
}

#[test]
fn hand_made_fedora_dist_git_renders_back() {
    let upstream = frob_upstream();
    let dist = upstream.path("frob-dist");
    frob_distgit(&upstream, &dist);
    let reversed = reverse(&upstream.dir, &read_distgit(&dist, "f41"), &bot()).expect("reverse");
    upstream.git(&["branch", "reversed", &reversed.tip]);
    let (diff, summary) = render_diff(&upstream, "reversed", &dist);
    let patches = summary["patches"].as_array().expect("patches");
    let names: Vec<&str> = patches.iter().map(|p| p["file"].as_str().expect("file")).collect();
    assert_eq!(
        names,
        [
            "frob-2.1-empty-input.patch",
            "frob-2.1-fedora-paths.patch",
            "0001-Use-size_t-for-lengths.patch",
            "frob-2.1-changelog.patch"
        ]
    );
    // The mail and the `gendiff` diffs keep their bytes: the previous patch ids are computed
    // with git-form headers. The `-U0` ChangeLog diff has other hunks than git's (3 lines of
    // context), so its patch id differs and git's form replaces it (docs/reverse.md).
    let kept: Vec<bool> = patches.iter().map(|p| p["kept"] == true).collect();
    assert_eq!(kept, [true, true, true, false]);
    assert_eq!(summary["deleted"], serde_json::json!([]));
    // That one change counts: Release goes up and %changelog gets an entry. Everything else is
    // byte-identical.
    let changed: Vec<&str> = diff.lines().filter_map(|l| l.strip_prefix("+++ b/")).collect();
    assert_eq!(changed, ["frob-2.1-changelog.patch", "frob.spec"]);
    assert_eq!(summary["release"], "4%{?dist}");
    let spec_diff = &diff[diff.find("+++ b/frob.spec").expect("spec diff")..];
    let edits: Vec<&str> = spec_diff.lines().skip(1).filter(|l| l.starts_with(['+', '-'])).collect();
    assert_eq!(edits[..2], ["-Release:        3%{?dist}", "+Release:        4%{?dist}"]);
    assert!(edits[2..].iter().all(|l| l.starts_with('+')), "{spec_diff}");
    let out = upstream.path("rendered");
    upstream.distgit_ok(&["render", "--rev", "reversed", "--out", out.to_str().expect("utf-8")]);
    // The rendered patches still apply in %prep, to the same tree.
    if let Some(prepped) = prepped_files(&out, &upstream.path("rpmbuild")) {
        assert!(prepped == tree_files(&upstream, &reversed.tip));
    }
}

/// The `frob` dist-git without its `-U0` ChangeLog patch: every patch has git's context.
fn frob_distgit_with_full_context(upstream: &Repo, dir: &Path) {
    frob_distgit(upstream, dir);
    let spec = FROB_SPEC.replace("Patch3:         frob-2.1-changelog.patch\n", "");
    std::fs::write(dir.join("frob.spec"), spec).expect("spec");
    std::fs::remove_file(dir.join("frob-2.1-changelog.patch")).expect("rm");
}

#[test]
fn hand_made_fedora_dist_git_round_trips_unchanged() {
    let upstream = frob_upstream();
    let dist = upstream.path("frob-dist");
    frob_distgit_with_full_context(&upstream, &dist);
    let reversed = reverse(&upstream.dir, &read_distgit(&dist, "f41"), &bot()).expect("reverse");
    upstream.git(&["branch", "reversed", &reversed.tip]);
    let (diff, summary) = render_diff(&upstream, "reversed", &dist);
    assert_eq!(summary["unchanged"], true, "{diff}\n{summary:#}");
    assert!(summary["patches"].as_array().expect("patches").iter().all(|p| p["kept"] == true), "{summary:#}");
    assert_eq!(summary["release"], "3%{?dist}");
}

#[test]
fn patch_lines_decide_order_strip_level_and_what_is_applied() {
    let upstream = frob_upstream();
    let dist = upstream.path("frob-dist");
    frob_distgit(&upstream, &dist);
    let spec = FROB_SPEC.replace("%autosetup -p1", "%setup -q\n%patch 0 -p1\n%patch -P2 -p1\n%patch 4\n").replace(
        "Patch3:         frob-2.1-changelog.patch",
        "Patch3:         frob-2.1-changelog.patch\nPatch4:         frob-2.1-readme.patch",
    );
    std::fs::write(dist.join("frob.spec"), &spec).expect("spec");
    // -p0: paths without a leading directory.
    std::fs::write(
        dist.join("frob-2.1-readme.patch"),
        "--- README.orig\n+++ README\n@@ -1 +1,2 @@\n Frob frobnicates things.\n+See ChangeLog.\n",
    )
    .expect("patch");
    std::fs::write(dist.join("stale.patch"), "old\n").expect("patch");
    let reversed = reverse(&upstream.dir, &read_distgit(&dist, "f41"), &bot()).expect("reverse");
    let patches: Vec<Option<&str>> = reversed.commits.iter().map(|c| c.patch.as_deref()).collect();
    assert_eq!(
        patches,
        [
            Some("frob-2.1-empty-input.patch"),
            Some("0001-Use-size_t-for-lengths.patch"),
            Some("frob-2.1-readme.patch"),
            None
        ]
    );
    assert_eq!(reversed.unapplied, ["frob-2.1-changelog.patch", "frob-2.1-fedora-paths.patch"]);
    assert_eq!(reversed.dropped, ["stale.patch"]);
    let readme = upstream.git(&["log", "-1", "--format=%B", &reversed.commits[2].id]);
    assert!(readme.contains("\nNo-prefix: true\n"), "{readme}");
    let distro = upstream.git(&["ls-tree", "-r", "--name-only", &reversed.tip, ".distro"]);
    assert!(distro.contains(".distro/frob-2.1-changelog.patch\n.distro/frob-2.1-fedora-paths.patch"), "{distro}");
    // Rendering gives back the spec and the patch files unchanged, and drops the stale patch.
    upstream.git(&["branch", "reversed", &reversed.tip]);
    let (diff, summary) = render_diff(&upstream, "reversed", &dist);
    let changed: Vec<&str> = diff.lines().filter(|l| l.starts_with("+++ ")).collect();
    assert_eq!(changed, ["+++ b/frob.spec", "+++ /dev/null"]);
    assert_eq!(summary["deleted"], serde_json::json!(["stale.patch"]));
    let out = upstream.path("rendered");
    upstream.distgit_ok(&["render", "--rev", "reversed", "--out", out.to_str().expect("utf-8")]);
    // With no previous state, `%patch 4` (-p0) gets a patch without `a/`/`b/`. (Against the
    // checkout above, the -p0 plain diff kept its bytes: its id is computed as
    // `a/README b/README`, which is the id of the `No-prefix` commit's patch.)
    assert!(String::from_utf8_lossy(&std::fs::read(out.join("frob-2.1-readme.patch")).expect("patch"))
        .contains("\n--- README\n+++ README\n"));
    if let Some(prepped) = prepped_files(&out, &upstream.path("rpmbuild")) {
        assert!(prepped == tree_files(&upstream, &reversed.tip));
    }
}

#[test]
fn autosetup_without_p_takes_top_level_paths_as_patch_does() {
    let upstream = frob_upstream();
    let dist = upstream.path("frob-dist");
    frob_distgit(&upstream, &dist);
    let spec = FROB_SPEC
        .replace("%autosetup -p1", "%autosetup")
        .replace("Patch3:         frob-2.1-changelog.patch", "Patch3:         frob-2.1-readme.patch");
    std::fs::write(
        dist.join("frob.spec"),
        spec.replace("Patch0:         frob-2.1-empty-input.patch\n", "")
            .replace("Patch1:         frob-2.1-fedora-paths.patch\n", "")
            .replace("Patch2:         0001-Use-size_t-for-lengths.patch\n", ""),
    )
    .expect("spec");
    std::fs::write(
        dist.join("frob-2.1-readme.patch"),
        "--- README.orig\n+++ README\n@@ -1 +1,2 @@\n Frob frobnicates things.\n+See ChangeLog.\n",
    )
    .expect("patch");
    let reversed = reverse(&upstream.dir, &read_distgit(&dist, "f41"), &bot()).expect("reverse");
    let readme = upstream.git(&["show", &format!("{}:README", reversed.tip)]);
    assert_eq!(readme, "Frob frobnicates things.\nSee ChangeLog.");
    if let Some(prepped) = prepped_files(&dist, &upstream.path("rpmbuild")) {
        assert!(prepped == tree_files(&upstream, &reversed.tip));
    }
}

#[test]
fn patches_a_commit_cannot_represent_are_errors() {
    let upstream = frob_upstream();
    let dist = upstream.path("frob-dist");
    frob_distgit(&upstream, &dist);
    let error = |change: &dyn Fn(&mut DistGitCommit)| {
        let mut distgit = read_distgit(&dist, "f41");
        change(&mut distgit);
        reverse(&upstream.dir, &distgit, &bot()).expect_err("must fail").to_string()
    };
    let e = error(&|d| {
        let spec = FROB_SPEC.replace("%autosetup -p1", "%setup -q\n%patch 0 -p2");
        d.files.insert("frob.spec".into(), spec.into_bytes());
    });
    assert!(e.starts_with("Patch0 (frob-2.1-empty-input.patch) is applied with -p2;"), "{e}");
    let e = error(&|d| {
        d.files.remove("frob-2.1-fedora-paths.patch");
    });
    assert_eq!(e, "Patch1 (frob-2.1-fedora-paths.patch) is applied by %prep but dist-git has no such file");
    let e = error(&|d| {
        d.files.insert("frob-2.1-changelog.patch".into(), b"\x1f\x8b\x08\x00".to_vec());
    });
    assert!(e.starts_with("Patch3 (frob-2.1-changelog.patch) is compressed"), "{e}");
    let e = error(&|d| {
        d.files.insert("distgit.toml".into(), b"[upstream]\nbogus = 1\n".to_vec());
    });
    assert!(e.starts_with("dist-git commit 0123456789abcdef0123456789abcdef01234567: "), "{e}");
    assert!(e.contains("unknown key `upstream.bogus`"), "{e}");
}
