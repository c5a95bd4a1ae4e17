//! Reading patch files (mail or plain diff) and writing the commit messages of the reversed
//! commits, with Packit's trailers so that rendering the commits gives the same patch files.

use crate::meta;

/// The line `git format-patch` starts each mail with, after the commit id.
const FROM_DATE: &str = " Mon Sep 17 00:00:00 2001";

/// Trailer tokens a message may already carry that the reverse writes itself.
const OWN_TOKENS: [&str; 8] = [
    "Patch-name",
    "Patch-id",
    "Patch-status",
    "Patch-present-in-specfile",
    "Ignore-patch",
    "No-prefix",
    "From-dist-git-commit",
    "From-source-git-commit",
];

/// The Packit trailers of one reversed patch commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchTrailers<'a> {
    /// The dist-git file name (`Patch-name`).
    pub file: &'a str,
    /// The `PatchN` number (`Patch-id`).
    pub number: u32,
    /// The comment lines above the spec's `PatchN:` line, verbatim (`Patch-status`).
    pub status: &'a [String],
    /// The patch is applied with `-p0`: render it with `--no-prefix` (`No-prefix`).
    pub no_prefix: bool,
    /// The dist-git commit (`From-dist-git-commit`).
    pub distgit_commit: &'a str,
}

/// Splits a patch file into the mails `git format-patch` wrote into it (several when Packit
/// squashed adjacent commits into one file). A file not starting with such a line is one part.
pub fn split_mails(bytes: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if is_from_line(line.strip_suffix(b"\n").unwrap_or(line)) {
            starts.push(offset);
        }
        offset += line.len();
    }
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    starts.iter().zip(starts.iter().skip(1).chain([&bytes.len()])).map(|(a, b)| &bytes[*a..*b]).collect()
}

/// Whether `line` is `From <commit id> Mon Sep 17 00:00:00 2001`.
fn is_from_line(line: &[u8]) -> bool {
    let Ok(line) = std::str::from_utf8(line) else { return false };
    line.strip_prefix("From ")
        .and_then(|r| r.strip_suffix(FROM_DATE))
        .is_some_and(|id| id.len() >= 40 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a patch file is a mail (`git format-patch`, `git send-email`): it starts with an
/// mbox `From ` line or a `From:`/`Subject:`/`Date:` header.
pub fn is_mail(bytes: &[u8]) -> bool {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first).to_ascii_lowercase();
    ["from ", "from: ", "subject: ", "date: "].iter().any(|p| first.starts_with(p))
}

/// The text of a plain diff before its first file header (`diff …`, `Index: …`, or a
/// `--- `/`+++ ` pair): the description some hand-made patches carry.
pub fn plain_description(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .iter()
        .enumerate()
        .position(|(i, l)| {
            l.starts_with("diff ")
                || l.starts_with("Index: ")
                || (l.starts_with("--- ") && lines.get(i + 1).is_some_and(|n| n.starts_with("+++ ")))
        })
        .unwrap_or(lines.len());
    lines[..end].join("\n").trim().to_owned()
}

/// The message of a reversed patch commit: subject, body (without trailers the reverse
/// writes itself), then the Packit trailers in the message's trailer block.
pub fn patch_message(subject: &str, body: &str, trailers: &PatchTrailers<'_>) -> String {
    let subject = subject.trim();
    let subject = if subject.is_empty() { trailers.file } else { subject };
    let body = without_own_trailers(body.trim());
    let mut message = format!("{subject}\n");
    if !body.is_empty() {
        message.push('\n');
        message.push_str(&body);
        message.push('\n');
    }
    let joins_block = !body.is_empty() && meta::trailer_block(&message).is_some();
    if !joins_block {
        message.push('\n');
    }
    message.push_str(&trailer_lines(trailers));
    message
}

/// The message of the commit adding `.distro/`.
pub fn packaging_message(branch: &str, distgit_commit: &str) -> String {
    format!("Import packaging from dist-git {branch}\n\nFrom-dist-git-commit: {distgit_commit}\n")
}

/// The trailer lines, each ending in a newline.
fn trailer_lines(t: &PatchTrailers<'_>) -> String {
    let mut out =
        format!("Patch-name: {}\nPatch-id: {}\nPatch-present-in-specfile: true\n", yaml_scalar(t.file), t.number);
    if !t.status.is_empty() {
        out.push_str("Patch-status: |\n");
        for line in t.status {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    if t.no_prefix {
        out.push_str("No-prefix: true\n");
    }
    out.push_str(&format!("From-dist-git-commit: {}\n", t.distgit_commit));
    out
}

/// `s` as a one-line YAML scalar (quoted only when YAML needs it: `yes`, `a: b`, `#x`, …).
fn yaml_scalar(s: &str) -> String {
    match serde_yaml_ng::to_string(s) {
        Ok(yaml) if !yaml.trim_end().contains('\n') => yaml.trim_end().to_owned(),
        _ => format!("{s:?}"),
    }
}

/// `body` without the trailers (and their continuation lines) that the reverse writes.
fn without_own_trailers(body: &str) -> String {
    let Some((start, end)) = meta::trailer_block(body) else { return body.to_owned() };
    let mut kept = String::new();
    let mut dropping = false;
    for line in body[start..end].lines() {
        let continuation = line.starts_with([' ', '\t']);
        if !continuation {
            let token = line.split(':').next().unwrap_or("").trim();
            dropping = OWN_TOKENS.iter().any(|t| t.eq_ignore_ascii_case(token));
        }
        if !dropping {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    format!("{}{}{}", &body[..start], kept, &body[end..]).trim().to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::meta::{parse, MetaStyle};

    fn trailers<'a>(file: &'a str, status: &'a [String]) -> PatchTrailers<'a> {
        PatchTrailers { file, number: 3, status, no_prefix: false, distgit_commit: "abc123" }
    }

    #[test]
    fn message_carries_packit_trailers_render_reads_back() {
        let status = vec!["# Fix the frobnicator".to_owned(), "# (upstream bug #12)".to_owned()];
        let msg = patch_message("Fix it", "Because.\n", &trailers("0003-fix.patch", &status));
        assert_eq!(
            msg,
            "Fix it\n\nBecause.\n\nPatch-name: 0003-fix.patch\nPatch-id: 3\nPatch-present-in-specfile: true\n\
             Patch-status: |\n  # Fix the frobnicator\n  # (upstream bug #12)\nFrom-dist-git-commit: abc123\n"
        );
        let meta = parse("1".repeat(40).as_str(), &msg).unwrap();
        assert_eq!(meta.style, MetaStyle::Trailers);
        assert_eq!(meta.name.as_deref(), Some("0003-fix.patch"));
        assert_eq!(meta.id, Some(3));
        assert!(meta.present_in_spec);
        assert_eq!(meta.status.as_deref(), Some("# Fix the frobnicator\n# (upstream bug #12)\n"));
    }

    #[test]
    fn awkward_names_are_quoted_for_yaml() {
        for name in ["yes", "a: b.patch", "#x.patch", "'q'.patch", "- x.patch"] {
            let msg = patch_message("S", "", &PatchTrailers { no_prefix: true, ..trailers(name, &[]) });
            let meta = parse("1".repeat(40).as_str(), &msg).unwrap();
            assert_eq!(meta.name.as_deref(), Some(name), "{msg}");
            assert!(meta.no_prefix);
        }
    }

    #[test]
    fn existing_trailer_block_is_joined_and_old_packit_trailers_replaced() {
        let body = "Why.\n\nSigned-off-by: A <a@b>\nPatch-name: old.patch\nPatch-status: |\n  # old\n";
        let msg = patch_message("S", body, &trailers("new.patch", &[]));
        assert_eq!(
            msg,
            "S\n\nWhy.\n\nSigned-off-by: A <a@b>\nPatch-name: new.patch\nPatch-id: 3\n\
             Patch-present-in-specfile: true\nFrom-dist-git-commit: abc123\n"
        );
    }

    #[test]
    fn empty_subject_takes_the_file_name() {
        assert!(patch_message("  ", "", &trailers("f.patch", &[])).starts_with("f.patch\n\nPatch-name: f.patch\n"));
    }

    #[test]
    fn mails_are_split_at_format_patch_from_lines() {
        let a = format!("From {}{FROM_DATE}\nSubject: a\n\n---\n", "a".repeat(40));
        let b = format!("From {}{FROM_DATE}\nSubject: b\n", "b".repeat(40));
        let both = format!("{a}{b}");
        let parts = split_mails(both.as_bytes());
        assert_eq!(parts, [a.as_bytes(), b.as_bytes()]);
        assert_eq!(split_mails(b"--- a\n+++ b\n"), [b"--- a\n+++ b\n".as_slice()]);
    }

    #[test]
    fn mail_and_plain_descriptions() {
        assert!(is_mail(b"From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"));
        assert!(is_mail(b"Subject: [PATCH] x\n"));
        assert!(!is_mail(b"diff -up a/x b/x\n"));
        assert!(!is_mail(b"Fix: the thing\n--- a\n+++ b\n"));
        let plain =
            b"Fix the crash (#1234)\n\nDetails.\n\ndiff -up foo-1.0/x.c.orig foo-1.0/x.c\n--- foo-1.0/x.c.orig\n";
        assert_eq!(plain_description(plain), "Fix the crash (#1234)\n\nDetails.");
        assert_eq!(plain_description(b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n"), "");
        assert_eq!(plain_description(b"Index: x\n====\n--- x\n+++ x\n"), "");
    }

    #[test]
    fn packaging_message_names_branch_and_commit() {
        assert_eq!(
            packaging_message("rawhide", "abc"),
            "Import packaging from dist-git rawhide\n\nFrom-dist-git-commit: abc\n"
        );
    }
}
