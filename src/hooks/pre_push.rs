//! `distgit-pre-push`: git's `pre-push` hook in a source-git clone.
//!
//! git runs it as `pre-push <remote> <url>` with one line per ref on stdin:
//! `<local ref> <local sha> <remote ref> <remote sha>`. For each pushed branch that is tracked
//! ([`crate::distgit::tracking`]; with no tracking configured, every pushed branch whose tip
//! has `.distro/`) it
//!
//! 1. checks the tip's signature through the trust gate ([`crate::distgit::gate`]): against
//!    the dist-git branch's policy as of the last push or fetch into the dist-git cache when
//!    there is one (the refusal names the policy used),
//!    else the tip's own `.distro/distgit.toml` (first use); no policy anywhere → signatures
//!    are not checked (said once);
//! 2. dry-renders it (`source::load` + `render::render`, nothing written), so a broken spec
//!    or config is refused before it leaves the machine.
//!
//! The branch is the remote ref's name (what the receiving side sees); pushing to a
//! `distgit::` remote, the remote ref is the dist-git branch itself. Deleted refs and tags
//! pass. Exit status 1 refuses the push; `git push --no-verify` skips the hook.

use super::{has_distro, open_hook_repo, say, short};
use crate::distgit::address;
use crate::distgit::cache::Cache;
use crate::distgit::gate::{self, Notes, PolicyOrigin};
use crate::distgit::settings;
use crate::distgit::state::{self, BranchState};
use crate::distgit::tracking::{self, Tracking, TrackingError, DISTGIT_SCHEME};
use crate::render;
use crate::source::{self, LoadOptions};
use gix::ObjectId;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// One line of the hook's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRef {
    pub local_ref: String,
    pub local_id: String,
    pub remote_ref: String,
    pub remote_id: String,
}

/// Parses `<local ref> <local sha> <remote ref> <remote sha>`; `None` for anything else.
pub fn parse_line(line: &str) -> Option<PushedRef> {
    let mut parts = line.split_whitespace();
    let (local_ref, local_id, remote_ref, remote_id) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(PushedRef {
        local_ref: local_ref.into(),
        local_id: local_id.into(),
        remote_ref: remote_ref.into(),
        remote_id: remote_id.into(),
    })
}

/// Entry point of `distgit-pre-push <remote> <url>`.
pub fn main() -> ExitCode {
    let url = std::env::args().nth(2).unwrap_or_default();
    let mut err = std::io::stderr().lock();
    let repo = match open_hook_repo() {
        Ok(repo) => repo,
        Err(e) => {
            say(&mut err, &format!("pre-push: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let stdin = std::io::stdin().lock();
    match run(&repo, &url, stdin, &mut err) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            say(&mut err, &format!("pre-push: reading the refs to push: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// Checks every pushed branch of `input`; `Ok(false)` when one is refused (all are checked,
/// so every problem is told at once).
pub fn run(repo: &gix::Repository, url: &str, input: impl BufRead, err: &mut dyn Write) -> std::io::Result<bool> {
    let mut checker = Checker::new(repo, url);
    let mut allowed = true;
    for line in input.lines() {
        let Some(pushed) = parse_line(&line?) else { continue };
        let Some(branch) = pushed.remote_ref.strip_prefix("refs/heads/") else { continue };
        if super::is_zero_id(&pushed.local_id) {
            continue;
        }
        let Ok(tip) = ObjectId::from_hex(pushed.local_id.as_bytes()) else { continue };
        if let Err(why) = checker.check(branch, tip, err) {
            say(err, &why);
            say(err, "(`git push --no-verify` skips this check)");
            allowed = false;
        }
    }
    Ok(allowed)
}

/// What the checks of one hook run share.
struct Checker<'r> {
    repo: &'r gix::Repository,
    source: PathBuf,
    /// Where the dist-git branches come from: the `distgit::` URL pushed to, else tracking.
    target: Target,
    notes: Notes,
}

/// Which dist-git the pushed branches go to.
enum Target {
    /// Pushing to a `distgit::` remote: the remote ref is the dist-git branch.
    Direct { cache: Option<Cache> },
    /// `distgit.remote`/`distgit.track`, or the only `distgit::` remote.
    Tracked { tracking: Tracking, cache: Option<Cache> },
    /// Nothing configured: every branch with `.distro/`, policy from the tip (first use).
    Untracked,
    /// The configuration is wrong: every branch is refused with this.
    Broken(String),
}

impl<'r> Checker<'r> {
    fn new(repo: &'r gix::Repository, url: &str) -> Checker<'r> {
        let source = repo.workdir().map(std::path::Path::to_path_buf).unwrap_or_else(|| repo.git_dir().to_path_buf());
        let target = match url.strip_prefix(DISTGIT_SCHEME) {
            Some(given) => {
                let template = settings::read(repo).url_template;
                match address::resolve(given, template.as_deref()) {
                    Ok(address) => Target::Direct { cache: Cache::open_existing(repo.common_dir(), &address.url) },
                    Err(e) => Target::Broken(format!("{url}: {e}")),
                }
            }
            None => match tracking::read(repo) {
                Ok(tracking) => {
                    let cache = Cache::open_existing(repo.common_dir(), &tracking.address.url);
                    Target::Tracked { tracking, cache }
                }
                Err(TrackingError::NotConfigured) => Target::Untracked,
                Err(e) => Target::Broken(e.to_string()),
            },
        };
        Checker { repo, source, target, notes: Notes::default() }
    }

    /// Checks one pushed branch; `Err` is the refusal to print.
    fn check(&mut self, branch: &str, tip: ObjectId, err: &mut dyn Write) -> Result<(), String> {
        let (dist_branch, cache) = match &self.target {
            Target::Broken(why) => return Err(format!("refusing to push {branch}: {why}")),
            Target::Direct { cache } => (branch.to_owned(), cache.as_ref()),
            Target::Tracked { tracking, cache } => match tracking.dist_git_branch(branch) {
                Some(dst) => (dst, cache.as_ref()),
                None => return Ok(()),
            },
            Target::Untracked => (branch.to_owned(), None),
        };
        if !has_distro(self.repo, tip) {
            return Ok(());
        }
        let state = match cache {
            Some(c) => state::read(&c.repo, c.fetched_head(&dist_branch))
                .map_err(|e| format!("refusing to push {branch}: reading the cached dist-git state: {e}"))?,
            None => BranchState { opted_in: true, ..BranchState::default() },
        };
        let cache_repo = cache.map_or(self.repo, |c| &c.repo);
        let gate =
            gate::gate(self.repo, cache_repo, &state, tip).map_err(|e| format!("refusing to push {branch}: {e}"))?;
        // Where the policy came from; the refusal below names the untrusted tip itself.
        let origin_only = gate::Gate { waiting: Vec::new(), ..gate.clone() };
        for line in self.notes.lines(&origin_only, &dist_branch) {
            say(err, &line);
        }
        if let Some(newest) = gate.waiting.first() {
            return Err(format!(
                "refusing to push {branch}: its tip {} \"{}\" is not trusted: {}\n{}\n\
                 fix: sign it (`git commit -S --amend`, or `git rebase --exec 'git commit -S --amend --no-edit'` \
                 for several commits), or have the signer's key added to the [trust] policy \
                 (`signers` and `certificates` in distgit.toml)",
                short(&newest.id),
                newest.subject,
                newest.verdict,
                policy_used(gate.origin, &dist_branch)
            ));
        }
        self.dry_render(branch, tip, err)
    }

    /// Renders `tip` without writing anything; the render error is the refusal.
    fn dry_render(&self, branch: &str, tip: ObjectId, err: &mut dyn Write) -> Result<(), String> {
        let options = LoadOptions {
            rev: Some(tip.to_string()),
            previous: None,
            tarball_dir: None,
            tarball_cache: None,
            patch_dir: None,
        };
        let refuse = |e: &dyn std::fmt::Display| {
            format!("refusing to push {branch}: {} does not render: {e}\nfix the spec or .distro/ config", short(&tip))
        };
        let loaded = source::load(&self.source, &options).map_err(|e| refuse(&e))?;
        let tree = render::render(&loaded.snapshot, &loaded.config).map_err(|e| refuse(&e))?;
        let s = &tree.summary;
        say(
            err,
            &format!("{branch}: {} renders {} {} ({} patch(es))", short(&tip), s.package, s.version, s.patches.len()),
        );
        Ok(())
    }
}

/// Which policy judged the tip, for the refusal.
fn policy_used(origin: PolicyOrigin, dist_branch: &str) -> String {
    match origin {
        PolicyOrigin::DistGit { commit } => format!(
            "policy used: the [trust] table of distgit.toml on dist-git {dist_branch} (at {}, as of the last push \
             or fetch); a [trust] change in .distro/ counts only once a commit trusted by it carries the change",
            short(&commit)
        ),
        PolicyOrigin::FirstUse { commit } => format!(
            "policy used: trust on first use (dist-git {dist_branch} has none yet): .distro/distgit.toml of {}",
            short(&commit)
        ),
        PolicyOrigin::None => "policy used: none".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_lines_parse() {
        let line = "refs/heads/main 1111111111111111111111111111111111111111 refs/heads/rawhide 0000000000000000000000000000000000000000";
        let parsed = parse_line(line).unwrap();
        assert_eq!(parsed.remote_ref, "refs/heads/rawhide");
        assert!(super::super::is_zero_id(&parsed.remote_id));
        assert_eq!(parse_line("a b c"), None);
        assert_eq!(parse_line("a b c d e"), None);
    }
}
