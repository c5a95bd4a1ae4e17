//! The bot's OpenPGP signing key: loaded once per run from an armored secret key file, it
//! signs every dist-git commit the bot writes (a detached, armored signature over the commit
//! object without its `gpgsig` header, which is what `git verify-commit` checks).
//!
//! The key file comes from env `DISTGIT_SIGNING_KEY` or git config `distgit.signingKey`; its
//! passphrase only from env `DISTGIT_SIGNING_PASSPHRASE` or the file named by git config
//! `distgit.signingPassphraseFile` (never a command-line argument). See `docs/signing.md`.

use super::settings::Settings;
use openpgp::crypto::{KeyPair, Password};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::serialize::stream::{Armorer, Message};
use openpgp::serialize::SerializeInto;
use openpgp::types::HashAlgorithm;
use openpgp::Cert;
use sequoia_openpgp as openpgp;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Environment variable naming the key file (wins over `distgit.signingKey`).
pub const KEY_ENV: &str = "DISTGIT_SIGNING_KEY";
/// Environment variable holding the key's passphrase.
pub const PASSPHRASE_ENV: &str = "DISTGIT_SIGNING_PASSPHRASE";
/// The note printed once per run when no key is configured.
pub const UNSIGNED_NOTE: &str = "distgit: no signing key configured (distgit.signingKey or DISTGIT_SIGNING_KEY): \
                                 dist-git commits are unsigned";

/// The fix every key error ends with.
const KEY_FIX: &str = "set DISTGIT_SIGNING_KEY or git config distgit.signingKey to an armored secret key file \
                       (e.g. from `gpg --export-secret-keys --armor FPR`)";

/// Why the signing key could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("cannot read signing key {}: {source}; {KEY_FIX}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("signing key {} is not an OpenPGP secret key ({reason}); {KEY_FIX}", path.display())]
    NotSecretKey { path: PathBuf, reason: String },
    #[error(
        "signing key {} ({fingerprint}) has no valid signing-capable (sub)key with its secret part \
         (expired, revoked, not signing-capable, or a weak algorithm); add a signing subkey \
         (`gpg --quick-add-key FPR ed25519 sign`) and export it again, or {KEY_FIX}",
        path.display()
    )]
    NoSigningKey { path: PathBuf, fingerprint: String },
    #[error(
        "signing key {} is protected by a passphrase but none is configured; set {PASSPHRASE_ENV} \
         or git config distgit.signingPassphraseFile to a file holding it",
        path.display()
    )]
    MissingPassphrase { path: PathBuf },
    #[error(
        "wrong passphrase for signing key {} (from {origin}); fix {origin}, or point \
         DISTGIT_SIGNING_KEY / distgit.signingKey at the right key",
        path.display()
    )]
    WrongPassphrase { path: PathBuf, origin: String },
    #[error(
        "cannot read the signing key passphrase file {} (git config distgit.signingPassphraseFile): {source}",
        path.display()
    )]
    PassphraseFile { path: PathBuf, source: std::io::Error },
    #[error("signing with key {} failed: {message}", path.display())]
    Sign { path: PathBuf, message: String },
}

/// Where a passphrase came from, for error messages (never the passphrase itself).
struct Passphrase {
    password: Password,
    origin: String,
}

/// The bot's signing key, ready to sign. `Debug` shows the file and fingerprint only.
#[derive(Clone)]
pub struct Signer {
    path: PathBuf,
    cert: Cert,
    keypair: KeyPair,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("path", &self.path)
            .field("certificate", &self.cert.fingerprint().to_hex())
            .field("signing_key", &self.keypair.public().fingerprint().to_hex())
            .finish()
    }
}

impl Signer {
    /// The signer configured in `settings` (env `DISTGIT_SIGNING_KEY` already applied by
    /// [`super::settings::read`]), or `None` when no key is configured.
    pub fn from_settings(settings: &Settings) -> Result<Option<Signer>, SigningError> {
        let Some(path) = &settings.signing_key else { return Ok(None) };
        let passphrase = passphrase(settings.signing_passphrase_file.as_deref())?;
        Signer::load(path, passphrase.as_ref()).map(Some)
    }

    /// Loads the armored secret key at `path`, decrypting its signing key with `passphrase`.
    fn load(path: &Path, passphrase: Option<&Passphrase>) -> Result<Signer, SigningError> {
        let bytes = std::fs::read(path).map_err(|source| SigningError::Read { path: path.into(), source })?;
        let cert = Cert::from_bytes(&bytes)
            .map_err(|e| SigningError::NotSecretKey { path: path.into(), reason: e.to_string() })?;
        if !cert.is_tsk() {
            let reason = "the file holds a certificate (public key) only".to_owned();
            return Err(SigningError::NotSecretKey { path: path.into(), reason });
        }
        let keypair = signing_keypair(path, &cert, passphrase)?;
        Ok(Signer { path: path.into(), cert: cert.strip_secret_key_material(), keypair })
    }

    /// The primary key fingerprint of the bot's certificate (uppercase hex).
    pub fn fingerprint(&self) -> String {
        self.cert.fingerprint().to_hex()
    }

    /// The bot's certificate (public parts only), armored: what verifiers import.
    pub fn certificate(&self) -> Result<String, SigningError> {
        let armored = self.cert.armored().to_vec().map_err(|e| self.sign_err(e))?;
        String::from_utf8(armored).map_err(|e| self.sign_err(e))
    }

    /// An armored detached signature (SHA-512) over `payload`.
    pub fn sign(&self, payload: &[u8]) -> Result<String, SigningError> {
        let mut sink = Vec::new();
        let message = Message::new(&mut sink);
        let message =
            Armorer::new(message).kind(openpgp::armor::Kind::Signature).build().map_err(|e| self.sign_err(e))?;
        let mut signer = openpgp::serialize::stream::Signer::new(message, self.keypair.clone())
            .and_then(|s| s.hash_algo(HashAlgorithm::SHA512))
            .map_err(|e| self.sign_err(e))?
            .detached()
            .build()
            .map_err(|e| self.sign_err(e))?;
        signer.write_all(payload).map_err(|e| self.sign_err(e))?;
        signer.finalize().map_err(|e| self.sign_err(e))?;
        String::from_utf8(sink).map_err(|e| self.sign_err(e))
    }

    fn sign_err(&self, e: impl std::fmt::Display) -> SigningError {
        SigningError::Sign { path: self.path.clone(), message: e.to_string() }
    }
}

/// The first valid signing-capable key of `cert` whose secret is usable (decrypted with
/// `passphrase` when protected).
fn signing_keypair(path: &Path, cert: &Cert, passphrase: Option<&Passphrase>) -> Result<KeyPair, SigningError> {
    let policy = StandardPolicy::new();
    let candidates: Vec<_> = cert
        .keys()
        .with_policy(&policy, None)
        .supported()
        .alive()
        .revoked(false)
        .for_signing()
        .secret()
        .map(|ka| ka.key().clone())
        .collect();
    if candidates.is_empty() {
        return Err(SigningError::NoSigningKey { path: path.into(), fingerprint: cert.fingerprint().to_hex() });
    }
    let mut wrong = None;
    for key in candidates {
        if !key.secret().is_encrypted() {
            if let Ok(pair) = key.into_keypair() {
                return Ok(pair);
            }
            continue;
        }
        let Some(pass) = passphrase else { return Err(SigningError::MissingPassphrase { path: path.into() }) };
        match key.decrypt_secret(&pass.password).and_then(|k| k.into_keypair()) {
            Ok(pair) => return Ok(pair),
            Err(_) => wrong = Some(pass.origin.clone()),
        }
    }
    match wrong {
        Some(origin) => Err(SigningError::WrongPassphrase { path: path.into(), origin }),
        None => Err(SigningError::NoSigningKey { path: path.into(), fingerprint: cert.fingerprint().to_hex() }),
    }
}

/// The passphrase from env `DISTGIT_SIGNING_PASSPHRASE`, else from `file` (one trailing
/// newline dropped), else none.
fn passphrase(file: Option<&Path>) -> Result<Option<Passphrase>, SigningError> {
    if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
        let password = Password::from(value.into_encoded_bytes());
        return Ok(Some(Passphrase { password, origin: format!("env {PASSPHRASE_ENV}") }));
    }
    let Some(file) = file else { return Ok(None) };
    let mut bytes = std::fs::read(file).map_err(|source| SigningError::PassphraseFile { path: file.into(), source })?;
    for end in [b'\n', b'\r'] {
        if bytes.last() == Some(&end) {
            bytes.pop();
        }
    }
    let origin = format!("the passphrase file {} (git config distgit.signingPassphraseFile)", file.display());
    Ok(Some(Passphrase { password: Password::from(bytes), origin }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "signing_tests.rs"]
mod tests;
