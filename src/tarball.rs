//! Producing the tarballs named in `sources`: git's archive of the release tag (default) or
//! the upstream release tarball, checked against a known SHA-512.

use crate::git::{self, ShadowRepo};
use crate::snapshot::{Release, TarballArtifact};
use std::io::Read;
use std::path::{Path, PathBuf};

/// How one tarball is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarballPlan {
    /// File name in `sources` and the spec.
    pub file_name: String,
    /// Top directory inside the archive (archive mode).
    pub prefix: String,
    pub source: TarballSource,
}

/// Where a tarball's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TarballSource {
    /// `git archive` of the release commit, gzipped with `gzip -n`.
    Archive,
    /// An upstream file: `http(s)://` URL, `file://` URL or local path, with its known SHA-512.
    Upstream { location: String, sha512: Option<String> },
}

/// Why a tarball could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum TarballError {
    #[error(transparent)]
    Git(#[from] git::GitError),
    #[error(
        "upstream tarball {file}: no known checksum; set `tarball.sha512` in .distro/distgit.toml \
         (or keep its line in the dist-git `sources` file)"
    )]
    NoChecksum { file: String },
    #[error("upstream tarball {file} from {location}: SHA-512 is {got}, expected {want}; the download is not the known release")]
    Mismatch { file: String, location: String, got: String, want: String },
    #[error("upstream tarball {file}: cannot read {location}: {message}")]
    Fetch { file: String, location: String, message: String },
    #[error("writing {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("internal error: {0}")]
    Internal(String),
}

/// Produces every planned tarball, leaving the files in `dir` when given.
pub fn produce(
    shadow: &ShadowRepo,
    release: &Release,
    plans: &[TarballPlan],
    dir: Option<&Path>,
) -> Result<Vec<TarballArtifact>, TarballError> {
    plans.iter().map(|plan| produce_one(shadow, release, plan, dir)).collect()
}

fn produce_one(
    shadow: &ShadowRepo,
    release: &Release,
    plan: &TarballPlan,
    dir: Option<&Path>,
) -> Result<TarballArtifact, TarballError> {
    let path = dir.map(|d| d.join(&plan.file_name));
    let sha512 = match &plan.source {
        TarballSource::Archive => git::archive_tar_gz(shadow, &release.commit, &plan.prefix, path.as_deref())?.sha512,
        TarballSource::Upstream { location, sha512 } => {
            let want = sha512.as_deref().ok_or_else(|| TarballError::NoChecksum { file: plan.file_name.clone() })?;
            fetch_checked(&plan.file_name, location, want, path.as_deref())?
        }
    };
    Ok(TarballArtifact { file_name: plan.file_name.clone(), sha512, path })
}

/// Copies an upstream tarball to `dest`, verifying its SHA-512; nothing is left on mismatch.
fn fetch_checked(file: &str, location: &str, want: &str, dest: Option<&Path>) -> Result<String, TarballError> {
    let fetch_err = |message: String| TarballError::Fetch { file: file.into(), location: location.into(), message };
    let mut reader = open(location).map_err(fetch_err)?;
    let (got, _) = crate::digest::copy_hashed(&mut reader, dest).map_err(|e| fetch_err(e.to_string()))?;
    if !got.eq_ignore_ascii_case(want) {
        if let Some(dest) = dest {
            let _ = std::fs::remove_file(dest);
        }
        let (file, location, want) = (file.into(), location.into(), want.to_ascii_lowercase());
        return Err(TarballError::Mismatch { file, location, got, want });
    }
    Ok(got)
}

/// Opens a URL or path for reading.
fn open(location: &str) -> Result<Box<dyn Read>, String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        let response = ureq::get(location).call().map_err(|e| e.to_string())?;
        return Ok(Box::new(response.into_body().into_reader()));
    }
    let path = PathBuf::from(location.strip_prefix("file://").unwrap_or(location));
    let file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
    Ok(Box::new(file))
}
