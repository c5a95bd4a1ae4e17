//! Telling someone besides the pusher: `distgit.notifyCommand` (run with `sh -c`, the event
//! text on stdin, `DISTGIT_EVENT`, `DISTGIT_BRANCH`, `DISTGIT_COMMIT` in its environment) and
//! `distgit.notifyUrl` (a JSON `POST`; see [`payload`]). A URL's credentials are never shown.

use crate::distgit::credentials;
use serde::Serialize;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// What happened (the `event` field and `DISTGIT_EVENT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// No commit of the push has a trusted signature: nothing synced.
    Untrusted,
    /// An older trusted commit was synced; newer ones wait for a signature.
    Waiting,
    /// No `[trust]` policy anywhere: the bot syncs nothing.
    NoPolicy,
    /// Dist-git has human commits on top of the bot's: not overwritten.
    Diverged,
    /// Dist-git refused the sync, or the render failed.
    Refused,
    /// The rate limit stopped the sync.
    RateLimited,
    /// A `distgit.*` setting is wrong.
    ConfigError,
    /// Anything else went wrong.
    Error,
}

impl EventKind {
    /// The name used in `DISTGIT_EVENT` and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Untrusted => "untrusted",
            EventKind::Waiting => "waiting",
            EventKind::NoPolicy => "no_policy",
            EventKind::Diverged => "diverged",
            EventKind::Refused => "refused",
            EventKind::RateLimited => "rate_limited",
            EventKind::ConfigError => "config_error",
            EventKind::Error => "error",
        }
    }
}

/// One event to notify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub event: EventKind,
    /// The source-git branch pushed.
    pub branch: String,
    /// The dist-git branch it syncs to, when known.
    pub dist_git_branch: Option<String>,
    /// The source-git commit concerned (the branch tip), when known.
    pub commit: Option<String>,
    /// The message the pusher was shown.
    pub message: String,
}

/// The JSON body posted to `distgit.notifyUrl`: the [`Event`] fields plus `repository` (the
/// hosting repository's path).
pub fn payload(event: &Event, repository: &str) -> serde_json::Value {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("repository".into(), repository.into());
    }
    value
}

/// Where notifications go.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    pub command: Option<String>,
    pub url: Option<String>,
    /// The repository named in the payload.
    pub repository: String,
}

impl Notifier {
    /// `distgit.notifyCommand` and `distgit.notifyUrl` of `repo`.
    pub fn from_config(repo: &gix::Repository) -> Notifier {
        let config = repo.config_snapshot();
        let get = |key: &str| config.string(key).map(|v| v.to_string()).filter(|v| !v.trim().is_empty());
        Notifier {
            command: get("distgit.notifyCommand"),
            url: get("distgit.notifyUrl"),
            repository: repo.git_dir().display().to_string(),
        }
    }

    /// Sends `event` everywhere configured; failures are written to `err` as `distgit:` lines.
    pub fn send(&self, event: &Event, err: &mut dyn Write) {
        if let Some(command) = &self.command {
            if let Err(why) = run_command(command, event) {
                super::say(err, &format!("warning: notify command `{command}`: {why}"));
            }
        }
        if let Some(url) = &self.url {
            if let Err(why) = post(url, &payload(event, &self.repository)) {
                let shown = credentials::redact_url(url);
                super::say(err, &format!("warning: notify URL {shown}: {}", credentials::scrub(&why, url)));
            }
        }
    }
}

/// Runs the notify command with the event text on stdin.
fn run_command(command: &str, event: &Event) -> Result<(), String> {
    let mut child = crate::distgit::without_secrets(&mut Command::new("sh"))
        .args(["-c", command])
        .env("DISTGIT_EVENT", event.event.as_str())
        .env("DISTGIT_BRANCH", &event.branch)
        .env("DISTGIT_DIST_GIT_BRANCH", event.dist_git_branch.as_deref().unwrap_or(""))
        .env("DISTGIT_COMMIT", event.commit.as_deref().unwrap_or(""))
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is fine.
        let _ = writeln!(stdin, "{}", event.message);
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("failed ({status})"))
    }
}

/// POSTs `body` as JSON; any status other than 2xx is a failure.
fn post(url: &str, body: &serde_json::Value) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .into();
    let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let response =
        agent.post(url).header("Content-Type", "application/json").send(&bytes[..]).map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the server answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_has_stable_field_names() {
        let event = Event {
            event: EventKind::Untrusted,
            branch: "main".into(),
            dist_git_branch: Some("rawhide".into()),
            commit: Some("abc".into()),
            message: "no trusted commit".into(),
        };
        let value = payload(&event, "/srv/git/hello.git");
        assert_eq!(
            value,
            serde_json::json!({
                "event": "untrusted", "branch": "main", "dist_git_branch": "rawhide",
                "commit": "abc", "message": "no trusted commit", "repository": "/srv/git/hello.git"
            })
        );
    }

    #[test]
    fn a_failing_url_is_reported_without_its_password() {
        let notifier = Notifier {
            command: Some("exit 3".into()),
            url: Some("http://bot:s3cret@127.0.0.1:9/hook".into()),
            repository: "r".into(),
        };
        let event = Event {
            event: EventKind::Error,
            branch: "b".into(),
            dist_git_branch: None,
            commit: None,
            message: "m".into(),
        };
        let mut out = Vec::new();
        notifier.send(&event, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("notify command `exit 3`: failed"), "{text}");
        assert!(text.contains("notify URL http://bot:***@127.0.0.1:9/hook"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
}
