//! What a sync run opens once, shared by the remote helper and the post-receive hook so both
//! push dist-git through the same code: the lookaside named by the settings, the dist-git
//! cache, the bot's signing key, and the post-push build command.

use super::address::Address;
use super::cache::Cache;
use super::settings::{self, Settings};
use super::signing::{Signer, SigningError};
use super::sync::SyncRequest;
use super::DistGitError;
use crate::lookaside::{self, Lookaside, LookasideError};
use gix::ObjectId;
use std::io::Write;
use std::path::PathBuf;

/// Why a sync run could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("lookaside `{spec}` (git config distgit.lookaside): {source}")]
    Lookaside {
        spec: String,
        #[source]
        source: Box<LookasideError>,
    },
    #[error(transparent)]
    Cache(#[from] DistGitError),
    #[error(transparent)]
    Signing(#[from] SigningError),
}

/// Opens the lookaside the settings name (its token from the environment).
pub fn open_lookaside(settings: &Settings) -> Result<Box<dyn Lookaside>, SessionError> {
    lookaside::open(&settings.lookaside, lookaside::Secret::from_env())
        .map_err(|source| SessionError::Lookaside { spec: settings.lookaside.clone(), source: Box::new(source) })
}

/// Everything [`super::sync::sync`] needs besides the request, for one source-git repository
/// and one dist-git address.
pub struct Session {
    /// The source-git repository (work tree, or git dir when bare).
    pub source: PathBuf,
    pub address: Address,
    pub settings: Settings,
    pub cache: Cache,
    pub lookaside: Box<dyn Lookaside>,
    /// The bot's key; `None`: commits are unsigned.
    pub signer: Option<Signer>,
}

impl Session {
    /// Reads the settings of `repo` and opens the lookaside, the cache of `address` and the
    /// signing key.
    pub fn open(repo: &gix::Repository, address: Address) -> Result<Session, SessionError> {
        let settings = settings::read(repo);
        let lookaside = open_lookaside(&settings)?;
        let cache = Cache::open(repo.common_dir(), &address.url)?;
        let signer = Signer::from_settings(&settings)?;
        let source = repo.workdir().map(std::path::Path::to_path_buf).unwrap_or_else(|| repo.git_dir().to_path_buf());
        Ok(Session { source, address, settings, cache, lookaside, signer })
    }

    /// A plain sync of `candidate` onto dist-git `branch`: no force, no lease beyond the
    /// fetched head, not a dry run.
    pub fn request<'a>(&'a self, candidate: &'a str, branch: &'a str) -> SyncRequest<'a> {
        SyncRequest {
            source: &self.source,
            candidate,
            branch,
            force: false,
            dry_run: false,
            expected_source: None,
            bot: &self.settings.bot,
            signer: self.signer.as_ref(),
            lookaside: self.lookaside.as_ref(),
            push_options: &[],
        }
    }
}

/// A dist-git push the build command is run for.
#[derive(Debug, Clone, Copy)]
pub struct Built<'a> {
    /// The dist-git URL (as shown: no password).
    pub url: &'a str,
    pub package: &'a str,
    /// The dist-git branch.
    pub branch: &'a str,
    /// The dist-git commit pushed.
    pub commit: ObjectId,
}

/// Runs `distgit.buildCommand` with `sh -c` (env `DISTGIT_URL`, `DISTGIT_PACKAGE`,
/// `DISTGIT_BRANCH`, `DISTGIT_COMMIT`; output to ours; none of our secrets); its failure is reported on stderr,
/// never undoes the push.
pub fn run_build_command(command: &str, pushed: &Built<'_>) {
    let status = super::without_secrets(&mut std::process::Command::new("sh"))
        .args(["-c", command])
        .env("DISTGIT_URL", pushed.url)
        .env("DISTGIT_PACKAGE", pushed.package)
        .env("DISTGIT_BRANCH", pushed.branch)
        .env("DISTGIT_COMMIT", pushed.commit.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit())
        .status();
    let mut err = std::io::stderr().lock();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            let _ = writeln!(err, "distgit: warning: build command `{command}` failed ({s}); the push stands");
        }
        Err(e) => {
            let _ = writeln!(err, "distgit: warning: cannot run build command `{command}`: {e}; the push stands");
        }
    }
}
