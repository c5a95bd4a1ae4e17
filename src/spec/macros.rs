//! Simple RPM macro expansion, enough for names, versions, source URLs and `%setup -n`.
//!
//! Rules (checked against `rpmspec -P` from rpm 4.18):
//! * `%%` → `%`.
//! * `%name`, `%{name}`: the caller's overrides first, then main-preamble tags as lower-case
//!   macros (`%{version}`, `%{url}`), then `%global`/`%define` values (an unconditional
//!   definition wins, the last one; else the first one inside an `%if`), expanded recursively
//!   up to [`MAX_DEPTH`] levels.
//! * `%{?foo}` → the value or nothing; `%{?foo:text}` → `text` when defined; `%{!?foo:text}`
//!   → `text` when undefined; `%{!?foo}` → nothing. `%?foo` and `%!?foo` likewise.
//! * `%{?dist}` and other undefined conditionals → nothing.
//! * Anything else — unknown macros, parametric macros, `%{lua:…}`, `%(shell)`, `%[expr]`,
//!   builtins with arguments — is left as written.

use super::Spec;
use std::cell::Cell;

/// How deep definitions may refer to definitions before expansion stops.
pub(super) const MAX_DEPTH: usize = 32;

/// How many macro look-ups one expansion may make, so definitions that double at each
/// level (`%global a %{b}%{b}`) cannot take exponential time.
const MAX_LOOKUPS: usize = 10_000;

/// Expands strings against one spec and a set of overrides.
pub(super) struct Expander<'a> {
    spec: &'a Spec,
    overrides: &'a [(&'a str, &'a str)],
    /// Look-ups left before expansion stops.
    budget: Cell<usize>,
}

/// Where expansion is: how deep, and which tags are being expanded (a tag's own macro means
/// the definition of the same name inside its value, as with `Version: %{version}`).
#[derive(Clone, Copy)]
struct Frame<'f> {
    depth: usize,
    tag: Option<&'f str>,
    outer: Option<&'f Frame<'f>>,
}

impl Frame<'_> {
    fn hides_tag(&self, name: &str) -> bool {
        self.tag == Some(name) || self.outer.is_some_and(|o| o.hides_tag(name))
    }
}

/// A `%{…}` body split into its parts.
struct Braced<'s> {
    negate: bool,
    query: bool,
    name: &'s str,
    /// Text after `:`, or after whitespace (an argument) when `query` is false.
    arg: Option<&'s str>,
}

impl<'a> Expander<'a> {
    pub fn new(spec: &'a Spec, overrides: &'a [(&'a str, &'a str)]) -> Self {
        Expander { spec, overrides, budget: Cell::new(MAX_LOOKUPS) }
    }

    /// Expands every macro of `s` that the rules cover.
    pub fn expand(&self, s: &str) -> String {
        let top = Frame { depth: 0, tag: None, outer: None };
        self.expand_in(s, &top)
    }

    fn expand_in(&self, s: &str, frame: &Frame) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(at) = rest.find('%') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (text, used) = self.expand_one(after, frame);
            out.push_str(&text);
            rest = &after[used..];
        }
        out.push_str(rest);
        out
    }

    /// Expands the macro right after a `%`; returns its replacement and the bytes used.
    fn expand_one(&self, after: &str, frame: &Frame) -> (String, usize) {
        if after.starts_with('%') {
            return ("%".into(), 1);
        }
        if after.starts_with('{') {
            return match closing_brace(after) {
                Some(end) => {
                    let whole = &after[..=end];
                    let text = self.expand_braced(&after[1..end], frame);
                    (text.unwrap_or_else(|| format!("%{whole}")), end + 1)
                }
                None => ("%".into(), 0),
            };
        }
        self.expand_bare(after, frame)
    }

    /// `%name`, `%?name`, `%!?name`.
    fn expand_bare(&self, after: &str, frame: &Frame) -> (String, usize) {
        let flags = after.len() - after.trim_start_matches(['!', '?']).len();
        let name_len = word_len(&after[flags..]);
        if name_len == 0 {
            return ("%".into(), 0);
        }
        let used = flags + name_len;
        let braced = Braced {
            negate: after[..flags].contains('!'),
            query: after[..flags].contains('?'),
            name: &after[flags..used],
            arg: None,
        };
        match self.resolve(&braced, frame) {
            Some(text) => (text, used),
            None => (format!("%{}", &after[..used]), used),
        }
    }

    /// The replacement of `%{inner}`, `None` to leave it as written.
    fn expand_braced(&self, inner: &str, frame: &Frame) -> Option<String> {
        let flags = inner.len() - inner.trim_start_matches(['!', '?']).len();
        let body = &inner[flags..];
        let name_len = word_len(body);
        let arg = match body[name_len..].chars().next() {
            None => None,
            Some(':') => Some(&body[name_len + 1..]),
            Some(c) if c.is_whitespace() => Some(&body[name_len..]),
            Some(_) => return None,
        };
        let braced = Braced {
            negate: inner[..flags].contains('!'),
            query: inner[..flags].contains('?'),
            name: &body[..name_len],
            arg,
        };
        self.resolve(&braced, frame)
    }

    /// Applies the rules to a parsed macro use.
    fn resolve(&self, m: &Braced, frame: &Frame) -> Option<String> {
        if m.name.is_empty() {
            return None;
        }
        if !m.query {
            // `%{!foo}` or a builtin with an argument (`%{lua:…}`, `%{sub …}`).
            return match (m.negate, m.arg) {
                (false, None) => self.lookup(m.name, frame),
                _ => None,
            };
        }
        let value = self.lookup(m.name, frame);
        match (m.arg, m.negate) {
            (Some(arg), negate) if value.is_some() != negate => Some(self.deeper(arg, frame)?),
            (Some(_), _) | (None, true) => Some(String::new()),
            (None, false) => Some(value.unwrap_or_default()),
        }
    }

    /// Expands `s` one level deeper; `None` past [`MAX_DEPTH`].
    fn deeper(&self, s: &str, frame: &Frame) -> Option<String> {
        if frame.depth >= MAX_DEPTH {
            return None;
        }
        let inner = Frame { depth: frame.depth + 1, tag: None, outer: Some(frame) };
        Some(self.expand_in(s, &inner))
    }

    /// The expanded value of macro `name`, `None` when unknown.
    fn lookup(&self, name: &str, frame: &Frame) -> Option<String> {
        if let Some((_, v)) = self.overrides.iter().find(|(k, _)| *k == name) {
            return Some((*v).to_string());
        }
        let budget = self.budget.get();
        if frame.depth >= MAX_DEPTH || budget == 0 {
            return None;
        }
        self.budget.set(budget - 1);
        if !frame.hides_tag(name) {
            if let Some(value) = self.tag_macro(name) {
                let inner = Frame { depth: frame.depth + 1, tag: Some(name), outer: Some(frame) };
                return Some(self.expand_in(value, &inner));
            }
        }
        let body = self.definition(name)?;
        self.deeper(body, frame)
    }

    /// The raw value of the main-preamble tag that defines macro `name`.
    fn tag_macro(&self, name: &str) -> Option<&'a str> {
        let tag = self.spec.tags.iter().find(|t| t.main && t.digits.is_empty() && t.key == name)?;
        Some(&self.spec.text[tag.value.clone()])
    }

    /// The body of the definition of `name` that the rules select.
    fn definition(&self, name: &str) -> Option<&'a str> {
        let defs = || self.spec.defines.iter().filter(|d| d.name == name);
        let chosen = defs().rfind(|d| !d.conditional).or_else(|| defs().next())?;
        (!chosen.parametric).then_some(chosen.body.as_str())
    }
}

/// The length of the macro name at the start of `s`.
fn word_len(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len())
}

/// The index of the `}` closing the `{` that starts `s`.
fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::Spec;

    fn spec(extra: &str) -> Spec {
        let text = format!(
            "%global ver 1.2\n%define foo() x%1\n{extra}Name: demo\nVersion: %{{ver}}\n\
             Release: 1%{{?dist}}\nSummary: s\nLicense: MIT\nURL: https://example.org/%{{name}}\n"
        );
        Spec::parse("t.spec", &text).unwrap()
    }

    /// Expected values are what `rpmspec -P` (rpm 4.18) printed for the same spec.
    #[test]
    fn expands_like_rpmspec() {
        let s = spec("");
        let got = s.expand(
            "%{?ver:has}-%{!?nope:no}-%{?nope:x}-%{?nope}-%nope-%{nope}-%%-%{?dist}-%name-%{!?ver}-%{?ver}",
            &[],
        );
        assert_eq!(got, "has-no---%nope-%{nope}-%--demo--1.2");
        assert_eq!(s.expand("%{url} %{summary} %{license}", &[]), "https://example.org/demo s MIT");
    }

    #[test]
    fn leaves_builtins_and_parametric_macros_as_written() {
        let s = spec("");
        let text = "%{lua: print(\"%{name}\")} %(echo hi) %[1+1] %{foo} %{sub %{name} 1 2} %{_datadir}";
        assert_eq!(s.expand(text, &[]), text);
    }

    #[test]
    fn overrides_win_over_tags_and_definitions() {
        let s = spec("");
        assert_eq!(s.expand("%{name}-%{version}", &[]), "demo-1.2");
        let got = s.expand("%{name}-%{version}-%{ver}", &[("version", "2.0"), ("ver", "9")]);
        assert_eq!(got, "demo-2.0-9");
    }

    #[test]
    fn multi_line_definitions_drop_the_backslashes() {
        let s = spec("%global ml first \\\n  second \\\nthird\n");
        assert_eq!(s.expand("[%{ml}]", &[]), "[first \n  second \nthird]");
    }

    #[test]
    fn recursion_stops_at_the_depth_limit() {
        let s = spec("%global loop a%{loop}\n");
        let got = s.expand("%{loop}", &[]);
        assert!(got.starts_with("aaaa") && got.ends_with("%{loop}"), "{got}");
    }

    #[test]
    fn doubling_definitions_stop_at_the_lookup_budget() {
        let mut defs = String::from("%global m0 x\n");
        for i in 1..40 {
            defs.push_str(&format!("%global m{i} %{{m{}}}%{{m{}}}\n", i - 1, i - 1));
        }
        let s = spec(&defs);
        let got = s.expand("%{m39}", &[]);
        assert!(got.contains("%{m"), "expansion was not cut short");
    }

    #[test]
    fn a_tag_referring_to_its_own_macro_uses_the_definition() {
        let text = "%define version 3.1\nName: x\nVersion: %{version}\n";
        let s = Spec::parse("t.spec", text).unwrap();
        assert_eq!(s.version(), "3.1");
    }

    #[test]
    fn unconditional_definitions_win_then_the_first_conditional_one() {
        let text = "%if 0%{?rhel}\n%global a rhel\n%else\n%global a fedora\n%endif\n\
                    %global b 1\n%global b 2\nName: x\nVersion: %{a}.%{b}\n";
        let s = Spec::parse("t.spec", text).unwrap();
        assert_eq!(s.version(), "rhel.2");
    }

    #[test]
    fn bare_conditionals() {
        let s = spec("");
        assert_eq!(s.expand("a%?ver-%!?ver-%?nope.", &[]), "a1.2--.");
    }
}
