//! Plain (`diff -up`, `gendiff`) patches in git's form, for `git patch-id` only.
//!
//! `git patch-id` hashes a diff's file-name lines and starts at a `diff ` line: a hand-made
//! patch (`--- foo-1.0/x.c.orig<TAB>date` / `+++ foo-1.0/x.c<TAB>date`, with or without a
//! `diff -up …` line) gets no id, or one that differs from the `git format-patch` output of the
//! same change. [`normalise`] rewrites each plain file header the way git writes it —
//! `diff --git a/X b/X`, `--- a/X`, `+++ b/X` (with `new file mode 100644` / `--- /dev/null`
//! for a created file, `deleted file mode 100644` / `+++ /dev/null` for a removed one) — where
//! `X` is the path after the strip level the spec applies, and drops the `diff -up …` lines and
//! what lies between plain file sections (`Only in …`, `Index:`), which git would hash or which
//! would end its hash early. Hunks are copied
//! unchanged; sections already in git's form (`diff --git`) and the text around the diff are
//! left alone. The result is never written anywhere: it only feeds `git patch-id`.

/// How many leading path components `%prep` strips from a patch's paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripLevel {
    /// `-pN`.
    Level(u32),
    /// No `-p` (`%autosetup`/`%autopatch` without one): `-p1` when the path has a directory,
    /// else `-p0` (the way the reverse applies it).
    Unspecified,
}

/// `bytes` with every plain-diff file header in git's form (see the module docs).
pub fn normalise(bytes: &[u8], strip: StripLevel) -> Vec<u8> {
    let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    let mut out = Vec::with_capacity(bytes.len() + 256);
    let mut state = State::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let text = trim_eol(line);
        if state.in_hunk() {
            state.count(text);
            out.extend_from_slice(line);
        } else if text.starts_with(b"diff --git ") {
            state = State { git_section: true, ..State::default() };
            out.extend_from_slice(line);
        } else if let Some(counts) = hunk_counts(text) {
            state.hunk = Some(counts);
            out.extend_from_slice(line);
        } else if let Some(header) = file_header(&lines, i) {
            if state.git_section {
                out.extend_from_slice(line);
                out.extend_from_slice(lines[i + 1]);
            } else {
                out.extend_from_slice(git_header(&header, strip).as_bytes());
                state.plain = true;
            }
            i += 2;
            continue;
        } else if text.starts_with(b"From ") {
            state = State::default();
            out.extend_from_slice(line);
        } else if text.starts_with(b"diff ") {
            // `diff -up old new`: git would hash it; the header below replaces it.
            state.git_section = false;
        } else if !state.plain || text.starts_with(b"\\ ") {
            out.extend_from_slice(line);
        }
        i += 1;
    }
    out
}

/// Where [`normalise`] is.
#[derive(Debug, Default)]
struct State {
    /// Inside a `diff --git` section: its headers are already git's.
    git_section: bool,
    /// After a plain file header: lines outside hunks are dropped.
    plain: bool,
    /// Lines left in the current hunk (old side, new side).
    hunk: Option<(u64, u64)>,
}

impl State {
    fn in_hunk(&self) -> bool {
        self.hunk.is_some_and(|(old, new)| old > 0 || new > 0)
    }

    /// Counts one hunk line against the remaining old and new lines.
    fn count(&mut self, line: &[u8]) {
        let Some((old, new)) = self.hunk.as_mut() else { return };
        match line.first() {
            Some(b'-') => *old = old.saturating_sub(1),
            Some(b'+') => *new = new.saturating_sub(1),
            Some(b'\\') => {}
            _ => {
                *old = old.saturating_sub(1);
                *new = new.saturating_sub(1);
            }
        }
    }
}

/// A plain file header: the `---` and `+++` paths and whether each side is empty.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    old: String,
    new: String,
    created: bool,
    deleted: bool,
}

/// The `---`/`+++` pair at `lines[i]`, if a hunk follows it.
fn file_header(lines: &[&[u8]], i: usize) -> Option<Header> {
    let old = trim_eol(lines.get(i)?).strip_prefix(b"--- ")?;
    let new = trim_eol(lines.get(i + 1)?).strip_prefix(b"+++ ")?;
    let (old_counts, new_counts) = hunk_counts(trim_eol(lines.get(i + 2)?))?;
    let (old_path, old_date) = path_and_date(old);
    let (new_path, new_date) = path_and_date(new);
    let created = old_path == "/dev/null" || (old_counts == 0 && is_epoch(&old_date) && hunk_starts_at_zero(lines, i));
    let deleted = new_path == "/dev/null" || (new_counts == 0 && is_epoch(&new_date));
    Some(Header { old: old_path, new: new_path, created, deleted })
}

/// Whether the hunk after the header at `i` is `@@ -0,0 …`.
fn hunk_starts_at_zero(lines: &[&[u8]], i: usize) -> bool {
    lines.get(i + 2).is_some_and(|l| l.starts_with(b"@@ -0,0 "))
}

/// `diff -u` dates a missing side (`diff -N`) with the epoch.
fn is_epoch(date: &str) -> bool {
    date.starts_with("1970-01-01") || date.starts_with("1969-12-31")
}

/// `path<TAB>date` → (path, date); a header without a tab is all path.
fn path_and_date(field: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(field);
    match text.split_once('\t') {
        Some((path, date)) => (path.trim_end().to_owned(), date.trim().to_owned()),
        None => (text.trim_end().to_owned(), String::new()),
    }
}

/// The header git writes for `header`'s file.
fn git_header(header: &Header, strip: StripLevel) -> String {
    let source = if header.deleted || header.new == "/dev/null" { &header.old } else { &header.new };
    let path = stripped(source, strip);
    if header.created {
        format!("diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n")
    } else if header.deleted {
        format!("diff --git a/{path} b/{path}\ndeleted file mode 100644\n--- a/{path}\n+++ /dev/null\n")
    } else {
        format!("diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n")
    }
}

/// `path` without its first `strip` components.
fn stripped(path: &str, strip: StripLevel) -> String {
    let level = match strip {
        StripLevel::Level(n) => n as usize,
        StripLevel::Unspecified => usize::from(path.contains('/')),
    };
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    parts.get(level.min(parts.len().saturating_sub(1))..).unwrap_or_default().join("/")
}

/// The old and new line counts of a `@@ -a[,b] +c[,d] @@` line.
fn hunk_counts(line: &[u8]) -> Option<(u64, u64)> {
    let text = std::str::from_utf8(line.strip_prefix(b"@@ -")?).ok()?;
    let (ranges, _) = text.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let count = |range: &str| match range.split_once(',') {
        Some((_, n)) => n.parse().ok(),
        None => range.parse::<u64>().ok().map(|_| 1),
    };
    Some((count(old)?, count(new)?))
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str, strip: StripLevel) -> String {
        String::from_utf8(normalise(text.as_bytes(), strip)).unwrap()
    }

    #[test]
    fn gendiff_headers_become_git_headers() {
        let plain = "Fix it\n\ndiff -up foo-1.0/x.c.orig foo-1.0/x.c\n--- foo-1.0/x.c.orig\t2024-01-01 10:00:00.000000000 +0200\n\
                     +++ foo-1.0/x.c\t2024-01-01 10:01:00.000000000 +0200\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n\
                     Only in foo-1.0: junk\ndiff -up foo-1.0/y.h.orig foo-1.0/y.h\n--- foo-1.0/y.h.orig\n+++ foo-1.0/y.h\n\
                     @@ -1 +1 @@\n-x\n\\ No newline at end of file\n+y\n";
        assert_eq!(
            norm(plain, StripLevel::Level(1)),
            "Fix it\n\ndiff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n\
             @@ -1,2 +1,2 @@\n-a\n+b\n c\ndiff --git a/y.h b/y.h\n--- a/y.h\n+++ b/y.h\n@@ -1 +1 @@\n-x\n\
             \\ No newline at end of file\n+y\n"
        );
    }

    #[test]
    fn strip_levels_and_new_and_deleted_files() {
        let new = "--- /dev/null\n+++ b/doc/new.txt\n@@ -0,0 +1 @@\n+n\n";
        assert_eq!(
            norm(new, StripLevel::Unspecified),
            "diff --git a/doc/new.txt b/doc/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/doc/new.txt\n@@ -0,0 +1 @@\n+n\n"
        );
        let epoch = "--- x.orig\t1970-01-01 00:00:00.000000000 +0000\n+++ x\t2024-01-01 00:00:00.000000000 +0000\n@@ -0,0 +1 @@\n+n\n";
        assert!(norm(epoch, StripLevel::Level(0)).starts_with("diff --git a/x b/x\nnew file mode 100644\n"));
        let gone = "--- old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-o\n";
        assert!(norm(gone, StripLevel::Level(0))
            .starts_with("diff --git a/old.txt b/old.txt\ndeleted file mode 100644\n--- a/old.txt\n+++ /dev/null\n"));
        assert_eq!(stripped("a/b/c.txt", StripLevel::Level(2)), "c.txt");
        assert_eq!(stripped("top.txt", StripLevel::Unspecified), "top.txt");
    }

    #[test]
    fn git_sections_and_mails_are_left_alone() {
        let git =
            "From 1234 Mon Sep 17 00:00:00 2001\nSubject: x\n---\n x | 1 +\n\ndiff --git a/x b/x\nindex 1..2 100644\n\
                   --- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n-- \n2.46.0\n";
        assert_eq!(norm(git, StripLevel::Level(1)), git);
    }

    #[test]
    fn hunk_headers() {
        assert_eq!(hunk_counts(b"@@ -4,6 +4,8 @@ int frob(void)"), Some((6, 8)));
        assert_eq!(hunk_counts(b"@@ -1 +1,0 @@"), Some((1, 0)));
        assert_eq!(hunk_counts(b"@@ garbage"), None);
    }
}
