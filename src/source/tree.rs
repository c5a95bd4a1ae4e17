//! Reading blobs from the candidate commit's tree.

use super::SourceError;
use crate::config::Config;
use gix::ObjectId;
use std::collections::BTreeMap;

/// The directory source-git keeps its packaging in.
pub const DISTRO: &str = ".distro";

fn git_err(what: impl Into<String>) -> impl FnOnce(gix::Error) -> SourceError {
    let what = what.into();
    move |e| SourceError::Git { what, message: e.to_string() }
}

/// Every blob under `.distro/` at `commit`, keyed by repository path.
pub fn read_distro(repo: &gix::Repository, commit: ObjectId) -> Result<BTreeMap<String, Vec<u8>>, SourceError> {
    let mut files = BTreeMap::new();
    if !read_path(repo, commit, DISTRO, &mut files)? {
        return Err(SourceError::NoDistro { commit: commit.to_string() });
    }
    Ok(files)
}

/// Adds the sources of sync rules that live outside `.distro/`.
pub fn read_sync_sources(
    repo: &gix::Repository,
    commit: ObjectId,
    config: &Config,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), SourceError> {
    for rule in &config.sync {
        let src = rule.src.trim_end_matches('/');
        if src == DISTRO || src.starts_with(".distro/") {
            continue;
        }
        read_path(repo, commit, src, files)?;
    }
    Ok(())
}

/// Reads the blob or subtree at `path` into `files`; false when the path does not exist.
fn read_path(
    repo: &gix::Repository,
    commit: ObjectId,
    path: &str,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<bool, SourceError> {
    let tree =
        repo.find_commit(commit).and_then(|c| c.tree()).map_err(git_err(format!("reading the tree of {commit}")))?;
    let Some(entry) = tree.lookup_entry_by_path(path).map_err(git_err(format!("looking up {path}")))? else {
        return Ok(false);
    };
    if entry.mode().is_tree() {
        let sub = repo.find_tree(entry.object_id()).map_err(git_err(format!("reading {path}")))?;
        for rec in sub.traverse().breadthfirst.files().map_err(git_err(format!("walking {path}")))? {
            if rec.mode.is_blob() || rec.mode.is_link() {
                let full = format!("{path}/{}", rec.filepath);
                files.insert(full.clone(), read_blob(repo, rec.oid, &full)?);
            }
        }
    } else if entry.mode().is_blob() || entry.mode().is_link() {
        files.insert(path.to_owned(), read_blob(repo, entry.object_id(), path)?);
    }
    Ok(true)
}

fn read_blob(repo: &gix::Repository, id: ObjectId, path: &str) -> Result<Vec<u8>, SourceError> {
    let blob = repo.find_blob(id).map_err(git_err(format!("reading {path}")))?;
    Ok(blob.data.clone())
}

/// Whether any `.gitattributes` in the release commit's tree mentions `export-ignore`; when
/// none does, `git archive` leaves nothing out and the attribute lookup can be skipped.
pub fn uses_export_ignore(repo: &gix::Repository, commit: &str) -> Result<bool, super::commits::CommitsError> {
    let err = |what: &str| {
        let what = what.to_owned();
        move |e: gix::Error| super::commits::CommitsError::Git { what, message: e.to_string() }
    };
    let id = ObjectId::from_hex(commit.as_bytes())
        .map_err(|e| super::commits::CommitsError::Git { what: "release commit id".into(), message: e.to_string() })?;
    let tree = repo.find_commit(id).and_then(|c| c.tree()).map_err(err("reading the release tree"))?;
    let entries = tree.traverse().breadthfirst.files().map_err(err("walking the release tree"))?;
    for entry in entries
        .iter()
        .filter(|e| e.mode.is_blob() && e.filepath.rsplit(|b| *b == b'/').next() == Some(&b".gitattributes"[..]))
    {
        let blob = repo.find_blob(entry.oid).map_err(err("reading .gitattributes"))?;
        if blob.data.windows(b"export-ignore".len()).any(|w| w == b"export-ignore") {
            return Ok(true);
        }
    }
    Ok(false)
}
