//! Which patches a spec's `%prep` applies, in which order, with which `-p` level — the way
//! rpm (4.18, checked with `rpmbuild -bp`) does it:
//!
//! * Patch numbers: `PatchN:` is N; an unnumbered `Patch:` is one more than the highest number
//!   declared before it (the first one is 0).
//! * `%autosetup` (without `-N`) and `%autopatch` apply the patches in **declaration order**
//!   (the order of the `Patch` lines in the spec, not the numeric order), `-m`/`-M` keeping
//!   only numbers in that range; `%autopatch 3 1 2` applies those numbers in that order.
//! * `%patch N`, `%patch -P N` (also repeated), `%patchN` apply where they stand in `%prep`;
//!   a bare `%patch` is Patch0.
//! * The strip level is the line's `-p` option; `%patch` without one is `-p0` (rpm passes
//!   `-p0`), `%autosetup`/`%autopatch` without one run `patch` without `-p`, which strips to
//!   the file's base name: [`Strip::Unspecified`].
//!
//! `%if` blocks are not evaluated: a `%patch` line inside one counts. Patches applied by other
//! means (a shell loop, `git am`, a custom macro) are not seen.

use crate::spec::Spec;

/// The `-p` level of one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strip {
    /// `-pN` given.
    Level(u32),
    /// No `-p` given to `patch`: it strips to the base name. Applied as `-p1`, else `-p0`.
    Unspecified,
}

/// One patch application in `%prep`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// The patch number.
    pub number: u32,
    /// The patch file name (basename of the expanded `Patch` value).
    pub file: String,
    /// 1-based line of the `Patch` tag.
    pub tag_line: usize,
    pub strip: Strip,
}

/// The spec's `Patch` tags with their rpm numbers, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredPatch {
    pub number: u32,
    pub file: String,
    /// 1-based line of the tag.
    pub line: usize,
}

/// A `%prep` line the reverse cannot follow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepError {
    #[error("{spec}:{line}: `{text}` names Patch{number}, which the spec does not declare")]
    NoSuchPatch { spec: String, line: usize, text: String, number: u32 },
    #[error(
        "{spec}:{line}: `{text}` uses `{option}`, which a source-git commit cannot represent \
         ({why}); apply the patch without it, or convert this package by hand"
    )]
    Unsupported { spec: String, line: usize, text: String, option: String, why: &'static str },
    #[error("{spec}:{line}: `{text}`: bad `{option}` argument `{value}`")]
    BadArgument { spec: String, line: usize, text: String, option: String, value: String },
    #[error("{spec}:{line}: `{text}` applies Patch{number} ({file}) a second time")]
    Twice { spec: String, line: usize, text: String, number: u32, file: String },
    #[error("{spec}: patches listed in `%patchlist` are not supported yet; use `PatchN:` lines")]
    PatchList { spec: String },
}

/// The patches declared by `spec`, numbered as rpm numbers them.
pub fn declared(spec: &Spec) -> Vec<DeclaredPatch> {
    let mut autonum: i64 = -1;
    spec.patches()
        .into_iter()
        .map(|tag| {
            let number = match tag.number {
                Some(n) => {
                    autonum = autonum.max(i64::from(n));
                    n
                }
                None => {
                    autonum += 1;
                    u32::try_from(autonum).unwrap_or(u32::MAX)
                }
            };
            DeclaredPatch { number, file: tag.file, line: tag.line }
        })
        .collect()
}

/// The applications of `%prep`, in the order rpm runs them.
pub fn applications(spec: &Spec) -> Result<Vec<Application>, PrepError> {
    if spec.sections().iter().any(|s| s.name == "patchlist") {
        return Err(PrepError::PatchList { spec: spec.path().into() });
    }
    let declared = declared(spec);
    let mut out: Vec<Application> = Vec::new();
    for (line_no, text) in prep_lines(spec) {
        let at = Site { spec: spec.path(), line: line_no, text: text.trim() };
        let Some((name, args)) = macro_call(text) else { continue };
        let (numbers, strip) = match name {
            "autosetup" => autosetup(&at, &args, &declared)?,
            "autopatch" => autopatch(&at, &args, &declared)?,
            _ => match name.strip_prefix("patch") {
                Some(digits) if digits.chars().all(|c| c.is_ascii_digit()) => patch(&at, digits, &args)?,
                _ => continue,
            },
        };
        for number in numbers {
            let found = declared.iter().find(|d| d.number == number);
            let patch = found.ok_or_else(|| at.no_such(number))?;
            if out.iter().any(|a| a.number == number) {
                return Err(at.twice(number, &patch.file));
            }
            out.push(Application { number, file: patch.file.clone(), tag_line: patch.line, strip });
        }
    }
    Ok(out)
}

/// The 1-based number and text of each line of the first `%prep` section (without `%prep`).
fn prep_lines(spec: &Spec) -> Vec<(usize, &str)> {
    let Some(prep) = spec.sections().iter().find(|s| s.name == "prep") else { return Vec::new() };
    spec.text()
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(n, _)| *n > prep.start_line && *n <= prep.end_line)
        .collect()
}

/// Where a `%prep` line is, for errors.
struct Site<'a> {
    spec: &'a str,
    line: usize,
    text: &'a str,
}

impl Site<'_> {
    fn no_such(&self, number: u32) -> PrepError {
        PrepError::NoSuchPatch { spec: self.spec.into(), line: self.line, text: self.text.into(), number }
    }

    fn twice(&self, number: u32, file: &str) -> PrepError {
        PrepError::Twice { spec: self.spec.into(), line: self.line, text: self.text.into(), number, file: file.into() }
    }

    fn unsupported(&self, option: &str, why: &'static str) -> PrepError {
        PrepError::Unsupported {
            spec: self.spec.into(),
            line: self.line,
            text: self.text.into(),
            option: option.into(),
            why,
        }
    }

    fn bad(&self, option: &str, value: &str) -> PrepError {
        PrepError::BadArgument {
            spec: self.spec.into(),
            line: self.line,
            text: self.text.into(),
            option: option.into(),
            value: value.into(),
        }
    }

    fn number(&self, option: &str, value: &str) -> Result<u32, PrepError> {
        value.parse().map_err(|_| self.bad(option, value))
    }
}

/// `%name args…` or `%{name} args…` at the start of a line: the name and the arguments.
fn macro_call(line: &str) -> Option<(&str, Vec<&str>)> {
    let line = line.trim_start();
    let rest = line.strip_prefix('%')?;
    let (name, args) = match rest.strip_prefix('{') {
        Some(braced) => {
            let (name, after) = braced.split_once('}')?;
            (name, after)
        }
        None => {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        }
    };
    if !args.is_empty() && !args.starts_with(char::is_whitespace) {
        return None;
    }
    Some((name, args.split_whitespace().collect()))
}

/// Splits arguments into options (with their values) and positional words.
/// `with_value` lists the short options that take a value (`-p1` or `-p 1`).
fn getopt<'a>(args: &[&'a str], with_value: &str) -> (Vec<(char, Option<&'a str>)>, Vec<&'a str>) {
    let (mut opts, mut words) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < args.len() {
        let word = args[i];
        i += 1;
        let Some(flags) = word.strip_prefix('-').filter(|f| !f.is_empty() && !f.starts_with('-')) else {
            words.push(word);
            continue;
        };
        for (at, c) in flags.char_indices() {
            if !with_value.contains(c) {
                opts.push((c, None));
                continue;
            }
            let attached = &flags[at + c.len_utf8()..];
            let value = if attached.is_empty() {
                i += 1;
                args.get(i - 1).copied()
            } else {
                Some(attached)
            };
            opts.push((c, value));
            break;
        }
    }
    (opts, words)
}

/// The strip level of `-p` among `opts`.
fn strip_of(at: &Site<'_>, opts: &[(char, Option<&str>)]) -> Result<Option<u32>, PrepError> {
    match opts.iter().rev().find(|(c, _)| *c == 'p') {
        Some((_, value)) => Ok(Some(at.number("-p", value.unwrap_or(""))?)),
        None => Ok(None),
    }
}

/// `%autosetup`: every patch, as `%autopatch` would, unless `-N`.
fn autosetup(at: &Site<'_>, args: &[&str], declared: &[DeclaredPatch]) -> Result<(Vec<u32>, Strip), PrepError> {
    let (opts, _) = getopt(args, "abnpSF");
    if opts.iter().any(|(c, _)| *c == 'N') {
        return Ok((Vec::new(), Strip::Unspecified));
    }
    let strip = strip_of(at, &opts)?.map_or(Strip::Unspecified, Strip::Level);
    Ok((declared.iter().map(|d| d.number).collect(), strip))
}

/// `%autopatch [-p N] [-m N] [-M N] [numbers…]`.
fn autopatch(at: &Site<'_>, args: &[&str], declared: &[DeclaredPatch]) -> Result<(Vec<u32>, Strip), PrepError> {
    let (opts, words) = getopt(args, "pmM");
    let strip = strip_of(at, &opts)?.map_or(Strip::Unspecified, Strip::Level);
    if !words.is_empty() {
        let numbers = words.iter().map(|w| at.number("%autopatch", w)).collect::<Result<_, _>>()?;
        return Ok((numbers, strip));
    }
    let bound = |flag: char| -> Result<Option<u32>, PrepError> {
        let found = opts.iter().rev().find(|(c, _)| *c == flag);
        found.map(|(_, v)| at.number(&format!("-{flag}"), v.unwrap_or(""))).transpose()
    };
    let (lo, hi) = (bound('m')?, bound('M')?);
    let numbers = declared
        .iter()
        .map(|d| d.number)
        .filter(|n| lo.is_none_or(|lo| *n >= lo) && hi.is_none_or(|hi| *n <= hi))
        .collect();
    Ok((numbers, strip))
}

/// `%patchN …`, `%patch N …`, `%patch -P N …`: the numbers and `-p` (default 0).
fn patch(at: &Site<'_>, digits: &str, args: &[&str]) -> Result<(Vec<u32>, Strip), PrepError> {
    let (opts, words) = getopt(args, "bzFdopP");
    for (c, _) in &opts {
        let why = match c {
            'R' => "it applies the patch in reverse, and the render makes forward patches",
            'd' => "it applies the patch in a subdirectory, and the render makes patches from the top",
            'o' => "it writes the result to another file",
            _ => continue,
        };
        return Err(at.unsupported(&format!("-{c}"), why));
    }
    let mut numbers = Vec::new();
    if !digits.is_empty() {
        numbers.push(at.number("%patch", digits)?);
    }
    for (c, value) in &opts {
        if *c == 'P' {
            numbers.push(at.number("-P", value.unwrap_or(""))?);
        }
    }
    for word in &words {
        numbers.push(at.number("%patch", word)?);
    }
    if numbers.is_empty() {
        numbers.push(0);
    }
    Ok((numbers, Strip::Level(strip_of(at, &opts)?.unwrap_or(0))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn spec(preamble: &str, prep: &str) -> Spec {
        let text = format!(
            "Name: foo\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\nSource0: foo-1.0.tar.gz\n{preamble}\n\
             %description\nd\n\n%prep\n{prep}\n%build\n"
        );
        Spec::parse("foo.spec", &text).unwrap()
    }

    fn order(preamble: &str, prep: &str) -> Vec<(u32, Strip)> {
        applications(&spec(preamble, prep)).unwrap().into_iter().map(|a| (a.number, a.strip)).collect()
    }

    fn error(preamble: &str, prep: &str) -> String {
        applications(&spec(preamble, prep)).unwrap_err().to_string()
    }

    const OUT_OF_ORDER: &str = "Patch7: c.patch\nPatch2: a.patch\nPatch: b.patch";

    #[test]
    fn unnumbered_patches_follow_the_highest_number_so_far() {
        let numbers: Vec<u32> = declared(&spec("Patch: z.patch\nPatch7: c.patch\nPatch2: a.patch\nPatch: b.patch", ""))
            .into_iter()
            .map(|d| d.number)
            .collect();
        assert_eq!(numbers, [0, 7, 2, 8]);
    }

    #[test]
    fn autosetup_applies_in_declaration_order() {
        // rpm 4.18: `rpmbuild -bp` of this spec applies c, a, b.
        let l1 = Strip::Level(1);
        assert_eq!(order(OUT_OF_ORDER, "%autosetup -p1"), [(7, l1), (2, l1), (8, l1)]);
        assert_eq!(order(OUT_OF_ORDER, "%{autosetup} -n foo -p 1"), [(7, l1), (2, l1), (8, l1)]);
        assert_eq!(
            order(OUT_OF_ORDER, "%autosetup"),
            [(7, Strip::Unspecified), (2, Strip::Unspecified), (8, Strip::Unspecified)]
        );
        assert!(order(OUT_OF_ORDER, "%autosetup -N -p1").is_empty());
    }

    #[test]
    fn autopatch_ranges_and_lists() {
        let l1 = Strip::Level(1);
        let got = order(OUT_OF_ORDER, "%autosetup -N\n%autopatch -p1 -M 5\n%autopatch -p2 -m 6");
        assert_eq!(got, [(2, l1), (7, Strip::Level(2)), (8, Strip::Level(2))]);
        assert_eq!(order(OUT_OF_ORDER, "%autosetup -N\n%autopatch -p1 8 2"), [(8, l1), (2, l1)]);
    }

    #[test]
    fn patch_lines_apply_where_they_stand() {
        let got = order("Patch0: z.patch", "%setup -q\n%patch0 -p1 -b .z");
        assert_eq!(got, [(0, Strip::Level(1))]);
        let got = order(OUT_OF_ORDER, "%setup -q\n%patch 8\n%patch -P 2 -P7 -p2\n");
        assert_eq!(got, [(8, Strip::Level(0)), (2, Strip::Level(2)), (7, Strip::Level(2))]);
        assert_eq!(order("Patch: z.patch", "%patch -p1"), [(0, Strip::Level(1))]);
        assert_eq!(order("Patch3: z.patch", "%{patch3} -p1 -F 2 -E"), [(3, Strip::Level(1))]);
    }

    #[test]
    fn other_lines_are_ignored() {
        assert!(order(OUT_OF_ORDER, "%setup -q\n%patches_are_not_this\n# %patch 2\ncp %{SOURCE1} .").is_empty());
    }

    #[test]
    fn unsupported_options_and_bad_numbers_are_errors() {
        let e = error(OUT_OF_ORDER, "%setup -q\n%patch -P 2 -R -p1");
        assert!(e.starts_with("foo.spec:15: `%patch -P 2 -R -p1` uses `-R`"), "{e}");
        assert!(error(OUT_OF_ORDER, "%patch 2 -d sub -p1").contains("`-d`"));
        assert!(error(OUT_OF_ORDER, "%patch 3 -p1").contains("names Patch3, which the spec does not declare"));
        assert!(error(OUT_OF_ORDER, "%patch 2 -px").contains("bad `-p` argument `x`"));
        assert!(error(OUT_OF_ORDER, "%autosetup -p1\n%patch 2 -p1").contains("applies Patch2 (a.patch) a second time"));
    }

    #[test]
    fn patchlist_is_refused() {
        let text = "Name: foo\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n\n%patchlist\na.patch\n\n%description\nd\n%prep\n%autosetup -p1\n";
        let e = applications(&Spec::parse("foo.spec", text).unwrap()).unwrap_err();
        assert!(e.to_string().contains("`%patchlist` are not supported"), "{e}");
    }
}
