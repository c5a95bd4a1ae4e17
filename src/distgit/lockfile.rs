//! Lock files shared between processes: created with `O_EXCL`, holding the owner's process
//! id, removed on drop. A lock whose owner is gone (no `/proc/<pid>`), or older than a limit,
//! is stale and taken over.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct LockFile {
    path: PathBuf,
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot create lock file {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "lock file {} is still held (by process {owner}) after {waited:?}; if no git-distgit process is running, remove it",
        path.display()
    )]
    Busy { path: PathBuf, owner: String, waited: Duration },
}

impl LockFile {
    /// Takes the lock at `path`, waiting up to `wait` for another holder; a lock held longer
    /// than `stale_after` (or whose process is gone) is broken.
    pub fn acquire(path: &Path, wait: Duration, stale_after: Duration) -> Result<LockFile, LockError> {
        let io = |source| LockError::Io { path: path.to_owned(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match std::fs::File::create_new(path) {
                Ok(mut file) => {
                    use std::io::Write;
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(LockFile { path: path.to_owned() });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
            if is_stale(path, stale_after) {
                let _ = std::fs::remove_file(path);
                continue;
            }
            if start.elapsed() >= wait {
                let owner = std::fs::read_to_string(path).unwrap_or_default().trim().to_owned();
                return Err(LockError::Busy { path: path.to_owned(), owner, waited: start.elapsed() });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }

    /// Where the lock lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The lock's owner is gone, or it is older than `stale_after`.
fn is_stale(path: &Path, stale_after: Duration) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    if meta.modified().ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age > stale_after) {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    match text.trim().parse::<u32>() {
        Ok(pid) => Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists(),
        // Being written right now (empty), or not ours: wait for the age limit.
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_and_a_dead_owner_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = LockFile::acquire(&path, Duration::ZERO, Duration::from_secs(60)).unwrap();
        let busy = LockFile::acquire(&path, Duration::from_millis(30), Duration::from_secs(60)).unwrap_err();
        assert!(busy.to_string().contains("still held"), "{busy}");
        drop(held);
        assert!(!path.exists());
        std::fs::write(&path, "4194304999\n").unwrap();
        let taken = LockFile::acquire(&path, Duration::ZERO, Duration::from_secs(60)).unwrap();
        assert_eq!(std::fs::read_to_string(taken.path()).unwrap().trim(), std::process::id().to_string());
    }
}
