//! Push options end to end: force-with-lease, push options, atomic, the post-push build command.

use crate::common::*;
use crate::remote_push::*;

#[test]
fn force_with_lease_on_a_stale_expectation_is_refused() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    let first = repo.git(&["rev-parse", "HEAD"]);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    repo.write("README", "two\n");
    repo.commit("Two");
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    let before = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    repo.write("README", "three\n");
    repo.commit("Three");
    let lease = format!("--force-with-lease=rawhide:{first}");
    let err = push_fails(&repo, &["push", &lease, &url(&dist), "HEAD:rawhide"]);
    assert!(err.contains("stale info"), "{err}");
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide"]), before);
}

#[test]
fn push_options_reach_the_dist_git_hooks() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    bare_git(&dist, &repo, &["config", "receive.advertisePushOptions", "true"]);
    let hook = dist.bare.join("hooks/pre-receive");
    let script = "#!/bin/sh\ni=0\nwhile [ $i -lt \"${GIT_PUSH_OPTION_COUNT:-0}\" ]; do\n  eval \"echo option: \\$GIT_PUSH_OPTION_$i\" >&2\n  i=$((i+1))\ndone\n";
    std::fs::write(&hook, script).expect("hook");
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let stderr = push_ok(&repo, &["push", "-o", "ci.skip", &url(&dist), "HEAD:rawhide"]);
    assert!(stderr.contains("remote: option: ci.skip"), "{stderr}");
}

#[test]
fn atomic_push_applies_all_or_nothing() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    push_ok(&repo, &["push", &url(&dist), "HEAD:rawhide"]);
    // f42 exists but is not auto-maintained: the atomic push must not touch rawhide either.
    let work = repo.path("f42");
    let w = work.to_str().expect("utf-8");
    run_git(&repo, &["init", "-q", "-b", "f42", w]);
    std::fs::write(work.join("hello.spec"), "Name: hello\n").expect("write");
    run_git(&repo, &["-C", w, "add", "-A"]);
    run_git(&repo, &["-C", w, "-c", "user.name=H", "-c", "user.email=h@e", "commit", "-q", "-m", "by hand"]);
    run_git(&repo, &["-C", w, "push", "-q", dist.bare.to_str().expect("utf-8"), "f42"]);
    repo.write("README", "atomic\n");
    repo.commit("Atomic work");
    let before = bare_git(&dist, &repo, &["for-each-ref", "--format=%(refname) %(objectname)"]);
    let err = push_fails(&repo, &["push", "--atomic", &url(&dist), "HEAD:rawhide", "HEAD:f42"]);
    assert!(err.contains("not auto-maintained"), "{err}");
    assert_eq!(bare_git(&dist, &repo, &["for-each-ref", "--format=%(refname) %(objectname)"]), before);
}

#[test]
fn build_command_failure_is_reported_and_the_push_stands() {
    let repo = hello_package();
    let dist = dist_git(&repo);
    let command = "echo building $DISTGIT_PACKAGE $DISTGIT_BRANCH >&2; env | grep -c s3cret >&2; exit 3";
    repo.git(&["config", "distgit.buildCommand", command]);
    // Secrets the tool reads from the environment do not reach the build command.
    let out = git_cmd_with_helper(&repo, &["push", &url(&dist), "HEAD:rawhide"])
        .env("DISTGIT_SIGNING_PASSPHRASE", "s3cret-passphrase")
        .env("DISTGIT_LOOKASIDE_TOKEN", "s3cret-token")
        .env("DISTGIT_HTTP_PASSWORD", "s3cret-password")
        .output()
        .expect("git push");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("building hello rawhide\n0\n"), "{stderr}");
    assert!(
        stderr.contains("build command") && stderr.contains("failed") && stderr.contains("the push stands"),
        "{stderr}"
    );
    let head = repo.git(&["rev-parse", "HEAD"]);
    let message = bare_git(&dist, &repo, &["log", "-1", "--format=%B", "rawhide"]);
    assert!(message.contains(&head), "{message}");
}
