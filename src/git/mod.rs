//! The one module that runs `git`, for the outputs whose bytes are git's contract:
//! `format-patch`, `archive` and `patch-id` (and `check-attr`, for what `archive` leaves out),
//! and, for the reverse of the render, `mailinfo`, `apply`, `write-tree` and `commit-tree`.
//!
//! Every child runs with `LC_ALL=C`, stdin closed (unless we feed it), global and system config
//! ignored, inherited `GIT_*` variables removed, and against a *shadow* git directory: an empty
//! bare repository whose objects come from the source repository through
//! `GIT_ALTERNATE_OBJECT_DIRECTORIES`. That keeps the repository's own `config` (e.g.
//! `diff.noprefix`, `core.autocrlf`, `format.signature`) from changing the bytes, so the same
//! commits and options always give the same output. Errors carry git's stderr.

mod apply;
mod archive;
mod attributes;
mod format_patch;
mod patch_id;

pub use apply::{commit_tree, mailinfo, ApplyOptions, MailInfo, NewCommit, PatchIndex, Signature};
pub use archive::{archive_tar_gz, ArchiveOutput};
pub use attributes::export_ignored;
pub use format_patch::{format_patch, has_binary_hunk, FormatPatchRequest, PatchFile};
pub use patch_id::patch_ids;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A failed git (or gzip) invocation.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The program could not be started.
    #[error("could not run `{program}`: {source}; is it installed and on PATH?")]
    Spawn { program: String, source: std::io::Error },
    /// The program exited unsuccessfully.
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed { command: String, status: String, stderr: String },
    /// Reading or writing its data failed.
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    /// Its output was not what git documents.
    #[error("unexpected output from `{command}`: {detail}")]
    Output { command: String, detail: String },
}

/// Environment variables of the parent that must not reach a child git.
const SCRUBBED_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_NAMESPACE",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
    "GIT_PAGER",
    "GIT_COMMON_DIR",
    "GIT_REPLACE_REF_BASE",
    "GIT_GRAFT_FILE",
    "GIT_SHALLOW_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_QUARANTINE_PATH",
];

/// A private, config-free view of a repository's objects for running git in.
#[derive(Debug)]
pub struct ShadowRepo {
    dir: tempfile::TempDir,
    objects: PathBuf,
}

impl ShadowRepo {
    /// Creates the shadow for the repository whose common git dir is `common_dir`.
    pub fn new(common_dir: &Path) -> Result<ShadowRepo, GitError> {
        let io = |what: &str| {
            let what = what.to_owned();
            move |source| GitError::Io { what, source }
        };
        let dir = tempfile::Builder::new()
            .prefix("git-distgit-shadow")
            .tempdir()
            .map_err(io("creating a temporary git directory"))?;
        for sub in ["objects/info", "objects/pack", "refs/heads", "refs/tags"] {
            std::fs::create_dir_all(dir.path().join(sub)).map_err(io("creating a temporary git directory"))?;
        }
        let files =
            [("HEAD", "ref: refs/heads/main\n"), ("config", "[core]\n\trepositoryformatversion = 0\n\tbare = true\n")];
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).map_err(io("writing a temporary git directory"))?;
        }
        let shallow = common_dir.join("shallow");
        if shallow.is_file() {
            std::fs::copy(&shallow, dir.path().join("shallow")).map_err(io("copying the shallow file"))?;
        }
        let objects = std::path::absolute(common_dir.join("objects")).map_err(io("resolving the objects directory"))?;
        Ok(ShadowRepo { dir, objects })
    }

    /// A `git` command set up to run in the shadow.
    pub fn git(&self) -> Command {
        let mut cmd = isolated_command("git");
        cmd.env("GIT_DIR", self.dir.path())
            .env("GIT_ALTERNATE_OBJECT_DIRECTORIES", &self.objects)
            .current_dir(self.dir.path());
        cmd
    }
}

/// A command with the locale fixed, user config ignored and `GIT_*` scrubbed.
pub fn isolated_command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    for var in SCRUBBED_ENV {
        cmd.env_remove(var);
    }
    cmd.env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_SYSTEM", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null());
    cmd
}

/// Renders a command line for error messages (arguments only; never secrets).
fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Runs `cmd`, feeding `input` on stdin when given, and returns its stdout.
pub fn run(cmd: &mut Command, input: Option<&[u8]>) -> Result<Vec<u8>, GitError> {
    let command = describe(cmd);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd.spawn().map_err(|source| GitError::Spawn { program, source })?;
    let writer = match (input, child.stdin.take()) {
        (Some(data), Some(mut stdin)) => {
            let data = data.to_vec();
            Some(std::thread::spawn(move || stdin.write_all(&data)))
        }
        _ => None,
    };
    let output =
        child.wait_with_output().map_err(|source| GitError::Io { what: format!("waiting for `{command}`"), source })?;
    if let Some(writer) = writer {
        // A child that exits early closes its stdin; its exit status tells the real story.
        let _ = writer.join();
    }
    check_status(&command, &output.status, &output.stderr)?;
    Ok(output.stdout)
}

/// Turns a non-zero exit into [`GitError::Failed`] with the child's stderr.
fn check_status(command: &str, status: &std::process::ExitStatus, stderr: &[u8]) -> Result<(), GitError> {
    if status.success() {
        return Ok(());
    }
    Err(GitError::Failed {
        command: command.to_owned(),
        status: status.to_string(),
        stderr: String::from_utf8_lossy(stderr).trim().to_owned(),
    })
}
