//! The trust side of the status: the tip's signature verdict under the dist-git branch's
//! policy, the commit a push would sync (the gate's candidate), and the rate limit.

use super::dist::DistView;
use super::{CommitLine, Problems};
use crate::distgit::gate::{self, Gate, PolicyOrigin};
use crate::distgit::meter::{Meter, MeterState, RateLimit};
use crate::trust::Verdict;
use gix::ObjectId;
use serde::Serialize;
use std::time::SystemTime;

/// A signature verdict with its message (why, and the fix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// `verdict` (`trusted`, `unsigned`, …) and its details, as `git distgit verify --json`.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The verdict in words, with the fix.
    pub message: String,
}

impl From<Verdict> for Signature {
    fn from(verdict: Verdict) -> Signature {
        Signature { message: verdict.to_string(), verdict }
    }
}

/// What the trust gate says about the branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustState {
    /// Where the policy comes from: `dist_git`, `first_use` or `none` (signatures not checked).
    pub policy: PolicySource,
    /// The commit holding the policy (the dist-git head, or the source-git tip for
    /// `first_use`); `None` without a policy.
    pub policy_commit: Option<String>,
    /// The commit a push would sync: the newest trusted one (`None`: none may be synced).
    pub candidate: Option<String>,
    /// Commits newer than the candidate, newest first, each with its verdict.
    pub waiting: Vec<WaitingCommit>,
}

/// Where the policy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicySource {
    DistGit,
    FirstUse,
    None,
}

/// A commit that waits for a trusted signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingCommit {
    #[serde(flatten)]
    pub commit: CommitLine,
    #[serde(flatten)]
    pub signature: Signature,
}

/// The tip's verdict (`None` when there is no policy) and the gate, for `tip` against the
/// dist-git branch in `dist`.
pub(super) fn trust(
    repo: &gix::Repository,
    dist: &DistView,
    tip: ObjectId,
    problems: &mut Problems,
) -> (Option<Signature>, Option<TrustState>) {
    let gate = match gate::gate(repo, &dist.repo, &dist.state, tip) {
        Ok(g) => g,
        Err(e) => {
            problems.push(format!("checking signatures: {e}"));
            return (None, None);
        }
    };
    let signature = tip_verdict(tip, &gate);
    (signature.map(Signature::from), Some(state(&gate)))
}

/// The tip's verdict, as the gate found it: the newest waiting commit, or the candidate.
fn tip_verdict(tip: ObjectId, gate: &Gate) -> Option<Verdict> {
    if gate.origin == PolicyOrigin::None {
        return None;
    }
    match gate.waiting.first() {
        Some(w) if w.id == tip => Some(w.verdict.clone()),
        _ => gate.candidate_verdict.clone().filter(|_| gate.candidate == Some(tip)),
    }
}

fn state(gate: &Gate) -> TrustState {
    let (policy, policy_commit) = match gate.origin {
        PolicyOrigin::DistGit { commit } => (PolicySource::DistGit, Some(commit.to_string())),
        PolicyOrigin::FirstUse { commit } => (PolicySource::FirstUse, Some(commit.to_string())),
        PolicyOrigin::None => (PolicySource::None, None),
    };
    let waiting = gate
        .waiting
        .iter()
        .map(|w| WaitingCommit {
            commit: CommitLine { id: w.id.to_string(), subject: w.subject.clone() },
            signature: Signature::from(w.verdict.clone()),
        })
        .collect();
    TrustState { policy, policy_commit, candidate: gate.candidate.map(|c| c.to_string()), waiting }
}

/// The rate limit (git config `distgit.rateLimit`) and the pushes counted against it.
pub(super) fn rate_limit(repo: &gix::Repository, now: SystemTime, problems: &mut Problems) -> Option<MeterState> {
    let limit = RateLimit::configured(repo, None).map_err(|e| problems.push(e.to_string())).ok()?;
    let meter = Meter::open(repo.common_dir()).map_err(|e| problems.push(e.to_string())).ok()?;
    Some(meter.state(limit.as_ref(), now))
}
