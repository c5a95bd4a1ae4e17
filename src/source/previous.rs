//! Reading an existing dist-git checkout, to diff against and to keep unchanged patches.

use super::plain_diff::{self, StripLevel};
use super::SourceError;
use crate::git::{self, ShadowRepo};
use crate::reverse::Strip;
use crate::snapshot::PreviousDistGit;
use crate::spec::Spec;
use std::collections::BTreeMap;
use std::path::Path;

const FROM_DATE: &str = " Mon Sep 17 00:00:00 2001";

/// Where the previous dist-git state comes from.
#[derive(Debug, Clone)]
pub enum PreviousSource {
    /// A dist-git checkout (its `.git` is ignored).
    Dir(std::path::PathBuf),
    /// The files of a dist-git commit, by path.
    Files(BTreeMap<String, Vec<u8>>),
}

/// Reads the previous dist-git state and the patch ids of its `*.patch` files.
pub fn read_previous(shadow: &ShadowRepo, source: &PreviousSource) -> Result<PreviousDistGit, SourceError> {
    let files = previous_files(source)?;
    let patch_ids = patch_ids(shadow, &files)?;
    Ok(PreviousDistGit { files, patch_ids })
}

/// The files of the previous dist-git state, by path.
pub(super) fn previous_files(source: &PreviousSource) -> Result<BTreeMap<String, Vec<u8>>, SourceError> {
    match source {
        PreviousSource::Dir(dir) => read_dir_files(dir),
        PreviousSource::Files(files) => Ok(files.clone()),
    }
}

/// The files of the checkout at `dir`, without `.git`.
fn read_dir_files(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, SourceError> {
    let err = |message: String| SourceError::Previous { path: dir.display().to_string(), message };
    if !dir.is_dir() {
        return Err(err("not a directory".into()));
    }
    let mut files = BTreeMap::new();
    let walk = walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().filter_entry(|e| e.file_name() != ".git");
    for entry in walk {
        let entry = entry.map_err(|e| err(e.to_string()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).map_err(|e| err(e.to_string()))?;
        let rel = rel.to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(entry.path()).map_err(|e| err(format!("{rel}: {e}")))?;
        files.insert(rel, bytes);
    }
    Ok(files)
}

/// Patch ids of every `*.patch` file, space-joined per file, computed by one `git patch-id`.
/// Plain (`diff -up`) headers are put in git's form first, with the spec's strip level, so a
/// hand-made patch has the id of the `git format-patch` output of the same change.
pub(super) fn patch_ids(
    shadow: &ShadowRepo,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<BTreeMap<String, String>, SourceError> {
    let patches: Vec<(&String, &Vec<u8>)> = files.iter().filter(|(name, _)| name.ends_with(".patch")).collect();
    let strips = strip_levels(files);
    let mut input = Vec::new();
    for (index, (name, bytes)) in patches.iter().enumerate() {
        let strip = strips.get(name.as_str()).copied().unwrap_or(StripLevel::Unspecified);
        tag_parts(index, &plain_diff::normalise(bytes, strip), &mut input);
    }
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (patch_id, commit) in git::patch_ids(shadow, &input)? {
        let Some(name) = usize::from_str_radix(commit.get(..20).unwrap_or(""), 16).ok().and_then(|i| patches.get(i))
        else {
            continue;
        };
        let joined = ids.entry(name.0.clone()).or_default();
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(&patch_id);
    }
    Ok(ids)
}

/// The strip level `%prep` applies each patch file with, from the dist-git's only top-level
/// spec. A spec that cannot be read (or several specs) gives none: patches are then treated
/// as `%autosetup` without `-p` would apply them.
fn strip_levels(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, StripLevel> {
    let mut specs = files.iter().filter(|(p, _)| p.ends_with(".spec") && !p.contains('/'));
    let (Some((path, bytes)), None) = (specs.next(), specs.next()) else { return BTreeMap::new() };
    let Some(spec) = std::str::from_utf8(bytes).ok().and_then(|text| Spec::parse(path, text).ok()) else {
        return BTreeMap::new();
    };
    let applications = crate::reverse::applications(&spec).unwrap_or_default();
    applications
        .into_iter()
        .map(|app| {
            let strip = match app.strip {
                Strip::Level(n) => StripLevel::Level(n),
                Strip::Unspecified => StripLevel::Unspecified,
            };
            (app.file, strip)
        })
        .collect()
}

/// Copies `bytes` to `out`, giving each mail in it a `From <id>` line whose id encodes the file
/// index (first 20 hex digits) and the part (last 20), so ids map back to files.
fn tag_parts(index: usize, bytes: &[u8], out: &mut Vec<u8>) {
    let mut part = 0usize;
    let from = |part: usize| format!("From {index:020x}{part:020x}{FROM_DATE}\n");
    if !is_from_line(bytes.split(|b| *b == b'\n').next().unwrap_or_default()) {
        out.extend_from_slice(from(part).as_bytes());
        part += 1;
    }
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if is_from_line(line.strip_suffix(b"\n").unwrap_or(line)) {
            out.extend_from_slice(from(part).as_bytes());
            part += 1;
        } else {
            out.extend_from_slice(line);
        }
    }
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
}

fn is_from_line(line: &[u8]) -> bool {
    let Ok(line) = std::str::from_utf8(line) else { return false };
    line.strip_prefix("From ")
        .and_then(|r| r.strip_suffix(FROM_DATE))
        .is_some_and(|id| id.len() >= 40 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_get_indexed_from_lines() {
        let mut out = Vec::new();
        tag_parts(3, b"diff --git a/x b/x\n", &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("From 0000000000000000000300000000000000000000 Mon Sep 17"), "{text}");
        let mut out = Vec::new();
        let two = format!("From {}{FROM_DATE}\nx\nFrom {}{FROM_DATE}\ny", "a".repeat(40), "b".repeat(40));
        tag_parts(1, two.as_bytes(), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("From 00000000000000000001").count(), 2);
        assert!(text.ends_with("y\n"));
    }
}
