//! Tests of the parent module.

use super::*;

const ID: &str = "0123456789abcdef0123456789abcdef01234567";

fn meta(message: &str) -> PatchMeta {
    parse(ID, message).unwrap()
}

fn error(message: &str) -> String {
    parse(ID, message).unwrap_err().to_string()
}

#[test]
fn plain_message_has_no_metadata() {
    let m = meta("Fix the frobnicator\n\nIt was broken.\n");
    assert_eq!(m, PatchMeta::empty());
    assert!(!m.defined());
}

#[test]
fn every_trailer_is_read() {
    let m = meta(
        "Fix it\n\nBody text.\n\nPatch-name: fix-it.patch\nPatch-id: 7\n\
         Patch-status: Upstream in 2.0\nPatch-present-in-specfile: true\n\
         Ignore-patch: false\nNo-prefix: true\n",
    );
    assert_eq!(m.style, MetaStyle::Trailers);
    assert_eq!(m.name.as_deref(), Some("fix-it.patch"));
    assert_eq!(m.id, Some(7));
    assert_eq!(m.status.as_deref(), Some("Upstream in 2.0"));
    assert!(m.present_in_spec && m.no_prefix && !m.ignore && !m.squash_commits);
    assert!(meta("s\n\nIgnore-patch: true\n").ignore);
}

#[test]
fn block_scalar_status_keeps_its_lines() {
    let m = meta(
        "Subject\n\nPatch-name: a.patch\nPatch-status: |\n    ### Downstream ###\n    second line\nSigned-off-by: A <a@b>\n",
    );
    assert_eq!(m.status.as_deref(), Some("### Downstream ###\nsecond line\n"));
    assert_eq!(m.name.as_deref(), Some("a.patch"));
}

#[test]
fn trailer_spacing_is_normalised_like_git() {
    let m = meta("Subject\n\nPatch-name :  spaced.patch  \n");
    assert_eq!(m.name.as_deref(), Some("spaced.patch"));
}

#[test]
fn trailers_must_be_in_the_last_paragraph() {
    let m = meta("Subject\n\nPatch-name: a.patch\n\nA closing paragraph of prose.\n");
    assert_eq!(m.style, MetaStyle::None);
    // The title paragraph never holds trailers.
    assert_eq!(meta("Patch-name: a.patch\n").style, MetaStyle::None);
}

#[test]
fn mostly_prose_paragraph_is_not_a_trailer_block() {
    let m = meta("Subject\n\nSome prose here\nPatch-name: a.patch\n");
    assert_eq!(m.style, MetaStyle::None);
    // With a git-generated trailer, 25% trailers are enough.
    let m = meta("Subject\n\nprose\nprose\nSigned-off-by: A <a@b>\nPatch-name: a.patch\n");
    assert_eq!(m.name.as_deref(), Some("a.patch"));
}

#[test]
fn trailing_comments_and_divider_are_ignored() {
    let m = meta("Subject\n\nPatch-id: 3\n\n# a comment\n\n");
    assert_eq!(m.id, Some(3));
    let m = meta("Subject\n\nPatch-id: 3\n---\nnotes: here\n");
    assert_eq!(m.id, Some(3));
}

#[test]
fn tab_continuation_is_dropped_like_packit() {
    let m = meta("S\n\nPatch-status: |\n  one\n\ttwo\n  three\n");
    assert_eq!(m.status.as_deref(), Some("one\n"));
}

#[test]
fn later_trailer_overrides_earlier() {
    assert_eq!(meta("S\n\nPatch-id: 1\nPatch-id: 2\n").id, Some(2));
}

#[test]
fn empty_values_mean_unset() {
    let m = meta("S\n\nPatch-name:\nIgnore-patch:\nPatch-id:\n");
    assert_eq!(m.style, MetaStyle::Trailers);
    assert_eq!((m.name, m.id, m.ignore), (None, None, false));
}

#[test]
fn yaml_11_booleans_are_accepted() {
    assert!(meta("S\n\nIgnore-patch: yes\n").ignore);
    assert!(!meta("S\n\nNo-prefix: off\n").no_prefix);
    assert!(meta("S\n\nPatch-present-in-specfile: True\n").present_in_spec);
}

#[test]
fn bad_trailer_values_are_errors() {
    assert_eq!(
        error("S\n\nPatch-id: abc\n"),
        "commit 0123456789ab: `Patch-id: abc` is not accepted; \
         write a whole number from 0 to 4294967295, e.g. `5`"
    );
    assert_eq!(
        error("S\n\nIgnore-patch: maybe\n"),
        "commit 0123456789ab: `Ignore-patch: maybe` is not accepted; write `true` or `false`"
    );
    assert!(error("S\n\nPatch-id: -1\n").contains("`Patch-id: -1` is not accepted"));
    assert!(error("S\n\nPatch-id: 010\n").contains("leading zeros"));
    assert!(error("S\n\nPatch-name: 2024\n").contains("quote it"));
    assert!(error("S\n\nPatch-status: [a, b]\n").contains("write text"));
}

#[test]
fn bad_trailer_yaml_is_an_error() {
    let e = error("S\n\nPatch-name: a: b\n");
    assert!(e.starts_with("commit 0123456789ab: the `Patch-name` trailer is not valid YAML ("), "{e}");
    assert!(e.contains("`Patch-name: a: b`"), "{e}");
}

#[test]
fn every_legacy_key_is_read() {
    let m = meta(
        "Apply foo.patch\n\npatch_name: foo.patch\ndescription: from upstream\n\
         present_in_specfile: true\nignore: false\nsquash_commits: true\npatch_id: 12\n\
         no_prefix: true\n",
    );
    assert_eq!(m.style, MetaStyle::Legacy);
    assert_eq!(m.name.as_deref(), Some("foo.patch"));
    assert_eq!(m.status.as_deref(), Some("from upstream"));
    assert_eq!(m.id, Some(12));
    assert!(m.present_in_spec && m.squash_commits && m.no_prefix && !m.ignore);
    assert!(m.yaml_mapping && m.defined());
    assert!(meta("S\n\nignore: true\n").ignore);
}

#[test]
fn legacy_yaml_is_found_after_prose() {
    let m = meta("Subject line\n\nA lot of\ntext\n\nbefore keys.\n\npatch_name: x.patch\n");
    assert_eq!(m.name.as_deref(), Some("x.patch"));
}

#[test]
fn a_mapping_without_packit_keys_is_still_metadata_for_packit() {
    let m = meta("Subject\n\nBody.\n\nResolves: rhbz#1\n");
    assert_eq!(m.style, MetaStyle::None);
    assert!(m.yaml_mapping && m.defined());
}

#[test]
fn bad_legacy_values_are_errors() {
    assert_eq!(
        error("S\n\npatch_id: abc\n"),
        "commit 0123456789ab: `patch_id: abc` is not accepted; \
         write a whole number from 0 to 4294967295, e.g. `5`"
    );
    assert!(error("S\n\nignore: 3\n").contains("`ignore: 3` is not accepted"));
}

#[test]
fn trailers_win_over_legacy_keys() {
    let m = meta("S\n\npatch_name: old.patch\n\nPatch-name: new.patch\n");
    assert_eq!(m.style, MetaStyle::Trailers);
    assert_eq!(m.name.as_deref(), Some("new.patch"));
}

#[test]
fn message_without_trailer_block() {
    let message = "Subject\n\nBody.\n\nPatch-name: a.patch\nSigned-off-by: A <a@b>\n";
    assert_eq!(message_without_metadata(message), "Subject\n\nBody.");
    // Other trailers stay when there is no Packit trailer.
    let plain = "Subject\n\nBody.\n\nSigned-off-by: A <a@b>\n";
    assert_eq!(message_without_metadata(plain), plain.trim_end());
}

#[test]
fn message_without_legacy_yaml() {
    let message = "Apply x\n\nWhy.\n\npatch_name: x.patch\nignore: true\n";
    assert_eq!(message_without_metadata(message), "Apply x\n\nWhy.");
}

#[test]
fn packit_description_joins_subject_and_drops_trailers() {
    let message = "Long subject\ncontinued\n\nBody line.\n\nPatch-name: a.patch\n---\nafter\n";
    assert_eq!(packit_description(message), "Long subject continued\n\nBody line.");
    assert_eq!(packit_description("Only subject\n\nPatch-id: 4\n"), "Only subject");
}

#[test]
fn short_id_keeps_short_ids() {
    assert_eq!(short_id("abc"), "abc");
    assert_eq!(short_id(ID), "0123456789ab");
}
