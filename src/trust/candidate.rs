//! The sync candidate: the newest commit of a branch with a trusted signature, found by a
//! first-parent walk from the tip, and the newer commits that wait.

use super::{verify_raw_commit, Policy, TrustError, Verdict};
use gix::ObjectId;

/// The walk gives up after this many commits.
pub const MAX_WALK: usize = 10_000;

/// A commit newer than the candidate, which is not synced, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: ObjectId,
    /// The first line of the commit message.
    pub subject: String,
    pub verdict: Verdict,
}

/// The outcome of [`candidate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The newest commit with a trusted signature; `None` when the walk found none.
    pub commit: Option<ObjectId>,
    /// The candidate's (trusted) verdict: who signed it.
    pub verdict: Option<Verdict>,
    /// The commits newer than the candidate (all walked commits when there is none), newest first.
    pub waiting: Vec<Waiting>,
}

/// Walks first-parent from `tip`, newest first, and returns the first commit with a trusted
/// signature. The walk stops (exclusive) at any commit of `stop` (the last synced one), at
/// the first commit whose tree has no `.distro/` (upstream history), or after [`MAX_WALK`]
/// commits.
pub fn candidate(
    repo: &gix::Repository,
    tip: ObjectId,
    stop: &[ObjectId],
    policy: &Policy,
) -> Result<Candidate, TrustError> {
    let mut waiting = Vec::new();
    for (id, raw) in downstream_commits(repo, tip, stop)? {
        let verdict = verify_raw_commit(&raw, policy);
        if verdict.is_trusted() {
            return Ok(Candidate { commit: Some(id), verdict: Some(verdict), waiting });
        }
        waiting.push(Waiting { id, subject: subject_of(&raw), verdict });
    }
    Ok(Candidate { commit: None, verdict: None, waiting })
}

/// The commits [`candidate`] would look at, newest first: first parents from `tip`, stopping
/// (exclusive) at `stop`, at a commit without `.distro/` or after [`MAX_WALK`] commits.
pub fn downstream(repo: &gix::Repository, tip: ObjectId, stop: &[ObjectId]) -> Result<Vec<ObjectId>, TrustError> {
    Ok(downstream_commits(repo, tip, stop)?.into_iter().map(|(id, _)| id).collect())
}

/// [`downstream`] with each commit's raw object, read once for the walk.
pub fn downstream_commits(
    repo: &gix::Repository,
    tip: ObjectId,
    stop: &[ObjectId],
) -> Result<Vec<(ObjectId, Vec<u8>)>, TrustError> {
    first_parents(repo, tip, |id, commit| {
        if stop.contains(&id) {
            return Ok(true);
        }
        let tree = commit.tree().map_err(TrustError::git(format!("reading the tree of {id}")))?;
        Ok(!tree.find_entry(".distro").is_some_and(|e| e.mode().is_tree()))
    })
}

/// First parents from `tip`, newest first, each with its raw object, up to (not including)
/// the first commit `stop_at` accepts, or [`MAX_WALK`] commits.
pub fn first_parents(
    repo: &gix::Repository,
    tip: ObjectId,
    mut stop_at: impl FnMut(ObjectId, &gix::Commit<'_>) -> Result<bool, TrustError>,
) -> Result<Vec<(ObjectId, Vec<u8>)>, TrustError> {
    let mut commits = Vec::new();
    let mut next = Some(tip);
    while let Some(id) = next.filter(|_| commits.len() < MAX_WALK) {
        let commit = repo.find_commit(id).map_err(TrustError::git(format!("reading commit {id}")))?;
        if stop_at(id, &commit)? {
            break;
        }
        next = commit.parent_ids().next().map(|p| p.detach());
        commits.push((id, commit.detach().data));
    }
    Ok(commits)
}

/// The first line of the message of a raw commit object (what follows the first blank line),
/// without trailing whitespace.
pub fn subject_of(raw_commit: &[u8]) -> String {
    let message = raw_commit.windows(2).position(|w| w == b"\n\n").map_or(&[][..], |pos| &raw_commit[pos + 2..]);
    let first = message.split(|b| *b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(first).trim_end().to_owned()
}
