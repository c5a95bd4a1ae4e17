//! Commits signed by GnuPG (`git commit -S`) checked by the tool: good, subkey, wrong key,
//! expired, revoked and SHA-1 signatures. Keys are made at fixed times with
//! `--faked-system-time`; signing runs through a `gpg.program` wrapper with a fixed time.

use crate::common::{require_tool, Repo, EPOCH};
use crate::common_sig::*;
use git_distgit::trust::{verify_commit, Policy, Verdict};
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::Cert;

const ALICE: &str = "Alice <alice@example.org>";

fn repo() -> Repo {
    let repo = Repo::init();
    repo.write(".distro/foo.spec", "Name: foo\n");
    repo
}

/// The policy trusting `signers` with the certificates exported from `gpg`.
fn policy(gpg: &GpgHome, certs: &[&str], signers: &[&str]) -> Policy {
    let certs = certs.iter().map(|fpr| Cert::from_bytes(gpg.export(fpr).as_bytes()).expect("cert")).collect();
    Policy::new(certs, signers.iter().map(|s| (*s).to_owned()).collect())
}

/// `git commit -S` at `time` (with extra gpg options), asserting success; the verdict.
fn commit_and_verify(gpg: &GpgHome, repo: &Repo, fpr: &str, time: i64, extra: &str, policy: &Policy) -> Verdict {
    let program = gpg.program(time, extra);
    let out = gpg.commit_signed(repo, "Signed by gpg", fpr, &program);
    assert!(out.status.success(), "git commit -S: {}", String::from_utf8_lossy(&out.stderr));
    let git = gix::open(&repo.dir).expect("open");
    let head = gix::ObjectId::from_hex(repo.git(&["rev-parse", "HEAD"]).as_bytes()).expect("id");
    verify_commit(&git, head, policy).expect("verify")
}

#[test]
fn gpg_signed_commit_is_trusted() {
    if !require_tool("gpg") {
        return;
    }
    let (gpg, repo) = (GpgHome::new(), repo());
    let fpr = gpg.gen_key(ALICE, "ed25519", "sign", "never", KEY_TIME);
    let v = commit_and_verify(&gpg, &repo, &fpr, EPOCH, "", &policy(&gpg, &[&fpr], &[&fpr]));
    assert_eq!(v, Verdict::Trusted { signer: fpr, user_id: Some(ALICE.into()) });
}

#[test]
fn gpg_signing_subkey_counts_for_its_primary_key() {
    if !require_tool("gpg") {
        return;
    }
    let (gpg, repo) = (GpgHome::new(), repo());
    let fpr = gpg.gen_key(ALICE, "ed25519", "cert", "never", KEY_TIME);
    gpg.gpg(&[&format!("--faked-system-time={}!", KEY_TIME + 60), "--quick-add-key", &fpr, "ed25519", "sign"]);
    let v = commit_and_verify(&gpg, &repo, &fpr, EPOCH, "", &policy(&gpg, &[&fpr], &[&fpr]));
    assert_eq!(v, Verdict::Trusted { signer: fpr, user_id: Some(ALICE.into()) });
}

#[test]
fn gpg_wrong_key_is_unknown_or_not_trusted() {
    if !require_tool("gpg") {
        return;
    }
    let (gpg, repo) = (GpgHome::new(), repo());
    let alice = gpg.gen_key(ALICE, "ed25519", "sign", "never", KEY_TIME);
    let bob = gpg.gen_key("Bob <bob@example.org>", "ed25519", "sign", "never", KEY_TIME);
    let v = commit_and_verify(&gpg, &repo, &bob, EPOCH, "", &policy(&gpg, &[&alice], &[&alice]));
    assert_eq!(v, Verdict::UnknownKey { issuer: bob.clone() });
    let git = gix::open(&repo.dir).expect("open");
    let head = gix::ObjectId::from_hex(repo.git(&["rev-parse", "HEAD"]).as_bytes()).expect("id");
    let both = policy(&gpg, &[&alice, &bob], &[&alice]);
    assert_eq!(verify_commit(&git, head, &both).unwrap(), Verdict::NotTrusted { signer: bob });
}

#[test]
fn gpg_key_expired_before_the_signature() {
    if !require_tool("gpg") {
        return;
    }
    let (gpg, repo) = (GpgHome::new(), repo());
    let fpr = gpg.gen_key(ALICE, "ed25519", "sign", "never", KEY_TIME);
    // Sign on day 2, then (on day 1, as far as gpg knows) give the key an expiry on day 1.5:
    // the new self-signature is the newest, so the key had expired when it signed.
    let v = commit_and_verify(&gpg, &repo, &fpr, KEY_TIME + 2 * 86_400, "", &policy(&gpg, &[&fpr], &[&fpr]));
    assert!(v.is_trusted(), "{v:?}");
    gpg.gpg(&[&format!("--faked-system-time={}!", KEY_TIME + 86_400), "--quick-set-expire", &fpr, "seconds=43200"]);
    let git = gix::open(&repo.dir).expect("open");
    let head = gix::ObjectId::from_hex(repo.git(&["rev-parse", "HEAD"]).as_bytes()).expect("id");
    let v = verify_commit(&git, head, &policy(&gpg, &[&fpr], &[&fpr])).unwrap();
    assert_eq!(v, Verdict::Expired { signer: fpr });
}

#[test]
fn gpg_revoked_key() {
    if !require_tool("gpg") {
        return;
    }
    let (gpg, repo) = (GpgHome::new(), repo());
    let fpr = gpg.gen_key(ALICE, "ed25519", "sign", "never", KEY_TIME);
    let v = commit_and_verify(&gpg, &repo, &fpr, EPOCH, "", &policy(&gpg, &[&fpr], &[&fpr]));
    assert!(v.is_trusted(), "{v:?}");
    // The revocation certificate gpg made with the key (reason: none given, so it counts
    // for every signature), with the `:` guard removed, imported.
    let rev_file = gpg.path().join(format!("openpgp-revocs.d/{fpr}.rev"));
    let text = std::fs::read_to_string(rev_file).unwrap().replace(":-----BEGIN", "-----BEGIN");
    let rev_path = gpg.path().join("rev.asc");
    std::fs::write(&rev_path, text).unwrap();
    gpg.gpg(&["--import", rev_path.to_str().unwrap()]);
    let git = gix::open(&repo.dir).expect("open");
    let head = gix::ObjectId::from_hex(repo.git(&["rev-parse", "HEAD"]).as_bytes()).expect("id");
    let v = verify_commit(&git, head, &policy(&gpg, &[&fpr], &[&fpr])).unwrap();
    assert_eq!(v, Verdict::Revoked { signer: fpr });
}

#[test]
fn gpg_sha1_signature_is_refused() {
    if !require_tool("gpg") {
        return;
    }
    let (gpg, repo) = (GpgHome::new(), repo());
    let fpr = gpg.gen_key(ALICE, "rsa2048", "sign", "never", KEY_TIME);
    let v = commit_and_verify(&gpg, &repo, &fpr, EPOCH, "--digest-algo SHA1", &policy(&gpg, &[&fpr], &[&fpr]));
    let Verdict::WeakAlgorithm { detail } = &v else { panic!("{v:?}") };
    assert!(detail.contains("SHA1"), "{detail}");
}
