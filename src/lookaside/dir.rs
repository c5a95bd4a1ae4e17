//! The directory lookaside: files kept under a root in Fedora's layout
//! `<root>/<package>/<file>/sha512/<hash>/<file>`, as dist-git's own cache stores them.
//!
//! An upload copies the source into a temporary file under the root, flushes it, checks the
//! SHA-512 of what was written, creates the missing directories and renames the file into
//! place: a reader never sees a partial file, and a failure leaves nothing behind.

use super::atomic::{self, IoFail, StageError};
use super::{check_names, item, stored_path, Lookaside, LookasideError, Uploaded};
use std::fs::File;
use std::path::{Path, PathBuf};

/// A lookaside cache in a local (or mounted) directory.
#[derive(Debug, Clone)]
pub struct DirLookaside {
    root: PathBuf,
}

impl DirLookaside {
    /// The lookaside rooted at `root`; the directory is created by the first upload.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirLookaside { root: root.into() }
    }

    /// Where `file` with this SHA-512 of `package` is (or would be) stored.
    pub fn path_of(&self, package: &str, file: &str, sha512: &str) -> PathBuf {
        self.root.join(stored_path(package, file, sha512))
    }

    fn io_error(&self, context: String, fail: IoFail) -> LookasideError {
        let IoFail { action, path, source } = fail;
        LookasideError::Io { location: self.location(), context, action, path, source }
    }

    /// Copies the verified source into place; the caller checked it is not there yet.
    fn store(&self, package: &str, file: &str, sha512: &str, source: &Path) -> Result<(), LookasideError> {
        let context = format!("storing {package}/{file}");
        let fail = |action, path: &Path, source| IoFail { action, path: path.to_owned(), source };
        std::fs::create_dir_all(&self.root)
            .map_err(|e| self.io_error(context.clone(), fail("create directory", &self.root, e)))?;
        let mut reader = File::open(source).map_err(|e| self.io_error(context.clone(), fail("open", source, e)))?;
        let staged = atomic::stage(&mut reader, &self.root, sha512).map_err(|e| match e {
            StageError::Read(e) => self.io_error(context.clone(), fail("read", source, e)),
            StageError::Io(fail) => self.io_error(context.clone(), fail),
            StageError::Mismatch { got } => LookasideError::SourceMismatch {
                item: item(package, file),
                path: source.to_owned(),
                got,
                want: sha512.to_owned(),
            },
        })?;
        let dest = self.path_of(package, file, sha512);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| self.io_error(context.clone(), fail("create directory", parent, e)))?;
        }
        staged.commit(&dest).map_err(|fail| self.io_error(context, fail))
    }
}

impl Lookaside for DirLookaside {
    fn has(&self, package: &str, file: &str, sha512: &str) -> Result<bool, LookasideError> {
        check_names(package, file, sha512)?;
        Ok(self.path_of(package, file, sha512).is_file())
    }

    fn upload(&self, package: &str, file: &str, sha512: &str, path: &Path) -> Result<Uploaded, LookasideError> {
        if self.has(package, file, sha512)? {
            return Ok(Uploaded::AlreadyPresent);
        }
        self.store(package, file, sha512, path)?;
        Ok(Uploaded::Sent)
    }

    fn download(&self, package: &str, file: &str, sha512: &str, dest: &Path) -> Result<(), LookasideError> {
        check_names(package, file, sha512)?;
        let stored = self.path_of(package, file, sha512);
        let context = format!("copying {package}/{file} to {}", dest.display());
        let mut reader = match File::open(&stored) {
            Ok(reader) => reader,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(LookasideError::NotFound {
                    item: item(package, file),
                    sha512: sha512.to_owned(),
                    location: self.location(),
                })
            }
            Err(source) => return Err(self.io_error(context, IoFail { action: "open", path: stored, source })),
        };
        let dest_dir = parent_dir(dest);
        let staged = atomic::stage(&mut reader, dest_dir, sha512).map_err(|e| match e {
            StageError::Read(source) => self.io_error(context.clone(), IoFail { action: "read", path: stored, source }),
            StageError::Io(fail) => self.io_error(context.clone(), fail),
            StageError::Mismatch { got } => LookasideError::DownloadMismatch {
                item: item(package, file),
                location: self.location(),
                dest: dest.to_owned(),
                got,
                want: sha512.to_owned(),
            },
        })?;
        staged.commit(dest).map_err(|fail| self.io_error(context, fail))
    }

    fn location(&self) -> String {
        self.root.display().to_string()
    }

    /// Deletes the stored file and the layout directories it leaves empty.
    fn remove(&self, package: &str, file: &str, sha512: &str) -> Result<bool, LookasideError> {
        check_names(package, file, sha512)?;
        let path = self.path_of(package, file, sha512);
        if !path.is_file() {
            return Ok(false);
        }
        std::fs::remove_file(&path).map_err(|source| {
            self.io_error(format!("{package}/{file}"), IoFail { action: "removing", path: path.clone(), source })
        })?;
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(&self.root) && *d != self.root.as_path()) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
        Ok(true)
    }
}

/// The directory `path` is in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}
