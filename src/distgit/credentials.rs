//! HTTP(S) credentials for dist-git, read from `DISTGIT_HTTP_USERNAME` and
//! `DISTGIT_HTTP_PASSWORD` (a password or an API token) and handed to both network paths
//! without ever reaching a command line, a log or an error message:
//!
//! * the fetch (gix) gets them through a credential callback on the connection
//!   ([`HttpCredentials::gix_authenticate`]), only when the server answers `401`;
//! * `git push` gets them through `GIT_ASKPASS` pointing at our own binary, which answers git's
//!   `Username for …`/`Password for …` prompts from its environment ([`askpass_main`]).
//!
//! The username may also come from the URL (`https://packager@host/…`); a password in a URL is
//! never shown ([`redact_url`]).

use crate::lookaside::Secret;
use std::ffi::OsString;
use std::process::{Command, ExitCode};

/// The variable the dist-git HTTP username is read from.
pub const USERNAME_ENV: &str = "DISTGIT_HTTP_USERNAME";
/// The variable the dist-git HTTP password (or token) is read from.
pub const PASSWORD_ENV: &str = "DISTGIT_HTTP_PASSWORD";
/// Set (to `1`) on `git push` children: our binary, run by git as `GIT_ASKPASS`, then answers
/// the prompt instead of acting as a remote helper.
pub const ASKPASS_ENV: &str = "GIT_DISTGIT_ASKPASS";

/// A username and a password that never shows itself (`Debug` prints `***`).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpCredentials {
    pub username: String,
    password: Secret,
}

impl std::fmt::Debug for HttpCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCredentials").field("username", &self.username).field("password", &"***").finish()
    }
}

impl HttpCredentials {
    /// The credentials for `url` from the environment: `None` unless the password is set and a
    /// username is known (from [`USERNAME_ENV`] or the URL).
    pub fn from_env(url: &str) -> Option<Self> {
        Self::from_vars(std::env::var_os(USERNAME_ENV), std::env::var_os(PASSWORD_ENV), url)
    }

    /// As [`HttpCredentials::from_env`], with the variables' values given.
    pub fn from_vars(username: Option<OsString>, password: Option<OsString>, url: &str) -> Option<Self> {
        let password = Secret::from_var(password)?;
        let username = username
            .and_then(|u| u.into_string().ok())
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .or_else(|| url_username(url))?;
        Some(HttpCredentials { username, password })
    }

    /// `text` with the password replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        match self.password.expose() {
            "" => text.to_owned(),
            password => text.replace(password, "***"),
        }
    }

    /// Sets up `cmd` (a `git push`) to get these credentials from our own binary as
    /// `GIT_ASKPASS`, through its environment, never its arguments.
    pub fn set_askpass(&self, cmd: &mut Command) -> std::io::Result<()> {
        cmd.env("GIT_ASKPASS", std::env::current_exe()?)
            .env(ASKPASS_ENV, "1")
            .env(USERNAME_ENV, &self.username)
            .env(PASSWORD_ENV, self.password.expose())
            .env_remove("SSH_ASKPASS");
        Ok(())
    }

    /// The gix account for these credentials.
    pub(crate) fn account(&self) -> gix::sec::identity::Account {
        gix::sec::identity::Account {
            username: self.username.clone(),
            password: self.password.expose().to_owned(),
            oauth_refresh_token: None,
        }
    }
}

/// What a gix credential callback saw during one connection.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AuthLog {
    /// The server asked for credentials.
    pub asked: bool,
    /// The server refused the credentials it was given.
    pub rejected: bool,
    /// Credentials were withheld: plain `http://` to another machine.
    pub cleartext_refused: bool,
}

/// Whether credentials for `url` must not be sent: plain `http://` to a host other than this
/// machine (`localhost`, `127.0.0.1`, `::1`), where anyone on the way could read them.
pub fn cleartext_refused(url: &str) -> bool {
    if !url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://")) {
        return false;
    }
    let authority = url[7..].split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let loopback = host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    !(loopback || host.eq_ignore_ascii_case("localhost"))
}

/// A gix credential callback answering with `credentials` (none: the server's request is
/// refused) and recording what happened in `log`.
pub(crate) fn gix_authenticate<'a>(
    credentials: Option<&'a HttpCredentials>,
    log: &'a std::cell::Cell<AuthLog>,
) -> impl FnMut(gix::credentials::helper::Action) -> gix::Result<Option<gix::credentials::protocol::Outcome>> + 'a {
    use gix::credentials::helper::Action;
    move |action| {
        let mut seen = log.get();
        let answer = match action {
            Action::Get(ctx) => {
                seen.asked = true;
                let url = ctx.url.as_ref().map(|u| u.to_string()).unwrap_or_default();
                seen.cleartext_refused = credentials.is_some() && cleartext_refused(&url);
                credentials
                    .filter(|_| !seen.cleartext_refused)
                    .map(|c| gix::credentials::protocol::Outcome { identity: c.account(), next: ctx.into() })
            }
            Action::Erase(_) => {
                seen.rejected = true;
                None
            }
            Action::Store(_) => None,
        };
        log.set(seen);
        Ok(answer)
    }
}

/// Whether `url` is fetched and pushed over HTTP(S).
pub fn is_http(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The userinfo of a URL (`scheme://userinfo@host/…`), if any.
fn userinfo(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let authority_end = url[start..].find('/').map_or(url.len(), |i| start + i);
    let at = url[start..authority_end].rfind('@')? + start;
    Some((start, at))
}

/// `https://user:pw@host/x` → `user`.
fn url_username(url: &str) -> Option<String> {
    let (start, at) = userinfo(url)?;
    let user = url[start..at].split(':').next().unwrap_or_default();
    (!user.is_empty()).then(|| user.to_owned())
}

/// `text` with the password in `url` (if any) and the one in [`PASSWORD_ENV`] replaced by `***`.
pub fn scrub(text: &str, url: &str) -> String {
    let mut text = text.to_owned();
    if let Some(password) = url_password(url) {
        text = text.replace(password, "***");
    }
    if let Some(password) = Secret::from_var(std::env::var_os(PASSWORD_ENV)) {
        text = text.replace(password.expose(), "***");
    }
    text
}

/// `https://user:pw@host/x` → `pw`.
fn url_password(url: &str) -> Option<&str> {
    let (start, at) = userinfo(url)?;
    url[start..at].split_once(':').map(|(_, p)| p).filter(|p| !p.is_empty())
}

/// `url` with any password in it replaced by `***` (`https://user:***@host/x`).
pub fn redact_url(url: &str) -> String {
    match userinfo(url) {
        Some((start, at)) => match url[start..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..start], &url[at..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Entry point of our binary when git runs it as `GIT_ASKPASS <prompt>`: prints the username
/// or password asked for. `None` when not running as askpass (no [`ASKPASS_ENV`]).
pub fn askpass_main() -> Option<ExitCode> {
    std::env::var_os(ASKPASS_ENV)?;
    let prompt = std::env::args().nth(1).unwrap_or_default();
    match askpass_answer(&prompt, std::env::var_os(USERNAME_ENV), std::env::var_os(PASSWORD_ENV)) {
        Some(answer) => {
            println!("{answer}");
            Some(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("distgit: no answer to git's prompt {prompt:?}: set {USERNAME_ENV} and {PASSWORD_ENV}");
            Some(ExitCode::FAILURE)
        }
    }
}

/// The answer to git's `Username for '…': ` or `Password for '…': ` prompt.
fn askpass_answer(prompt: &str, username: Option<OsString>, password: Option<OsString>) -> Option<String> {
    let value = if prompt.starts_with("Username") {
        username
    } else if prompt.starts_with("Password") {
        password
    } else {
        None
    };
    value?.into_string().ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Option<OsString> {
        Some(s.into())
    }

    #[test]
    fn credentials_need_a_password_and_a_username() {
        let url = "https://src.example.org/rpms/foo.git";
        let c = HttpCredentials::from_vars(os("packager"), os("pw\n"), url).unwrap();
        assert_eq!((c.username.as_str(), c.account().password.as_str()), ("packager", "pw"));
        assert_eq!(HttpCredentials::from_vars(os("packager"), None, url), None);
        assert_eq!(HttpCredentials::from_vars(os("packager"), os(""), url), None);
        assert_eq!(HttpCredentials::from_vars(None, os("pw"), url), None);
        let from_url = HttpCredentials::from_vars(None, os("pw"), "https://me@host/rpms/foo.git").unwrap();
        assert_eq!(from_url.username, "me");
    }

    #[test]
    fn the_password_is_never_formatted() {
        let c = HttpCredentials::from_vars(os("u"), os("hunter22"), "https://h/x").unwrap();
        assert!(!format!("{c:?}").contains("hunter22"));
        assert_eq!(c.redact("bad hunter22 here"), "bad *** here");
    }

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(redact_url("https://u:hunter22@h:8443/rpms/x.git"), "https://u:***@h:8443/rpms/x.git");
        assert_eq!(redact_url("https://u@h/x"), "https://u@h/x");
        assert_eq!(redact_url("https://h/a@b"), "https://h/a@b");
        assert_eq!(redact_url("/srv/x.git"), "/srv/x.git");
        assert_eq!(url_username("https://u:p@h/x").as_deref(), Some("u"));
        assert_eq!(scrub("at https://u:hunter22@h/x: no", "https://u:hunter22@h/x"), "at https://u:***@h/x: no");
        assert!(is_http("HTTPS://h/x") && is_http("http://h") && !is_http("git://h/x") && !is_http("/x"));
    }

    #[test]
    fn credentials_go_over_plain_http_to_this_machine_only() {
        for url in ["http://127.0.0.1:8080/x.git", "http://localhost/x", "http://u@[::1]:80/x", "HTTP://LOCALHOST/x"] {
            assert!(!cleartext_refused(url), "{url}");
        }
        for url in ["http://src.example.org/rpms/x.git", "http://127.0.0.1.example.org/x", "http://u@10.0.0.1/x"] {
            assert!(cleartext_refused(url), "{url}");
        }
        assert!(!cleartext_refused("https://src.example.org/rpms/x.git"));
        assert!(!cleartext_refused("git://src.example.org/rpms/x.git"));
    }

    #[test]
    fn askpass_answers_gits_prompts() {
        let (u, p) = (os("packager"), os("pw"));
        let user = askpass_answer("Username for 'https://h': ", u.clone(), p.clone());
        assert_eq!(user.as_deref(), Some("packager"));
        let pass = askpass_answer("Password for 'https://packager@h': ", u.clone(), p.clone());
        assert_eq!(pass.as_deref(), Some("pw"));
        assert_eq!(askpass_answer("Are you sure (yes/no)? ", u, p), None);
        assert_eq!(askpass_answer("Password for 'https://h': ", None, None), None);
    }
}
