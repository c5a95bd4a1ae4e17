//! Turning patch files into commits with git's own machinery, for the reverse of the render:
//! `git mailinfo` splits a mail into headers, message and diff; `git apply --cached` applies
//! a diff to a private index (`GIT_INDEX_FILE`); `git write-tree` and `git commit-tree` make
//! the commit.
//!
//! Unlike the other commands, these *write* objects: they run in the shadow with
//! `GIT_OBJECT_DIRECTORY` set to the repository's own object directory, so blobs, trees and
//! commits land in the repository (refs are never touched here).

use super::{run, GitError, ShadowRepo};
use std::path::Path;
use std::process::Command;

/// What `git mailinfo` found in one mail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailInfo {
    /// `Author:` (the name), empty when the mail has none.
    pub author: String,
    /// `Email:`, empty when the mail has none.
    pub email: String,
    /// `Date:` as written in the mail (RFC 2822), empty when absent.
    pub date: String,
    /// `Subject:`, with `[PATCH …]` removed.
    pub subject: String,
    /// The message body (after the subject), as git would commit it.
    pub body: String,
    /// The diff part of the mail.
    pub patch: Vec<u8>,
}

/// An identity and date for `git commit-tree`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub email: String,
    /// Anything git accepts as a date: `@<seconds> <+hhmm>` or RFC 2822.
    pub date: String,
}

/// How to apply one diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Leading path components to strip (`-p`).
    pub strip: u32,
}

/// A git command writing into the repository's object directory.
fn writing_git(shadow: &ShadowRepo) -> Command {
    let mut cmd = shadow.git();
    cmd.env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES").env("GIT_OBJECT_DIRECTORY", &shadow.objects);
    cmd
}

/// Runs `git mailinfo -b` on one mail (`-b`: strip only `[PATCH …]` brackets from the subject).
pub fn mailinfo(shadow: &ShadowRepo, mail: &[u8]) -> Result<MailInfo, GitError> {
    let dir = temp_dir()?;
    let (msg, patch) = (dir.path().join("msg"), dir.path().join("patch"));
    let mut cmd = shadow.git();
    cmd.args(["mailinfo", "-b", "-u"]).arg(&msg).arg(&patch);
    let out = run(&mut cmd, Some(mail))?;
    let mut info = MailInfo { body: read_text(&msg)?, patch: read(&patch)?, ..MailInfo::default() };
    for line in String::from_utf8_lossy(&out).lines() {
        let Some((key, value)) = line.split_once(": ") else { continue };
        let value = value.to_owned();
        match key {
            "Author" => info.author = value,
            "Email" => info.email = value,
            "Date" => info.date = value,
            "Subject" => info.subject = value,
            _ => {}
        }
    }
    Ok(info)
}

/// A private index in which patches are applied one after the other.
#[derive(Debug)]
pub struct PatchIndex<'a> {
    shadow: &'a ShadowRepo,
    dir: tempfile::TempDir,
}

impl<'a> PatchIndex<'a> {
    /// An index holding the tree of `commit`.
    pub fn new(shadow: &'a ShadowRepo, commit: &str) -> Result<PatchIndex<'a>, GitError> {
        let index = PatchIndex { shadow, dir: temp_dir()? };
        let mut cmd = index.git();
        cmd.args(["read-tree", commit]);
        run(&mut cmd, None)?;
        Ok(index)
    }

    fn git(&self) -> Command {
        let mut cmd = writing_git(self.shadow);
        cmd.env("GIT_INDEX_FILE", self.dir.path().join("index"));
        cmd
    }

    /// Applies `patch` to the index (`git apply --cached`); on failure the index is unchanged
    /// and the error carries git's message (which names the failing file and hunk).
    ///
    /// `--unidiff-zero` accepts hunks without context, as `patch` does (`gendiff` writes
    /// `ChangeLog` hunks with `-U0`).
    pub fn apply(&self, patch: &[u8], opts: ApplyOptions) -> Result<(), GitError> {
        let file = self.dir.path().join("patch");
        std::fs::write(&file, patch).map_err(|source| GitError::Io { what: "writing a patch".into(), source })?;
        let mut cmd = self.git();
        cmd.args(["apply", "--cached", "--whitespace=nowarn", "--unidiff-zero"])
            .arg(format!("-p{}", opts.strip))
            .arg(&file);
        run(&mut cmd, None).map(drop)
    }

    /// Writes the index as a tree and returns its id.
    pub fn write_tree(&self) -> Result<String, GitError> {
        let mut cmd = self.git();
        cmd.arg("write-tree");
        object_id("git write-tree", &run(&mut cmd, None)?)
    }
}

/// What `commit_tree` commits.
#[derive(Debug, Clone)]
pub struct NewCommit<'a> {
    pub tree: &'a str,
    pub parent: &'a str,
    /// The complete message; written as is.
    pub message: &'a str,
    pub author: &'a Signature,
    pub committer: &'a Signature,
}

/// `git commit-tree`: writes the commit and returns its id.
pub fn commit_tree(shadow: &ShadowRepo, commit: &NewCommit<'_>) -> Result<String, GitError> {
    let mut cmd = writing_git(shadow);
    cmd.args(["commit-tree", commit.tree, "-p", commit.parent, "-F", "-"])
        .env("GIT_AUTHOR_NAME", &commit.author.name)
        .env("GIT_AUTHOR_EMAIL", &commit.author.email)
        .env("GIT_AUTHOR_DATE", &commit.author.date)
        .env("GIT_COMMITTER_NAME", &commit.committer.name)
        .env("GIT_COMMITTER_EMAIL", &commit.committer.email)
        .env("GIT_COMMITTER_DATE", &commit.committer.date);
    object_id("git commit-tree", &run(&mut cmd, Some(commit.message.as_bytes()))?)
}

fn object_id(command: &str, out: &[u8]) -> Result<String, GitError> {
    let id = String::from_utf8_lossy(out).trim().to_owned();
    match id.len() >= 40 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        true => Ok(id),
        false => Err(GitError::Output { command: command.into(), detail: format!("`{id}` is not an object id") }),
    }
}

fn temp_dir() -> Result<tempfile::TempDir, GitError> {
    tempfile::Builder::new()
        .prefix("git-distgit-apply")
        .tempdir()
        .map_err(|source| GitError::Io { what: "creating a temporary directory".into(), source })
}

fn read(path: &Path) -> Result<Vec<u8>, GitError> {
    std::fs::read(path).map_err(|source| GitError::Io { what: format!("reading {}", path.display()), source })
}

fn read_text(path: &Path) -> Result<String, GitError> {
    Ok(String::from_utf8_lossy(&read(path)?).into_owned())
}
