//! Which dist-git a source-git repository tracks, and which of its branches map to which
//! dist-git branches: git config `distgit.remote` and `distgit.track`.
//!
//! * `distgit.remote` — the dist-git address (what follows `distgit::`); default: the URL of
//!   the only git remote whose URL starts with `distgit::`.
//! * `distgit.track` — multi-valued `SRC` or `SRC:DST`; `SRC` may be a glob (`f*`). Default:
//!   every branch maps to the dist-git branch of the same name.
//!
//! The hooks, `git distgit status` and `git distgit verify` read this; the remote helper is
//! told its address and branches by git itself.

use super::address::{self, Address, AddressError};

/// The prefix of remote URLs handled by `git-remote-distgit`.
pub const DISTGIT_SCHEME: &str = "distgit::";

/// The tracked dist-git and the branch mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    /// The dist-git address.
    pub address: Address,
    /// Where the address came from (`git config distgit.remote`, `remote.fedora.url`).
    pub origin: String,
    /// Branch mappings; empty means every branch maps to the same name.
    pub branches: Vec<BranchMap>,
}

/// One `distgit.track` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchMap {
    /// Source-git branch name or glob.
    pub source: String,
    /// Dist-git branch; `None` = the source-git branch's own name.
    pub dist_git: Option<String>,
}

/// Why the tracked dist-git is not known.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TrackingError {
    #[error(
        "no dist-git is tracked: set `git config distgit.remote <package|url|path>` or add a remote \
         with `git remote add fedora distgit::<package>`"
    )]
    NotConfigured,
    #[error(
        "several remotes point at dist-git ({}); choose one with `git config distgit.remote <address>`",
        .0.join(", ")
    )]
    Ambiguous(Vec<String>),
    #[error("{origin}: {source}")]
    Address {
        origin: String,
        #[source]
        source: AddressError,
    },
    #[error("git config distgit.track = `{value}`: expected `SRC` or `SRC:DST` (branch names or globs for SRC)")]
    BadTrack { value: String },
}

impl Tracking {
    /// The dist-git branch that source-git branch `branch` syncs to, if tracked.
    pub fn dist_git_branch(&self, branch: &str) -> Option<String> {
        if self.branches.is_empty() {
            return Some(branch.to_owned());
        }
        self.branches.iter().find(|m| glob_matches(&m.source, branch)).map(|m| match &m.dist_git {
            Some(dst) => dst.clone(),
            None => branch.to_owned(),
        })
    }
}

/// Reads the tracking configuration of `repo`.
pub fn read(repo: &gix::Repository) -> Result<Tracking, TrackingError> {
    let config = repo.config_snapshot();
    let template = config.string("distgit.url").map(|v| v.to_string()).filter(|v| !v.trim().is_empty());
    let (given, origin) = match config.string("distgit.remote") {
        Some(value) if !value.to_string().trim().is_empty() => {
            let value = value.to_string();
            let value = value.strip_prefix(DISTGIT_SCHEME).unwrap_or(&value).to_owned();
            (value, "git config distgit.remote".to_owned())
        }
        _ => remote_address(repo)?,
    };
    let address = address::resolve(&given, template.as_deref())
        .map_err(|source| TrackingError::Address { origin: origin.clone(), source })?;
    let mut branches = Vec::new();
    for value in config.strings("distgit.track").unwrap_or_default() {
        branches.push(parse_track(&value.to_string())?);
    }
    Ok(Tracking { address, origin, branches })
}

/// The address of the only remote whose URL is `distgit::…`.
fn remote_address(repo: &gix::Repository) -> Result<(String, String), TrackingError> {
    let mut found = Vec::new();
    let config = repo.config_snapshot();
    for name in repo.remote_names() {
        let key = format!("remote.{name}.url");
        if let Some(url) = config.string(key.as_str()) {
            if let Some(rest) = url.to_string().strip_prefix(DISTGIT_SCHEME) {
                found.push((name.to_string(), rest.to_owned()));
            }
        }
    }
    match found.len() {
        0 => Err(TrackingError::NotConfigured),
        1 => {
            let (name, rest) = found.remove(0);
            Ok((rest, format!("remote.{name}.url")))
        }
        _ => Err(TrackingError::Ambiguous(found.into_iter().map(|(n, _)| n).collect())),
    }
}

/// One `distgit.track` value.
fn parse_track(value: &str) -> Result<BranchMap, TrackingError> {
    let bad = || TrackingError::BadTrack { value: value.to_owned() };
    let (source, dist_git) = match value.trim().split_once(':') {
        Some((src, dst)) => (src.trim(), Some(dst.trim())),
        None => (value.trim(), None),
    };
    let valid = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c == ':');
    if !valid(source) || dist_git.is_some_and(|d| !valid(d) || d.contains(['*', '?', '['])) {
        return Err(bad());
    }
    globset::Glob::new(source).map_err(|_| bad())?;
    Ok(BranchMap { source: source.to_owned(), dist_git: dist_git.map(str::to_owned) })
}

/// `pattern` (a glob) matches the whole branch name.
fn glob_matches(pattern: &str, branch: &str) -> bool {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher().is_match(branch))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_values_parse_and_map() {
        let t = Tracking {
            address: address::resolve("/srv/hello.git", None).unwrap(),
            origin: "test".into(),
            branches: vec![parse_track("main:rawhide").unwrap(), parse_track("f*").unwrap()],
        };
        assert_eq!(t.dist_git_branch("main").as_deref(), Some("rawhide"));
        assert_eq!(t.dist_git_branch("f41").as_deref(), Some("f41"));
        assert_eq!(t.dist_git_branch("topic"), None);
        let all = Tracking { branches: vec![], ..t };
        assert_eq!(all.dist_git_branch("topic").as_deref(), Some("topic"));
    }

    #[test]
    fn bad_track_values_are_refused() {
        for bad in ["", "a:b:c", "main:", ":x", "main:f*", "a b"] {
            assert_eq!(parse_track(bad), Err(TrackingError::BadTrack { value: bad.into() }), "{bad}");
        }
    }
}
