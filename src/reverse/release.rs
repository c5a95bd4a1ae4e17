//! Finding the upstream release commit the dist-git patches apply to: the tag whose version is
//! the spec's `Version:`, or the configured `upstream.ref`.

use super::ReverseError;
use crate::config::UpstreamConfig;
use crate::version::TagMatcher;

/// The release the source-git branch starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The tag name (or `upstream.ref` as configured).
    pub tag: String,
    /// The commit it names (hex).
    pub commit: String,
}

/// Finds the release of `version` (the spec's expanded `Version:`) for package `name`.
pub fn find(
    repo: &gix::Repository,
    config: &UpstreamConfig,
    matcher: &TagMatcher,
    name: &str,
    version: &str,
) -> Result<Base, ReverseError> {
    if let Some(reference) = &config.upstream_ref {
        let spec = format!("{reference}^{{commit}}");
        let commit = repo
            .rev_parse_single(spec.as_str())
            .map_err(|e| ReverseError::BadRef { reference: reference.clone(), message: e.to_string() })?;
        return Ok(Base { tag: reference.clone(), commit: commit.to_string() });
    }
    let tags = tags(repo)?;
    let candidates: Vec<&(String, String)> = tags
        .iter()
        .filter(|(tag, _)| matcher.is_release(tag) && matcher.version_of(tag).is_ok_and(|v| v == version))
        .collect();
    let preferred = preferred_names(name, version);
    let best = preferred
        .iter()
        .find_map(|p| candidates.iter().find(|(tag, _)| tag == p))
        .or_else(|| candidates.first())
        .ok_or_else(|| ReverseError::NoTag {
            version: version.into(),
            patterns: config.tag_patterns.join(", "),
            examples: preferred.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "),
        })?;
    Ok(Base { tag: best.0.clone(), commit: best.1.clone() })
}

/// The tag names tried first, in order: `v<version>`, `<version>`, `<name>-<version>`.
fn preferred_names(name: &str, version: &str) -> [String; 3] {
    [format!("v{version}"), version.to_owned(), format!("{name}-{version}")]
}

/// Every tag with the commit it names, sorted by name.
fn tags(repo: &gix::Repository) -> Result<Vec<(String, String)>, ReverseError> {
    let git = |what: &str| {
        let what = what.to_owned();
        move |e: gix::Error| ReverseError::Gix { what, message: e.to_string() }
    };
    let refs = repo.references().map_err(git("reading references"))?;
    let peeled = refs.tags().and_then(|t| t.peeled()).map_err(git("reading tags"))?;
    let mut tags = Vec::new();
    for tag in peeled {
        let Ok(tag) = tag else { continue };
        let name = tag.name().shorten().to_string();
        let Some(id) = tag.try_id() else { continue };
        let is_commit = repo.find_object(id.detach()).is_ok_and(|o| o.kind == gix::object::Kind::Commit);
        if is_commit {
            tags.push((name, id.to_string()));
        }
    }
    tags.sort();
    Ok(tags)
}
