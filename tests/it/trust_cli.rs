//! `git distgit verify`: text and JSON output, ranges, `--policy`, exit status.

use crate::common::Repo;
use crate::common_sig::*;
use sequoia_openpgp::Cert;

/// Upstream commit u, then d1 (adds `.distro/` with a [trust] policy for Alice, signed),
/// d2 (signed by Alice), d3 (unsigned). Returns repo, Alice and [u, d1, d2, d3].
fn fixture() -> (Repo, Cert, Vec<String>) {
    let alice = make_key("Alice <alice@example.org>");
    let repo = Repo::init();
    repo.write("README", "up\n");
    let u = repo.commit("Upstream");
    write_trust(&repo, &[&alice], &[&alice]);
    let d1 = signed_commit(&repo, "Add packaging", &alice);
    repo.write("fix.c", "1\n");
    let d2 = signed_commit(&repo, "Fix one", &alice);
    repo.write("fix.c", "2\n");
    let d3 = repo.commit("Fix two");
    (repo, alice, vec![u, d1, d2, d3])
}

fn short(id: &str) -> &str {
    &id[..12]
}

#[test]
fn text_output_lists_downstream_commits_and_the_candidate() {
    let (repo, alice, ids) = fixture();
    let out = repo.distgit(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "the tip is not trusted");
    let text = String::from_utf8(out.stdout).unwrap();
    let fpr = fingerprint(&alice);
    let expected = format!(
        "policy: .distro/distgit.toml of {} (trust on first use)\n\
         {} unsigned            Fix two\n    unsigned: sign it with `git commit -S --amend`\n\
         {} trusted             Fix one\n    trusted: signed by Alice <alice@example.org> ({fpr})\n\
         {} trusted             Add packaging\n    trusted: signed by Alice <alice@example.org> ({fpr})\n\
         candidate: {}\n",
        short(&ids[3]),
        short(&ids[3]),
        short(&ids[2]),
        short(&ids[1]),
        ids[2]
    );
    assert_eq!(text, expected);
}

#[test]
fn trusted_tip_exits_zero() {
    let (repo, alice, _) = fixture();
    sign_head(&repo, &alice);
    let out = repo.distgit(&["verify", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().filter(|l| l.contains(" trusted ")).count(), 1, "only HEAD: {text}");
}

#[test]
fn json_report() {
    let (repo, alice, ids) = fixture();
    let out = repo.distgit(&["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fpr = fingerprint(&alice);
    assert_eq!(json["policy"]["signers"], serde_json::json!([fpr]));
    assert!(json["policy"]["origin"].as_str().unwrap().ends_with("(trust on first use)"));
    assert_eq!(json["candidate"], ids[2].as_str());
    assert_eq!(
        json["commits"][0],
        serde_json::json!({
            "id": ids[3], "subject": "Fix two", "verdict": "unsigned",
            "message": "unsigned: sign it with `git commit -S --amend`"
        })
    );
    assert_eq!(json["commits"][1]["verdict"], "trusted");
    assert_eq!(json["commits"][1]["signer"], fpr.as_str());
    assert_eq!(json["commits"][1]["user_id"], "Alice <alice@example.org>");
    assert_eq!(json["commits"].as_array().unwrap().len(), 3);
}

#[test]
fn range_is_the_first_parent_line_above_its_base() {
    let (repo, _, ids) = fixture();
    let range = format!("{}..HEAD", ids[1]);
    let json: serde_json::Value = serde_json::from_slice(&repo.distgit(&["verify", "--json", &range]).stdout).unwrap();
    let listed: Vec<&str> = json["commits"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [ids[3].as_str(), ids[2].as_str()]);
    // A range may reach below `.distro/` (the upstream commit is unsigned).
    let all = format!("{}..HEAD~1", ids[0]);
    let out = repo.distgit(&["verify", &all]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn policy_file_instead_of_the_commit() {
    let (repo, alice, _) = fixture();
    let bob = make_key("Bob <bob@example.org>");
    let path = policy_dir(&repo.path("policy"), &[&bob], &[&bob, &alice]);
    let out = repo.distgit(&["verify", "--json", "--policy", path.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["policy"]["origin"], path.to_str().unwrap());
    assert_eq!(json["commits"][1]["verdict"], "not_trusted");
    assert_eq!(json["candidate"], serde_json::Value::Null);
    let out = repo.distgit(&["verify", "HEAD~1", "--policy", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.ends_with("no candidate: no commit has a trusted signature\n"), "{text}");
}

#[test]
fn no_policy_is_an_error_saying_where_to_add_one() {
    let repo = Repo::init();
    repo.write(".distro/foo.spec", "Name: foo\n");
    repo.commit("Packaging without trust");
    let out = repo.distgit(&["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no [trust] policy: neither the tracked dist-git branch nor .distro/distgit.toml of "),
        "{err}"
    );
    assert!(err.contains("pass --policy FILE"), "{err}");
}

#[test]
fn bad_revision_is_an_error() {
    let (repo, _, _) = fixture();
    let out = repo.distgit(&["verify", "nope..HEAD"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown revision `nope`"));
    let out = repo.distgit(&["verify", "HEAD...HEAD~1"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("symmetric ranges"));
}

#[test]
fn help_has_examples_and_exit_status() {
    let repo = Repo::init();
    let help = repo.distgit_ok(&["verify", "--help"]);
    assert!(help.contains("git distgit verify v1.2..main --policy"), "{help}");
    assert!(help.contains("Exit status: 0 when the newest commit checked has a trusted signature"), "{help}");
}

#[test]
fn many_commits_are_reported_newest_first_whatever_the_threads() {
    // Enough commits for `verify` to share them among threads: every third is unsigned, so
    // any reordering of the shares shows in the verdicts as well as the ids.
    let alice = make_key("Alice <alice@example.org>");
    let repo = Repo::init();
    write_trust(&repo, &[&alice], &[&alice]);
    let mut ids = Vec::new();
    for i in 0..60 {
        repo.write("n", format!("{i}\n"));
        let message = format!("Change {i}");
        ids.push(if i % 3 == 0 { repo.commit(&message) } else { signed_commit(&repo, &message, &alice) });
    }
    let json: serde_json::Value = serde_json::from_slice(&repo.distgit(&["verify", "--json"]).stdout).unwrap();
    let commits = json["commits"].as_array().unwrap();
    let listed: Vec<(&str, &str, &str)> = commits
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["subject"].as_str().unwrap(), c["verdict"].as_str().unwrap()))
        .collect();
    let expected: Vec<(String, String, &str)> = (0..60)
        .rev()
        .map(|i| (ids[i].clone(), format!("Change {i}"), if i % 3 == 0 { "unsigned" } else { "trusted" }))
        .collect();
    let expected: Vec<(&str, &str, &str)> = expected.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), *c)).collect();
    assert_eq!(listed, expected);
    assert_eq!(json["candidate"], ids[59].as_str());
}
