//! `git distgit verify`: the signature verdict of each commit and the sync candidate.

use crate::distgit::cache::Cache;
use crate::distgit::credentials::redact_url;
use crate::distgit::gate::{self, PolicyOrigin};
use crate::distgit::state::{self, BranchState};
use crate::distgit::tracking;
use crate::trust::{self, Policy, Verdict};
use anyhow::{bail, Context};
use gix::ObjectId;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Check commit signatures against the trust policy.
///
/// Prints one line per commit, newest first: the short id, the verdict and the subject,
/// then why (and the fix) on the next line; then the sync candidate, the newest commit with
/// a trusted signature. Only OpenPGP signatures by a key in `[trust] certificates` whose
/// primary fingerprint is in `[trust] signers`, valid when the signature was made, are
/// trusted; SSH and X.509 signatures are reported, not accepted.
///
/// Without REV-RANGE: the downstream commits of HEAD (first parents, down to the first
/// commit without `.distro/`). `A..B`: the first-parent line from B down to, not including,
/// A. One revision: that commit.
///
/// The policy is the `[trust]` table of `--policy FILE` (certificate paths relative to the
/// file); else of the tracked dist-git branch's `distgit.toml` as the last push or fetch saw
/// it (git config `distgit.remote`, `distgit.track`); else of `.distro/distgit.toml` in the
/// newest commit checked (trust on first use: a commit's own policy only means something
/// until dist-git has one).
///
/// Exit status: 0 when the newest commit checked has a trusted signature (or there is none
/// to check), 1 when it has not, or on error.
///
/// Examples:
///
///   git distgit verify                       # downstream commits of HEAD
///
///   git distgit verify HEAD                  # only the tip (as the pre-push hook does)
///
///   git distgit verify v1.2..main --policy ~/fedora/foo/distgit.toml
///
///   git distgit verify --json | jq .candidate
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct VerifyArgs {
    /// `A..B` or one revision; default: the downstream commits of HEAD.
    #[arg(value_name = "REV-RANGE")]
    pub range: Option<String>,
    /// Read the `[trust]` table of this distgit.toml instead.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Print a machine-readable report (see docs/signatures.md).
    #[arg(long)]
    pub json: bool,
}

/// A policy and where it came from, as the output names it.
pub struct PolicySource {
    pub policy: Policy,
    /// E.g. `.distro/distgit.toml of 1234abcd5678 (trust on first use)` or a file path.
    pub origin: String,
}

/// The JSON report (`--json`); field names are stable.
#[derive(Debug, Serialize)]
struct Report {
    policy: PolicyReport,
    commits: Vec<CommitReport>,
    candidate: Option<String>,
}

#[derive(Debug, Serialize)]
struct PolicyReport {
    origin: String,
    signers: Vec<String>,
}

#[derive(Debug, Serialize)]
struct CommitReport {
    id: String,
    subject: String,
    #[serde(flatten)]
    verdict: Verdict,
    /// The one-line explanation, as the text output prints it.
    message: String,
}

/// Runs `git distgit verify`.
pub fn cmd_verify(dir: &Path, args: &VerifyArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let repo = gix::discover(dir).with_context(|| format!("{} is not in a git repository", dir.display()))?;
    let (tip, commits) = select(&repo, args.range.as_deref())?;
    let source = policy_for(&repo, tip, args.policy.as_deref())?;
    let reports = check_all(&commits, &source.policy);
    let candidate = reports.iter().find(|r| r.verdict.is_trusted()).map(|r| r.id.clone());
    let tip_trusted = reports.first().is_none_or(|r| r.verdict.is_trusted());
    let policy = PolicyReport { origin: source.origin, signers: source.policy.signers().to_vec() };
    let report = Report { policy, commits: reports, candidate };
    let mut out = BufWriter::new(out);
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write_text(&report, &mut out)?;
    }
    out.flush()?;
    Ok(if tip_trusted { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Below this many commits per thread, checking on one thread is faster.
const MIN_COMMITS_PER_THREAD: usize = 16;

/// A commit to check: its id and raw object, read once by [`select`].
type RawCommit = (ObjectId, Vec<u8>);

/// The reports on `commits`, in their order, checked on the available cores (each thread
/// over a contiguous share of the commits).
fn check_all(commits: &[RawCommit], policy: &Policy) -> Vec<CommitReport> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = cores.min(commits.len() / MIN_COMMITS_PER_THREAD).max(1);
    if threads == 1 {
        return check(commits, policy);
    }
    let share = commits.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = commits.chunks(share).map(|share| scope.spawn(move || check(share, policy))).collect();
        let mut reports = Vec::with_capacity(commits.len());
        for handle in handles {
            match handle.join() {
                Ok(share) => reports.extend(share),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        reports
    })
}

/// The reports on `commits`, in order, on this thread.
fn check(commits: &[RawCommit], policy: &Policy) -> Vec<CommitReport> {
    let report = |(id, raw): &RawCommit| {
        let verdict = trust::verify_raw_commit(raw, policy);
        CommitReport { id: id.to_string(), subject: trust::subject_of(raw), message: verdict.to_string(), verdict }
    };
    commits.iter().map(report).collect()
}

/// The commit the policy is read from and the commits to check, newest first.
fn select(repo: &gix::Repository, range: Option<&str>) -> anyhow::Result<(ObjectId, Vec<RawCommit>)> {
    match range {
        None => {
            let head = resolve(repo, "HEAD")?;
            Ok((head, trust::downstream_commits(repo, head, &[])?))
        }
        Some(range) => match range.split_once("..") {
            Some((_, b)) if b.starts_with('.') => {
                bail!("`{range}`: symmetric ranges (A...B) are not supported; use A..B")
            }
            Some((a, b)) => {
                let base = resolve(repo, if a.is_empty() { "HEAD" } else { a })?;
                let tip = resolve(repo, if b.is_empty() { "HEAD" } else { b })?;
                Ok((tip, trust::first_parents(repo, tip, |id, _| Ok(id == base))?))
            }
            None => {
                let id = resolve(repo, range)?;
                let raw = trust::read_commit(repo, id)?.detach().data;
                Ok((id, vec![(id, raw)]))
            }
        },
    }
}

/// A revision peeled to a commit.
fn resolve(repo: &gix::Repository, rev: &str) -> anyhow::Result<ObjectId> {
    let id = repo.rev_parse_single(rev).with_context(|| format!("unknown revision `{rev}`"))?;
    let commit = id.object()?.peel_to_commit().with_context(|| format!("`{rev}` is not a commit"))?;
    Ok(commit.id)
}

/// The policy for checking commits up to `tip`, in the order the sync uses: `--policy FILE`;
/// else the `[trust]` of the tracked dist-git branch as the cache last saw it (after a push
/// or fetch); else `tip`'s `.distro/distgit.toml` (trust on first use).
pub fn policy_for(repo: &gix::Repository, tip: ObjectId, file: Option<&Path>) -> anyhow::Result<PolicySource> {
    if let Some(file) = file {
        let Some(policy) = Policy::from_file(file)? else {
            bail!("{} has no [trust] table; add `signers` and `certificates` (see docs/signatures.md)", file.display());
        };
        return Ok(PolicySource { policy, origin: file.display().to_string() });
    }
    let dist = tracked_dist_git(repo);
    let empty = BranchState::default();
    let (cache_repo, state) = match &dist {
        Some(d) => (&d.cache.repo, &d.state),
        None => (repo, &empty),
    };
    let short = tip.to_hex_with_len(12);
    match gate::policy(repo, cache_repo, state, tip)? {
        Some((policy, PolicyOrigin::DistGit { commit })) => {
            let (url, branch) =
                dist.as_ref().map(|d| (redact_url(&d.cache.url), d.branch.as_str())).unwrap_or_default();
            let origin = format!(
                "distgit.toml of dist-git {url} {branch} at {} (as of the last push or fetch)",
                commit.to_hex_with_len(12)
            );
            Ok(PolicySource { policy, origin })
        }
        Some((policy, _)) => {
            Ok(PolicySource { policy, origin: format!(".distro/distgit.toml of {short} (trust on first use)") })
        }
        None => bail!(
            "no [trust] policy: neither the tracked dist-git branch nor .distro/distgit.toml of {short} has a \
             [trust] table; add one (see docs/signatures.md) or pass --policy FILE"
        ),
    }
}

/// The tracked dist-git branch of the current branch, when a push or fetch cached it.
struct TrackedDistGit {
    cache: Cache,
    branch: String,
    state: BranchState,
}

fn tracked_dist_git(repo: &gix::Repository) -> Option<TrackedDistGit> {
    let tracking = tracking::read(repo).ok()?;
    let head = repo.head_name().ok()??;
    let branch = tracking.dist_git_branch(head.as_bstr().to_string().strip_prefix("refs/heads/")?)?;
    let cache = Cache::open_existing(repo.common_dir(), &tracking.address.url)?;
    let state = state::read(&cache.repo, cache.fetched_head(&branch)).ok()?;
    state.head?;
    Some(TrackedDistGit { cache, branch, state })
}

fn write_text(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "policy: {}", report.policy.origin)?;
    for commit in &report.commits {
        let short = commit.id.get(..12).unwrap_or(&commit.id);
        writeln!(out, "{short} {:<19} {}", commit.verdict.word(), commit.subject)?;
        writeln!(out, "    {}", commit.message)?;
    }
    match &report.candidate {
        Some(id) => writeln!(out, "candidate: {id}"),
        None if report.commits.is_empty() => writeln!(out, "no commits to check"),
        None => writeln!(out, "no candidate: no commit has a trusted signature"),
    }
}
