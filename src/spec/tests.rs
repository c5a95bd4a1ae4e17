//! Tests of the spec module on realistic specs (shapes taken from Fedora's dracut, sscg,
//! systemd and Python packages). Expected names, versions, sources and setup directories
//! are what `rpmspec -P` (rpm 4.18) printed for the same files.

use super::*;

const DRACUT: &str = include_str!("testdata/dracut.spec");
const PADDED: &str = include_str!("testdata/padded.spec");
const GLOBALVER: &str = include_str!("testdata/globalver.spec");
const AUTOSPEC: &str = include_str!("testdata/autospec.spec");
const NOCHANGELOG: &str = include_str!("testdata/nochangelog.spec");
const NOEOL: &str = include_str!("testdata/noeol.spec");

fn parse(text: &str) -> Spec {
    match Spec::parse("pkg.spec", text) {
        Ok(spec) => spec,
        Err(e) => panic!("{e}"),
    }
}

fn parse_err(text: &str) -> SpecError {
    match Spec::parse("pkg.spec", text) {
        Ok(_) => panic!("parsed:\n{text}"),
        Err(e) => e,
    }
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// The unified diff between a spec and its edited text.
fn diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(2).header("before", "after").to_string()
}

fn edited(text: &str, edits: &SpecEdits) -> String {
    match parse(text).apply(edits) {
        Ok(new) => new,
        Err(e) => panic!("{e}"),
    }
}

fn patch(number: u32, file: &str, comment: &[&str]) -> NewPatch {
    NewPatch { number, file: file.to_string(), comment: comment.iter().map(|c| c.to_string()).collect() }
}

// ---- reading ----

#[test]
fn reads_names_versions_and_releases() {
    let cases = [
        (DRACUT, "dracut", "101", Some("1%{?dist}")),
        (PADDED, "sscg", "3.0.2", Some("3%{?dist}")),
        (GLOBALVER, "python-fancy-tool", "2.4.1", Some("7%{?dist}")),
        (AUTOSPEC, "systemd", "256.7", Some("%autorelease")),
        (NOCHANGELOG, "hello", "2.12", Some("1")),
    ];
    for (text, name, version, release) in cases {
        let spec = parse(text);
        assert_eq!(spec.name(), name);
        assert_eq!(spec.version(), version);
        assert_eq!(spec.release().as_deref(), release);
    }
}

#[test]
fn sources_are_expanded_and_named_by_their_last_path_part() {
    let spec = parse(DRACUT);
    let url = "https://github.com/dracut-ng/dracut-ng/archive/refs/tags/101.tar.gz";
    assert_eq!(spec.source(0, &[]).as_deref(), Some(url));
    assert_eq!(spec.source_file_name(0, &[]).as_deref(), Some("101.tar.gz"));
    let over = [("version", "102")];
    assert_eq!(spec.source_file_name(0, &over).as_deref(), Some("102.tar.gz"));
    assert_eq!(spec.source_file_name(1, &[]).as_deref(), Some("lgpl-2.1.txt"));
    assert_eq!(spec.source(2, &[]), None);

    let spec = parse(PADDED);
    let url = "https://github.com/sscg/sscg/archive/sscg-3.0.2/sscg-3.0.2.tar.gz";
    assert_eq!(spec.source(0, &[]).as_deref(), Some(url));

    let spec = parse(GLOBALVER);
    assert_eq!(spec.source(0, &[]).as_deref(), Some("%{pypi_source %{srcname}}"));
    assert_eq!(spec.source_file_name(1, &[]).as_deref(), Some("extras-2.4.1.tar.xz"));

    let spec = parse(NOCHANGELOG);
    assert_eq!(spec.source_file_name(0, &[]).as_deref(), Some("hello-2.12.tar.gz"));
}

#[test]
fn setup_dir_follows_dash_n_or_defaults_to_name_version() {
    assert_eq!(parse(DRACUT).setup_dir(&[]), "dracut-ng-101");
    assert_eq!(parse(DRACUT).setup_dir(&[("version", "102")]), "dracut-ng-102");
    assert_eq!(parse(PADDED).setup_dir(&[]), "sscg-sscg-3.0.2");
    assert_eq!(parse(GLOBALVER).setup_dir(&[]), "fancy-tool-2.4.1");
    assert_eq!(parse(AUTOSPEC).setup_dir(&[]), "systemd-256.7");
    assert_eq!(parse(NOCHANGELOG).setup_dir(&[]), "hello-2.12");
}

#[test]
fn setup_dir_reads_attached_and_bundled_options() {
    let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    assert_eq!(option_arg(&args("-q -ndir"), 'n').as_deref(), Some("dir"));
    assert_eq!(option_arg(&args("-qn dir"), 'n').as_deref(), Some("dir"));
    assert_eq!(option_arg(&args("-a 1 -n x"), 'n').as_deref(), Some("x"));
    assert_eq!(option_arg(&args("-S git -p1"), 'n'), None);
    assert_eq!(option_arg(&args("-p1 -Sgit_am"), 'S').as_deref(), Some("git_am"));
    let text = "Name: a\nVersion: 1\n%prep\n%{setup} -q -n \"%{name}-src\"\n";
    assert_eq!(parse(text).setup_dir(&[]), "a-src");
}

#[test]
fn patches_and_their_padding() {
    let spec = parse(PADDED);
    let files: Vec<_> = spec.patches().into_iter().map(|p| (p.number, p.file, p.line)).collect();
    assert_eq!(
        files,
        [
            (Some(1), "0001-Fix-the-build-with-GCC-14.patch".to_string(), 14),
            (Some(5), "0005-Support-OpenSSL-1.1.patch".to_string(), 17),
        ]
    );
    assert_eq!(spec.patch_digits(), Some(4));
    let systemd = parse(AUTOSPEC);
    assert_eq!(systemd.patch_digits(), None);
    assert_eq!(systemd.patches()[1].file, "26494.patch");
    assert_eq!(parse(DRACUT).patch_digits(), None);
    assert!(parse(DRACUT).patches().is_empty());
    let bare = parse("Name: a\nVersion: 1\nPatch: fix.patch\n");
    assert_eq!(bare.patches()[0].number, None);
}

#[test]
fn git_patch_application_is_detected() {
    assert!(parse(DRACUT).applies_patches_with_git());
    assert!(parse(AUTOSPEC).applies_patches_with_git());
    assert!(!parse(PADDED).applies_patches_with_git());
    assert!(!parse(NOCHANGELOG).applies_patches_with_git());
    let git_am = "Name: a\nVersion: 1\n%prep\n%setup -q\ngit init -q\ngit am %{patches}\n";
    assert!(parse(git_am).applies_patches_with_git());
    let git = "Name: a\nVersion: 1\n%prep\n%autosetup -S git -p1\n";
    assert!(parse(git).applies_patches_with_git());
}

#[test]
fn rpmautospec_use_is_detected() {
    let spec = parse(AUTOSPEC);
    assert!(spec.uses_autorelease() && spec.uses_autochangelog());
    let spec = parse(DRACUT);
    assert!(!spec.uses_autorelease() && !spec.uses_autochangelog());
    let braced = parse("Name: a\nVersion: 1\nRelease: %{autorelease -b 2}\n");
    assert!(braced.uses_autorelease());
    let other = parse("Name: a\nVersion: 1\nRelease: %autoreleasex\n");
    assert!(!other.uses_autorelease());
}

#[test]
fn changelog_body_is_the_text_after_the_header() {
    let spec = parse(PADDED);
    let body = "* Mon Jan 22 2024 Stephen Gallagher <sgallagh@redhat.com> - 3.0.2-3\n\
                - Fix the build with GCC 14\n";
    assert_eq!(spec.changelog_body(), Some(body));
    assert_eq!(parse(AUTOSPEC).changelog_body(), Some("%autochangelog\n"));
    assert_eq!(parse(NOCHANGELOG).changelog_body(), None);
}

#[test]
fn sections_and_their_line_ranges() {
    let spec = parse(NOCHANGELOG);
    let got: Vec<_> = spec.sections().iter().map(|s| (s.name.as_str(), s.start_line, s.end_line)).collect();
    assert_eq!(got, [("description", 8, 10), ("prep", 11, 13), ("files", 14, 15)]);
}

#[test]
fn multi_line_globals_are_one_definition() {
    let spec = parse(GLOBALVER);
    assert_eq!(spec.expand("[%{with_tests}]", &[]), "[\n  1]");
    // The continuation lines are not read as tags or sections.
    assert_eq!(spec.tag_value("summary"), Some("A fancy tool"));
}

#[test]
fn crlf_specs_read_like_lf_ones() {
    let spec = parse(&crlf(DRACUT));
    assert!(spec.uses_crlf());
    assert_eq!(spec.name(), "dracut");
    assert_eq!(spec.setup_dir(&[]), "dracut-ng-101");
    assert_eq!(spec.source_file_name(1, &[]).as_deref(), Some("lgpl-2.1.txt"));
    assert!(parse(&crlf(GLOBALVER)).expand("%{with_tests}", &[]).contains('1'));
}

// ---- parse errors ----

#[test]
fn malformed_specs_are_rejected_with_a_line() {
    let cases = [
        ("Version: 1\n", 0, "no `Name:` tag"),
        ("Name:\nVersion: 1\n", 1, "`Name:` has no value"),
        ("Name: a\nRelease: 1\n", 0, "no `Version:` tag"),
        ("Name: a\nVersion:   \n", 2, "`Version:` has no value"),
        ("Name: a\nVersion 1.0\n", 2, "`Version` has no `:`"),
        ("Name: a\nVersion: 1\n%if 0%{?fedora}\nRequires: b\n", 3, "`%if` without `%endif`"),
        ("Name: a\nVersion: 1\n%endif\n", 3, "`%endif` without an `%if`"),
        ("Name: a\nVersion: 1\n%build\n%else\n", 4, "`%else` without an `%if`"),
    ];
    for (text, line, message) in cases {
        let err = parse_err(text);
        assert_eq!(err.line, line, "{err}");
        assert!(err.message.contains(message), "{err}");
        let prefix = if line > 0 { format!("pkg.spec:{line}: ") } else { "pkg.spec: ".to_owned() };
        assert!(err.to_string().starts_with(&prefix), "{err}");
    }
}

#[test]
fn changelog_text_and_continued_globals_are_not_parsed_as_directives() {
    let text = "%global x a \\\n%endif\nName: a\nVersion: 1\n%changelog\n%if quoted\n";
    assert_eq!(parse(text).name(), "a");
}

// ---- edits ----

#[test]
fn default_edits_give_back_the_same_bytes() {
    let crlf_dracut = crlf(DRACUT);
    let crlf_padded = crlf(PADDED);
    let specs = [DRACUT, PADDED, GLOBALVER, AUTOSPEC, NOCHANGELOG, NOEOL, &crlf_dracut, &crlf_padded];
    for text in specs {
        assert_eq!(edited(text, &SpecEdits::default()), text);
    }
}

#[test]
fn patch_block_into_a_spec_without_patches() {
    let patches = (1..=11).map(|n| patch(n, &format!("{n:04}-change-{n}.patch"), &[&format!("change {n}")])).collect();
    let edits = SpecEdits { patches, ..SpecEdits::default() };
    insta::assert_snapshot!(diff(DRACUT, &edited(DRACUT, &edits)));
}

#[test]
fn patch_block_after_padded_patches_with_gaps() {
    let spec = parse(PADDED);
    let edits = SpecEdits {
        patch_digits: spec.patch_digits(),
        patches: vec![patch(6, "0006-Add-a-flag.patch", &["Add a flag"]), patch(7, "0007-Fix-docs.patch", &[])],
        ..SpecEdits::default()
    };
    insta::assert_snapshot!(diff(PADDED, &edited(PADDED, &edits)));
}

#[test]
fn patch_comments_in_packit_styles() {
    let edits = SpecEdits {
        patches: vec![
            patch(
                1,
                "0001-feat-kernel-install-do-nothing.patch",
                &["feat(kernel-install): do nothing", "Author: Zbigniew Jędrzejewski-Szmek <zbyszek@in.waw.pl>"],
            ),
            patch(2, "0002-downstream.patch", &["### Downstream Patches ###", "", "# already a comment"]),
            patch(3, "0003-multi.patch", &["line one\nline two"]),
        ],
        ..SpecEdits::default()
    };
    insta::assert_snapshot!(diff(DRACUT, &edited(DRACUT, &edits)));
}

#[test]
fn patch_lines_keep_a_tab_separator() {
    let text = "Name: a\nVersion: 1\nPatch0:\tfirst.patch\n\n%description\n";
    let edits = SpecEdits { patches: vec![patch(1, "second.patch", &[])], ..SpecEdits::default() };
    let new = edited(text, &edits);
    assert!(new.contains("Patch0:\tfirst.patch\nPatch1:\tsecond.patch\n"), "{new}");
}

#[test]
fn patch_block_goes_after_version_without_sources() {
    let text = "Name: a\nVersion: 1\nRelease: 2\nLicense: MIT\n";
    let edits = SpecEdits { patches: vec![patch(1, "x.patch", &["x"])], ..SpecEdits::default() };
    let expected = "Name: a\nVersion: 1\nRelease: 2\n# x\nPatch1: x.patch\nLicense: MIT\n";
    assert_eq!(edited(text, &edits), expected);
}

#[test]
fn patch_after_existing_patches_inside_an_if_block() {
    let edits = SpecEdits { patches: vec![patch(2, "0002-x.patch", &["x"])], ..SpecEdits::default() };
    insta::assert_snapshot!(diff(AUTOSPEC, &edited(AUTOSPEC, &edits)));
}

#[test]
fn release_bump_keeps_spacing() {
    let edits = SpecEdits { release: Some("4%{?dist}".into()), version: Some("3.0.3".into()), ..SpecEdits::default() };
    insta::assert_snapshot!(diff(PADDED, &edited(PADDED, &edits)));
}

#[test]
fn version_via_global_edits_the_definition() {
    let edits = SpecEdits { version: Some("2.5.0".into()), release: Some("1%{?dist}".into()), ..SpecEdits::default() };
    let new = edited(GLOBALVER, &edits);
    assert_eq!(parse(&new).version(), "2.5.0");
    insta::assert_snapshot!(diff(GLOBALVER, &new));
}

#[test]
fn version_through_a_chain_of_definitions() {
    let text = "%global base 1.0\n%global ver %{base}\nName: a\nVersion: %{ver}\n";
    let edits = SpecEdits { version: Some("1.1".into()), ..SpecEdits::default() };
    let new = edited(text, &edits);
    assert_eq!(new, text.replace("base 1.0", "base 1.1"));
}

#[test]
fn version_that_cannot_be_edited_says_how_to_keep_it() {
    let text = "Name: a\nVersion: %{lua: print(\"1.0\")}\n";
    let edits = SpecEdits { version: Some("1.1".into()), ..SpecEdits::default() };
    let err = parse(text).apply(&edits).unwrap_err();
    assert_eq!(err.line, 2);
    assert!(err.message.contains("spec.version = \"spec\""), "{err}");
    let text = "%global v %{lua: print(1)}\nName: a\nVersion: %{v}\n";
    assert_eq!(parse(text).apply(&edits).unwrap_err().line, 3);
}

#[test]
fn release_without_a_release_tag_is_an_error() {
    let edits = SpecEdits { release: Some("2".into()), ..SpecEdits::default() };
    let err = parse("Name: a\nVersion: 1\n").apply(&edits).unwrap_err();
    assert!(err.message.contains("no `Release:` tag"), "{err}");
}

#[test]
fn changelog_entry_is_prepended() {
    let edits = SpecEdits {
        changelog_entry: Some("* Sat Nov 21 2026 A B <a@b> - 102-1\n- Update to 102\n".into()),
        ..SpecEdits::default()
    };
    insta::assert_snapshot!(diff(DRACUT, &edited(DRACUT, &edits)));
}

#[test]
fn changelog_body_is_replaced_then_the_entry_prepended() {
    let edits = SpecEdits {
        changelog_body: Some("* Mon Jan 01 2024 Old <o@x> - 1-1\n- from dist-git\n".into()),
        changelog_entry: Some("* Sat Nov 21 2026 A B <a@b> - 3.0.2-4\n- new\n".into()),
        ..SpecEdits::default()
    };
    insta::assert_snapshot!(diff(PADDED, &edited(PADDED, &edits)));
}

#[test]
fn changelog_body_replace_only() {
    let edits = SpecEdits {
        changelog_body: Some("* Mon Jan 01 2024 Old <o@x> - 1-1\n- from dist-git\n".into()),
        ..SpecEdits::default()
    };
    insta::assert_snapshot!(diff(PADDED, &edited(PADDED, &edits)));
}

#[test]
fn changelog_section_is_appended_when_missing() {
    let edits = SpecEdits {
        changelog_entry: Some("* Sat Nov 21 2026 A B <a@b> - 2.12-1\n- first\n".into()),
        ..SpecEdits::default()
    };
    insta::assert_snapshot!(diff(NOCHANGELOG, &edited(NOCHANGELOG, &edits)));
    let new = edited(NOEOL, &edits);
    assert!(new.ends_with("\nx\n\n%changelog\n* Sat Nov 21 2026 A B <a@b> - 2.12-1\n- first\n"));
}

#[test]
fn crlf_specs_get_crlf_lines() {
    let text = crlf(PADDED);
    let edits = SpecEdits {
        release: Some("4%{?dist}".into()),
        patch_digits: Some(4),
        patches: vec![patch(6, "0006-x.patch", &["x"])],
        changelog_entry: Some("* Sat Nov 21 2026 A B <a@b> - 3.0.2-4\n- x\n".into()),
        ..SpecEdits::default()
    };
    let new = edited(&text, &edits);
    assert!(!new.replace("\r\n", "").contains('\n'), "a bare LF:\n{new:?}");
    assert_eq!(new.replace("\r\n", "\n"), edited(PADDED, &edits));
}

#[test]
fn edits_on_a_file_without_final_newline() {
    let text = "Name: a\nVersion: 1\nRelease: 1\nSource0: a.tar.gz";
    let edits =
        SpecEdits { patches: vec![patch(1, "p.patch", &[])], release: Some("2".into()), ..SpecEdits::default() };
    let new = edited(text, &edits);
    assert_eq!(new, "Name: a\nVersion: 1\nRelease: 2\nSource0: a.tar.gz\nPatch1: p.patch\n");
}

#[test]
fn definitions_with_open_braces_span_lines() {
    let text = "%global _description %{expand:\nVersion: 9 is not a tag here\n}\n\
                Name: a\nVersion: 1\n";
    let spec = parse(text);
    assert_eq!(spec.version(), "1");
    assert_eq!(spec.tags.len(), 2);
}

#[test]
fn version_in_both_branches_of_an_if_is_set_in_both() {
    let text = "Name: a\n%if 0%{?rhel}\nVersion: 1.0\n%else\nVersion:  1.1\n%endif\n";
    let edits = SpecEdits { version: Some("2.0".into()), ..SpecEdits::default() };
    let expected = "Name: a\n%if 0%{?rhel}\nVersion: 2.0\n%else\nVersion:  2.0\n%endif\n";
    assert_eq!(edited(text, &edits), expected);
}

#[test]
fn release_via_a_definition_edits_the_definition() {
    let text = "%global baserelease 4\nName: a\nVersion: 1\nRelease: %{baserelease}\n";
    let edits = SpecEdits { release: Some("5".into()), ..SpecEdits::default() };
    assert_eq!(edited(text, &edits), text.replace("baserelease 4", "baserelease 5"));
}

#[test]
fn changelog_ends_at_a_following_section() {
    let text = "Name: a\nVersion: 1\n%changelog\n* x\n%files\n/a\n";
    assert_eq!(parse(text).changelog_body(), Some("* x\n"));
    let edits = SpecEdits { changelog_entry: Some("* y\n".into()), ..SpecEdits::default() };
    let expected = "Name: a\nVersion: 1\n%changelog\n* y\n\n* x\n%files\n/a\n";
    assert_eq!(edited(text, &edits), expected);
}

#[test]
fn crlf_changelog_body_gets_crlf() {
    let edits = SpecEdits { changelog_body: Some("* old\n- a\n".into()), ..SpecEdits::default() };
    let new = edited(&crlf(PADDED), &edits);
    assert!(new.ends_with("%changelog\r\n* old\r\n- a\r\n"), "{new:?}");
}
