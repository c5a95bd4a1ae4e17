//! git-distgit: render Fedora/CentOS dist-git content from a source-git repository.
//!
//! The crate is a pure core with adapters at the edges:
//!
//! * [`config`] — `.distro/distgit.toml` and Packit's `.distro/source-git.yaml`, validated once.
//! * [`spec`] — reading an RPM spec and editing only the lines the render owns.
//! * [`meta`] — Packit patch metadata (commit trailers and the older YAML keys).
//! * [`version`] — choosing the upstream release tag and turning it into a version.
//! * [`render`] — the pure core: [`snapshot::SourceSnapshot`] in, [`render::DistGitTree`] out.
//! * [`git`] — the one module that runs `git` (format-patch, archive, patch-id).
//! * [`lookaside`] — the lookaside cache for tarballs: a directory or dist-git's `upload.cgi`.
//! * [`source`] — reads a source-git repository with gix and builds the snapshot.
//! * [`reverse`] — the reverse of the render: source-git commits from a dist-git commit.
//! * [`output`] — writes a rendered tree to a directory or diffs it against one.
//! * [`remote`] — the `git-remote-distgit` helper (gitremote-helpers(7)).
//! * [`hooks`] — the `distgit-pre-push` and `distgit-post-receive` hooks and their installer.
//! * [`cli`] — the `git distgit` command line; one file per subcommand.

pub mod cli;
pub mod config;
pub mod digest;
pub mod distgit;
pub mod git;
pub mod hooks;
pub mod lookaside;
pub mod meta;
pub mod output;
pub mod remote;
pub mod render;
pub mod reverse;
pub mod snapshot;
pub mod source;
pub mod spec;
pub mod tarball;
pub mod trust;
pub mod version;
