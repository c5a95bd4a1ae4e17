//! Tests of the parent module.

use super::*;
use crate::config::{SyncFilter, DEFAULT_VERSION_EXPRESSION};

fn load(text: &str) -> Result<Config, ConfigError> {
    let mut config = Config::default();
    apply(text, &mut config).map(|()| config)
}

fn error(text: &str) -> String {
    load(text).unwrap_err().to_string()
}

/// The shape `packit source-git init` writes (sgallagher/sscg, openssl, rpm).
const SSCG: &str = "\
upstream_project_url: git@github.com:sgallagher/sscg.git
upstream_ref: sscg-3.0.5
downstream_package_name: sscg
specfile_path: .distro/sscg.spec
patch_generation_ignore_paths:
- .distro
patch_generation_patch_id_digits: 1
sync_changelog: true
files_to_sync:
- src: .distro/
  dest: .
  delete: true
  filters:
  - protect .git*
  - protect sources
  - exclude source-git.yaml
  - exclude .gitignore
sources:
- path: sscg-3.0.3.tar.gz
  url: https://src.fedoraproject.org/repo/pkgs/rpms/sscg/sscg-3.0.3.tar.gz/sha512/5820a44d/sscg-3.0.3.tar.gz
";

#[test]
fn init_shaped_file() {
    let config = load(SSCG).unwrap();
    assert_eq!(config.package.as_deref(), Some("sscg"));
    assert_eq!(config.spec_path.as_deref(), Some(".distro/sscg.spec"));
    assert_eq!(config.upstream.upstream_ref.as_deref(), Some("sscg-3.0.5"));
    assert_eq!(config.upstream.tag_patterns, ["*"]);
    assert_eq!(config.upstream.version_expression, DEFAULT_VERSION_EXPRESSION);
    assert_eq!(config.patches.ignore_paths, [".distro"]);
    assert_eq!(config.patches.id_digits, Some(1));
    assert_eq!(config.spec.version, Ownership::Render);
    assert_eq!(config.spec.release, Ownership::Spec);
    assert_eq!(config.spec.changelog, Ownership::Spec);
    assert_eq!(
        config.sync,
        [SyncRule {
            src: ".distro/".into(),
            dest: ".".into(),
            delete: true,
            filters: vec![
                SyncFilter::Protect(".git*".into()),
                SyncFilter::Protect("sources".into()),
                SyncFilter::Exclude("source-git.yaml".into()),
                SyncFilter::Exclude(".gitignore".into()),
            ],
        }]
    );
    // `sources` is a stale download list (3.0.3 for a 3.0.5 spec): Source0 names the tarball.
    assert_eq!(config.tarball, Config::default().tarball);
}

/// redhat-plumbers/dracut-fedora: comments, jobs, extra ignore paths, a commit id as ref.
#[test]
fn dracut_shaped_file() {
    let text = "
# Docs: https://packit.dev/docs/

upstream_project_url: git@github.com:dracut-ng/dracut.git
files_to_sync:
- src: .distro/
  dest: .
  delete: true
  filters:
  - protect .git*
  - protect sources
  - protect .fmf*
  - protect gating.yaml
  - exclude source-git.yaml
  - exclude .gitignore
  - exclude *.sh
sources:
- path: dracut-ng-108.tar.gz
  url: https://github.com/dracut-ng/dracut-ng/archive/refs/tags/108.tar.gz
specfile_path: .distro/dracut.spec
patch_generation_ignore_paths:
- .distro/
- .packit.yml
- .github/
- test/
patch_generation_patch_id_digits: 1
sync_changelog: true
upstream_ref: 97c5568ec42abd5e6035f0cfa9d319ae6ae4e50a
upstream_package_name: dracut
downstream_package_name: dracut
upstream_tag_template: '{version}'
jobs:
- job: copr_build
  trigger: pull_request
  targets:
- fedora-44-x86_64
";
    let config = load(text).unwrap();
    // Packit adds the sync sources (`.distro/` → `.distro`) to the ignore paths.
    assert_eq!(config.patches.ignore_paths, [".distro/", ".packit.yml", ".github/", "test/", ".distro"]);
    assert_eq!(config.upstream.upstream_ref.as_deref(), Some("97c5568ec42abd5e6035f0cfa9d319ae6ae4e50a"));
    assert_eq!(config.sync[0].filters.len(), 7);
    assert_eq!(config.upstream.tag_patterns, ["*"]);
    assert_eq!(config.upstream.version_expression, "^(?P<version>.+)$");
}

#[test]
fn every_known_packit_key_is_accepted() {
    let text: String = IGNORED.iter().map(|k| format!("{k}: null\n")).collect();
    assert!(load(&text).is_ok());
}

#[test]
fn docs_list_every_key_read_or_ignored() {
    let docs = include_str!("../../docs/config.md");
    for key in READ.iter().chain(IGNORED) {
        assert!(docs.contains(&format!("`{key}`")), "{key} missing in docs/config.md");
    }
}

#[test]
fn unknown_top_level_key() {
    let err = load("upstream_ref: v1\nupstream_tag: v{version}\n").unwrap_err();
    let ConfigError::UnknownKey { key, accepted, .. } = &err else { panic!("{err:?}") };
    assert_eq!(key, "upstream_tag");
    assert!(accepted.contains("upstream_tag_template"));
}

#[test]
fn unknown_keys_in_nested_mappings() {
    let sync = "files_to_sync:\n- src: a\n  dest: b\n  flters: []\n";
    insta::assert_snapshot!(error(sync), @".distro/source-git.yaml: unknown key `files_to_sync[0].flters`; accepted keys here: `src`, `dest`, `delete`, `filters`, `mkpath`");
    let sources = "sources:\n- path: a.tar.gz\n  url: https://x/a.tar.gz\n  sha: abc\n";
    assert!(error(sources).contains("unknown key `sources[0].sha`"));
}

#[test]
fn missing_required_keys() {
    insta::assert_snapshot!(error("files_to_sync:\n- src: a\n"), @".distro/source-git.yaml: required key `files_to_sync[0].dest` is missing");
    assert!(error("sources:\n- path: a.tar.gz\n").contains("`sources[0].url`"));
}

#[test]
fn tag_template_becomes_glob_and_expression() {
    let config = load("upstream_tag_template: v{version}").unwrap();
    assert_eq!(config.upstream.tag_patterns, ["v*"]);
    assert_eq!(config.upstream.version_expression, "^v(?P<version>.+)$");
    let text = "upstream_tag_template: '{upstream_package_name}-{version}.rel*'\n\
                upstream_package_name: my.pkg";
    let config = load(text).unwrap();
    assert_eq!(config.upstream.tag_patterns, ["my.pkg-*.rel[*]"]);
    assert_eq!(config.upstream.version_expression, "^my\\.pkg\\-(?P<version>.+)\\.rel\\*$");
    let config = load("upstream_tag_template: '{upstream_package_name}-{version}'").unwrap();
    assert_eq!(config.upstream.tag_patterns, ["*-*"]);
    assert_eq!(config.upstream.version_expression, "^.+\\-(?P<version>.+)$");
}

#[test]
fn tag_template_expression_extracts_the_version() {
    let config = load("upstream_tag_template: sscg-{version}").unwrap();
    let regex = regex::Regex::new(&config.upstream.version_expression).unwrap();
    let captures = regex.captures("sscg-3.0.5").unwrap();
    assert_eq!(&captures["version"], "3.0.5");
    assert!(regex.captures("v3.0.5").is_none());
    let glob = globset::Glob::new(&config.upstream.tag_patterns[0]).unwrap();
    assert!(glob.compile_matcher().is_match("sscg-3.0.5"));
}

#[test]
fn bad_tag_templates() {
    insta::assert_snapshot!(error("upstream_tag_template: v{ver}"), @r#".distro/source-git.yaml: `upstream_tag_template` = "v{ver}": unknown placeholder `{ver}`; accepted: text with `{version}` once, and optionally `{upstream_package_name}`, e.g. `v{version}`"#);
    assert!(error("upstream_tag_template: v1").contains("exactly once"));
    assert!(error("upstream_tag_template: '{version}-{version}'").contains("exactly once"));
    assert!(error("upstream_tag_template: 'v{version'").contains("unmatched"));
}

#[test]
fn file_to_sync_as_a_plain_path() {
    let config = load("files_to_sync:\n- .distro/foo.spec\n").unwrap();
    assert_eq!(
        config.sync,
        [SyncRule { src: ".distro/foo.spec".into(), dest: ".distro/foo.spec".into(), delete: false, filters: vec![] }]
    );
    assert_eq!(config.patches.ignore_paths, [".distro/foo.spec"]);
}

#[test]
fn file_to_sync_with_several_sources() {
    let text = "files_to_sync:\n- src: [a.spec, b.patch]\n  dest: ./\n  mkpath: true\n";
    let config = load(text).unwrap();
    let srcs: Vec<_> = config.sync.iter().map(|r| (&*r.src, &*r.dest)).collect();
    assert_eq!(srcs, [("a.spec", "./"), ("b.patch", "./")]);
    let text = "files_to_sync:\n- src: [a, b]\n  dest: .\n  delete: true\n";
    assert!(error(text).contains("not supported yet"));
}

#[test]
fn defaults_when_keys_are_absent() {
    let config = load("downstream_package_name: foo\n").unwrap();
    // Packit's default width is 4; the default sync rule's source is not patched.
    assert_eq!(config.patches.id_digits, Some(4));
    assert_eq!(config.patches.ignore_paths, [".distro"]);
    assert_eq!(config.sync, Config::default().sync);
    assert_eq!(config.spec, Config::default().spec);
    assert_eq!(config.tarball, Config::default().tarball);
}

#[test]
fn sync_changelog_false_changes_nothing() {
    let config = load("sync_changelog: false").unwrap();
    assert_eq!(config.spec, Config::default().spec);
}

#[test]
fn null_values_count_as_absent() {
    let config = load("upstream_ref:\nspecfile_path: null\n").unwrap();
    assert_eq!(config.upstream.upstream_ref, None);
    assert_eq!(config.spec_path, None);
}

#[test]
fn wrong_types() {
    insta::assert_snapshot!(error("upstream_ref: 108"), @r#".distro/source-git.yaml: `upstream_ref`: expected a string (quote it: "108"), found 108"#);
    assert!(error("sync_changelog: yes please").contains("`true` or `false`"));
    assert!(error("patch_generation_ignore_paths: .distro").contains("a list"));
    assert!(error("patch_generation_patch_id_digits: four").contains("an integer"));
    assert!(error("- a\n- b").contains("(top level)"));
}

#[test]
fn bad_values() {
    insta::assert_snapshot!(error("patch_generation_patch_id_digits: 12"), @r#".distro/source-git.yaml: `patch_generation_patch_id_digits` = "12": patch number width out of range; accepted: an integer from 1 to 9 (4 → `Patch0001`, 1 → `Patch1`)"#);
    let filter = "files_to_sync:\n- src: .distro/\n  dest: .\n  filters: [hide foo]\n";
    assert!(error(filter).contains("`files_to_sync[0].filters` = \"hide foo\""));
    assert!(error("specfile_path: /abs.spec").contains("`specfile_path`"));
}

#[test]
fn syntax_error_has_line_and_column() {
    let err = load("upstream_ref: v1\nfiles_to_sync: [a\nspecfile_path: x\n").unwrap_err();
    let ConfigError::Syntax { line, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*line, 3);
    insta::assert_snapshot!(err.to_string(), @".distro/source-git.yaml:3:14: syntax error: did not find expected ',' or ']' at line 3 column 14, while parsing a flow sequence at line 2 column 16");
}
