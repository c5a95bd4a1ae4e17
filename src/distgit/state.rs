//! What a dist-git branch holds: whether it is auto-maintained, the last bot commit (and the
//! source-git commit it was rendered from), and any human commits on top of it.
//!
//! Reading the state costs a few commit messages and one tree lookup, so listing many branches
//! stays cheap; the files of the head's tree are read only when a render needs them
//! ([`BranchState::files`]).

use super::{git_err, trailer_value, DistGitError, FROM_SOURCE_GIT, OPT_IN_FILE};
use gix::ObjectId;
use std::collections::BTreeMap;

/// How far back the last bot commit is looked for.
const MAX_WALK: usize = 10_000;

/// A commit by someone other than the bot, on top of the last bot commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HumanCommit {
    pub id: String,
    pub subject: String,
    pub author: String,
}

/// The last commit the bot (or Packit) wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotCommit {
    pub id: ObjectId,
    /// The source-git commit it was rendered from.
    pub source_commit: String,
}

/// The state of one dist-git branch.
#[derive(Debug, Clone, Default)]
pub struct BranchState {
    /// The branch head; `None` for a new branch.
    pub head: Option<ObjectId>,
    /// The head's tree has `distgit.toml` at its root (a new branch counts as opted in).
    pub opted_in: bool,
    /// The newest commit carrying `From-source-git-commit`.
    pub last_bot: Option<BotCommit>,
    /// Commits above `last_bot`, newest first (empty when there is no bot commit at all: the
    /// branch was opted in by a person and never synced).
    pub human_commits: Vec<HumanCommit>,
}

impl BranchState {
    /// The source-git commit the branch was last rendered from, if any.
    pub fn synced_source_commit(&self) -> Option<&str> {
        self.last_bot.as_ref().map(|b| b.source_commit.as_str())
    }

    /// Human commits sit on top of the last bot commit.
    pub fn diverged(&self) -> bool {
        !self.human_commits.is_empty()
    }

    /// The files of the head's tree, by path (none for a new branch); reads every blob.
    pub fn files(&self, repo: &gix::Repository) -> Result<BTreeMap<String, Vec<u8>>, DistGitError> {
        match self.head {
            Some(head) => tree_files(repo, head),
            None => Ok(BTreeMap::new()),
        }
    }
}

/// Reads the state of the branch whose head is `head` in `repo`.
pub fn read(repo: &gix::Repository, head: Option<ObjectId>) -> Result<BranchState, DistGitError> {
    let Some(head) = head else {
        return Ok(BranchState { opted_in: true, ..BranchState::default() });
    };
    let opted_in = has_root_file(repo, head, OPT_IN_FILE)?;
    let (last_bot, humans) = find_last_bot(repo, head)?;
    let human_commits = if last_bot.is_some() { humans } else { Vec::new() };
    Ok(BranchState { head: Some(head), opted_in, last_bot, human_commits })
}

/// Whether the tree of `commit` has a blob (or symlink) named `name` at its root.
fn has_root_file(repo: &gix::Repository, commit: ObjectId, name: &str) -> Result<bool, DistGitError> {
    let tree =
        repo.find_commit(commit).and_then(|c| c.tree()).map_err(git_err(format!("reading the tree of {commit}")))?;
    Ok(tree.find_entry(name).is_some_and(|e| e.mode().is_blob() || e.mode().is_link()))
}

/// Walks first parents from `head` to the newest bot commit, collecting the others.
fn find_last_bot(
    repo: &gix::Repository,
    head: ObjectId,
) -> Result<(Option<BotCommit>, Vec<HumanCommit>), DistGitError> {
    let mut humans = Vec::new();
    let mut next = Some(head);
    while let Some(id) = next.take() {
        let commit = repo.find_commit(id).map_err(git_err(format!("reading dist-git commit {id}")))?;
        let message = String::from_utf8_lossy(commit.message_raw_sloppy()).into_owned();
        if let Some(source) = trailer_value(&message, FROM_SOURCE_GIT) {
            return Ok((Some(BotCommit { id, source_commit: source.to_owned() }), humans));
        }
        if humans.len() >= MAX_WALK {
            break;
        }
        let author = commit.author().map(|a| format!("{} <{}>", a.name, a.email)).unwrap_or_default();
        let subject = message.lines().next().unwrap_or("").to_owned();
        humans.push(HumanCommit { id: id.to_string(), subject, author });
        next = commit.parent_ids().next().map(|p| p.detach());
    }
    Ok((None, humans))
}

/// Every blob of `commit`'s tree, by path.
pub fn tree_files(repo: &gix::Repository, commit: ObjectId) -> Result<BTreeMap<String, Vec<u8>>, DistGitError> {
    let tree =
        repo.find_commit(commit).and_then(|c| c.tree()).map_err(git_err(format!("reading the tree of {commit}")))?;
    let mut files = BTreeMap::new();
    for entry in tree.traverse().breadthfirst.files().map_err(git_err("walking the dist-git tree"))? {
        if entry.mode.is_blob() || entry.mode.is_link() {
            let blob = repo.find_blob(entry.oid).map_err(git_err(format!("reading {}", entry.filepath)))?;
            files.insert(entry.filepath.to_string(), blob.data.clone());
        }
    }
    Ok(files)
}
