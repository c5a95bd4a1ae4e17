//! `git distgit install-hooks`: writes the `pre-push` (client) or `post-receive` (server) hook
//! script that runs our hook binary.
//!
//! The hooks directory is git's: `core.hooksPath` (relative to the work-tree top, or to the
//! git dir in a bare repository, `~/` expanded), else `<common git dir>/hooks`. The script is
//! a few lines of `sh` calling the binary by absolute path. A hook that is already there and
//! is not ours is kept as `<hook>.distgit-chained` and run first with the same arguments and
//! input (a failing chained `pre-push` still refuses the push; both `post-receive` hooks
//! always run). Installing again updates our script in place ([`MARKER`] recognises it).

use std::path::{Path, PathBuf};

/// The line that marks a hook script as ours.
pub const MARKER: &str = "# git-distgit hook: installed by `git distgit install-hooks`";
/// The suffix of a chained (previously installed) hook.
pub const CHAINED_SUFFIX: &str = ".distgit-chained";

/// Which side's hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `pre-push` in a source-git clone.
    Client,
    /// `post-receive` in the source-git hosting repository.
    Server,
}

impl Side {
    /// git's name for the hook.
    pub fn hook_name(self) -> &'static str {
        match self {
            Side::Client => "pre-push",
            Side::Server => "post-receive",
        }
    }

    /// Our binary that implements it.
    pub fn binary_name(self) -> &'static str {
        match self {
            Side::Client => "distgit-pre-push",
            Side::Server => "distgit-post-receive",
        }
    }
}

/// What was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The hook script written.
    pub hook: PathBuf,
    /// The binary it runs.
    pub binary: PathBuf,
    /// The existing hook now chained, if any.
    pub chained: Option<PathBuf>,
    /// Our script was already there and was rewritten.
    pub updated: bool,
}

/// Why the hook could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(
        "cannot find `{name}` next to {} or on PATH; install the hook binaries with git-distgit \
         (`cargo install --path .` installs them all) and run this again",
        exe.display()
    )]
    BinaryNotFound { name: String, exe: PathBuf },
    #[error(
        "{} is not ours and {} already holds another chained hook; move one of them away, or \
         pass --force to chain the current hook and drop the older chained one",
        hook.display(), chained.display()
    )]
    ChainedExists { hook: PathBuf, chained: PathBuf },
    #[error("{action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
}

/// The hooks directory git uses for `repo`.
pub fn hooks_dir(repo: &gix::Repository) -> PathBuf {
    let config = repo.config_snapshot();
    let Some(value) = config.string("core.hooksPath").map(|v| v.to_string()).filter(|v| !v.is_empty()) else {
        return repo.common_dir().join("hooks");
    };
    let path = match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(&value),
    };
    if path.is_absolute() {
        return path;
    }
    match repo.workdir() {
        Some(top) => top.join(path),
        None => repo.git_dir().join(path),
    }
}

/// The hook binary: next to the running executable, else on `PATH`.
pub fn find_binary(name: &str) -> Result<PathBuf, InstallError> {
    let exe = std::env::current_exe().unwrap_or_default();
    let beside = exe.parent().map(|dir| dir.join(name));
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|dir| dir.join(name)).collect::<Vec<_>>())
        .unwrap_or_default();
    beside
        .into_iter()
        .chain(on_path)
        .find(|p| p.is_file())
        .map(|p| std::path::absolute(&p).unwrap_or(p))
        .ok_or_else(|| InstallError::BinaryNotFound { name: name.to_owned(), exe })
}

/// Installs the `side` hook into `dir`, running `binary`.
pub fn install(dir: &Path, side: Side, binary: &Path, force: bool) -> Result<Installed, InstallError> {
    let io = |action, path: &Path| {
        let path = path.to_owned();
        move |source| InstallError::Io { action, path, source }
    };
    std::fs::create_dir_all(dir).map_err(io("creating", dir))?;
    let dir = std::path::absolute(dir).map_err(io("resolving", dir))?;
    let hook = dir.join(side.hook_name());
    let chained = dir.join(format!("{}{CHAINED_SUFFIX}", side.hook_name()));
    let existing = std::fs::read(&hook).ok();
    let ours = existing.as_ref().is_some_and(|bytes| String::from_utf8_lossy(bytes).contains(MARKER));
    let mut moved = false;
    if existing.is_some() && !ours {
        if chained.exists() && !force {
            return Err(InstallError::ChainedExists { hook, chained });
        }
        std::fs::rename(&hook, &chained).map_err(io("moving the existing hook to", &chained))?;
        moved = true;
    }
    write_script(&hook, &script(side, binary, &chained)).map_err(io("writing", &hook))?;
    let chained = (moved || chained.exists()).then_some(chained);
    Ok(Installed { hook, binary: binary.to_owned(), chained, updated: ours })
}

/// Writes the script through a temporary file, executable (0755).
fn write_script(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new().prefix(".distgit-hook-").tempfile_in(dir)?;
    std::fs::write(temp.path(), text)?;
    std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o755))?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The hook script: runs the chained hook (if present and executable) with the same
/// arguments and input, then `binary`.
pub fn script(side: Side, binary: &Path, chained: &Path) -> String {
    let after_chained = match side {
        Side::Client => "\"$chained\" \"$@\" <\"$input\" || exit $?\n    \"$hook\" \"$@\" <\"$input\"\n    exit $?",
        Side::Server => {
            "\"$chained\" \"$@\" <\"$input\"\n    status=$?\n    \"$hook\" \"$@\" <\"$input\"\n    exit $status"
        }
    };
    format!(
        "#!/bin/sh\n\
         {MARKER}\n\
         # Runs {name}; a hook that was here before is kept as {hook_name}{CHAINED_SUFFIX} and runs first.\n\
         # Re-run `git distgit install-hooks` to update; delete this file to remove.\n\
         hook={binary}\n\
         chained={chained}\n\
         if [ -x \"$chained\" ]; then\n    \
             input=$(mktemp) || exit 1\n    \
             trap 'rm -f \"$input\"' EXIT\n    \
             cat >\"$input\"\n    \
             {after_chained}\n\
         fi\n\
         exec \"$hook\" \"$@\"\n",
        name = side.binary_name(),
        hook_name = side.hook_name(),
        binary = sh_quote(&binary.display().to_string()),
        chained = sh_quote(&chained.display().to_string()),
    )
}

/// `'text'` for sh, with single quotes escaped.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(sh_quote("/a b/it's"), r"'/a b/it'\''s'");
    }

    #[test]
    fn the_script_names_the_binary_and_the_chained_hook() {
        let text = script(Side::Server, Path::new("/opt/bin/distgit-post-receive"), Path::new("/r/hooks/x"));
        assert!(text.starts_with("#!/bin/sh\n") && text.contains(MARKER), "{text}");
        assert!(text.contains("hook='/opt/bin/distgit-post-receive'") && text.contains("exit $status"), "{text}");
    }
}
