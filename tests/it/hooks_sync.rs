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
