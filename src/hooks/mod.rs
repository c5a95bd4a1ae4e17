//! The git hooks that check and sync on push; the binaries under `hooks/` only call in here.
//!
//! * [`pre_push`] — `distgit-pre-push`, in a source-git clone: refuses a push whose tip is
//!   not trusted, and dry-renders it.
//! * [`post_receive`] — `distgit-post-receive`, in the source-git hosting repository: the
//!   hook side (reads the updates, starts a detached worker, relays its output for at most
//!   `distgit.hookBudget` seconds) and [`worker`] (verify → render → push dist-git → build,
//!   per branch, under a lock).
//! * [`notify`] — `distgit.notifyCommand` and `distgit.notifyUrl`.
//! * [`install`] — `git distgit install-hooks`: writes the hook scripts, chaining existing ones.
//!
//! Everything the hooks tell the user goes to stderr as `distgit: …` lines (git shows a
//! server hook's lines as `remote: distgit: …`).

pub mod install;
pub mod notify;
pub mod post_receive;
pub mod pre_push;
pub mod worker;

use gix::ObjectId;
use std::io::Write;
use std::path::PathBuf;

/// Writes `text` as `distgit: …` lines (each line of a multi-line message prefixed).
pub fn say(out: &mut dyn Write, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "distgit: {line}");
    }
}

/// An all-zero object id (`git` uses it for a created or deleted ref).
pub fn is_zero_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b == b'0')
}

/// The repository a hook runs in: `$GIT_DIR` when git set it, else the current directory.
pub fn open_hook_repo() -> Result<gix::Repository, HookError> {
    let dir = std::env::var_os("GIT_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    gix::discover(&dir).map_err(|e| HookError::Open { dir, message: e.to_string() })
}

/// The commit's tree has a `.distro/` directory (it is source-git packaging, not upstream).
pub fn has_distro(repo: &gix::Repository, commit: ObjectId) -> bool {
    let Some(tree) = repo.find_commit(commit).ok().and_then(|c| c.tree().ok()) else { return false };
    tree.find_entry(".distro").is_some_and(|e| e.mode().is_tree())
}

/// `abcdef123456`: the 12-digit short form of an id.
pub fn short(id: &ObjectId) -> String {
    id.to_hex_with_len(12).to_string()
}

/// Why a hook could not start its work.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("not a git repository: {} ({message})", dir.display())]
    Open { dir: PathBuf, message: String },
    #[error("reading the hook's input: {0}")]
    Input(#[source] std::io::Error),
}
