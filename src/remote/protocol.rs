//! The gitremote-helpers(7) command loop: git writes commands to the helper's stdin and reads
//! replies from its stdout. This module only speaks the protocol; what `list`, `fetch` and
//! `push` mean is a [`Backend`]'s job.
//!
//! The loop follows git's side of the conversation (`transport-helper.c`):
//!
//! * `capabilities` → `option`, `push`, `fetch`, and `refspec refs/heads/*:<ns>/heads/*`, so
//!   that after a successful push git records the pushed commit under the private namespace
//!   `<ns>` instead of guessing.
//! * `option <name> <value>` → `ok`, `unsupported` or `error <why>` (see [`Options`]).
//! * `list` / `list for-push` → `<value> <name>` lines, then a blank line.
//! * a batch of `fetch <id> <name>` lines ended by a blank line → a blank line once the objects
//!   exist locally.
//! * a batch of `push [+]<src>:<dst>` lines (and `option` lines) ended by a blank line → one
//!   `ok <dst>[ <note>]` or `error <dst> <why>` line per refspec, then a blank line. `<why>` uses
//!   git's status words (`non-fast forward`, `fetch first`, …) so git prints its own hints.
//! * a blank line, or the end of input, ends the session.
//!
//! A fatal error (a malformed line, a failed `list` or `fetch`) makes [`run`] return `Err`
//! without replying. The caller prints it to stderr and exits: git treats a helper that closes
//! its stdout mid-command as failed (`exit(128)`) and expects the message to be on stderr.
//! Refusals of single refs are not fatal: they are `error` lines in the push reply, because git
//! ignores a helper's exit status there.

mod cquote;
mod options;
#[cfg(test)]
mod tests;

pub use options::{Cas, Options};

use options::OptionReply;
use std::io::{BufRead, Write};

/// What a helper does for git; the loop in [`run`] does the talking.
pub trait Backend {
    /// `list` / `list for-push`: the remote's refs in the helper's view — source-git commit ids,
    /// [`RefValue::Unknown`] when there is none, and optionally a [`RefValue::Symref`] for
    /// `HEAD`. Git compares these ids with local commits for its own fast-forward checks, and
    /// with `--force-with-lease` expectations. An error is fatal to the session.
    fn list(&mut self, for_push: bool, opts: &Options) -> Result<Vec<RefEntry>, HelperError>;

    /// A batch of `fetch <id> <name>` lines: afterwards every `id` must exist in the local
    /// repository. An error is fatal to the session (git stops with the message on stderr).
    fn fetch(&mut self, wanted: &[FetchRequest], opts: &Options) -> Result<(), HelperError>;

    /// A batch of `push` refspecs, in git's order; one outcome per refspec, `dst` naming it.
    ///
    /// Deletes arrive as [`PushSpec::src`] `None`. With `opts.dry_run` nothing may change
    /// anywhere. With `opts.atomic` either every ref is updated or none is: the loop then turns
    /// the batch's `ok` outcomes into `error … atomic push failed` if any outcome is an error,
    /// but it cannot undo an update, so a backend must not update anything in that case.
    fn push(&mut self, specs: &[PushSpec], opts: &Options) -> Vec<PushOutcome>;
}

/// The value column of a `list` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefValue {
    /// A full hex object id.
    Id(String),
    /// `?`: the helper does not know the value.
    Unknown,
    /// `@<target>`: a symbolic ref pointing at `target` (e.g. `HEAD` → `refs/heads/rawhide`).
    Symref(String),
}

/// One line of `list` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefEntry {
    /// What the ref points at.
    pub value: RefValue,
    /// The full ref name (`refs/heads/rawhide`, `HEAD`).
    pub name: String,
}

/// One `fetch <id> <name>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    /// The object id `list` reported for `name`.
    pub id: String,
    /// The remote ref name.
    pub name: String,
}

/// One `push [+]<src>:<dst>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSpec {
    /// `+`: the user forced this ref (`git push +src:dst`, `--force`).
    pub force: bool,
    /// The local ref or object id to push; `None` for a delete (`:dst`).
    pub src: Option<String>,
    /// The remote ref to update.
    pub dst: String,
}

/// What happened to one pushed ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// The ref was updated (or, with dry-run, would be).
    Ok {
        /// The remote ref, as in the [`PushSpec`].
        dst: String,
        /// A detail git understands, or `None` for a plain update.
        note: Option<OkNote>,
    },
    /// The ref was not updated.
    Error {
        /// The remote ref, as in the [`PushSpec`].
        dst: String,
        /// Why, in git's terms.
        status: RejectStatus,
        /// A longer explanation (may span lines), printed to stderr before git's summary.
        message: Option<String>,
    },
}

/// Details of a successful push that git shows specially.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OkNote {
    /// `up to date`: nothing to change (git prints "Everything up-to-date").
    UpToDate,
    /// `forced update`: the update was not a fast-forward (git prints `+ old...new`).
    ForcedUpdate,
}

/// Why a ref was refused: git's status words, each giving git's own message and hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectStatus {
    /// `non-fast forward`: "[rejected] (non-fast-forward)" and the "pull first" hint.
    NonFastForward,
    /// `fetch first`: the remote has work the local repository does not have.
    FetchFirst,
    /// `stale info`: a `--force-with-lease` expectation did not hold.
    StaleInfo,
    /// `needs force`: the update is allowed only with `+`/`--force`.
    NeedsForce,
    /// `already exists`: the ref exists and may not be overwritten.
    AlreadyExists,
    /// Any other reason, shown by git as "[remote rejected] (reason)".
    Other(String),
}

impl RejectStatus {
    /// The text of an `error <dst> <why>` line.
    fn word(&self) -> &str {
        match self {
            RejectStatus::NonFastForward => "non-fast forward",
            RejectStatus::FetchFirst => "fetch first",
            RejectStatus::StaleInfo => "stale info",
            RejectStatus::NeedsForce => "needs force",
            RejectStatus::AlreadyExists => "already exists",
            RejectStatus::Other(reason) => reason,
        }
    }
}

/// A helper session that cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    /// Git sent something this helper does not understand.
    #[error("remote-helper protocol: {why}, in the line {line:?} from git")]
    Protocol {
        /// The offending line (without its newline).
        line: String,
        /// What is wrong with it.
        why: String,
    },
    /// The input ended in the middle of a batch: git went away before finishing the command.
    #[error("remote-helper protocol: the input ended inside a `{command}` batch; nothing was done")]
    UnexpectedEof {
        /// `fetch` or `push`.
        command: &'static str,
    },
    /// The private namespace given to [`run`] cannot be used in a `refspec` capability.
    #[error("the private ref namespace {namespace:?} {why}")]
    InvalidNamespace {
        /// The namespace as given.
        namespace: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The backend listed a ref that cannot be written on a `list` line.
    #[error("cannot list the ref {name:?}: {why}")]
    InvalidRef {
        /// The ref name.
        name: String,
        /// What is wrong with it.
        why: String,
    },
    /// Reading git's commands or writing the replies failed (git probably went away).
    #[error("talking to git over stdin/stdout: {0}")]
    Io(#[from] std::io::Error),
    /// The backend failed.
    #[error(transparent)]
    Backend(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl HelperError {
    /// Wraps a backend's own typed error.
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        HelperError::Backend(Box::new(error))
    }
}

/// Serves git on `input`/`output` until a blank line or the end of input; longer messages of
/// refused refs go to stderr. `private_namespace` is where git keeps the helper's view of the
/// remote's branches (e.g. `refs/distgit/<remote>`): `refs/heads/*` maps to
/// `<private_namespace>/heads/*`.
pub fn run<R: BufRead, W: Write>(
    input: R,
    output: W,
    backend: &mut dyn Backend,
    private_namespace: &str,
) -> Result<(), HelperError> {
    run_with_diagnostics(input, output, std::io::stderr(), backend, private_namespace)
}

/// [`run`], with the messages meant for the user's terminal written to `diagnostics`.
pub fn run_with_diagnostics<R: BufRead, W: Write, E: Write>(
    input: R,
    output: W,
    diagnostics: E,
    backend: &mut dyn Backend,
    private_namespace: &str,
) -> Result<(), HelperError> {
    check_namespace(private_namespace)?;
    let mut session = Session {
        input,
        output,
        diagnostics,
        backend,
        namespace: private_namespace,
        options: Options::default(),
        bad_cas: Vec::new(),
    };
    session.serve()
}

/// Refuses a namespace that would make a broken or surprising `refspec` capability.
fn check_namespace(namespace: &str) -> Result<(), HelperError> {
    let why = if !namespace.starts_with("refs/") || namespace.len() <= "refs/".len() {
        Some("must start with `refs/` and name a directory below it")
    } else if namespace.ends_with('/') {
        Some("must not end with `/`")
    } else if namespace.chars().any(|c| c.is_whitespace() || c.is_control() || "*:?[\\^~".contains(c)) {
        Some("must be a valid ref name without wildcards")
    } else {
        None
    };
    match why {
        Some(why) => Err(HelperError::InvalidNamespace { namespace: namespace.to_string(), why }),
        None => Ok(()),
    }
}

/// Whether `text` is a full lowercase hex object id (SHA-1 or SHA-256), as git writes them.
fn is_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One conversation with git.
struct Session<'b, R, W, E> {
    input: R,
    output: W,
    diagnostics: E,
    backend: &'b mut dyn Backend,
    namespace: &'b str,
    options: Options,
    /// `cas` values that could not be parsed since the last push batch. Git ignores the reply
    /// to `option cas`, so the batch itself must be refused rather than pushed without a lease.
    bad_cas: Vec<String>,
}

impl<R: BufRead, W: Write, E: Write> Session<'_, R, W, E> {
    /// Answers commands until a blank line or the end of input.
    fn serve(&mut self) -> Result<(), HelperError> {
        while let Some(line) = self.read_line()? {
            if line.is_empty() {
                break;
            }
            self.dispatch(&line)?;
        }
        Ok(())
    }

    /// Runs one top-level command.
    fn dispatch(&mut self, line: &str) -> Result<(), HelperError> {
        let (command, rest) = match line.split_once(' ') {
            Some((command, rest)) => (command, Some(rest)),
            None => (line, None),
        };
        match (command, rest) {
            ("capabilities", None) => self.capabilities(),
            ("list", None) => self.list(false),
            ("list", Some("for-push")) => self.list(true),
            ("option", Some(rest)) => self.option(rest),
            ("fetch", Some(_)) => self.fetch_batch(line),
            ("push", Some(_)) => self.push_batch(line),
            ("capabilities" | "list" | "option" | "fetch" | "push", _) => {
                Err(protocol_error(line, format!("wrong arguments for `{command}`")))
            }
            _ => Err(protocol_error(line, format!("unknown command `{command}`"))),
        }
    }

    /// Reads one line without its newline; `None` at the end of input.
    fn read_line(&mut self) -> Result<Option<String>, HelperError> {
        let mut bytes = Vec::new();
        if self.input.read_until(b'\n', &mut bytes)? == 0 {
            return Ok(None);
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        match String::from_utf8(bytes) {
            Ok(line) => Ok(Some(line)),
            Err(e) => Err(protocol_error(&String::from_utf8_lossy(e.as_bytes()), "the line is not UTF-8".into())),
        }
    }

    /// Writes a complete reply and flushes it: git waits for it before sending more.
    fn reply(&mut self, text: &str) -> Result<(), HelperError> {
        self.output.write_all(text.as_bytes())?;
        self.output.flush()?;
        Ok(())
    }

    /// `capabilities`.
    fn capabilities(&mut self) -> Result<(), HelperError> {
        let text = format!("option\npush\nfetch\nrefspec refs/heads/*:{}/heads/*\n\n", self.namespace);
        self.reply(&text)
    }

    /// `option <name> <value>`.
    fn option(&mut self, name_and_value: &str) -> Result<(), HelperError> {
        let reply = self.options.apply(name_and_value);
        if let OptionReply::Error(why) = &reply {
            // Git does not show the reason it is given; the user should see it.
            writeln!(self.diagnostics, "warning: refused `option {name_and_value}`: {why}")?;
            if name_and_value.split(' ').next() == Some("cas") {
                self.bad_cas.push(why.clone());
            }
        }
        self.reply(&format!("{}\n", reply.line()))
    }

    /// `list` / `list for-push`.
    fn list(&mut self, for_push: bool) -> Result<(), HelperError> {
        let refs = self.backend.list(for_push, &self.options)?;
        let mut text = String::new();
        for entry in &refs {
            text.push_str(&list_line(entry)?);
        }
        text.push('\n');
        self.reply(&text)
    }

    /// A batch of `fetch` lines starting with `first`.
    fn fetch_batch(&mut self, first: &str) -> Result<(), HelperError> {
        let mut wanted = vec![parse_fetch(first)?];
        while let Some(line) = self.read_batch_line("fetch")? {
            wanted.push(parse_fetch(&line)?);
        }
        self.backend.fetch(&wanted, &self.options)?;
        self.reply("\n")
    }

    /// A batch of `push` lines (and `option` lines) starting with `first`.
    fn push_batch(&mut self, first: &str) -> Result<(), HelperError> {
        let mut specs = vec![parse_push(first)?];
        while let Some(line) = self.read_batch_line("push")? {
            match line.strip_prefix("option ") {
                Some(rest) => self.option(rest)?,
                None => specs.push(parse_push(&line)?),
            }
        }
        let outcomes = self.push_outcomes(&specs);
        self.report_push(&outcomes)?;
        self.options.end_push_batch();
        self.bad_cas.clear();
        Ok(())
    }

    /// The next line of a batch; `None` at the blank line that ends it.
    fn read_batch_line(&mut self, command: &'static str) -> Result<Option<String>, HelperError> {
        match self.read_line()? {
            None => Err(HelperError::UnexpectedEof { command }),
            Some(line) if line.is_empty() => Ok(None),
            Some(line) => Ok(Some(line)),
        }
    }

    /// Asks the backend (unless a lease could not be read) and puts the outcomes in git's order.
    fn push_outcomes(&mut self, specs: &[PushSpec]) -> Vec<PushOutcome> {
        if !self.bad_cas.is_empty() {
            let why = format!("invalid --force-with-lease: {}", self.bad_cas.join("; "));
            return specs.iter().map(|spec| refuse(&spec.dst, RejectStatus::Other(why.clone()))).collect();
        }
        let outcomes = self.backend.push(specs, &self.options);
        let ordered = order_outcomes(specs, outcomes);
        if self.options.atomic {
            enforce_atomic(ordered)
        } else {
            ordered
        }
    }

    /// Prints the refusals' messages, then writes the status lines and the closing blank line.
    fn report_push(&mut self, outcomes: &[PushOutcome]) -> Result<(), HelperError> {
        for outcome in outcomes {
            if let PushOutcome::Error { dst, message: Some(message), .. } = outcome {
                writeln!(self.diagnostics, "error: {dst}: {}", message.trim_end())?;
            }
        }
        self.diagnostics.flush()?;
        let mut text: String = outcomes.iter().map(status_line).collect();
        text.push('\n');
        self.reply(&text)
    }
}

/// A [`HelperError::Protocol`] for `line`.
fn protocol_error(line: &str, why: String) -> HelperError {
    HelperError::Protocol { line: line.to_string(), why }
}

/// `<value> <name>\n`, refusing anything that would break the line format.
fn list_line(entry: &RefEntry) -> Result<String, HelperError> {
    let invalid = |why: String| HelperError::InvalidRef { name: entry.name.clone(), why };
    check_ref_name(&entry.name).map_err(invalid)?;
    let value = match &entry.value {
        RefValue::Id(id) if is_object_id(id) => id.clone(),
        RefValue::Id(id) => return Err(invalid(format!("{id:?} is not a full lowercase hex object id"))),
        RefValue::Unknown => "?".to_string(),
        RefValue::Symref(target) => {
            check_ref_name(target).map_err(|why| invalid(format!("symref target: {why}")))?;
            format!("@{target}")
        }
    };
    Ok(format!("{value} {}\n", entry.name))
}

/// A ref name that fits in one field of a protocol line.
fn check_ref_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".to_string());
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{name:?} contains whitespace or a control character"));
    }
    Ok(())
}

/// `fetch <id> <name>`.
fn parse_fetch(line: &str) -> Result<FetchRequest, HelperError> {
    let why = |why: &str| protocol_error(line, why.to_string());
    let rest = line.strip_prefix("fetch ").ok_or_else(|| why("expected `fetch <id> <name>` in a fetch batch"))?;
    let (id, name) = rest.split_once(' ').ok_or_else(|| why("expected `fetch <id> <name>`"))?;
    if !is_object_id(id) {
        return Err(why("the object id is not full lowercase hex"));
    }
    check_ref_name(name).map_err(|e| why(&format!("bad ref name: {e}")))?;
    Ok(FetchRequest { id: id.to_string(), name: name.to_string() })
}

/// `push [+]<src>:<dst>`; an empty `<src>` is a delete.
fn parse_push(line: &str) -> Result<PushSpec, HelperError> {
    let why = |why: &str| protocol_error(line, why.to_string());
    let refspec = line.strip_prefix("push ").ok_or_else(|| why("expected `push [+]<src>:<dst>` in a push batch"))?;
    let (force, refspec) = match refspec.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, refspec),
    };
    let (src, dst) = refspec.split_once(':').ok_or_else(|| why("the refspec has no `:`"))?;
    check_ref_name(dst).map_err(|e| why(&format!("bad destination: {e}")))?;
    if !src.is_empty() {
        check_ref_name(src).map_err(|e| why(&format!("bad source: {e}")))?;
    }
    let src = (!src.is_empty()).then(|| src.to_string());
    Ok(PushSpec { force, src, dst: dst.to_string() })
}

/// An error outcome without a message.
fn refuse(dst: &str, status: RejectStatus) -> PushOutcome {
    PushOutcome::Error { dst: dst.to_string(), status, message: None }
}

/// The outcome's ref.
fn outcome_dst(outcome: &PushOutcome) -> &str {
    match outcome {
        PushOutcome::Ok { dst, .. } | PushOutcome::Error { dst, .. } => dst,
    }
}

/// One outcome per spec, in the specs' order: the backend's for that `dst`, or an error saying
/// it reported none (git would otherwise leave the ref's status unknown).
fn order_outcomes(specs: &[PushSpec], outcomes: Vec<PushOutcome>) -> Vec<PushOutcome> {
    let mut pool: Vec<Option<PushOutcome>> = outcomes.into_iter().map(Some).collect();
    let mut take = |dst: &str| {
        let slot = pool.iter_mut().find(|slot| slot.as_ref().is_some_and(|o| outcome_dst(o) == dst))?;
        slot.take()
    };
    specs
        .iter()
        .map(|spec| {
            take(&spec.dst).unwrap_or_else(|| {
                refuse(&spec.dst, RejectStatus::Other("the helper reported no result for this ref".into()))
            })
        })
        .collect()
}

/// With `--atomic`, one refused ref fails the batch: every other update is reported as
/// `atomic push failed` (refs already up to date stay so, as in git's own atomic pushes).
fn enforce_atomic(outcomes: Vec<PushOutcome>) -> Vec<PushOutcome> {
    if !outcomes.iter().any(|o| matches!(o, PushOutcome::Error { .. })) {
        return outcomes;
    }
    let fail = |outcome: PushOutcome| match outcome {
        PushOutcome::Ok { dst, note } if note != Some(OkNote::UpToDate) => {
            refuse(&dst, RejectStatus::Other("atomic push failed".into()))
        }
        other => other,
    };
    outcomes.into_iter().map(fail).collect()
}

/// `ok <dst>[ <note>]` or `error <dst> <why>`, with its newline.
fn status_line(outcome: &PushOutcome) -> String {
    match outcome {
        PushOutcome::Ok { dst, note: None } => format!("ok {dst}\n"),
        PushOutcome::Ok { dst, note: Some(OkNote::UpToDate) } => format!("ok {dst} up to date\n"),
        PushOutcome::Ok { dst, note: Some(OkNote::ForcedUpdate) } => format!("ok {dst} forced update\n"),
        PushOutcome::Error { dst, status, .. } => format!("error {dst} {}\n", error_reason(status)),
    }
}

/// Texts that git reads in an `error` line as something other than a refusal.
const NOT_REFUSALS: [&str; 4] = ["up to date", "no match", "expecting report", "forced update"];

/// The `<why>` of an `error` line: a status word, or another reason, quoted if it must be and
/// never one that git would take for a success.
fn error_reason(status: &RejectStatus) -> String {
    let word = status.word();
    if word.trim().is_empty() {
        return "refused".to_string();
    }
    if NOT_REFUSALS.contains(&word) {
        return format!("refused: {word}");
    }
    cquote::quote_if_needed(word).into_owned()
}
