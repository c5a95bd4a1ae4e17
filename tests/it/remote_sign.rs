//! The bot signs its dist-git commits: with a real `gpg`, a push through the helper with
//! `DISTGIT_SIGNING_KEY` makes a commit `git verify-commit` accepts; a wrong passphrase
//! refuses the push with nothing written; no key means unsigned commits, said once.

use crate::common::*;
use crate::remote_push::{bare_git, dist_git, files_in_lookaside, git_cmd_with_helper, url, DistGit};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A throw-away `GNUPGHOME` (short path under /tmp for the agent's socket); the agent is
/// killed when dropped.
pub struct GpgHome {
    pub dir: tempfile::TempDir,
}

impl GpgHome {
    pub fn new() -> GpgHome {
        let dir = tempfile::Builder::new().prefix("g").tempdir_in("/tmp").expect("gnupg home");
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700)).expect("chmod");
        GpgHome { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `gpg --batch --pinentry-mode loopback --passphrase PASS ARGS`, asserting success.
    pub fn gpg(&self, passphrase: &str, args: &[&str]) -> Vec<u8> {
        let out = self.gpg_output(passphrase, args);
        assert!(out.status.success(), "gpg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    pub fn gpg_output(&self, passphrase: &str, args: &[&str]) -> Output {
        Command::new("gpg")
            .env("GNUPGHOME", self.path())
            .args(["--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", passphrase])
            .args(args)
            .output()
            .expect("run gpg")
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf").env("GNUPGHOME", self.path()).args(["--kill", "all"]).output();
    }
}

/// The bot's key made by gpg: a certification-only primary key with a signing subkey,
/// protected by `passphrase`, exported (armored secret key) into `dir/bot.asc`.
/// Returns (key file, armored certificate).
fn gpg_bot_key(gpg: &GpgHome, passphrase: &str, dir: &Path) -> (PathBuf, Vec<u8>) {
    let uid = "Dist-git Bot <bot@example.org>";
    gpg.gpg(passphrase, &["--quick-gen-key", uid, "ed25519", "cert", "never"]);
    let listing = String::from_utf8(gpg.gpg("", &["--with-colons", "--list-keys", uid])).expect("utf-8");
    let fpr = listing.lines().find_map(|l| l.strip_prefix("fpr:")).expect("fingerprint");
    let fpr = fpr.trim_matches(':').to_owned();
    gpg.gpg(passphrase, &["--quick-add-key", &fpr, "ed25519", "sign", "never"]);
    let secret = gpg.gpg(passphrase, &["--armor", "--export-secret-keys", &fpr]);
    let path = dir.join("bot.asc");
    std::fs::write(&path, secret).expect("write key");
    (path, gpg.gpg("", &["--armor", "--export", &fpr]))
}

/// `git push` through the helper with the signing environment given (and no other).
fn push(repo: &Repo, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = git_cmd_with_helper(repo, args);
    cmd.env_remove("DISTGIT_SIGNING_KEY").env_remove("DISTGIT_SIGNING_PASSPHRASE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("git push")
}

/// `git verify-commit` in the dist-git repository with `GNUPGHOME` = `gpg`.
fn verify_commit(repo: &Repo, dist: &DistGit, gpg: &GpgHome, rev: &str) -> Output {
    hermetic("git", repo.home())
        .env("GNUPGHOME", gpg.path())
        .args(["--git-dir", dist.bare.to_str().expect("utf-8"), "verify-commit", "-v", rev])
        .output()
        .expect("git verify-commit")
}

#[test]
fn a_push_with_a_gpg_made_key_writes_a_commit_git_verify_commit_accepts() {
    if !require_tool("gpg") {
        return;
    }
    let bot_gpg = GpgHome::new();
    let repo = hello_package();
    let dist = dist_git(&repo);
    let (key, cert) = gpg_bot_key(&bot_gpg, "bot pass", repo.home());
    let env = [("DISTGIT_SIGNING_KEY", key.to_str().expect("utf-8")), ("DISTGIT_SIGNING_PASSPHRASE", "bot pass")];
    let out = push(&repo, &["push", &url(&dist), "HEAD:rawhide"], &env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("unsigned"), "{stderr}");

    // A verifier who only imported the bot's certificate.
    let verifier = GpgHome::new();
    let cert_file = repo.path("bot.pub.asc");
    std::fs::write(&cert_file, cert).expect("write cert");
    verifier.gpg("", &["--import", cert_file.to_str().expect("utf-8")]);
    let verified = verify_commit(&repo, &dist, &verifier, "rawhide");
    let report = String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success(), "git verify-commit refused:\n{report}");
    assert!(report.contains("Good signature from \"Dist-git Bot <bot@example.org>\""), "{report}");
    // The signed commit is otherwise the usual bot commit.
    let message = bare_git(&dist, &repo, &["log", "-1", "--format=%B", "rawhide"]);
    assert!(message.contains("From-source-git-commit: "), "{message}");

    // Without the certificate, gpg cannot check it: the signature is real, not decoration.
    let stranger = GpgHome::new();
    assert!(!verify_commit(&repo, &dist, &stranger, "rawhide").status.success());
}

#[test]
fn a_wrong_passphrase_refuses_the_push_and_writes_nothing() {
    if !require_tool("gpg") {
        return;
    }
    let gpg = GpgHome::new();
    let repo = hello_package();
    let dist = dist_git(&repo);
    let (key, _) = gpg_bot_key(&gpg, "right", repo.home());
    let env = [("DISTGIT_SIGNING_KEY", key.to_str().expect("utf-8")), ("DISTGIT_SIGNING_PASSPHRASE", "wrong")];
    let out = push(&repo, &["push", &url(&dist), "HEAD:rawhide"], &env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("wrong passphrase for signing key {}", key.display())), "{stderr}");
    assert!(stderr.contains("signing key unusable"), "{stderr}");
    assert!(!stderr.contains("wrong\n") && !stderr.contains("panicked"), "{stderr}");
    assert_eq!(bare_git(&dist, &repo, &["for-each-ref"]), "", "no dist-git branch written");
    assert!(files_in_lookaside(&dist.lookaside).is_empty(), "nothing uploaded");

    // The passphrase file named by git config works; the environment is not needed.
    let pass_file = repo.path("passphrase");
    std::fs::write(&pass_file, "right\n").expect("write");
    repo.git(&["config", "distgit.signingKey", key.to_str().expect("utf-8")]);
    repo.git(&["config", "distgit.signingPassphraseFile", pass_file.to_str().expect("utf-8")]);
    let out = push(&repo, &["push", &url(&dist), "HEAD:rawhide"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let raw = bare_git(&dist, &repo, &["cat-file", "commit", "rawhide"]);
    assert!(raw.contains("\ngpgsig -----BEGIN PGP SIGNATURE-----\n"), "{raw}");
}

#[test]
fn without_a_key_commits_are_unsigned_and_that_is_said_once() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    let out = push(&repo, &["push", &url(&dist), "HEAD:rawhide", "HEAD:f44"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let note = "distgit: no signing key configured (distgit.signingKey or DISTGIT_SIGNING_KEY): \
                dist-git commits are unsigned";
    assert_eq!(stderr.matches(note).count(), 1, "{stderr}");
    for branch in ["rawhide", "f44"] {
        let raw = bare_git(&dist, &repo, &["cat-file", "commit", branch]);
        assert!(!raw.contains("gpgsig"), "{raw}");
    }
    // Nothing written, nothing to say.
    let out = push(&repo, &["push", &url(&dist), "HEAD:rawhide"], &[]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("unsigned"));
}
