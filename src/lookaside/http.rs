//! The HTTP lookaside: dist-git's `upload.cgi` for checks and uploads, plain GET for downloads.
//!
//! The protocol, as dist-git's `upload.cgi` and rpkg's `CGILookasideCache` speak it:
//!
//! * **Existence check**: `POST <upload URL>`, `multipart/form-data` with the fields `name`
//!   (package, `ns/name` on namespaced servers), `sha512sum` and `filename`. A `filename` field
//!   is what makes it a check. `200` with the body `Available` or `Missing`.
//! * **Upload**: `POST <upload URL>` with `name`, `sha512sum`, `mtime` and a file part `file`
//!   whose `filename` is the stored name — and no `filename` field, or the server would take it
//!   for a check. The server checks the SHA-512 of the bytes (`400` on mismatch), stores the
//!   file and answers `200`.
//! * **Download**: `GET <download base>/<package>/<file>/sha512/<hash>/<file>`.
//!
//! Any other status is an error carrying the status and the start of the body. A token, when
//! given, goes in `Authorization: Bearer …`; it is never sent on redirects (the POSTs do not
//! follow any) nor with downloads, and is removed from every message.

use super::atomic::{self, IoFail, StageError};
use super::dir::parent_dir;
use super::multipart::{self, FilePart};
use super::secret::redact;
use super::{check_names, item, stored_path, Lookaside, LookasideError, Secret, Uploaded};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// How much of an answer's body is read, and how much of it goes into a message.
const BODY_READ_LIMIT: u64 = 64 * 1024;
const BODY_EXCERPT_CHARS: usize = 400;

/// A lookaside cache behind a dist-git `upload.cgi`.
pub struct HttpLookaside {
    upload_url: String,
    download_base: String,
    token: Option<Secret>,
    post: ureq::Agent,
    get: ureq::Agent,
}

/// One answer from the server: its status, `Location` header and the start of its body.
struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

impl HttpLookaside {
    /// A client for the `upload.cgi` at `upload_url`. Downloads use `download_url` when
    /// given, else [`download_base_for`] the upload URL.
    pub fn new(upload_url: &str, download_url: Option<&str>, token: Option<Secret>) -> Result<Self, LookasideError> {
        if token.as_ref().is_some_and(|t| !t.expose().bytes().all(|b| b.is_ascii_graphic())) {
            return Err(LookasideError::BadToken);
        }
        let download_base = match download_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => download_base_for(upload_url),
        };
        Ok(HttpLookaside {
            upload_url: upload_url.to_owned(),
            download_base,
            token,
            post: post_agent(),
            get: get_agent(),
        })
    }

    /// The URL a stored file is downloaded from.
    pub fn download_url_of(&self, package: &str, file: &str, sha512: &str) -> String {
        let path: Vec<String> = stored_path(package, file, sha512).split('/').map(encode_segment).collect();
        format!("{}/{}", self.download_base, path.join("/"))
    }

    /// The download base URL, without credentials.
    pub fn download_base(&self) -> String {
        display_url(&self.download_base)
    }

    /// Asks the server whether the file is stored (`Available`) or not (`Missing`).
    fn check(&self, package: &str, file: &str, sha512: &str) -> Result<bool, LookasideError> {
        let fields = [("name", package), ("sha512sum", sha512), ("filename", file)];
        let answer = self.post_form(Action::Check, package, file, &fields, None)?;
        if answer.status != 200 {
            return Err(self.http_error(&self.upload_url, Action::Check, package, file, &answer));
        }
        match answer.body.trim() {
            "Available" => Ok(true),
            "Missing" => Ok(false),
            other => {
                Err(LookasideError::Protocol { url: self.location(), item: item(package, file), body: excerpt(other) })
            }
        }
    }

    /// Sends the file; returns the server's answer text.
    fn send(&self, package: &str, file: &str, sha512: &str, path: &Path) -> Result<String, LookasideError> {
        let mtime = mtime_of(path);
        let mut fields = vec![("name", package), ("sha512sum", sha512)];
        if let Some(mtime) = mtime.as_deref() {
            fields.push(("mtime", mtime));
        }
        let part = FilePart { field: "file", file_name: file, path };
        let answer = self.post_form(Action::Upload, package, file, &fields, Some(part))?;
        if answer.status != 200 {
            return Err(self.http_error(&self.upload_url, Action::Upload, package, file, &answer));
        }
        Ok(excerpt(&answer.body))
    }

    /// POSTs a multipart form to the upload URL, with the token if any.
    fn post_form(
        &self,
        action: Action,
        package: &str,
        file: &str,
        fields: &[(&str, &str)],
        part: Option<FilePart<'_>>,
    ) -> Result<Answer, LookasideError> {
        let file_path = part.as_ref().map(|p| p.path.to_owned());
        let body = multipart::encode(fields, part, &multipart::new_boundary()).map_err(|source| {
            let path = file_path.unwrap_or_default();
            let context = format!("{} {package}/{file}", action.verb());
            LookasideError::Io { location: self.location(), context, action: "read", path, source }
        })?;
        let mut request = self
            .post
            .post(&self.upload_url)
            .header("Content-Type", &body.content_type)
            .header("Content-Length", body.len.to_string());
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {}", token.expose()));
        }
        let response = request
            .send(ureq::SendBody::from_owned_reader(body.reader))
            .map_err(|e| self.transport_error(action, package, file, &self.upload_url, &e.to_string()))?;
        Ok(read_answer(response))
    }

    fn http_error(&self, url: &str, action: Action, package: &str, file: &str, answer: &Answer) -> LookasideError {
        LookasideError::Http {
            url: display_url(url),
            action: action.verb(),
            item: item(package, file),
            status: answer.status,
            hint: self.hint(action, answer),
            body: self.clean(&excerpt(&answer.body)),
        }
    }

    fn transport_error(&self, action: Action, package: &str, file: &str, url: &str, message: &str) -> LookasideError {
        LookasideError::Transport {
            url: display_url(url),
            action: action.verb(),
            item: item(package, file),
            message: self.clean(message),
        }
    }

    /// What a status usually means with `upload.cgi`.
    fn hint(&self, action: Action, answer: &Answer) -> String {
        let hint = match answer.status {
            401 | 403 if matches!(action, Action::Download) => {
                "downloads are sent without a token: the download URL must be readable anonymously".to_owned()
            }
            401 | 403 if self.token.is_none() => {
                format!("no token was sent: set {} (or the configured token)", super::TOKEN_ENV)
            }
            401 | 403 => format!("the server refused the token: check {} (or the configured token)", super::TOKEN_ENV),
            400 => "the server rejected the request (upload.cgi answers 400 for a missing field or a checksum \
                    mismatch)"
                .to_owned(),
            404 => "the server does not know the package (upload.cgi answers 404 when dist-git has no repository \
                    of that name)"
                .to_owned(),
            413 => "the file is larger than the server accepts".to_owned(),
            300..=399 => format!(
                "the upload URL redirects to {}: set `distgit.lookaside` to the final URL",
                answer.location.as_deref().map(display_url).unwrap_or_else(|| "an unnamed place".to_owned())
            ),
            _ => return String::new(),
        };
        format!(" ({hint})")
    }

    /// `text` without the token or the user-info part of the configured URLs.
    fn clean(&self, text: &str) -> String {
        let mut text = redact(text, self.token.as_ref());
        for url in [&self.upload_url, &self.download_base] {
            if let Some(userinfo) = userinfo_of(url).filter(|u| !u.is_empty()) {
                text = text.replace(&format!("{userinfo}@"), "");
                if let Some((_, password)) = userinfo.split_once(':').filter(|(_, p)| !p.is_empty()) {
                    text = text.replace(password, "***");
                }
            }
        }
        text
    }

    /// Streams the answer of a download GET into `dest`, verified.
    fn save(&self, package: &str, file: &str, sha512: &str, url: &str, dest: &Path) -> Result<(), LookasideError> {
        let response = self
            .get
            .get(url)
            .header("Accept-Encoding", "identity")
            .call()
            .map_err(|e| self.transport_error(Action::Download, package, file, url, &e.to_string()))?;
        let status = response.status().as_u16();
        if status == 404 {
            let location = display_url(&self.download_base);
            let (item, sha512) = (item(package, file), sha512.to_owned());
            return Err(LookasideError::NotFound { item, sha512, location });
        }
        if status != 200 {
            return Err(self.http_error(url, Action::Download, package, file, &read_answer(response)));
        }
        let mut reader = response.into_body().into_reader();
        let context = format!("downloading {package}/{file} to {}", dest.display());
        let io = |fail: IoFail| {
            let IoFail { action, path, source } = fail;
            LookasideError::Io { location: display_url(url), context: context.clone(), action, path, source }
        };
        let staged = atomic::stage(&mut reader, parent_dir(dest), sha512).map_err(|e| match e {
            StageError::Read(e) => {
                self.transport_error(Action::Download, package, file, url, &format!("reading the answer: {e}"))
            }
            StageError::Io(fail) => io(fail),
            StageError::Mismatch { got } => LookasideError::DownloadMismatch {
                item: item(package, file),
                location: display_url(url),
                dest: dest.to_owned(),
                got,
                want: sha512.to_owned(),
            },
        })?;
        staged.commit(dest).map_err(io)
    }
}

impl Lookaside for HttpLookaside {
    fn has(&self, package: &str, file: &str, sha512: &str) -> Result<bool, LookasideError> {
        check_names(package, file, sha512)?;
        self.check(package, file, sha512)
    }

    fn upload(&self, package: &str, file: &str, sha512: &str, path: &Path) -> Result<Uploaded, LookasideError> {
        if self.has(package, file, sha512)? {
            return Ok(Uploaded::AlreadyPresent);
        }
        self.check_source(package, file, sha512, path)?;
        let answer = self.send(package, file, sha512, path)?;
        if !self.check(package, file, sha512)? {
            let (url, item, body) = (self.location(), item(package, file), self.clean(&answer));
            return Err(LookasideError::NotStored { url, item, body });
        }
        Ok(Uploaded::Sent)
    }

    fn download(&self, package: &str, file: &str, sha512: &str, dest: &Path) -> Result<(), LookasideError> {
        check_names(package, file, sha512)?;
        let url = self.download_url_of(package, file, sha512);
        self.save(package, file, sha512, &url, dest)
    }

    fn location(&self) -> String {
        display_url(&self.upload_url)
    }
}

impl HttpLookaside {
    /// Refuses to send a file whose bytes do not have the SHA-512 `sources` names.
    fn check_source(&self, package: &str, file: &str, sha512: &str, path: &Path) -> Result<(), LookasideError> {
        let io = |source| LookasideError::Io {
            location: self.location(),
            context: format!("uploading {package}/{file}"),
            action: "read",
            path: path.to_owned(),
            source,
        };
        let mut reader = std::fs::File::open(path).map_err(io)?;
        let (got, _) = crate::digest::copy_hashed(&mut reader, None).map_err(io)?;
        if got != sha512 {
            let (item, path, want) = (item(package, file), path.to_owned(), sha512.to_owned());
            return Err(LookasideError::SourceMismatch { item, path, got, want });
        }
        Ok(())
    }
}

impl std::fmt::Debug for HttpLookaside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpLookaside")
            .field("upload_url", &display_url(&self.upload_url))
            .field("download_base", &display_url(&self.download_base))
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy)]
enum Action {
    Check,
    Upload,
    Download,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Check => "checking",
            Action::Upload => "uploading",
            Action::Download => "downloading",
        }
    }
}

/// The agent for `upload.cgi`: statuses are answers, not errors; no redirects (a POST body
/// and a token are not replayed elsewhere).
fn post_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(600)))
        .build()
        .into()
}

/// The agent for downloads: redirects followed (mirrors, CDNs), statuses are answers.
fn get_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// Status, `Location` and the start of the body (lossy UTF-8) of a response.
fn read_answer(response: ureq::http::Response<ureq::Body>) -> Answer {
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut bytes = Vec::new();
    // A body cut short still says something useful; the status decides the outcome.
    let _ = response.into_body().into_reader().take(BODY_READ_LIMIT).read_to_end(&mut bytes);
    Answer { status, location, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// The start of a server's answer on one line, for a message.
fn excerpt(body: &str) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(BODY_EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// The file's modification time in seconds, as rpkg sends it (`mtime`).
fn mtime_of(path: &Path) -> Option<String> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(modified.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs().to_string())
}

/// Where downloads come from when no download URL is configured: the upload URL without its
/// last path segment (`https://h/repo/pkgs/upload.cgi` → `https://h/repo/pkgs`), query and
/// fragment.
pub fn download_base_for(upload_url: &str) -> String {
    let url = upload_url.split(['?', '#']).next().unwrap_or(upload_url);
    let path_start = url.find("://").map_or(0, |i| i + 3);
    match url[path_start..].rfind('/') {
        Some(slash) => url[..path_start + slash].to_owned(),
        None => url.to_owned(),
    }
}

/// A URL fit for messages: without user-info (`user:password@`), query or fragment.
pub fn display_url(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    match userinfo_of(url) {
        Some(userinfo) => url.replacen(&format!("{userinfo}@"), "", 1),
        None => url.to_owned(),
    }
}

/// The `user:password` part of a URL's authority, if any.
fn userinfo_of(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    authority.rfind('@').map(|at| &authority[..at])
}

/// Percent-encodes one path segment (all but unreserved characters and `+`).
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~+".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_base_is_the_upload_scripts_directory() {
        assert_eq!(
            download_base_for("https://src.fedoraproject.org/repo/pkgs/upload.cgi"),
            "https://src.fedoraproject.org/repo/pkgs"
        );
        assert_eq!(download_base_for("http://h:8080/upload.cgi?x=1"), "http://h:8080");
        assert_eq!(download_base_for("http://h"), "http://h");
    }

    #[test]
    fn explicit_download_url_wins_and_paths_are_encoded() {
        let hash = "a".repeat(128);
        let la =
            HttpLookaside::new("https://up.example/lookaside/upload.cgi", Some("https://dl.example/sources/"), None)
                .unwrap();
        assert_eq!(
            la.download_url_of("rpms/foo", "foo 1+x.tar.gz", &hash),
            format!("https://dl.example/sources/rpms/foo/foo%201+x.tar.gz/sha512/{hash}/foo%201+x.tar.gz")
        );
    }

    #[test]
    fn urls_in_messages_lose_credentials() {
        assert_eq!(display_url("https://u:pw@h.example:1/x/upload.cgi?token=t"), "https://h.example:1/x/upload.cgi");
        assert_eq!(display_url("https://h.example/a@b"), "https://h.example/a@b");
        let la = HttpLookaside::new("https://u:pw7x@h.example/upload.cgi", None, Some(Secret::new("zq9"))).unwrap();
        assert_eq!(la.clean("GET https://u:pw7x@h.example/x with zq9, pw7x"), "GET https://h.example/x with ***, ***");
        let debug = format!("{la:?}");
        assert!(!debug.contains("pw7x") && !debug.contains("zq9"), "{debug}");
    }

    #[test]
    fn token_with_a_newline_inside_is_refused_without_showing_it() {
        let err = HttpLookaside::new("http://h/upload.cgi", None, Some(Secret::new("a\nsecret"))).unwrap_err();
        assert!(matches!(err, LookasideError::BadToken));
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn excerpt_is_one_bounded_line() {
        assert_eq!(excerpt("  a\n b  "), "a b");
        assert_eq!(excerpt(&"x".repeat(1000)).chars().count(), BODY_EXCERPT_CHARS + 1);
    }
}
