//! `git distgit status`: JSON snapshots of each state, the human form, no network without
//! `--fetch`, and the errors.

use crate::common::*;
use crate::common_sig::*;
use crate::remote_push::*;

/// The `hello` package with a `fedora` remote pointing at a new bare dist-git.
fn tracked_package() -> (Repo, DistGit) {
    let repo = hello_package();
    let dist = dist_git(&repo);
    repo.git(&["remote", "add", "fedora", &url(&dist)]);
    repo.git(&["config", "distgit.track", "main:rawhide"]);
    (repo, dist)
}

/// `git distgit status ARGS --json`, temp paths replaced by `[tmp]`, parsed.
fn status_json(repo: &Repo, args: &[&str]) -> serde_json::Value {
    let mut full = vec!["status", "--json"];
    full.extend_from_slice(args);
    let out = repo.distgit_ok(&full);
    let tmp = repo.home().to_str().expect("utf-8");
    serde_json::from_str(&out.replace(tmp, "[tmp]")).expect("status --json is JSON")
}

/// Commits `files` on `rawhide` of the bare dist-git as a person would (plain git, fixed date).
fn human_commit(repo: &Repo, dist: &DistGit, files: &[(&str, &str)], message: &str) {
    let work = repo.path("human");
    let w = work.to_str().expect("utf-8");
    if !work.exists() {
        run_git(repo, &["clone", "-q", "-b", "rawhide", dist.bare.to_str().expect("utf-8"), w]);
    }
    run_git(repo, &["-C", w, "pull", "-q", "--ff-only"]);
    for (path, content) in files {
        std::fs::write(work.join(path), content).expect("write");
    }
    commit_and_push(repo, w, message);
}

/// Commits everything in the checkout `w` as a person (fixed date) and pushes `rawhide`.
fn commit_and_push(repo: &Repo, w: &str, message: &str) {
    run_git(repo, &["-C", w, "add", "-A"]);
    let date = format!("@{} +0000", EPOCH + 86_400);
    let out = hermetic("git", repo.home())
        .args(["-C", w, "-c", "user.name=Hu Man", "-c", "user.email=hu@example.org", "commit", "-q", "-m", message])
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("git commit");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    run_git(repo, &["-C", w, "push", "-q", "origin", "rawhide"]);
}

#[test]
fn up_to_date() {
    let (repo, _dist) = tracked_package();
    push_ok(&repo, &["push", "fedora", "main:rawhide"]);
    let status = status_json(&repo, &[]);
    assert_eq!(status["sync"], "up_to_date");
    insta::assert_json_snapshot!(status);
}

#[test]
fn ahead_by_two() {
    let (repo, _dist) = tracked_package();
    push_ok(&repo, &["push", "fedora", "main:rawhide"]);
    repo.write("README", "Hello project\n\nMore.\n");
    repo.commit("Say more");
    repo.write(".distro/hello.spec", HELLO_SPEC.replace("A friendly greeter", "A greeter"));
    repo.commit("Packaging: shorter summary");
    let status = status_json(&repo, &[]);
    assert_eq!(status["sync"], "ahead");
    assert_eq!(status["waiting"].as_array().map(Vec::len), Some(2));
    assert_eq!(status["downstream_patches"], 6, "the .distro/-only commit makes no patch");
    insta::assert_json_snapshot!(status);
}

#[test]
fn diverged() {
    let (repo, dist) = tracked_package();
    push_ok(&repo, &["push", "fedora", "main:rawhide"]);
    human_commit(&repo, &dist, &[("gating.yaml", "--- !Policy\n")], "Add gating by hand");
    repo.write("README", "Hello project\n\nMore.\n");
    repo.commit("Say more");
    let status = status_json(&repo, &["--fetch"]);
    assert_eq!(status["sync"], "diverged");
    insta::assert_json_snapshot!(status);
}

#[test]
fn never_synced() {
    let (repo, dist) = tracked_package();
    human_commit_on_new_branch(&repo, &dist);
    let status = status_json(&repo, &["--fetch"]);
    assert_eq!(status["sync"], "never_synced");
    insta::assert_json_snapshot!(status);
}

/// Creates `rawhide` in the bare dist-git by hand, opted in, with no bot commit.
fn human_commit_on_new_branch(repo: &Repo, dist: &DistGit) {
    let work = repo.path("human");
    let w = work.to_str().expect("utf-8");
    run_git(repo, &["init", "-q", "-b", "rawhide", w]);
    run_git(repo, &["-C", w, "remote", "add", "origin", dist.bare.to_str().expect("utf-8")]);
    std::fs::write(work.join("distgit.toml"), "").expect("write");
    commit_and_push(repo, w, "Opt in");
}

#[test]
fn nothing_cached_yet_says_to_fetch_or_push() {
    let (repo, _dist) = tracked_package();
    let status = status_json(&repo, &[]);
    assert_eq!(status["sync"], "no_cache");
    assert_eq!(status["dist_git_state"], serde_json::Value::Null);
    assert!(status["hint"].as_str().unwrap().contains("git distgit status --fetch"), "{status}");
    let fetched = status_json(&repo, &["--fetch"]);
    assert_eq!(fetched["sync"], "branch_missing");
    assert_eq!(fetched["hint"], "push to create dist-git branch `rawhide`: git push fedora main:rawhide");
    assert_eq!(fetched["waiting"].as_array().map(Vec::len), Some(7), "every commit with .distro/");
}

#[test]
fn status_reads_no_network_and_fetch_sees_later_changes() {
    let (repo, dist) = tracked_package();
    push_ok(&repo, &["push", "fedora", "main:rawhide"]);
    human_commit(&repo, &dist, &[("gating.yaml", "--- !Policy\n")], "Add gating by hand");
    let cached = status_json(&repo, &[]);
    assert_eq!(cached["sync"], "up_to_date", "the cache holds the push, not the later human commit");
    assert_eq!(cached["dist_git_state"]["read_from"], "cache");
    let fetched = status_json(&repo, &["--fetch"]);
    assert_eq!(fetched["sync"], "diverged");
    assert_eq!(fetched["human_commits"][0]["author"], "Hu Man <hu@example.org>");
    let moved = repo.path("moved.git");
    std::fs::rename(&dist.bare, &moved).expect("move dist-git away");
    let offline = status_json(&repo, &[]);
    assert_eq!(offline["sync"], "diverged", "read from the cache, dist-git gone");
    assert_eq!(offline["dist_git_state"]["read_from"], "cache");
    let out = repo.distgit(&["status", "--fetch"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot fetch dist-git"), "{stderr}");
}

#[test]
fn human_form() {
    let (repo, dist) = tracked_package();
    push_ok(&repo, &["push", "fedora", "main:rawhide"]);
    human_commit(&repo, &dist, &[("gating.yaml", "--- !Policy\n")], "Add gating by hand");
    repo.write("README", "Hello project\n\nMore.\n");
    repo.commit("Say more");
    let out = repo.distgit_ok(&["status", "--fetch"]);
    insta::assert_snapshot!(out.replace(repo.home().to_str().expect("utf-8"), "[tmp]"));
}

#[test]
fn branch_option_and_track_mapping() {
    let (repo, _dist) = tracked_package();
    repo.git(&["branch", "f42"]);
    repo.git(&["config", "--add", "distgit.track", "f4*"]);
    let status = status_json(&repo, &["--branch", "f42"]);
    assert_eq!((status["branch"].as_str(), status["dist_git"]["branch"].as_str()), (Some("f42"), Some("f42")));
    let status = status_json(&repo, &[]);
    assert_eq!(status["dist_git"]["branch"], "rawhide");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let out = repo.distgit(&["status"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("branch `topic` is not tracked"), "{stderr}");
}

#[test]
fn errors_are_one_clear_message() {
    let repo = hello_upstream();
    let out = repo.distgit(&["status"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("no dist-git is tracked"), "{stderr}");
    repo.git(&["config", "distgit.remote", "/srv/hello.git"]);
    let out = repo.distgit(&["status"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a source-git branch") && stderr.contains(".distro/"), "{stderr}");
    let out = repo.distgit(&["status", "--branch", "nope"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no branch `nope`"));
}

#[test]
fn url_credentials_are_redacted() {
    let repo = hello_package();
    repo.git(&["config", "distgit.remote", "https://bot:s3cret@src.example.org/rpms/hello.git"]);
    let out = repo.distgit_ok(&["status", "--json"]);
    assert!(!out.contains("s3cret"), "{out}");
    let status: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(status["dist_git"]["configured_by"], "git config distgit.remote");
    assert!(status["hint"].as_str().unwrap().contains("git distgit status --fetch"));
}

#[test]
fn help_has_examples() {
    let repo = Repo::init();
    insta::assert_snapshot!(repo.distgit_ok(&["status", "--help"]));
}

#[test]
fn unsigned_tip() {
    let (repo, _dist) = tracked_package();
    let alice = make_key("Alice <alice@example.org>");
    write_trust(&repo, &[&alice], &[&alice]);
    let signed = signed_commit(&repo, "Trust Alice", &alice);
    push_ok(&repo, &["push", "fedora", "main:rawhide"]);
    let synced = status_json(&repo, &[]);
    assert_eq!(
        (synced["sync"].as_str(), synced["signature"]["verdict"].as_str()),
        (Some("up_to_date"), Some("trusted"))
    );
    assert_eq!(synced["trust"]["candidate"].as_str(), Some(signed.as_str()));
    repo.write("README", "Hello project\n\nUnsigned.\n");
    repo.commit("Unsigned change");
    let status = status_json(&repo, &[]);
    assert_eq!(status["signature"]["verdict"], "unsigned");
    assert_eq!(status["trust"]["candidate"], serde_json::Value::Null);
    assert!(status["hint"].as_str().unwrap().contains("git commit -S --amend"), "{status}");
    // Signatures carry a random salt: every commit id from the signed one on varies.
    let known = [(signed.as_str(), "[signed]"), (&fingerprint(&alice), "[alice]")];
    let json = serde_json::to_string_pretty(&status).expect("json");
    let names = id_names(&json, &known);
    insta::assert_snapshot!("unsigned_tip_json", redact_ids(&json, &names));
    let human = repo.distgit_ok(&["status"]).replace(repo.home().to_str().expect("utf-8"), "[tmp]");
    insta::assert_snapshot!("unsigned_tip_human", redact_ids(&human, &names));
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.write("README", "Hello project\n\nSigned.\n");
    let trusted = signed_commit(&repo, "Signed change", &alice);
    repo.write("README", "Hello project\n\nUnsigned on top.\n");
    let tip = repo.commit("Unsigned on top");
    let status = status_json(&repo, &[]);
    assert_eq!(status["trust"]["candidate"].as_str(), Some(trusted.as_str()));
    let hint = status["hint"].as_str().unwrap();
    assert!(
        hint.starts_with(&format!(
            "a push syncs {} (the newest trusted commit), not the tip {}",
            &trusted[..12],
            &tip[..12]
        )),
        "{hint}"
    );
}

/// Names for ids: each `(id, name)` of `known`, then every other 40-hex id of `text` as
/// `[id-N]` in order of first appearance.
fn id_names(text: &str, known: &[(&str, &str)]) -> Vec<(String, String)> {
    let re = regex::Regex::new("[0-9a-f]{40}").expect("regex");
    let mut names: Vec<(String, String)> = known.iter().map(|(id, name)| (id.to_string(), name.to_string())).collect();
    for m in re.find_iter(text) {
        if !names.iter().any(|(id, _)| id == m.as_str()) {
            names.push((m.as_str().to_owned(), format!("[id-{}]", names.len() + 1 - known.len())));
        }
    }
    names
}

/// `text` with the named ids (and their 12-digit abbreviations) replaced by their names.
fn redact_ids(text: &str, names: &[(String, String)]) -> String {
    let mut text = text.to_owned();
    for (id, name) in names {
        text = text.replace(id, name).replace(&id[..12], name);
    }
    text
}

#[test]
fn rate_limit_state_and_hint() {
    let (repo, _dist) = tracked_package();
    repo.git(&["config", "distgit.rateLimit", "1/hour"]);
    push_ok(&repo, &["push", "fedora", "main:rawhide"]);
    repo.write("README", "Hello project\n\nMore.\n");
    repo.commit("Say more");
    let status = status_json(&repo, &[]);
    let meter = &status["rate_limit"];
    assert_eq!(
        (meter["limit"].as_str(), meter["used"].as_u64(), meter["remaining"].as_u64()),
        (Some("1/hour"), Some(1), Some(0))
    );
    assert!(meter["next_allowed"].is_string(), "{meter}");
    assert!(status["hint"].as_str().unwrap().starts_with("rate limit reached (1/hour)"), "{status}");
    repo.git(&["config", "distgit.rateLimit", "every now and then"]);
    let status = status_json(&repo, &[]);
    assert_eq!(status["rate_limit"], serde_json::Value::Null);
    assert!(status["problems"][0].as_str().unwrap().contains("distgit.rateLimit"), "{status}");
}

#[test]
fn patch_count_matches_the_render_with_ignored_paths_and_globs() {
    let (repo, _dist) = tracked_package();
    repo.write(".distro/distgit.toml", "[patches]\nignore_paths = [\".distro\", \"doc/\", \"*.txt\"]\n");
    repo.commit("Packaging: ignore docs and text files in patches");
    repo.write("doc/more.md", "more\n");
    repo.commit("Docs only");
    repo.write("doc/more.md", "more\nand more\n");
    repo.write("README", "Hello project\n\nMore.\n");
    repo.commit("Docs and code");
    let render: serde_json::Value = serde_json::from_str(&repo.distgit_ok(&["render", "--json"])).expect("json");
    let patches = render["patches"].as_array().expect("patches").len();
    assert_eq!(patches, 3, "{render}");
    assert_eq!(status_json(&repo, &[])["downstream_patches"], patches);
}

#[test]
fn patch_answers_are_kept_between_runs_and_a_bad_memo_is_ignored() {
    let (repo, _dist) = tracked_package();
    assert_eq!(status_json(&repo, &[])["downstream_patches"], 5);
    let dir = repo.dir.join(".git/distgit/status");
    let memo = std::fs::read_dir(&dir).expect("memo dir").next().expect("memo file").expect("entry").path();
    let text = std::fs::read_to_string(&memo).expect("read memo");
    assert_eq!(text.lines().count(), 7, "one line per commit above the release:\n{text}");
    let quote = repo.git(&["rev-parse", "HEAD~5"]);
    assert!(text.contains(&format!("{quote} 1")), "{text}");
    std::fs::write(&memo, text.replace(&format!("{quote} 1"), &format!("{quote} 0"))).expect("plant");
    assert_eq!(status_json(&repo, &[])["downstream_patches"], 4, "the memo is consulted");
    std::fs::write(&memo, "garbage\n\u{0}").expect("garbage");
    assert_eq!(status_json(&repo, &[])["downstream_patches"], 5);
}

#[test]
fn rewritten_history_is_synced_elsewhere_and_no_opt_in_is_not_maintained() {
    let (repo, dist) = tracked_package();
    push_ok(&repo, &["push", "fedora", "main:rawhide"]);
    repo.git(&["commit", "-q", "--amend", "-m", "Fix a CRLF file (reworded)"]);
    let status = status_json(&repo, &[]);
    assert_eq!(status["sync"], "synced_elsewhere");
    assert_eq!(status["waiting"].as_array().map(Vec::len), Some(7), "down to the first commit without .distro/");
    human_commit(&repo, &dist, &[("gating.yaml", "--- !Policy\n")], "Add gating by hand");
    run_git(&repo, &["-C", repo.path("human").to_str().unwrap(), "rm", "-q", "distgit.toml"]);
    human_commit(&repo, &dist, &[], "Opt out");
    assert_eq!(status_json(&repo, &["--fetch"])["sync"], "not_maintained");
}

#[test]
fn detached_head_asks_for_a_branch() {
    let (repo, _dist) = tracked_package();
    repo.git(&["checkout", "-q", "--detach"]);
    let out = repo.distgit(&["status"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("--branch NAME"), "{stderr}");
    assert_eq!(status_json(&repo, &["--branch", "main"])["branch"], "main");
}
