//! The directory lookaside: Fedora's layout, atomic verified stores, clear errors.

use git_distgit::digest::sha512_hex;
use git_distgit::lookaside::dir::DirLookaside;
use git_distgit::lookaside::{self, Lookaside, LookasideError, Uploaded};
use std::path::{Path, PathBuf};

const TARBALL: &[u8] = b"\x1f\x8b pretend this is foo-1.0.tar.gz";

fn source(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("foo-1.0.tar.gz");
    std::fs::write(&path, bytes).expect("test setup");
    path
}

/// Every file under `root`, relative to it.
fn files_under(root: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.expect("test setup"))
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.path().strip_prefix(root).expect("test setup").display().to_string())
        .collect();
    files.sort();
    files
}

#[test]
fn upload_stores_in_fedoras_layout_readable_by_all() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let hash = sha512_hex(TARBALL);
    let la = lookaside::open(root.to_str().unwrap(), None).unwrap();
    assert!(!la.has("foo", "foo-1.0.tar.gz", &hash).unwrap());

    let uploaded = la.upload("foo", "foo-1.0.tar.gz", &hash, &source(tmp.path(), TARBALL)).unwrap();

    assert_eq!(uploaded, Uploaded::Sent);
    assert_eq!(files_under(&root), [format!("foo/foo-1.0.tar.gz/sha512/{hash}/foo-1.0.tar.gz")]);
    let stored = root.join(format!("foo/foo-1.0.tar.gz/sha512/{hash}/foo-1.0.tar.gz"));
    assert_eq!(std::fs::read(&stored).unwrap(), TARBALL);
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&stored).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o644);
    assert!(la.has("foo", "foo-1.0.tar.gz", &hash).unwrap());
}

#[test]
fn namespaced_package_and_file_url_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let hash = sha512_hex(TARBALL);
    let la = lookaside::open(&format!("file://{}", tmp.path().join("c").display()), None).unwrap();
    la.upload("rpms/foo", "foo-1.0.tar.gz", &hash, &source(tmp.path(), TARBALL)).unwrap();
    assert!(tmp.path().join(format!("c/rpms/foo/foo-1.0.tar.gz/sha512/{hash}/foo-1.0.tar.gz")).is_file());
}

#[test]
fn second_upload_sends_nothing_and_does_not_read_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let la = DirLookaside::new(tmp.path().join("cache"));
    let hash = sha512_hex(TARBALL);
    let src = source(tmp.path(), TARBALL);
    assert_eq!(la.upload("foo", "foo-1.0.tar.gz", &hash, &src).unwrap(), Uploaded::Sent);
    let stored = la.path_of("foo", "foo-1.0.tar.gz", &hash);
    let before = std::fs::metadata(&stored).unwrap().modified().unwrap();
    std::fs::remove_file(&src).unwrap();

    let again = la.upload("foo", "foo-1.0.tar.gz", &hash, &src).unwrap();

    assert_eq!(again, Uploaded::AlreadyPresent);
    assert_eq!(std::fs::metadata(&stored).unwrap().modified().unwrap(), before);
    assert_eq!(files_under(&tmp.path().join("cache")).len(), 1);
}

#[test]
fn source_with_another_checksum_is_refused_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let la = DirLookaside::new(&root);
    let want = sha512_hex(b"the real release");
    let src = source(tmp.path(), TARBALL);

    let err = la.upload("foo", "foo-1.0.tar.gz", &want, &src).unwrap_err();

    assert!(matches!(err, LookasideError::SourceMismatch { .. }), "{err:?}");
    let text = err.to_string();
    for part in ["foo/foo-1.0.tar.gz", &src.display().to_string(), &want, &sha512_hex(TARBALL), "nothing was stored"] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    assert_eq!(files_under(&root), Vec::<String>::new());
    assert!(!root.join("foo").exists());
    assert!(!la.has("foo", "foo-1.0.tar.gz", &want).unwrap());
}

#[test]
fn unwritable_lookaside_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    std::fs::create_dir(&root).unwrap();
    std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o555)).unwrap();
    if std::fs::write(root.join("probe"), b"").is_ok() {
        eprintln!("skipping: running as a user that ignores directory permissions (root)");
        return;
    }
    let la = DirLookaside::new(&root);
    let hash = sha512_hex(TARBALL);

    let err = la.upload("foo", "foo-1.0.tar.gz", &hash, &source(tmp.path(), TARBALL)).unwrap_err();

    let text = err.to_string();
    assert!(matches!(err, LookasideError::Io { .. }), "{err:?}");
    assert!(text.contains("Permission denied") && text.contains(&root.display().to_string()), "{text}");
    assert!(text.contains("storing foo/foo-1.0.tar.gz"), "{text}");
}

#[test]
fn lookaside_root_that_is_a_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    std::fs::write(&root, b"not a directory").unwrap();
    let la = DirLookaside::new(&root);

    let err = la.upload("foo", "foo-1.0.tar.gz", &sha512_hex(TARBALL), &source(tmp.path(), TARBALL)).unwrap_err();

    let text = err.to_string();
    assert!(text.starts_with(&format!("lookaside {}: storing foo/foo-1.0.tar.gz: cannot ", root.display())), "{text}");
    assert_eq!(std::fs::read(&root).unwrap(), b"not a directory");
}

#[test]
fn missing_source_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let la = DirLookaside::new(tmp.path().join("cache"));
    let missing = tmp.path().join("nope.tar.gz");

    let err = la.upload("foo", "nope.tar.gz", &sha512_hex(b"x"), &missing).unwrap_err();

    assert!(err.to_string().contains(&format!("cannot open {}", missing.display())), "{err}");
}

#[test]
fn download_verifies_the_checksum_and_writes_only_a_good_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let la = DirLookaside::new(tmp.path().join("cache"));
    let hash = sha512_hex(TARBALL);
    la.upload("foo", "foo-1.0.tar.gz", &hash, &source(tmp.path(), TARBALL)).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();

    la.download("foo", "foo-1.0.tar.gz", &hash, &out.join("good.tar.gz")).unwrap();
    assert_eq!(std::fs::read(out.join("good.tar.gz")).unwrap(), TARBALL);

    std::fs::write(la.path_of("foo", "foo-1.0.tar.gz", &hash), b"bit rot").unwrap();
    let err = la.download("foo", "foo-1.0.tar.gz", &hash, &out.join("bad.tar.gz")).unwrap_err();
    assert!(matches!(err, LookasideError::DownloadMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains(&sha512_hex(b"bit rot")), "{err}");
    assert_eq!(files_under(&out), ["good.tar.gz"]);

    let err = la.download("foo", "other.tar.gz", &hash, &out.join("other.tar.gz")).unwrap_err();
    assert!(matches!(err, LookasideError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("foo/other.tar.gz"), "{err}");
}

#[test]
fn names_that_would_leave_the_layout_are_refused_before_any_write() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let la = DirLookaside::new(&root);
    let hash = sha512_hex(TARBALL);
    let src = source(tmp.path(), TARBALL);
    for (package, file) in [("../evil", "f.tar.gz"), ("foo", "../../f.tar.gz"), ("foo", "")] {
        let err = la.upload(package, file, &hash, &src).unwrap_err();
        assert!(matches!(err, LookasideError::BadName { .. }), "{package} {file}: {err:?}");
    }
    assert!(!root.exists());
}
