//! Reads a source-git repository with gix (and git's own patch and archive output) into a
//! [`SourceSnapshot`] plus its [`Config`].

mod commits;
mod plain_diff;
mod previous;
pub(crate) mod release;
pub(crate) mod tree;

pub use previous::{read_previous, PreviousSource};

use crate::config::{self, Config, DISTGIT_TOML, SOURCE_GIT_YAML};
use crate::git::{self, ShadowRepo};
use crate::render;
use crate::snapshot::{PreviousDistGit, SourceSnapshot};
use crate::tarball;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a source-git repository could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: not a git repository (or any parent up to the file system root): {message}")]
    Open { path: String, message: String },
    #[error("cannot resolve `{rev}` to a commit: {message}")]
    BadRev { rev: String, message: String },
    #[error("{what}: {message}")]
    Git { what: String, message: String },
    #[error(
        "commit {commit} has no `.distro/` directory; source-git keeps the spec and its config \
         there (see docs/config.md)"
    )]
    NoDistro { commit: String },
    #[error("{path} is not UTF-8 text")]
    NotText { path: String },
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Release(#[from] release::ReleaseError),
    #[error(transparent)]
    Commits(#[from] commits::CommitsError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Meta(#[from] crate::meta::MetaError),
    #[error(transparent)]
    Subprocess(#[from] git::GitError),
    #[error(transparent)]
    Tarball(#[from] tarball::TarballError),
    #[error("reading the dist-git checkout {path}: {message}")]
    Previous { path: String, message: String },
}

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The candidate revision (default `HEAD`).
    pub rev: Option<String>,
    /// The existing dist-git state to compare with and continue from.
    pub previous: Option<PreviousSource>,
    /// Where to leave tarballs; `None` hashes them without keeping the bytes (unless cached).
    pub tarball_dir: Option<PathBuf>,
    /// Reuse tarballs made before (and keep new ones) in this cache; the artifacts then point
    /// at the cached files when `tarball_dir` is `None`.
    pub tarball_cache: Option<tarball::TarballCache>,
    /// Where `git format-patch` writes its files (e.g. the `--out` staging directory, so that
    /// patches need not be written twice); a temporary directory when `None`.
    pub patch_dir: Option<PathBuf>,
}

/// A snapshot and the configuration it was read with.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub snapshot: SourceSnapshot,
    pub config: Config,
}

/// Reads the source-git repository at (or above) `path`.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, SourceError> {
    let repo = gix::discover(path)
        .map_err(|e| SourceError::Open { path: path.display().to_string(), message: e.to_string() })?;
    let rev = opts.rev.as_deref().unwrap_or("HEAD");
    let candidate = resolve_commit(&repo, rev)?;
    let mut files = tree::read_distro(&repo, candidate)?;
    let config = read_config(&files)?;
    tree::read_sync_sources(&repo, candidate, &config, &mut files)?;
    let spec = render::load_spec(&files, &config)?;
    let matcher = crate::version::TagMatcher::new(&config.upstream).map_err(release::ReleaseError::from)?;
    let release = release::find(&repo, candidate, &config.upstream, &matcher, &spec.version())?;
    let shadow = ShadowRepo::new(repo.common_dir())?;
    let previous_files = opts.previous.as_ref().map(previous::previous_files).transpose()?;
    let mut plans = render::plan_tarballs(&spec, &config, &release)?;
    known_checksums(&mut plans, previous_files.as_ref());
    // Three jobs at once: the tarballs, the patch ids of the previous patches, and the
    // downstream commits with their patches (git format-patch).
    let (dir, cache) = (opts.tarball_dir.as_deref(), opts.tarball_cache.as_ref());
    let (downstream, tarballs, patch_ids) = std::thread::scope(|s| {
        let tarballs = s.spawn(|| tarball::produce(&shadow, &release, &plans, dir, cache));
        let patch_ids = previous_files.as_ref().map(|files| s.spawn(|| previous::patch_ids(&shadow, files)));
        let with_ids = previous_files.is_some();
        let downstream =
            commits::read(&repo, &shadow, candidate, &release, &config, with_ids, opts.patch_dir.as_deref());
        (downstream, tarballs.join(), patch_ids.map(|h| h.join()))
    });
    let previous = match (previous_files, patch_ids) {
        (Some(files), Some(ids)) => Some(PreviousDistGit { files, patch_ids: ids.map_err(|_| panicked("patch-id"))?? }),
        _ => None,
    };
    let tarballs = tarballs.map_err(|_| tarball::TarballError::Internal("tarball thread panicked".into()))??;
    let snapshot = SourceSnapshot {
        candidate: commits::info(&repo, candidate)?,
        release,
        downstream: downstream?,
        files,
        tarballs,
        previous,
    };
    Ok(Loaded { snapshot, config })
}

/// The error for a worker thread that panicked.
fn panicked(job: &str) -> SourceError {
    SourceError::Git { what: format!("the {job} worker thread"), message: "panicked".into() }
}

/// Resolves `rev` to a commit id.
fn resolve_commit(repo: &gix::Repository, rev: &str) -> Result<gix::ObjectId, SourceError> {
    let spec = format!("{rev}^{{commit}}");
    repo.rev_parse_single(spec.as_str())
        .map(|id| id.detach())
        .map_err(|e| SourceError::BadRev { rev: rev.into(), message: e.to_string() })
}

/// Parses the two config files found under `.distro/`.
pub(crate) fn read_config(files: &BTreeMap<String, Vec<u8>>) -> Result<Config, SourceError> {
    let text = |path: &str| -> Result<Option<&str>, SourceError> {
        files
            .get(path)
            .map(|b| std::str::from_utf8(b).map_err(|_| SourceError::NotText { path: path.into() }))
            .transpose()
    };
    Ok(config::load(text(DISTGIT_TOML)?, text(SOURCE_GIT_YAML)?)?)
}

/// Upstream tarballs without a configured checksum take the one in dist-git's `sources`.
fn known_checksums(plans: &mut [tarball::TarballPlan], previous: Option<&BTreeMap<String, Vec<u8>>>) {
    let Some(sources) = previous.and_then(|files| files.get(render::SOURCES)) else { return };
    let sources = String::from_utf8_lossy(sources);
    for plan in plans {
        if let tarball::TarballSource::Upstream { sha512: sha512 @ None, .. } = &mut plan.source {
            *sha512 = sources
                .lines()
                .filter(|l| l.starts_with("SHA512 ("))
                .find(|l| render::sources_line_file(l) == Some(plan.file_name.as_str()))
                .and_then(|l| l.rsplit_once(" = "))
                .map(|(_, hex)| hex.trim().to_ascii_lowercase());
        }
    }
}
