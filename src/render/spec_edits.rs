//! The edits the render makes to the spec: Version, Patch lines, Release and %changelog.

use super::files::Layout;
use super::series::SeriesPatch;
use super::{changelog, RenderError};
use crate::config::{Config, Ownership};
use crate::snapshot::SourceSnapshot;
use crate::spec::{NewPatch, Spec, SpecEdits};
use std::collections::BTreeMap;

/// Renders the file set for a given set of spec edits.
pub type BuildFn<'a> = dyn Fn(&SpecEdits) -> Result<BTreeMap<String, Vec<u8>>, RenderError> + 'a;

/// Version and Patch-line edits; also returns the number of each series patch.
pub fn patch_edits(
    spec: &Spec,
    series: &[SeriesPatch],
    config: &Config,
    snapshot: &SourceSnapshot,
) -> Result<(Vec<Option<u32>>, SpecEdits), RenderError> {
    let version = &snapshot.release.version;
    let mut edits = SpecEdits {
        version: (config.spec.version == Ownership::Render && spec.version() != *version).then(|| version.clone()),
        patch_digits: config.patches.id_digits.or_else(|| spec.patch_digits()),
        ..SpecEdits::default()
    };
    let existing = spec.patches();
    let max = existing.iter().filter_map(|p| p.number).max();
    let mut next = max.map_or(1, |m| m + 1);
    let mut numbers = Vec::with_capacity(series.len());
    for patch in series {
        let first_commit = patch.commits.first().cloned().unwrap_or_default();
        if patch.present_in_spec {
            let line = existing.iter().find(|p| p.file == patch.file_name).ok_or_else(|| RenderError::NotInSpec {
                commit: first_commit.clone(),
                spec: spec.path().into(),
                file: patch.file_name.clone(),
            })?;
            numbers.push(line.number);
            continue;
        }
        let number = match patch.number {
            Some(id) if max.is_some_and(|m| id <= m) => {
                return Err(RenderError::PatchIdTooLow { commit: first_commit, id, max: max.unwrap_or(0) })
            }
            Some(id) => id,
            None => next,
        };
        next = next.max(number + 1);
        numbers.push(Some(number));
        edits.patches.push(NewPatch { number, file: patch.file_name.clone(), comment: patch.comment.clone() });
    }
    Ok((numbers, edits))
}

/// Release and %changelog edits. When the render otherwise equals the previous dist-git, the
/// previous Release and %changelog are kept and the second value is `true` (nothing to do).
pub fn release_and_changelog(
    spec: &Spec,
    edits: SpecEdits,
    config: &Config,
    snapshot: &SourceSnapshot,
    series: &[SeriesPatch],
    layout: &Layout,
    build: &BuildFn<'_>,
) -> Result<(SpecEdits, bool), RenderError> {
    let own_release = config.spec.release == Ownership::Render && !spec.uses_autorelease() && spec.release().is_some();
    let own_changelog = config.spec.changelog == Ownership::Render && !spec.uses_autochangelog();
    let version = &snapshot.release.version;
    let previous = previous_spec(snapshot, layout);
    let same_version = previous.as_ref().filter(|p| p.version() == *version);
    if let Some(prev) = &previous {
        let mut kept = edits.clone();
        if own_release && same_version.is_some() {
            kept.release = prev.release();
        }
        if own_changelog {
            kept.changelog_body = prev.changelog_body().map(str::to_owned);
        }
        if is_unchanged(&build(&kept)?, snapshot, spec, layout)? {
            return Ok((kept, true));
        }
    }
    let mut edits = edits;
    if own_release {
        edits.release = Some(match same_version.and_then(|p| p.release()) {
            Some(prev) => set_release_number(spec, &prev, |n| n + 1)?,
            None => set_release_number(spec, &spec.release().unwrap_or_default(), |_| 1)?,
        });
    }
    if own_changelog {
        if let Some(prev) = &previous {
            edits.changelog_body = prev.changelog_body().map(str::to_owned);
        }
        let release = edits.release.clone().or_else(|| spec.release()).unwrap_or_default();
        let evr_release = spec.expand(&release, &[("dist", "")]);
        let update = previous.as_ref().is_some_and(|p| p.version() != *version);
        edits.changelog_entry = Some(changelog::entry(snapshot, series, &evr_release, update));
    }
    Ok((edits, false))
}

/// The spec in the previous dist-git at the place the render writes it, if it parses.
fn previous_spec(snapshot: &SourceSnapshot, layout: &Layout) -> Option<Spec> {
    let bytes = snapshot.previous.as_ref()?.files.get(layout.spec_dest())?;
    Spec::parse(layout.spec_dest(), std::str::from_utf8(bytes).ok()?).ok()
}

/// Every rendered file equals the previous one and nothing would be deleted.
fn is_unchanged(
    files: &BTreeMap<String, Vec<u8>>,
    snapshot: &SourceSnapshot,
    spec: &Spec,
    layout: &Layout,
) -> Result<bool, RenderError> {
    let Some(previous) = &snapshot.previous else { return Ok(false) };
    if files.iter().any(|(path, bytes)| previous.files.get(path) != Some(bytes)) {
        return Ok(false);
    }
    let text = String::from_utf8_lossy(&files[layout.spec_dest()]);
    let rendered = Spec::parse(spec.path(), &text)?;
    Ok(layout.deletions(files, &rendered, Some(previous)).is_empty())
}

/// Replaces the leading number of a Release value (`3%{?dist}` → `4%{?dist}`).
fn set_release_number(spec: &Spec, value: &str, f: impl Fn(u64) -> u64) -> Result<String, RenderError> {
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    let number: u64 =
        value[..digits].parse().map_err(|_| RenderError::Release { spec: spec.path().into(), value: value.into() })?;
    Ok(format!("{}{}", f(number), &value[digits..]))
}
