//! The local cache of a dist-git repository: a bare repository under the source-git's git
//! directory that holds the fetched dist-git branches and the commits the bot writes.
//!
//! Fetching goes through gix over any transport it speaks (`file://` and paths, `git://`,
//! `ssh://`, and `http(s)://` through libcurl); HTTP credentials come from
//! [`super::credentials`], and the URL is shown in messages without any password in it.

use super::credentials::{self, AuthLog, HttpCredentials};
use super::{git_err, DistGitError};
use gix::ObjectId;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Where fetched dist-git branches are kept in the cache.
pub const REMOTE_NAMESPACE: &str = "refs/remotes/distgit/";

/// A dist-git repository's cache.
pub struct Cache {
    pub repo: gix::Repository,
    pub url: String,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("git_dir", &self.repo.git_dir())
            .field("url", &credentials::redact_url(&self.url))
            .finish()
    }
}

/// The cache directory for `url` below the source-git common dir `common_dir`.
pub fn cache_dir(common_dir: &Path, url: &str) -> PathBuf {
    let url = credentials::redact_url(url);
    let digest = crate::digest::sha512_hex(url.as_bytes());
    let readable: String =
        url.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    let readable = &readable[readable.len().saturating_sub(40)..];
    common_dir.join("distgit").join(format!("{readable}-{}.git", &digest[..12]))
}

impl Cache {
    /// The cache for `url` when a push or fetch made one; never creates it.
    pub fn open_existing(common_dir: &Path, url: &str) -> Option<Cache> {
        if !cache_dir(common_dir, url).join("HEAD").is_file() {
            return None;
        }
        Cache::open(common_dir, url).ok()
    }

    /// Opens (creating if needed) the cache for `url`.
    pub fn open(common_dir: &Path, url: &str) -> Result<Cache, DistGitError> {
        let dir = cache_dir(common_dir, url);
        let repo = if dir.join("HEAD").is_file() {
            gix::open(&dir)
                .map_err(|e| DistGitError::Git { what: format!("opening {}", dir.display()), message: e.to_string() })?
        } else {
            std::fs::create_dir_all(&dir).map_err(|e| DistGitError::Git {
                what: format!("creating {}", dir.display()),
                message: e.to_string(),
            })?;
            gix::init_bare(&dir).map_err(|e| DistGitError::Git {
                what: format!("creating {}", dir.display()),
                message: e.to_string(),
            })?
        };
        Ok(Cache { repo, url: url.to_owned() })
    }

    /// The URL as shown in messages (any password replaced by `***`).
    pub fn shown_url(&self) -> String {
        credentials::redact_url(&self.url)
    }

    /// The HTTP credentials for this URL from the environment (`None` for other transports).
    pub fn http_credentials(&self) -> Option<HttpCredentials> {
        credentials::is_http(&self.url).then(|| HttpCredentials::from_env(&self.url)).flatten()
    }

    /// Fetches every branch of the dist-git repository; returns the branch heads it advertised.
    ///
    /// Over HTTP(S), credentials are given only when the server asks, and only from
    /// [`HttpCredentials::from_env`]: no prompt, no credential helper.
    pub fn fetch(&self) -> Result<BTreeMap<String, ObjectId>, DistGitError> {
        let url = self.shown_url();
        let refspec = format!("+refs/heads/*:{REMOTE_NAMESPACE}*");
        let remote = self
            .repo
            .remote_at(self.url.as_str())
            .map_err(self.scrubbed(format!("dist-git URL {url}")))?
            .with_refspecs([refspec.as_str()], gix::remote::Direction::Fetch)
            .map_err(git_err("dist-git refspec"))?;
        let credentials = self.http_credentials();
        let log = std::cell::Cell::new(AuthLog::default());
        let connection = remote
            .connect(gix::remote::Direction::Fetch)
            .map_err(self.scrubbed(format!("connecting to {url}")))?
            .with_credentials(credentials::gix_authenticate(credentials.as_ref(), &log));
        // `HEAD` too (listed, not fetched into a ref): it names dist-git's default branch.
        let head = gix::refspec::parse("HEAD".into(), gix::refspec::parse::Operation::Fetch)
            .map_err(|e| DistGitError::Git { what: "dist-git refspec".into(), message: e.to_string() })?
            .to_owned();
        let options = gix::remote::ref_map::Options { extra_refspecs: vec![head], ..Default::default() };
        let prepare = connection.prepare_fetch(gix::progress::Discard, options).map_err(|e| {
            self.auth_error(log.get(), credentials.as_ref())
                .unwrap_or_else(|| self.scrubbed(format!("listing the branches of {url}"))(e))
        })?;
        let heads = advertised_heads(prepare.ref_map());
        self.note_remote_head(prepare.ref_map(), &heads);
        prepare
            .receive(gix::progress::Discard, &AtomicBool::new(false))
            .map_err(self.scrubbed(format!("fetching from {url}")))?;
        Ok(heads)
    }

    /// [`git_err`] with the URL's password and the HTTP password removed from gix's message.
    fn scrubbed(&self, what: String) -> impl FnOnce(gix::Error) -> DistGitError + '_ {
        move |e| {
            let message = credentials::scrub(&format!("{e:#}"), &self.url);
            DistGitError::Git { what, message }
        }
    }

    /// The error for a server that asked for credentials and did not get any it accepted.
    fn auth_error(&self, log: AuthLog, credentials: Option<&HttpCredentials>) -> Option<DistGitError> {
        let (user, pass) = (credentials::USERNAME_ENV, credentials::PASSWORD_ENV);
        let message = match credentials {
            _ if !log.asked => return None,
            Some(_) if log.cleartext_refused => {
                "refusing to send credentials over plain http:// to another machine: use https://".to_owned()
            }
            None => format!("the server asks for credentials: set {user} and {pass} (a password or an API token)"),
            Some(c) if log.rejected => {
                format!("the server did not accept the credentials of `{}` ({user}, {pass}): check them", c.username)
            }
            Some(_) => return None,
        };
        Some(DistGitError::Git { what: format!("listing the branches of {}", self.shown_url()), message })
    }

    /// Records that dist-git `branch` is now at `id` (after our own push), so the cached state
    /// is as of the last push or fetch; best effort (the next fetch corrects it).
    pub fn note_pushed(&self, branch: &str, id: ObjectId) {
        let name = format!("{REMOTE_NAMESPACE}{branch}");
        let _ = self.repo.reference(name.as_str(), id, gix::refs::transaction::PreviousValue::Any, "distgit: pushed");
    }

    /// Remembers which branch dist-git's `HEAD` names (`refs/remotes/distgit/HEAD`, symbolic),
    /// so a fetch without a refspec and `git clone` know the default branch. Best effort.
    fn note_remote_head(&self, map: &gix::remote::fetch::RefMap, heads: &BTreeMap<String, ObjectId>) {
        use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit};
        let Some(branch) = advertised_head_branch(map).filter(|b| heads.contains_key(b)) else { return };
        let Ok(target) = format!("{REMOTE_NAMESPACE}{branch}").try_into() else { return };
        let Ok(name) = format!("{REMOTE_NAMESPACE}HEAD").try_into() else { return };
        let edit = RefEdit {
            change: Change::Update {
                log: LogChange::default(),
                expected: PreviousValue::Any,
                new: gix::refs::Target::Symbolic(target),
            },
            name,
            deref: false,
        };
        let _ = self.repo.edit_reference(edit);
    }

    /// The dist-git branch `HEAD` named at the last fetch, if known.
    pub fn remote_head_branch(&self) -> Option<String> {
        let name = format!("{REMOTE_NAMESPACE}HEAD");
        let reference = self.repo.find_reference(name.as_str()).ok()?;
        match reference.target() {
            gix::refs::TargetRef::Symbolic(target) => {
                target.as_bstr().to_string().strip_prefix(REMOTE_NAMESPACE).map(str::to_owned)
            }
            gix::refs::TargetRef::Object(_) => None,
        }
    }

    /// The head of `branch` as last fetched (or pushed by us).
    pub fn fetched_head(&self, branch: &str) -> Option<ObjectId> {
        let name = format!("{REMOTE_NAMESPACE}{branch}");
        self.repo.find_reference(name.as_str()).ok().and_then(|r| r.try_id().map(|id| id.detach()))
    }
}

/// The branch the dist-git repository's `HEAD` names, when it advertised one.
fn advertised_head_branch(map: &gix::remote::fetch::RefMap) -> Option<String> {
    map.remote_refs.iter().find_map(|r| match r {
        gix::protocol::handshake::Ref::Symbolic { full_ref_name, target, .. } if full_ref_name == "HEAD" => {
            target.to_string().strip_prefix("refs/heads/").map(str::to_owned)
        }
        _ => None,
    })
}

/// `refs/heads/<name>` → id, from the remote's advertisement.
fn advertised_heads(map: &gix::remote::fetch::RefMap) -> BTreeMap<String, ObjectId> {
    map.remote_refs
        .iter()
        .filter_map(|r| {
            let (name, target, _) = r.unpack();
            let branch = name.to_string().strip_prefix("refs/heads/")?.to_owned();
            Some((branch, target?.to_owned()))
        })
        .collect()
}
