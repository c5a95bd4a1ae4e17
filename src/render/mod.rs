//! The pure core: a [`SourceSnapshot`] and its [`Config`] in, a [`DistGitTree`] out.
//!
//! No git, filesystem or network here: given the same input, the same bytes, always.

mod changelog;
mod files;
mod plan;
pub mod series;
mod spec_edits;

pub use files::{sources_line_file, SOURCES};
pub use plan::{load_spec, plan_tarballs, spec_path};

use crate::config::Config;
use crate::snapshot::{SourceSnapshot, TarballArtifact};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Why a snapshot cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
    #[error(transparent)]
    Series(#[from] series::SeriesError),
    #[error("{0}")]
    NoSpec(String),
    #[error("{path} is not UTF-8 text")]
    NotText { path: String },
    #[error("{0}")]
    Tarball(String),
    #[error(
        "commit {commit}: `Patch-id: {id}` must be higher than the spec's highest existing patch number ({max}); \
         pick a higher id or drop the trailer"
    )]
    PatchIdTooLow { commit: String, id: u32, max: u32 },
    #[error(
        "commit {commit}: `Patch-present-in-specfile` is set but {spec} has no Patch line for `{file}`; \
         add the line to the spec or drop the trailer"
    )]
    NotInSpec { commit: String, spec: String, file: String },
    #[error("{spec}: cannot compute Release from `{value}`: it does not start with a number; set `spec.release = \"spec\"` in .distro/distgit.toml or use %autorelease")]
    Release { spec: String, value: String },
}

/// The rendered dist-git content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistGitTree {
    /// Every file the render owns, by path in dist-git.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Files of the previous dist-git that the render removes.
    pub deleted: BTreeSet<String>,
    /// Tarballs for the lookaside (named in `sources`).
    pub tarballs: Vec<TarballArtifact>,
    pub summary: Summary,
}

/// A machine-readable account of a render (`--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub package: String,
    pub version: String,
    /// The `Release:` value written (raw, e.g. `2%{?dist}`), if the spec has one.
    pub release: Option<String>,
    pub tag: String,
    pub release_commit: String,
    pub candidate: String,
    pub spec: String,
    pub tarballs: Vec<TarballSummary>,
    pub patches: Vec<PatchSummary>,
    pub files: Vec<String>,
    pub deleted: Vec<String>,
    /// The render equals the previous dist-git (nothing to do).
    pub unchanged: bool,
}

/// One tarball in the [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TarballSummary {
    pub name: String,
    pub sha512: String,
}

/// One patch file in the [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatchSummary {
    pub file: String,
    /// The `PatchN` number, `None` when the spec already had the line.
    pub number: Option<u32>,
    /// Source-git commits in the file.
    pub commits: Vec<String>,
    /// Bytes kept from the previous dist-git because the patch id did not change.
    pub kept: bool,
}

/// Renders the dist-git content for `snapshot`.
pub fn render(snapshot: &SourceSnapshot, config: &Config) -> Result<DistGitTree, RenderError> {
    let spec = load_spec(&snapshot.files, config)?;
    let series = series::assemble(&snapshot.downstream, snapshot.previous.as_ref(), spec.applies_patches_with_git())?;
    let (numbers, edits) = spec_edits::patch_edits(&spec, &series, config, snapshot)?;
    let layout = files::Layout::new(&snapshot.files, config, spec.path());
    let build = |edits: &crate::spec::SpecEdits| -> Result<BTreeMap<String, Vec<u8>>, RenderError> {
        let text = spec.apply(edits)?;
        Ok(layout.files(&snapshot.files, &text, &series, &snapshot.tarballs, snapshot.previous.as_ref()))
    };
    let (edits, unchanged) =
        spec_edits::release_and_changelog(&spec, edits, config, snapshot, &series, &layout, &build)?;
    let files = build(&edits)?;
    let rendered_spec = crate::spec::Spec::parse(spec.path(), &String::from_utf8_lossy(&files[layout.spec_dest()]))?;
    let deleted = layout.deletions(&files, &rendered_spec, snapshot.previous.as_ref());
    let summary = summarize(snapshot, &spec, &rendered_spec, &layout, &series, &numbers, &files, &deleted, unchanged);
    Ok(DistGitTree { files, deleted, tarballs: snapshot.tarballs.clone(), summary })
}

#[allow(clippy::too_many_arguments)]
fn summarize(
    snapshot: &SourceSnapshot,
    spec: &crate::spec::Spec,
    rendered: &crate::spec::Spec,
    layout: &files::Layout,
    series: &[series::SeriesPatch],
    numbers: &[Option<u32>],
    files: &BTreeMap<String, Vec<u8>>,
    deleted: &BTreeSet<String>,
    unchanged: bool,
) -> Summary {
    Summary {
        package: spec.name(),
        version: snapshot.release.version.clone(),
        release: rendered.release(),
        tag: snapshot.release.tag.clone(),
        release_commit: snapshot.release.commit.clone(),
        candidate: snapshot.candidate.id.clone(),
        spec: layout.spec_dest().to_owned(),
        tarballs: snapshot
            .tarballs
            .iter()
            .map(|t| TarballSummary { name: t.file_name.clone(), sha512: t.sha512.clone() })
            .collect(),
        patches: series
            .iter()
            .zip(numbers)
            .map(|(p, n)| PatchSummary {
                file: p.file_name.clone(),
                number: *n,
                commits: p.commits.clone(),
                kept: p.kept_previous,
            })
            .collect(),
        files: files.keys().cloned().collect(),
        deleted: deleted.iter().cloned().collect(),
        unchanged,
    }
}
