//! Writing a file that appears whole and verified, or not at all: the bytes go to a temporary
//! file, are flushed to disk and hashed back, and only a matching file is renamed into place.

use crate::digest;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// A file system step that failed, and on which path.
#[derive(Debug)]
pub(crate) struct IoFail {
    pub action: &'static str,
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Why [`stage`] did not produce a verified file; the temporary file is already gone.
#[derive(Debug)]
pub(crate) enum StageError {
    /// Reading the source failed.
    Read(std::io::Error),
    /// Writing or re-reading the temporary file failed.
    Io(IoFail),
    /// What was written does not have the expected SHA-512.
    Mismatch { got: String },
}

/// A complete, verified temporary file waiting for [`Staged::commit`].
pub(crate) struct Staged(NamedTempFile);

/// Copies `from` into a new temporary file in `dir`, flushes it to disk and checks the SHA-512
/// of the bytes on disk against `sha512`.
pub(crate) fn stage(from: &mut dyn Read, dir: &Path, sha512: &str) -> Result<Staged, StageError> {
    let fail = |action, source| StageError::Io(IoFail { action, path: dir.to_owned(), source });
    let mut temp = tempfile::Builder::new()
        .prefix(".lookaside-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| fail("create a temporary file in", e))?;
    copy(from, temp.as_file_mut()).map_err(|e| match e {
        CopyError::Read(e) => StageError::Read(e),
        CopyError::Write(e) => fail("write a temporary file in", e),
    })?;
    let file = temp.as_file_mut();
    file.sync_all().map_err(|e| fail("flush a temporary file in", e))?;
    file.rewind().map_err(|e| fail("re-read a temporary file in", e))?;
    let (got, _) = digest::copy_hashed(file, None).map_err(|e| fail("re-read a temporary file in", e))?;
    if got != sha512 {
        return Err(StageError::Mismatch { got });
    }
    Ok(Staged(temp))
}

impl Staged {
    /// Renames the file to `dest` (replacing it), readable by all (0644), and flushes the
    /// directory entry.
    pub(crate) fn commit(self, dest: &Path) -> Result<(), IoFail> {
        let fail = |action, source| IoFail { action, path: dest.to_owned(), source };
        set_readable(self.0.path()).map_err(|e| fail("set permissions before storing", e))?;
        self.0.persist(dest).map_err(|e| fail("rename a temporary file to", e.error))?;
        sync_parent(dest);
        Ok(())
    }
}

enum CopyError {
    Read(std::io::Error),
    Write(std::io::Error),
}

/// Copies to the end of `from`, telling read errors from write errors.
fn copy(from: &mut dyn Read, to: &mut std::fs::File) -> Result<(), CopyError> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        to.write_all(&buf[..n]).map_err(CopyError::Write)?;
    }
}

#[cfg(unix)]
fn set_readable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_readable(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Flushes the directory holding `path` so the rename survives a crash. Best effort: some
/// file systems refuse `fsync` on a directory, and the file is in place either way.
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent() {
        let _ = std::fs::File::open(parent).and_then(|dir| dir.sync_all());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatch_leaves_no_file_and_match_is_renamed() {
        let dir = tempfile::tempdir().unwrap();
        let err = stage(&mut &b"abc"[..], dir.path(), &digest::sha512_hex(b"xyz")).err().unwrap();
        assert!(matches!(err, StageError::Mismatch { ref got } if *got == digest::sha512_hex(b"abc")));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let staged = stage(&mut &b"abc"[..], dir.path(), &digest::sha512_hex(b"abc")).unwrap();
        let dest = dir.path().join("out");
        staged.commit(&dest).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"abc");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
