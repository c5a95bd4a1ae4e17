//! The dist-git side: reading a branch's state, writing the bot's commit, and pushing it.
//!
//! Dist-git objects live in a local bare *cache* repository (one per dist-git URL, under the
//! source-git's git directory); the branch is fetched into it with gix, the rendered commit is
//! written there with gix, and `git push --porcelain --force-with-lease` publishes it.

pub mod address;
pub mod cache;
pub mod commit;
pub mod credentials;
pub mod gate;
pub mod lockfile;
pub mod meter;
pub mod push;
pub mod session;
pub mod settings;
pub mod signing;
pub mod state;
pub mod sync;
pub mod tracking;

/// The file whose presence at the root of a dist-git branch opts it into automation.
pub const OPT_IN_FILE: &str = "distgit.toml";
/// The trailer naming the source-git commit a dist-git commit was rendered from (Packit's).
pub const FROM_SOURCE_GIT: &str = "From-source-git-commit";
/// The trailer naming the dist-git commit a source-git commit was made from (Packit's).
pub const FROM_DIST_GIT: &str = "From-dist-git-commit";

/// Environment variables holding secrets (or naming them) that the tool reads; commands the
/// user configures (build, notify) run without them.
pub const SECRET_ENV: &[&str] =
    &[credentials::PASSWORD_ENV, crate::lookaside::TOKEN_ENV, signing::PASSPHRASE_ENV, signing::KEY_ENV];

/// `cmd` without the variables of [`SECRET_ENV`].
pub fn without_secrets(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for var in SECRET_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// Why the dist-git side could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DistGitError {
    #[error("{what}: {message}")]
    Git { what: String, message: String },
    #[error(transparent)]
    Signing(#[from] signing::SigningError),
}

/// Maps a gix error into [`DistGitError::Git`] with context.
pub(crate) fn git_err(what: impl Into<String>) -> impl FnOnce(gix::Error) -> DistGitError {
    let what = what.into();
    move |e| DistGitError::Git { what, message: e.to_string() }
}

/// The value of `trailer` in the trailer block of `message`, if present (the last one wins).
pub fn trailer_value<'a>(message: &'a str, trailer: &str) -> Option<&'a str> {
    let (start, end) = crate::meta::trailer_block(message)?;
    message.get(start..end)?.lines().rev().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(trailer).then(|| value.trim()).filter(|v| !v.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_are_read_from_the_last_paragraph() {
        let msg = "Update to 1.2\n\nFrom-source-git-commit: abc in the body\n\nFrom-source-git-commit: 0123abcd\n";
        assert_eq!(trailer_value(msg, FROM_SOURCE_GIT), Some("0123abcd"));
        assert_eq!(trailer_value("Just a subject\n", FROM_SOURCE_GIT), None);
        let two = "s\n\nSigned-off-by: A <a@b>\nFrom-source-git-commit: ff\n";
        assert_eq!(trailer_value(two, FROM_SOURCE_GIT), Some("ff"));
    }
}
