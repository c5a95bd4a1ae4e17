//! The `git distgit` command line: argument parsing, dispatch, and the one place where errors
//! become messages and exit codes.

mod completions;
mod install_hooks;
mod render;
mod verify;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Work in source-git; let dist-git be rendered from it.
///
/// git-distgit renders Fedora/CentOS dist-git content (spec, `sources`, one patch per
/// downstream commit, the release tarball) from a source-git repository: upstream history,
/// downstream commits on top of the release tag, and packaging files in `.distro/`.
#[derive(Debug, Parser)]
#[command(name = "git distgit", bin_name = "git distgit", version, propagate_version = true)]
pub struct Cli {
    /// Run as if started in <PATH> (like `git -C`).
    #[arg(short = 'C', value_name = "PATH", global = true)]
    pub directory: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    Render(render::RenderArgs),
    Completions(completions::CompletionsArgs),
    Verify(verify::VerifyArgs),
    InstallHooks(install_hooks::InstallHooksArgs),
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    match run(cli, &mut stdout) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// Runs a parsed command line, writing normal output to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let dir = cli.directory.unwrap_or_else(|| PathBuf::from("."));
    match cli.command {
        Command::Render(args) => render::cmd_render(&dir, &args, out),
        Command::Completions(args) => completions::cmd_completions(&args, out),
        Command::Verify(args) => verify::cmd_verify(&dir, &args, out),
        Command::InstallHooks(args) => install_hooks::cmd_install_hooks(&dir, &args, out),
    }
}

/// Prints an error with its causes; exit code 1.
fn report(err: &anyhow::Error) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {err}");
    for cause in err.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {cause}");
    }
    ExitCode::FAILURE
}
