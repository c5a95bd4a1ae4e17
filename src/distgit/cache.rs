//! The local cache of a dist-git repository: a bare repository under the source-git's git
//! directory that holds the fetched dist-git branches and the commits the bot writes.

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
        f.debug_struct("Cache").field("git_dir", &self.repo.git_dir()).field("url", &self.url).finish()
    }
}

/// The cache directory for `url` below the source-git common dir `common_dir`.
pub fn cache_dir(common_dir: &Path, url: &str) -> PathBuf {
    let digest = crate::digest::sha512_hex(url.as_bytes());
    let readable: String =
        url.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    let readable = &readable[readable.len().saturating_sub(40)..];
    common_dir.join("distgit").join(format!("{readable}-{}.git", &digest[..12]))
}

impl Cache {
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

    /// Fetches every branch of the dist-git repository; returns the branch heads it advertised.
    pub fn fetch(&self) -> Result<BTreeMap<String, ObjectId>, DistGitError> {
        let refspec = format!("+refs/heads/*:{REMOTE_NAMESPACE}*");
        let remote = self
            .repo
            .remote_at(self.url.as_str())
            .map_err(git_err(format!("dist-git URL {}", self.url)))?
            .with_refspecs([refspec.as_str()], gix::remote::Direction::Fetch)
            .map_err(git_err("dist-git refspec"))?;
        let connection =
            remote.connect(gix::remote::Direction::Fetch).map_err(git_err(format!("connecting to {}", self.url)))?;
        let prepare = connection
            .prepare_fetch(gix::progress::Discard, Default::default())
            .map_err(git_err(format!("listing the branches of {}", self.url)))?;
        let heads = advertised_heads(prepare.ref_map());
        prepare
            .receive(gix::progress::Discard, &AtomicBool::new(false))
            .map_err(git_err(format!("fetching from {}", self.url)))?;
        Ok(heads)
    }

    /// The head of `branch` as last fetched.
    pub fn fetched_head(&self, branch: &str) -> Option<ObjectId> {
        let name = format!("{REMOTE_NAMESPACE}{branch}");
        self.repo.find_reference(name.as_str()).ok().and_then(|r| r.try_id().map(|id| id.detach()))
    }
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
