//! Unit tests of the bot's signer, with keys made by sequoia (the gpg round trip is in
//! `tests/it/remote_sign.rs`).

use super::*;
use openpgp::cert::CertBuilder;
use openpgp::serialize::SerializeInto;
use openpgp::Packet;

/// Writes `bytes` to a fresh file; returns (dir guard, path).
fn file(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.asc");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn tsk(cert: &Cert) -> Vec<u8> {
    cert.as_tsk().armored().to_vec().unwrap()
}

fn pass(s: &str) -> Passphrase {
    Passphrase { password: Password::from(s), origin: "env DISTGIT_SIGNING_PASSPHRASE".into() }
}

fn bot_cert(password: Option<&str>) -> Cert {
    CertBuilder::general_purpose(Some("Bot <bot@example.org>"))
        .set_password(password.map(Password::from))
        .generate()
        .unwrap()
        .0
}

#[test]
fn signs_a_detached_armored_sha512_signature_that_verifies() {
    let cert = bot_cert(None);
    let (_dir, path) = file(&tsk(&cert));
    let signer = Signer::load(&path, None).unwrap();
    assert_eq!(signer.fingerprint(), cert.fingerprint().to_hex());
    let armored = signer.sign(b"tree 123\n\nmessage\n").unwrap();
    assert!(armored.starts_with("-----BEGIN PGP SIGNATURE-----\n"), "{armored}");
    let Packet::Signature(sig) = Packet::from_bytes(armored.as_bytes()).unwrap() else { panic!("not a signature") };
    assert_eq!(sig.hash_algo(), HashAlgorithm::SHA512);
    let policy = StandardPolicy::new();
    let key = cert.keys().with_policy(&policy, None).for_signing().next().unwrap().key().clone();
    sig.verify_message(&key, b"tree 123\n\nmessage\n").unwrap();
    assert!(sig.verify_message(&key, b"tree 124\n\nmessage\n").is_err());
}

#[test]
fn a_protected_key_is_unlocked_with_its_passphrase() {
    let cert = bot_cert(Some("s3cret"));
    let (_dir, path) = file(&tsk(&cert));
    let signer = Signer::load(&path, Some(&pass("s3cret"))).unwrap();
    assert!(signer.sign(b"x").is_ok());
}

#[test]
fn a_wrong_passphrase_names_the_file_and_where_it_came_from() {
    let (_dir, path) = file(&tsk(&bot_cert(Some("s3cret"))));
    let err = Signer::load(&path, Some(&pass("nope"))).unwrap_err();
    assert!(matches!(err, SigningError::WrongPassphrase { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()) && msg.contains("DISTGIT_SIGNING_PASSPHRASE"), "{msg}");
    assert!(!msg.contains("nope"), "the passphrase is never shown: {msg}");
}

#[test]
fn a_missing_passphrase_says_how_to_give_one() {
    let (_dir, path) = file(&tsk(&bot_cert(Some("s3cret"))));
    let msg = Signer::load(&path, None).unwrap_err().to_string();
    assert!(msg.contains("protected by a passphrase") && msg.contains("distgit.signingPassphraseFile"), "{msg}");
}

#[test]
fn a_certificate_without_secret_is_refused() {
    let cert = bot_cert(None);
    let (_dir, path) = file(&cert.armored().to_vec().unwrap());
    let err = Signer::load(&path, None).unwrap_err();
    assert!(err.to_string().contains("certificate (public key) only"), "{err}");
    assert!(err.to_string().contains("gpg --export-secret-keys"), "{err}");
}

#[test]
fn a_file_that_is_no_key_and_a_missing_file_are_refused() {
    let (_dir, path) = file(b"hello, not a key\n");
    let err = Signer::load(&path, None).unwrap_err();
    assert!(matches!(err, SigningError::NotSecretKey { .. }), "{err:?}");
    let missing = path.with_file_name("absent.asc");
    let err = Signer::load(&missing, None).unwrap_err();
    assert!(matches!(err, SigningError::Read { .. }) && err.to_string().contains("absent.asc"), "{err}");
}

#[test]
fn a_key_without_a_signing_capable_key_is_refused() {
    let (cert, _) =
        CertBuilder::new().add_userid("Enc only <e@example.org>").add_transport_encryption_subkey().generate().unwrap();
    let (_dir, path) = file(&tsk(&cert));
    let err = Signer::load(&path, None).unwrap_err();
    assert!(matches!(err, SigningError::NoSigningKey { .. }), "{err:?}");
    assert!(err.to_string().contains(&cert.fingerprint().to_hex()), "{err}");
}

#[test]
fn a_signing_subkey_is_used_when_the_primary_only_certifies() {
    let (cert, _) = CertBuilder::new().add_userid("Sub <s@example.org>").add_signing_subkey().generate().unwrap();
    let (_dir, path) = file(&tsk(&cert));
    let signer = Signer::load(&path, None).unwrap();
    assert_ne!(signer.keypair.public().fingerprint(), cert.fingerprint());
    assert!(signer.sign(b"payload").is_ok());
}

#[test]
fn debug_shows_no_key_material() {
    let cert = bot_cert(None);
    let (_dir, path) = file(&tsk(&cert));
    let signer = Signer::load(&path, None).unwrap();
    let debug = format!("{signer:?}");
    let subkey = signer.keypair.public().fingerprint().to_hex();
    let expected =
        format!("Signer {{ path: {path:?}, certificate: {:?}, signing_key: {subkey:?} }}", cert.fingerprint().to_hex());
    assert_eq!(debug, expected);
    assert!(!signer.certificate().unwrap().contains("PRIVATE KEY"));
}

#[test]
fn the_passphrase_file_loses_its_trailing_newline() {
    if std::env::var_os(PASSPHRASE_ENV).is_some() {
        return; // the environment wins; nothing to test here
    }
    let (_dir, path) = file(b"s3cret\n");
    let p = passphrase(Some(&path)).unwrap().unwrap();
    let (_d2, key) = file(&tsk(&bot_cert(Some("s3cret"))));
    assert!(Signer::load(&key, Some(&p)).is_ok());
    assert!(p.origin.contains("distgit.signingPassphraseFile"));
    let err = passphrase(Some(&path.with_file_name("none"))).err().unwrap();
    assert!(err.to_string().contains("distgit.signingPassphraseFile"), "{err}");
}
