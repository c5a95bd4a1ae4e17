//! Git's C-style quoting (`quote.c`): git sends `option` values in this form when they hold
//! control characters, quotes or non-ASCII bytes, and it unquotes a push status message that
//! starts with `"`. Only what the helper protocol needs: unquote a value, quote a message.

use std::borrow::Cow;

/// Returns `raw` unquoted if it starts with `"` (git's `quote_c_style`), else unchanged.
///
/// Errors (as the reason to put in an `error` reply) on a bad escape, a missing closing quote,
/// text after it, or bytes that are not UTF-8.
pub(super) fn unquote_if_quoted(raw: &str) -> Result<Cow<'_, str>, String> {
    let Some(body) = raw.strip_prefix('"') else {
        return Ok(Cow::Borrowed(raw));
    };
    let bytes = unquote_body(body.as_bytes())?;
    String::from_utf8(bytes).map(Cow::Owned).map_err(|_| format!("quoted value {raw} is not UTF-8"))
}

/// Decodes the bytes after the opening quote, up to and including the closing one.
fn unquote_body(body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        match rest {
            [] => return Err("quoted value has no closing `\"`".to_string()),
            [b'"'] => return Ok(out),
            [b'"', ..] => return Err("quoted value has text after its closing `\"`".to_string()),
            [b'\\', tail @ ..] => {
                let (byte, used) = unescape(tail)?;
                out.push(byte);
                rest = &tail[used..];
            }
            [byte, tail @ ..] => {
                out.push(*byte);
                rest = tail;
            }
        }
    }
}

/// Decodes one escape (the bytes after a `\`): the byte and how many input bytes it used.
fn unescape(tail: &[u8]) -> Result<(u8, usize), String> {
    let simple = match tail.first() {
        Some(b'a') => 0x07,
        Some(b'b') => 0x08,
        Some(b'f') => 0x0c,
        Some(b'n') => b'\n',
        Some(b'r') => b'\r',
        Some(b't') => b'\t',
        Some(b'v') => 0x0b,
        Some(b'\\') => b'\\',
        Some(b'"') => b'"',
        Some(b'0'..=b'3') => return unescape_octal(tail),
        Some(other) => return Err(format!("quoted value has an unknown escape `\\{}`", char::from(*other))),
        None => return Err("quoted value ends inside an escape".to_string()),
    };
    Ok((simple, 1))
}

/// Decodes `\ooo` (three octal digits, the first 0–3, as git writes them).
fn unescape_octal(tail: &[u8]) -> Result<(u8, usize), String> {
    let digits = tail.get(..3).filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
    let Some(digits) = digits else {
        return Err("quoted value has a bad octal escape (git writes `\\ooo`)".to_string());
    };
    let value = digits.iter().fold(0u8, |acc, d| (acc << 3) | (d - b'0'));
    Ok((value, 3))
}

/// Quotes `text` the way git's `unquote_c_style` reads it, if it would otherwise break the
/// one-line protocol (a control character such as a newline) or be misread (a leading `"`).
/// Other text, non-ASCII included, is returned unchanged.
pub(super) fn quote_if_needed(text: &str) -> Cow<'_, str> {
    if !text.starts_with('"') && !text.chars().any(|c| c.is_ascii_control()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out.push('"');
    Cow::Owned(out)
}

/// Appends `c`, escaped if git's unquoting needs it to be.
fn push_escaped(out: &mut String, c: char) {
    let escape = match c {
        '\u{7}' => "\\a",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\u{b}' => "\\v",
        '\\' => "\\\\",
        '"' => "\\\"",
        c if c.is_ascii_control() => {
            out.push_str(&format!("\\{:03o}", u32::from(c)));
            return;
        }
        c => {
            out.push(c);
            return;
        }
    };
    out.push_str(escape);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_values_pass_through() {
        assert_eq!(unquote_if_quoted("refs/heads/main:abc").unwrap(), "refs/heads/main:abc");
        assert_eq!(unquote_if_quoted("a \"b\" c").unwrap(), "a \"b\" c");
    }

    #[test]
    fn quoted_values_are_decoded_like_git() {
        // What git's quote_c_style writes for `ci.skip "x"\é` with core.quotePath's default.
        assert_eq!(unquote_if_quoted(r#""ci.skip \"x\"\\\303\251""#).unwrap(), "ci.skip \"x\"\\é");
        assert_eq!(unquote_if_quoted(r#""a\tb\nc\a\b\f\r\v""#).unwrap(), "a\tb\nc\u{7}\u{8}\u{c}\r\u{b}");
        assert_eq!(unquote_if_quoted(r#""\001""#).unwrap(), "\u{1}");
    }

    #[test]
    fn malformed_quoting_is_an_error() {
        for (raw, why) in [
            ("\"open", "no closing"),
            ("\"a\"b", "text after"),
            (r#""\q""#, "unknown escape `\\q`"),
            (r#""\4""#, "unknown escape `\\4`"),
            (r#""\19x""#, "bad octal"),
            (r#""\12""#, "bad octal"),
            ("\"\\", "ends inside an escape"),
            (r#""\377""#, "not UTF-8"),
        ] {
            let err = unquote_if_quoted(raw).unwrap_err();
            assert!(err.contains(why), "{raw}: {err}");
        }
    }

    #[test]
    fn quoting_only_when_needed_and_round_trips() {
        assert_eq!(quote_if_needed("plain text, with \\ and \" é"), "plain text, with \\ and \" é");
        for text in ["two\nlines", "\"leading quote", "tab\there", "bell\u{7}", "nul\u{0}esc\u{1b}", "del\u{7f}"] {
            let quoted = quote_if_needed(text);
            assert!(quoted.starts_with('"') && !quoted.contains('\n'), "{quoted}");
            assert_eq!(unquote_if_quoted(&quoted).unwrap(), text);
        }
    }
}
