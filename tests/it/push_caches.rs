//! What pushes keep between runs: the tarball cache (`.git/distgit/tarballs`: made once per
//! release, reused by later pushes, byte-identical to `git distgit render --out`, a new entry
//! when the release commit or the prefix changes) and the format-patch directory of the
//! dist-git cache; and a push of the commit the branch was last synced from renders nothing.

use crate::common::*;
use crate::remote_push::{bare_git, dist_git, files_in_lookaside, push_ok, url, DistGit};
use git_distgit::distgit::cache::{cache_dir, Cache};
use git_distgit::distgit::commit::Identity;
use git_distgit::distgit::sync::{self, SyncOutcome, SyncRequest};
use git_distgit::lookaside::dir::DirLookaside;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

/// The cached tarballs (`*.data`), sorted.
fn cached(repo: &Repo) -> Vec<PathBuf> {
    let dir = repo.dir.join(".git/distgit/tarballs");
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "data")).collect();
    out.sort();
    out
}

/// The tarball `git distgit render --out` makes (it never uses the cache).
fn rendered_tarball(repo: &Repo, name: &str) -> Vec<u8> {
    let out = repo.path(&format!("out-{name}"));
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    let tarball = std::fs::read_dir(&out)
        .expect("out")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .expect("a tarball in --out");
    std::fs::read(tarball).expect("tarball")
}

/// The SHA-512 in the branch's `sources`.
fn sources_sha(dist: &DistGit, repo: &Repo) -> String {
    let sources = bare_git(dist, repo, &["show", "rawhide:sources"]);
    sources.rsplit(' ').next().expect("sha").to_owned()
}

/// The bytes of every file in the lookaside.
fn lookaside_bytes(dist: &DistGit) -> Vec<Vec<u8>> {
    files_in_lookaside(&dist.lookaside).iter().map(|f| std::fs::read(dist.lookaside.join(f)).expect("read")).collect()
}

#[test]
fn second_push_of_a_release_reuses_the_cached_tarball_with_identical_bytes() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let entries = cached(&repo);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let bytes = std::fs::read(&entries[0]).expect("cached");
    assert_eq!(bytes, rendered_tarball(&repo, "first"), "cache = render --out");
    assert_eq!(lookaside_bytes(&dist), vec![bytes.clone()], "uploaded = cached");
    assert_eq!(cached(&repo), entries, "render --out leaves the cache alone");
    let before = std::fs::metadata(&entries[0]).expect("meta");
    let sha = sources_sha(&dist, &repo);

    repo.write("README", "Hello project\n\nMore.\n");
    repo.commit("Say more");
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert_eq!(cached(&repo), entries);
    let after = std::fs::metadata(&entries[0]).expect("meta");
    assert_eq!((after.ino(), after.mtime_nsec(), after.mtime()), (before.ino(), before.mtime_nsec(), before.mtime()));
    assert_eq!(std::fs::read(&entries[0]).expect("cached"), bytes);
    assert_eq!(sources_sha(&dist, &repo), sha);
}

#[test]
fn a_new_release_commit_gets_a_new_entry() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let first = std::fs::read(&cached(&repo)[0]).expect("cached");
    let sha = sources_sha(&dist, &repo);
    repo.write("README", "Hello project, release 1.1\n");
    repo.commit("Release 1.1");
    repo.tag("v1.1");
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let entries = cached(&repo);
    assert_eq!(entries.len(), 2, "{entries:?}");
    let new: Vec<Vec<u8>> = entries.iter().map(|p| std::fs::read(p).expect("read")).filter(|b| *b != first).collect();
    assert_eq!(new, vec![rendered_tarball(&repo, "v1.1")]);
    assert_ne!(sources_sha(&dist, &repo), sha);
    assert_eq!(sources_sha(&dist, &repo), git_distgit::digest::sha512_hex(&new[0]));
}

#[test]
fn a_new_prefix_gets_a_new_entry() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let first = std::fs::read(&cached(&repo)[0]).expect("cached");
    repo.write(".distro/distgit.toml", "[tarball]\nprefix = \"hello-src-{version}\"\n");
    repo.commit("Packaging: another top directory");
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let entries = cached(&repo);
    assert_eq!(entries.len(), 2, "{entries:?}");
    let new: Vec<Vec<u8>> = entries.iter().map(|p| std::fs::read(p).expect("read")).filter(|b| *b != first).collect();
    assert_eq!(new, vec![rendered_tarball(&repo, "prefix")]);
    let listing = std::process::Command::new("tar").arg("tzf").arg(&entries[0]).output().expect("tar");
    let other = std::process::Command::new("tar").arg("tzf").arg(&entries[1]).output().expect("tar");
    let both = format!("{}{}", String::from_utf8_lossy(&listing.stdout), String::from_utf8_lossy(&other.stdout));
    assert!(both.contains("hello-src-1.0/README") && both.contains("hello-1.0/README"), "{both}");
}

#[test]
fn pushing_the_synced_commit_again_renders_nothing() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let head = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    // A render makes the tarball (the cache is emptied): no tarball cache, no render.
    let tarballs = repo.dir.join(".git/distgit/tarballs");
    std::fs::remove_dir_all(&tarballs).expect("empty the cache");
    let cache = Cache::open(&repo.dir.join(".git"), dist.bare.to_str().expect("utf-8")).expect("cache");
    let heads = cache.fetch().expect("fetch");
    let lookaside = DirLookaside::new(&dist.lookaside);
    let bot = Identity::default();
    let request = SyncRequest {
        source: &repo.dir,
        candidate: "HEAD",
        branch: "rawhide",
        force: false,
        dry_run: false,
        expected_source: None,
        bot: &bot,
        signer: None,
        lookaside: &lookaside,
        push_options: &[],
    };
    let outcome = sync::sync(&cache, &heads, &request).expect("sync");
    assert_eq!(outcome, SyncOutcome::UpToDate);
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide"]), head);
    assert!(!tarballs.exists(), "nothing rendered");
    repo.write("README", "changed\n");
    repo.commit("Change");
    let outcome = sync::sync(&cache, &heads, &request).expect("sync");
    assert!(matches!(outcome, SyncOutcome::Committed { .. }), "{outcome:?}");
    assert!(tarballs.exists(), "a new source-git commit is rendered");
}

/// The `*.patch` files of the dist-git branch.
fn branch_patches(dist: &DistGit, repo: &Repo) -> Vec<String> {
    let files = bare_git(dist, repo, &["ls-tree", "--name-only", "rawhide"]);
    files.lines().filter(|f| f.ends_with(".patch")).map(str::to_owned).collect()
}

fn dir_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).expect("dir").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn patches_go_to_a_kept_directory_without_stale_files_and_a_held_one_is_left_alone() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let cache = cache_dir(&repo.dir.join(".git"), dist.bare.to_str().expect("utf-8"));
    let patch_dir = cache.join("format-patch");
    let patches = branch_patches(&dist, &repo);
    assert_eq!(patches.len(), 5, "{patches:?}");
    assert_eq!(dir_names(&patch_dir), patches);

    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    push_ok(&repo, &["push", &url(&dist), "+HEAD:rawhide"]);
    let fewer = branch_patches(&dist, &repo);
    assert_eq!(fewer.len(), 4, "{fewer:?}");
    assert_eq!(dir_names(&patch_dir), fewer, "the dropped commit's patch is removed");
    assert!(!cache.join("format-patch.lock").exists(), "the lock is released");

    std::fs::write(cache.join("format-patch.lock"), "").expect("lock");
    repo.write("README", "Hello project\n\nMore.\n");
    repo.commit("Say more");
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert_eq!(branch_patches(&dist, &repo).len(), 5);
    assert_eq!(dir_names(&patch_dir), fewer, "another push holds the directory: not touched");
    assert!(cache.join("format-patch.lock").exists(), "another push's lock stays");
}
