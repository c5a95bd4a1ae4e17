//! The trust gate in front of every sync: which source-git commit may go to a dist-git branch.
//!
//! The policy comes, per dist-git branch, from (1) the branch's own root `distgit.toml`
//! `[trust]` table (certificates read from the same dist-git tree), else (2) the pushed tip's
//! `.distro/distgit.toml` — *trust on first use*, said in the output — else (3) nowhere: then
//! signatures are not checked and the tip itself is the candidate. Under a policy, the
//! candidate is the newest commit with a trusted signature on the first-parent walk from the
//! tip down to (not including) the last synced source-git commit; newer commits wait, each
//! with its verdict. See `docs/signatures.md`.

use super::state::BranchState;
use crate::trust::{self, Policy, TrustError, Waiting};
use gix::ObjectId;

/// Where the policy that gated a sync came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyOrigin {
    /// The dist-git branch's root `distgit.toml`, at its head `commit`.
    DistGit { commit: ObjectId },
    /// Trust on first use: the source-git tip `commit`'s `.distro/distgit.toml`.
    FirstUse { commit: ObjectId },
    /// No `[trust]` anywhere: signatures are not checked.
    None,
}

/// What the gate decided for one push of a branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub origin: PolicyOrigin,
    /// The commit to sync: the newest trusted one (the tip when there is no policy, or when
    /// the tip is the commit last synced); `None`: nothing may be synced.
    pub candidate: Option<ObjectId>,
    /// The candidate's verdict under the policy (`None` without a policy). When the tip is the
    /// commit last synced it is the candidate whatever its verdict, which is given here.
    pub candidate_verdict: Option<trust::Verdict>,
    /// Commits newer than the candidate (all walked commits when there is none), newest
    /// first, each with its verdict.
    pub waiting: Vec<Waiting>,
}

/// Why the gate could not decide (the sync must not go ahead: fail closed).
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(
        "the trust policy of the dist-git branch (head {head}) cannot be read: {source}; \
         fix distgit.toml there (nothing is synced until it is valid)"
    )]
    DistGitPolicy {
        head: ObjectId,
        #[source]
        source: TrustError,
    },
    #[error("the trust policy in source-git's .distro/distgit.toml (trust on first use) cannot be read: {source}")]
    SourcePolicy {
        #[source]
        source: TrustError,
    },
    #[error("checking the signatures of source-git commits: {0}")]
    Walk(#[source] TrustError),
}

/// Decides which commit of the source-git `tip` may be synced onto the dist-git branch whose
/// `state` was read from `cache_repo`.
pub fn gate(
    source: &gix::Repository,
    cache_repo: &gix::Repository,
    state: &BranchState,
    tip: ObjectId,
) -> Result<Gate, GateError> {
    let (policy, origin) = match policy(source, cache_repo, state, tip)? {
        Some(found) => found,
        None => {
            return Ok(Gate {
                origin: PolicyOrigin::None,
                candidate: Some(tip),
                candidate_verdict: None,
                waiting: Vec::new(),
            })
        }
    };
    let synced = state.synced_source_commit().and_then(|id| ObjectId::from_hex(id.as_bytes()).ok());
    if synced == Some(tip) {
        let verdict = trust::verify_commit(source, tip, &policy).map_err(GateError::Walk)?;
        return Ok(Gate { origin, candidate: Some(tip), candidate_verdict: Some(verdict), waiting: Vec::new() });
    }
    let stop: Vec<ObjectId> = synced.into_iter().collect();
    let found = trust::candidate(source, tip, &stop, &policy).map_err(GateError::Walk)?;
    Ok(Gate { origin, candidate: found.commit, candidate_verdict: found.verdict, waiting: found.waiting })
}

/// The policy and where it came from, in the order of the module docs.
pub fn policy(
    source: &gix::Repository,
    cache_repo: &gix::Repository,
    state: &BranchState,
    tip: ObjectId,
) -> Result<Option<(Policy, PolicyOrigin)>, GateError> {
    if let Some(head) = state.head {
        let branch_policy =
            Policy::from_commit(cache_repo, head, "").map_err(|source| GateError::DistGitPolicy { head, source })?;
        if let Some(policy) = branch_policy {
            return Ok(Some((policy, PolicyOrigin::DistGit { commit: head })));
        }
    }
    let first_use = Policy::from_commit(source, tip, ".distro").map_err(|source| GateError::SourcePolicy { source })?;
    Ok(first_use.map(|policy| (policy, PolicyOrigin::FirstUse { commit: tip })))
}

fn short(id: ObjectId) -> String {
    id.to_hex_with_len(12).to_string()
}

/// The one-line-per-fact report of gate decisions over a run; says "no [trust] policy" once.
#[derive(Debug, Default)]
pub struct Notes {
    no_policy_said: bool,
}

/// The line said (once per run) when no policy is found.
pub const NO_POLICY: &str = "no [trust] policy: signatures not checked";

impl Notes {
    /// The lines (without the `distgit: ` prefix) telling the user what `gate` means for
    /// dist-git `branch`: the policy's origin when notable, the candidate, and each waiting
    /// commit with why.
    pub fn lines(&mut self, gate: &Gate, branch: &str) -> Vec<String> {
        let mut out = Vec::new();
        match gate.origin {
            PolicyOrigin::None if !self.no_policy_said => {
                self.no_policy_said = true;
                out.push(NO_POLICY.to_owned());
            }
            PolicyOrigin::FirstUse { commit } => out.push(format!(
                "trust on first use: dist-git {branch} has no [trust] policy yet; \
                 using .distro/distgit.toml of source-git {}",
                short(commit)
            )),
            _ => {}
        }
        if gate.waiting.is_empty() {
            return out;
        }
        match gate.candidate {
            Some(c) => out.push(format!(
                "{branch}: syncing {} (the newest trusted commit); {} newer commit(s) wait:",
                short(c),
                gate.waiting.len()
            )),
            None => out.push(format!("{branch}: no trusted commit to sync; {} commit(s) wait:", gate.waiting.len())),
        }
        out.extend(gate.waiting.iter().map(|w| format!("  {} {}: {}", short(w.id), w.subject, w.verdict)));
        out
    }
}

/// The refusal when the gate found no candidate: why, in one message (for a push status).
pub fn refusal(gate: &Gate, branch: &str) -> String {
    let newest = gate.waiting.first();
    let why = newest.map(|w| format!("{} {}: {}", short(w.id), w.subject, w.verdict)).unwrap_or_default();
    format!(
        "no commit with a trusted signature to sync to dist-git {branch} ({} commit(s) wait; newest: {why})",
        gate.waiting.len()
    )
}
