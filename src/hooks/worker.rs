//! The post-receive worker: for each updated branch, under a per-branch lock, verify →
//! render → push dist-git → build, through the same [`Session`] and [`sync::sync`] as the
//! remote helper.
//!
//! After taking the lock it reads the branch's *current* tip, not the one the hook was given,
//! so overlapping receives end with dist-git at the newest candidate (a worker that finds
//! nothing new says dist-git is up to date). A bot needs a policy: with no `[trust]` anywhere
//! nothing is synced. Problems go to the log (which the hook relays to the pusher) and to the
//! [`Notifier`]. The worker always exits 0.

use super::notify::{Event, EventKind, Notifier};
use super::{has_distro, say, short};
use crate::distgit::gate::{self, Notes, PolicyOrigin};
use crate::distgit::lockfile::LockFile;
use crate::distgit::meter::{Metered, Reservation, ReserveError, HOOK_DEFAULT};
use crate::distgit::session::{run_build_command, Built, Session};
use crate::distgit::signing::UNSIGNED_NOTE;
use crate::distgit::state;
use crate::distgit::sync::{self, SyncError, SyncOutcome};
use crate::distgit::tracking;
use gix::ObjectId;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

/// How long a worker waits for another one syncing the same branch.
const LOCK_WAIT: Duration = Duration::from_secs(3600);
/// A branch lock older than this is broken (its worker is assumed dead).
const LOCK_STALE: Duration = Duration::from_secs(4 * 3600);

/// Entry point of `distgit-post-receive --worker --git-dir DIR -- BRANCH…`.
pub fn main(args: &[String]) -> ExitCode {
    let mut err = std::io::stderr().lock();
    let (git_dir, branches) = match args {
        [flag, dir, sep, branches @ ..] if flag == "--git-dir" && sep == "--" => (PathBuf::from(dir), branches),
        _ => {
            say(&mut err, "post-receive worker: usage: distgit-post-receive --worker --git-dir DIR -- BRANCH...");
            return ExitCode::SUCCESS;
        }
    };
    let _ = writeln!(err, "# worker {} started at {} for {}", std::process::id(), now(), branches.join(" "));
    let mut notes = Notes::default();
    for branch in branches {
        let mut work = Branch { git_dir: &git_dir, branch, notes: &mut notes, err: &mut err, context: None };
        if let Err(problem) = work.sync() {
            work.report(&problem);
        }
    }
    let _ = writeln!(err, "# worker {} finished at {}", std::process::id(), now());
    ExitCode::SUCCESS
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// Something the pusher and the notify targets are told.
#[derive(Debug)]
struct Problem {
    kind: EventKind,
    message: String,
}

impl Problem {
    fn new(kind: EventKind, message: impl std::fmt::Display) -> Problem {
        Problem { kind, message: message.to_string() }
    }
}

/// What is known about the branch so far, for the notification.
#[derive(Debug, Clone)]
struct Context {
    dist_branch: Option<String>,
    tip: ObjectId,
    notifier: Notifier,
}

/// The work on one branch.
struct Branch<'a> {
    git_dir: &'a Path,
    branch: &'a str,
    notes: &'a mut Notes,
    err: &'a mut dyn Write,
    context: Option<Context>,
}

impl Branch<'_> {
    /// Syncs the branch's current tip; `Err` is a problem to report (nothing was written).
    fn sync(&mut self) -> Result<(), Problem> {
        let lock_path = self.git_dir.join("distgit").join("locks").join(format!("{}.lock", lock_name(self.branch)));
        let _lock =
            LockFile::acquire(&lock_path, LOCK_WAIT, LOCK_STALE).map_err(|e| Problem::new(EventKind::Error, e))?;
        let repo = gix::open(self.git_dir).map_err(|e| Problem::new(EventKind::Error, e))?;
        let reference = format!("refs/heads/{}", self.branch);
        let Some(tip) = repo.find_reference(reference.as_str()).ok().and_then(|r| r.try_id().map(|id| id.detach()))
        else {
            say(self.err, &format!("{}: the branch no longer exists; nothing to sync", self.branch));
            return Ok(());
        };
        self.context = Some(Context { dist_branch: None, tip, notifier: Notifier::from_config(&repo) });
        let tracking = tracking::read(&repo).map_err(|e| Problem::new(EventKind::ConfigError, e))?;
        let Some(dist_branch) = tracking.dist_git_branch(self.branch) else { return Ok(()) };
        if let Some(c) = &mut self.context {
            c.dist_branch = Some(dist_branch.clone());
        }
        if !has_distro(&repo, tip) {
            say(self.err, &format!("{}: {} has no .distro/; nothing to sync", self.branch, short(&tip)));
            return Ok(());
        }
        let mut metered =
            Metered::open(&repo, Some(HOOK_DEFAULT)).map_err(|e| Problem::new(EventKind::ConfigError, e))?;
        let reservation = metered.reserve(SystemTime::now()).map_err(|e| match e {
            ReserveError::Limited(limited) => Problem::new(EventKind::RateLimited, limited),
            ReserveError::Meter(e) => Problem::new(EventKind::Error, e),
        })?;
        let session = Session::open(&repo, tracking.address).map_err(|e| Problem::new(EventKind::ConfigError, e))?;
        self.sync_with(&repo, &session, reservation, tip, &dist_branch)
    }

    /// Gate, sync, count and build, with everything opened; `reservation` is committed when
    /// dist-git moved, released otherwise.
    fn sync_with(
        &mut self,
        repo: &gix::Repository,
        session: &Session,
        reservation: Reservation,
        tip: ObjectId,
        dist_branch: &str,
    ) -> Result<(), Problem> {
        let error = |e: &dyn std::fmt::Display| Problem::new(EventKind::Error, e);
        let heads = session.cache.fetch().map_err(|e| error(&e))?;
        let state = state::read(&session.cache.repo, heads.get(dist_branch).copied()).map_err(|e| error(&e))?;
        let gate = gate::gate(repo, &session.cache.repo, &state, tip).map_err(|e| error(&e))?;
        if gate.origin == PolicyOrigin::None {
            return Err(Problem::new(EventKind::NoPolicy, no_policy(dist_branch)));
        }
        for line in self.notes.lines(&gate, dist_branch) {
            say(self.err, &line);
        }
        let Some(candidate) = gate.candidate else {
            return Err(Problem::new(EventKind::Untrusted, gate::refusal(&gate, dist_branch)));
        };
        let candidate_hex = candidate.to_string();
        let request = session.request(&candidate_hex, dist_branch);
        match sync::sync(&session.cache, &heads, &request) {
            Ok(SyncOutcome::UpToDate) => say(
                self.err,
                &format!("{}: dist-git {dist_branch} is up to date with {}", self.branch, short(&candidate)),
            ),
            Ok(SyncOutcome::Committed { commit, package, remote_lines, .. }) => {
                if let Err(e) = reservation.commit(dist_branch, SystemTime::now()) {
                    say(self.err, &format!("warning: {e}"));
                }
                self.pushed(session, candidate, commit, &package, dist_branch, &remote_lines);
            }
            Err(e) => return Err(Problem::new(sync_event(&e), e)),
        }
        if let Some(newest) = gate.waiting.first() {
            let message = format!(
                "{} newer commit(s) on {} wait for a trusted signature; newest {} {}: {}",
                gate.waiting.len(),
                self.branch,
                short(&newest.id),
                newest.subject,
                newest.verdict
            );
            self.notify(&Problem::new(EventKind::Waiting, message));
        }
        Ok(())
    }

    /// Says what was pushed and runs the build command.
    fn pushed(
        &mut self,
        session: &Session,
        candidate: ObjectId,
        commit: ObjectId,
        package: &str,
        dist_branch: &str,
        remote_lines: &[String],
    ) {
        for line in remote_lines {
            say(self.err, &format!("dist-git: {line}"));
        }
        if session.signer.is_none() {
            let _ = writeln!(self.err, "{UNSIGNED_NOTE}");
        }
        let url = session.cache.shown_url();
        say(
            self.err,
            &format!(
                "{}: pushed {} to {url} {dist_branch} (from source-git {})",
                self.branch,
                short(&commit),
                short(&candidate)
            ),
        );
        if let Some(command) = &session.settings.build_command {
            run_build_command(command, &Built { url: &url, package, branch: dist_branch, commit });
        }
    }

    /// Tells the pusher and the notify targets.
    fn report(&mut self, problem: &Problem) {
        say(self.err, &format!("{}: {}", self.branch, problem.message));
        self.notify(problem);
    }

    /// Sends `problem` to the notify targets (once the repository's config is known).
    fn notify(&mut self, problem: &Problem) {
        let Some(context) = self.context.clone() else { return };
        let event = Event {
            event: problem.kind,
            branch: self.branch.to_owned(),
            dist_git_branch: context.dist_branch.clone(),
            commit: Some(context.tip.to_string()),
            message: problem.message.clone(),
        };
        context.notifier.send(&event, self.err);
    }
}

/// The refusal when no policy exists anywhere.
fn no_policy(dist_branch: &str) -> String {
    format!(
        "no [trust] policy: the bot syncs only signed work, so nothing goes to dist-git {dist_branch}. \
         Add a [trust] table to .distro/distgit.toml (or to distgit.toml on the dist-git branch): \
         `signers = [\"<primary key fingerprint>\"]` and `certificates = [\"keys/<name>.asc\"]` \
         (armored certificates, `gpg --export --armor FPR`), commit it signed, and push again"
    )
}

/// The event for a refused sync.
fn sync_event(err: &SyncError) -> EventKind {
    match err {
        SyncError::Diverged { .. } => EventKind::Diverged,
        SyncError::NotMaintained { .. }
        | SyncError::Stale { .. }
        | SyncError::Rejected { .. }
        | SyncError::Source(_)
        | SyncError::Render(_) => EventKind::Refused,
        _ => EventKind::Error,
    }
}

/// A branch name made safe as one file name (`f41/topic` → `f41%2Ftopic`).
fn lock_name(branch: &str) -> String {
    branch
        .chars()
        .map(
            |c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c.to_string()
                } else {
                    format!("%{:02X}", c as u32)
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn lock_names_are_one_path_component() {
        assert_eq!(super::lock_name("f41/topic"), "f41%2Ftopic");
        assert_eq!(super::lock_name("main"), "main");
    }
}
