//! The downstream commits between the release and the candidate, with git's patches.

use crate::config::{Config, TarballMode};
use crate::git::{self, FormatPatchRequest, ShadowRepo};
use crate::snapshot::{CommitInfo, DownstreamCommit, FormattedPatch, Person, Release};
use gix::ObjectId;
use std::collections::HashMap;
use std::path::Path;

/// Why the downstream range cannot be turned into patches.
#[derive(Debug, thiserror::Error)]
pub enum CommitsError {
    #[error(
        "merge commit {commit} (\"{subject}\") in the downstream range cannot be linearized: its tree differs \
         from every parent that contains the others. Rebase the downstream commits onto the release tag \
         (`git rebase {release}`) so they form a straight line"
    )]
    Merge { commit: String, subject: String, release: String },
    #[error("{what}: {message}")]
    Git { what: String, message: String },
    #[error(transparent)]
    Subprocess(#[from] git::GitError),
    #[error(transparent)]
    Meta(#[from] crate::meta::MetaError),
}

fn git_err(what: impl Into<String>) -> impl FnOnce(gix::Error) -> CommitsError {
    let what = what.into();
    move |e| CommitsError::Git { what, message: e.to_string() }
}

/// Reads the downstream commits, oldest first, each with its patch (if any).
///
/// `git format-patch` starts first and writes to `patch_dir` (a temporary directory when
/// `None`); the range is walked while it runs.
pub fn read(
    repo: &gix::Repository,
    shadow: &ShadowRepo,
    candidate: ObjectId,
    release: &Release,
    config: &Config,
    with_patch_ids: bool,
    patch_dir: Option<&Path>,
) -> Result<Vec<DownstreamCommit>, CommitsError> {
    let tip = candidate.to_string();
    let not_in_tarball = match config.tarball.mode {
        TarballMode::Archive if super::tree::uses_export_ignore(repo, &release.commit)? => {
            git::export_ignored(shadow, &release.commit, &tip)?
        }
        TarballMode::Archive => Vec::new(),
        TarballMode::Upstream => Vec::new(),
    };
    let request = FormatPatchRequest {
        base: &release.commit,
        tip: &tip,
        options: &config.patches.format_options,
        ignore_paths: &config.patches.ignore_paths,
        ignore_literal: &not_in_tarball,
        no_prefix: false,
        output_dir: patch_dir,
    };
    let (patches, walked) = std::thread::scope(|s| {
        let patches = s.spawn(|| git::format_patch(shadow, &request));
        let walked = walk_and_read(repo, shadow, candidate, release, &request);
        (patches.join(), walked)
    });
    let patches = patches.map_err(|_| git::GitError::Output {
        command: "git format-patch".into(),
        detail: "worker thread panicked".into(),
    })??;
    let (infos, no_prefix) = walked?;
    let ids = if with_patch_ids { patch_ids(shadow, &patches)? } else { HashMap::new() };
    assemble(infos, patches, no_prefix, ids)
}

/// The commits of the range, and their `--no-prefix` patches when any commit asks for them
/// (written to a temporary directory: the names are the same as `request`'s).
fn walk_and_read(
    repo: &gix::Repository,
    shadow: &ShadowRepo,
    candidate: ObjectId,
    release: &Release,
    request: &FormatPatchRequest<'_>,
) -> Result<(Vec<CommitInfo>, Option<Vec<git::PatchFile>>), CommitsError> {
    let range = walk_range(repo, candidate, release)?;
    let infos = range.iter().map(|id| info(repo, *id)).collect::<Result<Vec<_>, _>>()?;
    let no_prefix = match wants_no_prefix(&infos)? {
        true => Some(git::format_patch(
            shadow,
            &FormatPatchRequest { no_prefix: true, output_dir: None, ..request.clone() },
        )?),
        false => None,
    };
    Ok((infos, no_prefix))
}

/// Commits in `release..candidate`, oldest first, merges checked and left out.
fn walk_range(repo: &gix::Repository, candidate: ObjectId, release: &Release) -> Result<Vec<ObjectId>, CommitsError> {
    let hidden = ObjectId::from_hex(release.commit.as_bytes())
        .map_err(|e| CommitsError::Git { what: "release commit id".into(), message: e.to_string() })?;
    let walk =
        repo.rev_walk([candidate]).with_hidden([hidden]).all().map_err(git_err("walking the downstream range"))?;
    let mut ids = Vec::new();
    for item in walk {
        let item = item
            .map_err(|e| CommitsError::Git { what: "walking the downstream range".into(), message: e.to_string() })?;
        let parents: Vec<ObjectId> = item.parent_ids().map(|p| p.detach()).collect();
        if parents.len() > 1 {
            check_linearizable(repo, item.id, &parents, release)?;
            continue;
        }
        ids.push(item.id);
    }
    ids.reverse();
    Ok(ids)
}

/// A merge can be dropped when its tree equals a parent that already contains every other
/// parent (a `--no-ff` merge of a branch that could have been fast-forwarded).
fn check_linearizable(
    repo: &gix::Repository,
    merge: ObjectId,
    parents: &[ObjectId],
    release: &Release,
) -> Result<(), CommitsError> {
    let tree_of = |id: ObjectId| -> Result<ObjectId, CommitsError> {
        let commit = repo.find_commit(id).map_err(git_err(format!("reading {id}")))?;
        commit.tree_id().map(|t| t.detach()).map_err(git_err(format!("reading the tree of {id}")))
    };
    let merge_tree = tree_of(merge)?;
    for &main in parents {
        if tree_of(main)? != merge_tree {
            continue;
        }
        let contains_all = parents
            .iter()
            .filter(|p| **p != main)
            .all(|p| repo.merge_base(*p, main).ok().flatten().is_some_and(|b| b.detach() == *p));
        if contains_all {
            return Ok(());
        }
    }
    let subject = info(repo, merge)?.subject().to_owned();
    Err(CommitsError::Merge { commit: merge.to_string(), subject, release: release.tag.clone() })
}

/// Whether any commit asks for a `--no-prefix` patch.
fn wants_no_prefix(infos: &[CommitInfo]) -> Result<bool, CommitsError> {
    for info in infos {
        if crate::meta::parse(&info.id, &info.message)?.no_prefix {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `git patch-id --stable` of each formatted patch, by commit id.
fn patch_ids(shadow: &ShadowRepo, patches: &[git::PatchFile]) -> Result<HashMap<String, String>, CommitsError> {
    let input: Vec<u8> = patches.iter().flat_map(|p| p.bytes.iter().copied()).collect();
    Ok(git::patch_ids(shadow, &input)?.into_iter().map(|(id, commit)| (commit, id)).collect())
}

/// Pairs each commit with its patch files.
fn assemble(
    infos: Vec<CommitInfo>,
    patches: Vec<git::PatchFile>,
    no_prefix: Option<Vec<git::PatchFile>>,
    mut ids: HashMap<String, String>,
) -> Result<Vec<DownstreamCommit>, CommitsError> {
    let mut by_commit: HashMap<String, git::PatchFile> = patches.into_iter().map(|p| (p.commit.clone(), p)).collect();
    let mut np: HashMap<String, Vec<u8>> =
        no_prefix.unwrap_or_default().into_iter().map(|p| (p.commit, p.bytes)).collect();
    Ok(infos
        .into_iter()
        .map(|info| {
            let patch = by_commit.remove(&info.id).map(|p| FormattedPatch {
                git_name: p.git_name,
                no_prefix_bytes: np.remove(&info.id),
                patch_id: ids.remove(&info.id),
                binary: p.binary,
                bytes: p.bytes,
            });
            DownstreamCommit { info, patch }
        })
        .collect())
}

/// Reads one commit's metadata.
pub fn info(repo: &gix::Repository, id: ObjectId) -> Result<CommitInfo, CommitsError> {
    let commit = repo.find_commit(id).map_err(git_err(format!("reading commit {id}")))?;
    let author = commit.author().map_err(git_err(format!("reading the author of {id}")))?;
    let committer = commit.committer().map_err(git_err(format!("reading the committer of {id}")))?;
    let message = commit.message_raw().map_err(git_err(format!("reading the message of {id}")))?;
    Ok(CommitInfo {
        id: id.to_string(),
        author: person(&author),
        committer: person(&committer),
        message: String::from_utf8_lossy(message).into_owned(),
    })
}

fn person(sig: &gix::actor::SignatureRef<'_>) -> Person {
    let time = sig.time().unwrap_or_default();
    Person {
        name: String::from_utf8_lossy(sig.name.trim_ascii()).into_owned(),
        email: String::from_utf8_lossy(sig.email.trim_ascii()).into_owned(),
        time: time.seconds,
        offset: time.offset,
    }
}
