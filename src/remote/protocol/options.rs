//! `option <name> <value>`: the settings git sends before `list`, `fetch` and `push`, parsed
//! into [`Options`], and the one-line reply git expects (`ok`, `unsupported`, `error <why>`).

use super::cquote;

/// The settings git has sent with `option` so far in this session.
///
/// Git sends `progress` and `verbosity` right after `capabilities`; `cas`, `dry-run`, `atomic`,
/// `force-if-includes` and `push-option` just before each push batch (git dies with "helper …
/// does not support …" if any but `cas` is refused). `cas` and `push_options` therefore hold
/// the values for the next push batch only: the loop clears them after each one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `option dry-run true`: report what a push would do, change nothing anywhere.
    pub dry_run: bool,
    /// `option verbosity <n>`: 0 is quiet (`-q`), 1 the default, each `-v` adds one.
    pub verbosity: i32,
    /// `option progress true|false`: whether progress output is wanted on stderr.
    pub progress: bool,
    /// `option force true`: force every ref (git sends it to `export` helpers; a `push` helper
    /// gets `+` on each forced refspec instead).
    pub force: bool,
    /// `option cas <ref>:<expected>` (`--force-with-lease`), one per leased ref.
    pub cas: Vec<Cas>,
    /// `option atomic true` (`--atomic`): every ref of the batch is updated, or none is.
    pub atomic: bool,
    /// `option push-option <string>` (`-o`/`--push-option`), in order.
    pub push_options: Vec<String>,
    /// `option followtags true`: fetch annotated tags pointing at fetched commits.
    pub followtags: bool,
    /// `option force-if-includes true`. Git itself checks this before sending the push (it
    /// turns a failing ref into "remote ref updated since checkout"), so it is informational.
    pub force_if_includes: bool,
}

impl Default for Options {
    /// Git's defaults: verbosity 1, everything else off.
    fn default() -> Self {
        Options {
            dry_run: false,
            verbosity: 1,
            progress: false,
            force: false,
            cas: Vec::new(),
            atomic: false,
            push_options: Vec::new(),
            followtags: false,
            force_if_includes: false,
        }
    }
}

/// One `--force-with-lease` expectation: push to `dst` only if it currently is `expected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cas {
    /// The remote ref, as in the push refspec's destination (`refs/heads/rawhide`).
    pub dst: String,
    /// The object id `dst` must have, in the helper's view (what `list for-push` reported);
    /// `None` when it must not exist (git sends the all-zero id for that).
    pub expected: Option<String>,
}

/// The reply to one `option` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum OptionReply {
    /// `ok`: the option is known and its value was taken.
    Ok,
    /// `unsupported`: this helper does not know the option.
    Unsupported,
    /// `error <why>`: the option is known but the value is not valid for it.
    Error(String),
}

impl OptionReply {
    /// The reply line, without its newline; `why` kept on one line.
    pub(super) fn line(&self) -> String {
        match self {
            OptionReply::Ok => "ok".to_string(),
            OptionReply::Unsupported => "unsupported".to_string(),
            OptionReply::Error(why) => format!("error {}", cquote::quote_if_needed(why)),
        }
    }
}

/// Stores a parsed value into [`Options`].
type Setter = fn(&mut Options, &str) -> Result<(), String>;

impl Options {
    /// Applies the text after `option ` (`<name> <value>`, the value C-quoted by git when it
    /// needs to be) and says what to reply.
    pub(super) fn apply(&mut self, name_and_value: &str) -> OptionReply {
        let (name, raw) = match name_and_value.split_once(' ') {
            Some((name, raw)) => (name, Some(raw)),
            None => (name_and_value, None),
        };
        let Some(setter) = setter_for(name) else {
            return OptionReply::Unsupported;
        };
        let Some(raw) = raw else {
            return OptionReply::Error(format!("option {name} needs a value"));
        };
        let result = cquote::unquote_if_quoted(raw).and_then(|value| setter(self, &value));
        match result {
            Ok(()) => OptionReply::Ok,
            Err(why) => OptionReply::Error(why),
        }
    }

    /// Forgets the settings that belong to one push batch (`cas`, `push_options`); git sends
    /// them again before the next one.
    pub(super) fn end_push_batch(&mut self) {
        self.cas.clear();
        self.push_options.clear();
    }
}

/// The setter for a supported option name; `None` for every other name (`depth`, `family`,
/// `pushcert`, `check-connectivity`, `cloning`, …).
fn setter_for(name: &str) -> Option<Setter> {
    let setter: Setter = match name {
        "verbosity" => |o, v| {
            o.verbosity = parse_verbosity(v)?;
            Ok(())
        },
        "progress" => |o, v| {
            o.progress = parse_bool(v)?;
            Ok(())
        },
        "dry-run" => |o, v| {
            o.dry_run = parse_bool(v)?;
            Ok(())
        },
        "force" => |o, v| {
            o.force = parse_bool(v)?;
            Ok(())
        },
        "atomic" => |o, v| {
            o.atomic = parse_bool(v)?;
            Ok(())
        },
        "followtags" => |o, v| {
            o.followtags = parse_bool(v)?;
            Ok(())
        },
        "force-if-includes" => |o, v| {
            o.force_if_includes = parse_bool(v)?;
            Ok(())
        },
        "cas" => |o, v| {
            o.cas.push(parse_cas(v)?);
            Ok(())
        },
        "push-option" => |o, v| {
            o.push_options.push(parse_push_option(v)?);
            Ok(())
        },
        _ => return None,
    };
    Some(setter)
}

/// `true` or `false`, exactly as git sends them.
fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("expected `true` or `false`, got `{other}`")),
    }
}

/// A decimal integer.
fn parse_verbosity(value: &str) -> Result<i32, String> {
    value.parse().map_err(|_| format!("expected a whole number, got `{value}`"))
}

/// `<ref>:<expected>`: `<expected>` a full lowercase hex object id, all zeros (or empty) for
/// "must not exist".
fn parse_cas(value: &str) -> Result<Cas, String> {
    let Some((dst, expected)) = value.split_once(':') else {
        return Err(format!("expected `<ref>:<object id>`, got `{value}`"));
    };
    if dst.is_empty() {
        return Err(format!("no ref before `:` in `{value}`"));
    }
    if !expected.is_empty() && !super::is_object_id(expected) {
        return Err(format!("`{expected}` is not a full hex object id"));
    }
    let must_not_exist = expected.bytes().all(|b| b == b'0');
    let expected = (!must_not_exist).then(|| expected.to_string());
    Ok(Cas { dst: dst.to_string(), expected })
}

/// A push option: any text without a newline or NUL (git refuses those too).
fn parse_push_option(value: &str) -> Result<String, String> {
    if value.contains(['\n', '\0']) {
        return Err("a push option cannot contain a newline or NUL".to_string());
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(options: &mut Options, line: &str) -> String {
        options.apply(line).line()
    }

    #[test]
    fn defaults_match_git() {
        let options = Options::default();
        assert_eq!(options.verbosity, 1);
        assert!(!options.dry_run && !options.atomic && options.cas.is_empty());
    }

    #[test]
    fn cas_parsing() {
        let id = "a".repeat(40);
        assert_eq!(
            parse_cas(&format!("refs/heads/f42:{id}")).unwrap(),
            Cas { dst: "refs/heads/f42".into(), expected: Some(id) }
        );
        let sha256 = "b".repeat(64);
        assert_eq!(parse_cas(&format!("refs/heads/x:{sha256}")).unwrap().expected, Some(sha256));
        for must_not_exist in ["refs/heads/new:", &format!("refs/heads/new:{}", "0".repeat(40))] {
            assert_eq!(parse_cas(must_not_exist).unwrap().expected, None, "{must_not_exist}");
        }
    }

    #[test]
    fn end_push_batch_keeps_session_settings() {
        let mut options = Options::default();
        for line in ["dry-run true", "verbosity 3", "cas refs/heads/a:", "push-option x"] {
            assert_eq!(reply(&mut options, line), "ok");
        }
        options.end_push_batch();
        assert!(options.cas.is_empty() && options.push_options.is_empty());
        assert!(options.dry_run);
        assert_eq!(options.verbosity, 3);
    }

    #[test]
    fn error_reply_stays_on_one_line() {
        let mut options = Options::default();
        assert_eq!(reply(&mut options, "progress \"x\\ny\""), r#"error "expected `true` or `false`, got `x\ny`""#);
    }
}
