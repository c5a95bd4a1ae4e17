//! Editing the lines the render owns: `Version:`/`Release:` values, new `PatchN:` lines and
//! the `%changelog` body. Every edit is a byte-range replacement of the original text, so
//! all other bytes are kept.
//!
//! Placement of new `PatchN:` lines (Packit's rule, extended): after the last existing
//! `Patch`/`PatchN` line; else right after the last `Source`/`SourceN` line; else after the
//! later of `Version:`/`Release:`. Tag lines inside `%if` blocks count like any other.

use super::parse::Tag;
use super::{NewPatch, Spec, SpecEdits, SpecError};
use std::ops::Range;

/// Replace `range` of the original text with `text` (an empty range inserts).
struct Replacement {
    range: Range<usize>,
    text: String,
}

/// Applies `edits`; see [`Spec::apply`].
pub(super) fn apply(spec: &Spec, edits: &SpecEdits) -> Result<String, SpecError> {
    let mut edits_done = Vec::new();
    if let Some(version) = &edits.version {
        edits_done.extend(value_edits(spec, "version", version)?);
    }
    if let Some(release) = &edits.release {
        edits_done.extend(value_edits(spec, "release", release)?);
    }
    if !edits.patches.is_empty() {
        edits_done.push(patch_block(spec, &edits.patches, edits.patch_digits));
    }
    edits_done.extend(changelog_edit(spec, edits));
    Ok(splice(&spec.text, edits_done))
}

/// Builds the new text from the original and non-overlapping replacements.
fn splice(text: &str, mut replacements: Vec<Replacement>) -> String {
    replacements.sort_by_key(|r| r.range.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in replacements {
        out.push_str(&text[at..r.range.start]);
        out.push_str(&r.text);
        at = r.range.end;
    }
    out.push_str(&text[at..]);
    out
}

impl Spec {
    /// The line ending new lines get.
    fn newline(&self) -> &'static str {
        if self.crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    fn error_at(&self, line: usize, message: String) -> SpecError {
        SpecError { path: self.path.clone(), line, message }
    }
}

/// The edits setting tag `key` (`version`/`release`) to `new` in every main-preamble line
/// carrying it (e.g. both branches of an `%if`).
fn value_edits(spec: &Spec, key: &str, new: &str) -> Result<Vec<Replacement>, SpecError> {
    let label = if key == "version" { "Version" } else { "Release" };
    let tags: Vec<&Tag> = spec.tags.iter().filter(|t| t.main && t.key == key).collect();
    if tags.is_empty() {
        let msg = format!("no `{label}:` tag to set to `{new}`; add `{label}:` to the preamble");
        return Err(spec.error_at(0, msg));
    }
    let mut out = Vec::new();
    for tag in tags {
        out.extend(tag_value_edits(spec, tag, label, new)?);
    }
    Ok(out)
}

/// Sets one tag line's value: the literal itself, or the simple definition it refers to.
fn tag_value_edits(spec: &Spec, tag: &Tag, label: &str, new: &str) -> Result<Vec<Replacement>, SpecError> {
    let raw = &spec.text[tag.value.clone()];
    let replace_tag = || vec![Replacement { range: tag.value.clone(), text: new.to_string() }];
    if !raw.contains('%') {
        return Ok(replace_tag());
    }
    if let Some(edits) = single_reference(raw).and_then(|name| definition_edits(spec, name, new)) {
        return Ok(edits);
    }
    if label == "Release" {
        // Release values carry `%{?dist}` and the like; the caller gives the whole value.
        return Ok(replace_tag());
    }
    let msg = format!(
        "cannot set the version: `{label}: {raw}` is neither a literal nor a reference to a \
         `%global`/`%define` holding one; set `spec.version = \"spec\"` in \
         `.distro/distgit.toml` to keep the spec's version"
    );
    Err(spec.error_at(tag.line + 1, msg))
}

/// The edits of the definitions of `name` when all are one-line literals (following a chain
/// of single references); `None` otherwise.
fn definition_edits(spec: &Spec, name: &str, new: &str) -> Option<Vec<Replacement>> {
    let mut name = name.to_string();
    for _ in 0..super::macros::MAX_DEPTH {
        let defs: Vec<_> = spec.defines.iter().filter(|d| d.name == name).collect();
        if defs.is_empty() || defs.iter().any(|d| d.parametric) {
            return None;
        }
        if let [only] = defs.as_slice() {
            if let Some(next) = single_reference(&only.body) {
                name = next.to_string();
                continue;
            }
        }
        return defs
            .iter()
            .map(|d| {
                let range = d.single_line.clone().filter(|_| !d.body.contains('%'))?;
                Some(Replacement { range, text: new.to_string() })
            })
            .collect();
    }
    None
}

/// The macro name when `value` is exactly `%name`, `%{name}` or `%{?name}`.
fn single_reference(value: &str) -> Option<&str> {
    let name = value
        .strip_prefix("%{?")
        .or_else(|| value.strip_prefix("%{"))
        .and_then(|v| v.strip_suffix('}'))
        .or_else(|| value.strip_prefix('%'))?;
    let is_word = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_word.then_some(name)
}

/// The insertion of the new `PatchN:` lines (with their comments).
fn patch_block(spec: &Spec, patches: &[NewPatch], digits: Option<usize>) -> Replacement {
    let nl = spec.newline();
    let width = digits.unwrap_or(0);
    let tags: Vec<String> = patches.iter().map(|p| format!("Patch{:0width$}:", p.number)).collect();
    let gap = patch_gap(spec, &tags);
    let anchor = spec.lines[patch_anchor(spec)];
    let mut text = String::new();
    if anchor.next == anchor.end {
        text.push_str(nl);
    }
    for (patch, tag) in patches.iter().zip(&tags) {
        for line in patch.comment.iter().flat_map(|c| c.split('\n')) {
            text.push_str(&comment_line(line.trim_end_matches('\r')));
            text.push_str(nl);
        }
        text.push_str(tag);
        text.push_str(&gap(tag));
        text.push_str(&patch.file);
        text.push_str(nl);
    }
    Replacement { range: anchor.next..anchor.next, text }
}

/// The 0-based line the new Patch block goes after.
fn patch_anchor(spec: &Spec) -> usize {
    let last = |pred: &dyn Fn(&Tag) -> bool| spec.tags.iter().filter(|t| pred(t)).map(|t| t.line).max();
    last(&|t| t.base == "patch")
        .or_else(|| last(&|t| t.base == "source"))
        .or_else(|| last(&|t| t.main && (t.key == "version" || t.key == "release")))
        .map_or(0, |line| outside_conditionals(spec, line))
}

/// `line`, or the `%endif` closing the outermost conditional around it, so new Patch lines
/// are never made conditional by accident.
fn outside_conditionals(spec: &Spec, line: usize) -> usize {
    let directive = |i: usize| {
        let span = spec.lines[i];
        let text = spec.text[span.start..span.end].trim_start();
        if text.starts_with("%if") {
            1
        } else if text.starts_with("%endif") {
            -1
        } else {
            0
        }
    };
    let depth: i32 = (0..=line).map(directive).sum::<i32>().max(0);
    if depth == 0 {
        return line;
    }
    let mut open = depth;
    for i in line + 1..spec.lines.len() {
        open += directive(i);
        if open <= 0 {
            return i;
        }
    }
    line
}

/// The whitespace between a new tag and its file name: the column of the last existing
/// Patch line's value (its own whitespace when that holds a tab), else one space past the
/// longest new tag.
fn patch_gap<'a>(spec: &'a Spec, tags: &[String]) -> impl Fn(&str) -> String + 'a {
    let existing = spec.tags.iter().rfind(|t| t.base == "patch");
    let literal_gap = existing.map(|t| &spec.text[t.gap.clone()]).filter(|g| g.contains('\t'));
    let column = match existing {
        Some(t) => spec.text[spec.lines[t.line].start..t.value.start].chars().count(),
        None => tags.iter().map(String::len).max().unwrap_or(0) + 1,
    };
    move |tag: &str| match literal_gap {
        Some(gap) => gap.to_string(),
        None => " ".repeat(column.saturating_sub(tag.len()).max(1)),
    }
}

/// A comment line: `# text`, text already starting with `#` as is, `#` for empty text.
fn comment_line(text: &str) -> String {
    if text.is_empty() {
        "#".to_string()
    } else if text.starts_with('#') {
        text.to_string()
    } else {
        format!("# {text}")
    }
}

/// The `%changelog` edit: body replaced and/or an entry prepended; a section appended when
/// the spec has none.
fn changelog_edit(spec: &Spec, edits: &SpecEdits) -> Option<Replacement> {
    if edits.changelog_body.is_none() && edits.changelog_entry.is_none() {
        return None;
    }
    let nl = spec.newline();
    let given_body = edits.changelog_body.as_deref().map(|b| with_newline(b, nl));
    let entry = edits.changelog_entry.as_deref().map(|e| with_newline(e, nl));
    let Some(range) = spec.changelog_range() else {
        let end = spec.text.len();
        let mut text = String::new();
        if !spec.text.is_empty() && !spec.text.ends_with('\n') {
            text.push_str(nl);
        }
        text.push_str(&format!("{nl}%changelog{nl}"));
        text.push_str(&prepend(entry, given_body.unwrap_or_default(), nl));
        return Some(Replacement { range: end..end, text });
    };
    let old = given_body.unwrap_or_else(|| spec.text[range.clone()].to_string());
    let mut text = String::new();
    let header_has_ending = spec.text[..range.start].ends_with('\n');
    if !header_has_ending {
        text.push_str(nl);
    }
    text.push_str(&prepend(entry, old, nl));
    Some(Replacement { range, text })
}

/// `entry`, then a blank line and `body` when `body` has any text.
fn prepend(entry: Option<String>, body: String, nl: &str) -> String {
    let Some(entry) = entry else {
        return body;
    };
    let mut out = entry.trim_end_matches(['\r', '\n']).to_string();
    out.push_str(nl);
    if !body.trim().is_empty() {
        out.push_str(nl);
        out.push_str(&body);
    }
    out
}

/// `text` with its line endings turned into `nl` (only when `nl` is CRLF: LF files keep
/// the caller's bytes).
fn with_newline(text: &str, nl: &str) -> String {
    if nl == "\r\n" {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_are_never_doubled() {
        assert_eq!(comment_line("fix x"), "# fix x");
        assert_eq!(comment_line("### Downstream ###"), "### Downstream ###");
        assert_eq!(comment_line("# Author: A"), "# Author: A");
        assert_eq!(comment_line(""), "#");
    }

    #[test]
    fn single_reference_accepts_only_one_plain_macro() {
        assert_eq!(single_reference("%{ver}"), Some("ver"));
        assert_eq!(single_reference("%{?ver}"), Some("ver"));
        assert_eq!(single_reference("%ver"), Some("ver"));
        assert_eq!(single_reference("%{ver}.1"), None);
        assert_eq!(single_reference("%{lua: print(1)}"), None);
        assert_eq!(single_reference("1.2"), None);
    }
}
