//! The dist-git side of the status: the branch as the dist-git cache last saw it (after the
//! last push or fetch), or as fetched now with `--fetch`.

use super::StatusError;
use crate::distgit::cache::{self, Cache, REMOTE_NAMESPACE};
use crate::distgit::state::{self, BranchState};
use std::path::Path;

/// The dist-git branch as known locally.
pub(super) struct DistView {
    /// The cache repository it was read from.
    pub repo: gix::Repository,
    pub state: BranchState,
    /// Read just now from dist-git (`--fetch`) rather than from the cache.
    pub fetched: bool,
}

/// Reads `branch` of the dist-git at `url` from its cache below `common_dir`, fetching first
/// when `fetch`; `None` when nothing was ever fetched or pushed (and `fetch` is false).
pub(super) fn read(common_dir: &Path, url: &str, branch: &str, fetch: bool) -> Result<Option<DistView>, StatusError> {
    let (repo, head) = if fetch {
        let cache = Cache::open(common_dir, url).map_err(StatusError::Fetch)?;
        let heads = cache.fetch().map_err(StatusError::Fetch)?;
        let head = heads.get(branch).copied();
        (cache.repo, head)
    } else {
        let Some(repo) = open_cache(common_dir, url)? else { return Ok(None) };
        let name = format!("{REMOTE_NAMESPACE}{branch}");
        let head = repo.try_find_reference(name.as_str()).ok().flatten().and_then(|r| r.try_id().map(|id| id.detach()));
        (repo, head)
    };
    let state = state::read(&repo, head).map_err(StatusError::DistGit)?;
    Ok(Some(DistView { repo, state, fetched: fetch }))
}

/// The cache repository, if it exists and holds at least one fetched or pushed branch.
fn open_cache(common_dir: &Path, url: &str) -> Result<Option<gix::Repository>, StatusError> {
    let dir = cache::cache_dir(common_dir, url);
    if !dir.join("HEAD").is_file() {
        return Ok(None);
    }
    let repo = gix::open(&dir).map_err(|e| StatusError::Git {
        what: format!("opening the dist-git cache {}", dir.display()),
        message: e.to_string(),
    })?;
    let any_branch = repo
        .references()
        .ok()
        .and_then(|refs| refs.prefixed(REMOTE_NAMESPACE).ok().map(|mut it| it.next().is_some()))
        .unwrap_or(false);
    Ok(any_branch.then_some(repo))
}
