//! The post-receive hook end to end: a signed push to the hosting repository (over `file://`
//! and `git daemon`) syncs dist-git with a bot-signed commit GnuPG accepts; an unsigned push
//! on top leaves dist-git at the last signed candidate and tells the pusher (and the notify
//! command) why; no policy refuses to sync.

use crate::common::*;
use crate::common_sig::*;
use crate::hooks_common::*;

/// Signed push, then an unsigned commit on top, to `url`.
fn signed_then_unsigned(m: &Maintainer, server: &Server, url: &str) {
    let tip = m.repo.git(&["rev-parse", "HEAD"]);
    let stderr = push_ok(&m.repo, &[url, "HEAD:main"]);
    assert!(stderr.contains("remote: distgit: trust on first use"), "{stderr}");
    assert!(stderr.contains("remote: distgit: main: pushed "), "{stderr}");
    assert_eq!(server.synced_from().as_deref(), Some(tip.as_str()), "{stderr}");
    let home = m.repo.home();
    if require_tool("gpg") {
        let verified = gpg_verify(home, &server.dist, "rawhide", &server.bot);
        let report = String::from_utf8_lossy(&verified.stderr);
        assert!(verified.status.success(), "git verify-commit refused the bot's commit:\n{report}");
        assert!(report.contains("Good signature from \"Dist-git Bot <bot@example.org>\""), "{report}");
    }
    let dist_before = server.dist_head();

    m.repo.write("README", "Hello project\n\nUnsigned change.\n");
    let unsigned = m.repo.commit("An unsigned change");
    let stderr = push_ok(&m.repo, &[url, "HEAD:main"]);
    assert!(stderr.contains("remote: distgit: rawhide: no trusted commit to sync"), "{stderr}");
    assert!(stderr.contains(&format!("remote: distgit:   {}", &unsigned[..12])), "{stderr}");
    assert!(stderr.contains("unsigned"), "{stderr}");
    assert_eq!(server.dist_head(), dist_before, "dist-git moved on an unsigned push");
    assert_eq!(server.synced_from().as_deref(), Some(tip.as_str()));
}

#[test]
fn a_signed_push_over_file_syncs_dist_git_and_an_unsigned_one_waits() {
    let m = maintainer();
    let server = Server::new(m.repo.home());
    let events = m.repo.path("events");
    let command =
        format!("{{ echo \"$DISTGIT_EVENT $DISTGIT_BRANCH $DISTGIT_COMMIT\"; cat; }} >> {}", events.display());
    server.config("distgit.notifyCommand", &command);
    signed_then_unsigned(&m, &server, &server.url());
    let head = m.repo.git(&["rev-parse", "HEAD"]);
    let told = std::fs::read_to_string(&events).expect("the notify command ran");
    assert!(told.starts_with(&format!("untrusted main {head}\n")), "{told}");
    assert!(told.contains("no commit with a trusted signature"), "{told}");
}

#[test]
fn a_signed_push_over_git_daemon_syncs_dist_git_and_an_unsigned_one_waits() {
    let m = maintainer();
    let server = Server::new(m.repo.home());
    let base = server.hosting.parent().expect("base").to_path_buf();
    let daemon = GitDaemon::start(m.repo.home(), &base, true);
    let url = format!("git://127.0.0.1:{}/hosting.git", daemon.port);
    signed_then_unsigned(&m, &server, &url);
}

#[test]
fn a_later_signed_commit_syncs_and_newer_unsigned_ones_are_named() {
    let m = maintainer();
    let server = Server::new(m.repo.home());
    push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    m.repo.write("README", "Hello project\n\nSigned change.\n");
    let signed = signed_commit(&m.repo, "A signed change", &m.key);
    m.repo.write("README", "Hello project\n\nThen unsigned.\n");
    let unsigned = m.repo.commit("Then an unsigned one");
    let stderr = push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    assert!(
        stderr.contains(&format!("syncing {} (the newest trusted commit); 1 newer commit(s) wait", &signed[..12])),
        "{stderr}"
    );
    assert!(stderr.contains(&unsigned[..12]), "{stderr}");
    assert_eq!(server.synced_from().as_deref(), Some(signed.as_str()));
}

#[test]
fn without_a_trust_policy_the_bot_syncs_nothing_and_says_how_to_add_one() {
    let repo = hello_package();
    let server = Server::new(repo.home());
    let stderr = push_ok(&repo, &[&server.url(), "HEAD:main"]);
    assert!(stderr.contains("remote: distgit: main: no [trust] policy: the bot syncs only signed work"), "{stderr}");
    assert!(stderr.contains("signers = "), "{stderr}");
    assert_eq!(server.dist_head(), None);
}

#[test]
fn bad_config_values_are_reported_and_the_push_still_succeeds() {
    let m = maintainer();
    let server = Server::new(m.repo.home());
    server.config("distgit.rateLimit", "lots");
    server.config("distgit.hookBudget", "soon");
    let stderr = push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    assert!(stderr.contains("remote: distgit: warning: git config distgit.hookBudget = `soon`"), "{stderr}");
    assert!(stderr.contains("remote: distgit: main: git config distgit.rateLimit = `lots`"), "{stderr}");
    assert_eq!(server.dist_head(), None);
    let head = m.repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(git_at(m.repo.home(), &server.hosting, &["rev-parse", "main"]), head, "the push itself stands");
}

/// Accepts one HTTP request on 127.0.0.1, answers `204`, and returns the request.
fn one_request() -> (String, std::thread::JoinHandle<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://hook:s3cret@127.0.0.1:{}/notify", listener.local_addr().expect("addr").port());
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(true).expect("nonblocking");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let stream = loop {
            match listener.accept() {
                Ok((stream, _)) => break stream,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(std::time::Instant::now() < deadline, "no notification within 60 s");
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("accept: {e}"),
            }
        };
        stream.set_nonblocking(false).expect("blocking");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("read");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        let length = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        let mut stream = stream;
        stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").expect("answer");
        format!("{head}\r\n{}", String::from_utf8_lossy(&body))
    });
    (url, handle)
}

#[test]
fn problems_are_posted_to_the_notify_url() {
    let repo = hello_package();
    let server = Server::new(repo.home());
    let (url, request) = one_request();
    server.config("distgit.notifyUrl", &url);
    let stderr = push_ok(&repo, &[&server.url(), "HEAD:main"]);
    assert!(!stderr.contains("s3cret") && !stderr.contains("warning: notify"), "{stderr}");
    let request = request.join().expect("request");
    assert!(request.starts_with("POST /notify "), "{request}");
    assert!(request.to_ascii_lowercase().contains("content-type: application/json"), "{request}");
    let body: serde_json::Value =
        serde_json::from_str(request.split("\r\n\r\n").nth(1).expect("body")).expect("JSON body");
    assert_eq!(body["event"], "no_policy");
    assert_eq!(body["branch"], "main");
    assert_eq!(body["dist_git_branch"], "rawhide");
    assert_eq!(body["commit"], repo.git(&["rev-parse", "HEAD"]));
    assert!(body["repository"].as_str().is_some_and(|r| r.ends_with("hosting.git")), "{body}");
}

#[test]
fn dist_git_divergence_is_reported_to_the_pusher_and_the_notify_command() {
    let m = maintainer();
    let server = Server::new(m.repo.home());
    let events = m.repo.path("events");
    server.config("distgit.notifyCommand", &format!("{{ echo \"$DISTGIT_EVENT\"; cat; }} >> {}", events.display()));
    push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    assert!(server.dist_head().is_some());

    // A person fixes something directly in dist-git.
    let home = m.repo.home();
    let checkout = home.join("dist-checkout");
    git_in(
        home,
        &["clone", "-q", "-b", "rawhide", server.dist.to_str().expect("utf-8"), checkout.to_str().expect("utf-8")],
    );
    std::fs::write(checkout.join("hotfix.txt"), "fixed by hand\n").expect("write");
    git_in(home, &["-C", checkout.to_str().expect("utf-8"), "add", "hotfix.txt"]);
    let (name, email) = ("user.name=Pat Packager", "user.email=pat@example.org");
    let dir = checkout.to_str().expect("utf-8");
    git_in(home, &["-C", dir, "-c", name, "-c", email, "commit", "-q", "-m", "Hotfix in dist-git"]);
    git_in(home, &["-C", checkout.to_str().expect("utf-8"), "push", "-q", "origin", "rawhide"]);
    let human = server.dist_head();

    m.repo.write("README", "Hello project\n\nSigned change.\n");
    signed_commit(&m.repo, "A signed change", &m.key);
    let stderr = push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    assert!(stderr.contains("remote: distgit: ") && stderr.contains("has diverged"), "{stderr}");
    assert!(stderr.contains("Hotfix in dist-git (Pat Packager"), "{stderr}");
    assert_eq!(server.dist_head(), human, "the bot never writes over human commits");
    let told = std::fs::read_to_string(&events).expect("the notify command ran");
    assert!(told.starts_with("diverged\n"), "{told}");
    assert!(told.contains("Hotfix in dist-git"), "{told}");
}
