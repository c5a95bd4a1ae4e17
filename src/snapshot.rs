//! Plain data read from a source-git repository: the input of the pure render.
//!
//! Everything here is filled in by adapters ([`crate::source`], [`crate::git`]) and consumed by
//! [`crate::render`]; no type here knows about git, the filesystem or the network.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Everything the render needs to know about one candidate commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSnapshot {
    /// The commit being rendered.
    pub candidate: CommitInfo,
    /// The upstream release the downstream commits sit on.
    pub release: Release,
    /// Non-merge commits from the release to the candidate, oldest first, each with its patch
    /// (`None` when the commit touches only ignored paths).
    pub downstream: Vec<DownstreamCommit>,
    /// Every blob under `.distro/` (and any other synced source path), keyed by the path in
    /// the source-git repository (e.g. `.distro/foo.spec`).
    pub files: BTreeMap<String, Vec<u8>>,
    /// Tarballs made (or fetched) by the adapters, in `Source` order.
    pub tarballs: Vec<TarballArtifact>,
    /// The dist-git checkout the render is compared with, if any.
    pub previous: Option<PreviousDistGit>,
}

/// An identity with its timestamp, as recorded in a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// Offset from UTC in seconds.
    pub offset: i32,
}

/// Metadata of one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full hex object id.
    pub id: String,
    pub author: Person,
    pub committer: Person,
    /// The complete commit message (subject, body, trailers), UTF-8 (lossy).
    pub message: String,
}

impl CommitInfo {
    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("").trim()
    }
}

/// The upstream release: the tag (or explicit ref) and the version derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Tag name, or the ref as given by `upstream_ref`.
    pub tag: String,
    /// The commit the tag points to (hex).
    pub commit: String,
    /// The version derived from the tag by the version expression.
    pub version: String,
}

/// One downstream commit and the patch `git format-patch` made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownstreamCommit {
    pub info: CommitInfo,
    pub patch: Option<FormattedPatch>,
}

/// One file of `git format-patch` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormattedPatch {
    /// The file name git chose (`0001-Subject.patch`).
    pub git_name: String,
    /// The bytes git wrote.
    pub bytes: Vec<u8>,
    /// The same patch made with `--no-prefix`, present when the commit asks for it.
    pub no_prefix_bytes: Option<Vec<u8>>,
    /// `git patch-id --stable` of the patch, when it was computed.
    pub patch_id: Option<String>,
    /// Whether the patch contains a binary hunk.
    pub binary: bool,
}

/// A tarball that belongs in the lookaside cache and in `sources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarballArtifact {
    /// File name as listed in `sources` and used by the spec.
    pub file_name: String,
    /// Lower-case hex SHA-512 of the file.
    pub sha512: String,
    /// Where the adapter left the bytes, if it made or fetched them.
    pub path: Option<PathBuf>,
}

/// The existing dist-git content the render is compared with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviousDistGit {
    /// Tracked files by path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// `git patch-id --stable` of each `*.patch` file in `files`, by file name.
    pub patch_ids: BTreeMap<String, String>,
}
