//! Choosing the upstream release tag and turning it into a version.
//!
//! A tag is a release candidate when it matches one of the tag patterns and none of the ignore
//! patterns (globs, as in `git describe --match`/`--exclude`); the version is what the version
//! expression captures (`v4.9-rc8` → `4.9` with the default expression).

use crate::config::UpstreamConfig;
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use std::cmp::Ordering;

/// A tag pattern or version expression that cannot be used, or a tag without a version.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VersionError {
    #[error("bad tag pattern `{pattern}`: {why}")]
    BadPattern { pattern: String, why: String },
    #[error("bad version expression `{expression}`: {why}")]
    BadExpression { expression: String, why: String },
    #[error(
        "tag `{tag}` does not match the version expression `{expression}`; \
         set `upstream.version` in .distro/distgit.toml to a regex whose `version` group captures the version"
    )]
    NoVersion { tag: String, expression: String },
    #[error("tag `{tag}` gives the version `{version}`, which RPM cannot use (`-` and spaces are not allowed); adjust `upstream.version`")]
    BadVersion { tag: String, version: String },
}

/// Decides which tags are releases and what version each one names.
#[derive(Debug, Clone)]
pub struct TagMatcher {
    include: GlobSet,
    exclude: GlobSet,
    expression: Regex,
}

impl TagMatcher {
    /// Compiles the patterns and the expression of `config`.
    pub fn new(config: &UpstreamConfig) -> Result<TagMatcher, VersionError> {
        let expression = Regex::new(&config.version_expression).map_err(|e| VersionError::BadExpression {
            expression: config.version_expression.clone(),
            why: e.to_string(),
        })?;
        Ok(TagMatcher { include: glob_set(&config.tag_patterns)?, exclude: glob_set(&config.ignore_tags)?, expression })
    }

    /// Whether `tag` may be taken as the release.
    pub fn is_release(&self, tag: &str) -> bool {
        self.include.is_match(tag) && !self.exclude.is_match(tag)
    }

    /// The version `tag` names.
    pub fn version_of(&self, tag: &str) -> Result<String, VersionError> {
        let caps = self.expression.captures(tag).ok_or_else(|| self.no_version(tag))?;
        let found = caps.name("version").or_else(|| caps.get(1)).or_else(|| caps.get(0));
        let version = found.map(|m| m.as_str()).filter(|v| !v.is_empty()).ok_or_else(|| self.no_version(tag))?;
        if version.contains(['-', ' ', '\t', '/']) {
            return Err(VersionError::BadVersion { tag: tag.into(), version: version.into() });
        }
        Ok(version.to_owned())
    }

    fn no_version(&self, tag: &str) -> VersionError {
        VersionError::NoVersion { tag: tag.into(), expression: self.expression.as_str().into() }
    }
}

fn glob_set(patterns: &[String]) -> Result<GlobSet, VersionError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern)
            .map_err(|e| VersionError::BadPattern { pattern: pattern.clone(), why: e.kind().to_string() })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| VersionError::BadPattern { pattern: patterns.join(", "), why: e.to_string() })
}

/// Compares two versions the way RPM's `rpmvercmp` does.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        a = skip_separators(a);
        b = skip_separators(b);
        // `~` sorts before everything, even the end of the string.
        match (a.first() == Some(&b'~'), b.first() == Some(&b'~')) {
            (true, true) => {
                a = &a[1..];
                b = &b[1..];
                continue;
            }
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        // `^` sorts after the end of the string but before anything else.
        match (a.first() == Some(&b'^'), b.first() == Some(&b'^')) {
            (true, true) => {
                a = &a[1..];
                b = &b[1..];
                continue;
            }
            (true, false) => return if b.is_empty() { Ordering::Greater } else { Ordering::Less },
            (false, true) => return if a.is_empty() { Ordering::Less } else { Ordering::Greater },
            _ => {}
        }
        if a.is_empty() || b.is_empty() {
            return a.len().cmp(&b.len());
        }
        let numeric = a[0].is_ascii_digit();
        let (sa, ra) = split_segment(a, numeric);
        let (sb, rb) = split_segment(b, numeric);
        if sb.is_empty() {
            // Segments of different kinds: numeric is newer.
            return if numeric { Ordering::Greater } else { Ordering::Less };
        }
        let ord = if numeric { compare_numeric(sa, sb) } else { sa.cmp(sb) };
        if ord != Ordering::Equal {
            return ord;
        }
        a = ra;
        b = rb;
    }
}

fn skip_separators(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|c| !c.is_ascii_alphanumeric() && **c != b'~' && **c != b'^').count();
    &s[n..]
}

fn split_segment(s: &[u8], numeric: bool) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| if numeric { c.is_ascii_digit() } else { c.is_ascii_alphabetic() }).count();
    s.split_at(n)
}

fn compare_numeric(a: &[u8], b: &[u8]) -> Ordering {
    let trim = |s: &[u8]| -> Vec<u8> { s.iter().skip_while(|c| **c == b'0').copied().collect() };
    let (a, b) = (trim(a), trim(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn matcher(patterns: &[&str], ignore: &[&str], expr: Option<&str>) -> TagMatcher {
        let mut cfg = Config::default().upstream;
        cfg.tag_patterns = patterns.iter().map(|s| s.to_string()).collect();
        cfg.ignore_tags = ignore.iter().map(|s| s.to_string()).collect();
        if let Some(e) = expr {
            cfg.version_expression = e.into();
        }
        TagMatcher::new(&cfg).expect("valid matcher")
    }

    #[test]
    fn default_expression_strips_prefix_and_suffix() {
        let m = matcher(&["*"], &[], None);
        assert_eq!(m.version_of("v4.9-rc8").as_deref(), Ok("4.9"));
        assert_eq!(m.version_of("sscg-3.0.2").as_deref(), Ok("3.0.2"));
        assert_eq!(m.version_of("101").as_deref(), Ok("101"));
        assert!(matches!(m.version_of("latest"), Err(VersionError::NoVersion { .. })));
    }

    #[test]
    fn patterns_and_ignores() {
        let m = matcher(&["v*"], &["*-rc*"], None);
        assert!(m.is_release("v1.0"));
        assert!(!m.is_release("v1.1-rc1"));
        assert!(!m.is_release("release-1"));
    }

    #[test]
    fn custom_expression_groups() {
        let m = matcher(&["*"], &[], Some(r"^release_(\d+)_(\d+)$"));
        assert_eq!(m.version_of("release_1_2").as_deref(), Ok("1"));
        let m = matcher(&["*"], &[], Some(r"^v(?P<version>.*)$"));
        assert!(matches!(m.version_of("v1.0-2"), Err(VersionError::BadVersion { .. })));
    }

    #[test]
    fn bad_patterns_are_errors() {
        let mut cfg = Config::default().upstream;
        cfg.tag_patterns = vec!["v[".into()];
        assert!(matches!(TagMatcher::new(&cfg), Err(VersionError::BadPattern { .. })));
    }

    #[test]
    fn rpmvercmp_matches_rpm() {
        use Ordering::*;
        for (a, b, want) in [
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.0.1", "2.0", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("1.010", "1.9", Greater),
            ("1.a", "1.1", Less),
            ("5.5p1", "5.5p10", Less),
            ("1.0a", "1.0", Greater),
        ] {
            assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
        }
    }
}
