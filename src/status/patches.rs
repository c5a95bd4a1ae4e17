//! Counting downstream patches cheaply: the commits between the release and the tip whose
//! change touches a path outside `patches.ignore_paths` (the commits `git format-patch` makes a
//! patch for), found by comparing trees with gix — no `git format-patch`, no blob read.

use super::memo::Memo;
use super::StatusError;
use gix::objs::tree::EntryMode;
use gix::objs::tree::EntryRef;
use gix::ObjectId;
use std::cmp::Ordering;

/// The `patches.ignore_paths` pathspecs, matched as git matches plain pathspecs: a path is left
/// out when it equals a spec or lies below it; a spec with `*`, `?` or `[` is a glob whose `*`
/// also matches `/`.
#[derive(Debug, Clone)]
pub(super) struct Ignore {
    prefixes: Vec<String>,
    globs: globset::GlobSet,
}

impl Ignore {
    /// Reads the pathspecs (a leading `:(…)` magic or `:/` is dropped; `./` and a trailing `/`
    /// are ignored).
    pub(super) fn new(specs: &[String]) -> Ignore {
        let mut prefixes = Vec::new();
        let mut globs = globset::GlobSetBuilder::new();
        for spec in specs {
            let spec = strip_magic(spec);
            let spec = spec.trim_start_matches("./").trim_end_matches('/');
            if spec.contains(['*', '?', '[']) {
                if let Ok(glob) = globset::GlobBuilder::new(spec).literal_separator(false).build() {
                    globs.add(glob);
                }
            } else if !spec.is_empty() {
                prefixes.push(spec.to_owned());
            }
        }
        let globs = globs.build().unwrap_or_else(|_| globset::GlobSet::empty());
        Ignore { prefixes, globs }
    }

    /// Whether some path below the directory `dir` might be left out.
    fn may_match_below(&self, dir: &str) -> bool {
        !self.globs.is_empty()
            || self.prefixes.iter().any(|p| p.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/')))
    }

    /// Whether `path` (repository-relative, `/`-separated) is left out of the patches.
    pub(super) fn matches(&self, path: &str) -> bool {
        self.prefixes.iter().any(|p| path == p || path.strip_prefix(p.as_str()).is_some_and(|r| r.starts_with('/')))
            || self.globs.is_match(path)
    }
}

/// `:(exclude,glob)x` → `x`; `:/x` → `x`; anything else as is.
fn strip_magic(spec: &str) -> &str {
    match spec.strip_prefix(":(") {
        Some(rest) => rest.split_once(')').map_or(spec, |(_, path)| path),
        None => spec.strip_prefix(":/").unwrap_or(spec),
    }
}

/// The number of non-merge commits in `release..tip` whose change leaves `ignore`; answers
/// already in `memo` are not computed again, new ones are added to it.
pub(super) fn count(
    repo: &gix::Repository,
    tip: ObjectId,
    release: ObjectId,
    ignore: &Ignore,
    memo: &mut Memo,
) -> Result<usize, StatusError> {
    let what = "walking the downstream range";
    let walk = repo.rev_walk([tip]).with_hidden([release]).all().map_err(super::git_err(what))?;
    let mut count = 0;
    for info in walk {
        let info = info.map_err(|e| StatusError::Git { what: what.into(), message: e.to_string() })?;
        let mut parents = info.parent_ids();
        let parent = parents.next().map(|p| p.detach());
        if parents.next().is_some() {
            continue;
        }
        let makes_patch = match memo.get(info.id) {
            Some(known) => known,
            None => {
                let parent_tree = parent.map(|p| tree_of(repo, p)).transpose()?;
                let answer = differs(repo, parent_tree, Some(tree_of(repo, info.id)?), "", ignore)?;
                memo.insert(info.id, answer);
                answer
            }
        };
        count += usize::from(makes_patch);
    }
    Ok(count)
}

/// The tree id of `commit`.
fn tree_of(repo: &gix::Repository, commit: ObjectId) -> Result<ObjectId, StatusError> {
    let commit = repo.find_commit(commit).map_err(super::git_err(format!("reading commit {commit}")))?;
    commit.tree_id().map(|t| t.detach()).map_err(super::git_err(format!("reading the tree of {}", commit.id)))
}

/// One tree entry: mode and object.
type Entry = (EntryMode, ObjectId);

/// The tree `id`, if any.
fn read_tree(repo: &gix::Repository, id: Option<ObjectId>) -> Result<Option<gix::Tree<'_>>, StatusError> {
    id.map(|id| repo.find_tree(id).map_err(super::git_err(format!("reading tree {id}")))).transpose()
}

/// The entries of `tree` in git's order (none for `None`).
fn entries<'a>(tree: Option<&'a gix::Tree<'_>>) -> Result<Vec<EntryRef<'a>>, StatusError> {
    let Some(tree) = tree else { return Ok(Vec::new()) };
    let decoded = gix::objs::TreeRef::from_bytes(&tree.data, tree.id.kind())
        .map_err(|e| StatusError::Git { what: format!("decoding tree {}", tree.id), message: e.to_string() })?;
    Ok(decoded.entries)
}

/// Whether the trees `old` and `new` (the directory `dir`) differ outside `ignore`. Both are
/// walked in git's order side by side; subtrees are read only where they differ, and the
/// comparison stops at the first change that counts.
fn differs(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    dir: &str,
    ignore: &Ignore,
) -> Result<bool, StatusError> {
    let (old_tree, new_tree) = (read_tree(repo, old)?, read_tree(repo, new)?);
    let (before, after) = (entries(old_tree.as_ref())?, entries(new_tree.as_ref())?);
    let (mut i, mut j) = (0, 0);
    loop {
        let (a, b) = (before.get(i), after.get(j));
        let order = match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return Ok(false),
        };
        let (a, b) = match order {
            Ordering::Equal => (a, b),
            Ordering::Less => (a, None),
            Ordering::Greater => (None, b),
        };
        i += usize::from(a.is_some());
        j += usize::from(b.is_some());
        let entry = |e: &EntryRef<'_>| (e.mode, e.oid.to_owned());
        if a.map(entry) == b.map(entry) {
            continue;
        }
        let name = a.or(b).map(|e| e.filename.to_string()).unwrap_or_default();
        let path = join(dir, &name);
        let (a, b) = (a.map(entry), b.map(entry));
        if !ignore.matches(&path) && changed(repo, a, b, &path, ignore)? {
            return Ok(true);
        }
    }
}

/// Whether one changed entry at `path` (not itself ignored) counts: a changed blob does; a
/// tree only if something inside it changed outside `ignore`.
fn changed(
    repo: &gix::Repository,
    old: Option<Entry>,
    new: Option<Entry>,
    path: &str,
    ignore: &Ignore,
) -> Result<bool, StatusError> {
    let tree = |e: Option<Entry>| e.filter(|(m, _)| m.is_tree()).map(|(_, id)| id);
    let blob_involved = old.is_some_and(|(m, _)| !m.is_tree()) || new.is_some_and(|(m, _)| !m.is_tree());
    // Two different trees differ somewhere below: it counts unless something there is ignored.
    Ok(blob_involved || !ignore.may_match_below(path) || differs(repo, tree(old), tree(new), path, ignore)?)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pathspecs_match_like_git() {
        let specs = [".distro", ".github/", ":(exclude)test", "docs/*.md", "./x/y"].map(String::from);
        let ignore = Ignore::new(&specs);
        for path in [".distro", ".distro/hello.spec", ".github/workflows/ci.yml", "test/a", "docs/a/b.md", "x/y/z"] {
            assert!(ignore.matches(path), "{path}");
        }
        for path in [".distrox", "src/.distro", "testing", "docs/a.txt", "x/yz"] {
            assert!(!ignore.matches(path), "{path}");
        }
    }
}
