//! Which source-git files become which dist-git files (`files_to_sync`), the `sources` file,
//! and what the render removes from the previous dist-git.

use super::series::SeriesPatch;
use crate::config::{Config, SyncFilter, SyncRule, DISTGIT_TOML, SOURCE_GIT_YAML};
use crate::snapshot::{PreviousDistGit, TarballArtifact};
use crate::spec::Spec;
use globset::{GlobBuilder, GlobMatcher};
use std::collections::{BTreeMap, BTreeSet};

/// The `sources` file in dist-git.
pub const SOURCES: &str = "sources";

/// The mapping of source-git paths to dist-git paths for one render.
#[derive(Debug)]
pub struct Layout {
    /// source path → dist-git path, for every synced file.
    synced: BTreeMap<String, String>,
    spec_src: String,
    spec_dest: String,
    /// Rules with `delete`, as (dest dir, protect matchers).
    deleting: Vec<(String, Vec<GlobMatcher>)>,
}

impl Layout {
    /// Applies the sync rules of `config` to `files`.
    pub fn new(files: &BTreeMap<String, Vec<u8>>, config: &Config, spec_src: &str) -> Layout {
        let mut synced = BTreeMap::new();
        for rule in &config.sync {
            for (src, dest) in sync_rule(rule, files) {
                if is_config_file(&src) {
                    continue;
                }
                synced.entry(src).or_insert(dest);
            }
        }
        let spec_dest = synced.get(spec_src).cloned().unwrap_or_else(|| basename(spec_src).to_owned());
        let deleting = config
            .sync
            .iter()
            .filter(|r| r.delete)
            .map(|r| {
                let protect = r.filters.iter().filter_map(|f| match f {
                    SyncFilter::Protect(p) => Some(p.as_str()),
                    _ => None,
                });
                (normalize_dir(&r.dest), protect.filter_map(matcher).collect())
            })
            .collect();
        Layout { synced, spec_src: spec_src.to_owned(), spec_dest, deleting }
    }

    /// Where the rendered spec goes in dist-git.
    pub fn spec_dest(&self) -> &str {
        &self.spec_dest
    }

    /// Every file the render writes, with `spec_text` as the spec.
    pub fn files(
        &self,
        files: &BTreeMap<String, Vec<u8>>,
        spec_text: &str,
        series: &[SeriesPatch],
        tarballs: &[TarballArtifact],
        previous: Option<&PreviousDistGit>,
    ) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for (src, dest) in &self.synced {
            if *src != self.spec_src {
                out.insert(dest.clone(), files[src].clone());
            }
        }
        out.insert(self.spec_dest.clone(), spec_text.as_bytes().to_vec());
        for patch in series {
            out.insert(patch.file_name.clone(), patch.bytes.clone());
        }
        if !tarballs.is_empty() {
            out.insert(SOURCES.into(), sources_file(tarballs, spec_text, &out, previous));
        }
        out
    }

    /// Previous files the render removes: patches the spec no longer names, and unprotected
    /// files under a `delete` rule's destination that the render no longer has.
    pub fn deletions(
        &self,
        files: &BTreeMap<String, Vec<u8>>,
        spec: &Spec,
        previous: Option<&PreviousDistGit>,
    ) -> BTreeSet<String> {
        let Some(previous) = previous else { return BTreeSet::new() };
        let named: BTreeSet<String> = spec.patches().into_iter().map(|p| p.file).collect();
        previous
            .files
            .keys()
            .filter(|path| !files.contains_key(*path))
            .filter(|path| {
                (path.ends_with(".patch") && !path.contains('/') && !named.contains(*path))
                    || self.deleted_by_rule(path)
            })
            .cloned()
            .collect()
    }

    fn deleted_by_rule(&self, path: &str) -> bool {
        self.deleting.iter().any(|(dest, protect)| {
            let rel = if dest.is_empty() { Some(path) } else { path.strip_prefix(dest.as_str()) };
            rel.is_some_and(|rel| !protect.iter().any(|m| matches(m, rel)))
        })
    }
}

/// `sources`: one line per tarball, then previous lines for other files the spec still names
/// but that the render does not provide (e.g. extra tarballs kept in the lookaside).
fn sources_file(
    tarballs: &[TarballArtifact],
    spec_text: &str,
    rendered: &BTreeMap<String, Vec<u8>>,
    previous: Option<&PreviousDistGit>,
) -> Vec<u8> {
    let mut out = String::new();
    for t in tarballs {
        out.push_str(&format!("SHA512 ({}) = {}\n", t.file_name, t.sha512));
    }
    let ours: BTreeSet<&str> = tarballs.iter().map(|t| t.file_name.as_str()).collect();
    let old = previous.and_then(|p| p.files.get(SOURCES)).map(|b| String::from_utf8_lossy(b).into_owned());
    for line in old.iter().flat_map(|s| s.lines()) {
        let Some(name) = sources_line_file(line) else { continue };
        if !ours.contains(name) && !rendered.contains_key(name) && spec_text.contains(name) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// The file name of a `sources` line, in either Fedora format.
pub fn sources_line_file(line: &str) -> Option<&str> {
    if let Some(rest) = line.split_once(" (").map(|(_, r)| r) {
        return rest.rsplit_once(") = ").map(|(name, _)| name);
    }
    line.split_whitespace().nth(1)
}

/// The (source, dest) pairs one rule yields.
fn sync_rule(rule: &SyncRule, files: &BTreeMap<String, Vec<u8>>) -> Vec<(String, String)> {
    let src = rule.src.trim_start_matches("./");
    let dest = normalize_dir(&rule.dest);
    let filters: Vec<(bool, GlobMatcher)> = rule
        .filters
        .iter()
        .filter_map(|f| match f {
            SyncFilter::Exclude(p) => matcher(p).map(|m| (false, m)),
            SyncFilter::Include(p) => matcher(p).map(|m| (true, m)),
            SyncFilter::Protect(_) => None,
        })
        .collect();
    let included = |rel: &str| filters.iter().find(|(_, m)| matches(m, rel)).is_none_or(|(keep, _)| *keep);
    if !src.ends_with('/') {
        let target = if rule.dest.ends_with('/') || dest.is_empty() {
            format!("{dest}{}", basename(src))
        } else {
            rule.dest.trim_start_matches("./").to_owned()
        };
        return files.contains_key(src).then(|| (src.to_owned(), target)).into_iter().collect();
    }
    files
        .keys()
        .filter_map(|path| path.strip_prefix(src).map(|rel| (path, rel)))
        .filter(|(_, rel)| included(rel))
        .map(|(path, rel)| (path.clone(), format!("{dest}{rel}")))
        .collect()
}

/// The tool's and Packit's config never reach dist-git as they are, whatever the rules say.
fn is_config_file(src: &str) -> bool {
    src == DISTGIT_TOML || src == SOURCE_GIT_YAML
}

/// `.` → ``, `dir` → `dir/`.
fn normalize_dir(dest: &str) -> String {
    let d = dest.trim_start_matches("./").trim_end_matches('/');
    if d.is_empty() || d == "." {
        String::new()
    } else {
        format!("{d}/")
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// An rsync-style pattern: without `/` it matches a name at any depth, otherwise the path.
fn matcher(pattern: &str) -> Option<GlobMatcher> {
    let p = pattern.trim_start_matches('/').trim_end_matches('/');
    GlobBuilder::new(p).literal_separator(true).build().ok().map(|g| g.compile_matcher())
}

fn matches(m: &GlobMatcher, rel: &str) -> bool {
    let anchored = m.glob().glob().contains('/');
    if anchored {
        return m.is_match(rel)
            || rel
                .split('/')
                .scan(String::new(), |acc, part| {
                    if !acc.is_empty() {
                        acc.push('/');
                    }
                    acc.push_str(part);
                    Some(acc.clone())
                })
                .any(|prefix| m.is_match(&prefix));
    }
    rel.split('/').any(|part| m.is_match(part))
}
