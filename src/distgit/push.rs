//! Publishing a dist-git commit: `git push --porcelain --force-with-lease=<ref>:<old>` from the
//! cache repository — the one git subprocess that talks to the network. Its porcelain output
//! is parsed by a pure function. Over HTTP(S) it gets its credentials through `GIT_ASKPASS`
//! (our own binary, answering from its environment; see [`super::credentials`]), never through
//! its arguments; its stderr is scrubbed of passwords before it reaches an error.

use super::cache::Cache;
use crate::git::{isolated_command, GitError};
use gix::ObjectId;

/// What to push.
#[derive(Debug, Clone)]
pub struct PushRequest<'a> {
    pub branch: &'a str,
    /// The commit to publish.
    pub new: ObjectId,
    /// The head the commit was built on (`None`: the branch must not exist yet).
    pub expected_old: Option<ObjectId>,
    pub dry_run: bool,
    /// `--push-option` values passed through to the dist-git server's hooks.
    pub push_options: &'a [String],
}

/// The outcome of one ref in `git push --porcelain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefStatus {
    /// Updated (fast-forward, forced or new).
    Updated,
    /// Already at that commit.
    UpToDate,
    /// Refused; `reason` is git's text in parentheses (`stale info`, `fetch first`,
    /// `pre-receive hook declined`, …).
    Rejected { reason: String },
}

/// The parsed result of a push plus the server's `remote:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushReport {
    pub status: RefStatus,
    pub remote_lines: Vec<String>,
}

/// Why the push could not be run or understood.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("git push to {url} failed: {stderr}")]
    Failed { url: String, stderr: String },
}

/// Pushes `req.new` to `refs/heads/<branch>` of the cache's URL, only if the branch is still
/// at `req.expected_old`.
/// Once it is there, the cache's copy of the branch is moved too ([`Cache::note_pushed`]), so
/// what the cache says is as of the last push or fetch.
pub fn push(cache: &Cache, req: &PushRequest<'_>) -> Result<PushReport, PushError> {
    let target = format!("refs/heads/{}", req.branch);
    let lease =
        format!("--force-with-lease={target}:{}", req.expected_old.map(|id| id.to_string()).unwrap_or_default());
    let mut cmd = isolated_command("git");
    cmd.arg("--git-dir").arg(cache.repo.git_dir()).args(["push", "--porcelain", &lease]);
    if req.dry_run {
        cmd.arg("--dry-run");
    }
    for option in req.push_options {
        cmd.arg(format!("--push-option={option}"));
    }
    cmd.arg(&cache.url).arg(format!("{}:{target}", req.new));
    set_credentials(cache, &mut cmd)?;
    let output = cmd.output().map_err(|source| GitError::Spawn { program: "git".into(), source })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = super::credentials::scrub(&String::from_utf8_lossy(&output.stderr), &cache.url);
    let remote_lines = remote_lines(&stderr);
    match parse_porcelain(&stdout, &target) {
        Some(status) => {
            if !req.dry_run && matches!(status, RefStatus::Updated | RefStatus::UpToDate) {
                cache.note_pushed(req.branch, req.new);
            }
            Ok(PushReport { status, remote_lines })
        }
        None => Err(PushError::Failed { url: cache.shown_url(), stderr: stderr.trim().to_owned() }),
    }
}

/// Over HTTP(S), makes git ask our binary (`GIT_ASKPASS`) for the credentials; without any,
/// the askpass answers nothing, so git fails instead of prompting.
fn set_credentials(cache: &Cache, cmd: &mut std::process::Command) -> Result<(), GitError> {
    if !super::credentials::is_http(&cache.url) {
        return Ok(());
    }
    let io = |source| GitError::Io { what: "locating our own binary for GIT_ASKPASS".into(), source };
    match cache.http_credentials().filter(|_| !super::credentials::cleartext_refused(&cache.url)) {
        Some(credentials) => credentials.set_askpass(cmd).map_err(io),
        None => {
            cmd.env("GIT_ASKPASS", std::env::current_exe().map_err(io)?)
                .env(super::credentials::ASKPASS_ENV, "1")
                .env_remove(super::credentials::USERNAME_ENV)
                .env_remove(super::credentials::PASSWORD_ENV);
            Ok(())
        }
    }
}

/// The status of `target` in `git push --porcelain` output, if git reported it.
///
/// Lines look like `<flag>\t<src>:<dst>\t<summary> (<reason>)`; flags: ` ` fast-forward,
/// `+` forced, `*` new, `-` deleted, `=` up to date, `!` rejected.
pub fn parse_porcelain(stdout: &str, target: &str) -> Option<RefStatus> {
    stdout.lines().find_map(|line| {
        let mut fields = line.splitn(3, '\t');
        let (flag, refs, summary) = (fields.next()?, fields.next()?, fields.next().unwrap_or(""));
        if refs.rsplit(':').next() != Some(target) {
            return None;
        }
        Some(match flag {
            "=" => RefStatus::UpToDate,
            "!" => RefStatus::Rejected { reason: reason_of(summary) },
            _ => RefStatus::Updated,
        })
    })
}

/// `[rejected] (stale info)` → `stale info`; `[remote rejected] (hook declined)` → `hook declined`.
fn reason_of(summary: &str) -> String {
    match (summary.find('('), summary.rfind(')')) {
        (Some(open), Some(close)) if open < close => summary[open + 1..close].to_owned(),
        _ => summary.trim().to_owned(),
    }
}

/// The server's messages (`remote: …` lines), without the prefix.
fn remote_lines(stderr: &str) -> Vec<String> {
    stderr.lines().filter_map(|l| l.strip_prefix("remote: ")).map(|l| l.trim_end().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: &str = "refs/heads/rawhide";

    #[test]
    fn porcelain_statuses() {
        let ok = "To /srv/foo.git\n \t1234:refs/heads/rawhide\tabc..def\nDone\n";
        assert_eq!(parse_porcelain(ok, TARGET), Some(RefStatus::Updated));
        let new = "To x\n*\t1234:refs/heads/rawhide\t[new branch]\nDone\n";
        assert_eq!(parse_porcelain(new, TARGET), Some(RefStatus::Updated));
        let same = "To x\n=\t1234:refs/heads/rawhide\t[up to date]\nDone\n";
        assert_eq!(parse_porcelain(same, TARGET), Some(RefStatus::UpToDate));
        let stale = "To x\n!\t1234:refs/heads/rawhide\t[rejected] (stale info)\nDone\n";
        assert_eq!(parse_porcelain(stale, TARGET), Some(RefStatus::Rejected { reason: "stale info".into() }));
        let hook = "To x\n!\t1234:refs/heads/rawhide\t[remote rejected] (pre-receive hook declined)\nDone\n";
        assert_eq!(
            parse_porcelain(hook, TARGET),
            Some(RefStatus::Rejected { reason: "pre-receive hook declined".into() })
        );
        assert_eq!(parse_porcelain("fatal: no such remote\n", TARGET), None);
        assert_eq!(parse_porcelain(ok, "refs/heads/f42"), None);
    }

    #[test]
    fn remote_lines_are_collected() {
        let err = "remote: policy: no\nremote: second line  \nTo x\n";
        assert_eq!(remote_lines(err), vec!["policy: no".to_owned(), "second line".to_owned()]);
    }
}
