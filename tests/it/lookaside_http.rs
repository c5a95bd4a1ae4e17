//! The HTTP lookaside against a fake `upload.cgi` on 127.0.0.1 speaking dist-git's protocol.

use crate::fake_upload_cgi::{FakeUploadCgi, Mode};
use git_distgit::digest::sha512_hex;
use git_distgit::lookaside::{self, Lookaside, LookasideError, Secret, Uploaded};
use std::path::{Path, PathBuf};

const TOKEN: &str = "tok-7f3a9c-never-show-me";
const TARBALL: &[u8] = b"\x1f\x8b\x08\x00 pretend this is foo-1.0.tar.gz \r\n--not-a-boundary--\r\n";
const FILE: &str = "foo-1.0.tar.gz";

fn source(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("local-copy.tgz");
    std::fs::write(&path, bytes).expect("test setup");
    path
}

fn client(fake: &FakeUploadCgi, token: Option<&str>) -> Box<dyn Lookaside> {
    lookaside::open(&fake.upload_url(), token.map(Secret::new)).expect("test setup")
}

/// The error's message and debug form, checked never to hold the token.
fn text_of(err: &LookasideError) -> String {
    let text = format!("{err}\n{err:?}");
    assert!(!text.contains(TOKEN), "token leaked: {text}");
    err.to_string()
}

#[test]
fn upload_checks_then_sends_then_verifies_with_the_real_field_names() {
    let fake = FakeUploadCgi::start(Some(TOKEN));
    let tmp = tempfile::tempdir().unwrap();
    let hash = sha512_hex(TARBALL);
    let la = client(&fake, Some(TOKEN));
    assert!(!la.has("foo", FILE, &hash).unwrap());

    let uploaded = la.upload("foo", FILE, &hash, &source(tmp.path(), TARBALL)).unwrap();

    assert_eq!(uploaded, Uploaded::Sent);
    assert_eq!(fake.stored("foo", FILE, &hash).as_deref(), Some(TARBALL));
    assert!(la.has("foo", FILE, &hash).unwrap());
    let seen = fake.seen();
    let shapes: Vec<(Vec<&str>, Option<&str>)> = seen
        .iter()
        .map(|s| (s.fields.keys().map(String::as_str).collect(), s.file.as_ref().map(|f| f.1.as_str())))
        .collect();
    let check = (vec!["filename", "name", "sha512sum"], None);
    let send = (vec!["mtime", "name", "sha512sum"], Some(FILE));
    assert_eq!(shapes, [check.clone(), check.clone(), send, check.clone(), check]);
    let upload = &seen[2];
    assert_eq!((upload.fields["name"].as_str(), upload.fields["sha512sum"].as_str()), ("foo", hash.as_str()));
    assert_eq!(upload.file.as_ref().unwrap().0, "file");
    assert!(seen.iter().all(|s| s.authorization.as_deref() == Some(&*format!("Bearer {TOKEN}"))));
    assert!(seen.iter().all(|s| s.method == "POST" && s.path == "/repo/pkgs/upload.cgi"));
}

#[test]
fn second_upload_sends_no_bytes() {
    let fake = FakeUploadCgi::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let hash = sha512_hex(TARBALL);
    let la = client(&fake, None);
    let src = source(tmp.path(), TARBALL);
    assert_eq!(la.upload("foo", FILE, &hash, &src).unwrap(), Uploaded::Sent);

    assert_eq!(la.upload("foo", FILE, &hash, &src).unwrap(), Uploaded::AlreadyPresent);

    assert_eq!(fake.seen().iter().filter(|s| s.file.is_some()).count(), 1);
}

#[test]
fn wrong_token_is_refused_with_status_and_hint_and_never_shown() {
    let fake = FakeUploadCgi::start(Some(TOKEN));
    let tmp = tempfile::tempdir().unwrap();
    let hash = sha512_hex(TARBALL);
    let wrong = "wrong-token-5d1e";
    let la = lookaside::open(&fake.upload_url(), Some(Secret::new(wrong))).unwrap();

    let err = la.upload("foo", FILE, &hash, &source(tmp.path(), TARBALL)).unwrap_err();

    let text = text_of(&err);
    assert!(!format!("{err}{err:?}").contains(wrong), "{err:?}");
    assert!(matches!(err, LookasideError::Http { status: 401, .. }), "{err:?}");
    assert_eq!(
        text,
        format!(
            "lookaside {}: checking foo/{FILE}: HTTP 401 (the server refused the token: check \
             DISTGIT_LOOKASIDE_TOKEN (or the configured token)); the server said: \
             \"You must present a valid token to upload.\"",
            fake.upload_url()
        )
    );
    assert_eq!(fake.stored_count(), 0);
}

#[test]
fn missing_token_says_so() {
    let fake = FakeUploadCgi::start(Some(TOKEN));
    let tmp = tempfile::tempdir().unwrap();
    let la = client(&fake, None);

    let err = la.upload("foo", FILE, &sha512_hex(TARBALL), &source(tmp.path(), TARBALL)).unwrap_err();

    assert!(text_of(&err).contains("HTTP 401 (no token was sent: set DISTGIT_LOOKASIDE_TOKEN"), "{err}");
    assert!(fake.seen().iter().all(|s| s.authorization.is_none()));
}

#[test]
fn server_error_is_reported_with_status_and_body() {
    let fake = FakeUploadCgi::start(Some(TOKEN));
    fake.set_mode(Mode::FailAll);
    let tmp = tempfile::tempdir().unwrap();
    let la = client(&fake, Some(TOKEN));

    let err = la.upload("foo", FILE, &sha512_hex(TARBALL), &source(tmp.path(), TARBALL)).unwrap_err();

    let text = text_of(&err);
    assert!(matches!(err, LookasideError::Http { status: 500, .. }), "{err:?}");
    assert!(text.contains("HTTP 500") && text.contains("No space left on device"), "{text}");
    assert!(text.contains(&format!("foo/{FILE}")) && text.contains(&fake.upload_url()), "{text}");
    assert_eq!(fake.stored_count(), 0);
}

#[test]
fn a_server_echoing_the_token_does_not_put_it_in_the_error() {
    let fake = FakeUploadCgi::start(Some(TOKEN));
    fake.set_mode(Mode::EchoAuth);
    let tmp = tempfile::tempdir().unwrap();
    let la = client(&fake, Some(TOKEN));

    let err = la.upload("foo", FILE, &sha512_hex(TARBALL), &source(tmp.path(), TARBALL)).unwrap_err();

    let text = text_of(&err);
    assert!(text.contains("got Authorization: Bearer ***"), "{text}");
}

#[test]
fn upload_the_server_does_not_keep_is_an_error() {
    let fake = FakeUploadCgi::start(None);
    fake.set_mode(Mode::ForgetUploads);
    let tmp = tempfile::tempdir().unwrap();
    let la = client(&fake, None);

    let err = la.upload("foo", FILE, &sha512_hex(TARBALL), &source(tmp.path(), TARBALL)).unwrap_err();

    assert!(matches!(err, LookasideError::NotStored { .. }), "{err:?}");
    let text = text_of(&err);
    assert!(text.contains("still answers `Missing`") && text.contains("stored OK"), "{text}");
}

#[test]
fn unknown_package_is_404_with_a_hint() {
    let fake = FakeUploadCgi::start(None);
    fake.set_packages(&["bar"]);
    let tmp = tempfile::tempdir().unwrap();
    let la = client(&fake, None);

    let err = la.upload("foo", FILE, &sha512_hex(TARBALL), &source(tmp.path(), TARBALL)).unwrap_err();

    let text = text_of(&err);
    assert!(text.contains("HTTP 404 (the server does not know the package"), "{text}");
    assert!(text.contains("Module \\\"foo\\\" does not exist!"), "{text}");
}

#[test]
fn source_with_another_checksum_is_never_sent() {
    let fake = FakeUploadCgi::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let la = client(&fake, None);
    let want = sha512_hex(b"the real release");

    let err = la.upload("foo", FILE, &want, &source(tmp.path(), TARBALL)).unwrap_err();

    assert!(matches!(err, LookasideError::SourceMismatch { .. }), "{err:?}");
    assert!(fake.seen().iter().all(|s| s.file.is_none()));
    assert_eq!(fake.stored_count(), 0);
}

#[test]
fn download_checks_the_checksum() {
    let fake = FakeUploadCgi::start(Some(TOKEN));
    fake.put("foo", FILE, TARBALL);
    let tmp = tempfile::tempdir().unwrap();
    let hash = sha512_hex(TARBALL);
    let la = client(&fake, Some(TOKEN));
    let good = tmp.path().join("good.tar.gz");

    la.download("foo", FILE, &hash, &good).unwrap();

    assert_eq!(std::fs::read(&good).unwrap(), TARBALL);
    let get = fake.seen().pop().unwrap();
    assert_eq!((get.method.as_str(), get.path), ("GET", format!("/repo/pkgs/foo/{FILE}/sha512/{hash}/{FILE}")));
    assert_eq!(get.authorization, None, "downloads are anonymous");

    fake.set_mode(Mode::CorruptDownloads);
    let bad = tmp.path().join("bad.tar.gz");
    let err = la.download("foo", FILE, &hash, &bad).unwrap_err();
    assert!(matches!(err, LookasideError::DownloadMismatch { .. }), "{err:?}");
    assert!(text_of(&err).contains(&format!("{bad} was not written", bad = bad.display())), "{err}");
    assert!(!bad.exists());

    let err = la.download("foo", "other.tar.gz", &hash, &bad).unwrap_err();
    assert!(matches!(err, LookasideError::NotFound { .. }), "{err:?}");
    assert!(!bad.exists());
}

#[test]
fn explicit_download_url_is_used() {
    let fake = FakeUploadCgi::start(None);
    fake.put("rpms/foo", "foo 1.0.tar.gz", TARBALL);
    let tmp = tempfile::tempdir().unwrap();
    let download = format!("http://127.0.0.1:{}/sources", fake.port);
    let la = lookaside::open_with_download(&fake.upload_url(), Some(&download), None).unwrap();

    la.download("rpms/foo", "foo 1.0.tar.gz", &sha512_hex(TARBALL), &tmp.path().join("x")).unwrap();

    let path = fake.seen().pop().unwrap().path;
    assert!(path.starts_with("/sources/rpms/foo/foo%201.0.tar.gz/sha512/"), "{path}");
}

#[test]
fn unreachable_server_is_named_without_credentials() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://packager:hunter2pw@127.0.0.1:{port}/repo/pkgs/upload.cgi");
    let la = lookaside::open(&url, Some(Secret::new(TOKEN))).unwrap();

    let err = la.has("foo", FILE, &sha512_hex(TARBALL)).unwrap_err();

    let text = text_of(&err);
    assert!(matches!(err, LookasideError::Transport { .. }), "{err:?}");
    assert!(text.starts_with(&format!("lookaside http://127.0.0.1:{port}/repo/pkgs/upload.cgi: checking foo/{FILE}: ")));
    assert!(!format!("{err}{err:?}").contains("hunter2pw"), "{err:?}");
}

#[test]
fn an_answer_that_is_neither_available_nor_missing_is_an_error() {
    let fake = FakeUploadCgi::start(None);
    fake.set_mode(Mode::Html);
    let la = client(&fake, None);

    let err = la.has("foo", FILE, &sha512_hex(TARBALL)).unwrap_err();

    assert!(matches!(err, LookasideError::Protocol { .. }), "{err:?}");
    assert!(text_of(&err).contains("unexpected answer \"<html><body>Please log in</body></html>\""), "{err}");
}

#[test]
fn a_wrong_upload_url_gets_the_servers_404() {
    let fake = FakeUploadCgi::start(None);
    let la = lookaside::open(&format!("http://127.0.0.1:{}/repo/pkgs/not-the-script", fake.port), None).unwrap();

    let err = la.has("foo", FILE, &sha512_hex(TARBALL)).unwrap_err();

    assert!(matches!(err, LookasideError::Http { status: 404, .. }), "{err:?}");
}
