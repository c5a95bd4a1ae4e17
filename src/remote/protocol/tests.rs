//! The loop driven with bytes, as git would send them, against a recording fake backend.

use super::*;
use std::io::Cursor;

const NS: &str = "refs/distgit/origin";
const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct FakeError(String);

/// Records every call; answers with canned values.
#[derive(Default)]
struct Fake {
    refs: Vec<RefEntry>,
    list_error: Option<String>,
    fetch_error: Option<String>,
    /// `None`: every spec succeeds.
    outcomes: Option<Vec<PushOutcome>>,
    lists: Vec<(bool, Options)>,
    fetches: Vec<(Vec<FetchRequest>, Options)>,
    pushes: Vec<(Vec<PushSpec>, Options)>,
}

impl Backend for Fake {
    fn list(&mut self, for_push: bool, opts: &Options) -> Result<Vec<RefEntry>, HelperError> {
        self.lists.push((for_push, opts.clone()));
        match &self.list_error {
            Some(e) => Err(HelperError::backend(FakeError(e.clone()))),
            None => Ok(self.refs.clone()),
        }
    }

    fn fetch(&mut self, wanted: &[FetchRequest], opts: &Options) -> Result<(), HelperError> {
        self.fetches.push((wanted.to_vec(), opts.clone()));
        match &self.fetch_error {
            Some(e) => Err(HelperError::backend(FakeError(e.clone()))),
            None => Ok(()),
        }
    }

    fn push(&mut self, specs: &[PushSpec], opts: &Options) -> Vec<PushOutcome> {
        self.pushes.push((specs.to_vec(), opts.clone()));
        let all_ok = || specs.iter().map(|s| PushOutcome::Ok { dst: s.dst.clone(), note: None }).collect();
        self.outcomes.clone().unwrap_or_else(all_ok)
    }
}

/// What one session produced.
struct Transcript {
    result: Result<(), HelperError>,
    stdout: String,
    stderr: String,
}

fn serve(fake: &mut Fake, input: &[u8]) -> Transcript {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let result = run_with_diagnostics(Cursor::new(input), &mut stdout, &mut stderr, fake, NS);
    Transcript { result, stdout: String::from_utf8(stdout).unwrap(), stderr: String::from_utf8(stderr).unwrap() }
}

fn serve_ok(fake: &mut Fake, input: &str) -> Transcript {
    let t = serve(fake, input.as_bytes());
    if let Err(e) = &t.result {
        panic!("session failed: {e}\nstdout: {}", t.stdout);
    }
    t
}

fn ok(dst: &str) -> PushOutcome {
    PushOutcome::Ok { dst: dst.into(), note: None }
}

fn error(dst: &str, status: RejectStatus, message: Option<&str>) -> PushOutcome {
    PushOutcome::Error { dst: dst.into(), status, message: message.map(Into::into) }
}

fn protocol_line(result: Result<(), HelperError>) -> (String, String) {
    match result {
        Err(HelperError::Protocol { line, why }) => (line, why),
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

// --- capabilities and session end ---

#[test]
fn capabilities_advertise_option_push_fetch_and_the_private_refspec() {
    let t = serve_ok(&mut Fake::default(), "capabilities\n\n");
    assert_eq!(t.stdout, "option\npush\nfetch\nrefspec refs/heads/*:refs/distgit/origin/heads/*\n\n");
}

#[test]
fn invalid_namespaces_are_refused_before_reading_anything() {
    for ns in ["", "refs/", "refs", "distgit/origin", "refs/distgit/", "refs/dist git", "refs/d/*", "refs/a:b"] {
        let mut out = Vec::new();
        let result =
            run_with_diagnostics(Cursor::new("capabilities\n"), &mut out, Vec::new(), &mut Fake::default(), ns);
        assert!(matches!(result, Err(HelperError::InvalidNamespace { .. })), "{ns:?}: {result:?}");
        assert!(out.is_empty());
    }
}

#[test]
fn end_of_input_or_a_blank_line_ends_the_session() {
    let mut fake = Fake::default();
    assert_eq!(serve_ok(&mut fake, "").stdout, "");
    // Whatever follows the blank line is not read.
    let t = serve_ok(&mut fake, "\nlist\nbogus\n");
    assert_eq!(t.stdout, "");
    assert!(fake.lists.is_empty());
    // A last command without its newline is still answered.
    assert_eq!(serve_ok(&mut fake, "capabilities").stdout.lines().next(), Some("option"));
}

// --- option ---

#[test]
fn every_supported_option_is_taken_and_reaches_the_backend() {
    let mut fake = Fake::default();
    let input = format!(
        "option verbosity 3\noption progress true\noption dry-run true\noption force true\n\
         option atomic true\noption followtags true\noption force-if-includes true\n\
         option cas refs/heads/main:{A}\noption cas refs/heads/new:{zero}\n\
         option push-option ci.skip\noption push-option \"two words \\\"q\\\" \\303\\251\"\nlist\n\n",
        zero = "0".repeat(40)
    );
    let t = serve_ok(&mut fake, &input);
    assert_eq!(t.stdout, format!("{}\n", "ok\n".repeat(11)));
    let expected = Options {
        dry_run: true,
        verbosity: 3,
        progress: true,
        force: true,
        cas: vec![
            Cas { dst: "refs/heads/main".into(), expected: Some(A.into()) },
            Cas { dst: "refs/heads/new".into(), expected: None },
        ],
        atomic: true,
        push_options: vec!["ci.skip".into(), "two words \"q\" é".into()],
        followtags: true,
        force_if_includes: true,
    };
    assert_eq!(fake.lists, vec![(false, expected)]);
    assert_eq!(t.stderr, "");
}

#[test]
fn options_can_be_turned_off_again() {
    let mut fake = Fake::default();
    serve_ok(&mut fake, "option dry-run true\noption dry-run false\noption progress false\noption verbosity 0\nlist\n");
    let opts = &fake.lists[0].1;
    assert!(!opts.dry_run && !opts.progress);
    assert_eq!(opts.verbosity, 0);
}

#[test]
fn unknown_options_are_unsupported() {
    let names =
        ["depth 1", "deepen-since 1", "family ipv4", "pushcert true", "check-connectivity true", "cloning true"];
    let more = ["update-shallow true", "object-format true", "filter blob:none", "servpath x", "thin true", "x"];
    let input: String = names.iter().chain(&more).map(|n| format!("option {n}\n")).collect();
    let t = serve_ok(&mut Fake::default(), &input);
    assert_eq!(t.stdout, "unsupported\n".repeat(12));
    assert_eq!(t.stderr, "");
}

#[test]
fn bad_option_values_get_error_replies_and_a_warning() {
    let cases = [
        ("option verbosity loud", "error expected a whole number, got `loud`"),
        ("option progress yes", "error expected `true` or `false`, got `yes`"),
        ("option dry-run", "error option dry-run needs a value"),
        ("option atomic 1", "error expected `true` or `false`, got `1`"),
        ("option cas refs/heads/main", "error expected `<ref>:<object id>`, got `refs/heads/main`"),
        ("option cas :abc", "error no ref before `:` in `:abc`"),
        ("option cas refs/heads/main:abc", "error `abc` is not a full hex object id"),
        ("option push-option \"a\\nb\"", "error a push option cannot contain a newline or NUL"),
        ("option push-option \"open", "error quoted value has no closing `\"`"),
    ];
    for (line, reply) in cases {
        let mut fake = Fake::default();
        let t = serve_ok(&mut fake, &format!("{line}\nlist\n"));
        assert_eq!(t.stdout, format!("{reply}\n\n"), "{line}");
        let name_and_value = line.strip_prefix("option ").unwrap();
        assert!(t.stderr.starts_with(&format!("warning: refused `option {name_and_value}`: ")), "{}", t.stderr);
        assert_eq!(fake.lists[0].1, Options::default(), "{line}: a refused value must not be kept");
    }
}

// --- list ---

#[test]
fn list_writes_value_name_lines_and_a_blank_line() {
    let mut fake = Fake {
        refs: vec![
            RefEntry { value: RefValue::Symref("refs/heads/rawhide".into()), name: "HEAD".into() },
            RefEntry { value: RefValue::Id(A.into()), name: "refs/heads/rawhide".into() },
            RefEntry { value: RefValue::Unknown, name: "refs/heads/f42".into() },
        ],
        ..Fake::default()
    };
    let t = serve_ok(&mut fake, "list\nlist for-push\n\n");
    let listing = format!("@refs/heads/rawhide HEAD\n{A} refs/heads/rawhide\n? refs/heads/f42\n\n");
    assert_eq!(t.stdout, format!("{listing}{listing}"));
    let for_push: Vec<bool> = fake.lists.iter().map(|(f, _)| *f).collect();
    assert_eq!(for_push, [false, true]);
}

#[test]
fn an_empty_list_is_just_the_blank_line() {
    assert_eq!(serve_ok(&mut Fake::default(), "list for-push\n").stdout, "\n");
}

#[test]
fn list_refuses_refs_that_would_break_the_format() {
    let bad = [
        RefEntry { value: RefValue::Id("ABC".into()), name: "refs/heads/a".into() },
        RefEntry { value: RefValue::Id(A.to_uppercase()), name: "refs/heads/a".into() },
        RefEntry { value: RefValue::Unknown, name: "refs/heads/two\nlines".into() },
        RefEntry { value: RefValue::Unknown, name: "refs/heads/a b".into() },
        RefEntry { value: RefValue::Unknown, name: String::new() },
        RefEntry { value: RefValue::Symref("refs/heads/x y".into()), name: "HEAD".into() },
    ];
    for entry in bad {
        let good = RefEntry { value: RefValue::Id(B.into()), name: "refs/heads/good".into() };
        let mut fake = Fake { refs: vec![good, entry.clone()], ..Fake::default() };
        let t = serve(&mut fake, b"list\n");
        assert!(matches!(t.result, Err(HelperError::InvalidRef { .. })), "{entry:?}: {:?}", t.result);
        assert_eq!(t.stdout, "", "{entry:?}: nothing of a bad listing is written");
    }
}

#[test]
fn a_failing_list_is_fatal_and_unanswered() {
    let mut fake = Fake { list_error: Some("dist-git unreachable".into()), ..Fake::default() };
    let t = serve(&mut fake, b"capabilities\nlist for-push\n\n");
    assert_eq!(t.result.unwrap_err().to_string(), "dist-git unreachable");
    assert!(t.stdout.ends_with("/heads/*\n\n"), "only the capabilities were answered: {:?}", t.stdout);
}

// --- fetch ---

#[test]
fn a_fetch_batch_reaches_the_backend_whole_and_is_answered_with_a_blank_line() {
    let mut fake = Fake::default();
    let input = format!("option followtags true\nfetch {A} refs/heads/rawhide\nfetch {B} refs/heads/f42\n\nlist\n\n");
    let t = serve_ok(&mut fake, &input);
    assert_eq!(t.stdout, "ok\n\n\n", "option reply, fetch reply, list reply");
    let (wanted, opts) = &fake.fetches[0];
    assert_eq!(
        wanted,
        &[
            FetchRequest { id: A.into(), name: "refs/heads/rawhide".into() },
            FetchRequest { id: B.into(), name: "refs/heads/f42".into() },
        ]
    );
    assert!(opts.followtags);
    assert_eq!(fake.lists.len(), 1, "the session goes on after a fetch");
}

#[test]
fn a_failing_fetch_is_fatal_and_unanswered() {
    let mut fake = Fake { fetch_error: Some("patch 0002-fix.patch does not apply".into()), ..Fake::default() };
    let t = serve(&mut fake, format!("fetch {A} refs/heads/rawhide\n\n").as_bytes());
    assert_eq!(t.result.unwrap_err().to_string(), "patch 0002-fix.patch does not apply");
    assert_eq!(t.stdout, "");
}

#[test]
fn malformed_fetch_lines_stop_the_batch_before_the_backend_runs() {
    for bad in ["fetch abc refs/heads/x", &format!("fetch {A}"), &format!("fetch {A} "), "push a:b", "list"] {
        let mut fake = Fake::default();
        let t = serve(&mut fake, format!("fetch {B} refs/heads/ok\n{bad}\n\n").as_bytes());
        let (line, why) = protocol_line(t.result);
        assert_eq!(line, bad, "{why}");
        assert!(fake.fetches.is_empty());
        assert_eq!(t.stdout, "");
    }
}

#[test]
fn a_fetch_batch_cut_off_by_end_of_input_does_nothing() {
    let mut fake = Fake::default();
    let t = serve(&mut fake, format!("fetch {A} refs/heads/rawhide\n").as_bytes());
    assert!(matches!(t.result, Err(HelperError::UnexpectedEof { command: "fetch" })));
    assert!(fake.fetches.is_empty());
}

// --- push ---

#[test]
fn a_push_batch_parses_force_delete_and_several_refs() {
    let mut fake = Fake::default();
    let input = "push refs/heads/main:refs/heads/rawhide\npush +HEAD:refs/heads/f42\npush :refs/heads/old\n\
                 push aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:refs/heads/x\n\n";
    let t = serve_ok(&mut fake, input);
    let spec = |force, src: Option<&str>, dst: &str| PushSpec { force, src: src.map(Into::into), dst: dst.into() };
    assert_eq!(
        fake.pushes[0].0,
        [
            spec(false, Some("refs/heads/main"), "refs/heads/rawhide"),
            spec(true, Some("HEAD"), "refs/heads/f42"),
            spec(false, None, "refs/heads/old"),
            spec(false, Some(A), "refs/heads/x"),
        ]
    );
    assert_eq!(t.stdout, "ok refs/heads/rawhide\nok refs/heads/f42\nok refs/heads/old\nok refs/heads/x\n\n");
}

#[test]
fn ok_notes_use_git_words() {
    let mut fake = Fake {
        outcomes: Some(vec![
            PushOutcome::Ok { dst: "refs/heads/a".into(), note: Some(OkNote::UpToDate) },
            PushOutcome::Ok { dst: "refs/heads/b".into(), note: Some(OkNote::ForcedUpdate) },
        ]),
        ..Fake::default()
    };
    let t = serve_ok(&mut fake, "push x:refs/heads/a\npush +y:refs/heads/b\n\n");
    assert_eq!(t.stdout, "ok refs/heads/a up to date\nok refs/heads/b forced update\n\n");
}

#[test]
fn every_reject_status_uses_the_word_git_maps_to_it() {
    let cases = [
        (RejectStatus::NonFastForward, "non-fast forward"),
        (RejectStatus::FetchFirst, "fetch first"),
        (RejectStatus::StaleInfo, "stale info"),
        (RejectStatus::NeedsForce, "needs force"),
        (RejectStatus::AlreadyExists, "already exists"),
        (
            RejectStatus::Other("deleting a dist-git branch is not supported".into()),
            "deleting a dist-git branch is not supported",
        ),
        (RejectStatus::Other(String::new()), "refused"),
        (RejectStatus::Other("up to date".into()), "refused: up to date"),
        (RejectStatus::Other("no match".into()), "refused: no match"),
    ];
    for (status, word) in cases {
        let mut fake = Fake { outcomes: Some(vec![error("refs/heads/a", status, None)]), ..Fake::default() };
        let t = serve_ok(&mut fake, "push x:refs/heads/a\n\n");
        assert_eq!(t.stdout, format!("error refs/heads/a {word}\n\n"));
        assert_eq!(t.stderr, "");
    }
}

#[test]
fn messages_go_to_stderr_and_reasons_stay_on_one_line() {
    let mut fake = Fake {
        outcomes: Some(vec![
            error(
                "refs/heads/a",
                RejectStatus::NonFastForward,
                Some("dist-git has 2 commits not made by git-distgit:\n  abc fix\n  def bump\n"),
            ),
            error("refs/heads/b", RejectStatus::Other("hook said:\nno".into()), None),
            error("refs/heads/c", RejectStatus::Other("\"quoted\" reason".into()), Some("one line")),
        ]),
        ..Fake::default()
    };
    let t = serve_ok(&mut fake, "push x:refs/heads/a\npush x:refs/heads/b\npush x:refs/heads/c\n\n");
    assert_eq!(
        t.stdout,
        "error refs/heads/a non-fast forward\nerror refs/heads/b \"hook said:\\nno\"\n\
         error refs/heads/c \"\\\"quoted\\\" reason\"\n\n"
    );
    assert_eq!(
        t.stderr,
        "error: refs/heads/a: dist-git has 2 commits not made by git-distgit:\n  abc fix\n  def bump\n\
         error: refs/heads/c: one line\n"
    );
}

#[test]
fn status_lines_follow_git_order_whatever_the_backend_order() {
    let mut fake = Fake {
        outcomes: Some(vec![ok("refs/heads/b"), error("refs/heads/a", RejectStatus::FetchFirst, None)]),
        ..Fake::default()
    };
    let t = serve_ok(&mut fake, "push x:refs/heads/a\npush y:refs/heads/b\npush z:refs/heads/c\n\n");
    assert_eq!(
        t.stdout,
        "error refs/heads/a fetch first\nok refs/heads/b\n\
         error refs/heads/c the helper reported no result for this ref\n\n"
    );
}

#[test]
fn atomic_turns_every_update_into_a_failure_when_one_ref_fails() {
    let outcomes = vec![
        ok("refs/heads/a"),
        PushOutcome::Ok { dst: "refs/heads/b".into(), note: Some(OkNote::ForcedUpdate) },
        PushOutcome::Ok { dst: "refs/heads/c".into(), note: Some(OkNote::UpToDate) },
        error("refs/heads/d", RejectStatus::NonFastForward, None),
    ];
    let input =
        "option atomic true\npush x:refs/heads/a\npush +x:refs/heads/b\npush x:refs/heads/c\npush x:refs/heads/d\n\n";
    let mut fake = Fake { outcomes: Some(outcomes.clone()), ..Fake::default() };
    let t = serve_ok(&mut fake, input);
    assert_eq!(
        t.stdout,
        "ok\nerror refs/heads/a atomic push failed\nerror refs/heads/b atomic push failed\n\
         ok refs/heads/c up to date\nerror refs/heads/d non-fast forward\n\n"
    );
    assert!(fake.pushes[0].1.atomic, "the backend is told to push all or nothing");

    // Without --atomic each ref stands alone.
    let mut fake = Fake { outcomes: Some(outcomes), ..Fake::default() };
    let t = serve_ok(&mut fake, input.strip_prefix("option atomic true\n").unwrap());
    assert_eq!(
        t.stdout,
        "ok refs/heads/a\nok refs/heads/b forced update\nok refs/heads/c up to date\nerror refs/heads/d non-fast forward\n\n"
    );
}

#[test]
fn atomic_without_failures_reports_every_update() {
    let mut fake = Fake::default();
    let t = serve_ok(&mut fake, "option atomic true\npush x:refs/heads/a\npush y:refs/heads/b\n\n");
    assert_eq!(t.stdout, "ok\nok refs/heads/a\nok refs/heads/b\n\n");
}

#[test]
fn options_inside_a_push_batch_are_answered_at_once_and_apply_to_it() {
    let mut fake = Fake::default();
    let t = serve_ok(&mut fake, &format!("push x:refs/heads/a\noption cas refs/heads/a:{A}\noption bogus 1\n\n"));
    assert_eq!(t.stdout, "ok\nunsupported\nok refs/heads/a\n\n");
    assert_eq!(fake.pushes[0].1.cas, [Cas { dst: "refs/heads/a".into(), expected: Some(A.into()) }]);
}

#[test]
fn leases_and_push_options_last_one_batch_other_options_the_session() {
    let mut fake = Fake::default();
    let input = format!(
        "option dry-run true\noption cas refs/heads/a:{A}\noption push-option x\npush x:refs/heads/a\n\n\
         push x:refs/heads/a\n\n"
    );
    serve_ok(&mut fake, &input);
    let (first, second) = (&fake.pushes[0].1, &fake.pushes[1].1);
    assert_eq!((first.cas.len(), first.push_options.len()), (1, 1));
    assert!(second.cas.is_empty() && second.push_options.is_empty());
    assert!(first.dry_run && second.dry_run);
}

#[test]
fn an_unreadable_lease_refuses_the_whole_batch_instead_of_pushing_without_it() {
    let mut fake = Fake::default();
    let t = serve_ok(
        &mut fake,
        "option cas refs/heads/a:123\npush +x:refs/heads/a\npush y:refs/heads/b\n\npush z:refs/heads/a\n\n",
    );
    assert_eq!(
        t.stdout,
        "error `123` is not a full hex object id\n\
         error refs/heads/a invalid --force-with-lease: `123` is not a full hex object id\n\
         error refs/heads/b invalid --force-with-lease: `123` is not a full hex object id\n\n\
         ok refs/heads/a\n\n"
    );
    assert_eq!(fake.pushes.len(), 1, "only the next batch, without the bad lease, reaches the backend");
}

#[test]
fn a_lease_without_a_value_also_refuses_the_batch() {
    let mut fake = Fake::default();
    let t = serve_ok(&mut fake, "option cas\npush x:refs/heads/a\n\n");
    assert_eq!(
        t.stdout,
        "error option cas needs a value\nerror refs/heads/a invalid --force-with-lease: option cas needs a value\n\n"
    );
    assert!(fake.pushes.is_empty());
}

#[test]
fn malformed_push_lines_stop_the_batch_before_the_backend_runs() {
    for bad in ["push refs/heads/a", "push x:", "push :", "push x y:refs/heads/a", "push x:refs/heads/a b", "fetch a b"]
    {
        let mut fake = Fake::default();
        let t = serve(&mut fake, format!("push x:refs/heads/ok\n{bad}\n\n").as_bytes());
        let (line, why) = protocol_line(t.result);
        assert_eq!(line, bad, "{why}");
        assert!(fake.pushes.is_empty(), "{bad}");
        assert_eq!(t.stdout, "");
    }
}

#[test]
fn a_push_batch_cut_off_by_end_of_input_pushes_nothing() {
    let mut fake = Fake::default();
    let t = serve(&mut fake, b"push x:refs/heads/a\npush y:refs/heads/b\n");
    assert!(matches!(t.result, Err(HelperError::UnexpectedEof { command: "push" })));
    assert!(fake.pushes.is_empty());
    assert_eq!(t.stdout, "");
}

// --- malformed commands ---

#[test]
fn malformed_commands_are_fatal_and_name_the_line() {
    let cases = [
        ("import refs/heads/main", "unknown command `import`"),
        ("connect git-upload-pack", "unknown command `connect`"),
        ("capabilities now", "wrong arguments for `capabilities`"),
        ("list for-fetch", "wrong arguments for `list`"),
        ("option", "wrong arguments for `option`"),
        ("push", "wrong arguments for `push`"),
        (" list", "unknown command ``"),
    ];
    for (bad, expected_why) in cases {
        let mut fake = Fake::default();
        let t = serve(&mut fake, format!("capabilities\n{bad}\nlist\n").as_bytes());
        let message = match &t.result {
            Err(e) => e.to_string(),
            Ok(()) => panic!("{bad}: accepted"),
        };
        assert_eq!(protocol_line(t.result), (bad.to_string(), expected_why.to_string()));
        assert!(message.contains(&format!("{bad:?}")), "the message names the line: {message}");
        assert!(fake.lists.is_empty(), "nothing after the bad line runs");
    }
}

#[test]
fn a_line_that_is_not_utf8_is_a_protocol_error() {
    let (line, why) = protocol_line(serve(&mut Fake::default(), b"push x:refs/heads/\xff\n\n").result);
    assert_eq!((line.as_str(), why.as_str()), ("push x:refs/heads/\u{fffd}", "the line is not UTF-8"));
}

// --- a whole conversation ---

#[test]
fn a_git_push_conversation_byte_for_byte() {
    // What `git push --dry-run --force-with-lease distgit::foo main:rawhide` sends.
    let mut fake = Fake {
        refs: vec![
            RefEntry { value: RefValue::Symref("refs/heads/rawhide".into()), name: "HEAD".into() },
            RefEntry { value: RefValue::Id(A.into()), name: "refs/heads/rawhide".into() },
        ],
        ..Fake::default()
    };
    let input = format!(
        "capabilities\noption progress false\noption verbosity 1\nlist for-push\n\
         option cas refs/heads/rawhide:{A}\noption dry-run true\npush refs/heads/main:refs/heads/rawhide\n\n\n"
    );
    let t = serve_ok(&mut fake, &input);
    let expected = format!(
        "option\npush\nfetch\nrefspec refs/heads/*:refs/distgit/origin/heads/*\n\n\
         ok\nok\n@refs/heads/rawhide HEAD\n{A} refs/heads/rawhide\n\n\
         ok\nok\nok refs/heads/rawhide\n\n"
    );
    assert_eq!(t.stdout, expected);
    let opts = &fake.pushes[0].1;
    assert!(opts.dry_run && !opts.progress);
    assert_eq!(opts.cas[0].expected.as_deref(), Some(A));
}

// --- flushing ---

/// Shared between [`LineFeeder`] and [`FlushTracker`]: written bytes not yet flushed, and
/// whether any read found some (git would wait for them forever).
#[derive(Default)]
struct Pipe {
    unflushed: Vec<u8>,
    read_while_unflushed: Vec<String>,
}

/// Hands out one line per `read`, noting if a reply is still sitting unflushed.
struct LineFeeder {
    lines: std::collections::VecDeque<&'static str>,
    pipe: std::rc::Rc<std::cell::RefCell<Pipe>>,
}

impl std::io::Read for LineFeeder {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut pipe = self.pipe.borrow_mut();
        if !pipe.unflushed.is_empty() {
            let pending = String::from_utf8_lossy(&pipe.unflushed).into_owned();
            pipe.read_while_unflushed.push(pending);
        }
        let Some(line) = self.lines.pop_front() else { return Ok(0) };
        buf[..line.len()].copy_from_slice(line.as_bytes());
        Ok(line.len())
    }
}

/// Buffers writes until `flush`, like a `BufWriter` on stdout.
struct FlushTracker(std::rc::Rc<std::cell::RefCell<Pipe>>);

impl Write for FlushTracker {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().unflushed.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().unflushed.clear();
        Ok(())
    }
}

#[test]
fn every_reply_is_flushed_before_the_next_read() {
    let pipe = std::rc::Rc::new(std::cell::RefCell::new(Pipe::default()));
    let lines = [
        "capabilities\n",
        "option verbosity 1\n",
        "list for-push\n",
        "push x:refs/heads/a\n",
        "option cas refs/heads/a:\n",
        "\n",
        "fetch aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa refs/heads/a\n",
        "\n",
        "\n",
    ];
    let feeder = LineFeeder { lines: lines.into_iter().collect(), pipe: pipe.clone() };
    let input = std::io::BufReader::new(feeder);
    let result = run_with_diagnostics(input, FlushTracker(pipe.clone()), Vec::new(), &mut Fake::default(), NS);
    result.unwrap();
    assert_eq!(pipe.borrow().read_while_unflushed, Vec::<String>::new());
}
