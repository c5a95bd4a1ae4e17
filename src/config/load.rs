//! Loading and merging the two configuration files, and the error they share.
//!
//! [`load`] starts from [`Config::default`], applies Packit's `source-git.yaml`, then the
//! tool's own `distgit.toml`, so `distgit.toml` wins where both set something.

use super::{packit, toml_file, Config};

/// Path of the tool's own config in source-git.
pub const DISTGIT_TOML: &str = ".distro/distgit.toml";
/// Path of Packit's config in source-git.
pub const SOURCE_GIT_YAML: &str = ".distro/source-git.yaml";

/// A configuration file that cannot be used. Every variant names the file; all but
/// [`ConfigError::Syntax`] name the dotted key at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The file is not valid TOML/YAML.
    #[error("{file}:{line}:{column}: syntax error: {message}")]
    Syntax {
        file: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        message: String,
    },
    /// A key is not known.
    #[error("{file}: unknown key `{key}`; accepted keys here: {accepted}")]
    UnknownKey {
        file: String,
        /// Dotted path of the unknown key, e.g. `tarball.zip`.
        key: String,
        accepted: String,
    },
    /// A key's value has the wrong type (a number where a string belongs, …).
    #[error("{file}: `{key}`: {message}")]
    WrongType {
        file: String,
        key: String,
        /// What was expected and found, with the line and column when known.
        message: String,
    },
    /// A required key is absent.
    #[error("{file}: required key `{key}` is missing")]
    MissingKey { file: String, key: String },
    /// A key has a value that cannot be used.
    #[error("{file}: `{key}` = {value:?}: {why}; accepted: {accepted}")]
    BadValue { file: String, key: String, value: String, why: String, accepted: String },
}

impl ConfigError {
    /// The same error naming `file` instead (e.g. a dist-git `distgit.toml` or `--policy FILE`).
    pub fn in_file(self, name: &str) -> ConfigError {
        let mut error = self;
        match &mut error {
            ConfigError::Syntax { file, .. }
            | ConfigError::UnknownKey { file, .. }
            | ConfigError::WrongType { file, .. }
            | ConfigError::MissingKey { file, .. }
            | ConfigError::BadValue { file, .. } => *file = name.to_owned(),
        }
        error
    }
}

/// Why a value was refused, before the file and key are known: validators return this and
/// their callers turn it into [`ConfigError::BadValue`] with [`Invalid::at`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub why: String,
    pub accepted: String,
}

impl Invalid {
    /// An `Invalid` saying `why`, listing what is `accepted`.
    pub fn new(why: impl Into<String>, accepted: impl Into<String>) -> Self {
        Invalid { why: why.into(), accepted: accepted.into() }
    }

    /// The [`ConfigError::BadValue`] for `value` under `key` in `file`.
    pub fn at(self, file: &str, key: &str, value: &str) -> ConfigError {
        ConfigError::BadValue {
            file: file.into(),
            key: key.into(),
            value: value.into(),
            why: self.why,
            accepted: self.accepted,
        }
    }
}

/// Parses the given file contents (`None` = file absent) into a [`Config`].
/// `distgit.toml` wins where both set something; `Config::packit` is true when
/// `source-git.yaml` was given.
pub fn load(distgit_toml: Option<&str>, source_git_yaml: Option<&str>) -> Result<Config, ConfigError> {
    let mut config = Config::default();
    if let Some(text) = source_git_yaml {
        packit::apply(text, &mut config)?;
        config.packit = true;
    }
    if let Some(text) = distgit_toml {
        toml_file::apply(text, &mut config)?;
    }
    Ok(config)
}

/// 1-based (line, column) of byte `offset` in `text`; the column counts characters.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{Ownership, TarballMode};

    #[test]
    fn no_files_gives_the_default() {
        assert_eq!(load(None, None), Ok(Config::default()));
    }

    #[test]
    fn yaml_sets_packit_flag_even_when_empty() {
        let config = load(None, Some("")).unwrap();
        assert!(config.packit);
        let config = load(Some(""), None).unwrap();
        assert!(!config.packit);
    }

    #[test]
    fn toml_wins_over_yaml() {
        let yaml = "\
downstream_package_name: from-yaml
specfile_path: .distro/yaml.spec
upstream_ref: v1.0
upstream_tag_template: v{version}
patch_generation_ignore_paths: [.distro, .github]
patch_generation_patch_id_digits: 1
sync_changelog: true
sources:
- path: yaml-1.0.tar.gz
  url: https://example.org/yaml-1.0.tar.gz
files_to_sync:
- src: .distro/
  dest: .
  delete: true
";
        let toml = r#"
package = "from-toml"
[upstream]
tag_pattern = "release-*"
version = '^release-(?P<version>.+)$'
ref = "release-2.0"
[tarball]
mode = "upstream"
name = "{name}-{version}.tar.xz"
url = "https://example.org/{name}-{version}.tar.xz"
[patches]
ignore_paths = [".distro"]
id_digits = 4
[spec]
path = ".distro/toml.spec"
release = "render"
[[sync]]
src = ".distro/toml.spec"
dest = "toml.spec"
"#;
        let config = load(Some(toml), Some(yaml)).unwrap();
        assert!(config.packit);
        assert_eq!(config.package.as_deref(), Some("from-toml"));
        assert_eq!(config.spec_path.as_deref(), Some(".distro/toml.spec"));
        assert_eq!(config.upstream.tag_patterns, ["release-*"]);
        assert_eq!(config.upstream.version_expression, "^release-(?P<version>.+)$");
        assert_eq!(config.upstream.upstream_ref.as_deref(), Some("release-2.0"));
        assert_eq!(config.tarball.mode, TarballMode::Upstream);
        assert_eq!(config.tarball.name.as_deref(), Some("{name}-{version}.tar.xz"));
        assert_eq!(config.tarball.url.as_deref(), Some("https://example.org/{name}-{version}.tar.xz"));
        assert_eq!(config.patches.ignore_paths, [".distro"]);
        assert_eq!(config.patches.id_digits, Some(4));
        // Set by the YAML only (sync_changelog) except where the TOML overrides it.
        assert_eq!(config.spec.release, Ownership::Render);
        assert_eq!(config.spec.changelog, Ownership::Spec);
        assert_eq!(config.sync.len(), 1);
        assert_eq!(config.sync[0].src, ".distro/toml.spec");
    }

    #[test]
    fn yaml_values_survive_when_toml_is_silent() {
        let yaml = "downstream_package_name: foo\nupstream_ref: v1.0\n";
        let toml = "[tarball]\nmode = \"archive\"\n";
        let config = load(Some(toml), Some(yaml)).unwrap();
        assert_eq!(config.package.as_deref(), Some("foo"));
        assert_eq!(config.upstream.upstream_ref.as_deref(), Some("v1.0"));
    }

    #[test]
    fn errors_from_either_file_name_it() {
        let err = load(Some("bogus = 1"), None).unwrap_err();
        assert!(err.to_string().starts_with(DISTGIT_TOML), "{err}");
        let err = load(None, Some("bogus: 1")).unwrap_err();
        assert!(err.to_string().starts_with(SOURCE_GIT_YAML), "{err}");
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab", 99), (1, 3));
    }
}
