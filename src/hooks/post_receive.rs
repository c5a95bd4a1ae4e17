//! `distgit-post-receive`: git's `post-receive` hook in the source-git hosting repository.
//!
//! git gives it `<old> <new> <ref>` lines on stdin after the refs moved. The hook never fails
//! the push (exit 0 always, problems are reported) and never holds the pusher longer than
//! `distgit.hookBudget` seconds (default [`DEFAULT_BUDGET`]): the work runs in a detached
//! worker (this binary again, `--worker`, in its own process group, stdin closed, output to
//! a log file under `<git dir>/distgit/log/`); the hook relays the log to the pusher until
//! the worker ends or the budget is spent, then says where the outcome will be and exits.
//! See [`super::worker`] for the work itself.

use super::{is_zero_id, say, worker};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Seconds the pusher waits at most when `distgit.hookBudget` is not set.
pub const DEFAULT_BUDGET: u64 = 10;
/// The hidden argument that runs the worker.
pub const WORKER_ARG: &str = "--worker";
/// Log files older than this are removed when a new one is made.
const LOG_RETENTION: Duration = Duration::from_secs(30 * 86_400);

/// One `<old> <new> <ref>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub old: String,
    pub new: String,
    pub name: String,
}

/// The updates of the hook's input (other lines ignored).
pub fn parse_updates(input: &str) -> Vec<RefUpdate> {
    input
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let (old, new, name) = (parts.next()?, parts.next()?, parts.next()?);
            Some(RefUpdate { old: old.into(), new: new.into(), name: name.into() })
        })
        .collect()
}

/// The branches created or moved (not deleted), once each, in input order.
pub fn updated_branches(updates: &[RefUpdate]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for update in updates {
        let Some(branch) = update.name.strip_prefix("refs/heads/") else { continue };
        if !is_zero_id(&update.new) && !out.iter().any(|b| b == branch) {
            out.push(branch.to_owned());
        }
    }
    out
}

/// Entry point of `distgit-post-receive` (and of its worker, and of git's askpass calls).
pub fn main() -> ExitCode {
    if let Some(code) = crate::distgit::credentials::askpass_main() {
        return code;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(WORKER_ARG) {
        return worker::main(&args[1..]);
    }
    let mut err = std::io::stderr().lock();
    if let Err(e) = hook(&mut err) {
        say(&mut err, &format!("post-receive: {e:#}; dist-git was not updated (the push itself stands)"));
    }
    ExitCode::SUCCESS
}

/// Reads the updates, starts the worker and relays its output within the budget.
fn hook(err: &mut dyn Write) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).context("reading the updated refs")?;
    let branches = updated_branches(&parse_updates(&input));
    if branches.is_empty() {
        return Ok(());
    }
    let repo = super::open_hook_repo()?;
    let git_dir = std::path::absolute(repo.git_dir()).context("the repository's path")?;
    let budget = budget(&repo, err);
    let log = new_log(&git_dir).context("creating the worker's log")?;
    let mut child = spawn_worker(&git_dir, &branches, &log).context("starting the worker")?;
    let finished = relay(&mut child, &log, budget, err)?;
    if !finished {
        say(err, &format!("still working; continuing in the background, outcome in {}", log.display()));
    }
    Ok(())
}

/// `distgit.hookBudget` (whole seconds); a bad value is reported and the default used.
fn budget(repo: &gix::Repository, err: &mut dyn Write) -> Duration {
    let config = repo.config_snapshot();
    let Some(value) = config.string("distgit.hookBudget").map(|v| v.to_string()) else {
        return Duration::from_secs(DEFAULT_BUDGET);
    };
    match value.trim().parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            say(
                err,
                &format!(
                    "warning: git config distgit.hookBudget = `{value}`: expected whole seconds (e.g. 10); using {DEFAULT_BUDGET}"
                ),
            );
            Duration::from_secs(DEFAULT_BUDGET)
        }
    }
}

/// A new log file `<git dir>/distgit/log/<UTC time>-<pid>.log` (old ones pruned).
fn new_log(git_dir: &Path) -> std::io::Result<PathBuf> {
    let dir = git_dir.join("distgit").join("log");
    std::fs::create_dir_all(&dir)?;
    prune_logs(&dir);
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
    let path = dir.join(format!("{stamp}-{}.log", std::process::id()));
    std::fs::File::create_new(&path)?;
    Ok(path)
}

/// Removes logs older than [`LOG_RETENTION`] (best effort).
fn prune_logs(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let old = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
        if old.is_some_and(|age| age > LOG_RETENTION) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Starts `<this binary> --worker --git-dir <dir> <branch>…`, detached: its own process
/// group, stdin closed, stdout and stderr appended to `log`.
fn spawn_worker(git_dir: &Path, branches: &[String], log: &Path) -> std::io::Result<std::process::Child> {
    let exe = std::env::current_exe()?;
    let out = std::fs::OpenOptions::new().append(true).open(log)?;
    Command::new(exe)
        .arg(WORKER_ARG)
        .arg("--git-dir")
        .arg(git_dir)
        .arg("--")
        .args(branches)
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .process_group(0)
        .spawn()
}

/// Copies the log's `distgit:` lines to `err` as they come, until the worker exits (`true`)
/// or `budget` is spent (`false`).
fn relay(child: &mut std::process::Child, log: &Path, budget: Duration, err: &mut dyn Write) -> anyhow::Result<bool> {
    let start = Instant::now();
    let mut reader = std::fs::File::open(log)?;
    let mut pending = Vec::new();
    loop {
        let done = child.try_wait()?.is_some();
        reader.read_to_end(&mut pending)?;
        let complete =
            if done { pending.len() } else { pending.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) };
        let text: Vec<u8> = pending.drain(..complete).collect();
        for line in String::from_utf8_lossy(&text).lines().filter(|l| !l.starts_with('#')) {
            let _ = writeln!(err, "{line}");
        }
        if done {
            return Ok(true);
        }
        if start.elapsed() >= budget {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_created_or_moved_branches_count() {
        let zero = "0".repeat(40);
        let one = "1".repeat(40);
        let input = format!(
            "{zero} {one} refs/heads/main\n{one} {zero} refs/heads/gone\n{zero} {one} refs/tags/v1\n{one} {one} refs/heads/main\nbad\n"
        );
        assert_eq!(updated_branches(&parse_updates(&input)), vec!["main".to_owned()]);
    }
}
