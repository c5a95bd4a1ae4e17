//! The pre-push hook and `git distgit install-hooks`: an untrusted tip or a broken spec is
//! refused locally (`--no-verify` passes), `core.hooksPath` is respected, an existing hook is
//! chained (and its failure still refuses the push), installing again is idempotent.

use crate::common::*;
use crate::common_sig::*;
use crate::hooks_common::*;
use crate::remote_push::{bare_git, dist_git, git_with_helper, url};
use std::path::{Path, PathBuf};

/// A bare repository to push to (no hooks), under `home`.
fn plain_remote(home: &Path) -> String {
    let dir = home.join("plain.git");
    git_in(home, &["init", "-q", "--bare", "-b", "main", dir.to_str().expect("utf-8")]);
    dir.display().to_string()
}

/// `git distgit install-hooks ARGS` in `repo`, asserting success; returns stdout.
fn install(repo: &Repo, args: &[&str]) -> String {
    let mut full = vec!["install-hooks"];
    full.extend_from_slice(args);
    repo.distgit_ok(&full)
}

/// `git push` that must fail; returns stderr.
fn push_refused(repo: &Repo, args: &[&str]) -> String {
    let out = push(repo, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "git push {args:?} should be refused:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn pre_push_refuses_an_unsigned_tip_and_no_verify_passes() {
    let m = maintainer();
    let remote = plain_remote(m.repo.home());
    let said = install(&m.repo, &[]);
    assert!(said.starts_with("installed ") && said.contains(".git/hooks/pre-push"), "{said}");

    let stderr = push_ok(&m.repo, &[&remote, "HEAD:main"]);
    assert!(stderr.contains("distgit: trust on first use"), "{stderr}");
    assert!(stderr.contains("distgit: main: ") && stderr.contains("renders hello 1.0"), "{stderr}");

    m.repo.write("README", "Hello project\n\nUnsigned.\n");
    let unsigned = m.repo.commit("Unsigned change");
    let stderr = push_refused(&m.repo, &[&remote, "HEAD:main"]);
    let expected =
        format!("distgit: refusing to push main: its tip {} \"Unsigned change\" is not trusted", &unsigned[..12]);
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("git commit -S --amend"), "{stderr}");
    assert!(stderr.contains("--no-verify"), "{stderr}");
    assert_ne!(git_in(m.repo.home(), &["--git-dir", &remote, "rev-parse", "main"]), unsigned);

    push_ok(&m.repo, &["--no-verify", &remote, "HEAD:main"]);
    assert_eq!(git_in(m.repo.home(), &["--git-dir", &remote, "rev-parse", "main"]), unsigned);
}

#[test]
fn pre_push_refuses_a_signed_tip_that_does_not_render() {
    let m = maintainer();
    let remote = plain_remote(m.repo.home());
    install(&m.repo, &[]);
    m.repo.write(".distro/hello.spec", HELLO_SPEC.replace("Version:        0.9\n", ""));
    let broken = signed_commit(&m.repo, "Break the spec", &m.key);
    let stderr = push_refused(&m.repo, &[&remote, "HEAD:main"]);
    assert!(
        stderr.contains(&format!("distgit: refusing to push main: {} does not render: ", &broken[..12])),
        "{stderr}"
    );
}

#[test]
fn pre_push_without_a_policy_only_renders_and_lets_tags_and_deletions_pass() {
    let repo = hello_package();
    let remote = plain_remote(repo.home());
    install(&repo, &[]);
    let stderr = push_ok(&repo, &[&remote, "HEAD:main", "HEAD:topic"]);
    assert_eq!(stderr.matches("no [trust] policy: signatures not checked").count(), 1, "{stderr}");
    assert!(stderr.contains("renders hello 1.0"), "{stderr}");
    push_ok(&repo, &[&remote, ":topic"]);
    repo.git(&["tag", "-a", "-m", "x", "v9"]);
    push_ok(&repo, &[&remote, "v9"]);
}

/// `git push` with `git-remote-distgit` on PATH; returns (success, stderr).
fn push_with_helper(repo: &Repo, args: &[&str]) -> (bool, String) {
    let mut full = vec!["push"];
    full.extend_from_slice(args);
    let out = git_with_helper(repo, &full);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.success(), stderr)
}

/// Bob (a new key) commits, signed, a `[trust]` that adds his own key to Alice's.
fn bob_trusts_himself(m: &Maintainer) -> String {
    let bob = make_key("Bob <bob@example.org>");
    write_trust(&m.repo, &[&m.key, &bob], &[&m.key, &bob]);
    signed_commit(&m.repo, "Trust Bob too", &bob)
}

#[test]
fn pre_push_takes_the_policy_from_the_cached_dist_git_branch() {
    let m = maintainer();
    let dist = dist_git(&m.repo);
    // dist-git rawhide gets Alice's policy (trust on first use); the push leaves a cache.
    let (ok, stderr) = push_with_helper(&m.repo, &[&url(&dist), "HEAD:rawhide"]);
    assert!(ok, "{stderr}");
    let dist_head = bare_git(&dist, &m.repo, &["rev-parse", "rawhide"]);
    m.repo.git(&["config", "distgit.remote", dist.bare.to_str().expect("utf-8")]);
    m.repo.git(&["config", "distgit.track", "main:rawhide"]);
    let remote = plain_remote(m.repo.home());
    install(&m.repo, &[]);

    let selfish = bob_trusts_himself(&m);
    let stderr = push_refused(&m.repo, &[&remote, "HEAD:main"]);
    let expected =
        format!("distgit: refusing to push main: its tip {} \"Trust Bob too\" is not trusted", &selfish[..12]);
    assert!(stderr.contains(&expected), "{stderr}");
    let policy = format!(
        "distgit: policy used: the [trust] table of distgit.toml on dist-git rawhide (at {}, as of the last push or fetch)",
        &dist_head[..12]
    );
    assert!(stderr.contains(&policy), "{stderr}");
    assert!(!stderr.contains("trust on first use"), "{stderr}");

    // Without the tracked dist-git the same commit passes on first use: the cache made the
    // difference.
    m.repo.git(&["config", "--unset", "distgit.remote"]);
    m.repo.git(&["config", "--unset", "distgit.track"]);
    let stderr = push_ok(&m.repo, &[&remote, "HEAD:main"]);
    assert!(stderr.contains("distgit: trust on first use"), "{stderr}");
}

#[test]
fn pre_push_to_a_distgit_remote_checks_the_pushed_dist_git_branch() {
    let m = maintainer();
    let dist = dist_git(&m.repo);
    let address = dist.bare.to_str().expect("utf-8");
    // Tracking says `main` → `f41`; pushing to a `distgit::` remote, the remote ref counts.
    m.repo.git(&["config", "distgit.remote", address]);
    m.repo.git(&["config", "distgit.track", "main:f41"]);
    m.repo.git(&["remote", "add", "fedora", &url(&dist)]);
    // A hook already there records what git gives pre-push; ours chains it.
    let seen = m.repo.path("pre-push-args");
    let hook = m.repo.dir.join(".git/hooks/pre-push");
    write_executable(&hook, &format!("#!/bin/sh\necho \"$1 $2\" >> '{}'\n", seen.display()));
    install(&m.repo, &[]);

    let tip = m.repo.git(&["rev-parse", "HEAD"]);
    let (ok, stderr) = push_with_helper(&m.repo, &[&url(&dist), "HEAD:rawhide"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains(&format!("distgit: rawhide: {} renders hello 1.0", &tip[..12])), "{stderr}");
    let branches = bare_git(&dist, &m.repo, &["for-each-ref", "--format=%(refname)"]);
    assert_eq!(branches, "refs/heads/rawhide", "{stderr}");

    m.repo.write("README", "Hello project\n\nUnsigned.\n");
    let unsigned = m.repo.commit("Unsigned change");
    let before = bare_git(&dist, &m.repo, &["rev-parse", "rawhide"]);
    for target in [url(&dist), "fedora".to_owned()] {
        let (ok, stderr) = push_with_helper(&m.repo, &[&target, "HEAD:rawhide"]);
        assert!(!ok, "{stderr}");
        let expected = format!(
            "distgit: refusing to push rawhide: its tip {} \"Unsigned change\" is not trusted",
            &unsigned[..12]
        );
        assert!(stderr.contains(&expected), "{target}: {stderr}");
        assert!(stderr.contains("(`git push --no-verify` skips this check)"), "{stderr}");
    }
    assert_eq!(bare_git(&dist, &m.repo, &["rev-parse", "rawhide"]), before);

    m.repo.write("README", "Hello project\n\nSigned.\n");
    let signed = signed_commit(&m.repo, "Signed change", &m.key);
    let (ok, stderr) = push_with_helper(&m.repo, &["fedora", "HEAD:rawhide"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains(&format!("distgit: rawhide: {} renders hello 1.0", &signed[..12])), "{stderr}");
    let message = bare_git(&dist, &m.repo, &["log", "-1", "--format=%B", "rawhide"]);
    assert!(message.contains(&format!("From-source-git-commit: {signed}")), "{message}");

    // What git passes: `<remote> <url>`, the URL with its `distgit::` prefix, also for a
    // named remote.
    let direct = url(&dist);
    let args = std::fs::read_to_string(&seen).expect("the chained hook ran");
    let lines: Vec<&str> = args.lines().collect();
    let expected = [
        format!("{direct} {direct}"),
        format!("{direct} {direct}"),
        format!("fedora {direct}"),
        format!("fedora {direct}"),
    ];
    assert_eq!(lines, expected, "{args}");
}

#[test]
fn install_hooks_respects_core_hooks_path_and_chains_an_existing_hook() {
    let m = maintainer();
    let remote = plain_remote(m.repo.home());
    m.repo.git(&["config", "core.hooksPath", ".githooks"]);
    let hooks = m.repo.dir.join(".githooks");
    let seen = m.repo.path("chained-input");
    let flag = m.repo.path("fail-chained");
    let existing = format!(
        "#!/bin/sh\ncat > '{}'\necho \"chained pre-push $1\" >&2\n[ ! -e '{}' ]\n",
        seen.display(),
        flag.display()
    );
    std::fs::create_dir_all(&hooks).expect("mkdir");
    write_executable(&hooks.join("pre-push"), &existing);

    let said = install(&m.repo, &[]);
    assert!(said.contains(".githooks/pre-push") && said.contains("chained "), "{said}");
    let chained = hooks.join("pre-push.distgit-chained");
    assert_eq!(std::fs::read_to_string(&chained).expect("chained hook"), existing);

    let stderr = push_ok(&m.repo, &[&remote, "HEAD:main"]);
    assert!(stderr.contains("chained pre-push ") && stderr.contains("renders hello 1.0"), "{stderr}");
    let input = std::fs::read_to_string(&seen).expect("the chained hook read its input");
    assert!(input.starts_with("refs/heads/main ") || input.starts_with("HEAD "), "{input}");

    // A failing chained hook refuses the push, even for a trusted tip.
    std::fs::write(&flag, "").expect("flag");
    m.repo.write("README", "Hello project\n\nSigned.\n");
    signed_commit(&m.repo, "Signed change", &m.key);
    push_refused(&m.repo, &[&remote, "HEAD:main"]);

    // Again: our script is updated in place, nothing is chained twice.
    let said = install(&m.repo, &[]);
    assert!(said.starts_with("updated "), "{said}");
    assert_eq!(std::fs::read_to_string(&chained).expect("chained hook"), existing);
    let names: Vec<PathBuf> = std::fs::read_dir(&hooks).expect("ls").flatten().map(|e| e.path()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn install_hooks_in_a_bare_repository_resolves_a_relative_hooks_path_from_the_git_dir() {
    let home = tempfile::tempdir().expect("tempdir");
    let bare = home.path().join("hosting.git");
    git_in(home.path(), &["init", "-q", "--bare", bare.to_str().expect("utf-8")]);
    git_at(home.path(), &bare, &["config", "core.hooksPath", "custom-hooks"]);
    let out = distgit_in(home.path(), &["-C", bare.to_str().expect("utf-8"), "install-hooks", "--server"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let script = std::fs::read_to_string(bare.join("custom-hooks/post-receive")).expect("hook written");
    assert!(script.contains("distgit-post-receive'"), "{script}");
}

#[test]
fn install_hooks_help_has_examples() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = distgit_in(home.path(), &["install-hooks", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("git distgit -C /srv/git/hello.git install-hooks --server"), "{text}");
}

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write hook");
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
}
