//! The fetch direction of the helper: the source-git commit that stands for each dist-git
//! branch, made when git lists the remote's refs (`list` without `for-push`).
//!
//! For a branch head:
//!
//! 1. a bot commit (trailer `From-source-git-commit: <sha>`) whose `<sha>` is a commit of the
//!    local repository stands for itself: rendering it gave that dist-git commit;
//! 2. otherwise the commit the reverse made for that dist-git commit before, kept under
//!    `refs/distgit-cache/<dist-git commit id>` (which also keeps it from `git gc`);
//! 3. otherwise the reverse ([`crate::reverse::reverse`]) of the head's files, committed by the
//!    bot identity at the dist-git commit's committer time — so listing twice, or on another
//!    machine with the same tags, gives the same ids. When the release tag is missing and git
//!    config `distgit.upstream` names the upstream repository, the matching tags are fetched
//!    from it (with gix) and the reverse runs again.

use crate::distgit::cache::Cache;
use crate::distgit::commit::Identity;
use crate::distgit::{trailer_value, FROM_DIST_GIT, FROM_SOURCE_GIT};
use crate::reverse::{self, DistGitCommit, ReverseError};
use crate::snapshot::Person;
use crate::version::TagMatcher;
use gix::ObjectId;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Where the reverse's results are kept in the source-git repository, by dist-git commit id.
pub const CACHE_NAMESPACE: &str = "refs/distgit-cache/";

/// The git config key naming the upstream repository release tags are fetched from.
pub const UPSTREAM_KEY: &str = "distgit.upstream";

/// How many lines of a failing hunk are shown.
const HUNK_LINES: usize = 20;

/// Why a dist-git branch has no source-git commit.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("dist-git branch {branch} ({commit}): {source}{hunk}")]
    Reverse { branch: String, commit: String, source: Box<ReverseError>, hunk: String },
    #[error("{what}: {message}")]
    Git { what: String, message: String },
    #[error("fetching release tags from the upstream `{url}` (git config {UPSTREAM_KEY}): {message}")]
    Upstream { url: String, message: String },
}

fn git_err<E: std::fmt::Display>(what: impl Into<String>) -> impl FnOnce(E) -> FetchError {
    let what = what.into();
    move |e| FetchError::Git { what, message: e.to_string() }
}

/// How a branch's source-git commit was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The head is a bot commit rendered from this local commit.
    Synced,
    /// Reversed before (`refs/distgit-cache/…`).
    Cached,
    /// Reversed now: on `tag`, with `commits` new commits; `fetched` lists the tags fetched
    /// from the upstream first.
    Reversed { tag: String, commits: usize, fetched: Vec<String> },
}

/// A branch's source-git commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub commit: ObjectId,
    pub origin: Origin,
}

/// Resolves dist-git branches into source-git commits in one source-git repository.
pub struct Fetcher {
    source: PathBuf,
    repo: gix::Repository,
    bot: Identity,
    upstream: Option<String>,
}

impl Fetcher {
    /// A fetcher for the source-git repository at `source`, committing as `bot`.
    pub fn open(source: &Path, bot: Identity) -> Result<Fetcher, FetchError> {
        let repo = gix::discover(source).map_err(git_err(format!("opening {}", source.display())))?;
        let upstream =
            repo.config_snapshot().string(UPSTREAM_KEY).map(|v| v.to_string()).filter(|v| !v.trim().is_empty());
        Ok(Fetcher { source: source.to_path_buf(), repo, bot, upstream })
    }

    /// Whether `id` (full hex) names an object of the source-git repository.
    pub fn has_object(&self, id: &str) -> bool {
        ObjectId::from_hex(id.as_bytes()).is_ok_and(|oid| self.repo.has_object(oid))
    }

    /// The source-git commit for dist-git branch `branch`, whose head `head` is in `cache`.
    pub fn resolve(&self, cache: &Cache, branch: &str, head: ObjectId) -> Result<Listed, FetchError> {
        let dist = &cache.repo;
        let commit = dist.find_commit(head).map_err(git_err(format!("reading dist-git commit {head}")))?;
        let message = String::from_utf8_lossy(commit.message_raw_sloppy()).into_owned();
        if let Some(id) = trailer_value(&message, FROM_SOURCE_GIT).and_then(|s| self.local_commit(s)) {
            return Ok(Listed { commit: id, origin: Origin::Synced });
        }
        let committer = self.committer(&commit)?;
        if let Some(id) = self.cached(head, &committer) {
            return Ok(Listed { commit: id, origin: Origin::Cached });
        }
        let distgit = distgit_commit(dist, &commit, branch)?;
        let (reversed, fetched) = self.reverse_fetching_tags(&distgit, &committer)?;
        let tip = ObjectId::from_hex(reversed.tip.as_bytes()).map_err(git_err("reading the reversed tip"))?;
        let log = format!("distgit: reverse of dist-git {branch} {head}");
        self.repo
            .reference(format!("{CACHE_NAMESPACE}{head}"), tip, gix::refs::transaction::PreviousValue::Any, log)
            .map_err(git_err(format!("writing {CACHE_NAMESPACE}{head}")))?;
        let origin = Origin::Reversed { tag: reversed.tag, commits: reversed.commits.len(), fetched };
        Ok(Listed { commit: tip, origin })
    }

    /// `sha` if it names a commit of the source-git repository.
    fn local_commit(&self, sha: &str) -> Option<ObjectId> {
        let id = ObjectId::from_hex(sha.as_bytes()).ok()?;
        self.repo.find_commit(id).ok().map(|c| c.id)
    }

    /// The bot, at the dist-git commit's committer time.
    fn committer(&self, commit: &gix::Commit<'_>) -> Result<Person, FetchError> {
        let time = commit.time().map_err(git_err(format!("reading the committer date of {}", commit.id)))?;
        Ok(Person {
            name: self.bot.name.clone(),
            email: self.bot.email.clone(),
            time: time.seconds,
            offset: time.offset,
        })
    }

    /// The cached reverse of dist-git commit `head`, if it was made by this committer.
    fn cached(&self, head: ObjectId, committer: &Person) -> Option<ObjectId> {
        let name = format!("{CACHE_NAMESPACE}{head}");
        let id = self.repo.find_reference(name.as_str()).ok()?.try_id()?.detach();
        let commit = self.repo.find_commit(id).ok()?;
        let sig = commit.committer().ok()?;
        let time = sig.time().ok()?;
        let same = sig.name == committer.name.as_str()
            && sig.email == committer.email.as_str()
            && time.seconds == committer.time
            && time.offset == committer.offset;
        let message = String::from_utf8_lossy(commit.message_raw_sloppy()).into_owned();
        let from = trailer_value(&message, FROM_DIST_GIT).map(str::to_owned);
        (same && from == Some(head.to_string())).then_some(id)
    }

    /// Reverses `distgit`; a missing release tag is fetched from the upstream (if configured)
    /// and the reverse tried once more. Returns the result and the tags fetched.
    fn reverse_fetching_tags(
        &self,
        distgit: &DistGitCommit,
        committer: &Person,
    ) -> Result<(reverse::Reversed, Vec<String>), FetchError> {
        let failed = |e: ReverseError| reverse_error(distgit, e);
        match reverse::reverse(&self.source, distgit, committer) {
            Ok(r) => Ok((r, Vec::new())),
            Err(err @ (ReverseError::NoTag { .. } | ReverseError::BadRef { .. })) => {
                let Some(url) = &self.upstream else { return Err(failed(err)) };
                let fetched = fetch_release_tags(&self.repo, url, distgit, &err)?;
                if fetched.is_empty() {
                    return Err(failed(err));
                }
                let reversed = reverse::reverse(&self.source, distgit, committer).map_err(failed)?;
                Ok((reversed, fetched))
            }
            Err(err) => Err(failed(err)),
        }
    }
}

/// A reverse error for `distgit`, with the failing hunk when a patch did not apply.
fn reverse_error(distgit: &DistGitCommit, err: ReverseError) -> FetchError {
    let hunk = match &err {
        ReverseError::PatchFailed { file, message, .. } => {
            distgit.files.get(file).and_then(|bytes| failing_hunk(file, bytes, message)).unwrap_or_default()
        }
        _ => String::new(),
    };
    let commit = distgit.id.get(..12).unwrap_or(&distgit.id).to_owned();
    FetchError::Reverse { branch: distgit.branch.clone(), commit, source: Box::new(err), hunk }
}

/// The files, modes and author of a dist-git commit, as the reverse wants them.
fn distgit_commit(dist: &gix::Repository, commit: &gix::Commit<'_>, branch: &str) -> Result<DistGitCommit, FetchError> {
    let id = commit.id;
    let author = commit.author().map_err(git_err(format!("reading the author of {id}")))?;
    let time = author.time().map_err(git_err(format!("reading the author date of {id}")))?;
    let author = Person {
        name: String::from_utf8_lossy(author.name.trim_ascii()).into_owned(),
        email: String::from_utf8_lossy(author.email.trim_ascii()).into_owned(),
        time: time.seconds,
        offset: time.offset,
    };
    let tree = commit.tree().map_err(git_err(format!("reading the tree of {id}")))?;
    let mut files = BTreeMap::new();
    let mut executable = BTreeSet::new();
    for entry in tree.traverse().breadthfirst.files().map_err(git_err(format!("walking the tree of {id}")))? {
        if !(entry.mode.is_blob() || entry.mode.is_link()) {
            continue;
        }
        let path = entry.filepath.to_string();
        let blob = dist.find_blob(entry.oid).map_err(git_err(format!("reading {path} of {id}")))?;
        if entry.mode.is_executable() {
            executable.insert(path.clone());
        }
        files.insert(path, blob.data.clone());
    }
    Ok(DistGitCommit { id: id.to_string(), branch: branch.to_owned(), author, files, executable })
}

/// Fetches from `url` the release tags the reverse looked for (`err` says which): those whose
/// version is the spec's, or the configured `upstream.ref`. Returns the tags fetched.
fn fetch_release_tags(
    repo: &gix::Repository,
    url: &str,
    distgit: &DistGitCommit,
    err: &ReverseError,
) -> Result<Vec<String>, FetchError> {
    let upstream_err = |e: gix::Error| FetchError::Upstream { url: url.to_owned(), message: e.to_string() };
    let advertised = list_tags(repo, url).map_err(upstream_err)?;
    let wanted: Vec<String> = match err {
        ReverseError::NoTag { version, .. } => {
            let text = distgit.files.get(crate::distgit::OPT_IN_FILE).map(|b| String::from_utf8_lossy(b).into_owned());
            let Ok(config) = crate::config::load(text.as_deref(), None) else { return Ok(Vec::new()) };
            let Ok(matcher) = TagMatcher::new(&config.upstream) else { return Ok(Vec::new()) };
            let release = |t: &&String| matcher.is_release(t) && matcher.version_of(t).is_ok_and(|v| &v == version);
            advertised.iter().filter(release).cloned().collect()
        }
        ReverseError::BadRef { reference, .. } => {
            let name = reference.strip_prefix("refs/tags/").unwrap_or(reference);
            advertised.iter().filter(|t| t.as_str() == name).cloned().collect()
        }
        _ => Vec::new(),
    };
    if !wanted.is_empty() {
        fetch_tags(repo, url, &wanted).map_err(upstream_err)?;
    }
    Ok(wanted)
}

/// The tag names `url` advertises.
fn list_tags(repo: &gix::Repository, url: &str) -> Result<Vec<String>, gix::Error> {
    let remote = repo.remote_at(url)?.with_refspecs(["refs/tags/*:refs/tags/*"], gix::remote::Direction::Fetch)?;
    let connection = remote.connect(gix::remote::Direction::Fetch)?;
    let prepare = connection.prepare_fetch(gix::progress::Discard, Default::default())?;
    let names = prepare
        .ref_map()
        .remote_refs
        .iter()
        .filter_map(|r| r.unpack().0.to_string().strip_prefix("refs/tags/").map(str::to_owned))
        .collect();
    Ok(names)
}

/// Fetches `refs/tags/<tag>` for each of `tags` from `url` into the repository.
fn fetch_tags(repo: &gix::Repository, url: &str, tags: &[String]) -> Result<(), gix::Error> {
    let specs: Vec<String> = tags.iter().map(|t| format!("refs/tags/{t}:refs/tags/{t}")).collect();
    let remote = repo.remote_at(url)?.with_refspecs(specs.iter().map(String::as_str), gix::remote::Direction::Fetch)?;
    let connection = remote.connect(gix::remote::Direction::Fetch)?;
    let prepare = connection.prepare_fetch(gix::progress::Discard, Default::default())?;
    prepare.receive(gix::progress::Discard, &AtomicBool::new(false))?;
    Ok(())
}

/// The hunk `git apply` names in `message` (`error: patch failed: <path>:<line>`), quoted
/// from the patch file `file`, as a block to append to the error.
fn failing_hunk(file: &str, bytes: &[u8], message: &str) -> Option<String> {
    let spot = message.lines().find_map(|l| l.trim().strip_prefix("error: patch failed: "))?;
    let (path, line) = spot.rsplit_once(':')?;
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let first = find_hunk(&lines, path, line)?;
    let hunk = hunk_lines(&lines[first..]);
    let mut out = format!("\nthe failing hunk of {file} ({path}, line {line}):");
    for l in hunk.iter().take(HUNK_LINES) {
        out.push_str("\n    ");
        out.push_str(l);
    }
    if hunk.len() > HUNK_LINES {
        out.push_str(&format!("\n    … ({} more lines)", hunk.len() - HUNK_LINES));
    }
    Some(out)
}

/// The index of the `@@ -<line>…` header of a hunk of `path` (a `---`/`+++` name ending
/// with it, so `foo-1.0/x.c` matches `x.c` after any strip level).
fn find_hunk(lines: &[&str], path: &str, line: &str) -> Option<usize> {
    let matches = |name: &str| {
        let name = name.split('\t').next().unwrap_or(name).trim_end();
        name == path || name.ends_with(&format!("/{path}"))
    };
    let (mut old_matches, mut in_file) = (false, false);
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if let Some(name) = l.strip_prefix("--- ") {
            (old_matches, in_file) = (matches(name), false);
        } else if let Some(name) = l.strip_prefix("+++ ") {
            in_file = matches(name) || (name.starts_with("/dev/null") && old_matches);
        } else if let Some(counts) = l.strip_prefix("@@ -") {
            let start = counts.split([',', ' ']).next().unwrap_or_default();
            if in_file && start == line {
                return Some(i);
            }
            i += hunk_lines(&lines[i..]).len();
            continue;
        }
        i += 1;
    }
    None
}

/// The hunk starting at `lines[0]` (its `@@` line and as many lines as it counts).
fn hunk_lines<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let counts = lines.first().and_then(|h| {
        let ranges = h.strip_prefix("@@ -")?.split(" @@").next()?;
        let (old, new) = ranges.split_once(" +")?;
        let count = |r: &str| r.split_once(',').map_or(Some(1), |(_, n)| n.parse::<usize>().ok());
        Some((count(old)?, count(new)?))
    });
    let Some((mut old, mut new)) = counts else { return lines.iter().take(1).copied().collect() };
    let mut out = vec![lines[0]];
    for l in &lines[1..] {
        if old == 0 && new == 0 && !l.starts_with('\\') {
            break;
        }
        match l.as_bytes().first() {
            Some(b'-') => old = old.saturating_sub(1),
            Some(b'+') => new = new.saturating_sub(1),
            Some(b'\\') => {}
            _ => {
                old = old.saturating_sub(1);
                new = new.saturating_sub(1);
            }
        }
        out.push(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "Subject: x\n---\ndiff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-x\n+y\n z\n\
                         diff --git a/doc/b.txt b/doc/b.txt\n--- a/doc/b.txt\n+++ b/doc/b.txt\n@@ -1,2 +1,2 @@\n-old\n+new\n ctx\n\
                         @@ -10 +10 @@\n-p\n+q\n-- \n2.46.0\n";

    #[test]
    fn the_failing_hunk_is_quoted_from_the_patch() {
        let msg = "error: patch failed: doc/b.txt:1\nerror: doc/b.txt: patch does not apply";
        let hunk = failing_hunk("0001-x.patch", PATCH.as_bytes(), msg).unwrap();
        assert_eq!(
            hunk,
            "\nthe failing hunk of 0001-x.patch (doc/b.txt, line 1):\n    @@ -1,2 +1,2 @@\n    -old\n    +new\n     ctx"
        );
        let msg = "error: patch failed: doc/b.txt:10\n";
        let hunk = failing_hunk("0001-x.patch", PATCH.as_bytes(), msg).unwrap();
        assert!(hunk.ends_with("@@ -10 +10 @@\n    -p\n    +q"), "{hunk}");
        assert_eq!(failing_hunk("p", PATCH.as_bytes(), "error: something else"), None);
    }
}
