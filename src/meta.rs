//! Packit patch metadata: commit trailers and the older YAML keys in commit messages.
//!
//! Packit reads metadata from a downstream commit's message in one of two ways:
//!
//! * **Trailers** (`Patch-name`, `Patch-id`, `Patch-status`, `Patch-present-in-specfile`,
//!   `Ignore-patch`, `No-prefix`): Packit runs `git interpret-trailers --only-input
//!   --only-trailers` and loads each of its trailers, with the continuation lines that start
//!   with a space, as YAML (so `Patch-status: |` starts a block scalar). [`trailer_block`]
//!   reproduces git's rules for finding the trailer block.
//! * **Legacy YAML** (`patch_name`, `description`, `present_in_specfile`, `ignore`,
//!   `squash_commits`, `patch_id`, `no_prefix`): Packit loads the message from its first line,
//!   then from its second line, and so on, and takes the first suffix that is a YAML mapping.
//!
//! Values are checked here, once; a bad one is an error naming the commit and the key.

use serde_yaml_ng::{Mapping, Value};
use thiserror::Error;

/// The trailer tokens Packit reads (`PATCH_META_TRAILER_TOKENS`).
const TRAILER_TOKENS: [&str; 6] =
    ["Patch-name", "Patch-id", "Patch-status", "Patch-present-in-specfile", "Ignore-patch", "No-prefix"];

/// The keys of Packit's older YAML metadata.
const LEGACY_KEYS: [&str; 7] =
    ["patch_name", "description", "present_in_specfile", "ignore", "squash_commits", "patch_id", "no_prefix"];

/// Lines git itself writes, which make a paragraph count as trailers more easily.
const GIT_GENERATED_PREFIXES: [&str; 2] = ["Signed-off-by: ", "(cherry picked from commit "];

/// Where a commit's metadata came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaStyle {
    /// No Packit metadata.
    None,
    /// At least one Packit trailer in the message's trailer block.
    Trailers,
    /// Packit's older YAML keys in the message body.
    Legacy,
}

/// The Packit metadata of one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchMeta {
    /// Where the values came from.
    pub style: MetaStyle,
    /// `Patch-name` / `patch_name`: the patch file name.
    pub name: Option<String>,
    /// `Patch-id` / `patch_id`: the number of the spec's `PatchN` line.
    pub id: Option<u32>,
    /// `Patch-status` / `description`: the comment above the spec's `PatchN` line.
    pub status: Option<String>,
    /// `Patch-present-in-specfile` / `present_in_specfile`: the spec already lists the patch.
    pub present_in_spec: bool,
    /// `Ignore-patch` / `ignore`: make no patch of this commit.
    pub ignore: bool,
    /// `No-prefix` / `no_prefix`: make the patch without the `a/` and `b/` prefixes.
    pub no_prefix: bool,
    /// Legacy `squash_commits`: this commit closes a patch file of several commits.
    pub squash_commits: bool,
    /// The message body holds a YAML mapping, with or without Packit keys (what Packit calls
    /// `metadata_defined` in legacy mode; it matters for `squash_commits`).
    pub yaml_mapping: bool,
}

impl PatchMeta {
    fn empty() -> Self {
        PatchMeta {
            style: MetaStyle::None,
            name: None,
            id: None,
            status: None,
            present_in_spec: false,
            ignore: false,
            no_prefix: false,
            squash_commits: false,
            yaml_mapping: false,
        }
    }

    /// Whether Packit would consider this commit to carry metadata at all.
    pub fn defined(&self) -> bool {
        self.style != MetaStyle::None || self.yaml_mapping
    }
}

/// Bad patch metadata in a commit message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetaError {
    /// A Packit trailer that is not valid YAML.
    #[error(
        "commit {commit}: the `{key}` trailer is not valid YAML ({reason}): `{text}`; \
         trailer values are YAML: quote a value holding `: ` or `#` (`{key}: \"…\"`), and write \
         a multi-line value as a block (`{key}: |` then lines indented by two spaces)"
    )]
    BadYaml { commit: String, key: String, text: String, reason: String },
    /// A metadata value of the wrong type or range.
    #[error("commit {commit}: `{key}: {value}` is not accepted; {expected}")]
    BadValue { commit: String, key: String, value: String, expected: String },
}

/// Reads the Packit metadata of the commit `commit_id` from its `message`.
///
/// Packit trailers win over legacy YAML keys when a message has both.
pub fn parse(commit_id: &str, message: &str) -> Result<PatchMeta, MetaError> {
    let commit = short_id(commit_id);
    let trailers = packit_trailers(message);
    let mapping = find_yaml_mapping(message).map(|(_, mapping)| mapping);
    let mut meta = if trailers.is_empty() {
        match &mapping {
            Some(mapping) => legacy_meta(commit, mapping)?,
            None => PatchMeta::empty(),
        }
    } else {
        trailer_meta(commit, &trailers)?
    };
    meta.yaml_mapping = mapping.is_some();
    Ok(meta)
}

/// The message without its metadata, trailing whitespace trimmed.
///
/// With Packit trailers, the whole trailer block goes (other trailers such as
/// `Signed-off-by` with it, as Packit strips them from the patch comment) and so does
/// everything after it; with legacy keys, the YAML mapping from its first line on goes.
/// A message without Packit metadata comes back unchanged.
pub fn message_without_metadata(message: &str) -> String {
    if !packit_trailers(message).is_empty() {
        if let Some((start, _)) = trailer_block(message) {
            return message[..start].trim_end().to_string();
        }
    }
    match find_yaml_mapping(message) {
        Some((start, mapping)) if has_legacy_key(&mapping) => message[..start].trim_end().to_string(),
        _ => message.trim_end().to_string(),
    }
}

/// The text Packit puts above the `PatchN` line of a trailer-style commit that has no
/// `Patch-status`: the subject (the first paragraph on one line, as `git format-patch`
/// writes it), an empty line and the body, without the trailer block and without anything
/// after a `---` line.
pub fn packit_description(message: &str) -> String {
    let end = divider_position(message);
    let log = &message[..end];
    let body_end = trailer_block(log).map_or(log.len(), |(start, _)| start);
    let (subject, body) = split_subject(&log[..body_end]);
    let body = body.trim();
    if body.is_empty() {
        subject.trim().to_string()
    } else {
        format!("{subject}\n\n{body}").trim().to_string()
    }
}

/// The first 12 characters of a commit id, for messages.
pub fn short_id(commit_id: &str) -> &str {
    commit_id.get(..12).unwrap_or(commit_id)
}

/// Splits a message into its subject (the first paragraph joined with spaces, each line's
/// trailing whitespace dropped, as git's `format_subject`) and the rest.
fn split_subject(message: &str) -> (String, &str) {
    let mut subject: Vec<&str> = Vec::new();
    let mut rest = "";
    for line in lines_of(message) {
        let text = line.text.trim_end();
        if text.is_empty() {
            rest = &message[line.start..];
            break;
        }
        subject.push(text);
    }
    (subject.join(" "), rest)
}

/// One line of a message: its byte offset and its text without the newline.
struct Line<'a> {
    start: usize,
    text: &'a str,
}

/// The lines of `s`; a final line without a newline counts, an empty tail does not.
fn lines_of(s: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < s.len() {
        let end = s[start..].find('\n').map_or(s.len(), |i| start + i);
        lines.push(Line { start, text: &s[start..end] });
        start = end + 1;
    }
    lines
}

fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_whitespace())
}

fn starts_with_space(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_whitespace())
}

/// git's `find_separator`: the position of the `:` ending a `Token:` (letters, digits and
/// `-`, then optional blanks), if the line starts with one.
fn find_separator(line: &str) -> Option<usize> {
    let mut whitespace_found = false;
    for (i, c) in line.bytes().enumerate() {
        if c == b':' {
            return Some(i);
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    None
}

fn is_trailer_line(text: &str) -> bool {
    find_separator(text).is_some_and(|pos| pos >= 1) && !starts_with_space(text)
}

/// Where git's log message ends: before the first `---` divider line.
fn divider_position(message: &str) -> usize {
    for line in lines_of(message) {
        let after = &message[line.start + 3.min(line.text.len())..];
        let divider = line.text.starts_with("---") && after.bytes().next().is_some_and(|b| b.is_ascii_whitespace());
        if divider {
            return line.start;
        }
    }
    message.len()
}

/// Where git's log message ends for trailer parsing: before the divider and before the
/// trailing blank and `#` comment lines.
fn log_message_end(message: &str) -> usize {
    let end = divider_position(message);
    let mut trailing_start = None;
    for line in lines_of(&message[..end]) {
        if line.text.starts_with('#') || is_blank(line.text) {
            trailing_start.get_or_insert(line.start);
        } else {
            trailing_start = None;
        }
    }
    trailing_start.unwrap_or(end)
}

/// git's `find_trailer_block_start`: the byte range of the message's trailer block, if the
/// last paragraph (never the first) is all trailers, or has a git-generated one and at
/// least 25% trailers. Continuation lines (starting with a blank) count with their trailer.
pub fn trailer_block(message: &str) -> Option<(usize, usize)> {
    let end = log_message_end(message);
    let lines = lines_of(&message[..end]);
    let title_end = lines
        .iter()
        .filter(|line| !line.text.starts_with('#'))
        .find(|line| is_blank(line.text))
        .map_or(end, |line| line.start);
    let mut count = BlockCount::default();
    for line in lines.iter().rev().take_while(|line| line.start >= title_end) {
        if let Some(found) = count.step(line.text) {
            return found.then_some((line.start + line.text.len() + 1, end));
        }
    }
    None
}

/// The counters of git's backward scan for the trailer block.
#[derive(Default)]
struct BlockCount {
    seen_text: bool,
    recognized_prefix: bool,
    trailer_lines: usize,
    non_trailer_lines: usize,
    possible_continuations: usize,
}

impl BlockCount {
    /// Takes one line, last first; `Some(is_block)` once the paragraph's blank line is met.
    fn step(&mut self, text: &str) -> Option<bool> {
        if text.starts_with('#') {
            self.non_trailer_lines += std::mem::take(&mut self.possible_continuations);
            return None;
        }
        if is_blank(text) {
            if !self.seen_text {
                return None;
            }
            self.non_trailer_lines += self.possible_continuations;
            let mostly = self.recognized_prefix && self.trailer_lines * 3 >= self.non_trailer_lines;
            let only = self.trailer_lines > 0 && self.non_trailer_lines == 0;
            return Some(mostly || only);
        }
        self.seen_text = true;
        if GIT_GENERATED_PREFIXES.iter().any(|p| text.starts_with(p)) {
            self.trailer_lines += 1;
            self.recognized_prefix = true;
        } else if is_trailer_line(text) {
            self.trailer_lines += 1;
            self.possible_continuations = 0;
        } else if starts_with_space(text) {
            self.possible_continuations += 1;
        } else {
            self.non_trailer_lines += 1 + std::mem::take(&mut self.possible_continuations);
        }
        None
    }
}

/// The `(token, value)` trailers of the message, as `git interpret-trailers --only-trailers`
/// prints them: token and value trimmed, continuation lines kept in the value.
fn git_trailers(message: &str) -> Vec<(String, String)> {
    let Some((start, end)) = trailer_block(message) else {
        return Vec::new();
    };
    let mut items: Vec<String> = Vec::new();
    let mut last_is_trailer = false;
    for line in lines_of(&message[start..end]) {
        match items.last_mut() {
            Some(last) if last_is_trailer && starts_with_space(line.text) => {
                last.push('\n');
                last.push_str(line.text);
            }
            _ => {
                items.push(line.text.to_string());
                last_is_trailer = find_separator(line.text).is_some_and(|pos| pos >= 1);
            }
        }
    }
    items
        .iter()
        .filter(|item| !item.starts_with('#'))
        .filter_map(|item| {
            let pos = find_separator(item).filter(|pos| *pos >= 1)?;
            Some((item[..pos].trim().to_string(), item[pos + 1..].trim().to_string()))
        })
        .collect()
}

/// Packit's trailers, each as `(token, YAML text)`: the trailer line plus its following
/// lines up to the first one that does not start with a space (Packit drops the rest).
fn packit_trailers(message: &str) -> Vec<(String, String)> {
    git_trailers(message)
        .into_iter()
        .filter(|(token, _)| TRAILER_TOKENS.contains(&token.as_str()))
        .map(|(token, value)| {
            let mut lines = value.split('\n');
            let mut text = format!("{token}: {}\n", lines.next().unwrap_or(""));
            for line in lines.take_while(|line| line.starts_with(' ')) {
                text.push_str(line);
                text.push('\n');
            }
            (token, text)
        })
        .collect()
}

/// Builds the metadata from Packit trailers (later trailers override earlier ones).
fn trailer_meta(commit: &str, trailers: &[(String, String)]) -> Result<PatchMeta, MetaError> {
    let mut meta = PatchMeta::empty();
    meta.style = MetaStyle::Trailers;
    for (token, text) in trailers {
        let value = trailer_value(commit, token, text)?;
        let field = Field { commit, key: token, raw: text.split_once(": ").map_or("", |(_, raw)| raw).trim() };
        match token.as_str() {
            "Patch-name" => meta.name = field.name(&value)?,
            "Patch-id" => meta.id = field.number(&value)?,
            "Patch-status" => meta.status = field.text(&value)?,
            "Patch-present-in-specfile" => meta.present_in_spec = field.flag(&value)?,
            "Ignore-patch" => meta.ignore = field.flag(&value)?,
            _ => meta.no_prefix = field.flag(&value)?,
        }
    }
    Ok(meta)
}

/// Loads one trailer's YAML text and returns the value of its token.
fn trailer_value(commit: &str, token: &str, text: &str) -> Result<Value, MetaError> {
    let bad = |reason: String| MetaError::BadYaml {
        commit: commit.to_string(),
        key: token.to_string(),
        text: text.trim_end().to_string(),
        reason,
    };
    let parsed: Value = serde_yaml_ng::from_str(text).map_err(|e| bad(e.to_string()))?;
    match parsed {
        Value::Mapping(mapping) if mapping.len() == 1 => {
            mapping.get(token).cloned().ok_or_else(|| bad("the token is not the mapping's key".into()))
        }
        _ => Err(bad("it is not a single `key: value`".into())),
    }
}

/// Packit's legacy lookup: the first suffix of the message, line by line, that loads as a
/// YAML mapping, with the byte offset where it starts.
fn find_yaml_mapping(message: &str) -> Option<(usize, Mapping)> {
    let mut start = 0;
    loop {
        if let Ok(Value::Mapping(mapping)) = serde_yaml_ng::from_str::<Value>(&message[start..]) {
            return Some((start, mapping));
        }
        start += message[start..].find('\n')? + 1;
    }
}

fn has_legacy_key(mapping: &Mapping) -> bool {
    LEGACY_KEYS.iter().any(|key| mapping.contains_key(*key))
}

/// Builds the metadata from the legacy YAML keys of `mapping`.
fn legacy_meta(commit: &str, mapping: &Mapping) -> Result<PatchMeta, MetaError> {
    let mut meta = PatchMeta::empty();
    if !has_legacy_key(mapping) {
        return Ok(meta);
    }
    meta.style = MetaStyle::Legacy;
    for key in LEGACY_KEYS {
        let Some(value) = mapping.get(key) else {
            continue;
        };
        let raw = yaml_text(value);
        let field = Field { commit, key, raw: &raw };
        match key {
            "patch_name" => meta.name = field.name(value)?,
            "description" => meta.status = field.text(value)?,
            "present_in_specfile" => meta.present_in_spec = field.flag(value)?,
            "ignore" => meta.ignore = field.flag(value)?,
            "squash_commits" => meta.squash_commits = field.flag(value)?,
            "patch_id" => meta.id = field.number(value)?,
            _ => meta.no_prefix = field.flag(value)?,
        }
    }
    Ok(meta)
}

/// A value as YAML text, for error messages.
fn yaml_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => serde_yaml_ng::to_string(other).map(|s| s.trim().to_string()).unwrap_or_else(|_| format!("{other:?}")),
    }
}

/// One metadata key being converted, with what an error needs to say.
struct Field<'a> {
    commit: &'a str,
    key: &'a str,
    raw: &'a str,
}

/// YAML 1.1 booleans PyYAML (Packit) accepts beyond `true`/`false`.
const YAML11_TRUE: [&str; 6] = ["yes", "Yes", "YES", "on", "On", "ON"];
const YAML11_FALSE: [&str; 6] = ["no", "No", "NO", "off", "Off", "OFF"];

impl Field<'_> {
    fn error(&self, expected: &str) -> MetaError {
        MetaError::BadValue {
            commit: self.commit.to_string(),
            key: self.key.to_string(),
            value: self.raw.to_string(),
            expected: expected.to_string(),
        }
    }

    /// A boolean; empty (null) is false.
    fn flag(&self, value: &Value) -> Result<bool, MetaError> {
        match value {
            Value::Bool(b) => Ok(*b),
            Value::Null => Ok(false),
            Value::String(s) if YAML11_TRUE.contains(&s.as_str()) => Ok(true),
            Value::String(s) if YAML11_FALSE.contains(&s.as_str()) => Ok(false),
            _ => Err(self.error("write `true` or `false`")),
        }
    }

    /// A patch number: a non-negative decimal integer.
    fn number(&self, value: &Value) -> Result<Option<u32>, MetaError> {
        const EXPECTED: &str = "write a whole number from 0 to 4294967295, e.g. `5`";
        let digits = self.raw.trim_start_matches('+');
        if digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error("write the number without leading zeros (Packit reads `010` as octal 8)"));
        }
        match value {
            Value::Null => Ok(None),
            Value::Number(n) => {
                let number = n.as_u64().and_then(|n| u32::try_from(n).ok());
                number.map(Some).ok_or_else(|| self.error(EXPECTED))
            }
            _ => Err(self.error(EXPECTED)),
        }
    }

    /// Free text; empty (null) is none.
    fn text(&self, value: &Value) -> Result<Option<String>, MetaError> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(self.error("write text (quote it if YAML reads it as another type)")),
        }
    }

    /// A patch file name: a string; empty (null) is none. Its form is checked by the render.
    fn name(&self, value: &Value) -> Result<Option<String>, MetaError> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(self
                .error("write a file name such as `0001-fix.patch`; quote it if YAML reads it as a number or boolean")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "meta_tests.rs"]
mod tests;
