//! The post-receive hook's limits: the rate limit (refusing the (N+1)th sync with nothing
//! written, its state surviving), the time budget (the push returns, the detached worker
//! finishes), overlapping receives (dist-git ends at the newest candidate), a chained hook;
//! and the rate limit in the remote helper.

use crate::common::*;
use crate::common_sig::*;
use crate::hooks_common::*;
use crate::remote_push::{dist_git, files_in_lookaside, git_with_helper, url};

/// A signed commit changing README (a new downstream patch) in `m`.
fn signed_change(m: &Maintainer, n: u32) -> String {
    m.repo.write("README", format!("Hello project\n\nChange {n}.\n"));
    signed_commit(&m.repo, &format!("Change {n}"), &m.key)
}

/// The worker run by hand, as a new process: its output.
fn run_worker(server: &Server, home: &std::path::Path) -> String {
    let out = hermetic(env!("CARGO_BIN_EXE_distgit-post-receive"), home)
        .args(["--worker", "--git-dir", server.hosting.to_str().expect("utf-8"), "--", "main"])
        .output()
        .expect("worker");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_third_sync_in_the_window_is_refused_and_nothing_is_written() {
    let m = maintainer();
    let server = Server::new(m.repo.home());
    server.config("distgit.rateLimit", "2/hour");
    push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    let second = signed_change(&m, 1);
    push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    assert_eq!(server.synced_from().as_deref(), Some(second.as_str()));
    let (head, lookaside) = (server.dist_head(), files_in_lookaside(&server.lookaside));

    signed_change(&m, 2);
    let stderr = push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    let refusal = "remote: distgit: main: rate limit reached: 2 dist-git pushes in the last hour \
                   (distgit.rateLimit = 2/hour); next push allowed at ";
    assert!(stderr.contains(refusal), "{stderr}");
    assert!(stderr.contains("; nothing was written"), "{stderr}");
    assert_eq!(server.dist_head(), head);
    assert_eq!(files_in_lookaside(&server.lookaside), lookaside);

    // The count is on disk: a new process refuses too.
    assert!(server.hosting.join("distgit/meter.json").is_file());
    let again = run_worker(&server, m.repo.home());
    assert!(again.contains("rate limit reached: 2 dist-git pushes"), "{again}");
    assert_eq!(server.dist_head(), head);
}

#[test]
fn the_helper_applies_the_rate_limit_only_when_configured() {
    let m = maintainer();
    let dist = dist_git(&m.repo);
    m.repo.git(&["config", "distgit.rateLimit", "1/day"]);
    let out = git_with_helper(&m.repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    signed_change(&m, 1);
    let out = git_with_helper(&m.repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("rate limit reached: 1 dist-git pushes in the last day (distgit.rateLimit = 1/day)"),
        "{stderr}"
    );
    m.repo.git(&["config", "--unset", "distgit.rateLimit"]);
    let out = git_with_helper(&m.repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn past_the_budget_the_push_returns_and_the_worker_finishes_in_the_background() {
    let m = maintainer();
    let server = Server::new(m.repo.home());
    let marker = m.repo.path("built");
    server.config("distgit.hookBudget", "0");
    server.config("distgit.buildCommand", &format!("sleep 3; echo \"$DISTGIT_BRANCH\" > {}", marker.display()));
    let tip = m.repo.git(&["rev-parse", "HEAD"]);
    let stderr = push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    assert!(stderr.contains("remote: distgit: still working; continuing in the background, outcome in "), "{stderr}");
    assert!(stderr.contains("/distgit/log/"), "{stderr}");
    assert!(!marker.exists(), "the push waited for the build command");
    server.wait_until("dist-git to be synced", |s| s.synced_from().as_deref() == Some(tip.as_str()));
    server.wait_until("the build command", |_| marker.exists());
    server.wait_for_workers();
    let logs = server.logs().join("\n");
    assert!(logs.contains("distgit: main: pushed "), "{logs}");
}

#[test]
fn overlapping_receives_are_serialized_and_dist_git_ends_at_the_newest_candidate() {
    let m = maintainer();
    let server = Server::new(m.repo.home());
    push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    let before = server.dist_head().expect("first sync");
    server.config("distgit.hookBudget", "0");
    // A worker is syncing `main`: its lock is held (by this process, as LockFile holds it),
    // while two signed pushes land; their workers wait on it.
    let lock = server.hosting.join("distgit/locks/main.lock");
    std::fs::create_dir_all(lock.parent().expect("dir")).expect("mkdir");
    std::fs::write(&lock, format!("{}\n", std::process::id())).expect("hold the lock");
    signed_change(&m, 1);
    push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    let b = signed_change(&m, 2);
    push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    server.wait_until("both workers to start", |s| {
        s.logs().iter().filter(|l| l.contains("# worker") && !l.contains(" finished at ")).count() == 2
    });
    assert_eq!(server.dist_head().as_deref(), Some(before.as_str()), "a worker did not wait for the lock");
    std::fs::remove_file(&lock).expect("release the lock");
    server.wait_for_workers();

    assert_eq!(server.synced_from().as_deref(), Some(b.as_str()));
    let home = m.repo.home();
    let new = git_at(home, &server.dist, &["rev-list", "--count", &format!("{before}..rawhide")]);
    assert_eq!(new, "1", "exactly one new bot commit");
    let logs = server.logs();
    let (pushed, up_to_date) = (
        logs.iter().filter(|l| l.contains("distgit: main: pushed ")).count(),
        logs.iter().filter(|l| l.contains(&format!("is up to date with {}", &b[..12]))).count(),
    );
    assert_eq!((pushed, up_to_date), (2, 1), "first sync, then one worker pushed B and one found it up to date");
    let all = logs.join("\n");
    for word in ["stale", "rejected", "refused", "warning", "rate limit"] {
        assert!(!all.contains(word), "{word}: {all}");
    }
}

#[test]
fn the_helper_refuses_every_push_when_the_rate_limit_is_bad() {
    let m = maintainer();
    let dist = dist_git(&m.repo);
    m.repo.git(&["config", "distgit.rateLimit", "30/fortnight"]);
    let out = git_with_helper(&m.repo, &["push", &url(&dist), "HEAD:rawhide", "HEAD:f41"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let why = "git config distgit.rateLimit = `30/fortnight`: unknown window; expected `N/hour`, `N/day`";
    for branch in ["rawhide", "f41"] {
        assert!(stderr.contains(&format!("! [remote rejected] HEAD -> {branch} (rate limit)")), "{stderr}");
    }
    assert_eq!(stderr.matches(why).count(), 2, "{stderr}");
    assert!(git_at(m.repo.home(), &dist.bare, &["for-each-ref"]).is_empty(), "nothing pushed");
    assert!(files_in_lookaside(&dist.lookaside).is_empty(), "nothing uploaded");
}

#[test]
fn an_existing_post_receive_hook_is_chained_and_both_run() {
    let m = maintainer();
    let home = m.repo.home();
    let server = Server::new(home);
    // A hook installed by someone else after ours: installing again chains it.
    let seen = m.repo.path("chained-input");
    let hook = server.hosting.join("hooks/post-receive");
    std::fs::write(&hook, format!("#!/bin/sh\ncat > '{}'\nexit 3\n", seen.display())).expect("write hook");
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let out = distgit_in(home, &["-C", server.hosting.to_str().expect("utf-8"), "install-hooks", "--server"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("chained "), "{}", String::from_utf8_lossy(&out.stderr));
    let tip = m.repo.git(&["rev-parse", "HEAD"]);
    push_ok(&m.repo, &[&server.url(), "HEAD:main"]);
    let input = std::fs::read_to_string(&seen).expect("the chained hook ran");
    assert!(input.contains(&format!("{tip} refs/heads/main")), "{input}");
    assert_eq!(server.synced_from().as_deref(), Some(tip.as_str()));
}
