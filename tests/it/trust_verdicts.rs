//! One verdict per kind of signature, with keys made by sequoia: `verify_commit` against a
//! policy built from the certificates.

use crate::common::{Repo, EPOCH};
use crate::common_sig::*;
use git_distgit::trust::{verify_commit, Policy, Verdict};
use openpgp::cert::prelude::*;
use openpgp::types::{HashAlgorithm, KeyFlags, ReasonForRevocation};
use openpgp::Cert;
use sequoia_openpgp as openpgp;
use std::time::Duration;

/// A repository with one commit (HEAD, unsigned).
fn repo() -> Repo {
    let repo = Repo::init();
    repo.write(".distro/foo.spec", "Name: foo\n");
    repo.commit("Add packaging");
    repo
}

fn verdict(repo: &Repo, policy: &Policy) -> Verdict {
    let git = gix::open(&repo.dir).expect("open");
    let head = repo.git(&["rev-parse", "HEAD"]);
    verify_commit(&git, gix::ObjectId::from_hex(head.as_bytes()).expect("id"), policy).expect("verify")
}

fn trusting(certs: &[&Cert]) -> Policy {
    Policy::new(certs.iter().map(|c| (*c).clone()).collect(), certs.iter().map(|c| fingerprint(c)).collect())
}

fn alice() -> Cert {
    make_key("Alice <alice@example.org>")
}

#[test]
fn good_signature_by_a_listed_signer_is_trusted() {
    let (repo, alice) = (repo(), alice());
    sign_head(&repo, &alice);
    assert_eq!(
        verdict(&repo, &trusting(&[&alice])),
        Verdict::Trusted { signer: fingerprint(&alice), user_id: Some("Alice <alice@example.org>".into()) }
    );
}

#[test]
fn unsigned_commit() {
    let repo = repo();
    let v = verdict(&repo, &trusting(&[&alice()]));
    assert_eq!(v, Verdict::Unsigned);
    assert_eq!(v.to_string(), "unsigned: sign it with `git commit -S --amend`");
}

#[test]
fn key_in_no_certificate_is_unknown() {
    let (repo, alice, mallory) = (repo(), alice(), make_key("Mallory <m@example.org>"));
    sign_head(&repo, &mallory);
    let subkey = mallory.keys().subkeys().next().unwrap().key().fingerprint().to_hex();
    let v = verdict(&repo, &trusting(&[&alice]));
    assert_eq!(v, Verdict::UnknownKey { issuer: subkey.clone() });
    assert!(v.to_string().contains(&format!("unknown key {subkey}")), "{v}");
}

#[test]
fn known_certificate_not_listed_as_signer_is_not_trusted() {
    let (repo, alice, bob) = (repo(), alice(), make_key("Bob <bob@example.org>"));
    sign_head(&repo, &bob);
    let policy = Policy::new(vec![alice.clone(), bob.clone()], vec![fingerprint(&alice)]);
    let v = verdict(&repo, &policy);
    assert_eq!(v, Verdict::NotTrusted { signer: fingerprint(&bob) });
    assert!(v.to_string().contains("not in `trust.signers`"), "{v}");
}

#[test]
fn key_expired_at_signing_time() {
    let repo = repo();
    let cert = key_builder("Exp <exp@example.org>")
        .add_signing_subkey()
        .set_validity_period(Duration::from_secs(86_400))
        .generate()
        .unwrap()
        .0;
    let policy = trusting(&[&cert]);
    // Signed while valid: still trusted although the key has expired since.
    let key = cert.keys().subkeys().next().unwrap().key().fingerprint();
    let opts = |t| SignOpts { key: Some(key.clone()), time: Some(at(t)), ..SignOpts::default() };
    sign_head_with(&repo, &cert, &opts(KEY_TIME + 3_600));
    assert!(verdict(&repo, &policy).is_trusted());
    repo.commit("Later");
    sign_head_with(&repo, &cert, &opts(KEY_TIME + 2 * 86_400));
    let v = verdict(&repo, &policy);
    assert_eq!(v, Verdict::Expired { signer: fingerprint(&cert) });
    assert!(v.to_string().starts_with("expired: "), "{v}");
}

#[test]
fn hard_revocation_applies_to_every_signature() {
    let (repo, cert) = (repo(), alice());
    let mut primary = keypair(&cert, &cert.fingerprint());
    let rev = CertRevocationBuilder::new()
        .set_reason_for_revocation(ReasonForRevocation::KeyCompromised, b"stolen")
        .unwrap()
        .set_signature_creation_time(at(EPOCH + 86_400))
        .unwrap()
        .build(&mut primary, &cert, None)
        .unwrap();
    let revoked = cert.clone().insert_packets(rev).unwrap().0;
    sign_head(&repo, &cert); // signed before the revocation was made
    let v = verdict(&repo, &trusting(&[&revoked]));
    assert_eq!(v, Verdict::Revoked { signer: fingerprint(&cert) });
    assert!(v.to_string().starts_with("revoked: "), "{v}");
}

#[test]
fn soft_revocation_counts_from_its_time_on() {
    let (repo, cert) = (repo(), alice());
    let mut primary = keypair(&cert, &cert.fingerprint());
    let rev = CertRevocationBuilder::new()
        .set_reason_for_revocation(ReasonForRevocation::KeyRetired, b"retired")
        .unwrap()
        .set_signature_creation_time(at(EPOCH + 86_400))
        .unwrap()
        .build(&mut primary, &cert, None)
        .unwrap();
    let policy = trusting(&[&cert.clone().insert_packets(rev).unwrap().0]);
    sign_head(&repo, &cert); // at EPOCH + 60: before the retirement
    assert!(verdict(&repo, &policy).is_trusted());
    repo.commit("After retirement");
    sign_head_with(&repo, &cert, &SignOpts { time: Some(at(EPOCH + 2 * 86_400)), ..SignOpts::default() });
    assert_eq!(verdict(&repo, &policy), Verdict::Revoked { signer: fingerprint(&cert) });
}

#[test]
fn subkey_without_signing_capability() {
    let repo = repo();
    let cert = key_builder("Enc <enc@example.org>")
        .add_signing_subkey()
        .add_subkey(KeyFlags::empty().set_transport_encryption(), None, CipherSuite::RSA2k)
        .generate()
        .unwrap()
        .0;
    let rsa = |k: &openpgp::packet::Key<_, _>| k.pk_algo() == openpgp::types::PublicKeyAlgorithm::RSAEncryptSign;
    let enc = cert.keys().subkeys().find(|k| rsa(k.key())).expect("the RSA encryption subkey").key().fingerprint();
    sign_head_with(&repo, &cert, &SignOpts { key: Some(enc.clone()), ..SignOpts::default() });
    let v = verdict(&repo, &trusting(&[&cert]));
    assert_eq!(v, Verdict::NotSigningCapable { key: enc.to_hex() });
    assert!(v.to_string().contains("not signing-capable"), "{v}");
}

#[test]
fn sha1_signature_is_refused_by_the_standard_policy() {
    let (repo, cert) = (repo(), alice());
    sign_head_with(&repo, &cert, &SignOpts { hash: HashAlgorithm::SHA1, ..SignOpts::default() });
    let v = verdict(&repo, &trusting(&[&cert]));
    let Verdict::WeakAlgorithm { detail } = &v else { panic!("{v:?}") };
    assert!(detail.contains("SHA1"), "{detail}");
}

#[test]
fn sha256_signature_is_trusted() {
    let (repo, cert) = (repo(), alice());
    sign_head_with(&repo, &cert, &SignOpts { hash: HashAlgorithm::SHA256, ..SignOpts::default() });
    assert!(verdict(&repo, &trusting(&[&cert])).is_trusted());
}

#[test]
fn signature_over_other_content_is_bad() {
    let (repo, cert) = (repo(), alice());
    let raw = raw_commit(&repo, "HEAD");
    let other = String::from_utf8_lossy(&raw).replace("Add packaging", "Add packaging (edited)");
    let signature = sign_bytes(&cert, &raw, &SignOpts::default(), at(EPOCH + 60));
    write_commit(&repo, &with_signature(other.as_bytes(), &signature));
    let v = verdict(&repo, &trusting(&[&cert]));
    assert_eq!(v, Verdict::BadSignature { signer: fingerprint(&cert) });
}

#[test]
fn malformed_signatures() {
    let repo = repo();
    let policy = trusting(&[&alice()]);
    let garbage = "-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n=AAAA\n-----END PGP SIGNATURE-----\n";
    let base = repo.git(&["rev-parse", "HEAD"]);
    for signature in [garbage, "just text\n"] {
        repo.git(&["reset", "-q", "--hard", &base]);
        set_head_signature(&repo, signature);
        let v = verdict(&repo, &policy);
        assert!(matches!(v, Verdict::Malformed { .. }), "{signature:?}: {v:?}");
        assert!(v.to_string().starts_with("malformed signature: "), "{v}");
    }
}

#[test]
fn ssh_and_x509_signatures_are_reported_not_checked() {
    let repo = repo();
    let policy = trusting(&[&alice()]);
    let base = repo.git(&["rev-parse", "HEAD"]);
    set_head_signature(&repo, "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n");
    let v = verdict(&repo, &policy);
    assert_eq!(v, Verdict::SshSignature);
    assert!(v.to_string().starts_with("SSH signature: not accepted by policy"), "{v}");
    repo.git(&["reset", "-q", "--hard", &base]);
    set_head_signature(
        &repo,
        "-----BEGIN SIGNED MESSAGE-----\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\n-----END SIGNED MESSAGE-----\n",
    );
    assert_eq!(verdict(&repo, &policy), Verdict::X509Signature);
}

#[test]
fn ssh_signature_made_by_git_and_ssh_keygen() {
    if !crate::common::require_tool("ssh-keygen") {
        return;
    }
    let repo = repo();
    let key = repo.path("id_ed25519");
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let signing_key = format!("user.signingkey={}.pub", key.display());
    repo.git(&["-c", "gpg.format=ssh", "-c", &signing_key, "commit", "-q", "--allow-empty", "-S", "-m", "ssh"]);
    assert_eq!(verdict(&repo, &trusting(&[&alice()])), Verdict::SshSignature);
}

#[test]
fn one_trusted_signature_among_several_is_enough() {
    let (repo, alice, mallory) = (repo(), alice(), make_key("Mallory <m@example.org>"));
    let raw = raw_commit(&repo, "HEAD");
    let (t, opts) = (at(EPOCH + 60), SignOpts::default());
    let both =
        armor_signatures(vec![signature_packet(&mallory, &raw, &opts, t), signature_packet(&alice, &raw, &opts, t)]);
    write_commit(&repo, &with_signature(&raw, &both));
    assert!(verdict(&repo, &trusting(&[&alice])).is_trusted());
    // Without a trusted one, the first signature's verdict is given.
    assert!(matches!(verdict(&repo, &trusting(&[])), Verdict::UnknownKey { .. }));
}
