//! `git format-patch` of the downstream range, one file per commit, mapped back to commits.

use super::{run, GitError, ShadowRepo};
use std::path::Path;

/// What to format.
#[derive(Debug, Clone)]
pub struct FormatPatchRequest<'a> {
    /// The release commit (excluded).
    pub base: &'a str,
    /// The candidate commit (included).
    pub tip: &'a str,
    /// Validated extra `git format-patch` options.
    pub options: &'a [String],
    /// Pathspecs left out of the patches (`.distro`, …).
    pub ignore_paths: &'a [String],
    /// Literal paths left out of the patches (those the archived tarball does not have).
    pub ignore_literal: &'a [String],
    /// Add `--no-prefix`.
    pub no_prefix: bool,
    /// Where git writes the files (it may hold other files); a temporary directory when `None`.
    pub output_dir: Option<&'a Path>,
}

/// One file git wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchFile {
    /// The commit the patch was made from.
    pub commit: String,
    /// The file name git chose.
    pub git_name: String,
    pub bytes: Vec<u8>,
    /// The patch has a binary hunk.
    pub binary: bool,
}

const ZERO_COMMIT: &str = "--zero-commit";
const FROM_DATE: &str = " Mon Sep 17 00:00:00 2001";

/// Runs `git format-patch` for `base..tip` and returns the files in series order.
///
/// `--zero-commit` is applied after the fact (it only blanks the id in the `From` line),
/// because the real ids are what maps each file back to its commit.
pub fn format_patch(shadow: &ShadowRepo, req: &FormatPatchRequest<'_>) -> Result<Vec<PatchFile>, GitError> {
    let temp;
    let out = match req.output_dir {
        // git runs in the shadow repository: a relative directory would be taken from there.
        Some(dir) => std::path::absolute(dir)
            .map_err(|source| GitError::Io { what: format!("resolving {}", dir.display()), source })?,
        None => {
            temp = tempfile::tempdir()
                .map_err(|source| GitError::Io { what: "creating a temporary directory".into(), source })?;
            temp.path().to_path_buf()
        }
    };
    let zero_commit = req.options.iter().any(|o| o == ZERO_COMMIT);
    let mut cmd = shadow.git();
    cmd.arg("format-patch").arg("--output-directory").arg(&out);
    cmd.args(req.options.iter().filter(|o| *o != ZERO_COMMIT));
    if req.no_prefix {
        cmd.arg("--no-prefix");
    }
    cmd.arg(format!("{}..{}", req.base, req.tip));
    if !req.ignore_paths.is_empty() || !req.ignore_literal.is_empty() {
        cmd.arg("--").arg(".");
        cmd.args(req.ignore_paths.iter().map(|p| format!(":(exclude){p}")));
        cmd.args(req.ignore_literal.iter().map(|p| format!(":(exclude,literal){p}")));
    }
    let listing = run(&mut cmd, None)?;
    let listing = String::from_utf8_lossy(&listing);
    listing.lines().filter(|l| !l.is_empty()).map(|path| read_patch(path, zero_commit)).collect()
}

/// Reads one file git listed, finding its commit in the `From <id> …` line.
fn read_patch(path: &str, zero_commit: bool) -> Result<PatchFile, GitError> {
    let path = std::path::Path::new(path);
    let mut bytes =
        std::fs::read(path).map_err(|source| GitError::Io { what: format!("reading {}", path.display()), source })?;
    let bad = |detail: &str| GitError::Output {
        command: "git format-patch".into(),
        detail: format!("{}: {detail}", path.display()),
    };
    let first_line_end = bytes.iter().position(|b| *b == b'\n').ok_or_else(|| bad("empty file"))?;
    let first = std::str::from_utf8(&bytes[..first_line_end]).map_err(|_| bad("first line is not UTF-8"))?;
    let commit = first
        .strip_prefix("From ")
        .and_then(|rest| rest.strip_suffix(FROM_DATE))
        .filter(|id| id.len() >= 40 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| bad("no `From <commit>` line"))?
        .to_owned();
    if zero_commit {
        let zeros = "0".repeat(commit.len());
        bytes.splice(5..5 + commit.len(), zeros.bytes());
    }
    let git_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).ok_or_else(|| bad("no file name"))?;
    let binary = has_binary_hunk(&bytes);
    Ok(PatchFile { commit, git_name, bytes, binary })
}

/// Whether a patch carries a binary change git cannot express as text.
pub fn has_binary_hunk(patch: &[u8]) -> bool {
    patch
        .split(|b| *b == b'\n')
        .any(|line| line == b"GIT binary patch" || (line.starts_with(b"Binary files ") && line.ends_with(b" differ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_hunks_are_detected() {
        assert!(has_binary_hunk(b"diff --git a/x b/x\nGIT binary patch\nliteral 3\n"));
        assert!(has_binary_hunk(b"Binary files a/x and b/x differ\n"));
        assert!(!has_binary_hunk(b"+GIT binary patch\n"));
    }
}
