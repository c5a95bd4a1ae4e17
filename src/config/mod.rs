//! Package configuration: `.distro/distgit.toml` and Packit's `.distro/source-git.yaml`.
//!
//! Both files are parsed once into the typed [`Config`]; where both set something,
//! `distgit.toml` wins. Unknown keys and bad values are errors naming file, key and the
//! accepted values. See `docs/config.md` for every key.

mod format_options;
mod load;
mod packit;
mod toml_file;
mod validate;

pub use load::{load, ConfigError, DISTGIT_TOML, SOURCE_GIT_YAML};

/// The resolved configuration of one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Package name; `None` means the spec's `Name`.
    pub package: Option<String>,
    /// Path of the spec in the source-git repository; `None` means the single `*.spec`
    /// directly under `.distro/`.
    pub spec_path: Option<String>,
    pub upstream: UpstreamConfig,
    pub tarball: TarballConfig,
    pub patches: PatchConfig,
    pub spec: SpecPolicy,
    /// Which source-git files become dist-git files, in order.
    pub sync: Vec<SyncRule>,
    /// True when a Packit `source-git.yaml` was read (Packit comment style for Patch lines).
    pub packit: bool,
    /// The `[trust]` table: who may sign commits the bot syncs; `None` when absent.
    pub trust: Option<TrustConfig>,
}

/// The `[trust]` table of `distgit.toml`, validated but not yet read from disk.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustConfig {
    /// Primary-key fingerprints allowed to sign: 40 uppercase hex digits, no spaces.
    pub signers: Vec<String>,
    /// Armored certificate files, relative to the directory of the `distgit.toml`.
    pub certificates: Vec<String>,
}

/// How the upstream release is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamConfig {
    /// Glob patterns a release tag must match (any of them). Default `["*"]`.
    pub tag_patterns: Vec<String>,
    /// Glob patterns of tags never taken as a release.
    pub ignore_tags: Vec<String>,
    /// Regex turning a tag into a version: the named group `version`, else group 1, else the
    /// whole match. Default [`DEFAULT_VERSION_EXPRESSION`].
    pub version_expression: String,
    /// Explicit release: a tag name or commit id (Packit's `upstream_ref`).
    pub upstream_ref: Option<String>,
}

/// Default version expression: `v4.9-rc8` → `4.9`, `foo-1.2.3` → `1.2.3`.
pub const DEFAULT_VERSION_EXPRESSION: &str = r"^[^0-9]*(?P<version>[0-9][0-9A-Za-z.+~^_]*)";

/// Where tarballs come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarballConfig {
    pub mode: TarballMode,
    /// File name template (`{name}`, `{version}`, `{tag}`); `None` = basename of `Source0`.
    pub name: Option<String>,
    /// Top directory template; `None` = the `-n` of `%setup`/`%autosetup`, else
    /// `%{name}-%{version}`.
    pub prefix: Option<String>,
    /// Upstream mode: URL or local path template; `None` = the expanded `Source0`.
    pub url: Option<String>,
    /// Upstream mode: the known SHA-512 (hex) the download must have.
    pub sha512: Option<String>,
}

/// How the tarball is produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TarballMode {
    /// `git archive --format=tar --prefix=<top>/ <tag> | gzip -n`.
    #[default]
    Archive,
    /// The upstream release tarball, checked against a known checksum.
    Upstream,
}

/// How patches are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchConfig {
    /// Paths (pathspecs relative to the repository root) left out of patches. Default
    /// `[".distro"]`.
    pub ignore_paths: Vec<String>,
    /// Extra `git format-patch` options, validated against an allow-list.
    pub format_options: Vec<String>,
    /// Digits of generated `PatchN` numbers; `None` = as the spec already has, else none.
    pub id_digits: Option<usize>,
}

/// Which spec lines the render owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecPolicy {
    /// The render sets `Version:` from the release (default) or leaves it to the spec.
    pub version: Ownership,
    /// The render computes `Release:` (default, unless `%autorelease`) or leaves it.
    pub release: Ownership,
    /// The render adds a `%changelog` entry (default, unless `%autochangelog`) or leaves it
    /// (Packit's `sync_changelog: true`).
    pub changelog: Ownership,
}

/// Who owns a spec line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// The render writes it.
    Render,
    /// The spec in `.distro/` is copied as is.
    Spec,
}

/// One `files_to_sync` rule: copy `src` (a file, or a directory ending in `/`) to `dest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRule {
    pub src: String,
    pub dest: String,
    /// Delete dist-git files under `dest` that `src` no longer has (unless protected).
    pub delete: bool,
    /// rsync-style filters, in order: `exclude PAT`, `include PAT`, `protect PAT`.
    pub filters: Vec<SyncFilter>,
}

/// One rsync-style filter of a [`SyncRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncFilter {
    Exclude(String),
    Include(String),
    Protect(String),
}

impl Default for Config {
    fn default() -> Self {
        Config {
            package: None,
            spec_path: None,
            upstream: UpstreamConfig {
                tag_patterns: vec!["*".into()],
                ignore_tags: Vec::new(),
                version_expression: DEFAULT_VERSION_EXPRESSION.into(),
                upstream_ref: None,
            },
            tarball: TarballConfig { mode: TarballMode::Archive, name: None, prefix: None, url: None, sha512: None },
            patches: PatchConfig { ignore_paths: vec![".distro".into()], format_options: Vec::new(), id_digits: None },
            spec: SpecPolicy { version: Ownership::Render, release: Ownership::Render, changelog: Ownership::Render },
            sync: vec![SyncRule {
                src: ".distro/".into(),
                dest: ".".into(),
                delete: false,
                filters: vec![
                    SyncFilter::Exclude("source-git.yaml".into()),
                    SyncFilter::Exclude("distgit.toml".into()),
                    SyncFilter::Exclude(".gitignore".into()),
                ],
            }],
            packit: false,
            trust: None,
        }
    }
}
