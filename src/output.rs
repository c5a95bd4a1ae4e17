//! Writes a rendered tree to a directory, or diffs it against an existing dist-git checkout.
//!
//! Writing is all-or-nothing: files go to a temporary directory beside the target, which is
//! renamed into place only when everything was written.

use crate::render::DistGitTree;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path} exists and is not empty; give a new or empty directory to --out")]
    NotEmpty { path: String },
    #[error("{what} {path}: {source}")]
    Io { what: &'static str, path: String, source: std::io::Error },
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> OutputError {
    let path = path.display().to_string();
    move |source| OutputError::Io { what, path, source }
}

/// A directory being prepared beside `target`; dropped unfinished, it disappears.
#[derive(Debug)]
pub struct Staging {
    dir: tempfile::TempDir,
    target: PathBuf,
}

impl Staging {
    /// Checks that `target` is new or empty and creates the staging directory beside it.
    pub fn new(target: &Path) -> Result<Staging, OutputError> {
        if target.exists() {
            let mut entries = std::fs::read_dir(target).map_err(io("reading", target))?;
            if entries.next().is_some() {
                return Err(OutputError::NotEmpty { path: target.display().to_string() });
            }
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io("creating", &parent))?;
        let dir =
            tempfile::Builder::new().prefix(".git-distgit-out").tempdir_in(&parent).map_err(io("creating", &parent))?;
        Ok(Staging { dir, target: target.to_path_buf() })
    }

    /// Where tarballs and files are written before the rename.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes the tree's files (tarballs are expected to be there already) and moves the
    /// directory into place.
    ///
    /// Other files may already be in the staging directory (`git format-patch` writes there):
    /// one with the same path and bytes as a tree file is kept as it is, and top-level files
    /// that are neither tree files nor tarballs are removed.
    pub fn finish(self, tree: &DistGitTree) -> Result<PathBuf, OutputError> {
        for (rel, bytes) in &tree.files {
            let path = self.dir.path().join(rel);
            if same_content(&path, bytes) {
                continue;
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io("creating", parent))?;
            }
            std::fs::write(&path, bytes).map_err(io("writing", &path))?;
        }
        self.remove_strays(tree)?;
        if self.target.exists() {
            std::fs::remove_dir(&self.target).map_err(io("replacing", &self.target))?;
        }
        let kept = self.dir.keep();
        std::fs::rename(&kept, &self.target).map_err(|e| {
            let _ = std::fs::remove_dir_all(&kept);
            io("moving the output to", &self.target)(e)
        })?;
        Ok(self.target)
    }

    /// Removes the top-level files that the tree does not own.
    fn remove_strays(&self, tree: &DistGitTree) -> Result<(), OutputError> {
        let owned: HashSet<&str> =
            tree.files.keys().map(String::as_str).chain(tree.tarballs.iter().map(|t| t.file_name.as_str())).collect();
        let dir = self.dir.path();
        for entry in std::fs::read_dir(dir).map_err(io("reading", dir))? {
            let entry = entry.map_err(io("reading", dir))?;
            let is_file = entry.file_type().map_err(io("reading", &entry.path()))?.is_file();
            if is_file && !entry.file_name().to_str().is_some_and(|name| owned.contains(name)) {
                std::fs::remove_file(entry.path()).map_err(io("removing", &entry.path()))?;
            }
        }
        Ok(())
    }
}

/// Whether the file at `path` exists with exactly `bytes`.
fn same_content(path: &Path, bytes: &[u8]) -> bool {
    let same_len = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    same_len && std::fs::read(path).is_ok_and(|old| old == bytes)
}

/// Writes a unified diff from the checkout at `dir` to the rendered tree; returns whether
/// anything differs. Files only in the checkout are shown as deleted only when the render
/// removes them.
pub fn diff(dir: &Path, tree: &DistGitTree, out: &mut dyn Write) -> std::io::Result<bool> {
    let mut changed = false;
    for (rel, new) in &tree.files {
        let old = std::fs::read(dir.join(rel)).ok();
        if old.as_deref() != Some(new.as_slice()) {
            changed = true;
            write_file_diff(rel, old.as_deref(), Some(new), out)?;
        }
    }
    for rel in &tree.deleted {
        changed = true;
        let old = std::fs::read(dir.join(rel)).ok();
        write_file_diff(rel, old.as_deref(), None, out)?;
    }
    Ok(changed)
}

fn write_file_diff(rel: &str, old: Option<&[u8]>, new: Option<&[u8]>, out: &mut dyn Write) -> std::io::Result<()> {
    fn text(b: Option<&[u8]>) -> Option<Option<&str>> {
        b.map(|b| std::str::from_utf8(b).ok())
    }
    let (a, b) = (
        old.map_or("/dev/null".to_owned(), |_| format!("a/{rel}")),
        new.map_or("/dev/null".to_owned(), |_| format!("b/{rel}")),
    );
    match (text(old), text(new)) {
        (Some(None), _) | (_, Some(None)) => writeln!(out, "Binary files {a} and {b} differ"),
        (o, n) => {
            let (o, n) = (o.flatten().unwrap_or(""), n.flatten().unwrap_or(""));
            let diff = similar::TextDiff::from_lines(o, n);
            write!(out, "{}", diff.unified_diff().context_radius(3).header(&a, &b))
        }
    }
}
