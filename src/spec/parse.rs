//! Reading a spec into lines, preamble tags, macro definitions and sections, without
//! evaluating its conditionals.

use super::{Section, Spec, SpecError};
use std::ops::Range;

/// One physical line: `start..end` is its content, `end..next` its line ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LineSpan {
    pub start: usize,
    pub end: usize,
    pub next: usize,
}

/// A `Tag: value` line of a preamble (the main one or a `%package`'s).
#[derive(Debug, Clone)]
pub(super) struct Tag {
    /// Lower-case tag name as written, digits included (`source0`, `requires`).
    pub key: String,
    /// Lower-case tag name without its number (`source`).
    pub base: String,
    /// The digits after the name, as written (`0001`), empty for none.
    pub digits: String,
    /// Byte range of the value, without surrounding whitespace.
    pub value: Range<usize>,
    /// Byte range of the whitespace between `:` and the value.
    pub gap: Range<usize>,
    /// 0-based line index.
    pub line: usize,
    /// In the main preamble (not a `%package` one).
    pub main: bool,
}

impl Tag {
    /// The tag number, `None` when unnumbered.
    pub fn number(&self) -> Option<u32> {
        self.digits.parse().ok()
    }

    /// The tag number, unnumbered counting as 0 (`Source:` is `Source0`).
    pub fn number_or_zero(&self) -> Option<u32> {
        if self.digits.is_empty() {
            Some(0)
        } else {
            self.number()
        }
    }
}

/// A `%global`/`%define` definition.
#[derive(Debug, Clone)]
pub(super) struct Define {
    pub name: String,
    /// Defined with `name(opts)`: a parametric macro, never expanded here.
    pub parametric: bool,
    /// The body, continuation backslashes removed (as rpm does).
    pub body: String,
    /// Byte range of the body when it is on one line (the only editable kind).
    pub single_line: Option<Range<usize>>,
    /// Inside an `%if` block.
    pub conditional: bool,
}

/// Section names rpm recognises at the start of a line.
const SECTIONS: &[&str] = &[
    "package",
    "description",
    "prep",
    "generate_buildrequires",
    "conf",
    "build",
    "install",
    "check",
    "clean",
    "files",
    "changelog",
    "pre",
    "post",
    "preun",
    "postun",
    "pretrans",
    "posttrans",
    "preuntrans",
    "postuntrans",
    "verifyscript",
    "triggerprein",
    "triggerin",
    "triggerun",
    "triggerpostun",
    "filetriggerin",
    "filetriggerun",
    "filetriggerpostun",
    "transfiletriggerin",
    "transfiletriggerun",
    "transfiletriggerpostun",
    "sepolicy",
    "sourcelist",
    "patchlist",
];

/// Tags that must be written `Tag: value`; a line starting with one without a colon is an error.
const KNOWN_TAGS: &[&str] = &[
    "name",
    "version",
    "release",
    "epoch",
    "summary",
    "license",
    "url",
    "source",
    "patch",
    "group",
    "buildarch",
    "buildrequires",
    "requires",
    "provides",
    "obsoletes",
    "conflicts",
    "recommends",
    "suggests",
    "exclusivearch",
    "excludearch",
    "vcs",
    "bugurl",
];

/// Splits `text` into lines, keeping each line's ending apart.
pub(super) fn split_lines(text: &str) -> Vec<LineSpan> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let line = match text[start..].find('\n') {
            Some(i) => {
                let nl = start + i;
                let end = if text[start..nl].ends_with('\r') { nl - 1 } else { nl };
                LineSpan { start, end, next: nl + 1 }
            }
            None => LineSpan { start, end: text.len(), next: text.len() },
        };
        start = line.next;
        lines.push(line);
    }
    lines
}

/// Parsing state while walking the lines.
struct Parser<'a> {
    path: &'a str,
    text: &'a str,
    lines: Vec<LineSpan>,
    /// 0-based lines of the open `%if`s.
    open_ifs: Vec<usize>,
    tags: Vec<Tag>,
    defines: Vec<Define>,
    sections: Vec<Section>,
}

/// Parses `text`; see [`Spec::parse`].
pub(super) fn parse(path: &str, text: &str) -> Result<Spec, SpecError> {
    let lines = split_lines(text);
    let crlf = lines.iter().find(|l| l.next > l.end).is_some_and(|l| l.next - l.end == 2);
    let mut parser =
        Parser { path, text, lines, open_ifs: Vec::new(), tags: Vec::new(), defines: Vec::new(), sections: Vec::new() };
    parser.walk()?;
    let spec = Spec {
        path: path.to_string(),
        text: text.to_string(),
        crlf,
        lines: parser.lines,
        tags: parser.tags,
        defines: parser.defines,
        sections: parser.sections,
    };
    check_required(&spec)?;
    Ok(spec)
}

/// `Name:` and `Version:` must be present (emptiness is checked per line).
fn check_required(spec: &Spec) -> Result<(), SpecError> {
    for (tag, label) in [("name", "Name"), ("version", "Version")] {
        if spec.main_tag(tag).is_none() {
            return Err(SpecError {
                path: spec.path.clone(),
                line: 0,
                message: format!("no `{label}:` tag in the preamble; add `{label}: <value>`"),
            });
        }
    }
    Ok(())
}

impl Parser<'_> {
    /// Walks every line, recording what the render needs.
    fn walk(&mut self) -> Result<(), SpecError> {
        let mut i = 0;
        while i < self.lines.len() {
            let line = self.content(i);
            if let Some(name) = section_name(line) {
                self.start_section(name, i);
            } else if self.in_changelog() {
                // Free text: rpm would still read conditionals here, but entries quoting
                // `%if` are more common than real conditionals.
            } else if let Some(last) = self.read_define(i) {
                i = last;
            } else {
                self.read_conditional(i)?;
                if self.in_preamble() {
                    self.read_tag(i)?;
                }
            }
            i += 1;
        }
        self.close();
        match self.open_ifs.last() {
            Some(&open) => Err(self.error(open, "`%if` without `%endif`; add the `%endif`")),
            None => Ok(()),
        }
    }

    /// The content of line `i` without its ending.
    fn content(&self, i: usize) -> &str {
        let l = self.lines[i];
        &self.text[l.start..l.end]
    }

    fn error(&self, i: usize, message: &str) -> SpecError {
        SpecError { path: self.path.to_string(), line: i + 1, message: message.to_string() }
    }

    fn in_changelog(&self) -> bool {
        self.sections.last().is_some_and(|s| s.name == "changelog")
    }

    /// In the main preamble or a `%package` preamble.
    fn in_preamble(&self) -> bool {
        self.sections.last().is_none_or(|s| s.name == "package")
    }

    /// Starts section `name` at 0-based line `i`, ending the previous one before it.
    fn start_section(&mut self, name: &str, i: usize) {
        if let Some(last) = self.sections.last_mut() {
            last.end_line = i;
        }
        self.sections.push(Section { name: name.to_string(), start_line: i + 1, end_line: i + 1 });
    }

    /// Ends the last section at the end of the file.
    fn close(&mut self) {
        if let Some(last) = self.sections.last_mut() {
            last.end_line = self.lines.len();
        }
    }

    /// Tracks `%if`/`%else`/`%endif` nesting.
    fn read_conditional(&mut self, i: usize) -> Result<(), SpecError> {
        let word = directive(self.content(i));
        let open = !self.open_ifs.is_empty();
        match word {
            "%if" | "%ifarch" | "%ifnarch" | "%ifos" | "%ifnos" => self.open_ifs.push(i),
            "%else" | "%elif" | "%elifarch" | "%elifnarch" | "%elifos" | "%elifnos" if !open => {
                let msg = format!("`{word}` without an `%if`; remove it or add the `%if`");
                return Err(self.error(i, &msg));
            }
            "%endif" if !open => {
                return Err(self.error(i, "`%endif` without an `%if`; remove it"));
            }
            "%endif" => {
                self.open_ifs.pop();
            }
            _ => {}
        }
        Ok(())
    }

    /// Records a `%global`/`%define` starting at line `i`; returns its last line.
    fn read_define(&mut self, i: usize) -> Option<usize> {
        let line = self.content(i);
        let word = directive(line);
        if word != "%global" && word != "%define" {
            return None;
        }
        let offset = self.lines[i].start + (line.len() - line.trim_start().len()) + word.len();
        let rest = &self.text[offset..self.lines[i].end];
        let name_at = offset + (rest.len() - rest.trim_start().len());
        let after_word = &self.text[name_at..self.lines[i].end];
        let name_len = after_word.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after_word.len());
        let name = after_word[..name_len].to_string();
        let parametric = after_word[name_len..].starts_with('(');
        let body_from = name_at + name_len;
        let last = self.define_end(i, body_from);
        let (body, single_line) = self.define_body(body_from, i, last, parametric);
        self.defines.push(Define { name, parametric, body, single_line, conditional: !self.open_ifs.is_empty() });
        Some(last)
    }

    /// The last line of a definition starting on line `first`: like rpm, lines are joined
    /// while one ends with `\\` or a `{` opened from byte `from` on is still open.
    fn define_end(&self, first: usize, from: usize) -> usize {
        let mut depth = 0i64;
        let mut last = first;
        let mut text = &self.text[from..self.lines[first].end];
        loop {
            depth += brace_balance(text);
            let continued = text.ends_with('\\') || depth > 0;
            if !continued || last + 1 >= self.lines.len() {
                return last;
            }
            last += 1;
            text = self.content(last);
        }
    }

    /// The body of a definition from byte `from` on line `first` to line `last`.
    fn define_body(&self, from: usize, first: usize, last: usize, parametric: bool) -> (String, Option<Range<usize>>) {
        let mut from = from;
        if parametric {
            let line_end = self.lines[first].end;
            from = self.text[from..line_end].find(')').map_or(line_end, |p| from + p + 1);
        }
        let raw = &self.text[from..self.lines[last].end];
        let trimmed = raw.trim();
        if first == last {
            let start = from + (raw.len() - raw.trim_start().len());
            return (trimmed.to_string(), Some(start..start + trimmed.len()));
        }
        let body = trimmed
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .map(|l| l.strip_suffix('\\').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        (body, None)
    }

    /// Records a `Tag: value` line of a preamble; rejects known tags without `:` or value.
    fn read_tag(&mut self, i: usize) -> Result<(), SpecError> {
        let line = self.content(i);
        let Some(tag) = split_tag(line) else {
            return self.check_colonless(i);
        };
        if tag.value.is_empty() {
            let msg = format!("`{}:` has no value; write `{}: <value>`", tag.name, tag.name);
            return Err(self.error(i, &msg));
        }
        let start = self.lines[i].start;
        let key = tag.name.to_ascii_lowercase();
        let base = key.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
        let digits = key[base.len()..].to_string();
        self.tags.push(Tag {
            key: if digits.is_empty() { base.clone() } else { key },
            base,
            digits,
            value: start + tag.value_at..start + tag.value_at + tag.value.len(),
            gap: start + tag.gap_at..start + tag.value_at,
            line: i,
            main: self.sections.is_empty(),
        });
        Ok(())
    }

    /// A preamble line starting with a known tag name but no `:` is an error.
    fn check_colonless(&self, i: usize) -> Result<(), SpecError> {
        let line = self.content(i).trim_start();
        let word: String = line.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let base = word.to_ascii_lowercase().trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
        let rest = &line[word.len()..];
        let looks_like_tag = rest.is_empty() || rest.starts_with(char::is_whitespace);
        if KNOWN_TAGS.contains(&base.as_str()) && looks_like_tag {
            let msg = format!("`{word}` has no `:`; write `{word}: <value>`");
            return Err(self.error(i, &msg));
        }
        Ok(())
    }
}

/// The parts of a `Tag: value` line.
struct TagLine<'a> {
    name: &'a str,
    /// Byte offset (in the line) of the whitespace after the colon.
    gap_at: usize,
    /// Byte offset (in the line) of the value.
    value_at: usize,
    /// The value without surrounding whitespace.
    value: &'a str,
}

/// Splits `Name: value` / `Requires(post): value`; `None` when the line is not a tag line.
fn split_tag(line: &str) -> Option<TagLine<'_>> {
    let lead = line.len() - line.trim_start().len();
    let body = &line[lead..];
    let name_len = body.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(body.len());
    if name_len == 0 || !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut rest = &body[name_len..];
    if rest.starts_with('(') {
        rest = &rest[rest.find(')')? + 1..];
    }
    let colon_rest = rest.trim_start().strip_prefix(':')?;
    let gap_at = line.len() - colon_rest.len();
    let value = colon_rest.trim();
    let value_at = gap_at + (colon_rest.len() - colon_rest.trim_start().len());
    Some(TagLine { name: &body[..name_len], gap_at, value_at, value })
}

/// The number of `{` minus the number of `}` in `text`.
fn brace_balance(text: &str) -> i64 {
    text.chars()
        .map(|c| match c {
            '{' => 1,
            '}' => -1,
            _ => 0,
        })
        .sum()
}

/// The first word of a line (`%if`, `%global`, ...), empty when the line is blank.
fn directive(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

/// The section a line starts (`%prep` → `prep`), if any.
fn section_name(line: &str) -> Option<&'static str> {
    let word = directive(line).strip_prefix('%')?;
    SECTIONS.iter().copied().find(|s| *s == word)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn split_lines_keeps_endings_apart() {
        let text = "a\r\nbb\n\nc";
        let spans: Vec<_> = split_lines(text).iter().map(|l| (&text[l.start..l.end], &text[l.end..l.next])).collect();
        assert_eq!(spans, [("a", "\r\n"), ("bb", "\n"), ("", "\n"), ("c", "")]);
    }

    #[test]
    fn split_tag_reads_name_gap_and_value() {
        let tag = split_tag("Version:   1.2  ").unwrap();
        assert_eq!((tag.name, tag.gap_at, tag.value_at, tag.value), ("Version", 8, 11, "1.2"));
        let tag = split_tag("Requires(post): systemd").unwrap();
        assert_eq!((tag.name, tag.value), ("Requires", "systemd"));
        assert!(split_tag("%global foo: bar").is_none());
        assert!(split_tag("# Version: 1").is_none());
        assert!(split_tag("Version 1").is_none());
    }

    #[test]
    fn section_name_needs_a_whole_word() {
        assert_eq!(section_name("%package -n foo-devel"), Some("package"));
        assert_eq!(section_name("%files"), Some("files"));
        assert_eq!(section_name("%filesystem"), None);
        assert_eq!(section_name("%{prep}"), None);
    }
}
