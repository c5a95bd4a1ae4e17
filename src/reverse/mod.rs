//! The reverse of the render: source-git commits made from one dist-git commit (what
//! `git fetch distgit::<pkg> <branch>` brings in).
//!
//! From the files of a dist-git commit, [`reverse`] writes, in the local source-git repository:
//!
//! 1. nothing for the upstream release: it is the tag whose version is the spec's `Version:`
//!    (found with the tag matching of the dist-git's `distgit.toml`, else the defaults), which
//!    must already be in the repository;
//! 2. one commit per dist-git patch, in the order `%prep` applies them (see [`prep`]), each
//!    applied on top of the previous tree with `git apply --cached` — author, date and message
//!    from the mail headers, or for a plain diff the dist-git commit's author and the file name
//!    as subject — carrying Packit's trailers `Patch-name`, `Patch-id`,
//!    `Patch-present-in-specfile: true`, `Patch-status` (the spec's comment above the `Patch`
//!    line) and `From-dist-git-commit`;
//! 3. a commit adding `.distro/`: the spec (unchanged bytes) and the other packaging files.
//!
//! Rendering the result with the dist-git checkout as the previous state gives that checkout
//! back: the spec keeps its `Patch` lines (`Patch-present-in-specfile`), patches with an
//! unchanged `git patch-id` keep their bytes, Release and `%changelog` are unchanged.
//! Objects are written to the repository; no ref is moved. See `docs/reverse.md`.

mod distro;
mod message;
mod prep;
mod release;

pub use prep::{applications, Application, PrepError, Strip};

use crate::config::{self, Config};
use crate::git::{self, ApplyOptions, GitError, NewCommit, PatchIndex, ShadowRepo, Signature};
use crate::snapshot::Person;
use crate::spec::Spec;
use crate::version::{TagMatcher, VersionError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The dist-git commit to reverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistGitCommit {
    /// Its full hex id (for `From-dist-git-commit`).
    pub id: String,
    /// The dist-git branch it is on (for the packaging commit's subject).
    pub branch: String,
    /// Its author: the author of plain-diff patches and of the packaging commit.
    pub author: Person,
    /// Every file of its tree, by path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The paths in `files` that are executable.
    pub executable: BTreeSet<String>,
}

/// What [`reverse`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reversed {
    /// The packaging commit: the tip of the new source-git branch.
    pub tip: String,
    /// The release tag (or configured `upstream.ref`) the commits sit on.
    pub tag: String,
    /// The commit the tag names.
    pub release_commit: String,
    /// The spec's version.
    pub version: String,
    /// The new commits, oldest first (the patch commits, then the packaging commit).
    pub commits: Vec<ReversedCommit>,
    /// Patch files the spec names but `%prep` does not apply: kept as files in `.distro/`.
    pub unapplied: Vec<String>,
    /// `*.patch` files of dist-git that the spec does not name: left out.
    pub dropped: Vec<String>,
}

/// One commit [`reverse`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReversedCommit {
    pub id: String,
    /// The dist-git patch file it was made from; `None` for the packaging commit.
    pub patch: Option<String>,
    pub subject: String,
}

/// Why a dist-git commit could not be reversed. Nothing is written to refs in any case.
#[derive(Debug, thiserror::Error)]
pub enum ReverseError {
    #[error("{path}: not a git repository: {message}")]
    Open { path: String, message: String },
    #[error("{what}: {message}")]
    Gix { what: String, message: String },
    #[error("dist-git commit {commit}: {source}")]
    Config { commit: String, source: Box<config::ConfigError> },
    #[error("dist-git commit {commit}: {message}")]
    NoSpec { commit: String, message: String },
    #[error("dist-git commit {commit}: {path} is not UTF-8 text")]
    NotText { commit: String, path: String },
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
    #[error(transparent)]
    Version(#[from] VersionError),
    #[error(
        "no tag for version {version} (the spec's `Version:`) in this repository: looked for a tag matching \
         {patterns} whose version is {version}, such as {examples}. Fetch the upstream tags first \
         (`git fetch <upstream-url> 'refs/tags/*:refs/tags/*'`), or set `upstream.ref` / \
         `upstream.tag_pattern` in the dist-git's distgit.toml"
    )]
    NoTag { version: String, patterns: String, examples: String },
    #[error(
        "upstream ref `{reference}` (from the dist-git's distgit.toml) is not in this repository: {message}; \
         fetch it first (`git fetch <upstream-url> 'refs/tags/*:refs/tags/*'`)"
    )]
    BadRef { reference: String, message: String },
    #[error(transparent)]
    Prep(#[from] PrepError),
    #[error("Patch{number} ({file}) is applied by %prep but dist-git has no such file")]
    MissingPatch { file: String, number: u32 },
    #[error("Patch{number} ({file}) is compressed; only plain patch files can become commits")]
    Compressed { file: String, number: u32 },
    #[error(
        "Patch{number} ({file}) is applied with -p{strip}; a source-git commit renders as a -p1 patch \
         (or -p0 with `No-prefix`), so rendering it back would break %prep. Change the spec and the \
         patch to -p1"
    )]
    StripLevel { file: String, number: u32, strip: u32 },
    #[error("Patch{number} ({file}) does not apply on top of {base}: {message}")]
    PatchFailed { file: String, number: u32, base: String, message: String },
    #[error("Patch{number} ({file}): {source}")]
    PatchCommit { file: String, number: u32, source: GitError },
    #[error(transparent)]
    Git(#[from] GitError),
}

/// Writes the source-git commits for `distgit` in the repository at (or above) `repo_path`,
/// with `committer` as the committer of every commit; returns them. Refs are not touched.
///
/// The same input (including the committer's date) gives the same commit ids.
pub fn reverse(repo_path: &Path, distgit: &DistGitCommit, committer: &Person) -> Result<Reversed, ReverseError> {
    let repo = gix::discover(repo_path)
        .map_err(|e| ReverseError::Open { path: repo_path.display().to_string(), message: e.to_string() })?;
    let config = read_config(distgit)?;
    let spec = read_spec(distgit, &config)?;
    let name = config.package.clone().unwrap_or_else(|| spec.name());
    let version = spec.version();
    let matcher = TagMatcher::new(&config.upstream)?;
    let base = release::find(&repo, &config.upstream, &matcher, &name, &version)?;
    let applications = prep::applications(&spec)?;
    let shadow = ShadowRepo::new(repo.common_dir())?;
    let committer = signature(committer);
    let mut writer = Writer { shadow: &shadow, index: PatchIndex::new(&shadow, &base.commit)?, committer: &committer };
    let mut tip = Tip { commit: base.commit.clone(), tree: writer.index.write_tree()? };
    let mut commits = Vec::new();
    for app in &applications {
        commits.extend(writer.patch(&spec, distgit, app, &mut tip)?);
    }
    let applied: BTreeSet<String> = applications.iter().map(|a| a.file.clone()).collect();
    let named: BTreeSet<String> = prep::declared(&spec).into_iter().map(|d| d.file).collect();
    let plan = distro::plan(distgit, &applied, &named);
    let tree = distro::write_tree(&repo, &tip.tree, &plan)?;
    let message = message::packaging_message(&distgit.branch, &distgit.id);
    let author = signature(&distgit.author);
    let new = NewCommit { tree: &tree, parent: &tip.commit, message: &message, author: &author, committer: &committer };
    let id = git::commit_tree(&shadow, &new)?;
    commits.push(ReversedCommit { id: id.clone(), patch: None, subject: subject_of(&message) });
    Ok(Reversed {
        tip: id,
        tag: base.tag,
        release_commit: base.commit,
        version,
        commits,
        unapplied: named.difference(&applied).filter(|f| distgit.files.contains_key(*f)).cloned().collect(),
        dropped: plan.dropped,
    })
}

/// The dist-git's `distgit.toml`, or the defaults.
fn read_config(distgit: &DistGitCommit) -> Result<Config, ReverseError> {
    let text = text_file(distgit, "distgit.toml")?;
    config::load(text, None).map_err(|e| ReverseError::Config { commit: distgit.id.clone(), source: Box::new(e) })
}

fn text_file<'a>(distgit: &'a DistGitCommit, path: &str) -> Result<Option<&'a str>, ReverseError> {
    let not_text = || ReverseError::NotText { commit: distgit.id.clone(), path: path.into() };
    distgit.files.get(path).map(|b| std::str::from_utf8(b).map_err(|_| not_text())).transpose()
}

/// The dist-git spec: the configured one (`spec.path` = `.distro/<file>`), else
/// `<package>.spec`, else the only `*.spec` at the top.
fn read_spec(distgit: &DistGitCommit, config: &Config) -> Result<Spec, ReverseError> {
    let no_spec = |message: String| ReverseError::NoSpec { commit: distgit.id.clone(), message };
    let specs: Vec<&String> = distgit.files.keys().filter(|p| p.ends_with(".spec") && !p.contains('/')).collect();
    let path = if let Some(configured) = &config.spec_path {
        let file = configured.trim_start_matches("./").strip_prefix(".distro/").unwrap_or(configured);
        specs.iter().find(|s| s.as_str() == file).ok_or_else(|| {
            no_spec(format!("distgit.toml sets `spec.path = \"{configured}\"` but dist-git has no `{file}`"))
        })?
    } else {
        let wanted = config.package.as_ref().map(|p| format!("{p}.spec"));
        match (specs.iter().find(|s| Some(s.as_str()) == wanted.as_deref()), specs.as_slice()) {
            (Some(spec), _) | (None, [spec]) => spec,
            (None, []) => return Err(no_spec("no `*.spec` file at the top of the tree".into())),
            (None, many) => {
                let list = many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
                return Err(no_spec(format!("several spec files ({list}); set `package` in distgit.toml")));
            }
        }
    };
    let text = text_file(distgit, path)?.unwrap_or_default();
    Ok(Spec::parse(path, text)?)
}

/// The commit and tree the next commit goes on.
struct Tip {
    commit: String,
    tree: String,
}

/// Applies patches and writes their commits.
struct Writer<'a> {
    shadow: &'a ShadowRepo,
    index: PatchIndex<'a>,
    committer: &'a Signature,
}

/// One commit to make from (part of) a patch file.
struct PatchPart {
    subject: String,
    body: String,
    author: Signature,
    diff: Vec<u8>,
}

impl Writer<'_> {
    /// Applies one patch file (one commit per mail in it) on top of `tip`.
    fn patch(
        &mut self,
        spec: &Spec,
        distgit: &DistGitCommit,
        app: &Application,
        tip: &mut Tip,
    ) -> Result<Vec<ReversedCommit>, ReverseError> {
        let (file, number) = (app.file.clone(), app.number);
        let bytes = distgit.files.get(&app.file).ok_or(ReverseError::MissingPatch { file: file.clone(), number })?;
        if is_compressed(bytes) {
            return Err(ReverseError::Compressed { file, number });
        }
        let status = comment_lines(spec, app.tag_line);
        let mut commits = Vec::new();
        for part in self.parts(distgit, app, bytes)? {
            let no_prefix = self.apply(app, &part.diff, &tip.commit)?;
            let trailers = message::PatchTrailers {
                file: &app.file,
                number,
                status: &status,
                no_prefix,
                distgit_commit: &distgit.id,
            };
            let message = message::patch_message(&part.subject, &part.body, &trailers);
            let commit_err = |source| ReverseError::PatchCommit { file: file.clone(), number, source };
            let tree = self.index.write_tree().map_err(commit_err)?;
            let new = NewCommit {
                tree: &tree,
                parent: &tip.commit,
                message: &message,
                author: &part.author,
                committer: self.committer,
            };
            let id = git::commit_tree(self.shadow, &new).map_err(commit_err)?;
            *tip = Tip { commit: id.clone(), tree };
            commits.push(ReversedCommit { id, patch: Some(file.clone()), subject: subject_of(&message) });
        }
        Ok(commits)
    }

    /// The commits a patch file makes: one per mail, or one for a plain diff.
    fn parts(&self, distgit: &DistGitCommit, app: &Application, bytes: &[u8]) -> Result<Vec<PatchPart>, ReverseError> {
        let fallback = signature(&distgit.author);
        if !message::is_mail(bytes) {
            let body = message::plain_description(bytes);
            return Ok(vec![PatchPart { subject: app.file.clone(), body, author: fallback, diff: bytes.to_vec() }]);
        }
        let mut parts = Vec::new();
        for mail in message::split_mails(bytes) {
            let info = git::mailinfo(self.shadow, mail).map_err(|source| ReverseError::PatchCommit {
                file: app.file.clone(),
                number: app.number,
                source,
            })?;
            let author = match (info.author.is_empty(), info.email.is_empty()) {
                (true, true) => fallback.clone(),
                (no_name, _) => Signature {
                    name: if no_name { info.email.clone() } else { info.author.clone() },
                    email: info.email.clone(),
                    date: if info.date.is_empty() { fallback.date.clone() } else { info.date.clone() },
                },
            };
            parts.push(PatchPart { subject: info.subject, body: info.body, author, diff: info.patch });
        }
        Ok(parts)
    }

    /// Applies one diff with the application's strip level; returns whether it went in with
    /// `-p0` (so the commit renders with `No-prefix`).
    fn apply(&self, app: &Application, diff: &[u8], base: &str) -> Result<bool, ReverseError> {
        let failed = |err: GitError| {
            let message = match err {
                GitError::Failed { stderr, .. } => stderr,
                other => other.to_string(),
            };
            ReverseError::PatchFailed { file: app.file.clone(), number: app.number, base: base.into(), message }
        };
        match app.strip {
            Strip::Level(strip @ (0 | 1)) => {
                self.index.apply(diff, ApplyOptions { strip }).map_err(failed)?;
                Ok(strip == 0)
            }
            Strip::Level(strip) => Err(ReverseError::StripLevel { file: app.file.clone(), number: app.number, strip }),
            // `patch` without `-p` takes the base name: right for `a/x` (-p1) and `x` (-p0).
            Strip::Unspecified => match self.index.apply(diff, ApplyOptions { strip: 1 }) {
                Ok(()) => Ok(false),
                Err(first) => match self.index.apply(diff, ApplyOptions { strip: 0 }) {
                    Ok(()) => Ok(true),
                    Err(_) => Err(failed(first)),
                },
            },
        }
    }
}

/// The `#` comment lines directly above the 1-based line `tag_line` of the spec.
fn comment_lines(spec: &Spec, tag_line: usize) -> Vec<String> {
    let lines: Vec<&str> = spec.text().lines().take(tag_line.saturating_sub(1)).collect();
    let start = lines.iter().rposition(|l| !l.trim_start().starts_with('#')).map_or(0, |i| i + 1);
    lines[start..].iter().map(|l| l.trim().to_owned()).collect()
}

/// Whether `bytes` start with a gzip, bzip2, xz or zstd magic number.
fn is_compressed(bytes: &[u8]) -> bool {
    [&b"\x1f\x8b"[..], b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd"].iter().any(|m| bytes.starts_with(m))
}

/// A [`Person`] as git's identity environment wants it.
fn signature(person: &Person) -> Signature {
    let sign = if person.offset < 0 { '-' } else { '+' };
    let minutes = person.offset.unsigned_abs() / 60;
    Signature {
        name: person.name.clone(),
        email: person.email.clone(),
        date: format!("@{} {sign}{:02}{:02}", person.time, minutes / 60, minutes % 60),
    }
}

fn subject_of(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;

    /// A dist-git commit holding `files`.
    pub fn distgit(files: &[(&str, &str)]) -> DistGitCommit {
        DistGitCommit {
            id: "d".repeat(40),
            branch: "rawhide".into(),
            author: Person { name: "Pat".into(), email: "pat@example.org".into(), time: 0, offset: 0 },
            files: files.iter().map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())).collect(),
            executable: BTreeSet::new(),
        }
    }

    #[test]
    fn signature_dates_carry_the_offset() {
        let p = |offset| Person { name: "A".into(), email: "a@b".into(), time: 1_700_000_000, offset };
        assert_eq!(signature(&p(0)).date, "@1700000000 +0000");
        assert_eq!(signature(&p(-5 * 3600 - 1800)).date, "@1700000000 -0530");
        assert_eq!(signature(&p(3600)).date, "@1700000000 +0100");
    }

    #[test]
    fn comments_directly_above_the_patch_line() {
        let text = "Name: a\nVersion: 1\n# not this\n\n# Fix it\n  # (bz#1)\nPatch1: a.patch\nPatch2: b.patch\n";
        let spec = Spec::parse("a.spec", text).unwrap();
        assert_eq!(comment_lines(&spec, 7), ["# Fix it", "# (bz#1)"]);
        assert!(comment_lines(&spec, 8).is_empty());
        assert_eq!(comment_lines(&spec, 1), Vec::<String>::new());
    }

    #[test]
    fn spec_is_chosen_by_package_or_alone() {
        let one = distgit(&[("foo.spec", "Name: foo\nVersion: 1\n"), ("sub/x.spec", "")]);
        assert_eq!(read_spec(&one, &Config::default()).unwrap().path(), "foo.spec");
        let two = distgit(&[("foo.spec", "Name: foo\nVersion: 1\n"), ("bar.spec", "Name: bar\nVersion: 1\n")]);
        let e = read_spec(&two, &Config::default()).unwrap_err().to_string();
        assert!(e.contains("several spec files (bar.spec, foo.spec)"), "{e}");
        let config = Config { package: Some("bar".into()), ..Config::default() };
        assert_eq!(read_spec(&two, &config).unwrap().path(), "bar.spec");
        let config = Config { spec_path: Some(".distro/baz.spec".into()), ..Config::default() };
        let e = read_spec(&two, &config).unwrap_err().to_string();
        assert!(e.contains("dist-git has no `baz.spec`"), "{e}");
        assert!(read_spec(&distgit(&[]), &Config::default()).unwrap_err().to_string().contains("no `*.spec`"));
    }

    #[test]
    fn compressed_patches_are_recognised() {
        assert!(is_compressed(b"\x1f\x8b\x08"));
        assert!(is_compressed(b"BZh91AY"));
        assert!(!is_compressed(b"diff --git"));
    }
}
