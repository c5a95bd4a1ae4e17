//! The helper's settings from the source-git repository's git config (`distgit.*`).
//!
//! | key | meaning | default |
//! | --- | --- | --- |
//! | `distgit.url` | URL template for `distgit::<pkg>`, with `{pkg}` | Fedora's `ssh://pkgs.fedoraproject.org/rpms/{pkg}.git` |
//! | `distgit.lookaside` | lookaside: a directory or an `http(s)://` upload URL | `<git dir>/distgit/lookaside` |
//! | `distgit.botName`, `distgit.botEmail` | the dist-git commits' author and committer | `git-distgit <git-distgit@localhost>` |
//! | `distgit.buildCommand` | run with `sh -c` after a successful push | none |
//! | `distgit.signingKey` | the bot's armored secret key file, signing every dist-git commit (env `DISTGIT_SIGNING_KEY` wins; `~/` expanded) | none: unsigned commits |
//! | `distgit.signingPassphraseFile` | file holding the key's passphrase (env `DISTGIT_SIGNING_PASSPHRASE` wins); never an argument | none |

use super::commit::Identity;
use std::path::PathBuf;

/// Settings read once per helper run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub url_template: Option<String>,
    pub lookaside: String,
    pub bot: Identity,
    pub build_command: Option<String>,
    /// The bot's secret key file (env `DISTGIT_SIGNING_KEY`, else `distgit.signingKey`).
    pub signing_key: Option<PathBuf>,
    /// The file holding the key's passphrase (`distgit.signingPassphraseFile`).
    pub signing_passphrase_file: Option<PathBuf>,
}

/// Reads the settings of `repo` (its config, including the user's global config: these are
/// our own keys, not options that change git's output), and env `DISTGIT_SIGNING_KEY`.
pub fn read(repo: &gix::Repository) -> Settings {
    let config = repo.config_snapshot();
    let get = |key: &str| config.string(key).map(|v| v.to_string()).filter(|v| !v.trim().is_empty());
    let default_lookaside: PathBuf = repo.common_dir().join("distgit").join("lookaside");
    let bot = Identity::default();
    Settings {
        url_template: get("distgit.url"),
        lookaside: get("distgit.lookaside").unwrap_or_else(|| default_lookaside.display().to_string()),
        bot: Identity {
            name: get("distgit.botName").unwrap_or(bot.name),
            email: get("distgit.botEmail").unwrap_or(bot.email),
        },
        build_command: get("distgit.buildCommand"),
        signing_key: std::env::var_os(super::signing::KEY_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| get("distgit.signingKey").map(|v| expand_home(&v))),
        signing_passphrase_file: get("distgit.signingPassphraseFile").map(|v| expand_home(&v)),
    }
}

/// `~/x` → `$HOME/x` (as git does for path-valued keys); anything else unchanged.
fn expand_home(value: &str) -> PathBuf {
    match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(value),
    }
}
