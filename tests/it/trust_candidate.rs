//! The sync candidate: the newest trusted commit of the first-parent walk, and the commits
//! waiting above it.

use crate::common::Repo;
use crate::common_sig::*;
use git_distgit::trust::{candidate, downstream, Policy, Verdict};
use sequoia_openpgp::Cert;

fn id(hex: &str) -> gix::ObjectId {
    gix::ObjectId::from_hex(hex.as_bytes()).expect("id")
}

/// Upstream (no `.distro/`): u1, u2. Downstream: d1 signed by Alice, d2 signed by Alice,
/// d3 unsigned, d4 signed by Mallory. Returns the repo, Alice, and the ids.
fn fixture() -> (Repo, Cert, Vec<String>) {
    let (alice, mallory) = (make_key("Alice <alice@example.org>"), make_key("Mallory <m@example.org>"));
    let repo = Repo::init();
    repo.write("README", "up\n");
    let u1 = repo.commit("Upstream 1");
    repo.write("README", "up 2\n");
    let u2 = repo.commit("Upstream 2");
    repo.write(".distro/foo.spec", "Name: foo\n");
    let d1 = signed_commit(&repo, "Add packaging", &alice);
    repo.write("fix.c", "1\n");
    let d2 = signed_commit(&repo, "Fix one", &alice);
    repo.write("fix.c", "2\n");
    let d3 = repo.commit("Fix two (unsigned)");
    repo.write("fix.c", "3\n");
    let d4 = signed_commit(&repo, "Fix three (Mallory)", &mallory);
    (repo, alice, vec![u1, u2, d1, d2, d3, d4])
}

fn policy(alice: &Cert) -> Policy {
    Policy::new(vec![alice.clone()], vec![fingerprint(alice)])
}

#[test]
fn newest_trusted_commit_is_the_candidate_and_newer_ones_wait() {
    let (repo, alice, ids) = fixture();
    let git = gix::open(&repo.dir).unwrap();
    let found = candidate(&git, id(&ids[5]), &[], &policy(&alice)).unwrap();
    assert_eq!(found.commit, Some(id(&ids[3])));
    let waiting: Vec<_> = found.waiting.iter().map(|w| (w.id, w.subject.as_str(), w.verdict.word())).collect();
    assert_eq!(
        waiting,
        [(id(&ids[5]), "Fix three (Mallory)", "unknown_key"), (id(&ids[4]), "Fix two (unsigned)", "unsigned")]
    );
    assert_eq!(found.waiting[1].verdict, Verdict::Unsigned);
}

#[test]
fn tip_trusted_means_nothing_waits() {
    let (repo, alice, ids) = fixture();
    let git = gix::open(&repo.dir).unwrap();
    let found = candidate(&git, id(&ids[3]), &[], &policy(&alice)).unwrap();
    assert_eq!(found.commit, Some(id(&ids[3])));
    assert!(found.waiting.is_empty());
}

#[test]
fn walk_stops_at_the_last_synced_commit() {
    let (repo, alice, ids) = fixture();
    let git = gix::open(&repo.dir).unwrap();
    let found = candidate(&git, id(&ids[5]), &[id(&ids[3])], &policy(&alice)).unwrap();
    assert_eq!(found.commit, None);
    assert_eq!(found.waiting.len(), 2);
}

#[test]
fn walk_stops_at_upstream_history() {
    let (repo, _, ids) = fixture();
    let git = gix::open(&repo.dir).unwrap();
    let walked = downstream(&git, id(&ids[5]), &[]).unwrap();
    assert_eq!(walked, [id(&ids[5]), id(&ids[4]), id(&ids[3]), id(&ids[2])]);
    // Nobody trusted: every downstream commit waits, no upstream one is looked at.
    let nobody = Policy::new(vec![], vec![]);
    let found = candidate(&git, id(&ids[5]), &[], &nobody).unwrap();
    assert_eq!(found.commit, None);
    assert_eq!(found.waiting.len(), 4);
}

#[test]
fn walk_follows_first_parents_only() {
    let (repo, alice, ids) = fixture();
    // A side branch from d1 with a trusted commit, merged into the unsigned main line.
    repo.git(&["checkout", "-q", "-b", "side", &ids[2]]);
    repo.write("side.c", "s\n");
    let side = signed_commit(&repo, "Side work", &alice);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["reset", "-q", "--hard", &ids[4]]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"]);
    let merge = repo.git(&["rev-parse", "HEAD"]);
    let git = gix::open(&repo.dir).unwrap();
    let walked = downstream(&git, id(&merge), &[]).unwrap();
    assert!(!walked.contains(&id(&side)));
    let found = candidate(&git, id(&merge), &[], &policy(&alice)).unwrap();
    assert_eq!(found.commit, Some(id(&ids[3])));
}
