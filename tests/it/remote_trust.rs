//! The trust gate in `git push distgit::…`: under a `[trust]` policy only the newest commit
//! with a trusted signature is synced; newer commits wait and the pusher is told why; a commit
//! cannot grant itself trust; a new branch takes its policy on first use.

use crate::common::*;
use crate::common_sig::*;
use crate::remote_push::{bare_git, dist_git, push_fails, push_ok, url, DistGit};

/// The source-git commit the dist-git branch was last synced from.
fn synced_from(dist: &DistGit, repo: &Repo, branch: &str) -> String {
    let message = bare_git(dist, repo, &["log", "-1", "--format=%B", branch]);
    let line = message.lines().find_map(|l| l.strip_prefix("From-source-git-commit: ")).expect("trailer");
    line.trim().to_owned()
}

fn short(id: &str) -> &str {
    &id[..12]
}

/// The `hello` package with a `[trust]` policy trusting Alice, committed and signed by her;
/// pushed once (trust on first use). Returns (repo, dist-git, Alice, the signed commit).
fn trusted_package() -> (Repo, DistGit, openpgp::Cert, String) {
    let repo = hello_package();
    let dist = dist_git(&repo);
    let alice = make_key("Alice <alice@example.org>");
    write_trust(&repo, &[&alice], &[&alice]);
    let signed = signed_commit(&repo, "Trust Alice", &alice);
    let stderr = push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(
        stderr.contains(&format!(
            "distgit: trust on first use: dist-git rawhide has no [trust] policy yet; \
             using .distro/distgit.toml of source-git {}",
            short(&signed)
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("signatures not checked"), "{stderr}");
    assert_eq!(synced_from(&dist, &repo, "rawhide"), signed);
    (repo, dist, alice, signed)
}

use sequoia_openpgp as openpgp;

#[test]
fn a_signed_commit_syncs_and_newer_unsigned_commits_wait() {
    let (repo, dist, alice, _) = trusted_package();
    // The policy and its certificate are now in dist-git.
    let toml = bare_git(&dist, &repo, &["show", "rawhide:distgit.toml"]);
    assert!(toml.contains(&fingerprint(&alice)), "{toml}");
    assert!(bare_git(&dist, &repo, &["show", "rawhide:keys/0.asc"]).contains("BEGIN PGP PUBLIC KEY BLOCK"));
    // The synced commit pushed again: up to date, not refused.
    let stderr = push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(stderr.contains("up to date") || stderr.contains("up-to-date"), "{stderr}");

    repo.write("README", "Hello project\n\nSigned change.\n");
    let signed = signed_commit(&repo, "Signed change", &alice);
    repo.write("README", "Hello project\n\nUnsigned change.\n");
    let unsigned = repo.commit("Unsigned change");
    let stderr = push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert_eq!(synced_from(&dist, &repo, "rawhide"), signed, "dist-git stops at the signed commit");
    assert!(
        stderr.contains(&format!(
            "distgit: rawhide: syncing {} (the newest trusted commit); 1 newer commit(s) wait:",
            short(&signed)
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "distgit:   {} Unsigned change: unsigned: sign it with `git commit -S --amend`",
            short(&unsigned)
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("trust on first use"), "the policy now comes from dist-git: {stderr}");
}

#[test]
fn only_unsigned_commits_refuse_the_push_even_forced_and_write_nothing() {
    let (repo, dist, _, _) = trusted_package();
    let before = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    repo.write("README", "Hello project\n\nUnsigned change.\n");
    let unsigned = repo.commit("Unsigned change");
    for args in [&["push", &url(&dist), "HEAD:rawhide"][..], &["push", "--force", &url(&dist), "HEAD:rawhide"][..]] {
        let stderr = push_fails(&repo, args);
        assert!(stderr.contains("(untrusted)"), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "no commit with a trusted signature to sync to dist-git rawhide (1 commit(s) wait; newest: {} \
                 Unsigned change: unsigned: sign it with `git commit -S --amend`)",
                short(&unsigned)
            )),
            "{stderr}"
        );
        assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide"]), before, "nothing written");
    }
}

#[test]
fn a_commit_adding_its_own_key_waits_until_a_trusted_commit_carries_it() {
    let (repo, dist, alice, _) = trusted_package();
    let before = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    let mallory = make_key("Mallory <mallory@example.org>");
    write_trust(&repo, &[&alice, &mallory], &[&alice, &mallory]);
    let grab = signed_commit(&repo, "Trust Mallory too", &mallory);
    let stderr = push_fails(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(stderr.contains(&format!("{} Trust Mallory too: unknown key", short(&grab))), "{stderr}");
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide"]), before, "a commit cannot grant itself trust");

    // Alice, trusted by the policy in dist-git, signs on top: her commit carries the new policy.
    repo.write("README", "Hello project\n\nApproved.\n");
    let approved = signed_commit(&repo, "Approve Mallory", &alice);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert_eq!(synced_from(&dist, &repo, "rawhide"), approved);
    let toml = bare_git(&dist, &repo, &["show", "rawhide:distgit.toml"]);
    assert!(toml.contains(&fingerprint(&mallory)), "the dist-git policy follows the synced commit: {toml}");

    // From now on Mallory's signatures count.
    repo.write("README", "Hello project\n\nBy Mallory.\n");
    let by_mallory = signed_commit(&repo, "By Mallory", &mallory);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert_eq!(synced_from(&dist, &repo, "rawhide"), by_mallory);
}

#[test]
fn without_any_policy_everything_syncs_and_that_is_said_once() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    let stderr = push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide", "HEAD:f44"]);
    assert_eq!(stderr.matches("distgit: no [trust] policy: signatures not checked").count(), 1, "{stderr}");
    assert_eq!(synced_from(&dist, &repo, "f44"), repo.git(&["rev-parse", "HEAD"]));
}

#[test]
fn every_sync_brings_the_candidates_distgit_toml_along() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert!(bare_git(&dist, &repo, &["show", "rawhide:distgit.toml"]).starts_with("# This branch is maintained"));
    repo.write(".distro/distgit.toml", "# tuned in source-git\n");
    repo.commit("Add distgit.toml");
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    assert_eq!(bare_git(&dist, &repo, &["show", "rawhide:distgit.toml"]), "# tuned in source-git");
}

#[test]
fn an_unreadable_dist_git_policy_refuses_the_push() {
    let (repo, dist, alice, _) = trusted_package();
    // Someone removes the certificate in dist-git: the policy there cannot be read.
    let clone = repo.path("dist-clone");
    let run = |args: &[&str]| {
        let out = hermetic("git", repo.home())
            .args(["-c", "user.name=P", "-c", "user.email=p@example.org"])
            .args(args)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let clone_s = clone.to_str().expect("utf-8");
    run(&["clone", "-q", "-b", "rawhide", dist.bare.to_str().expect("utf-8"), clone_s]);
    run(&["-C", clone_s, "rm", "-q", "keys/0.asc"]);
    run(&["-C", clone_s, "commit", "-q", "-m", "Drop the key"]);
    run(&["-C", clone_s, "push", "-q", "origin", "rawhide"]);
    let before = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    repo.write("README", "Hello project\n\nSigned change.\n");
    signed_commit(&repo, "Signed change", &alice);
    let stderr = push_fails(&repo, &["push", "--force", &url(&dist), "HEAD:rawhide"]);
    assert!(stderr.contains("the trust policy of the dist-git branch"), "{stderr}");
    assert!(stderr.contains("keys/0.asc"), "{stderr}");
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide"]), before, "nothing written");
}

#[test]
fn verify_judges_by_the_tracked_dist_git_policy_not_the_commits_own() {
    let (repo, dist, alice, _) = trusted_package();
    let mallory = make_key("Mallory <mallory@example.org>");
    write_trust(&repo, &[&alice, &mallory], &[&alice, &mallory]);
    let grab = signed_commit(&repo, "Trust Mallory too", &mallory);
    // Untracked: only the commit's own .distro/distgit.toml is known (trust on first use).
    let out = repo.distgit(&["verify", "HEAD"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("(trust on first use)"), "{stdout}");

    repo.git(&["config", "distgit.remote", &url(&dist)]);
    repo.git(&["config", "distgit.track", "main:rawhide"]);
    let out = repo.distgit(&["verify", "HEAD"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("policy: distgit.toml of dist-git "), "{stdout}");
    assert!(stdout.contains(" rawhide at "), "{stdout}");
    assert!(stdout.contains(&format!("{} unknown_key", short(&grab))), "{stdout}");

    // --policy reads the given file instead.
    let file = repo.dir.join(".distro/distgit.toml");
    let out = repo.distgit(&["verify", "HEAD", "--policy", file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
