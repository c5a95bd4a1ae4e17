//! Fixtures for the hook tests: a bare source-git hosting repository with the post-receive
//! hook installed, the dist-git it syncs to, the bot's key, and a maintainer's clone whose
//! `.distro/distgit.toml` trusts the maintainer's key.

#![allow(dead_code)]

use crate::common::*;
use crate::common_sig::*;
use sequoia_openpgp::Cert;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

/// The hosting side: `hosting.git` (source-git, bare, hook installed), `dist.git` (dist-git,
/// bare, branch `rawhide`), the lookaside directory and the bot's key.
pub struct Server {
    pub hosting: PathBuf,
    pub dist: PathBuf,
    pub lookaside: PathBuf,
    pub bot: Cert,
    pub bot_key: PathBuf,
}

/// A maintainer's source-git clone (the `hello` fixture) whose tip is signed and carries a
/// `[trust]` policy naming the maintainer.
pub struct Maintainer {
    pub repo: Repo,
    pub key: Cert,
}

/// `hello_package()` + `.distro/distgit.toml` trusting a new key, committed signed.
pub fn maintainer() -> Maintainer {
    let repo = hello_package();
    let key = make_key("Alice Maintainer <alice@example.org>");
    write_trust(&repo, &[&key], &[&key]);
    signed_commit(&repo, "Trust Alice's key", &key);
    Maintainer { repo, key }
}

/// Runs git (hermetic, in `home`), asserting success.
pub fn git_in(home: &Path, args: &[&str]) -> String {
    let out = hermetic("git", home).args(args).output().expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

/// `git --git-dir <dir> <args>`.
pub fn git_at(home: &Path, dir: &Path, args: &[&str]) -> String {
    let mut full = vec!["--git-dir", dir.to_str().expect("utf-8")];
    full.extend_from_slice(args);
    git_in(home, &full)
}

/// Runs `git-distgit` (hermetic) with `args`.
pub fn distgit_in(home: &Path, args: &[&str]) -> Output {
    hermetic(env!("CARGO_BIN_EXE_git-distgit"), home).args(args).output().expect("git-distgit")
}

impl Server {
    /// Creates the repositories under `home`, configures the hosting repository (dist-git
    /// `main` → `rawhide`, lookaside, bot key) and installs the post-receive hook.
    pub fn new(home: &Path) -> Server {
        let hosting = home.join("hosting.git");
        let dist = home.join("dist.git");
        let lookaside = home.join("lookaside");
        git_in(home, &["init", "-q", "--bare", "-b", "main", hosting.to_str().expect("utf-8")]);
        git_in(home, &["init", "-q", "--bare", "-b", "rawhide", dist.to_str().expect("utf-8")]);
        let bot = make_key("Dist-git Bot <bot@example.org>");
        let bot_key = home.join("bot.asc");
        std::fs::write(&bot_key, secret_armor(&bot)).expect("write bot key");
        let server = Server { hosting, dist, lookaside, bot, bot_key };
        server.config("distgit.remote", server.dist.to_str().expect("utf-8"));
        server.config("distgit.track", "main:rawhide");
        server.config("distgit.lookaside", server.lookaside.to_str().expect("utf-8"));
        server.config("distgit.signingKey", server.bot_key.to_str().expect("utf-8"));
        server.config("distgit.hookBudget", "120");
        let out = distgit_in(home, &["-C", server.hosting.to_str().expect("utf-8"), "install-hooks", "--server"]);
        assert!(out.status.success(), "install-hooks: {}", String::from_utf8_lossy(&out.stderr));
        server
    }

    /// `git config` in the hosting repository.
    pub fn config(&self, key: &str, value: &str) {
        let home = self.hosting.parent().expect("home");
        git_at(home, &self.hosting, &["config", key, value]);
    }

    /// The `file://` URL of the hosting repository.
    pub fn url(&self) -> String {
        format!("file://{}", self.hosting.display())
    }

    /// The dist-git `rawhide` head, if the branch exists.
    pub fn dist_head(&self) -> Option<String> {
        let home = self.hosting.parent().expect("home");
        let out = hermetic("git", home)
            .args(["--git-dir", self.dist.to_str().expect("utf-8"), "rev-parse", "--verify", "-q", "rawhide"])
            .output()
            .expect("git rev-parse");
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// The source-git commit dist-git `rawhide` was last synced from.
    pub fn synced_from(&self) -> Option<String> {
        self.dist_head()?;
        let home = self.hosting.parent().expect("home");
        let message = git_at(home, &self.dist, &["log", "-1", "--format=%B", "rawhide"]);
        message.lines().find_map(|l| l.strip_prefix("From-source-git-commit: ")).map(str::to_owned)
    }

    /// The worker logs, oldest first.
    pub fn logs(&self) -> Vec<String> {
        let dir = self.hosting.join("distgit").join("log");
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        paths.sort();
        paths.iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()).collect()
    }

    /// Waits (at most 120 s) until `done` holds.
    pub fn wait_until(&self, what: &str, mut done: impl FnMut(&Server) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !done(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}; logs:\n{}", self.logs().join("\n"));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until every worker wrote its `finished` line.
    pub fn wait_for_workers(&self) {
        self.wait_until("the workers to finish", |s| {
            s.logs().iter().all(|log| log.contains("# worker") && log.contains(" finished at "))
        });
    }
}

/// `git push --follow-tags <args>` from `repo` (hermetic; the upstream release tags go
/// along); returns the output.
pub fn push(repo: &Repo, args: &[&str]) -> Output {
    let mut full = vec!["push", "--follow-tags"];
    full.extend_from_slice(args);
    repo.git_cmd(&full).output().expect("git push")
}

/// `git push` that must succeed; returns stderr.
pub fn push_ok(repo: &Repo, args: &[&str]) -> String {
    let out = push(repo, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "git push {args:?} failed:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// `git verify-commit` of `rev` in `dir` by GnuPG with only `cert` imported.
pub fn gpg_verify(home: &Path, dir: &Path, rev: &str, cert: &Cert) -> Output {
    let gpg = GpgHome::new();
    let file = gpg.path().join("cert.asc");
    std::fs::write(&file, public_armor(cert)).expect("write cert");
    gpg.gpg(&["--import", file.to_str().expect("utf-8")]);
    hermetic("git", home)
        .env("GNUPGHOME", gpg.path())
        .args(["--git-dir", dir.to_str().expect("utf-8"), "verify-commit", "-v", rev])
        .output()
        .expect("git verify-commit")
}
