//! `git distgit completions`: shell completion scripts, generated from the command line itself.

use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// Print a shell completion script.
///
/// Examples:
///
///   git distgit completions bash > /usr/share/bash-completion/completions/git-distgit
///
///   git distgit completions zsh > "${fpath[1]}/_git-distgit"
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Runs `git distgit completions`.
pub fn cmd_completions(args: &CompletionsArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let mut cmd = super::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "git-distgit", out);
    Ok(ExitCode::SUCCESS)
}
