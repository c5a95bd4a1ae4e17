//! The allow-list of `git format-patch` options a package may set.
//!
//! Only options that change the text of a patch are allowed; options that change where or
//! how many files are written (`--stdout`, `-o`, `--cover-letter`, `--numbered-files`, …)
//! or add mail headers (`--to`, `--thread`, …) would break the render and are refused.

use super::load::Invalid;

/// What may follow an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    /// Nothing: `--stat`.
    None,
    /// `=<text>` with any non-empty text: `--signature=<s>`.
    Text,
    /// `=<n>` (long) or `<n>` attached (short): `--unified=5`, `-U5`.
    Number,
    /// Like `Number` but optional: `-M`, `-M50%`, `--find-renames=50%`.
    OptionalSimilarity,
    /// `=<width>[,<name-width>[,<count>]]`.
    StatWidths,
    /// `=` one of git's diff algorithms.
    Algorithm,
}

/// Allowed options and what they take.
const ALLOWED: &[(&str, Arg)] = &[
    ("-N", Arg::None),
    ("--no-numbered", Arg::None),
    ("-n", Arg::None),
    ("--numbered", Arg::None),
    ("--no-signature", Arg::None),
    ("--signature", Arg::Text),
    ("--zero-commit", Arg::None),
    ("-U", Arg::Number),
    ("--unified", Arg::Number),
    ("--stat", Arg::None),
    ("--stat", Arg::StatWidths),
    ("--no-stat", Arg::None),
    ("--summary", Arg::None),
    ("--patience", Arg::None),
    ("--histogram", Arg::None),
    ("--minimal", Arg::None),
    ("--diff-algorithm", Arg::Algorithm),
    ("--no-renames", Arg::None),
    ("-M", Arg::OptionalSimilarity),
    ("--find-renames", Arg::OptionalSimilarity),
    ("-C", Arg::OptionalSimilarity),
    ("--find-copies", Arg::OptionalSimilarity),
    ("--binary", Arg::None),
    ("--no-binary", Arg::None),
    ("--full-index", Arg::None),
    ("--abbrev", Arg::Number),
    ("--no-prefix", Arg::None),
    ("--src-prefix", Arg::Text),
    ("--dst-prefix", Arg::Text),
    ("-k", Arg::None),
    ("--keep-subject", Arg::None),
    ("--subject-prefix", Arg::Text),
    ("-W", Arg::None),
    ("--function-context", Arg::None),
    ("--indent-heuristic", Arg::None),
    ("--no-indent-heuristic", Arg::None),
    ("-s", Arg::None),
    ("--signoff", Arg::None),
    ("--encode-email-headers", Arg::None),
    ("--no-encode-email-headers", Arg::None),
    ("-a", Arg::None),
    ("--text", Arg::None),
    ("--ignore-space-at-eol", Arg::None),
    ("-b", Arg::None),
    ("-w", Arg::None),
    ("--ignore-blank-lines", Arg::None),
];

const ALGORITHMS: &[&str] = &["myers", "minimal", "patience", "histogram"];

/// Checks one `git format-patch` option against the allow-list.
pub fn check(option: &str) -> Result<String, Invalid> {
    if !option.starts_with('-') {
        return Err(refuse("not an option (options start with `-`; write `-U5`, not `-U` `5`)"));
    }
    if ALLOWED.iter().any(|&(name, arg)| matches(option, name, arg)) {
        Ok(option.to_string())
    } else {
        Err(refuse("option not allowed: it does not only change the patch text, or is unknown"))
    }
}

fn refuse(why: &str) -> Invalid {
    Invalid::new(why, accepted())
}

/// Whether `option` is `name` used with the argument form `arg`.
fn matches(option: &str, name: &str, arg: Arg) -> bool {
    let Some(rest) = option.strip_prefix(name) else {
        return false;
    };
    let long = name.starts_with("--");
    let value = if long { rest.strip_prefix('=') } else { Some(rest) };
    match (arg, value) {
        (Arg::None, _) | (Arg::OptionalSimilarity, _) if rest.is_empty() => true,
        (_, None) | (Arg::None, _) => false,
        (Arg::Text, Some(v)) => !v.is_empty(),
        (Arg::Number, Some(v)) => is_number(v),
        (Arg::OptionalSimilarity, Some(v)) => is_similarity(v),
        (Arg::StatWidths, Some(v)) => v.split(',').count() <= 3 && v.split(',').all(is_number),
        (Arg::Algorithm, Some(v)) => ALGORITHMS.contains(&v),
    }
}

fn is_number(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_digit())
}

/// git's similarity index: `50`, `50%`, `.5`, `0.5`.
fn is_similarity(value: &str) -> bool {
    let digits = value.strip_suffix('%').unwrap_or(value);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    !digits.is_empty() && digits != "." && all_digits(int) && all_digits(frac)
}

/// The allowed forms, for error messages.
fn accepted() -> String {
    let forms: Vec<String> = ALLOWED.iter().map(|&(name, arg)| form(name, arg)).collect();
    forms.join(", ")
}

fn form(name: &str, arg: Arg) -> String {
    let eq = if name.starts_with("--") { "=" } else { "" };
    match arg {
        Arg::None => name.to_string(),
        Arg::Text => format!("{name}{eq}<text>"),
        Arg::Number => format!("{name}{eq}<n>"),
        Arg::OptionalSimilarity => format!("{name}[{eq}<n>]"),
        Arg::StatWidths => format!("{name}=<width>[,<name-width>[,<count>]]"),
        Arg::Algorithm => format!("{name}=<{}>", ALGORITHMS.join("|")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_allow_list() {
        for ok in [
            "-N",
            "--no-numbered",
            "-n",
            "--no-signature",
            "--signature=Packit",
            "--zero-commit",
            "-U5",
            "--unified=10",
            "--stat",
            "--stat=80",
            "--stat=80,40,10",
            "--no-stat",
            "--summary",
            "--patience",
            "--histogram",
            "--minimal",
            "--diff-algorithm=histogram",
            "--no-renames",
            "-M",
            "-M50%",
            "-M.5",
            "--find-renames",
            "--find-renames=90%",
            "-C",
            "-C30",
            "--find-copies=40%",
            "--binary",
            "--no-binary",
            "--full-index",
            "--abbrev=12",
            "--no-prefix",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "-k",
            "--keep-subject",
            "--subject-prefix=PATCH foo",
            "-W",
            "--function-context",
            "--indent-heuristic",
            "--no-indent-heuristic",
            "-s",
            "--signoff",
            "--encode-email-headers",
            "--no-encode-email-headers",
            "-a",
            "--text",
            "--ignore-space-at-eol",
            "-b",
            "-w",
            "--ignore-blank-lines",
        ] {
            assert_eq!(check(ok), Ok(ok.to_string()), "{ok}");
        }
    }

    #[test]
    fn refuses_options_that_change_the_output_files() {
        for bad in [
            "--stdout",
            "-o",
            "-odir",
            "--output-directory=x",
            "--cover-letter",
            "--numbered-files",
            "--suffix=.diff",
            "--start-number=3",
            "--filename-max-length=20",
            "--thread",
            "--in-reply-to=x",
            "--base=HEAD",
            "--attach",
            "--inline",
            "--to=a@b",
            "--cc=a@b",
            "--from",
            "--add-header=X: y",
        ] {
            let err = check(bad).unwrap_err();
            assert!(err.why.starts_with("option not allowed"), "{bad}");
        }
    }

    #[test]
    fn refuses_malformed_arguments() {
        for bad in [
            "-U",
            "-Ux",
            "--unified",
            "--unified5",
            "--stat=",
            "--stat=a",
            "--stat=1,2,3,4",
            "--diff-algorithm=fast",
            "--signature=",
            "--signature",
            "-M%",
            "-Mx",
            "--find-renames=",
            "--no-signaturex",
            "-NN",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_values_not_starting_with_a_dash() {
        let err = check("5").unwrap_err();
        assert!(err.why.starts_with("not an option"));
    }

    #[test]
    fn error_lists_the_accepted_forms() {
        let accepted = check("--stdout").unwrap_err().accepted;
        for form in ["-U<n>", "--unified=<n>", "-M[<n>]", "--find-renames[=<n>]", "--stat"] {
            assert!(accepted.contains(form), "{form} in {accepted}");
        }
        assert!(accepted.contains("--diff-algorithm=<myers|minimal|patience|histogram>"));
    }
}
