//! A credential that never shows itself: `Debug` and `Display` print `***`, and
//! [`redact`] removes it from any text before that text becomes an error message.

use std::fmt;

/// The environment variable the lookaside upload token is read from.
pub const TOKEN_ENV: &str = "DISTGIT_LOOKASIDE_TOKEN";

/// A token for the lookaside upload service.
///
/// Its value is reachable only inside this crate; formatting it in any way prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token; surrounding whitespace (a newline from `$(cat file)`) is removed.
    pub fn new(value: impl Into<String>) -> Self {
        let value: String = value.into();
        Secret(value.trim().to_owned())
    }

    /// The token from `DISTGIT_LOOKASIDE_TOKEN`, or `None` when it is unset, empty or not UTF-8.
    pub fn from_env() -> Option<Self> {
        Self::from_var(std::env::var_os(TOKEN_ENV))
    }

    /// The token in an environment value, as [`Secret::from_env`] reads it.
    pub fn from_var(value: Option<std::ffi::OsString>) -> Option<Self> {
        let secret = Secret::new(value?.into_string().ok()?);
        (!secret.0.is_empty()).then_some(secret)
    }

    /// Whether the token is empty (an empty token is never sent).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value itself: only for the `Authorization` header and for [`redact`].
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `text` with every occurrence of the token replaced by `***`.
pub(crate) fn redact(text: &str, token: Option<&Secret>) -> String {
    match token {
        Some(token) if !token.is_empty() => text.replace(token.expose(), "***"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let secret = Secret::new("s3cr3t-value");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(Secret(***))");
        assert_eq!(secret.expose(), "s3cr3t-value");
    }

    #[test]
    fn environment_value_is_trimmed_and_empty_means_none() {
        assert_eq!(Secret::from_var(Some("tok\n".into())).map(|s| s.0), Some("tok".to_owned()));
        assert!(Secret::from_var(Some("  ".into())).is_none());
        assert!(Secret::from_var(None).is_none());
    }

    #[test]
    fn redact_removes_every_occurrence() {
        let secret = Secret::new("abc123");
        assert_eq!(redact("x abc123 y abc123", Some(&secret)), "x *** y ***");
        assert_eq!(redact("x", Some(&Secret::new(""))), "x");
        assert_eq!(redact("abc123", None), "abc123");
    }
}
