//! Signature helpers for tests: OpenPGP keys made by sequoia (fixed creation times), signing
//! a commit object and writing it back, a policy file, and a throw-away GnuPG home.

#![allow(dead_code)]

use crate::common::{hermetic, Repo, EPOCH};
use openpgp::cert::prelude::*;
use openpgp::crypto::KeyPair;
use openpgp::packet::signature::SignatureBuilder;
use openpgp::policy::StandardPolicy;
use openpgp::serialize::{Serialize, SerializeInto};
use openpgp::types::{HashAlgorithm, SignatureType};
use openpgp::{Cert, Packet};
use sequoia_openpgp as openpgp;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Creation time of the test keys: 30 days before the fixture commits.
pub const KEY_TIME: i64 = EPOCH - 30 * 86_400;

/// `secs` since the Unix epoch as a `SystemTime`.
pub fn at(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).expect("positive time"))
}

/// A certificate (with secret keys) made by sequoia at [`KEY_TIME`]: an Ed25519
/// certification-only primary key with one Ed25519 signing subkey, no passphrase.
pub fn make_key(user_id: &str) -> Cert {
    key_builder(user_id).add_signing_subkey().generate().expect("generate key").0
}

/// The builder [`make_key`] starts from (user id, [`KEY_TIME`], Cv25519), to add subkeys
/// or an expiry to.
pub fn key_builder(user_id: &str) -> CertBuilder<'static> {
    CertBuilder::new().add_userid(user_id).set_creation_time(at(KEY_TIME)).set_cipher_suite(CipherSuite::Cv25519)
}

/// The primary-key fingerprint, uppercase hex.
pub fn fingerprint(cert: &Cert) -> String {
    cert.fingerprint().to_hex()
}

/// The armored public certificate.
pub fn public_armor(cert: &Cert) -> String {
    String::from_utf8(cert.armored().to_vec().expect("armor cert")).expect("utf-8")
}

/// The armored secret key (what `DISTGIT_SIGNING_KEY` names).
pub fn secret_armor(cert: &Cert) -> String {
    String::from_utf8(cert.as_tsk().armored().to_vec().expect("armor key")).expect("utf-8")
}

/// The secret key pair of the key (primary or subkey) with fingerprint `fpr`, whatever its flags.
pub fn keypair(cert: &Cert, fpr: &openpgp::Fingerprint) -> KeyPair {
    let ka = cert.keys().secret().find(|k| &k.key().fingerprint() == fpr).expect("key in cert");
    ka.key().clone().into_keypair().expect("keypair")
}

/// The first signing-capable key valid at `time`.
pub fn signing_keypair(cert: &Cert, time: SystemTime) -> KeyPair {
    let policy = StandardPolicy::new();
    let ka = cert.keys().with_policy(&policy, time).secret().for_signing().next().expect("a signing key");
    ka.key().clone().into_keypair().expect("keypair")
}

/// How [`sign_bytes`] signs.
#[derive(Debug, Clone)]
pub struct SignOpts {
    /// The key to sign with; `None` = the first signing-capable key at `time`.
    pub key: Option<openpgp::Fingerprint>,
    pub hash: HashAlgorithm,
    /// Signature creation time; `None` = the commit's committer time.
    pub time: Option<SystemTime>,
}

impl Default for SignOpts {
    fn default() -> Self {
        SignOpts { key: None, hash: HashAlgorithm::SHA512, time: None }
    }
}

/// An armored detached binary signature over `payload`.
pub fn sign_bytes(cert: &Cert, payload: &[u8], opts: &SignOpts, time: SystemTime) -> String {
    armor_signatures(vec![signature_packet(cert, payload, opts, time)])
}

/// A detached binary signature packet over `payload`.
pub fn signature_packet(cert: &Cert, payload: &[u8], opts: &SignOpts, time: SystemTime) -> openpgp::packet::Signature {
    let mut signer = match &opts.key {
        Some(fpr) => keypair(cert, fpr),
        None => signing_keypair(cert, time),
    };
    SignatureBuilder::new(SignatureType::Binary)
        .set_signature_creation_time(time)
        .expect("set time")
        .set_hash_algo(opts.hash)
        .sign_message(&mut signer, payload)
        .expect("sign")
}

/// Signature packets in one armor block, as git stores them.
pub fn armor_signatures(sigs: Vec<openpgp::packet::Signature>) -> String {
    let mut out = Vec::new();
    let mut writer = openpgp::armor::Writer::new(&mut out, openpgp::armor::Kind::Signature).expect("armor");
    for sig in sigs {
        Packet::from(sig).serialize(&mut writer).expect("serialize");
    }
    writer.finalize().expect("finalize");
    String::from_utf8(out).expect("utf-8")
}

/// The raw commit object of `rev`.
pub fn raw_commit(repo: &Repo, rev: &str) -> Vec<u8> {
    repo.git_bytes(&["cat-file", "commit", rev])
}

/// The committer time of a raw commit.
fn committer_time(raw: &[u8]) -> SystemTime {
    let text = String::from_utf8_lossy(raw);
    let line = text.lines().find(|l| l.starts_with("committer ")).expect("committer line");
    let mut fields = line.rsplitn(3, ' ');
    let _zone = fields.next();
    at(fields.next().expect("time").parse().expect("number"))
}

/// `raw` (an unsigned commit object) with a `gpgsig` header holding `signature`, where git
/// puts it (the end of the headers).
pub fn with_signature(raw: &[u8], signature: &str) -> Vec<u8> {
    let end = raw.windows(2).position(|w| w == b"\n\n").expect("end of headers") + 1;
    let mut header = String::from("gpgsig");
    for line in signature.trim_end_matches('\n').split('\n') {
        header.push(' ');
        header.push_str(line);
        header.push('\n');
    }
    [&raw[..end], header.as_bytes(), &raw[end..]].concat()
}

/// Writes a commit object and moves the current branch to it; returns its id.
pub fn write_commit(repo: &Repo, raw: &[u8]) -> String {
    use std::io::Write;
    let mut child = repo
        .git_cmd(&["hash-object", "-t", "commit", "-w", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("git hash-object");
    child.stdin.take().expect("stdin").write_all(raw).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "git hash-object failed");
    let id = String::from_utf8(out.stdout).expect("utf-8").trim().to_owned();
    repo.git(&["update-ref", "HEAD", &id]);
    id
}

/// Replaces HEAD (unsigned) by the same commit with `signature` in its `gpgsig` header.
pub fn set_head_signature(repo: &Repo, signature: &str) -> String {
    let raw = raw_commit(repo, "HEAD");
    write_commit(repo, &with_signature(&raw, signature))
}

/// Replaces HEAD (unsigned) by the same commit signed with `cert`'s signing key (SHA-512,
/// at the committer time). Returns the new id.
pub fn sign_head(repo: &Repo, cert: &Cert) -> String {
    sign_head_with(repo, cert, &SignOpts::default())
}

/// [`sign_head`] with a chosen key, hash and time.
pub fn sign_head_with(repo: &Repo, cert: &Cert, opts: &SignOpts) -> String {
    let raw = raw_commit(repo, "HEAD");
    let time = opts.time.unwrap_or_else(|| committer_time(&raw));
    let signature = sign_bytes(cert, &raw, opts, time);
    write_commit(repo, &with_signature(&raw, &signature))
}

/// Commits everything (like [`Repo::commit`]) and signs the commit with `cert`.
pub fn signed_commit(repo: &Repo, message: &str, cert: &Cert) -> String {
    repo.commit(message);
    sign_head(repo, cert)
}

/// Writes `.distro/distgit.toml` with a `[trust]` table trusting `signers` and storing
/// `certs` under `.distro/keys/<n>.asc` (not committed).
pub fn write_trust(repo: &Repo, signers: &[&Cert], certs: &[&Cert]) {
    repo.write(".distro/distgit.toml", trust_toml(signers, certs.len()));
    for (i, cert) in certs.iter().enumerate() {
        repo.write(&format!(".distro/keys/{i}.asc"), public_armor(cert));
    }
}

/// The text of a `distgit.toml` with a `[trust]` table: `signers` and `keys/0.asc` … for
/// `cert_count` certificates.
pub fn trust_toml(signers: &[&Cert], cert_count: usize) -> String {
    let signers: Vec<String> = signers.iter().map(|c| format!("\"{}\"", fingerprint(c))).collect();
    let certs: Vec<String> = (0..cert_count).map(|i| format!("\"keys/{i}.asc\"")).collect();
    format!("[trust]\nsigners = [{}]\ncertificates = [{}]\n", signers.join(", "), certs.join(", "))
}

/// A policy directory on disk: `distgit.toml` + `keys/<n>.asc`; returns the toml's path.
pub fn policy_dir(dir: &Path, signers: &[&Cert], certs: &[&Cert]) -> PathBuf {
    std::fs::create_dir_all(dir.join("keys")).expect("mkdir");
    for (i, cert) in certs.iter().enumerate() {
        std::fs::write(dir.join(format!("keys/{i}.asc")), public_armor(cert)).expect("write cert");
    }
    let path = dir.join("distgit.toml");
    std::fs::write(&path, trust_toml(signers, certs.len())).expect("write toml");
    path
}

/// A throw-away GnuPG home under /tmp (short path for the agent socket); the agent is
/// killed on drop.
pub struct GpgHome {
    pub dir: tempfile::TempDir,
}

impl GpgHome {
    pub fn new() -> GpgHome {
        let dir = tempfile::Builder::new().prefix("g").tempdir_in("/tmp").expect("gpg home");
        GpgHome { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A `gpg` command in this home, unattended, with `extra` options first (e.g.
    /// `--faked-system-time`).
    pub fn gpg_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = hermetic("gpg", self.path());
        cmd.env("GNUPGHOME", self.path())
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args);
        cmd
    }

    /// Runs gpg, asserting success; returns stdout.
    pub fn gpg(&self, args: &[&str]) -> String {
        let out = self.gpg_cmd(args).output().expect("run gpg");
        assert!(out.status.success(), "gpg {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `gpg --quick-gen-key` at the fixed time `time` (seconds); returns the fingerprint.
    pub fn gen_key(&self, user_id: &str, algo: &str, usage: &str, expire: &str, time: i64) -> String {
        let faked = format!("--faked-system-time={time}!");
        self.gpg(&[&faked, "--quick-gen-key", user_id, algo, usage, expire]);
        self.fingerprint(user_id)
    }

    /// The primary fingerprint of the key with `user_id`.
    pub fn fingerprint(&self, user_id: &str) -> String {
        let listing = self.gpg(&["--with-colons", "--list-keys", user_id]);
        let line = listing.lines().find(|l| l.starts_with("fpr:")).expect("fpr line");
        line.split(':').nth(9).expect("fingerprint field").to_owned()
    }

    /// The armored public certificate of `fpr`.
    pub fn export(&self, fpr: &str) -> String {
        self.gpg(&["--armor", "--export", fpr])
    }

    /// A `gpg.program` wrapper script signing at the fixed time `time` with `extra` options.
    pub fn program(&self, time: i64, extra: &str) -> PathBuf {
        let path = self.path().join(format!("gpg-at-{time}"));
        let script = format!("#!/bin/sh\nexec gpg --faked-system-time={time}! {extra} \"$@\"\n");
        std::fs::write(&path, script).expect("write wrapper");
        let _ = Command::new("chmod").arg("+x").arg(&path).status();
        path
    }

    /// `git commit -S` of everything in `repo` with key `fpr`, gpg run through `program`.
    pub fn commit_signed(&self, repo: &Repo, message: &str, fpr: &str, program: &Path) -> Output {
        repo.git(&["add", "-A"]);
        let key = format!("user.signingkey={fpr}");
        let prog = format!("gpg.program={}", program.display());
        let mut cmd = repo.git_cmd(&["-c", &key, "-c", &prog, "commit", "-q", "--allow-empty", "-S", "-m", message]);
        cmd.env("GNUPGHOME", self.path());
        cmd.output().expect("git commit -S")
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = hermetic("gpgconf", self.path()).env("GNUPGHOME", self.path()).args(["--kill", "all"]).output();
    }
}
