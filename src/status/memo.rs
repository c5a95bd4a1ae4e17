//! A memo of which downstream commits make a patch, so that `git distgit status` compares
//! only the trees of commits it has not seen before.
//!
//! Whether a commit's change leaves `patches.ignore_paths` never changes for a given commit and
//! ignore list, so the answers are kept in `<common dir>/distgit/status/patches-<digest>.txt`
//! (`<digest>`: of the ignore list), one `<commit id> <0|1>` line each, rewritten (temporary
//! file + rename) when a run learned something. The memo is only a cache: a missing,
//! unreadable or partly written file is ignored, and a failure to write it is not an error.

use gix::ObjectId;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Above this many entries the memo keeps only the commits of the current range.
const MAX_ENTRIES: usize = 20_000;

/// The known answers, and what this run added.
#[derive(Debug, Default)]
pub(super) struct Memo {
    path: Option<PathBuf>,
    known: HashMap<ObjectId, bool>,
    /// The commits asked about (the current range).
    asked: std::collections::HashSet<ObjectId>,
    learned: bool,
}

impl Memo {
    /// Loads the memo for `ignore_paths` below `common_dir`.
    pub(super) fn load(common_dir: &Path, ignore_paths: &[String]) -> Memo {
        let digest = crate::digest::sha512_hex(ignore_paths.join("\n").as_bytes());
        let path = common_dir.join("distgit").join("status").join(format!("patches-{}.txt", &digest[..16]));
        let known = std::fs::read_to_string(&path).map(|text| parse(&text)).unwrap_or_default();
        Memo { path: Some(path), known, asked: Default::default(), learned: false }
    }

    /// The answer for `commit`, if known.
    pub(super) fn get(&mut self, commit: ObjectId) -> Option<bool> {
        self.asked.insert(commit);
        self.known.get(&commit).copied()
    }

    /// Records the answer for `commit`.
    pub(super) fn insert(&mut self, commit: ObjectId, makes_patch: bool) {
        self.learned |= self.known.insert(commit, makes_patch).is_none();
    }

    /// Writes the memo back if this run learned something; when it has grown too large,
    /// only the commits asked about in this run are kept.
    pub(super) fn save(mut self) {
        let Some(path) = self.path.take().filter(|_| self.learned) else { return };
        if self.known.len() > MAX_ENTRIES {
            let asked = std::mem::take(&mut self.asked);
            self.known.retain(|id, _| asked.contains(id));
        }
        let _ = write(&path, &self.known);
    }
}

/// `<id> <0|1>` lines; anything else is skipped.
fn parse(text: &str) -> HashMap<ObjectId, bool> {
    text.lines()
        .filter_map(|line| {
            let (id, bit) = line.split_once(' ')?;
            let bit = match bit {
                "1" => true,
                "0" => false,
                _ => return None,
            };
            Some((ObjectId::from_hex(id.as_bytes()).ok()?, bit))
        })
        .collect()
}

fn write(path: &Path, known: &HashMap<ObjectId, bool>) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = std::io::BufWriter::new(temp.as_file_mut());
    for (id, bit) in known {
        writeln!(out, "{id} {}", u8::from(*bit))?;
    }
    out.flush()?;
    drop(out);
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let specs = [".distro".to_owned()];
        let (a, b) = (ObjectId::from_hex(&[b'a'; 40]).unwrap(), ObjectId::from_hex(&[b'b'; 40]).unwrap());
        let mut memo = Memo::load(dir.path(), &specs);
        assert_eq!(memo.get(a), None);
        memo.insert(a, true);
        memo.insert(b, false);
        memo.save();
        let mut memo = Memo::load(dir.path(), &specs);
        assert_eq!((memo.get(a), memo.get(b)), (Some(true), Some(false)));
        assert_eq!(Memo::load(dir.path(), &["other".to_owned()]).get(a), None, "keyed by the ignore list");
        assert_eq!(parse("zz 1\naaaa\n"), HashMap::new());
    }
}
