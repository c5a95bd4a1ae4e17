//! Producing the tarballs named in `sources`: git's archive of the release tag (default) or
//! the upstream release tarball, checked against a known SHA-512.
//!
//! A release's tarball is the same for every push of that release, so pushes keep it in a
//! [`TarballCache`] (`<git common dir>/distgit/tarballs/`) and make it once. An entry is keyed
//! by everything its bytes depend on: for an archive the mode, the release commit (which
//! fixes the tree; `git archive` of a commit also records the commit id and time) and the
//! prefix; for an upstream tarball its verified SHA-512.

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

/// Produces every planned tarball, leaving the files in `dir` when given. With a `cache`, a
/// tarball made before is reused rather than made again, and an artifact without `dir` points
/// at the cached file.
pub fn produce(
    shadow: &ShadowRepo,
    release: &Release,
    plans: &[TarballPlan],
    dir: Option<&Path>,
    cache: Option<&TarballCache>,
) -> Result<Vec<TarballArtifact>, TarballError> {
    plans.iter().map(|plan| produce_one(shadow, release, plan, dir, cache)).collect()
}

fn produce_one(
    shadow: &ShadowRepo,
    release: &Release,
    plan: &TarballPlan,
    dir: Option<&Path>,
    cache: Option<&TarballCache>,
) -> Result<TarballArtifact, TarballError> {
    let dest = dir.map(|d| d.join(&plan.file_name));
    let (Some(cache), Some(key)) = (cache, cache_key(plan, release)) else {
        let sha512 = make(shadow, release, plan, dest.as_deref())?;
        return Ok(TarballArtifact { file_name: plan.file_name.clone(), sha512, path: dest });
    };
    let (cached, sha512) = match cache.lookup(&key) {
        Some(hit) => hit,
        None => cache.store(&key, |tmp| make(shadow, release, plan, Some(tmp)))?,
    };
    let path = match dest {
        Some(dest) => {
            std::fs::copy(&cached, &dest)
                .map_err(|source| TarballError::Write { path: dest.display().to_string(), source })?;
            dest
        }
        None => cached,
    };
    Ok(TarballArtifact { file_name: plan.file_name.clone(), sha512, path: Some(path) })
}

/// The cache key of a plan: a digest of what the tarball's bytes depend on (`None` when the
/// bytes are not known in advance: an upstream tarball without a checksum).
fn cache_key(plan: &TarballPlan, release: &Release) -> Option<String> {
    let what = match &plan.source {
        TarballSource::Archive => format!("archive\0{}\0{}\0", release.commit, plan.prefix),
        TarballSource::Upstream { sha512: Some(sha512), .. } => format!("upstream\0{}\0", sha512.to_ascii_lowercase()),
        TarballSource::Upstream { sha512: None, .. } => return None,
    };
    Some(crate::digest::sha512_hex(what.as_bytes())[..40].to_owned())
}

/// Makes one tarball (to `path` when given) and returns its SHA-512.
fn make(
    shadow: &ShadowRepo,
    release: &Release,
    plan: &TarballPlan,
    path: Option<&Path>,
) -> Result<String, TarballError> {
    Ok(match &plan.source {
        TarballSource::Archive => git::archive_tar_gz(shadow, &release.commit, &plan.prefix, path)?.sha512,
        TarballSource::Upstream { location, sha512 } => {
            let want = sha512.as_deref().ok_or_else(|| TarballError::NoChecksum { file: plan.file_name.clone() })?;
            fetch_checked(&plan.file_name, location, want, path)?
        }
    })
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

/// Tarballs made before, by [`cache_key`]: `<key>.data` holds the bytes and `<key>.sha512`
/// their `<sha512> <size>`. An entry is written to temporary files and renamed into place,
/// data first, so a present `.sha512` means a complete entry; concurrent writers of one key
/// write the same bytes. The [`KEEP`](TarballCache::KEEP) most recently used entries are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarballCache {
    dir: PathBuf,
}

impl TarballCache {
    /// How many entries (releases) are kept; the least recently used beyond that are removed.
    pub const KEEP: usize = 8;

    /// The cache in `dir` (created when first written).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        TarballCache { dir: dir.into() }
    }

    /// The cache of the repository whose common git directory is `common_dir`:
    /// `<common_dir>/distgit/tarballs`.
    pub fn in_common_dir(common_dir: &Path) -> Self {
        TarballCache::new(common_dir.join("distgit").join("tarballs"))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cached file and its SHA-512, if the entry is complete (its size matches).
    fn lookup(&self, key: &str) -> Option<(PathBuf, String)> {
        let meta = self.dir.join(format!("{key}.sha512"));
        let text = std::fs::read_to_string(&meta).ok()?;
        let (sha512, size) = text.trim().split_once(' ')?;
        let data = self.dir.join(format!("{key}.data"));
        let actual = std::fs::metadata(&data).ok()?.len();
        if size.parse::<u64>().ok()? != actual || sha512.len() != 128 {
            return None;
        }
        let _ = std::fs::File::options()
            .append(true)
            .open(&meta)
            .and_then(|f| f.set_modified(std::time::SystemTime::now()));
        Some((data, sha512.to_owned()))
    }

    /// Makes the entry for `key` with `make` (given a path to write, returning the SHA-512).
    fn store(
        &self,
        key: &str,
        make: impl FnOnce(&Path) -> Result<String, TarballError>,
    ) -> Result<(PathBuf, String), TarballError> {
        let write_err = |path: &Path| {
            let path = path.display().to_string();
            move |source| TarballError::Write { path, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(write_err(&self.dir))?;
        let tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(write_err(&self.dir))?;
        let sha512 = make(tmp.path())?;
        let data = self.dir.join(format!("{key}.data"));
        let size = std::fs::metadata(tmp.path()).map_err(write_err(tmp.path()))?.len();
        tmp.persist(&data).map_err(|e| write_err(&data)(e.error))?;
        let meta = self.dir.join(format!("{key}.sha512"));
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(write_err(&self.dir))?;
        std::io::Write::write_all(&mut tmp, format!("{sha512} {size}\n").as_bytes()).map_err(write_err(tmp.path()))?;
        tmp.persist(&meta).map_err(|e| write_err(&meta)(e.error))?;
        self.prune(key);
        Ok((data, sha512))
    }

    /// Removes the least recently used entries beyond [`Self::KEEP`] (never `keep`); best effort.
    fn prune(&self, keep: &str) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        let mut metas: Vec<(std::time::SystemTime, String)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_str()?.strip_suffix(".sha512")?.to_owned();
                Some((e.metadata().ok()?.modified().ok()?, name))
            })
            .filter(|(_, name)| name != keep)
            .collect();
        metas.sort_by_key(|m| std::cmp::Reverse(m.0));
        for (_, name) in metas.iter().skip(Self::KEEP.saturating_sub(1)) {
            let _ = std::fs::remove_file(self.dir.join(format!("{name}.sha512")));
            let _ = std::fs::remove_file(self.dir.join(format!("{name}.data")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_bytes(cache: &TarballCache, key: &str, bytes: &[u8]) -> (PathBuf, String) {
        cache
            .store(key, |path| {
                std::fs::write(path, bytes).map_err(|source| TarballError::Write { path: "t".into(), source })?;
                Ok(crate::digest::sha512_hex(bytes))
            })
            .unwrap()
    }

    #[test]
    fn stored_entries_are_found_and_incomplete_ones_are_not() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = TarballCache::new(tmp.path().join("tarballs"));
        assert_eq!(cache.lookup("k"), None);
        let (path, sha) = store_bytes(&cache, "k", b"tarball bytes");
        assert_eq!(cache.lookup("k"), Some((path.clone(), sha.clone())));
        assert_eq!(std::fs::read(&path).unwrap(), b"tarball bytes");
        std::fs::write(&path, b"truncated").unwrap();
        assert_eq!(cache.lookup("k"), None, "size differs from the recorded one");
        std::fs::write(&path, b"tarball bytes").unwrap();
        std::fs::remove_file(tmp.path().join("tarballs/k.sha512")).unwrap();
        assert_eq!(cache.lookup("k"), None, "no metadata: not complete");
        let leftovers: Vec<_> = std::fs::read_dir(cache.dir()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
    }

    #[test]
    fn only_the_most_recently_used_entries_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = TarballCache::new(tmp.path());
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for i in 0..TarballCache::KEEP {
            store_bytes(&cache, &format!("k{i}"), format!("bytes {i}").as_bytes());
            let meta = std::fs::File::options().append(true).open(tmp.path().join(format!("k{i}.sha512"))).unwrap();
            meta.set_modified(old + std::time::Duration::from_secs(i as u64)).unwrap();
        }
        assert!(cache.lookup("k0").is_some(), "a hit makes k0 the most recently used");
        store_bytes(&cache, "new", b"new bytes");
        assert!(cache.lookup("k1").is_none(), "the least recently used entry is removed");
        assert!(!tmp.path().join("k1.data").exists());
        for key in ["new", "k0", "k2"] {
            assert!(cache.lookup(key).is_some(), "{key} kept");
        }
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 2 * TarballCache::KEEP);
    }

    #[test]
    fn keys_depend_on_mode_commit_and_prefix_only() {
        let release = |commit: &str| Release { tag: "v1".into(), commit: commit.into(), version: "1".into() };
        let plan = |prefix: &str, file: &str| TarballPlan {
            file_name: file.into(),
            prefix: prefix.into(),
            source: TarballSource::Archive,
        };
        let key = |p: &TarballPlan, r: &Release| cache_key(p, r).unwrap();
        let (a, b) = (release(&"a".repeat(40)), release(&"b".repeat(40)));
        assert_eq!(key(&plan("x-1", "x-1.tar.gz"), &a), key(&plan("x-1", "other.tar.gz"), &a));
        assert_ne!(key(&plan("x-1", "x-1.tar.gz"), &a), key(&plan("x-1", "x-1.tar.gz"), &b));
        assert_ne!(key(&plan("x-1", "x-1.tar.gz"), &a), key(&plan("x-2", "x-1.tar.gz"), &a));
        let upstream = |sha: Option<&str>| TarballPlan {
            file_name: "x.tar.gz".into(),
            prefix: "x-1".into(),
            source: TarballSource::Upstream { location: "file:///x".into(), sha512: sha.map(str::to_owned) },
        };
        assert_eq!(cache_key(&upstream(None), &a), None);
        assert_ne!(cache_key(&upstream(Some("ab")), &a), Some(key(&plan("x-1", "x.tar.gz"), &a)));
        assert_eq!(cache_key(&upstream(Some("AB")), &a), cache_key(&upstream(Some("ab")), &b));
    }
}
