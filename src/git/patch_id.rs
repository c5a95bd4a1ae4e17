//! `git patch-id --stable`, for keeping unchanged patches byte for byte.

use super::{run, GitError, ShadowRepo};

/// Patch ids of a stream of patches, as `(patch id, commit id)` pairs in input order.
///
/// Each patch in `input` must start with a `From <commit> …` line (git's own mbox header);
/// the commit id is how callers map ids back to files.
pub fn patch_ids(shadow: &ShadowRepo, input: &[u8]) -> Result<Vec<(String, String)>, GitError> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let mut cmd = shadow.git();
    cmd.args(["patch-id", "--stable"]);
    let out = run(&mut cmd, Some(input))?;
    let text = String::from_utf8_lossy(&out);
    text.lines()
        .map(|line| {
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next()) {
                (Some(id), Some(commit)) => Ok((id.to_owned(), commit.to_owned())),
                _ => {
                    Err(GitError::Output { command: "git patch-id --stable".into(), detail: format!("line `{line}`") })
                }
            }
        })
        .collect()
}
