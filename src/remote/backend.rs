//! The work behind the helper protocol: listing dist-git branches in source-git terms,
//! pushing source-git commits as rendered dist-git commits, and fetching (see [`super::fetch`]).

use super::fetch::{FetchError, Fetcher, Listed, Origin};
use super::protocol::{
    Backend, FetchRequest, HelperError, OkNote, Options, PushOutcome, PushSpec, RefEntry, RefValue, RejectStatus,
};
use crate::distgit::address::Address;
use crate::distgit::cache::Cache;
use crate::distgit::gate;
use crate::distgit::meter::{MeterError, Metered, Reservation};
use crate::distgit::session::{run_build_command, Built};
use crate::distgit::settings::Settings;
use crate::distgit::signing::{Signer, UNSIGNED_NOTE};
use crate::distgit::state;
use crate::distgit::sync::{self, SyncError, SyncOutcome, SyncRequest};
use crate::lookaside::Lookaside;
use gix::ObjectId;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

/// The backend of one `git-remote-distgit` run.
pub struct DistGitBackend {
    source: PathBuf,
    address: Address,
    settings: Settings,
    cache: Cache,
    lookaside: Box<dyn Lookaside>,
    heads: Option<BTreeMap<String, ObjectId>>,
    fetcher: Option<Fetcher>,
    /// The "commits are unsigned" note was printed.
    unsigned_noted: bool,
    /// The rate limit (`distgit.rateLimit`, only when set) and the pushes made; a bad value
    /// refuses every push.
    meter: Option<Result<Metered, MeterError>>,
    /// The source-git repository, opened at the first push.
    source_repo: Option<gix::Repository>,
    /// What the trust gate told the user in this run.
    notes: gate::Notes,
}

impl DistGitBackend {
    /// A backend for the source-git repository at `source` and the dist-git at `address`.
    pub fn new(
        source: PathBuf,
        common_dir: &std::path::Path,
        address: Address,
        settings: Settings,
        lookaside: Box<dyn Lookaside>,
    ) -> Result<Self, HelperError> {
        let cache = Cache::open(common_dir, &address.url).map_err(HelperError::backend)?;
        Ok(DistGitBackend {
            source,
            address,
            settings,
            cache,
            lookaside,
            heads: None,
            fetcher: None,
            unsigned_noted: false,
            meter: None,
            source_repo: None,
            notes: gate::Notes::default(),
        })
    }

    /// Applies `metered` to the pushes of this run (see [`crate::distgit::meter`]).
    pub fn with_meter(mut self, metered: Result<Metered, MeterError>) -> Self {
        self.meter = Some(metered);
        self
    }

    /// Reserves one push under the rate limit, before anything is rendered or uploaded (none
    /// for a dry run or without a limit); `Err` is the refusal.
    fn reserve_push(&mut self, dry_run: bool) -> Result<Option<Reservation>, String> {
        match &mut self.meter {
            _ if dry_run => Ok(None),
            Some(Ok(metered)) => metered.reserve(std::time::SystemTime::now()).map(Some).map_err(|e| e.to_string()),
            Some(Err(e)) => Err(e.to_string()),
            None => Ok(None),
        }
    }

    /// Counts a push that moved dist-git; a failure to record is a warning.
    fn record_push(reservation: Option<Reservation>, branch: &str) {
        let Some(reservation) = reservation else { return };
        if let Err(e) = reservation.commit(branch, std::time::SystemTime::now()) {
            let _ = writeln!(std::io::stderr().lock(), "distgit: warning: {e}");
        }
    }

    /// The dist-git branch heads, fetched once per run.
    fn heads(&mut self) -> Result<&BTreeMap<String, ObjectId>, HelperError> {
        if self.heads.is_none() {
            self.heads = Some(self.cache.fetch().map_err(HelperError::backend)?);
        }
        Ok(self.heads.get_or_insert_with(BTreeMap::new))
    }

    /// The fetch side, opened once per run.
    fn fetcher(&mut self) -> Result<&Fetcher, HelperError> {
        if self.fetcher.is_none() {
            let fetcher = Fetcher::open(&self.source, self.settings.bot.clone()).map_err(HelperError::backend)?;
            self.fetcher = Some(fetcher);
        }
        self.fetcher.as_ref().ok_or_else(|| HelperError::backend(std::io::Error::other("no fetcher")))
    }

    /// `list` for a fetch: each branch as the source-git commit that stands for it (made now if
    /// needed). A branch that cannot be reversed is left out, with the reason on stderr.
    fn list_for_fetch(&mut self, opts: &Options) -> Result<Vec<RefEntry>, HelperError> {
        let heads = self.heads()?.clone();
        self.fetcher()?;
        let (Some(fetcher), cache) = (self.fetcher.as_ref(), &self.cache) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (branch, head) in heads {
            match fetcher.resolve(cache, &branch, head) {
                Ok(listed) => {
                    report_listed(&branch, head, &listed, &self.address.url, opts);
                    out.push(RefEntry {
                        value: RefValue::Id(listed.commit.to_string()),
                        name: format!("refs/heads/{branch}"),
                    });
                }
                Err(err @ (FetchError::Reverse { .. } | FetchError::Upstream { .. })) => warn_left_out(&branch, &err),
                Err(err) => return Err(HelperError::backend(err)),
            }
        }
        // dist-git's default branch as `HEAD`, so `git clone` checks it out and a fetch
        // without a refspec has something to fetch.
        if let Some(branch) = self.cache.remote_head_branch() {
            let target = format!("refs/heads/{branch}");
            if out.iter().any(|r| r.name == target) {
                out.push(RefEntry { value: RefValue::Symref(target), name: "HEAD".into() });
            }
        }
        Ok(out)
    }

    /// Says (once per run) that the commits just written are unsigned.
    fn note_unsigned(&mut self) {
        if !self.unsigned_noted {
            self.unsigned_noted = true;
            let _ = writeln!(std::io::stderr().lock(), "{UNSIGNED_NOTE}");
        }
    }

    fn push_one(&mut self, spec: &PushSpec, opts: &Options, signer: Option<&Signer>) -> PushOutcome {
        let dst = spec.dst.clone();
        let refuse = |status: RejectStatus, message: String| PushOutcome::Error {
            dst: spec.dst.clone(),
            status,
            message: Some(message),
        };
        let Some(src) = &spec.src else {
            let why = "deleting dist-git branches is refused: remove distgit.toml on the branch to opt out instead";
            return refuse(RejectStatus::Other("deletion refused".into()), why.into());
        };
        let Some(branch) = dst.strip_prefix("refs/heads/") else {
            return refuse(
                RejectStatus::Other("not a branch".into()),
                format!("only branches can be pushed, not {dst}"),
            );
        };
        let heads = match self.heads() {
            Ok(h) => h.clone(),
            Err(e) => return refuse(RejectStatus::Other("dist-git unreachable".into()), e.to_string()),
        };
        let reservation = match self.reserve_push(opts.dry_run) {
            Ok(reservation) => reservation,
            Err(why) => return refuse(RejectStatus::Other("rate limit".into()), why),
        };
        let candidate = match self.gated(branch, src, &heads) {
            Ok(candidate) => candidate,
            Err((status, message)) => return refuse(status, message),
        };
        let expected = opts.cas.iter().find(|c| c.dst == dst).map(|c| c.expected.clone());
        let request = SyncRequest {
            source: &self.source,
            candidate: &candidate,
            branch,
            force: spec.force || opts.force,
            dry_run: opts.dry_run,
            expected_source: if spec.force || opts.force { None } else { expected },
            bot: &self.settings.bot,
            signer,
            lookaside: self.lookaside.as_ref(),
            push_options: &opts.push_options,
        };
        match sync::sync(&self.cache, &heads, &request) {
            Ok(SyncOutcome::UpToDate) => PushOutcome::Ok { dst, note: Some(OkNote::UpToDate) },
            Ok(SyncOutcome::Committed { commit, package, dry_run, on_human_commits, remote_lines }) => {
                if !dry_run {
                    Self::record_push(reservation, branch);
                }
                if signer.is_none() && !dry_run {
                    self.note_unsigned();
                }
                self.report_success(&Pushed { branch, commit, package: &package, dry_run }, &remote_lines, opts);
                PushOutcome::Ok { dst, note: on_human_commits.then_some(OkNote::ForcedUpdate) }
            }
            Err(err) => refuse(reject_status(&err), err.to_string()),
        }
    }

    /// The commit the trust gate lets through when `src` is pushed to `branch` (what waits,
    /// and why, is said on stderr), or why nothing may be synced. `--force` does not bypass it.
    /// A branch that is not auto-maintained is left to the sync to refuse.
    fn gated(
        &mut self,
        branch: &str,
        src: &str,
        heads: &BTreeMap<String, ObjectId>,
    ) -> Result<String, (RejectStatus, String)> {
        let untrusted = |message: String| (RejectStatus::Other("untrusted".into()), message);
        let state = state::read(&self.cache.repo, heads.get(branch).copied())
            .map_err(|e| (RejectStatus::Other("dist-git unreadable".into()), e.to_string()))?;
        if !state.opted_in {
            return Ok(src.to_owned());
        }
        if self.source_repo.is_none() {
            let repo = gix::discover(&self.source)
                .map_err(|e| (RejectStatus::Other("source-git unreadable".into()), e.to_string()))?;
            self.source_repo = Some(repo);
        }
        let Some(source) = &self.source_repo else { return Err(untrusted("source-git unreadable".into())) };
        let spec = format!("{src}^{{commit}}");
        let tip = source
            .rev_parse_single(spec.as_str())
            .map_err(|e| (RejectStatus::Other("no such commit".into()), format!("{src}: {e}")))?
            .detach();
        let gate = gate::gate(source, &self.cache.repo, &state, tip).map_err(|e| untrusted(e.to_string()))?;
        let mut err = std::io::stderr().lock();
        for line in self.notes.lines(&gate, branch) {
            let _ = writeln!(err, "distgit: {line}");
        }
        match gate.candidate {
            Some(candidate) => Ok(candidate.to_string()),
            None => Err(untrusted(gate::refusal(&gate, branch))),
        }
    }

    /// Tells the user what happened and runs the post-push build command.
    fn report_success(&mut self, pushed: &Pushed<'_>, remote: &[String], opts: &Options) {
        let mut err = std::io::stderr().lock();
        for line in remote {
            let _ = writeln!(err, "remote: {line}");
        }
        if opts.verbosity > 0 {
            let what = if pushed.dry_run { "would push" } else { "pushed" };
            let short = &pushed.commit.to_string()[..12];
            let _ = writeln!(err, "distgit: {what} {short} to {} {}", self.address.url, pushed.branch);
        }
        if let (false, Some(command)) = (pushed.dry_run, &self.settings.build_command) {
            let built =
                Built { url: &self.address.url, package: pushed.package, branch: pushed.branch, commit: pushed.commit };
            run_build_command(command, &built);
        }
    }
}

/// Tells the user (at the default verbosity and above) which commits a fetch made.
fn report_listed(branch: &str, head: ObjectId, listed: &Listed, url: &str, opts: &Options) {
    let Origin::Reversed { tag, commits, fetched } = &listed.origin else { return };
    if opts.verbosity == 0 {
        return;
    }
    let mut err = std::io::stderr().lock();
    for t in fetched {
        let _ = writeln!(err, "distgit: fetched tag {t} from the upstream (git config distgit.upstream)");
    }
    let short = |id: &ObjectId| id.to_string()[..12].to_owned();
    let _ = writeln!(
        err,
        "distgit: {url} {branch} {} -> source-git {}: {tag} + {} patch commit(s) + packaging",
        short(&head),
        short(&listed.commit),
        commits.saturating_sub(1)
    );
}

/// Says why `branch` is not in the list; git then reports it as a missing remote ref if asked.
fn warn_left_out(branch: &str, err: &FetchError) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "warning: distgit: {err}");
    let _ = writeln!(
        stderr,
        "warning: distgit: dist-git branch {branch} is left out (git says \"couldn't find remote ref\" if you fetch it)"
    );
}

/// Maps a refused sync to git's status words.
fn reject_status(err: &SyncError) -> RejectStatus {
    match err {
        SyncError::Stale { .. } => RejectStatus::StaleInfo,
        e if e.branch_moved() => RejectStatus::FetchFirst,
        SyncError::Diverged { .. } => RejectStatus::Other("dist-git diverged".into()),
        SyncError::NotMaintained { .. } => RejectStatus::Other("branch is not auto-maintained".into()),
        SyncError::Rejected { reason, .. } => RejectStatus::Other(reason.clone()),
        SyncError::Lookaside(_) => RejectStatus::Other("lookaside upload failed".into()),
        SyncError::Push(_) => RejectStatus::Other("dist-git push failed".into()),
        _ => RejectStatus::Other("render failed".into()),
    }
}

/// A successful (or dry-run) push, for reporting.
struct Pushed<'a> {
    branch: &'a str,
    commit: ObjectId,
    package: &'a str,
    dry_run: bool,
}

impl Backend for DistGitBackend {
    fn list(&mut self, for_push: bool, opts: &Options) -> Result<Vec<RefEntry>, HelperError> {
        if !for_push {
            return self.list_for_fetch(opts);
        }
        let heads = self.heads()?.clone();
        let mut out = Vec::new();
        for (branch, head) in heads {
            let state = state::read(&self.cache.repo, Some(head)).map_err(HelperError::backend)?;
            let value = match state.synced_source_commit() {
                Some(id) if id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()) => RefValue::Id(id.to_owned()),
                _ => RefValue::Unknown,
            };
            out.push(RefEntry { value, name: format!("refs/heads/{branch}") });
        }
        Ok(out)
    }

    fn fetch(&mut self, wanted: &[FetchRequest], _opts: &Options) -> Result<(), HelperError> {
        let fetcher = self.fetcher()?;
        for request in wanted {
            if !fetcher.has_object(&request.id) {
                return Err(HelperError::backend(FetchError::Git {
                    what: format!("dist-git {}", request.name),
                    message: format!(
                        "the source-git commit {} that stands for it is not in this repository; \
                         run the fetch again (the helper makes it while listing the branches)",
                        request.id
                    ),
                }));
            }
        }
        Ok(())
    }

    fn push(&mut self, specs: &[PushSpec], opts: &Options) -> Vec<PushOutcome> {
        let signer = match Signer::from_settings(&self.settings) {
            Ok(signer) => signer,
            Err(err) => {
                let refuse = |s: &PushSpec| PushOutcome::Error {
                    dst: s.dst.clone(),
                    status: RejectStatus::Other("signing key unusable".into()),
                    message: Some(err.to_string()),
                };
                return specs.iter().map(refuse).collect();
            }
        };
        let signer = signer.as_ref();
        if opts.atomic && specs.len() > 1 {
            let dry = Options { dry_run: true, ..opts.clone() };
            let trial: Vec<PushOutcome> = specs.iter().map(|s| self.push_one(s, &dry, signer)).collect();
            if trial.iter().any(|o| matches!(o, PushOutcome::Error { .. })) || opts.dry_run {
                return trial;
            }
        }
        specs.iter().map(|s| self.push_one(s, opts, signer)).collect()
    }
}
