//! Value checks shared by both configuration files.
//!
//! Each check takes the raw string and returns the typed value or an [`Invalid`] saying why
//! and what is accepted; the caller adds the file and key.

use super::load::Invalid;
use super::{Ownership, SyncFilter, TarballMode};

/// Placeholders a tarball template may use.
pub const TEMPLATE_PLACEHOLDERS: &[&str] = &["name", "version", "tag"];

/// Checks a package name: RPM name characters only.
pub fn package_name(value: &str) -> Result<String, Invalid> {
    let ok = !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "-._+".contains(c));
    ok.then(|| value.to_string())
        .ok_or_else(|| Invalid::new("not a package name", "a non-empty name of ASCII letters, digits and `-._+`"))
}

/// Checks a path relative to the repository root: non-empty, not absolute, no `..`.
pub fn relative_path(value: &str) -> Result<String, Invalid> {
    let why = if value.is_empty() {
        Some("empty path")
    } else if value.starts_with('/') {
        Some("absolute path")
    } else if value.split('/').any(|part| part == "..") {
        Some("path leaves the repository (`..`)")
    } else {
        None
    };
    match why {
        Some(why) => Err(Invalid::new(why, "a path relative to the repository root, e.g. `.distro/foo.spec`")),
        None => Ok(value.to_string()),
    }
}

/// Checks an OpenPGP v4 fingerprint: 40 hex digits once spaces are removed; returns it
/// uppercase without spaces.
pub fn fingerprint(value: &str) -> Result<String, Invalid> {
    let compact: String = value.chars().filter(|c| *c != ' ').collect();
    if compact.len() != 40 || !compact.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Invalid::new(
            "not a primary-key fingerprint",
            "40 hex digits, spaces allowed, as `gpg --fingerprint` prints them, e.g. `1234 5678 9ABC DEF0 1234  5678 9ABC DEF0 1234 5678`",
        ));
    }
    Ok(compact.to_ascii_uppercase())
}

/// Checks a certificate path: relative to the directory of the `distgit.toml` naming it, no `..`.
pub fn certificate_path(value: &str) -> Result<String, Invalid> {
    relative_path(value)
        .map_err(|e| Invalid::new(e.why, "a path relative to the directory of distgit.toml, e.g. `keys/alice.asc`"))
}

/// Checks a git ref name or commit id: non-empty, no whitespace.
pub fn git_ref(value: &str) -> Result<String, Invalid> {
    if value.is_empty() || value.chars().any(char::is_whitespace) {
        return Err(Invalid::new(
            "not a tag name or commit id",
            "a tag name or commit id without spaces, e.g. `v1.2.3`",
        ));
    }
    Ok(value.to_string())
}

/// Checks a glob with `globset`.
pub fn glob(value: &str) -> Result<String, Invalid> {
    globset::Glob::new(value)
        .map(|_| value.to_string())
        .map_err(|e| Invalid::new(format!("bad glob: {}", e.kind()), glob_accepted()))
}

fn glob_accepted() -> &'static str {
    "a glob such as `v*` or `release-[0-9]*` (`*`, `?`, `[...]`, `{a,b}`)"
}

/// Checks a regular expression with the `regex` crate.
pub fn version_regex(value: &str) -> Result<String, Invalid> {
    regex::Regex::new(value).map(|_| value.to_string()).map_err(|e| {
        let text = e.to_string();
        let last = text.lines().last().unwrap_or_default();
        let detail = last.trim().trim_start_matches("error: ");
        Invalid::new(
            format!("bad regular expression: {detail}"),
            "a regular expression (Rust `regex` syntax) whose group `version` (else group 1, \
                 else the whole match) is the version, e.g. `^v(?P<version>.+)$`",
        )
    })
}

/// Checks a tarball template: every `{...}` must be one of [`TEMPLATE_PLACEHOLDERS`].
pub fn template(value: &str) -> Result<String, Invalid> {
    for piece in template_pieces(value) {
        if let Piece::Placeholder(name) = piece? {
            if !TEMPLATE_PLACEHOLDERS.contains(&name) {
                return Err(template_error(format!("unknown placeholder `{{{name}}}`")));
            }
        }
    }
    Ok(value.to_string())
}

fn template_error(why: String) -> Invalid {
    Invalid::new(why, "text with the placeholders `{name}`, `{version}`, `{tag}` (no other braces)")
}

/// A piece of a `{placeholder}` template.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
}

/// Splits a `{placeholder}` template into literal text and placeholder names; an unmatched
/// brace is an error.
pub fn template_pieces(value: &str) -> impl Iterator<Item = Result<Piece<'_>, Invalid>> {
    let mut rest = value;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(open) = rest.find(['{', '}']) else {
            let literal = rest;
            rest = "";
            return Some(Ok(Piece::Literal(literal)));
        };
        if open > 0 {
            let (literal, tail) = rest.split_at(open);
            rest = tail;
            return Some(Ok(Piece::Literal(literal)));
        }
        let close = rest.find('}').filter(|_| rest.starts_with('{'));
        let inner = close.and_then(|c| rest.get(1..c)).filter(|s| !s.contains('{'));
        match (close, inner) {
            (Some(c), Some(name)) => {
                rest = rest.get(c + 1..).unwrap_or("");
                Some(Ok(Piece::Placeholder(name)))
            }
            _ => {
                rest = "";
                Some(Err(template_error("unmatched `{` or `}`".into())))
            }
        }
    })
}

/// Checks a SHA-512 in hex (128 digits, either case) and returns it in lower case.
pub fn sha512(value: &str) -> Result<String, Invalid> {
    if value.len() == 128 && value.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(value.to_ascii_lowercase());
    }
    Err(Invalid::new(
        format!("not a SHA-512 ({} characters)", value.chars().count()),
        "128 hexadecimal digits (as `sha512sum` prints)",
    ))
}

/// Parses a tarball mode.
pub fn tarball_mode(value: &str) -> Result<TarballMode, Invalid> {
    match value {
        "archive" => Ok(TarballMode::Archive),
        "upstream" => Ok(TarballMode::Upstream),
        _ => Err(Invalid::new("unknown tarball mode", "`archive`, `upstream`")),
    }
}

/// Parses who owns a spec line.
pub fn ownership(value: &str) -> Result<Ownership, Invalid> {
    match value {
        "render" => Ok(Ownership::Render),
        "spec" => Ok(Ownership::Spec),
        _ => Err(Invalid::new("unknown owner", "`render`, `spec`")),
    }
}

/// Checks a `PatchN` width.
pub fn id_digits(value: i64) -> Result<usize, Invalid> {
    match usize::try_from(value) {
        Ok(n @ 1..=9) => Ok(n),
        _ => Err(Invalid::new(
            "patch number width out of range",
            "an integer from 1 to 9 (4 → `Patch0001`, 1 → `Patch1`)",
        )),
    }
}

/// Parses an rsync-style filter rule: `exclude PAT`/`- PAT`, `include PAT`/`+ PAT`,
/// `protect PAT`/`P PAT`.
pub fn sync_filter(value: &str) -> Result<SyncFilter, Invalid> {
    let (rule, pattern) = value.split_once(' ').unwrap_or((value, ""));
    let make: Option<fn(String) -> SyncFilter> = match rule {
        "exclude" | "-" => Some(SyncFilter::Exclude),
        "include" | "+" => Some(SyncFilter::Include),
        "protect" | "P" => Some(SyncFilter::Protect),
        _ => None,
    };
    match make {
        Some(_) if globset::Glob::new(pattern.trim_matches('/')).is_err() => Err(filter_error("bad glob pattern")),
        Some(make) if !pattern.is_empty() => Ok(make(pattern.to_string())),
        Some(_) => Err(filter_error("missing pattern")),
        None => Err(filter_error("unknown or unsupported filter rule")),
    }
}

fn filter_error(why: &str) -> Invalid {
    Invalid::new(
        why,
        "`exclude PAT` (`- PAT`), `include PAT` (`+ PAT`), `protect PAT` (`P PAT`); other \
         rsync rules and modifiers are not supported yet",
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pieces(value: &str) -> Vec<Piece<'_>> {
        template_pieces(value).collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn template_pieces_split_literals_and_placeholders() {
        assert_eq!(
            pieces("{name}-{version}.tar.gz"),
            [Piece::Placeholder("name"), Piece::Literal("-"), Piece::Placeholder("version"), Piece::Literal(".tar.gz"),]
        );
        assert_eq!(pieces("plain"), [Piece::Literal("plain")]);
    }

    #[test]
    fn template_rejects_unknown_placeholders_and_stray_braces() {
        assert!(template("%{name}-{tag}.tgz").is_ok());
        let err = template("{name}-{release}.tgz").unwrap_err();
        assert_eq!(err.why, "unknown placeholder `{release}`");
        assert!(err.accepted.contains("`{tag}`"));
        for bad in ["{name", "name}", "{{name}}", "{}x{"] {
            assert!(template(bad).is_err(), "{bad}");
        }
        assert_eq!(template("{}").unwrap_err().why, "unknown placeholder `{}`");
    }

    #[test]
    fn sha512_is_lowercased_and_length_checked() {
        let upper = "AB".repeat(64);
        assert_eq!(sha512(&upper).unwrap(), "ab".repeat(64));
        assert!(sha512(&"ab".repeat(63)).is_err());
        assert!(sha512(&format!("{}zz", "ab".repeat(63))).is_err());
    }

    #[test]
    fn filters_long_and_short_forms() {
        assert_eq!(sync_filter("protect .git*"), Ok(SyncFilter::Protect(".git*".into())));
        assert_eq!(sync_filter("- a b"), Ok(SyncFilter::Exclude("a b".into())));
        assert_eq!(sync_filter("+ *.spec"), Ok(SyncFilter::Include("*.spec".into())));
        assert_eq!(sync_filter("P sources"), Ok(SyncFilter::Protect("sources".into())));
        assert!(sync_filter("hide foo").is_err());
        assert!(sync_filter("exclude").is_err());
        assert!(sync_filter("-! foo").is_err());
        assert!(sync_filter("exclude [a").is_err());
    }

    #[test]
    fn paths_must_stay_inside_the_repository() {
        assert!(relative_path(".distro/foo.spec").is_ok());
        assert!(relative_path("/etc/foo").is_err());
        assert!(relative_path("a/../../b").is_err());
        assert!(relative_path("").is_err());
    }

    #[test]
    fn package_names_and_refs() {
        assert!(package_name("python3.12-foo+bar_x").is_ok());
        assert!(package_name("foo bar").is_err());
        assert!(git_ref("v1.2.3").is_ok());
        assert!(git_ref("v1 2").is_err());
    }

    #[test]
    fn id_digits_range() {
        assert_eq!(id_digits(4), Ok(4));
        assert!(id_digits(0).is_err());
        assert!(id_digits(10).is_err());
        assert!(id_digits(-1).is_err());
    }
}
