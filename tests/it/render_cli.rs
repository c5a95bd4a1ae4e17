//! The `render` command line: summary, JSON, diff, help.

use crate::common::*;

#[test]
fn summary_without_options() {
    let repo = hello_package();
    insta::assert_snapshot!(repo.distgit_ok(&["render"]));
}

#[test]
fn json_summary() {
    let repo = hello_package();
    let json: serde_json::Value = serde_json::from_str(&repo.distgit_ok(&["render", "--json"])).expect("json");
    insta::assert_json_snapshot!(json);
}

#[test]
fn rev_selects_the_candidate() {
    let repo = hello_package();
    let json: serde_json::Value =
        serde_json::from_str(&repo.distgit_ok(&["render", "--json", "--rev", "HEAD~3"])).expect("json");
    assert_eq!(json["candidate"], repo.git(&["rev-parse", "HEAD~3"]));
    assert_eq!(json["patches"].as_array().map(Vec::len), Some(3));
}

#[test]
fn diff_against_a_checkout_shows_only_changes() {
    let repo = hello_package();
    let first = repo.path("first");
    repo.distgit_ok(&["render", "--out", first.to_str().expect("utf-8")]);
    assert_eq!(repo.distgit_ok(&["render", "--diff", first.to_str().expect("utf-8")]), "");
    repo.write("README", "Changed\n");
    repo.commit("Change the README");
    let diff = repo.distgit_ok(&["render", "--diff", first.to_str().expect("utf-8")]);
    assert!(diff.contains("+++ b/0006-Change-the-README.patch"), "{diff}");
    assert!(diff.contains("-Release:        1%{?dist}\n+Release:        2%{?dist}"), "{diff}");
    assert!(!diff.contains("sources"), "tarball unchanged: {diff}");
}

#[test]
fn stale_patches_are_deleted_in_the_diff() {
    let repo = hello_package();
    let first = repo.path("first");
    repo.distgit_ok(&["render", "--out", first.to_str().expect("utf-8")]);
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let json = repo.distgit_ok(&["render", "--json", "--diff", first.to_str().expect("utf-8")]);
    let start = json.find("{\n").expect("json object");
    let summary: serde_json::Value = serde_json::from_str(&json[start..]).expect("json");
    assert_eq!(summary["deleted"], serde_json::json!(["0005-Fix-a-CRLF-file.patch"]));
}

#[test]
fn no_ff_merge_of_a_fast_forward_branch_is_linearized() {
    let repo = hello_upstream();
    add_distro(&repo, &[]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("README", "feature\n");
    repo.commit("Feature work");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "--no-edit", "feature"]);
    let json: serde_json::Value = serde_json::from_str(&repo.distgit_ok(&["render", "--json"])).expect("json");
    assert_eq!(json["patches"][0]["file"], "0001-Feature-work.patch");
}

#[test]
fn help_has_examples() {
    let repo = hello_upstream();
    insta::assert_snapshot!(repo.distgit_ok(&["render", "--help"]));
}

#[test]
fn completions_are_generated() {
    let repo = Repo::init();
    let script = repo.distgit_ok(&["completions", "bash"]);
    assert!(script.contains("render") && script.contains("--diff"), "{script}");
}

#[test]
fn upstream_ref_commit_id_without_tag_takes_the_spec_version() {
    let repo = hello_upstream();
    let untagged = repo.git(&["rev-parse", "HEAD~2"]);
    assert_eq!(repo.git(&["tag", "--points-at", &untagged]), "", "fixture: no tag there");
    let yaml = format!("upstream_ref: {untagged}\nspecfile_path: .distro/hello.spec\n");
    add_distro(&repo, &[(".distro/source-git.yaml", yaml.as_str())]);
    let json: serde_json::Value = serde_json::from_str(&repo.distgit_ok(&["render", "--json"])).expect("json");
    assert_eq!(json["release_commit"], untagged);
    assert_eq!(json["version"], "0.9", "from the spec, since no tag names the commit");
    assert_eq!(json["patches"][0]["file"], "0001-Document-the-project.patch");
}

#[test]
fn upstream_ref_tag_gives_its_version() {
    let repo = hello_upstream();
    add_distro(&repo, &[(".distro/distgit.toml", "[upstream]\nref = \"v0.9\"\n")]);
    let json: serde_json::Value = serde_json::from_str(&repo.distgit_ok(&["render", "--json"])).expect("json");
    assert_eq!(json["tag"], "v0.9");
    assert_eq!(json["version"], "0.9");
}

#[test]
fn unchanged_patch_ids_keep_the_previous_bytes() {
    let repo = hello_package();
    let first = repo.path("first");
    repo.distgit_ok(&["render", "--out", first.to_str().expect("utf-8")]);
    // An older git wrote this file: same diff, other version line and mail headers.
    let name = "0001-Quote-the-greeting.patch";
    let old = std::fs::read_to_string(first.join(name)).expect("patch");
    let aged = old.replace("Shells are picky.", "Shells are picky!").replace("\n-- \n2.", "\n-- \n1.");
    assert_ne!(aged, old);
    std::fs::write(first.join(name), &aged).expect("write");
    repo.write("README", "Changed\n");
    repo.commit("Change the README");
    let second = repo.path("second");
    let json = repo.distgit_ok(&[
        "render",
        "--json",
        "--out",
        second.to_str().expect("utf-8"),
        "--diff",
        first.to_str().expect("utf-8"),
    ]);
    assert_eq!(std::fs::read_to_string(second.join(name)).expect("patch"), aged, "kept byte for byte");
    let summary: serde_json::Value = serde_json::from_str(&json[json.find("{\n").expect("json")..]).expect("json");
    assert_eq!(summary["patches"][0]["kept"], true);
    assert_eq!(summary["patches"][5]["kept"], false);
}

#[test]
fn changed_patches_get_new_bytes() {
    let repo = hello_package();
    let first = repo.path("first");
    repo.distgit_ok(&["render", "--out", first.to_str().expect("utf-8")]);
    let name = "0001-Quote-the-greeting.patch";
    let old = std::fs::read_to_string(first.join(name)).expect("patch");
    std::fs::write(first.join(name), old.replace("+echo 'hello, world'", "+echo 'hello, there'")).expect("write");
    let json = repo.distgit_ok(&["render", "--json", "--diff", first.to_str().expect("utf-8")]);
    let summary: serde_json::Value = serde_json::from_str(&json[json.find("{\n").expect("json")..]).expect("json");
    assert_eq!(summary["patches"][0]["kept"], false);
    assert!(json.contains("-+echo 'hello, there'"), "{json}");
}

#[test]
fn out_holds_exactly_the_rendered_files() {
    // git format-patch writes into the --out staging directory; the files it names
    // differently from the series (Patch-name, squashed commits) must not be left there.
    let repo = hello_package();
    repo.write("README", "Hello project\n\nRenamed.\n");
    repo.commit("Rename me\n\nPatch-name: readme.patch\n");
    repo.write("README", "Hello project\n\nSquashed once.\n");
    repo.commit("Squash one\n\nPatch-name: squashed.patch\n");
    repo.write("README", "Hello project\n\nSquashed twice.\n");
    repo.commit("Squash two\n\nPatch-name: squashed.patch\n");
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    let json: serde_json::Value = serde_json::from_str(&repo.distgit_ok(&["render", "--json"])).expect("json");
    let mut want: Vec<String> =
        json["files"].as_array().expect("files").iter().map(|f| f.as_str().expect("file").to_owned()).collect();
    want.extend(
        json["tarballs"].as_array().expect("tarballs").iter().map(|t| t["name"].as_str().expect("name").to_owned()),
    );
    want.sort();
    let mut got: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    got.sort();
    assert_eq!(got, want);
    assert!(want.contains(&"readme.patch".to_owned()) && want.contains(&"squashed.patch".to_owned()), "{want:?}");
}
