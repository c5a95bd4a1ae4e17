//! The default tarball: `git archive --format=tar --prefix=<top>/ <tag> | gzip -n`.

use super::{isolated_command, GitError, ShadowRepo};
use std::path::Path;
use std::process::Stdio;

/// What the pipeline produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveOutput {
    /// Lower-case hex SHA-512 of the compressed bytes.
    pub sha512: String,
    /// Size in bytes.
    pub size: u64,
}

/// Runs the archive pipeline for `commit` with `prefix` (a trailing `/` is added when
/// missing), hashing the result and writing it to `dest` when given.
pub fn archive_tar_gz(
    shadow: &ShadowRepo,
    commit: &str,
    prefix: &str,
    dest: Option<&Path>,
) -> Result<ArchiveOutput, GitError> {
    let prefix = if prefix.ends_with('/') { prefix.to_owned() } else { format!("{prefix}/") };
    let mut git = shadow.git();
    git.args(["archive", "--format=tar"]).arg(format!("--prefix={prefix}")).arg(commit);
    git.stdout(Stdio::piped()).stderr(Stdio::piped());
    let spawn_err = |program: &str| {
        let program = program.to_owned();
        move |source| GitError::Spawn { program, source }
    };
    let mut archive = git.spawn().map_err(spawn_err("git"))?;
    let tar = archive.stdout.take().ok_or_else(|| io_error("git archive has no stdout"))?;
    let mut gzip = isolated_command("gzip");
    gzip.env_remove("GZIP").args(["-n", "-c"]).stdin(tar).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut gzip = gzip.spawn().map_err(spawn_err("gzip"))?;
    let copied = match gzip.stdout.take() {
        Some(mut out) => crate::digest::copy_hashed(&mut out, dest)
            .map(|(sha512, size)| ArchiveOutput { sha512, size })
            .map_err(|source| GitError::Io { what: "writing the tarball".into(), source }),
        None => Err(io_error("gzip has no stdout")),
    };
    let gzip_out =
        gzip.wait_with_output().map_err(|source| GitError::Io { what: "waiting for gzip".into(), source })?;
    let git_out =
        archive.wait_with_output().map_err(|source| GitError::Io { what: "waiting for git archive".into(), source })?;
    let command = format!("git archive --format=tar --prefix={prefix} {commit}");
    super::check_status(&command, &git_out.status, &git_out.stderr)?;
    super::check_status("gzip -n", &gzip_out.status, &gzip_out.stderr)?;
    copied
}

fn io_error(what: &str) -> GitError {
    GitError::Io { what: what.into(), source: std::io::Error::other(what.to_owned()) }
}
