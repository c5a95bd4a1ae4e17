//! Acceptance 3 of the remote helper: two pushes racing on one dist-git branch leave it
//! consistent, with exactly one of them applied.

use crate::common::*;
use crate::remote_push::*;
use std::sync::{Arc, Barrier};

#[test]
fn two_racing_pushes_leave_exactly_one_applied() {
    for round in 0..3 {
        let a = hello_package();
        let dist = dist_git(&a);
        push_ok(&a, &["push", &url(&dist), "HEAD:rawhide"]);
        let base = bare_git(&dist, &a, &["rev-parse", "rawhide"]);
        let b = Repo::clone_of(&a);
        b.git(&["config", "distgit.lookaside", dist.lookaside.to_str().expect("utf-8")]);
        a.write("README", format!("from A, round {round}\n"));
        let head_a = a.commit("Work from A");
        b.write("dos.txt", format!("from B, round {round}\n"));
        let head_b = b.commit("Work from B");

        let remote = url(&dist);
        let barrier = Arc::new(Barrier::new(2));
        let outputs = std::thread::scope(|s| {
            let run = |repo: &Repo| {
                let barrier = Arc::clone(&barrier);
                let remote = remote.clone();
                let mut cmd = git_cmd_with_helper(repo, &["push", &remote, "HEAD:rawhide"]);
                s.spawn(move || {
                    barrier.wait();
                    cmd.output().expect("git push")
                })
            };
            let (ta, tb) = (run(&a), run(&b));
            (ta.join().expect("thread a"), tb.join().expect("thread b"))
        });
        let (ok_a, ok_b) = (outputs.0.status.success(), outputs.1.status.success());
        assert!(ok_a != ok_b, "exactly one push wins (round {round}): a={ok_a} b={ok_b}");
        let (winner, loser) = if ok_a { (&head_a, &outputs.1) } else { (&head_b, &outputs.0) };
        let loser_err = String::from_utf8_lossy(&loser.stderr);
        assert!(
            loser_err.contains("fetch first") || loser_err.contains("non-fast-forward"),
            "the loser is told to fetch first:\n{loser_err}"
        );
        let message = bare_git(&dist, &a, &["log", "-1", "--format=%B", "rawhide"]);
        assert!(message.contains(&format!("From-source-git-commit: {winner}")), "{message}");
        assert_eq!(bare_git(&dist, &a, &["rev-parse", "rawhide~1"]), base, "one commit on top of the base");
        let sources = bare_git(&dist, &a, &["show", "rawhide:sources"]);
        let sha = sources.rsplit(' ').next().expect("sha");
        let stored = dist.lookaside.join(format!("hello/hello-1.0.tar.gz/sha512/{sha}/hello-1.0.tar.gz"));
        assert!(stored.is_file(), "the winner's tarball stays in the lookaside");
        let fsck = run_git(&a, &["--git-dir", dist.bare.to_str().expect("utf-8"), "fsck", "--no-progress"]);
        assert!(!fsck.contains("error"), "{fsck}");
    }
}
