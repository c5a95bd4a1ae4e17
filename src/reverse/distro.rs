//! The `.distro/` directory of the reversed branch: which dist-git files go there, and the tree
//! that adds them (written with gix).
//!
//! Like `packit source-git init`, every dist-git file is copied to `.distro/<path>` except
//! `sources`, the lookaside files `sources` names, `.git*` files (dist-git's `.gitignore` lists
//! tarballs; the render never syncs `.gitignore` back), and the patch files that became
//! commits. `*.patch` files the spec does not name are left out (the render would delete them);
//! patches the spec names but `%prep` does not apply stay, so the render writes them back.
//! `.distro/.gitignore` resets the upstream's ignore rules (`!*`), as Packit's does.

use super::{DistGitCommit, ReverseError};
use std::collections::{BTreeMap, BTreeSet};

/// Packit's `.distro/.gitignore`: upstream ignore rules must not hide packaging files.
pub const GITIGNORE: &str = "# Reset gitignore rules\n!*\n";

/// One file of `.distro/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistroFile<'a> {
    pub bytes: &'a [u8],
    pub executable: bool,
}

/// The `.distro/` files (keyed by their source-git path) and the `*.patch` files left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistroPlan<'a> {
    pub files: BTreeMap<String, DistroFile<'a>>,
    /// `*.patch` files in dist-git that the spec does not name.
    pub dropped: Vec<String>,
}

/// Chooses the `.distro/` files; `applied` are the patch files that became commits and
/// `named` every file the spec's `Patch` lines name.
pub fn plan<'a>(files: &'a DistGitCommit, applied: &BTreeSet<String>, named: &BTreeSet<String>) -> DistroPlan<'a> {
    let lookaside = lookaside_files(files);
    let mut plan = DistroPlan { files: BTreeMap::new(), dropped: Vec::new() };
    for (path, bytes) in &files.files {
        let git_file = path.split('/').any(|c| c.starts_with(".git"));
        let unnamed_patch = path.ends_with(".patch") && !named.contains(path);
        if unnamed_patch {
            plan.dropped.push(path.clone());
        }
        if path == SOURCES || lookaside.contains(path) || git_file || applied.contains(path) || unnamed_patch {
            continue;
        }
        let executable = files.executable.contains(path);
        plan.files.insert(format!(".distro/{path}"), DistroFile { bytes, executable });
    }
    plan.files.insert(".distro/.gitignore".into(), DistroFile { bytes: GITIGNORE.as_bytes(), executable: false });
    plan
}

const SOURCES: &str = crate::render::SOURCES;

/// The file names `sources` lists (kept in the lookaside cache, not in git).
fn lookaside_files(files: &DistGitCommit) -> BTreeSet<String> {
    let Some(sources) = files.files.get(SOURCES) else { return BTreeSet::new() };
    String::from_utf8_lossy(sources)
        .lines()
        // `SHA512 (name) = hex`, or the old `hex  name`.
        .filter_map(|line| crate::render::sources_line_file(line).map(str::to_owned))
        .collect()
}

/// Writes the tree of `base_tree` with `.distro/` replaced by `plan`'s files; returns its id.
pub fn write_tree(repo: &gix::Repository, base_tree: &str, plan: &DistroPlan<'_>) -> Result<String, ReverseError> {
    let git = |what: &'static str| move |e: gix::Error| ReverseError::Gix { what: what.into(), message: e.to_string() };
    let base = gix::ObjectId::from_hex(base_tree.as_bytes())
        .map_err(|e| ReverseError::Gix { what: "reading a tree id".into(), message: e.to_string() })?;
    let mut editor = repo.edit_tree(base).map_err(git("reading the patched tree"))?;
    editor.remove(".distro").map_err(git("replacing .distro/"))?;
    for (path, file) in &plan.files {
        let blob = repo.write_blob(file.bytes).map_err(git("writing a .distro/ file"))?;
        let kind = match file.executable {
            true => gix::object::tree::EntryKind::BlobExecutable,
            false => gix::object::tree::EntryKind::Blob,
        };
        editor.upsert(path.as_str(), kind, blob.detach()).map_err(git("adding a .distro/ file"))?;
    }
    Ok(editor.write().map_err(git("writing the .distro/ tree"))?.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn packaging_files_go_to_distro() {
        let mut files = crate::reverse::tests::distgit(&[]);
        for (path, text) in [
            ("foo.spec", "spec"),
            ("sources", "SHA512 (foo-1.0.tar.gz) = ab\nd41d8cd98f00b204e9800998ecf8427e  old-style.tar.gz\n"),
            ("foo-1.0.tar.gz", "tarball"),
            ("old-style.tar.gz", "tarball"),
            (".gitignore", "/foo-*.tar.gz\n"),
            (".gitattributes", "x"),
            ("0001-applied.patch", "p"),
            ("unapplied.patch", "p"),
            ("stale.patch", "p"),
            ("distgit.toml", "package = \"foo\"\n"),
            ("tests/run.sh", "#!/bin/sh\n"),
            ("gating.yaml", "g"),
        ] {
            files.files.insert(path.into(), text.as_bytes().to_vec());
        }
        files.executable.insert("tests/run.sh".into());
        let plan = plan(&files, &set(&["0001-applied.patch"]), &set(&["0001-applied.patch", "unapplied.patch"]));
        let names: Vec<&str> = plan.files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                ".distro/.gitignore",
                ".distro/distgit.toml",
                ".distro/foo.spec",
                ".distro/gating.yaml",
                ".distro/tests/run.sh",
                ".distro/unapplied.patch"
            ]
        );
        assert!(plan.files[".distro/tests/run.sh"].executable);
        assert!(!plan.files[".distro/foo.spec"].executable);
        assert_eq!(plan.dropped, ["stale.patch"]);
    }
}
