//! Reading a trust policy: the `[trust]` table of a `distgit.toml` and the certificate
//! files it names, from disk or from a commit's tree. Certificates are parsed once here.

use super::TrustError;
use crate::config::{self, TrustConfig};
use sequoia_openpgp::cert::{Cert, CertParser};
use sequoia_openpgp::parse::Parse;
use std::path::Path;

/// Who may sign: the listed primary-key fingerprints and the certificates holding the keys.
#[derive(Debug, Clone)]
pub struct Policy {
    certs: Vec<Cert>,
    signers: Vec<String>,
}

impl Policy {
    /// The `[trust]` table of a `distgit.toml` on disk (`--policy FILE`); certificate paths
    /// are relative to the file's directory. `Ok(None)`: the file has no `[trust]` table.
    pub fn from_file(path: &Path) -> Result<Option<Policy>, TrustError> {
        let label = path.display().to_string();
        let text = read_text(path, &label)?;
        let Some(trust) = parse_trust(&text, &label)? else {
            return Ok(None);
        };
        let dir = path.parent().unwrap_or(Path::new(""));
        let read = |cert: &str| std::fs::read(dir.join(cert)).map_err(|e| missing(&label, cert, e.to_string()));
        Policy::build(&trust, &label, read).map(Some)
    }

    /// The `[trust]` table of `<dir>/distgit.toml` in `commit`'s tree (`dir` is `""` for the
    /// root of a dist-git branch, `".distro"` for source-git); certificate paths are resolved
    /// in the same tree relative to `dir`. `Ok(None)`: no such file, or no `[trust]` table.
    pub fn from_commit(repo: &gix::Repository, commit: gix::ObjectId, dir: &str) -> Result<Option<Policy>, TrustError> {
        let dir = dir.trim_end_matches('/');
        let join = |name: &str| if dir.is_empty() { name.to_owned() } else { format!("{dir}/{name}") };
        let toml_path = join("distgit.toml");
        let short = commit.to_hex_with_len(12).to_string();
        let label = format!("{short}:{toml_path}");
        let tree = repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| TrustError::Git { what: format!("reading the tree of {commit}"), message: e.to_string() })?;
        let Some(bytes) = read_tree_blob(repo, &tree, &toml_path, &label)? else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes).map_err(|e| not_utf8(&label, e))?;
        let Some(trust) = parse_trust(&text, &label)? else {
            return Ok(None);
        };
        let read = |cert: &str| {
            let path = join(cert);
            read_tree_blob(repo, &tree, &path, &format!("{short}:{path}"))?
                .ok_or_else(|| missing(&label, cert, format!("not in the tree of {short}")))
        };
        Policy::build(&trust, &label, read).map(Some)
    }

    /// A policy from certificates already parsed (tests, callers holding a keyring).
    pub fn new(certs: Vec<Cert>, signers: Vec<String>) -> Policy {
        let signers = signers.into_iter().map(|s| s.replace(' ', "").to_ascii_uppercase()).collect();
        Policy { certs, signers }
    }

    /// The trusted primary-key fingerprints, uppercase 40-hex.
    pub fn signers(&self) -> &[String] {
        &self.signers
    }

    /// The certificates, as parsed once.
    pub fn certs(&self) -> &[Cert] {
        &self.certs
    }

    /// Whether `fingerprint` (uppercase hex) is a listed signer.
    pub fn is_signer(&self, fingerprint: &str) -> bool {
        self.signers.iter().any(|s| s == fingerprint)
    }

    fn build(
        trust: &TrustConfig,
        label: &str,
        mut read: impl FnMut(&str) -> Result<Vec<u8>, TrustError>,
    ) -> Result<Policy, TrustError> {
        let mut certs = Vec::new();
        for cert in &trust.certificates {
            certs.extend(parse_certs(&read(cert)?, label, cert)?);
        }
        Ok(Policy { certs, signers: trust.signers.clone() })
    }
}

/// The `[trust]` table of a `distgit.toml`, the whole file validated.
fn parse_trust(text: &str, label: &str) -> Result<Option<TrustConfig>, TrustError> {
    let config = config::load(Some(text), None)
        .map_err(|e| TrustError::Config { file: label.to_owned(), source: Box::new(e.in_file(label)) })?;
    Ok(config.trust)
}

/// Every certificate of an armored (or binary) keyring, secret parts dropped.
fn parse_certs(bytes: &[u8], label: &str, cert: &str) -> Result<Vec<Cert>, TrustError> {
    let bad = |message: String| TrustError::BadCertificate { policy: label.to_owned(), cert: cert.to_owned(), message };
    let parser = CertParser::from_bytes(bytes).map_err(|e| bad(e.to_string()))?;
    let certs = parser.map(|c| c.map(Cert::strip_secret_key_material)).collect::<Result<Vec<_>, _>>();
    let certs = certs.map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no certificate in it".into()));
    }
    Ok(certs)
}

fn read_text(path: &Path, label: &str) -> Result<String, TrustError> {
    let bytes = std::fs::read(path).map_err(|source| TrustError::Io { path: label.to_owned(), source })?;
    String::from_utf8(bytes).map_err(|e| not_utf8(label, e))
}

fn not_utf8(label: &str, e: std::string::FromUtf8Error) -> TrustError {
    let source = std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error());
    TrustError::Io { path: label.to_owned(), source }
}

fn missing(label: &str, cert: &str, why: String) -> TrustError {
    TrustError::MissingCertificate { policy: label.to_owned(), cert: cert.to_owned(), why }
}

/// The blob at `path` in `tree`; `None` when absent or not a file.
fn read_tree_blob(
    repo: &gix::Repository,
    tree: &gix::Tree<'_>,
    path: &str,
    label: &str,
) -> Result<Option<Vec<u8>>, TrustError> {
    let err = |e: &dyn std::fmt::Display| TrustError::Git { what: format!("reading {label}"), message: e.to_string() };
    let Some(entry) = tree.lookup_entry_by_path(path).map_err(|e| err(&e))? else {
        return Ok(None);
    };
    if !entry.mode().is_blob() {
        return Ok(None);
    }
    let blob = repo.find_blob(entry.object_id()).map_err(|e| err(&e))?;
    Ok(Some(blob.data.clone()))
}
