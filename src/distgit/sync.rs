//! One dist-git sync: render a source-git commit onto a dist-git branch and publish it,
//! all-or-nothing (lookaside first, then a leased push).

use super::cache::Cache;
use super::commit::{self, Identity, Synced};
use super::lockfile::LockFile;
use super::push::{self, PushReport, PushRequest, RefStatus};
use super::signing::Signer;
use super::state::{self, BranchState, HumanCommit};
use super::{DistGitError, OPT_IN_FILE};
use crate::config::DISTGIT_TOML;
use crate::lookaside::{Lookaside, Uploaded};
use crate::render::{self, DistGitTree};
use crate::snapshot::TarballArtifact;
use crate::source::{self, LoadOptions, PreviousSource};
use crate::tarball::TarballCache;
use gix::ObjectId;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What to sync.
pub struct SyncRequest<'a> {
    /// The source-git repository.
    pub source: &'a Path,
    /// The candidate commit (any revision).
    pub candidate: &'a str,
    /// The dist-git branch.
    pub branch: &'a str,
    /// Commit on top of human commits (never rewrites them).
    pub force: bool,
    /// Render and build the commit, but upload and push nothing.
    pub dry_run: bool,
    /// Force-with-lease in source-git terms: the source-git commit the branch must have been
    /// last synced from (`Some(None)`: never synced / must not exist).
    pub expected_source: Option<Option<String>>,
    pub bot: &'a Identity,
    /// Signs the dist-git commit; `None`: unsigned.
    pub signer: Option<&'a Signer>,
    pub lookaside: &'a dyn Lookaside,
    pub push_options: &'a [String],
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The rendered tree equals the branch: nothing written.
    UpToDate,
    /// A commit was made (and, unless dry run, pushed).
    /// `on_human_commits`: the commit sits on top of human commits (a forced push).
    Committed { commit: ObjectId, package: String, dry_run: bool, on_human_commits: bool, remote_lines: Vec<String> },
}

/// Why a sync was refused or failed; the remote is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "dist-git branch `{branch}` is not auto-maintained: it has no `{OPT_IN_FILE}` at its root. \
         To opt in, commit a `{OPT_IN_FILE}` there (it may be empty); deleting it opts out again"
    )]
    NotMaintained { branch: String },
    #[error(
        "dist-git branch `{branch}` has diverged: {} commit(s) by people on top of the last bot commit:\n{}\n{}\
         Fold these changes into source-git, or push with `+`/`--force` to commit the render on top of them \
         (history is never rewritten)",
        commits.len(), list_humans(commits), diffstat
    )]
    Diverged { branch: String, commits: Vec<HumanCommit>, diffstat: String },
    #[error("stale info: dist-git branch `{branch}` was last synced from {actual}, not {expected} as expected")]
    Stale { branch: String, expected: String, actual: String },
    #[error(transparent)]
    Source(#[from] source::SourceError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    DistGit(#[from] DistGitError),
    #[error("lookaside upload failed (dist-git not changed): {0}")]
    Lookaside(Box<crate::lookaside::LookasideError>),
    #[error("push to dist-git failed (nothing changed there): {0}")]
    Push(#[from] push::PushError),
    #[error("dist-git refused the push of `{branch}` ({reason}){}", remote_suffix(remote_lines))]
    Rejected { branch: String, reason: String, remote_lines: Vec<String> },
}

fn list_humans(commits: &[HumanCommit]) -> String {
    commits.iter().map(|c| format!("  {} {} ({})\n", &c.id[..c.id.len().min(12)], c.subject, c.author)).collect()
}

fn remote_suffix(lines: &[String]) -> String {
    lines.iter().map(|l| format!("\nremote: {l}")).collect()
}

/// Renders `req.candidate` onto `req.branch` of the cache's dist-git and publishes it.
pub fn sync(
    cache: &Cache,
    heads: &BTreeMap<String, ObjectId>,
    req: &SyncRequest<'_>,
) -> Result<SyncOutcome, SyncError> {
    let head = heads.get(req.branch).copied();
    let state = state::read(&cache.repo, head)?;
    check_branch(&cache.repo, &state, req)?;
    let source = gix::discover(req.source)
        .map_err(|e| DistGitError::Git { what: "opening source-git".into(), message: e.to_string() })?;
    if already_synced(&source, &state, req) {
        return Ok(SyncOutcome::UpToDate);
    }
    let tree = render_onto(cache, &source, &state, req)?;
    let extra = opt_in_file(&source, &state, &tree, req)?;
    let new_tree = commit::write_tree(&cache.repo, head, &tree, &extra)?;
    if head.is_some_and(|h| tree_of(&cache.repo, h).ok() == Some(new_tree)) {
        return Ok(SyncOutcome::UpToDate);
    }
    let message = commit::message(&tree.summary, &evr_release(&tree), &synced_commits(&source, &tree, &state)?);
    let new = commit::write_commit(&cache.repo, new_tree, head, &message, req.bot, commit::commit_time(), req.signer)?;
    let on_human_commits = state.diverged();
    if req.dry_run {
        let package = tree.summary.package.clone();
        return Ok(SyncOutcome::Committed {
            commit: new,
            package,
            dry_run: true,
            on_human_commits,
            remote_lines: Vec::new(),
        });
    }
    let sent = upload_tarballs(req.lookaside, &tree)?;
    let push_req =
        PushRequest { branch: req.branch, new, expected_old: head, dry_run: false, push_options: req.push_options };
    let result = match push::push(cache, &push_req) {
        Ok(PushReport { status: RefStatus::Rejected { reason }, remote_lines }) => {
            Err(SyncError::Rejected { branch: req.branch.into(), reason, remote_lines })
        }
        Ok(PushReport { remote_lines, .. }) => {
            let package = tree.summary.package.clone();
            Ok(SyncOutcome::Committed { commit: new, package, dry_run: false, on_human_commits, remote_lines })
        }
        Err(e) => Err(SyncError::Push(e)),
    };
    // A branch that moved under us means another push won; it may reference the very files
    // this run uploaded, so they stay.
    if result.as_ref().is_err_and(|e| !e.branch_moved()) {
        roll_back_uploads(req.lookaside, &tree, &sent);
    }
    result
}

impl SyncError {
    /// The dist-git branch moved between reading it and pushing (a concurrent push won): the
    /// lease failed (`stale info`), or the server's ref lock found another value.
    pub fn branch_moved(&self) -> bool {
        match self {
            SyncError::Rejected { reason, remote_lines, .. } => {
                reason == "stale info"
                    || reason == "fetch first"
                    || (reason == "failed to update ref"
                        && remote_lines.iter().any(|l| l.contains("cannot lock ref") && l.contains("but expected")))
            }
            _ => false,
        }
    }
}

/// Opt-in, lease and divergence checks, before anything is rendered.
fn check_branch(repo: &gix::Repository, state: &BranchState, req: &SyncRequest<'_>) -> Result<(), SyncError> {
    if !state.opted_in {
        return Err(SyncError::NotMaintained { branch: req.branch.into() });
    }
    if let Some(expected) = &req.expected_source {
        let actual = state.synced_source_commit().map(str::to_owned);
        if *expected != actual && !(expected.is_none() && state.head.is_none()) {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "nothing".into());
            return Err(SyncError::Stale {
                branch: req.branch.into(),
                expected: show(expected),
                actual: show(&actual),
            });
        }
    }
    if state.diverged() && !req.force {
        let diffstat = diffstat(repo, state).unwrap_or_default();
        return Err(SyncError::Diverged { branch: req.branch.into(), commits: state.human_commits.clone(), diffstat });
    }
    Ok(())
}

/// The branch head is the bot's commit rendered from the candidate itself: rendering it again
/// would give the same tree (the render is a function of the source-git commit and the
/// branch's files), so nothing is rendered. A newer git-distgit that renders differently
/// re-renders on the next push of a new source-git commit.
fn already_synced(source: &gix::Repository, state: &BranchState, req: &SyncRequest<'_>) -> bool {
    let Some(bot) = &state.last_bot else { return false };
    if state.head != Some(bot.id) {
        return false;
    }
    let Ok(synced) = ObjectId::from_hex(bot.source_commit.as_bytes()) else { return false };
    resolve_candidate(source, req.candidate) == Some(synced)
}

/// The commit `rev` names in the source-git repository, if any.
fn resolve_candidate(repo: &gix::Repository, rev: &str) -> Option<ObjectId> {
    let spec = format!("{rev}^{{commit}}");
    repo.rev_parse_single(spec.as_str()).ok().map(|id| id.detach())
}

/// Renders the candidate with the branch's files as the previous state. Tarballs come from
/// (and go to) the source-git repository's tarball cache, where they stay for the upload;
/// patches are written to the cache's [`PatchDir`] when it is free.
fn render_onto(
    cache: &Cache,
    source: &gix::Repository,
    state: &BranchState,
    req: &SyncRequest<'_>,
) -> Result<DistGitTree, SyncError> {
    let previous = match state.head {
        Some(_) => Some(PreviousSource::Files(state.files(&cache.repo)?)),
        None => None,
    };
    let patch_dir = PatchDir::acquire(cache);
    let options = LoadOptions {
        rev: Some(req.candidate.to_owned()),
        previous,
        tarball_dir: None,
        tarball_cache: Some(TarballCache::in_common_dir(source.common_dir())),
        patch_dir: patch_dir.as_ref().map(|p| p.dir.clone()),
    };
    let loaded = source::load(req.source, &options)?;
    if let Some(patch_dir) = &patch_dir {
        let written = loaded.snapshot.downstream.iter().filter_map(|c| c.patch.as_ref());
        patch_dir.keep_only(&written.map(|p| p.git_name.as_str()).collect());
    }
    Ok(render::render(&loaded.snapshot, &loaded.config)?)
}

/// Where `git format-patch` writes, kept in the dist-git cache from one push to the next: git
/// then rewrites the previous push's files in place rather than creating every file anew
/// (creating hundreds of files is a good part of format-patch's time on some file systems).
/// One push at a time holds it, through a [`LockFile`]; the others use a temporary directory.
struct PatchDir {
    dir: PathBuf,
    _lock: LockFile,
}

impl PatchDir {
    /// A lock older than this (or whose process is gone) was left by a push that died.
    const STALE: std::time::Duration = std::time::Duration::from_secs(3600);

    /// Takes the cache's patch directory, or `None` when another push holds it (or it cannot
    /// be made).
    fn acquire(cache: &Cache) -> Option<PatchDir> {
        let dir = cache.repo.git_dir().join("format-patch");
        let lock = cache.repo.git_dir().join("format-patch.lock");
        let lock = LockFile::acquire(&lock, std::time::Duration::ZERO, Self::STALE).ok()?;
        std::fs::create_dir_all(&dir).ok()?;
        Some(PatchDir { dir, _lock: lock })
    }

    /// Removes the files this run's format-patch did not write (best effort).
    fn keep_only(&self, written: &std::collections::BTreeSet<&str>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            if !entry.file_name().to_str().is_some_and(|name| written.contains(name)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The dist-git `distgit.toml`: the candidate's `.distro/distgit.toml` whenever it has one (so
/// a changed `[trust]` takes effect once a trusted commit carries it); on a new branch without
/// one, a stub that opts the branch in. Nothing when the render itself wrote the file.
fn opt_in_file(
    source: &gix::Repository,
    state: &BranchState,
    tree: &DistGitTree,
    req: &SyncRequest<'_>,
) -> Result<BTreeMap<String, Vec<u8>>, SyncError> {
    if tree.files.contains_key(OPT_IN_FILE) {
        return Ok(BTreeMap::new());
    }
    let bytes = match read_source_file(source, req.candidate, DISTGIT_TOML) {
        Some(bytes) => bytes,
        None if state.head.is_none() => {
            b"# This branch is maintained by git-distgit from source-git; delete this file to opt out.\n".to_vec()
        }
        None => return Ok(BTreeMap::new()),
    };
    Ok(BTreeMap::from([(OPT_IN_FILE.to_owned(), bytes)]))
}

/// A blob of the source-git candidate, if present.
fn read_source_file(repo: &gix::Repository, rev: &str, path: &str) -> Option<Vec<u8>> {
    let spec = format!("{rev}:{path}");
    let id = repo.rev_parse_single(spec.as_str()).ok()?;
    let data = repo.find_blob(id).ok()?.data.clone();
    Some(data)
}

fn tree_of(repo: &gix::Repository, commit: ObjectId) -> Result<ObjectId, DistGitError> {
    let c = repo.find_commit(commit).map_err(super::git_err("reading dist-git head"))?;
    Ok(c.tree_id().map_err(super::git_err("reading dist-git head tree"))?.detach())
}

/// The release part of the EVR (`2` for `2%{?dist}`).
fn evr_release(tree: &DistGitTree) -> String {
    let release = tree.summary.release.clone().unwrap_or_default();
    release.split('%').next().unwrap_or("").trim_end_matches('.').to_owned()
}

/// The downstream commits since the last synced source-git commit (all when unknown).
fn synced_commits(repo: &gix::Repository, tree: &DistGitTree, state: &BranchState) -> Result<Vec<Synced>, SyncError> {
    let tip = ObjectId::from_hex(tree.summary.candidate.as_bytes())
        .map_err(|e| DistGitError::Git { what: "candidate id".into(), message: e.to_string() })?;
    let mut hidden: Vec<ObjectId> = vec![];
    for id in [Some(tree.summary.release_commit.as_str()), state.synced_source_commit()].into_iter().flatten() {
        if let Ok(id) = ObjectId::from_hex(id.as_bytes()) {
            if repo.find_commit(id).is_ok() {
                hidden.push(id);
            }
        }
    }
    let walk = repo.rev_walk([tip]).with_hidden(hidden).all().map_err(super::git_err("walking source-git"))?;
    let mut out = Vec::new();
    for info in walk.flatten() {
        let Ok(commit) = info.object() else { continue };
        let subject = String::from_utf8_lossy(commit.message_raw_sloppy()).lines().next().unwrap_or("").to_owned();
        out.push(Synced { id: info.id.to_string(), subject });
    }
    out.reverse();
    Ok(out)
}

/// Uploads every tarball before the ref moves; returns those this run sent (a failure part-way
/// removes them again).
fn upload_tarballs<'t>(
    lookaside: &dyn Lookaside,
    tree: &'t DistGitTree,
) -> Result<Vec<&'t TarballArtifact>, SyncError> {
    let mut sent = Vec::new();
    for tarball in &tree.tarballs {
        let Some(path) = &tarball.path else { continue };
        match lookaside.upload(&tree.summary.package, &tarball.file_name, &tarball.sha512, path) {
            Ok(Uploaded::Sent) => sent.push(tarball),
            Ok(Uploaded::AlreadyPresent) => {}
            Err(e) => {
                roll_back_uploads(lookaside, tree, &sent);
                return Err(SyncError::Lookaside(Box::new(e)));
            }
        }
    }
    Ok(sent)
}

/// Removes what this run uploaded, where the backend can (best effort: the push already failed).
fn roll_back_uploads(lookaside: &dyn Lookaside, tree: &DistGitTree, sent: &[&TarballArtifact]) {
    for tarball in sent {
        let _ = lookaside.remove(&tree.summary.package, &tarball.file_name, &tarball.sha512);
    }
}

/// `git diff --stat`-like summary of what the human commits changed.
fn diffstat(repo: &gix::Repository, state: &BranchState) -> Result<String, DistGitError> {
    let Some(bot) = &state.last_bot else { return Ok(String::new()) };
    let before = state::tree_files(repo, bot.id)?;
    let after = &state.files(repo)?;
    let mut out = String::new();
    for path in before.keys().chain(after.keys()).collect::<std::collections::BTreeSet<_>>() {
        match (before.get(path), after.get(path)) {
            (Some(a), Some(b)) if a != b => out.push_str(&format!("  modified: {path}\n")),
            (None, Some(_)) => out.push_str(&format!("  added:    {path}\n")),
            (Some(_), None) => out.push_str(&format!("  deleted:  {path}\n")),
            _ => {}
        }
    }
    Ok(out)
}
