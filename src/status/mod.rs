//! `git distgit status`: where a source-git branch stands against the dist-git branch it
//! syncs to — gathered from the repositories into a [`Status`] (no network unless asked to
//! fetch) and formatted for people by [`write_human`]. The JSON form is [`Status`] serialized
//! (documented in docs/status.md).

mod dist;
mod gate;
mod history;
mod human;
mod memo;
mod patches;

pub use gate::{PolicySource, Signature, TrustState, WaitingCommit};
pub use history::MAX_WAITING;
pub use human::write_human;

use crate::distgit::credentials::redact_url;
use crate::distgit::meter::MeterState;
use crate::distgit::state::BranchState;
use crate::distgit::tracking::{self, Tracking, TrackingError};
use crate::distgit::DistGitError;
use crate::source::tree;
use gix::ObjectId;
use serde::Serialize;
use std::path::Path;
use std::time::SystemTime;

/// What could not be read; the rest of the status still holds.
type Problems = Vec<String>;

/// The version of the JSON form; bumped only when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// The size of the object cache while walking the downstream range.
const OBJECT_CACHE_BYTES: usize = 8 << 20;

/// What to look at.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The source-git branch (default: the current one).
    pub branch: Option<String>,
    /// Fetch the dist-git branch first instead of reading the cache.
    pub fetch: bool,
    /// The time the rate-limit window ends at (default: now).
    pub now: Option<SystemTime>,
}

/// Why no status could be given.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("{path}: not a git repository (or any parent up to the file system root): {message}")]
    Open { path: String, message: String },
    #[error("HEAD is detached: name the source-git branch with `git distgit status --branch NAME`")]
    Detached,
    #[error("no branch `{0}` in this repository (`git branch --list` shows them)")]
    NoBranch(String),
    #[error(
        "branch `{branch}` is not a source-git branch: its tip {commit} has no `.distro/` directory \
         (source-git keeps the spec and its config there; see docs/config.md)"
    )]
    NoDistro { branch: String, commit: String },
    #[error(transparent)]
    Tracking(#[from] TrackingError),
    #[error(
        "branch `{branch}` is not tracked: git config distgit.track maps only {patterns}; \
         add it with `git config --add distgit.track {branch}:<dist-git branch>`"
    )]
    Untracked { branch: String, patterns: String },
    #[error("cannot fetch dist-git: {0}")]
    Fetch(#[source] DistGitError),
    #[error(transparent)]
    DistGit(DistGitError),
    #[error("{what}: {message}")]
    Git { what: String, message: String },
}

/// Maps a gix error into [`StatusError::Git`] with context.
fn git_err<E: std::fmt::Display>(what: impl Into<String>) -> impl FnOnce(E) -> StatusError {
    let what = what.into();
    move |e| StatusError::Git { what, message: e.to_string() }
}

/// Everything `git distgit status` reports (its JSON form, `schema_version` 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub schema_version: u32,
    /// The source-git branch.
    pub branch: String,
    /// Its tip.
    pub tip: CommitLine,
    /// The tracked dist-git.
    pub dist_git: Tracked,
    /// The upstream release below the tip (`None`: not found, see `problems`).
    pub upstream: Option<Upstream>,
    /// Commits from the release to the tip that make a patch (`None`: unknown).
    pub downstream_patches: Option<usize>,
    /// The dist-git branch as last fetched or pushed (`None`: nothing cached yet).
    pub dist_git_state: Option<DistState>,
    /// The one-word summary.
    pub sync: SyncState,
    /// Source-git commits after the last synced one, newest first (first-parent).
    pub waiting: Vec<CommitLine>,
    /// Commits by people on top of the last bot commit in dist-git, newest first.
    pub human_commits: Vec<HumanLine>,
    /// The tip's signature under the branch's trust policy (`None`: no policy, or dist-git
    /// state unknown).
    pub signature: Option<Signature>,
    /// The trust gate: policy, sync candidate, commits waiting for a trusted signature
    /// (`None`: dist-git state unknown).
    pub trust: Option<TrustState>,
    /// The rate limit on dist-git pushes (git config `distgit.rateLimit`) and its use.
    pub rate_limit: Option<MeterState>,
    /// What could not be read (the rest of the status still holds).
    pub problems: Vec<String>,
    /// What to do next.
    pub hint: String,
}

/// A commit and its subject line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitLine {
    pub id: String,
    pub subject: String,
}

/// A dist-git commit made by a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HumanLine {
    pub id: String,
    pub subject: String,
    pub author: String,
}

/// The tracked dist-git.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tracked {
    /// Its URL or path, any password replaced by `***`.
    pub url: String,
    /// The package name.
    pub package: String,
    /// The dist-git branch this source-git branch syncs to.
    pub branch: String,
    /// Where the address was configured (`remote.fedora.url`, `git config distgit.remote`).
    pub configured_by: String,
}

/// The upstream release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upstream {
    pub tag: String,
    pub commit: String,
    pub version: String,
}

/// The dist-git branch as known locally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DistState {
    /// `cache` (what the last push or fetch stored) or `fetch` (fetched by this run).
    pub read_from: ReadFrom,
    /// The branch head (`None`: the branch does not exist).
    pub head: Option<String>,
    /// The branch has `distgit.toml` at its root (a missing branch counts as opted in).
    pub opted_in: bool,
    /// The newest commit carrying `From-source-git-commit`.
    pub last_bot_commit: Option<String>,
    /// The source-git commit it names: the last synced one.
    pub last_synced: Option<String>,
}

/// Where the dist-git state came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadFrom {
    Cache,
    Fetch,
}

/// The one-word summary, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Nothing fetched or pushed yet: the dist-git state is unknown.
    NoCache,
    /// The dist-git branch does not exist (the first push creates it).
    BranchMissing,
    /// The dist-git branch has no `distgit.toml`: the bot does not write to it.
    NotMaintained,
    /// People committed on top of the last bot commit.
    Diverged,
    /// The branch exists but no bot commit is on it.
    NeverSynced,
    /// The last synced commit is not on this branch's first-parent history (rebased, or synced
    /// from another branch).
    SyncedElsewhere,
    /// Commits wait to sync.
    Ahead,
    /// Dist-git was rendered from the tip.
    UpToDate,
}

/// Gathers the status of a source-git branch of the repository at (or above) `path`.
pub fn gather(path: &Path, opts: &Options) -> Result<Status, StatusError> {
    let mut repo = gix::discover(path)
        .map_err(|e| StatusError::Open { path: path.display().to_string(), message: e.to_string() })?;
    // Each tree of the downstream range is compared with two neighbours: read it once.
    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
    let (branch, tip) = resolve_branch(&repo, opts.branch.as_deref())?;
    let tracking = tracking::read(&repo)?;
    let dist_branch = tracked_branch(&tracking, &branch)?;
    let files = tree::read_distro(&repo, tip).map_err(|e| match e {
        crate::source::SourceError::NoDistro { commit } => StatusError::NoDistro { branch: branch.clone(), commit },
        other => StatusError::Git { what: format!("reading .distro/ of {tip}"), message: other.to_string() },
    })?;
    let mut problems = Vec::new();
    let (upstream, downstream_patches) = history::upstream(&repo, tip, &files, &mut problems);
    let dist = dist::read(repo.common_dir(), &tracking.address.url, &dist_branch, opts.fetch)?;
    let (sync, waiting) = compare(&repo, dist.as_ref(), tip)?;
    let (signature, trust) = match &dist {
        Some(dist) => gate::trust(&repo, dist, tip, &mut problems),
        None => (None, None),
    };
    let rate_limit = gate::rate_limit(&repo, opts.now.unwrap_or_else(SystemTime::now), &mut problems);
    let tip_commit = repo.find_commit(tip).map_err(git_err(format!("reading commit {tip}")))?;
    let mut status = Status {
        schema_version: SCHEMA_VERSION,
        tip: CommitLine { id: tip.to_string(), subject: history::subject(&tip_commit) },
        dist_git: Tracked {
            url: redact_url(&tracking.address.url),
            package: tracking.address.package.clone(),
            branch: dist_branch.clone(),
            configured_by: tracking.origin.clone(),
        },
        upstream,
        downstream_patches,
        dist_git_state: dist.as_ref().map(dist_state),
        sync,
        waiting,
        human_commits: dist.as_ref().map(humans).unwrap_or_default(),
        signature,
        trust,
        rate_limit,
        problems,
        hint: String::new(),
        branch,
    };
    status.hint = hint(&status, &push_command(&tracking, &status.branch, &dist_branch));
    Ok(status)
}

/// The one-word summary and the commits waiting to sync.
fn compare(
    repo: &gix::Repository,
    dist: Option<&dist::DistView>,
    tip: ObjectId,
) -> Result<(SyncState, Vec<CommitLine>), StatusError> {
    let Some(dist) = dist else { return Ok((SyncState::NoCache, Vec::new())) };
    let synced = dist.state.synced_source_commit().and_then(parse_id);
    let waiting = history::waiting(repo, tip, synced)?;
    Ok((classify(&dist.state, tip, synced, waiting.reached_synced), waiting.commits))
}

/// The branch to report on and its tip.
fn resolve_branch(repo: &gix::Repository, given: Option<&str>) -> Result<(String, ObjectId), StatusError> {
    let name = match given {
        Some(name) => name.strip_prefix("refs/heads/").unwrap_or(name).to_owned(),
        None => {
            let head = repo.head_name().map_err(git_err("reading HEAD"))?.ok_or(StatusError::Detached)?;
            head.as_bstr().to_string().strip_prefix("refs/heads/").ok_or(StatusError::Detached)?.to_owned()
        }
    };
    let full = format!("refs/heads/{name}");
    let mut reference = match repo.try_find_reference(full.as_str()) {
        Ok(Some(r)) => r,
        Ok(None) | Err(_) if given.is_some() => return Err(StatusError::NoBranch(name)),
        Ok(None) => return Err(StatusError::NoBranch(format!("{name} (HEAD; no commit yet)"))),
        Err(e) => return Err(git_err(format!("reading {full}"))(e)),
    };
    let tip = reference.peel_to_id().map_err(git_err(format!("reading {full}")))?.detach();
    Ok((name, tip))
}

/// The dist-git branch `branch` syncs to.
fn tracked_branch(tracking: &Tracking, branch: &str) -> Result<String, StatusError> {
    tracking.dist_git_branch(branch).ok_or_else(|| StatusError::Untracked {
        branch: branch.to_owned(),
        patterns: tracking.branches.iter().map(|m| format!("`{}`", m.source)).collect::<Vec<_>>().join(", "),
    })
}

fn parse_id(hex: &str) -> Option<ObjectId> {
    ObjectId::from_hex(hex.trim().as_bytes()).ok()
}

/// The one-word summary.
fn classify(state: &BranchState, tip: ObjectId, synced: Option<ObjectId>, reached: bool) -> SyncState {
    if state.head.is_none() {
        SyncState::BranchMissing
    } else if !state.opted_in {
        SyncState::NotMaintained
    } else if state.diverged() {
        SyncState::Diverged
    } else if state.last_bot.is_none() {
        SyncState::NeverSynced
    } else if synced == Some(tip) {
        SyncState::UpToDate
    } else if reached {
        SyncState::Ahead
    } else {
        SyncState::SyncedElsewhere
    }
}

fn dist_state(dist: &dist::DistView) -> DistState {
    let state = &dist.state;
    DistState {
        read_from: if dist.fetched { ReadFrom::Fetch } else { ReadFrom::Cache },
        head: state.head.map(|h| h.to_string()),
        opted_in: state.opted_in,
        last_bot_commit: state.last_bot.as_ref().map(|b| b.id.to_string()),
        last_synced: state.synced_source_commit().map(str::to_owned),
    }
}

fn humans(dist: &dist::DistView) -> Vec<HumanLine> {
    let list = &dist.state.human_commits;
    list.iter().map(|h| HumanLine { id: h.id.clone(), subject: h.subject.clone(), author: h.author.clone() }).collect()
}

/// The `git push` that syncs `branch` to `dist_branch`.
fn push_command(tracking: &Tracking, branch: &str, dist_branch: &str) -> String {
    let remote = match tracking.origin.strip_prefix("remote.").and_then(|r| r.strip_suffix(".url")) {
        Some(name) => name.to_owned(),
        None => format!("{}{}", tracking::DISTGIT_SCHEME, redact_url(&tracking.address.given)),
    };
    format!("git push {remote} {branch}:{dist_branch}")
}

/// What to do next.
fn hint(status: &Status, push: &str) -> String {
    let branch = &status.dist_git.branch;
    match status.sync {
        SyncState::NoCache => "dist-git state unknown: run `git distgit status --fetch` or push".into(),
        SyncState::NotMaintained => {
            format!("dist-git branch `{branch}` has no distgit.toml: commit one there to let the bot maintain it")
        }
        SyncState::Diverged => {
            format!("fold the dist-git commits into source-git, or `{push}` with --force to commit on top of them")
        }
        SyncState::UpToDate => "nothing to do".into(),
        SyncState::BranchMissing | SyncState::NeverSynced | SyncState::SyncedElsewhere | SyncState::Ahead => {
            blocked(status).unwrap_or_else(|| match status.sync {
                SyncState::BranchMissing => format!("push to create dist-git branch `{branch}`: {push}"),
                _ => format!("push to sync: {push}"),
            })
        }
    }
}

/// Why a push would not sync the tip: the rate limit, or no trusted signature on it.
fn blocked(status: &Status) -> Option<String> {
    if let Some(meter) = &status.rate_limit {
        if let (Some(limit), Some(at)) = (&meter.limit, &meter.next_allowed) {
            return Some(format!("rate limit reached ({limit}): the next dist-git push is allowed at {at}"));
        }
    }
    let trust = status.trust.as_ref()?;
    let tip = trust.waiting.first().filter(|w| w.commit.id == status.tip.id)?;
    let short = tip.commit.id.get(..12).unwrap_or(&tip.commit.id);
    Some(match &trust.candidate {
        Some(c) => format!(
            "a push syncs {} (the newest trusted commit), not the tip {short}: {}",
            c.get(..12).unwrap_or(c),
            tip.signature.message
        ),
        None => format!("no trusted commit to sync; the tip {short} is {}", tip.signature.message),
    })
}
