//! `git patch-id --stable`, for keeping unchanged patches byte for byte.

use super::{run, GitError, ShadowRepo};

/// Patch ids of a stream of patches, as `(patch id, commit id)` pairs in input order.
///
/// Each patch in `input` must start with a `From <commit> Mon Sep 17 00:00:00 2001` line (git's
/// own mbox header); the commit id is how callers map ids back to files. Message lines that
/// `git patch-id` would take for the start of another commit are left out first (see
/// [`without_false_commit_lines`]).
pub fn patch_ids(shadow: &ShadowRepo, input: &[u8]) -> Result<Vec<(String, String)>, GitError> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let input = without_false_commit_lines(input);
    let mut cmd = shadow.git();
    cmd.args(["patch-id", "--stable"]);
    let out = run(&mut cmd, Some(&input))?;
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

/// `input` without the message lines (between a `From <id> Mon Sep 17 00:00:00 2001` line and
/// the first `diff ` line after it) that start with 40 hex digits, alone or after `commit ` or
/// `From `. `git patch-id` reads such a line as the start of the next commit (a backport's
/// "commit 8025087a… upstream", a kernel commit id on a line of its own), so the patch's id
/// would be reported under that id instead of the patch's own. The message is not hashed, so
/// leaving the lines out changes no id.
pub fn without_false_commit_lines(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut in_message = false;
    for line in input.split_inclusive(|b| *b == b'\n') {
        if is_mbox_separator(line) {
            in_message = true;
        } else if line.starts_with(b"diff ") {
            in_message = false;
        } else if in_message && starts_with_object_id(line) {
            continue;
        }
        out.extend_from_slice(line);
    }
    out
}

/// `From <40 hex> Mon Sep 17 00:00:00 2001`: git's mbox separator.
fn is_mbox_separator(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_prefix(b"From ")
        .and_then(|rest| rest.strip_suffix(b" Mon Sep 17 00:00:00 2001"))
        .is_some_and(|id| id.len() == 40 && id.iter().all(u8::is_ascii_hexdigit))
}

/// What `git patch-id` takes for a commit line: 40 hex digits, alone or after `commit `/`From `.
fn starts_with_object_id(line: &[u8]) -> bool {
    let rest = line.strip_prefix(b"commit ").or_else(|| line.strip_prefix(b"From ")).unwrap_or(line);
    rest.len() >= 40 && rest[..40].iter().all(u8::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_ids_in_messages_are_left_out() {
        let id = "8025087acf9d2b941bae93b3e0967560e7e03e87";
        let sep = format!("From {} Mon Sep 17 00:00:00 2001\n", "a".repeat(40));
        let input = format!(
            "{sep}Subject: x\n\nSee kernel commit\n{id}\ncommit {id} upstream\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n\
             @@ -1 +1 @@\n-{id}\n+y\n{sep}Subject: y\n\nFrom {id} too\ndiff --git a/y b/y\n"
        );
        let out = String::from_utf8(without_false_commit_lines(input.as_bytes())).unwrap();
        assert_eq!(
            out,
            format!(
                "{sep}Subject: x\n\nSee kernel commit\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-{id}\n+y\n\
                 {sep}Subject: y\n\ndiff --git a/y b/y\n"
            )
        );
    }
}
