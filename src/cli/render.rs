//! `git distgit render`: show, write or diff the dist-git content of a source-git commit.

use crate::output::{self, Staging};
use crate::render::{self, DistGitTree};
use crate::source::{self, LoadOptions};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Render source-git into dist-git content.
///
/// Reads the candidate commit (default HEAD), finds the upstream release tag below it, makes
/// one patch per downstream commit with `git format-patch`, edits the spec from `.distro/`
/// (Version, Patch lines, Release, %changelog) and makes the release tarball with
/// `git archive | gzip -n`. Nothing is written unless --out is given, and then only when
/// everything succeeded.
///
/// Examples:
///
///   git distgit render                      # what would be rendered for HEAD
///
///   git distgit render --out ../foo-dist    # write spec, sources, patches, tarball
///
///   git distgit render --diff ~/fedora/foo  # what would change in a dist-git checkout
///
///   git distgit render --rev v1.2-fixes --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RenderArgs {
    /// The source-git commit to render.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub rev: String,
    /// Write the complete dist-git tree (and tarballs) to this new or empty directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Show, as a unified diff, what would change in this dist-git checkout.
    #[arg(long, value_name = "DISTGIT_DIR")]
    pub diff: Option<PathBuf>,
    /// Print a machine-readable summary.
    #[arg(long)]
    pub json: bool,
}

/// Runs `git distgit render`.
pub fn cmd_render(repo: &Path, args: &RenderArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let staging = args.out.as_deref().map(Staging::new).transpose()?;
    let options = LoadOptions {
        rev: Some(args.rev.clone()),
        previous: args.diff.clone().map(source::PreviousSource::Dir),
        tarball_dir: staging.as_ref().map(|s| s.path().to_path_buf()),
        tarball_cache: None,
        patch_dir: staging.as_ref().map(|s| s.path().to_path_buf()),
    };
    let loaded = source::load(repo, &options).with_context(|| format!("cannot render {}", args.rev))?;
    let tree =
        render::render(&loaded.snapshot, &loaded.config).with_context(|| format!("cannot render {}", args.rev))?;
    if let Some(dir) = &args.diff {
        output::diff(dir, &tree, out)?;
    }
    if let Some(staging) = staging {
        let dir = staging.finish(&tree)?;
        if !args.json {
            writeln!(
                out,
                "wrote {} files and {} tarball(s) to {}",
                tree.files.len(),
                tree.tarballs.len(),
                dir.display()
            )?;
        }
    }
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &tree.summary)?;
        writeln!(out)?;
    } else if args.out.is_none() && args.diff.is_none() {
        write_summary(&tree, out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The short human summary printed without options.
fn write_summary(tree: &DistGitTree, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &tree.summary;
    let short = |id: &str| id.get(..12).unwrap_or(id).to_owned();
    writeln!(out, "package   {} {}", s.package, s.version)?;
    writeln!(out, "release   {} ({})", s.tag, short(&s.release_commit))?;
    writeln!(out, "candidate {}", short(&s.candidate))?;
    writeln!(out, "spec      {} (Release: {})", s.spec, s.release.as_deref().unwrap_or("-"))?;
    for t in &s.tarballs {
        writeln!(out, "tarball   {} sha512:{}…", t.name, t.sha512.get(..16).unwrap_or(&t.sha512))?;
    }
    writeln!(out, "patches   {}", s.patches.len())?;
    for p in &s.patches {
        let number = p.number.map_or("in spec".to_owned(), |n| format!("Patch{n}"));
        let commits: Vec<String> = p.commits.iter().map(|c| short(c)).collect();
        writeln!(out, "  {number:<10} {}  <- {}", p.file, commits.join(" "))?;
    }
    writeln!(out, "files     {}", s.files.join(" "))?;
    Ok(())
}
