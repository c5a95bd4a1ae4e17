//! `git distgit install-hooks`: install the pre-push (client) or post-receive (server) hook.

use crate::hooks::install::{self, Side};
use anyhow::Context;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Install the git hooks that check and sync on push.
///
/// Without --server: a `pre-push` hook in this source-git clone, which refuses to push a
/// tracked branch whose tip is not signed by a trusted key, or does not render.
///
/// With --server: a `post-receive` hook in the source-git hosting repository (usually bare),
/// which syncs dist-git from every pushed tracked branch's newest trusted commit, signed by
/// the bot (see docs/hooks.md).
///
/// The hooks directory is git's own: `core.hooksPath` when set, else `.git/hooks`. A hook
/// already there is kept as `<hook>.distgit-chained` and run first with the same input;
/// running this again updates the script. The script calls `distgit-pre-push` or
/// `distgit-post-receive` by absolute path, found next to git-distgit or on PATH.
///
/// Examples:
///
///   git distgit install-hooks                         # pre-push in this clone
///
///   git distgit -C /srv/git/hello.git install-hooks --server
///
///   git -c core.hooksPath=.githooks distgit install-hooks
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct InstallHooksArgs {
    /// Install the server's post-receive hook instead of the client's pre-push hook.
    #[arg(long)]
    pub server: bool,
    /// When an earlier chained hook is in the way, chain the current hook and drop it.
    #[arg(long)]
    pub force: bool,
}

/// Runs `git distgit install-hooks`.
pub fn cmd_install_hooks(dir: &Path, args: &InstallHooksArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let repo = gix::discover(dir).with_context(|| format!("not a git repository: {}", dir.display()))?;
    let side = if args.server { Side::Server } else { Side::Client };
    let binary = install::find_binary(side.binary_name())?;
    let hooks = install::hooks_dir(&repo);
    let done = install::install(&hooks, side, &binary, args.force)?;
    let verb = if done.updated { "updated" } else { "installed" };
    writeln!(out, "{verb} {} (runs {})", done.hook.display(), done.binary.display())?;
    if let Some(chained) = &done.chained {
        writeln!(out, "chained {} (runs first)", chained.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
