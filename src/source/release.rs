//! Finding the upstream release: the nearest matching tag, or the explicit upstream ref.

use crate::config::UpstreamConfig;
use crate::snapshot::Release;
use crate::version::{rpmvercmp, TagMatcher, VersionError};
use gix::ObjectId;
use std::collections::HashMap;

/// Why no release could be chosen.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(transparent)]
    Version(#[from] VersionError),
    #[error(
        "no release tag is reachable from {candidate}: no tag matches {patterns}{ignored}; nearest tags seen: {seen}. \
         Tag the upstream release, set `upstream.ref` (Packit: `upstream_ref`), or adjust `upstream.tag_pattern` \
         in .distro/distgit.toml"
    )]
    NoTag { candidate: String, patterns: String, ignored: String, seen: String },
    #[error(
        "upstream ref `{reference}` (from the config) cannot be resolved to a commit: {message}; \
         if it is an upstream tag, this clone lacks it: fetch the upstream tags (`git fetch --tags <upstream-url>`)"
    )]
    BadRef { reference: String, message: String },
    #[error(
        "upstream ref `{reference}` (from the config) is a commit no tag names, and the spec's Version \
         `{spec_version}` is not a usable version; tag the upstream release (`git fetch --tags <upstream>`), \
         or write the version literally in the spec's `Version:` line"
    )]
    UntaggedRef { reference: String, spec_version: String },
    #[error("upstream ref `{reference}` ({commit}) is not an ancestor of the candidate {candidate}")]
    NotAncestor { reference: String, commit: String, candidate: String },
    #[error("{what}: {message}")]
    Git { what: String, message: String },
}

fn git_err(what: &str) -> impl FnOnce(gix::Error) -> ReleaseError + '_ {
    move |e| ReleaseError::Git { what: what.into(), message: e.to_string() }
}

/// Chooses the release for `candidate`; `spec_version` (the spec's expanded `Version:`) is
/// the version of an `upstream_ref` commit id that no tag names.
pub fn find(
    repo: &gix::Repository,
    candidate: ObjectId,
    config: &UpstreamConfig,
    matcher: &TagMatcher,
    spec_version: &str,
) -> Result<Release, ReleaseError> {
    match &config.upstream_ref {
        Some(reference) => from_ref(repo, candidate, reference, matcher, spec_version),
        None => nearest_tag(repo, candidate, config, matcher),
    }
}

/// The release named by Packit's `upstream_ref` (a tag name or a commit id).
fn from_ref(
    repo: &gix::Repository,
    candidate: ObjectId,
    reference: &str,
    matcher: &TagMatcher,
    spec_version: &str,
) -> Result<Release, ReleaseError> {
    let spec = format!("{reference}^{{commit}}");
    let commit = repo
        .rev_parse_single(spec.as_str())
        .map_err(|e| ReleaseError::BadRef { reference: reference.into(), message: e.to_string() })?
        .detach();
    let base = repo.merge_base(commit, candidate).ok().flatten().map(|id| id.detach());
    if base != Some(commit) {
        let (commit, candidate) = (commit.to_string(), candidate.to_string());
        return Err(ReleaseError::NotAncestor { reference: reference.into(), commit, candidate });
    }
    let tagged = || -> Result<Option<String>, ReleaseError> {
        let tags = tags_by_commit(repo)?;
        Ok(tags.get(&commit).and_then(|tags| best_tag(tags, matcher, |_| true)).map(|(_, v)| v))
    };
    let version = match names_a_ref(repo, reference) {
        true => match matcher.version_of(reference) {
            Ok(v) => v,
            Err(err) => tagged()?.ok_or(err)?,
        },
        false => tagged()?.map_or_else(|| version_from_spec(reference, spec_version), Ok)?,
    };
    Ok(Release { tag: reference.into(), commit: commit.to_string(), version })
}

/// Whether `reference` is the name of a tag or branch (rather than a commit id).
fn names_a_ref(repo: &gix::Repository, reference: &str) -> bool {
    ["refs/tags/", "refs/heads/", "refs/remotes/", ""]
        .iter()
        .any(|prefix| repo.try_find_reference(format!("{prefix}{reference}").as_str()).is_ok_and(|r| r.is_some()))
}

/// The version of an untagged `upstream_ref` commit: the spec's, as Packit leaves it.
fn version_from_spec(reference: &str, spec_version: &str) -> Result<String, ReleaseError> {
    let usable = !spec_version.is_empty() && !spec_version.contains(['%', '-', ' ', '\t', '/']);
    match usable {
        true => Ok(spec_version.to_owned()),
        false => Err(ReleaseError::UntaggedRef { reference: reference.into(), spec_version: spec_version.into() }),
    }
}

/// The most recent matching tag reachable from `candidate`.
fn nearest_tag(
    repo: &gix::Repository,
    candidate: ObjectId,
    config: &UpstreamConfig,
    matcher: &TagMatcher,
) -> Result<Release, ReleaseError> {
    let tags = tags_by_commit(repo)?;
    let mut seen = Vec::new();
    let walk = repo
        .rev_walk([candidate])
        .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
        .all()
        .map_err(git_err("walking history"))?;
    for info in walk {
        let info = info.map_err(|e| ReleaseError::Git { what: "walking history".into(), message: e.to_string() })?;
        let Some(names) = tags.get(&info.id) else { continue };
        if let Some((tag, version)) = best_tag(names, matcher, |t| matcher.is_release(t)) {
            return Ok(Release { tag, commit: info.id.to_string(), version });
        }
        if let Some(name) = names.iter().find(|t| matcher.is_release(t)) {
            matcher.version_of(name)?;
        }
        seen.extend(names.iter().take(5 - seen.len().min(5)).cloned());
    }
    Err(ReleaseError::NoTag {
        candidate: candidate.to_string(),
        patterns: config.tag_patterns.join(", "),
        ignored: if config.ignore_tags.is_empty() {
            String::new()
        } else {
            format!(" (ignoring {})", config.ignore_tags.join(", "))
        },
        seen: if seen.is_empty() { "none".into() } else { seen.join(", ") },
    })
}

/// Of `names` that pass `keep` and name a version, the one with the highest version.
fn best_tag(names: &[String], matcher: &TagMatcher, keep: impl Fn(&str) -> bool) -> Option<(String, String)> {
    names
        .iter()
        .filter(|t| keep(t))
        .filter_map(|t| matcher.version_of(t).ok().map(|v| (t.clone(), v)))
        .max_by(|a, b| rpmvercmp(&a.1, &b.1).then_with(|| b.0.cmp(&a.0)))
}

/// Every tag, peeled to the commit it names, grouped by commit.
fn tags_by_commit(repo: &gix::Repository) -> Result<HashMap<ObjectId, Vec<String>>, ReleaseError> {
    let refs = repo.references().map_err(git_err("reading references"))?;
    let tags = refs.tags().and_then(|t| t.peeled()).map_err(git_err("reading tags"))?;
    let mut map: HashMap<ObjectId, Vec<String>> = HashMap::new();
    for tag in tags {
        let Ok(tag) = tag else { continue };
        let name = tag.name().shorten().to_string();
        if let Some(id) = tag.try_id() {
            map.entry(id.detach()).or_default().push(name);
        }
    }
    for names in map.values_mut() {
        names.sort();
    }
    Ok(map)
}
