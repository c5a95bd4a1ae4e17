//! `git distgit status`: where the current source-git branch stands against its dist-git.

use crate::status::{self, Options};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Show where a source-git branch stands against its dist-git branch.
///
/// Reports the tracked dist-git (URL, branch, where it was configured), the upstream release
/// and the number of downstream patches, the dist-git head and the last synced source-git
/// commit, the commits waiting to sync, and commits people made on dist-git on top of the
/// bot's. It reads dist-git as the last push or fetch left it (no network) unless --fetch.
/// The exit code is 0 whatever the state; --json prints the stable form documented in
/// docs/status.md.
///
/// Examples:
///
///   git distgit status                  # the current branch, from the cache
///
///   git distgit status --fetch          # fetch dist-git first
///
///   git distgit status --branch f42 --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct StatusArgs {
    /// The source-git branch (default: the current one).
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Fetch the dist-git branch first (the only network access).
    #[arg(long)]
    pub fetch: bool,
    /// Print the machine-readable form (docs/status.md).
    #[arg(long)]
    pub json: bool,
}

/// Runs `git distgit status`.
pub fn cmd_status(repo: &Path, args: &StatusArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let options = Options { branch: args.branch.clone(), fetch: args.fetch, now: None };
    let status = status::gather(repo, &options)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &status)?;
        writeln!(out)?;
    } else {
        status::write_human(&status, out)?;
    }
    Ok(ExitCode::SUCCESS)
}
