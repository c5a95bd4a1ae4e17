//! Writing the bot's dist-git commit with gix: the rendered files replace the owned ones on
//! top of the branch head's tree; everything the render does not own stays.

use super::signing::Signer;
use super::{git_err, DistGitError, FROM_SOURCE_GIT};
use crate::render::DistGitTree;
use gix::object::tree::EntryKind;
use gix::ObjectId;
use std::collections::BTreeMap;

/// Who the bot is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

/// The default bot identity, used when git config sets none.
impl Default for Identity {
    fn default() -> Self {
        Identity { name: "git-distgit".into(), email: "git-distgit@localhost".into() }
    }
}

/// Writes the tree of the new dist-git state: `parent`'s tree, minus the render's deletions,
/// plus the rendered files and `extra` files (an existing file keeps its executable bit).
pub fn write_tree(
    repo: &gix::Repository,
    parent: Option<ObjectId>,
    tree: &DistGitTree,
    extra: &BTreeMap<String, Vec<u8>>,
) -> Result<ObjectId, DistGitError> {
    let base = match parent {
        Some(id) => {
            let commit = repo.find_commit(id).map_err(git_err(format!("reading dist-git commit {id}")))?;
            commit.tree_id().map_err(git_err("reading the dist-git tree"))?.detach()
        }
        None => ObjectId::empty_tree(repo.object_hash()),
    };
    let base_tree = repo.find_tree(base).map_err(git_err("reading the dist-git tree"))?;
    let mut editor = repo.edit_tree(base).map_err(git_err("editing the dist-git tree"))?;
    for path in &tree.deleted {
        editor.remove(path.as_str()).map_err(git_err(format!("removing {path}")))?;
    }
    for (path, bytes) in tree.files.iter().chain(extra) {
        let id = repo.write_blob(bytes).map_err(git_err(format!("writing {path}")))?.detach();
        let executable =
            base_tree.lookup_entry_by_path(path.as_str()).ok().flatten().is_some_and(|e| e.mode().is_executable());
        let kind = if executable { EntryKind::BlobExecutable } else { EntryKind::Blob };
        editor.upsert(path.as_str(), kind, id).map_err(git_err(format!("adding {path}")))?;
    }
    Ok(editor.write().map_err(git_err("writing the dist-git tree"))?.detach())
}

/// Writes a commit of `tree` on `parent` by the bot at `time`, signed by `signer` when given
/// (a `gpgsig` header over the commit without it, as `git commit -S` makes).
pub fn write_commit(
    repo: &gix::Repository,
    tree: ObjectId,
    parent: Option<ObjectId>,
    message: &str,
    bot: &Identity,
    time: gix::date::Time,
    signer: Option<&Signer>,
) -> Result<ObjectId, DistGitError> {
    let signature = gix::actor::Signature { name: bot.name.as_str().into(), email: bot.email.as_str().into(), time };
    let mut commit = gix::objs::Commit {
        tree,
        parents: parent.into_iter().collect(),
        author: signature.clone(),
        committer: signature,
        encoding: None,
        message: message.into(),
        extra_headers: Vec::new(),
    };
    if let Some(signer) = signer {
        let armored = signer.sign(&signed_payload(&commit)?)?;
        commit.extra_headers.push((GPGSIG.into(), armored.trim_end_matches('\n').into()));
    }
    Ok(repo.write_object(&commit).map_err(git_err("writing the dist-git commit"))?.detach())
}

/// The header git keeps a commit's OpenPGP signature in.
pub const GPGSIG: &str = "gpgsig";

/// The bytes a commit signature covers: the commit object (without any `gpgsig` header).
fn signed_payload(commit: &gix::objs::Commit) -> Result<Vec<u8>, DistGitError> {
    use gix::objs::WriteTo;
    let mut payload = Vec::new();
    commit.write_to(&mut payload).map_err(|e| DistGitError::Git {
        what: "encoding the dist-git commit for signing".into(),
        message: e.to_string(),
    })?;
    Ok(payload)
}

/// One source-git commit listed in the dist-git commit message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    pub id: String,
    pub subject: String,
}

/// The dist-git commit message: a summary, the synced source-git commits, and the trailer.
pub fn message(summary: &crate::render::Summary, release: &str, synced: &[Synced]) -> String {
    let mut out = format!("Sync {} {}-{} from source-git\n\n", summary.package, summary.version, release);
    if synced.is_empty() {
        out.push_str("Re-rendered from source-git; no new downstream commits.\n");
    } else {
        out.push_str("Source-git commits:\n");
        for commit in synced {
            let short = commit.id.get(..12).unwrap_or(&commit.id);
            out.push_str(&format!("- {short} {}\n", commit.subject));
        }
    }
    out.push_str(&format!("\n{FROM_SOURCE_GIT}: {}\n", summary.candidate));
    out
}

/// The commit time: `GIT_COMMITTER_DATE` when set (as git does), else now.
pub fn commit_time() -> gix::date::Time {
    std::env::var("GIT_COMMITTER_DATE")
        .ok()
        .and_then(|s| gix::date::parse(&s, None).ok())
        .unwrap_or_else(gix::date::Time::now_local_or_utc)
}
