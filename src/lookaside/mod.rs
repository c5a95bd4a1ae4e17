//! The lookaside cache: where the tarballs named in dist-git's `sources` file are stored.
//!
//! Two backends behind one [`Lookaside`] trait, chosen by [`open`] from the configured spec:
//!
//! * [`dir::DirLookaside`] — a directory in Fedora's layout
//!   `<root>/<package>/<file>/sha512/<hash>/<file>`;
//! * [`http::HttpLookaside`] — a dist-git `upload.cgi` (existence check, multipart upload)
//!   plus plain GET downloads in the same layout.
//!
//! Every operation names the package, file and checksum; names are checked before any use so
//! that none can escape the layout. Tokens travel as [`Secret`] and never reach messages.

mod atomic;
pub mod dir;
pub mod http;
mod multipart;
mod secret;

pub use secret::{Secret, TOKEN_ENV};

use std::path::{Path, PathBuf};

/// A lookaside cache, as the push (upload) and fetch (download) sides use it.
pub trait Lookaside: Send + Sync {
    /// Whether `file` with this SHA-512 is already stored for `package`.
    fn has(&self, package: &str, file: &str, sha512: &str) -> Result<bool, LookasideError>;
    /// Uploads `path` unless already present, then verifies it is stored; returns whether bytes
    /// were sent.
    fn upload(&self, package: &str, file: &str, sha512: &str, path: &Path) -> Result<Uploaded, LookasideError>;
    /// Downloads a stored file to `dest`, checking the SHA-512 (for the reverse direction).
    /// `dest` is replaced only by a complete, verified file.
    fn download(&self, package: &str, file: &str, sha512: &str, dest: &Path) -> Result<(), LookasideError>;
    /// Where this lookaside is, for messages: a directory, or the upload URL without credentials.
    fn location(&self) -> String;
    /// Removes a file this run uploaded, when the push it was for failed. Returns whether the
    /// backend can and did remove it; dist-git's `upload.cgi` has no delete, so the HTTP
    /// backend leaves it (an unreferenced, content-addressed file is harmless).
    fn remove(&self, package: &str, file: &str, sha512: &str) -> Result<bool, LookasideError> {
        let _ = (package, file, sha512);
        Ok(false)
    }
}

/// What [`Lookaside::upload`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploaded {
    /// The file was stored already; nothing was sent.
    AlreadyPresent,
    /// The bytes were sent and the store confirmed them.
    Sent,
}

/// Why a lookaside operation failed. Messages name the file as `package/file` (the `item`
/// field) and the location; they never contain a token or the user-info part of a URL.
#[derive(Debug, thiserror::Error)]
pub enum LookasideError {
    #[error("lookaside: {what} {value:?} is not usable: {why}")]
    BadName { what: &'static str, value: String, why: &'static str },
    #[error(
        "lookaside {spec:?}: {why}; set git config `distgit.lookaside` to a directory path, a file:// URL \
         or an http(s):// upload.cgi URL"
    )]
    BadSpec { spec: String, why: String },
    #[error("lookaside upload token (from {TOKEN_ENV} or config) contains characters not allowed in an HTTP header")]
    BadToken,
    #[error("lookaside {location}: {context}: cannot {action} {}: {source}", path.display())]
    Io { location: String, context: String, action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{item}: {} has SHA-512 {got}, not {want} as `sources` says; nothing was stored", path.display())]
    SourceMismatch { item: String, path: PathBuf, got: String, want: String },
    #[error("{item}: the copy in {location} has SHA-512 {got}, not {want}; {} was not written", dest.display())]
    DownloadMismatch { item: String, location: String, dest: PathBuf, got: String, want: String },
    #[error("{item} with SHA-512 {sha512} is not in the lookaside {location}")]
    NotFound { item: String, sha512: String, location: String },
    #[error("lookaside {url}: {action} {item}: HTTP {status}{hint}; the server said: {body:?}")]
    Http { url: String, action: &'static str, item: String, status: u16, hint: String, body: String },
    #[error("lookaside {url}: {action} {item}: {message}")]
    Transport { url: String, action: &'static str, item: String, message: String },
    #[error(
        "lookaside {url}: existence check for {item}: unexpected answer {body:?}; upload.cgi answers \
         `Available` or `Missing`"
    )]
    Protocol { url: String, item: String, body: String },
    #[error("lookaside {url}: uploaded {item} but the server still answers `Missing`; its upload answer was {body:?}")]
    NotStored { url: String, item: String, body: String },
}

/// Opens the lookaside named by `spec`: an `http://` or `https://` upload URL (dist-git's
/// `upload.cgi`), a `file://` URL or a directory path. Downloads from an HTTP lookaside use the
/// directory of the upload URL; see [`open_with_download`] to name another.
pub fn open(spec: &str, token: Option<Secret>) -> Result<Box<dyn Lookaside>, LookasideError> {
    open_with_download(spec, None, token)
}

/// Like [`open`], with the download base URL given explicitly (git config
/// `distgit.lookasideDownload`); only meaningful for an HTTP lookaside.
pub fn open_with_download(
    spec: &str,
    download_url: Option<&str>,
    token: Option<Secret>,
) -> Result<Box<dyn Lookaside>, LookasideError> {
    let spec = spec.trim();
    if spec.starts_with("http://") || spec.starts_with("https://") {
        return Ok(Box::new(http::HttpLookaside::new(spec, download_url, token)?));
    }
    let root = dir_root(spec)?;
    if let Some(download) = download_url {
        let why = format!("a download URL ({}) is only used with an http(s) upload URL", http::display_url(download));
        return Err(LookasideError::BadSpec { spec: spec.to_owned(), why });
    }
    Ok(Box::new(dir::DirLookaside::new(root)))
}

/// The directory a non-HTTP spec names.
fn dir_root(spec: &str) -> Result<PathBuf, LookasideError> {
    let bad = |why: &str| LookasideError::BadSpec { spec: spec.to_owned(), why: why.to_owned() };
    if spec.is_empty() {
        return Err(bad("empty"));
    }
    if let Some(path) = spec.strip_prefix("file://") {
        if !path.starts_with('/') {
            return Err(bad("a file:// URL needs an absolute path (file:///srv/lookaside)"));
        }
        return Ok(PathBuf::from(path));
    }
    if spec.contains("://") {
        return Err(bad("unsupported URL scheme"));
    }
    Ok(PathBuf::from(spec))
}

/// `package/file`, as messages name a stored file.
pub(crate) fn item(package: &str, file: &str) -> String {
    format!("{package}/{file}")
}

/// The stored file's path relative to the lookaside root, in Fedora's layout:
/// `<package>/<file>/sha512/<hash>/<file>`.
pub fn stored_path(package: &str, file: &str, sha512: &str) -> String {
    format!("{package}/{file}/sha512/{sha512}/{file}")
}

/// Checks the three names of a stored file: a package (`foo`, or namespaced `rpms/foo`), a
/// plain file name and a lower-case hex SHA-512.
pub fn check_names(package: &str, file: &str, sha512: &str) -> Result<(), LookasideError> {
    for segment in package.split('/') {
        check_segment(segment).map_err(|why| bad_name("package", package, why))?;
    }
    check_segment(file).map_err(|why| bad_name("file name", file, why))?;
    let hex = sha512.len() == 128 && sha512.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex {
        return Err(bad_name("SHA-512", sha512, "expected 128 lower-case hex digits"));
    }
    Ok(())
}

fn bad_name(what: &'static str, value: &str, why: &'static str) -> LookasideError {
    LookasideError::BadName { what, value: value.to_owned(), why }
}

/// One path component: not empty, not `.`/`..`, no `/`, quotes or control characters.
fn check_segment(segment: &str) -> Result<(), &'static str> {
    if segment.is_empty() || segment == "." || segment == ".." {
        return Err("empty, `.` and `..` are not names (a namespaced package is `ns/name`)");
    }
    if segment.chars().any(|c| c == '/' || c == '"' || c == '\\' || c.is_control()) {
        return Err("contains `/`, `\\`, `\"` or a control character");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\
                        0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn layout_is_fedoras() {
        assert_eq!(stored_path("rpms/foo", "foo-1.tar.gz", "ab"), "rpms/foo/foo-1.tar.gz/sha512/ab/foo-1.tar.gz");
    }

    #[test]
    fn names_that_could_escape_the_layout_are_refused() {
        assert!(check_names("foo", "foo-1.0+git.tar.gz", HASH).is_ok());
        assert!(check_names("rpms/foo", "foo.tar.gz", HASH).is_ok());
        for (package, file) in [("..", "f"), ("foo", ".."), ("foo", "a/b"), ("/foo", "f"), ("foo/", "f"), ("f", "a\"b")]
        {
            let err = check_names(package, file, HASH).expect_err(&format!("{package} {file}"));
            assert!(matches!(err, LookasideError::BadName { .. }), "{err}");
        }
        let err = check_names("foo", "f", &HASH.to_uppercase()).unwrap_err();
        assert!(err.to_string().contains("128 lower-case hex digits"), "{err}");
    }

    #[test]
    fn spec_selects_the_backend() {
        assert_eq!(dir_root("file:///srv/la").unwrap(), PathBuf::from("/srv/la"));
        assert_eq!(dir_root("rel/dir").unwrap(), PathBuf::from("rel/dir"));
        for spec in ["", "file://rel", "ssh://host/x"] {
            let err = dir_root(spec).unwrap_err();
            assert!(err.to_string().contains("distgit.lookaside"), "{err}");
        }
        assert!(open("https://h.example/repo/pkgs/upload.cgi", None).unwrap().location().starts_with("https://"));
        assert_eq!(open("/srv/la", None).unwrap().location(), "/srv/la");
        let err = open_with_download("/srv/la", Some("https://u:p@h/x"), None).err().unwrap();
        assert!(!err.to_string().contains("u:p"), "{err}");
    }
}
