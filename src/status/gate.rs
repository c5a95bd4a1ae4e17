//! The trust side of the status: the tip's signature verdict under the dist-git branch's
//! policy, the commit a push would sync (the gate's candidate), and the rate limit.

use super::dist::DistView;
use super::{CommitLine, Problems};
use crate::distgit::gate::{self, Gate, PolicyOrigin};
use crate::distgit::meter::{Meter, MeterState, RateLimit};
use crate::trust::{self, Verdict};
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
    let signature = tip_verdict(repo, dist, tip, &gate).map_err(|e| problems.push(e)).ok().flatten();
    (signature.map(Signature::from), Some(state(&gate)))
}

/// The tip's verdict: from the gate's walk when the tip waits, else checked here.
fn tip_verdict(repo: &gix::Repository, dist: &DistView, tip: ObjectId, gate: &Gate) -> Result<Option<Verdict>, String> {
    if gate.origin == PolicyOrigin::None {
        return Ok(None);
    }
    if let Some(w) = gate.waiting.first().filter(|w| w.id == tip) {
        return Ok(Some(w.verdict.clone()));
    }
    let message = |e: &dyn std::fmt::Display| format!("checking the signature of {tip}: {e}");
    let Some((policy, _)) = gate::policy(repo, &dist.repo, &dist.state, tip).map_err(|e| message(&e))? else {
        return Ok(None);
    };
    trust::verify_commit(repo, tip, &policy).map(Some).map_err(|e| message(&e))
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
