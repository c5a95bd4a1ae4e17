//! The source-git side of the status: the upstream release below the tip, the number of
//! downstream patches, and the commits above the last synced one. Every walk is bounded.

use super::memo::Memo;
use super::patches::{self, Ignore};
use super::{CommitLine, StatusError, Upstream};
use crate::render;
use crate::source::{self, release, tree::DISTRO};
use crate::version::TagMatcher;
use gix::ObjectId;
use std::collections::BTreeMap;

/// How many commits the walk for waiting commits looks at, at most (as the sync candidate walk).
pub const MAX_WAITING: usize = 10_000;

/// The release and the patch count (`None`, with the reason in `problems`, when not found).
pub(super) fn upstream(
    repo: &gix::Repository,
    tip: ObjectId,
    files: &BTreeMap<String, Vec<u8>>,
    problems: &mut Vec<String>,
) -> (Option<Upstream>, Option<usize>) {
    match find_release(repo, tip, files) {
        Ok((release, ignore_paths)) => {
            let patches = release_id(&release.commit)
                .and_then(|id| count_patches(repo, tip, id, &ignore_paths))
                .map_err(|e| problems.push(format!("counting the downstream patches: {e}")))
                .ok();
            (Some(Upstream { tag: release.tag, commit: release.commit, version: release.version }), patches)
        }
        Err(message) => {
            problems.push(message);
            (None, None)
        }
    }
}

/// [`patches::count`] with the memo of earlier runs.
fn count_patches(
    repo: &gix::Repository,
    tip: ObjectId,
    release: ObjectId,
    ignore_paths: &[String],
) -> Result<usize, StatusError> {
    let mut memo = Memo::load(repo.common_dir(), ignore_paths);
    let count = patches::count(repo, tip, release, &Ignore::new(ignore_paths), &mut memo)?;
    memo.save();
    Ok(count)
}

/// The release the render would choose for `tip`, and the configured ignore paths.
fn find_release(
    repo: &gix::Repository,
    tip: ObjectId,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<(crate::snapshot::Release, Vec<String>), String> {
    let config = source::read_config(files).map_err(|e| e.to_string())?;
    // The spec's version only matters for an `upstream_ref` commit that no tag names.
    let spec_version = render::load_spec(files, &config).map(|s| s.version()).unwrap_or_default();
    let matcher = TagMatcher::new(&config.upstream).map_err(|e| e.to_string())?;
    let release = release::find(repo, tip, &config.upstream, &matcher, &spec_version).map_err(|e| e.to_string())?;
    Ok((release, config.patches.ignore_paths))
}

fn release_id(hex: &str) -> Result<ObjectId, StatusError> {
    ObjectId::from_hex(hex.as_bytes())
        .map_err(|e| StatusError::Git { what: format!("release commit id {hex}"), message: e.to_string() })
}

/// The commits waiting to sync.
#[derive(Debug, Clone, Default)]
pub(super) struct Waiting {
    /// Newest first.
    pub commits: Vec<CommitLine>,
    /// The walk reached the synced commit.
    pub reached_synced: bool,
}

/// Walks first parents from `tip`, newest first, to `synced` (excluded), stopping at the first
/// commit without `.distro/` or after [`MAX_WAITING`] commits.
pub(super) fn waiting(repo: &gix::Repository, tip: ObjectId, synced: Option<ObjectId>) -> Result<Waiting, StatusError> {
    let mut out = Waiting::default();
    let mut next = Some(tip);
    while let Some(id) = next.take() {
        if Some(id) == synced {
            out.reached_synced = true;
            break;
        }
        let commit = repo.find_commit(id).map_err(super::git_err(format!("reading commit {id}")))?;
        let tree = commit.tree().map_err(super::git_err(format!("reading the tree of {id}")))?;
        if out.commits.len() >= MAX_WAITING || !tree.find_entry(DISTRO).is_some_and(|e| e.mode().is_tree()) {
            break;
        }
        out.commits.push(CommitLine { id: id.to_string(), subject: subject(&commit) });
        next = commit.parent_ids().next().map(|p| p.detach());
    }
    Ok(out)
}

/// The first line of a commit's message.
pub(super) fn subject(commit: &gix::Commit<'_>) -> String {
    let message = commit.message_raw_sloppy();
    String::from_utf8_lossy(message.split(|b| *b == b'\n').next().unwrap_or_default()).trim_end().to_owned()
}
