//! `distgit.remote` / `distgit.track` read from a real repository's git config.

use crate::common::Repo;
use git_distgit::distgit::tracking::{self, TrackingError};

fn open(repo: &Repo) -> gix::Repository {
    gix::open(&repo.dir).expect("open")
}

#[test]
fn the_only_distgit_remote_is_tracked_and_track_maps_branches() {
    let repo = Repo::init();
    repo.git(&["remote", "add", "origin", "https://example.org/hello.git"]);
    repo.git(&["remote", "add", "fedora", "distgit::/srv/rpms/hello.git"]);
    repo.git(&["config", "--add", "distgit.track", "main:rawhide"]);
    repo.git(&["config", "--add", "distgit.track", "f4*"]);
    let t = tracking::read(&open(&repo)).unwrap();
    assert_eq!(t.address.url, "/srv/rpms/hello.git");
    assert_eq!(t.origin, "remote.fedora.url");
    assert_eq!(t.dist_git_branch("main").as_deref(), Some("rawhide"));
    assert_eq!(t.dist_git_branch("f42").as_deref(), Some("f42"));
    assert_eq!(t.dist_git_branch("topic"), None);
}

#[test]
fn distgit_remote_wins_and_goes_through_the_url_template() {
    let repo = Repo::init();
    repo.git(&["remote", "add", "a", "distgit::one"]);
    repo.git(&["remote", "add", "b", "distgit::two"]);
    assert_eq!(tracking::read(&open(&repo)), Err(TrackingError::Ambiguous(vec!["a".into(), "b".into()])));
    repo.git(&["config", "distgit.url", "file:///srv/rpms/{pkg}.git"]);
    repo.git(&["config", "distgit.remote", "hello"]);
    let t = tracking::read(&open(&repo)).unwrap();
    assert_eq!(t.address.url, "file:///srv/rpms/hello.git");
    assert_eq!(t.address.package, "hello");
    assert_eq!(t.origin, "git config distgit.remote");
}

#[test]
fn nothing_tracked_says_how_to_set_it() {
    let repo = Repo::init();
    let err = tracking::read(&open(&repo)).unwrap_err();
    assert_eq!(err, TrackingError::NotConfigured);
    assert!(err.to_string().contains("git config distgit.remote"));
}
