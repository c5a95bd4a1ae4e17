//! RPM spec files: reading what the render needs and editing only the lines it owns.
//!
//! [`Spec::parse`] records the preamble tags, `%global`/`%define` definitions, sections and
//! conditionals of a spec without evaluating it; [`Spec::expand`] does the simple macro
//! expansion the render needs (names, versions, source URLs); [`Spec::apply`] rewrites only the
//! `Version:`/`Release:` values, adds `PatchN:` lines and edits `%changelog`, leaving every
//! other byte (comments, spacing, conditionals, CRLF line endings) as it was.

mod edit;
mod macros;
mod parse;

use std::ops::Range;

/// A spec that cannot be read or edited.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{path}{}: {message}", if *line > 0 { format!(":{line}") } else { String::new() })]
pub struct SpecError {
    pub path: String,
    /// 1-based line number (0 when the error is about the whole file).
    pub line: usize,
    pub message: String,
}

/// A parsed spec file; keeps the original text so edits are minimal.
#[derive(Debug, Clone)]
pub struct Spec {
    path: String,
    text: String,
    /// Whether the file's lines end with `\r\n`.
    crlf: bool,
    lines: Vec<parse::LineSpan>,
    tags: Vec<parse::Tag>,
    defines: Vec<parse::Define>,
    sections: Vec<Section>,
}

/// One section of a spec (`%prep`, `%build`, `%package devel`, `%changelog`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The section name without `%` (`prep`, `changelog`, `package`).
    pub name: String,
    /// 1-based line number of the `%name` line.
    pub start_line: usize,
    /// 1-based number of the section's last line.
    pub end_line: usize,
}

/// One existing `PatchN:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchTag {
    /// The number, `None` for a bare `Patch:`.
    pub number: Option<u32>,
    /// The file name (basename of the expanded value).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
}

/// A patch line the render adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPatch {
    pub number: u32,
    pub file: String,
    /// Comment lines written above the tag, without the leading `# `.
    pub comment: Vec<String>,
}

/// The edits the render asks for; `None`/empty means "leave as is".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecEdits {
    pub version: Option<String>,
    pub release: Option<String>,
    /// Number width for new `PatchN` tags (`4` → `Patch0001`).
    pub patch_digits: Option<usize>,
    pub patches: Vec<NewPatch>,
    /// Replace the body of `%changelog` (e.g. with the previous dist-git's).
    pub changelog_body: Option<String>,
    /// An entry prepended to the `%changelog` body, complete with its `* ` header line.
    pub changelog_entry: Option<String>,
}

/// Applies `edits` to `spec`; the same as [`Spec::apply`].
pub fn apply(spec: &Spec, edits: &SpecEdits) -> Result<String, SpecError> {
    spec.apply(edits)
}

impl Spec {
    /// Parses a spec; `path` is used in errors.
    ///
    /// Fails (naming the line) when `Name:` or `Version:` is missing or empty, a preamble tag
    /// has no `:` or no value, or `%if`/`%else`/`%endif` do not balance.
    pub fn parse(path: &str, text: &str) -> Result<Spec, SpecError> {
        parse::parse(path, text)
    }

    /// The path given to [`Spec::parse`].
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The original text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the file uses CRLF line endings (judged by its first line).
    pub fn uses_crlf(&self) -> bool {
        self.crlf
    }

    /// The sections in file order (the preamble before the first section is not one).
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The package name, expanded.
    pub fn name(&self) -> String {
        self.tag_value("name").map(|v| self.expand(v, &[])).unwrap_or_default()
    }

    /// The `Version:` value, expanded.
    pub fn version(&self) -> String {
        self.tag_value("version").map(|v| self.expand(v, &[])).unwrap_or_default()
    }

    /// The `Release:` value as written (e.g. `3%{?dist}` or `%autorelease`).
    pub fn release(&self) -> Option<String> {
        self.tag_value("release").map(str::to_string)
    }

    /// The raw value of the first main-preamble tag called `name` (case-insensitive).
    pub fn tag_value(&self, name: &str) -> Option<&str> {
        self.main_tag(name).map(|t| &self.text[t.value.clone()])
    }

    /// Expands the macros of `s` the way the render needs: `%{name}`, tags as lower-case
    /// macros, `%global`/`%define` values, `%{?foo}`, `%{?foo:bar}`, `%{!?foo:bar}`, `%%`;
    /// unknown macros, `%{lua:…}`, `%(…)` are left as written.
    /// `overrides` (e.g. `("version", "1.2")`) win over the spec's tags and definitions.
    pub fn expand(&self, s: &str, overrides: &[(&str, &str)]) -> String {
        macros::Expander::new(self, overrides).expand(s)
    }

    /// The expanded value of `SourceN` (`Source:` counts as `Source0`).
    pub fn source(&self, n: u32, overrides: &[(&str, &str)]) -> Option<String> {
        let tag = self.tags.iter().find(|t| t.base == "source" && t.number_or_zero() == Some(n))?;
        Some(self.expand(&self.text[tag.value.clone()], overrides))
    }

    /// The file name of `SourceN`: what follows the last `/` of its expanded value, so
    /// `https://x/archive/v1.0.tar.gz#/foo-1.0.tar.gz` gives `foo-1.0.tar.gz`.
    pub fn source_file_name(&self, n: u32, overrides: &[(&str, &str)]) -> Option<String> {
        self.source(n, overrides).map(|v| basename(&v).to_string())
    }

    /// The directory `%setup`/`%autosetup` unpacks into: its `-n` argument expanded, else
    /// `%{name}-%{version}` expanded.
    pub fn setup_dir(&self, overrides: &[(&str, &str)]) -> String {
        let dir = self
            .setup_args()
            .and_then(|args| option_arg(&args, 'n'))
            .unwrap_or_else(|| "%{name}-%{version}".to_string());
        self.expand(&dir, overrides)
    }

    /// The existing `Patch:`/`PatchN:` lines, in file order.
    pub fn patches(&self) -> Vec<PatchTag> {
        self.tags
            .iter()
            .filter(|t| t.base == "patch")
            .map(|t| PatchTag {
                number: t.number(),
                file: basename(&self.expand(&self.text[t.value.clone()], &[])).to_string(),
                line: t.line + 1,
            })
            .collect()
    }

    /// The zero-padded width of the existing numbered Patch tags (`Patch0001` → 4); `None`
    /// when there are none or they are not padded.
    pub fn patch_digits(&self) -> Option<usize> {
        self.tags
            .iter()
            .filter(|t| t.base == "patch" && t.digits.len() > 1 && t.digits.starts_with('0'))
            .map(|t| t.digits.len())
            .max()
    }

    /// Whether `%prep` applies patches with git (`%autosetup -S git`/`-S git_am`, or a
    /// `git am` command), so patch files must be in `git format-patch` form.
    pub fn applies_patches_with_git(&self) -> bool {
        let scm_is_git = self
            .autosetup_args()
            .and_then(|args| option_arg(&args, 'S'))
            .is_some_and(|scm| scm == "git" || scm == "git_am");
        scm_is_git || self.section_lines("prep").any(is_git_am_command)
    }

    /// Whether `Release:` uses rpmautospec's `%autorelease`.
    pub fn uses_autorelease(&self) -> bool {
        self.release().is_some_and(|r| mentions_macro(&r, "autorelease"))
    }

    /// Whether the `%changelog` section uses rpmautospec's `%autochangelog`.
    pub fn uses_autochangelog(&self) -> bool {
        self.changelog_body().is_some_and(|b| mentions_macro(b, "autochangelog"))
    }

    /// The text after the `%changelog` line, to the end of the section (normally EOF).
    pub fn changelog_body(&self) -> Option<&str> {
        self.changelog_range().map(|r| &self.text[r])
    }

    /// Applies `edits` and returns the new text; every line the edits do not own is kept
    /// byte for byte, and `SpecEdits::default()` gives back the input.
    pub fn apply(&self, edits: &SpecEdits) -> Result<String, SpecError> {
        edit::apply(self, edits)
    }

    /// The byte range of the `%changelog` body.
    fn changelog_range(&self) -> Option<Range<usize>> {
        let section = self.sections.iter().find(|s| s.name == "changelog")?;
        let first = self.lines[section.start_line - 1].next;
        let last = self.lines[section.end_line - 1].next;
        Some(first..last)
    }

    /// The first main-preamble tag called `name` (lower case).
    fn main_tag(&self, name: &str) -> Option<&parse::Tag> {
        self.tags.iter().find(|t| t.main && t.key == name)
    }

    /// The content (without line ending) of the lines of the first section called `name`.
    fn section_lines<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let range = self.sections.iter().find(|s| s.name == name).map_or(0..0, |s| s.start_line..s.end_line);
        self.lines[range].iter().map(|l| &self.text[l.start..l.end])
    }

    /// The arguments of the first `%setup`/`%autosetup` line of `%prep`.
    fn setup_args(&self) -> Option<Vec<String>> {
        self.section_lines("prep").find_map(|l| macro_call_args(l, &["setup", "autosetup"]))
    }

    /// The arguments of the first `%autosetup` line of `%prep`.
    fn autosetup_args(&self) -> Option<Vec<String>> {
        self.section_lines("prep").find_map(|l| macro_call_args(l, &["autosetup"]))
    }
}

/// What follows the last `/` of `s`.
fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Whether `text` uses `%name`, `%{name}` or `%{?name}` (followed by a non-word character).
fn mentions_macro(text: &str, name: &str) -> bool {
    ["%", "%{", "%{?", "%?"].iter().any(|prefix| {
        let needle = format!("{prefix}{name}");
        text.match_indices(&needle).any(|(i, _)| {
            let next = text[i + needle.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    })
}

/// Whether a `%prep` line runs `git am`.
fn is_git_am_command(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.windows(2).any(|w| w[0] == "git" && w[1] == "am")
}

/// The whitespace-separated arguments (quotes removed) of a line calling one of `names`
/// (`%setup -q -n foo`, `%{autosetup} -p1`); `None` when the line calls something else.
fn macro_call_args(line: &str, names: &[&str]) -> Option<Vec<String>> {
    let line = line.trim_start();
    let rest = names.iter().find_map(|name| {
        let plain = line.strip_prefix('%')?.strip_prefix(name);
        let braced = line.strip_prefix("%{").and_then(|r| r.strip_prefix(name)).and_then(|r| r.strip_prefix('}'));
        braced.or(plain.filter(|r| r.is_empty() || r.starts_with(char::is_whitespace)))
    })?;
    let args = rest.split_whitespace().map(|w| w.trim_matches(|c| c == '"' || c == '\'')).map(str::to_string).collect();
    Some(args)
}

/// The argument of short option `opt` among `%setup`/`%autosetup` arguments; handles
/// `-n dir`, `-ndir` and bundled flags (`-qn dir`).
fn option_arg(args: &[String], opt: char) -> Option<String> {
    const TAKES_ARG: &str = "abnpSF";
    let mut i = 0;
    while i < args.len() {
        let word = &args[i];
        i += 1;
        let Some(flags) = word.strip_prefix('-').filter(|f| !f.starts_with('-')) else {
            continue;
        };
        for (at, c) in flags.char_indices() {
            if !TAKES_ARG.contains(c) {
                continue;
            }
            let attached = &flags[at + c.len_utf8()..];
            let value = if attached.is_empty() {
                i += 1;
                args.get(i - 1).cloned()
            } else {
                Some(attached.to_string())
            };
            if c == opt {
                return value;
            }
            break;
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
