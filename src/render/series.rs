//! The dist-git patch series: which `.patch` files the downstream commits make, with what
//! bytes, names, numbers and spec comments.
//!
//! This follows Packit's `PatchGenerator` (`packit/patches.py`): ignored commits are dropped
//! first; then, if any commit carries the legacy `squash_commits` key, commits are grouped
//! Packit's `squash_commits` way, otherwise adjacent commits with the same name share a file.
//! A file whose commits have the same `git patch-id --stable` as the previous dist-git's file
//! of that name keeps its previous bytes, so unchanged patches do not churn.
//!
//! Three Packit defects are not reproduced: ignored patch files are not left behind,
//! `No-prefix` is honoured, and each commit's comment style is decided by its own metadata
//! (Packit switches every comment to the trailer style when any commit has a trailer).

use std::collections::HashMap;

use thiserror::Error;

use crate::meta::{self, short_id, MetaError, MetaStyle, PatchMeta};
use crate::snapshot::{DownstreamCommit, PreviousDistGit};

/// One patch file of the dist-git.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPatch {
    /// The file name (also the value of the spec's `PatchN:` line).
    pub file_name: String,
    /// The file content.
    pub bytes: Vec<u8>,
    /// Source commit ids in the file, oldest first.
    pub commits: Vec<String>,
    /// The explicit `Patch-id` / `patch_id` number, if any.
    pub number: Option<u32>,
    /// The spec already has the patch's `PatchN:` line: add no line.
    pub present_in_spec: bool,
    /// Comment lines for above the `PatchN:` line, without the `# `.
    pub comment: Vec<String>,
    /// Space-joined `git patch-id --stable` ids of the commits, when all are known.
    pub patch_ids: Option<String>,
    /// The bytes were taken unchanged from the previous dist-git.
    pub kept_previous: bool,
}

/// Why the patch series cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SeriesError {
    /// Bad metadata in a commit message.
    #[error(transparent)]
    Meta(#[from] MetaError),
    /// A `Patch-name` that is not a plain file name.
    #[error(
        "commit {commit}: patch name `{name}` is not accepted: {reason}; \
         set `Patch-name` to a plain file name such as `0001-fix.patch`"
    )]
    BadName { commit: String, name: String, reason: &'static str },
    /// Two commits that are not next to each other make a file of the same name.
    #[error(
        "commits {first} and {second} both make the patch file `{name}` but are not adjacent; \
         give one of them another `Patch-name`, or reorder the commits so that they are \
         adjacent (adjacent commits with the same `Patch-name` share one file)"
    )]
    NonAdjacent { name: String, first: String, second: String },
    /// Two commits' default (git) names are the same.
    #[error(
        "commits {first} and {second} both make the patch file `{name}` by default; \
         give one of them a `Patch-name` trailer"
    )]
    DefaultNameCollision { name: String, first: String, second: String },
    /// `No-prefix` asked for, but the adapter made no `--no-prefix` patch.
    #[error(
        "internal error: commit {commit} asks for `No-prefix: true` but no `--no-prefix` \
         patch was made for it; please report this bug"
    )]
    MissingNoPrefix { commit: String },
    /// A binary hunk in a series applied with `patch`.
    #[error(
        "commit {commit}: patch `{name}` has a binary change, which `patch` (`%autosetup -p1`, \
         `%patch`) cannot apply; apply the patches with git (`%autosetup -S git`) or drop the \
         binary change from the commit"
    )]
    Binary { commit: String, name: String },
}

/// One commit that makes (part of) a patch file.
struct Entry<'a> {
    commit: &'a DownstreamCommit,
    meta: PatchMeta,
    name: String,
    explicit_name: bool,
    bytes: &'a [u8],
    patch_id: Option<&'a str>,
}

/// Commits that share one patch file: indexes into the entries, oldest first, and the one
/// whose metadata describes the file.
struct Group {
    members: Vec<usize>,
    representative: usize,
}

/// Assembles the patch files of `commits` (oldest first).
///
/// `git_apply` says the spec applies patches with git, so binary hunks are allowed.
pub fn assemble(
    commits: &[DownstreamCommit],
    previous: Option<&PreviousDistGit>,
    git_apply: bool,
) -> Result<Vec<SeriesPatch>, SeriesError> {
    let mut entries = Vec::new();
    for commit in commits {
        if let Some(entry) = entry(commit, git_apply)? {
            entries.push(entry);
        }
    }
    let groups = if entries.iter().any(|e| e.meta.squash_commits) {
        group_by_squash_commits(&entries)?
    } else {
        group_by_name(&entries)?
    };
    Ok(groups.iter().map(|group| series_patch(&entries, group, previous)).collect())
}

/// The entry of one commit, or `None` when it makes no patch or is ignored.
fn entry(commit: &DownstreamCommit, git_apply: bool) -> Result<Option<Entry<'_>>, SeriesError> {
    let Some(patch) = &commit.patch else {
        return Ok(None);
    };
    let id = short_id(&commit.info.id);
    let meta = meta::parse(&commit.info.id, &commit.info.message)?;
    if meta.ignore {
        return Ok(None);
    }
    let explicit_name = meta.name.is_some();
    let name = match &meta.name {
        Some(name) => validate_name(id, name)?.to_string(),
        None => patch.git_name.clone(),
    };
    if patch.binary && !git_apply {
        return Err(SeriesError::Binary { commit: id.to_string(), name });
    }
    let bytes = if meta.no_prefix {
        patch.no_prefix_bytes.as_deref().ok_or_else(|| SeriesError::MissingNoPrefix { commit: id.to_string() })?
    } else {
        &patch.bytes
    };
    Ok(Some(Entry { commit, meta, name, explicit_name, bytes, patch_id: patch.patch_id.as_deref() }))
}

/// Checks that a `Patch-name` is a plain file name.
fn validate_name<'a>(commit: &str, name: &'a str) -> Result<&'a str, SeriesError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.contains('/') {
        Some("it contains `/`")
    } else if name == "." || name == ".." {
        Some("it is a directory name")
    } else if name.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if name.trim() != name {
        Some("it starts or ends with white space")
    } else {
        None
    };
    match reason {
        None => Ok(name),
        Some(reason) => Err(SeriesError::BadName { commit: commit.to_string(), name: name.to_string(), reason }),
    }
}

/// Packit's `squash_by_patch_name`: adjacent commits with the same name share a file.
fn group_by_name(entries: &[Entry<'_>]) -> Result<Vec<Group>, SeriesError> {
    let mut groups: Vec<Group> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, entry) in entries.iter().enumerate() {
        if let Some(&first) = seen.get(entry.name.as_str()) {
            let last = groups.last_mut().filter(|g| g.representative == first);
            match last {
                Some(group) if entry.explicit_name || entries[first].explicit_name => {
                    group.members.push(index);
                    continue;
                }
                adjacent => return Err(collision(&entries[first], entry, adjacent.is_none())),
            }
        }
        seen.insert(&entry.name, index);
        groups.push(Group { members: vec![index], representative: index });
    }
    Ok(groups)
}

/// The error for two entries making the same file name.
fn collision(first: &Entry<'_>, second: &Entry<'_>, non_adjacent: bool) -> SeriesError {
    let name = second.name.clone();
    let first = short_id(&first.commit.info.id).to_string();
    let second = short_id(&second.commit.info.id).to_string();
    if non_adjacent {
        SeriesError::NonAdjacent { name, first, second }
    } else {
        SeriesError::DefaultNameCollision { name, first, second }
    }
}

/// Packit's `squash_by_squash_commits`: a commit with `squash_commits`,
/// `present_in_specfile` or any YAML metadata closes a file holding itself and the commits
/// before it back to the previous such commit; the commits after the newest
/// `squash_commits` commit join its file. The closing commit describes the file.
fn group_by_squash_commits(entries: &[Entry<'_>]) -> Result<Vec<Group>, SeriesError> {
    let last_squash = entries.iter().rposition(|e| e.meta.squash_commits).unwrap_or(entries.len().saturating_sub(1));
    let mut groups: Vec<Group> = Vec::new();
    let mut pending = Vec::new();
    for (index, entry) in entries.iter().enumerate().take(last_squash + 1) {
        pending.push(index);
        let meta = &entry.meta;
        if meta.squash_commits || meta.present_in_spec || meta.defined() {
            groups.push(Group { members: std::mem::take(&mut pending), representative: index });
        }
    }
    if let Some(last) = groups.last_mut() {
        last.members.extend(pending);
        last.members.extend(last_squash + 1..entries.len());
    }
    check_unique_names(entries, &groups)?;
    Ok(groups)
}

/// Fails when two groups have the same file name.
fn check_unique_names(entries: &[Entry<'_>], groups: &[Group]) -> Result<(), SeriesError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for group in groups {
        let entry = &entries[group.representative];
        if let Some(&first) = seen.get(entry.name.as_str()) {
            return Err(collision(&entries[first], entry, true));
        }
        seen.insert(&entry.name, group.representative);
    }
    Ok(())
}

/// The patch file of one group.
fn series_patch(entries: &[Entry<'_>], group: &Group, previous: Option<&PreviousDistGit>) -> SeriesPatch {
    let members: Vec<&Entry<'_>> = group.members.iter().map(|&i| &entries[i]).collect();
    let representative = &entries[group.representative];
    let patch_ids: Option<Vec<&str>> = members.iter().map(|e| e.patch_id).collect();
    let patch_ids = patch_ids.map(|ids| ids.join(" "));
    let kept = previous.and_then(|p| previous_bytes(p, &representative.name, patch_ids.as_deref()));
    SeriesPatch {
        file_name: representative.name.clone(),
        kept_previous: kept.is_some(),
        bytes: kept.unwrap_or_else(|| members.iter().flat_map(|e| e.bytes).copied().collect()),
        commits: members.iter().map(|e| e.commit.info.id.clone()).collect(),
        number: representative.meta.id,
        present_in_spec: representative.meta.present_in_spec,
        comment: comment(representative),
        patch_ids,
    }
}

/// The previous dist-git's bytes of `name`, if its patch ids equal `patch_ids`.
fn previous_bytes(previous: &PreviousDistGit, name: &str, patch_ids: Option<&str>) -> Option<Vec<u8>> {
    let ids = patch_ids?;
    let old_ids = previous.patch_ids.get(name)?;
    let same = ids.split_whitespace().eq(old_ids.split_whitespace());
    same.then(|| previous.files.get(name).cloned()).flatten()
}

/// The comment Packit writes above the commit's `PatchN:` line.
fn comment(entry: &Entry<'_>) -> Vec<String> {
    let info = &entry.commit.info;
    let lines = |text: &str| text.lines().map(str::to_string).collect();
    match (entry.meta.style, entry.meta.status.as_deref()) {
        (MetaStyle::Trailers, Some(status)) if status.trim().is_empty() => {
            vec![format!("Patch \"{}\"", entry.name)]
        }
        (MetaStyle::Trailers, Some(status)) => lines(status.trim()),
        (MetaStyle::Trailers, None) => lines(&meta::packit_description(&info.message)),
        (MetaStyle::Legacy, Some(description)) if !description.is_empty() => lines(description),
        _ => vec![
            info.message.split('\n').next().unwrap_or("").to_string(),
            format!("Author: {} <{}>", info.author.name, info.author.email),
        ],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::snapshot::{CommitInfo, FormattedPatch, Person};

    fn person() -> Person {
        Person { name: "Ann Dev".into(), email: "ann@example.org".into(), time: 0, offset: 0 }
    }

    /// A commit `n` whose patch bytes are `patch n\n` and whose patch id is `id{n}`.
    fn commit(n: u32, message: &str) -> DownstreamCommit {
        DownstreamCommit {
            info: CommitInfo {
                id: n.to_string().repeat(40)[..40].to_string(),
                author: person(),
                committer: person(),
                message: message.into(),
            },
            patch: Some(FormattedPatch {
                git_name: format!("{n:04}-commit-{n}.patch"),
                bytes: format!("patch {n}\n").into_bytes(),
                no_prefix_bytes: Some(format!("no-prefix patch {n}\n").into_bytes()),
                patch_id: Some(format!("id{n}")),
                binary: false,
            }),
        }
    }

    fn run(commits: &[DownstreamCommit]) -> Vec<SeriesPatch> {
        assemble(commits, None, false).unwrap()
    }

    fn names(series: &[SeriesPatch]) -> Vec<&str> {
        series.iter().map(|p| p.file_name.as_str()).collect()
    }

    fn text(patch: &SeriesPatch) -> &str {
        std::str::from_utf8(&patch.bytes).unwrap()
    }

    fn error(commits: &[DownstreamCommit]) -> String {
        assemble(commits, None, false).unwrap_err().to_string()
    }

    #[test]
    fn plain_commits_make_one_file_each_with_subject_and_author() {
        let series = run(&[commit(1, "First\n\nBody\n"), commit(2, "Second\n")]);
        assert_eq!(names(&series), ["0001-commit-1.patch", "0002-commit-2.patch"]);
        let first = &series[0];
        assert_eq!(text(first), "patch 1\n");
        assert_eq!(first.commits, ["1".repeat(40)]);
        assert_eq!(first.comment, ["First", "Author: Ann Dev <ann@example.org>"]);
        assert_eq!(first.patch_ids.as_deref(), Some("id1"));
        assert_eq!((first.number, first.present_in_spec, first.kept_previous), (None, false, false));
    }

    #[test]
    fn commits_without_patch_make_nothing() {
        let mut empty = commit(1, "Only .distro\n");
        empty.patch = None;
        assert_eq!(names(&run(&[empty, commit(2, "Two\n")])), ["0002-commit-2.patch"]);
    }

    #[test]
    fn trailers_set_name_number_and_spec_presence() {
        let series = run(&[commit(1, "Fix\n\nPatch-name: fix.patch\nPatch-id: 9\nPatch-present-in-specfile: true\n")]);
        assert_eq!(names(&series), ["fix.patch"]);
        assert_eq!((series[0].number, series[0].present_in_spec), (Some(9), true));
    }

    #[test]
    fn legacy_keys_set_name_number_and_spec_presence() {
        let series = run(&[commit(1, "Apply x\n\npatch_name: x.patch\npatch_id: 4\npresent_in_specfile: true\n")]);
        assert_eq!(names(&series), ["x.patch"]);
        assert_eq!((series[0].number, series[0].present_in_spec), (Some(4), true));
    }

    #[test]
    fn ignored_commits_make_no_file() {
        let series =
            run(&[commit(1, "One\n\nIgnore-patch: true\n"), commit(2, "Two\n\nignore: true\n"), commit(3, "Three\n")]);
        assert_eq!(names(&series), ["0003-commit-3.patch"]);
    }

    #[test]
    fn adjacent_commits_with_one_name_share_a_file() {
        let series = run(&[
            commit(1, "A\n\nPatch-name: a.patch\nPatch-status: first\n"),
            commit(2, "B\n\nPatch-name: a.patch\nPatch-status: second\n"),
            commit(3, "C\n"),
        ]);
        assert_eq!(names(&series), ["a.patch", "0003-commit-3.patch"]);
        assert_eq!(text(&series[0]), "patch 1\npatch 2\n");
        assert_eq!(series[0].commits.len(), 2);
        assert_eq!(series[0].patch_ids.as_deref(), Some("id1 id2"));
        assert_eq!(series[0].comment, ["first"]);
    }

    #[test]
    fn ignored_commit_between_same_names_does_not_break_adjacency() {
        let series = run(&[
            commit(1, "A\n\nPatch-name: a.patch\n"),
            commit(2, "X\n\nIgnore-patch: true\n"),
            commit(3, "B\n\nPatch-name: a.patch\n"),
        ]);
        assert_eq!(names(&series), ["a.patch"]);
        assert_eq!(text(&series[0]), "patch 1\npatch 3\n");
    }

    #[test]
    fn non_adjacent_same_name_is_an_error() {
        let e = error(&[
            commit(1, "A\n\nPatch-name: a.patch\n"),
            commit(2, "B\n"),
            commit(3, "C\n\nPatch-name: a.patch\n"),
        ]);
        assert_eq!(
            e,
            "commits 111111111111 and 333333333333 both make the patch file `a.patch` but are \
             not adjacent; give one of them another `Patch-name`, or reorder the commits so \
             that they are adjacent (adjacent commits with the same `Patch-name` share one file)"
        );
    }

    #[test]
    fn default_name_collision_is_an_error() {
        let one = commit(1, "A\n");
        let mut two = commit(2, "B\n");
        two.patch.as_mut().unwrap().git_name = "0001-commit-1.patch".into();
        let e = error(&[one, two]);
        assert!(e.contains("both make the patch file `0001-commit-1.patch` by default"), "{e}");
    }

    #[test]
    fn explicit_name_equal_to_a_non_adjacent_default_name_is_an_error() {
        let e = error(&[commit(1, "A\n"), commit(2, "B\n"), commit(3, "C\n\nPatch-name: 0001-commit-1.patch\n")]);
        assert!(e.contains("but are not adjacent"), "{e}");
    }

    #[test]
    fn bad_patch_names_are_errors() {
        for (name, reason) in
            [("'sub/dir.patch'", "it contains `/`"), ("''", "it is empty"), ("'..'", "it is a directory name")]
        {
            let e = error(&[commit(1, &format!("A\n\nPatch-name: {name}\n"))]);
            assert!(e.contains(reason), "{e}");
            assert!(e.starts_with("commit 111111111111: patch name `"), "{e}");
        }
    }

    #[test]
    fn bad_metadata_is_an_error() {
        let e = error(&[commit(1, "A\n\nPatch-id: abc\n")]);
        assert!(e.contains("`Patch-id: abc` is not accepted"), "{e}");
    }

    #[test]
    fn no_prefix_uses_the_no_prefix_variant() {
        let series = run(&[commit(1, "A\n\nNo-prefix: true\n"), commit(2, "B\n\nno_prefix: true\n")]);
        assert_eq!(text(&series[0]), "no-prefix patch 1\n");
        assert_eq!(text(&series[1]), "no-prefix patch 2\n");
    }

    #[test]
    fn missing_no_prefix_variant_is_an_internal_error() {
        let mut one = commit(1, "A\n\nNo-prefix: true\n");
        one.patch.as_mut().unwrap().no_prefix_bytes = None;
        assert!(error(&[one]).starts_with("internal error: commit 111111111111"));
    }

    #[test]
    fn binary_hunks_need_git_apply() {
        let mut one = commit(1, "A\n");
        one.patch.as_mut().unwrap().binary = true;
        let e = error(std::slice::from_ref(&one));
        assert!(e.starts_with("commit 111111111111: patch `0001-commit-1.patch` has a binary"));
        assert!(e.contains("`%autosetup -S git`"), "{e}");
        assert_eq!(assemble(&[one], None, true).unwrap().len(), 1);
    }

    #[test]
    fn ignored_binary_commit_is_not_an_error() {
        let mut one = commit(1, "A\n\nIgnore-patch: true\n");
        one.patch.as_mut().unwrap().binary = true;
        assert!(run(&[one]).is_empty());
    }

    fn previous(name: &str, ids: &str) -> PreviousDistGit {
        let mut previous = PreviousDistGit::default();
        previous.files.insert(name.into(), b"old bytes\n".to_vec());
        previous.patch_ids.insert(name.into(), ids.into());
        previous
    }

    #[test]
    fn unchanged_patch_ids_keep_previous_bytes() {
        let commits = [commit(1, "A\n\nPatch-name: a.patch\n"), commit(2, "B\n\nPatch-name: a.patch\n")];
        let old = previous("a.patch", "id1 id2");
        let series = assemble(&commits, Some(&old), false).unwrap();
        assert!(series[0].kept_previous);
        assert_eq!(text(&series[0]), "old bytes\n");
    }

    #[test]
    fn changed_patch_ids_take_new_bytes() {
        let commits = [commit(1, "A\n\nPatch-name: a.patch\n"), commit(2, "B\n\nPatch-name: a.patch\n")];
        for ids in ["id1", "id1 id3", "id2 id1"] {
            let old = previous("a.patch", ids);
            let series = assemble(&commits, Some(&old), false).unwrap();
            assert!(!series[0].kept_previous, "{ids}");
            assert_eq!(text(&series[0]), "patch 1\npatch 2\n");
        }
    }

    #[test]
    fn unknown_patch_id_takes_new_bytes() {
        let mut one = commit(1, "A\n");
        one.patch.as_mut().unwrap().patch_id = None;
        let old = previous("0001-commit-1.patch", "id1");
        let series = assemble(&[one], Some(&old), false).unwrap();
        assert_eq!((series[0].kept_previous, series[0].patch_ids.clone()), (false, None));
    }

    #[test]
    fn comment_styles_are_decided_per_commit() {
        let series = run(&[
            commit(1, "Plain subject\n\nBody\n"),
            commit(2, "Trailer subject\n\nWhy it is needed.\n\nPatch-name: t.patch\n"),
            commit(3, "S\n\nPatch-status: |\n  # Downstream only\n  see bz#1\n"),
            commit(4, "Legacy\n\ndescription: from the old spec\n"),
            commit(5, "Legacy bare\n\npatch_name: l.patch\n"),
            commit(6, "S\n\nPatch-status: ''\nPatch-name: e.patch\n"),
        ]);
        let comments: Vec<Vec<String>> = series.into_iter().map(|p| p.comment).collect();
        let author = "Author: Ann Dev <ann@example.org>";
        assert_eq!(comments[0], ["Plain subject", author]);
        assert_eq!(comments[1], ["Trailer subject", "", "Why it is needed."]);
        assert_eq!(comments[2], ["# Downstream only", "see bz#1"]);
        assert_eq!(comments[3], ["from the old spec"]);
        assert_eq!(comments[4], ["Legacy bare", author]);
        assert_eq!(comments[5], ["Patch \"e.patch\""]);
    }

    #[test]
    fn squash_commits_groups_like_packit() {
        // 1 (plain) and 2 (squash_commits) make x.patch; 3 (plain) and 4 (present) make
        // 0004's file; 5 (squash_commits) closes y.patch; 6 (present_in_specfile) follows
        // the newest squash_commits commit and joins y.patch.
        let series = run(&[
            commit(1, "One\n"),
            commit(2, "Two\n\npatch_name: x.patch\nsquash_commits: true\n"),
            commit(3, "Three\n"),
            commit(4, "Four\n\npresent_in_specfile: true\n"),
            commit(5, "Five\n\npatch_name: y.patch\nsquash_commits: true\ndescription: Y\n"),
            commit(6, "Six\n\npresent_in_specfile: true\n"),
        ]);
        assert_eq!(names(&series), ["x.patch", "0004-commit-4.patch", "y.patch"]);
        assert_eq!(text(&series[0]), "patch 1\npatch 2\n");
        assert_eq!(text(&series[1]), "patch 3\npatch 4\n");
        assert_eq!(text(&series[2]), "patch 5\npatch 6\n");
        assert!(series[1].present_in_spec);
        assert_eq!(series[2].comment, ["Y"]);
        assert_eq!(series[2].patch_ids.as_deref(), Some("id5 id6"));
    }

    #[test]
    fn squash_commits_treats_any_yaml_mapping_as_a_file_boundary() {
        let series = run(&[
            commit(1, "One\n\nSigned-off-by: A <a@b>\n"),
            commit(2, "Two\n"),
            commit(3, "Three\n\npatch_name: z.patch\nsquash_commits: true\n"),
        ]);
        assert_eq!(names(&series), ["0001-commit-1.patch", "z.patch"]);
    }

    #[test]
    fn squash_commits_names_must_be_unique() {
        let e = error(&[
            commit(1, "One\n\npatch_name: x.patch\nsquash_commits: true\n"),
            commit(2, "Two\n\npatch_name: x.patch\nsquash_commits: true\n"),
        ]);
        assert!(e.contains("`x.patch`"), "{e}");
    }
}
