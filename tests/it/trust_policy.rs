//! Reading trust policies: `--policy FILE` and `distgit.toml` in a commit's tree, and the
//! errors naming the file and key at fault.

use crate::common::Repo;
use crate::common_sig::*;
use git_distgit::trust::{verify_commit, Policy, TrustError, Verdict};

fn head(repo: &Repo) -> gix::ObjectId {
    gix::ObjectId::from_hex(repo.git(&["rev-parse", "HEAD"]).as_bytes()).expect("id")
}

fn open(repo: &Repo) -> gix::Repository {
    gix::open(&repo.dir).expect("open")
}

#[test]
fn policy_file_with_certificates_relative_to_it() {
    let alice = make_key("Alice <alice@example.org>");
    let tmp = tempfile::tempdir().unwrap();
    let path = policy_dir(&tmp.path().join("policy"), &[&alice], &[&alice]);
    let policy = Policy::from_file(&path).unwrap().unwrap();
    assert_eq!(policy.signers(), [fingerprint(&alice)]);
    let repo = Repo::init();
    repo.write(".distro/x", "x");
    signed_commit(&repo, "Signed", &alice);
    assert!(verify_commit(&open(&repo), head(&repo), &policy).unwrap().is_trusted());
}

#[test]
fn fingerprints_may_have_spaces_and_lower_case() {
    let alice = make_key("Alice <alice@example.org>");
    let tmp = tempfile::tempdir().unwrap();
    let fpr = fingerprint(&alice);
    let spaced: String =
        fpr.to_lowercase().as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ");
    std::fs::write(tmp.path().join("a.asc"), public_armor(&alice)).unwrap();
    let toml = format!("[trust]\nsigners = [\"{spaced}\"]\ncertificates = [\"a.asc\"]\n");
    std::fs::write(tmp.path().join("distgit.toml"), toml).unwrap();
    let policy = Policy::from_file(&tmp.path().join("distgit.toml")).unwrap().unwrap();
    assert_eq!(policy.signers(), [fpr]);
}

#[test]
fn file_without_trust_table_is_no_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("distgit.toml");
    std::fs::write(&path, "package = \"foo\"\n").unwrap();
    assert!(Policy::from_file(&path).unwrap().is_none());
}

fn file_error(toml: &str) -> (TrustError, String) {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("distgit.toml");
    std::fs::write(&path, toml).expect("write");
    std::fs::write(tmp.path().join("bad.asc"), "not a key\n").expect("write");
    let err = Policy::from_file(&path).expect_err("an error");
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "names the file: {text}");
    (err, text)
}

#[test]
fn bad_fingerprint_names_the_key() {
    let (err, text) = file_error("[trust]\nsigners = [\"1234\"]\n");
    assert!(matches!(err, TrustError::Config { .. }));
    assert!(
        text.contains("`trust.signers` = \"1234\": not a primary-key fingerprint; accepted: 40 hex digits"),
        "{text}"
    );
}

#[test]
fn unknown_key_in_trust_table() {
    let (_, text) = file_error("[trust]\nsignrs = []\n");
    assert!(text.contains("unknown key `trust.signrs`; accepted keys here: `signers`, `certificates`"), "{text}");
}

#[test]
fn certificate_path_must_stay_inside() {
    let (_, text) = file_error("[trust]\ncertificates = [\"../x.asc\"]\n");
    assert!(text.contains("`trust.certificates` = \"../x.asc\": path leaves the repository"), "{text}");
}

#[test]
fn missing_certificate_file() {
    let (err, text) = file_error("[trust]\ncertificates = [\"keys/gone.asc\"]\n");
    assert!(matches!(err, TrustError::MissingCertificate { .. }), "{err:?}");
    assert!(text.contains("names \"keys/gone.asc\", which does not exist"), "{text}");
}

#[test]
fn unparsable_certificate_file() {
    let (err, text) = file_error("[trust]\ncertificates = [\"bad.asc\"]\n");
    assert!(matches!(err, TrustError::BadCertificate { .. }), "{err:?}");
    assert!(text.contains("\"bad.asc\" is not a readable OpenPGP certificate"), "{text}");
}

#[test]
fn toml_syntax_error() {
    let (_, text) = file_error("[trust\n");
    assert!(text.contains("syntax error"), "{text}");
}

#[test]
fn missing_policy_file() {
    let err = Policy::from_file(std::path::Path::new("/nonexistent/distgit.toml")).unwrap_err();
    assert!(err.to_string().contains("cannot read trust policy /nonexistent/distgit.toml"), "{err}");
}

#[test]
fn policy_of_source_git_commit_reads_certificates_from_the_tree() {
    let alice = make_key("Alice <alice@example.org>");
    let repo = Repo::init();
    write_trust(&repo, &[&alice], &[&alice]);
    repo.commit("Trust Alice");
    std::fs::remove_dir_all(repo.dir.join(".distro/keys")).unwrap();
    let policy = Policy::from_commit(&open(&repo), head(&repo), ".distro").unwrap().unwrap();
    assert_eq!(policy.signers(), [fingerprint(&alice)]);
    assert_eq!(policy.certs().len(), 1);
}

#[test]
fn policy_of_dist_git_commit_at_the_root() {
    let alice = make_key("Alice <alice@example.org>");
    let repo = Repo::init();
    repo.write("distgit.toml", trust_toml(&[&alice], 1));
    repo.write("keys/0.asc", public_armor(&alice));
    repo.commit("dist-git");
    let policy = Policy::from_commit(&open(&repo), head(&repo), "").unwrap().unwrap();
    assert_eq!(policy.signers(), [fingerprint(&alice)]);
    assert!(Policy::from_commit(&open(&repo), head(&repo), ".distro").unwrap().is_none());
}

#[test]
fn commit_without_distgit_toml_or_trust_table_has_no_policy() {
    let repo = Repo::init();
    repo.write(".distro/foo.spec", "Name: foo\n");
    repo.commit("No config");
    assert!(Policy::from_commit(&open(&repo), head(&repo), ".distro").unwrap().is_none());
    repo.write(".distro/distgit.toml", "package = \"foo\"\n");
    repo.commit("Config without trust");
    assert!(Policy::from_commit(&open(&repo), head(&repo), ".distro").unwrap().is_none());
}

#[test]
fn uncommitted_certificate_is_missing_in_the_tree() {
    let alice = make_key("Alice <alice@example.org>");
    let repo = Repo::init();
    repo.write(".distro/distgit.toml", trust_toml(&[&alice], 1));
    repo.commit("Trust without the key");
    let err = Policy::from_commit(&open(&repo), head(&repo), ".distro").unwrap_err();
    let text = err.to_string();
    assert!(text.contains(":.distro/distgit.toml: `trust.certificates` names \"keys/0.asc\""), "{text}");
    assert!(text.contains("not in the tree of"), "{text}");
}

#[test]
fn bad_trust_table_in_a_commit_names_commit_and_path() {
    let repo = Repo::init();
    repo.write(".distro/distgit.toml", "[trust]\nsigners = [\"xyz\"]\n");
    repo.commit("Bad trust");
    let short = &repo.git(&["rev-parse", "HEAD"])[..12];
    let err = Policy::from_commit(&open(&repo), head(&repo), ".distro").unwrap_err().to_string();
    assert!(err.contains(&format!("{short}:.distro/distgit.toml: `trust.signers` = \"xyz\"")), "{err}");
}

#[test]
fn verdict_of_a_commit_without_trust_is_unaffected_by_the_policy_source() {
    let alice = make_key("Alice <alice@example.org>");
    let repo = Repo::init();
    write_trust(&repo, &[&alice], &[&alice]);
    repo.commit("Unsigned");
    let policy = Policy::from_commit(&open(&repo), head(&repo), ".distro").unwrap().unwrap();
    assert_eq!(verify_commit(&open(&repo), head(&repo), &policy).unwrap(), Verdict::Unsigned);
}
