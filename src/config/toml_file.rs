//! `.distro/distgit.toml`, the tool's own configuration file.
//!
//! The file is deserialized with serde into raw structs that refuse unknown keys, then each
//! value is checked and written over the [`Config`] built so far. See `docs/config.md`.

use serde::Deserialize;

use super::load::{line_column, ConfigError, Invalid, DISTGIT_TOML};
use super::{format_options, validate, Config, SyncRule, TrustConfig};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    package: Option<String>,
    upstream: Option<RawUpstream>,
    tarball: Option<RawTarball>,
    patches: Option<RawPatches>,
    spec: Option<RawSpec>,
    sync: Option<Vec<RawSync>>,
    trust: Option<RawTrust>,
}

/// `[trust]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [trust] table with `signers` and `certificates`")]
struct RawTrust {
    #[serde(default)]
    signers: Vec<String>,
    #[serde(default)]
    certificates: Vec<String>,
}

/// `[upstream]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [upstream] table")]
struct RawUpstream {
    tag_pattern: Option<OneOrMany>,
    ignore_tags: Option<Vec<String>>,
    version: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
}

/// A string or a list of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a glob or a list of globs")]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `[tarball]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [tarball] table")]
struct RawTarball {
    mode: Option<String>,
    name: Option<String>,
    prefix: Option<String>,
    url: Option<String>,
    sha512: Option<String>,
}

/// `[patches]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [patches] table")]
struct RawPatches {
    ignore_paths: Option<Vec<String>>,
    format_options: Option<Vec<String>>,
    id_digits: Option<i64>,
}

/// `[spec]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [spec] table (the spec file's path is `spec.path`)")]
struct RawSpec {
    path: Option<String>,
    version: Option<String>,
    release: Option<String>,
    changelog: Option<String>,
}

/// One `[[sync]]` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[sync]] table with `src` and `dest`")]
struct RawSync {
    src: String,
    dest: String,
    #[serde(default)]
    delete: bool,
    #[serde(default)]
    filters: Vec<String>,
}

/// Parses `distgit.toml` and writes every key it sets over `config`.
pub fn apply(text: &str, config: &mut Config) -> Result<(), ConfigError> {
    let raw = parse(text)?;
    if let Some(package) = &raw.package {
        config.package = Some(check("package", package, validate::package_name)?);
    }
    if let Some(upstream) = &raw.upstream {
        apply_upstream(upstream, config)?;
    }
    if let Some(tarball) = &raw.tarball {
        apply_tarball(tarball, config)?;
    }
    if let Some(patches) = &raw.patches {
        apply_patches(patches, config)?;
    }
    if let Some(spec) = &raw.spec {
        apply_spec(spec, config)?;
    }
    if let Some(sync) = &raw.sync {
        config.sync = sync_rules(sync)?;
    }
    if let Some(trust) = &raw.trust {
        config.trust = Some(trust_table(trust)?);
    }
    Ok(())
}

/// Runs `validate` on `value`, naming `key` in the error.
fn check<T>(key: &str, value: &str, validate: impl FnOnce(&str) -> Result<T, Invalid>) -> Result<T, ConfigError> {
    validate(value).map_err(|e| e.at(DISTGIT_TOML, key, value))
}

/// Runs `validate` on every item of `values`, naming `key` in the error.
fn check_all(
    key: &str,
    values: &[String],
    validate: impl Fn(&str) -> Result<String, Invalid>,
) -> Result<Vec<String>, ConfigError> {
    values.iter().map(|v| check(key, v, &validate)).collect()
}

fn apply_upstream(raw: &RawUpstream, config: &mut Config) -> Result<(), ConfigError> {
    let upstream = &mut config.upstream;
    match &raw.tag_pattern {
        Some(OneOrMany::One(one)) => {
            upstream.tag_patterns = vec![check("upstream.tag_pattern", one, validate::glob)?];
        }
        Some(OneOrMany::Many(many)) if many.is_empty() => {
            let why = Invalid::new("empty list", "a glob or a non-empty list of globs");
            return Err(why.at(DISTGIT_TOML, "upstream.tag_pattern", "[]"));
        }
        Some(OneOrMany::Many(many)) => {
            upstream.tag_patterns = check_all("upstream.tag_pattern", many, validate::glob)?;
        }
        None => {}
    }
    if let Some(ignore) = &raw.ignore_tags {
        upstream.ignore_tags = check_all("upstream.ignore_tags", ignore, validate::glob)?;
    }
    if let Some(version) = &raw.version {
        upstream.version_expression = check("upstream.version", version, validate::version_regex)?;
    }
    if let Some(reference) = &raw.reference {
        upstream.upstream_ref = Some(check("upstream.ref", reference, validate::git_ref)?);
    }
    Ok(())
}

fn apply_tarball(raw: &RawTarball, config: &mut Config) -> Result<(), ConfigError> {
    let tarball = &mut config.tarball;
    if let Some(mode) = &raw.mode {
        tarball.mode = check("tarball.mode", mode, validate::tarball_mode)?;
    }
    let templates = [
        ("tarball.name", &raw.name, &mut tarball.name),
        ("tarball.prefix", &raw.prefix, &mut tarball.prefix),
        ("tarball.url", &raw.url, &mut tarball.url),
    ];
    for (key, value, slot) in templates {
        if let Some(value) = value {
            *slot = Some(check(key, value, validate::template)?);
        }
    }
    if let Some(sha512) = &raw.sha512 {
        tarball.sha512 = Some(check("tarball.sha512", sha512, validate::sha512)?);
        if tarball.mode != super::TarballMode::Upstream {
            let why = Invalid::new(
                "a checksum is only used for an upstream tarball",
                "`tarball.sha512` together with `tarball.mode = \"upstream\"`",
            );
            return Err(why.at(DISTGIT_TOML, "tarball.sha512", sha512));
        }
    }
    Ok(())
}

fn apply_patches(raw: &RawPatches, config: &mut Config) -> Result<(), ConfigError> {
    let patches = &mut config.patches;
    if let Some(paths) = &raw.ignore_paths {
        patches.ignore_paths = check_all("patches.ignore_paths", paths, validate::relative_path)?;
    }
    if let Some(options) = &raw.format_options {
        patches.format_options = check_all("patches.format_options", options, format_options::check)?;
    }
    if let Some(digits) = raw.id_digits {
        let value = digits.to_string();
        patches.id_digits = Some(check("patches.id_digits", &value, |_| validate::id_digits(digits))?);
    }
    Ok(())
}

fn apply_spec(raw: &RawSpec, config: &mut Config) -> Result<(), ConfigError> {
    if let Some(path) = &raw.path {
        config.spec_path = Some(check("spec.path", path, validate::relative_path)?);
    }
    let policy = &mut config.spec;
    let owners = [
        ("spec.version", &raw.version, &mut policy.version),
        ("spec.release", &raw.release, &mut policy.release),
        ("spec.changelog", &raw.changelog, &mut policy.changelog),
    ];
    for (key, value, slot) in owners {
        if let Some(value) = value {
            *slot = check(key, value, validate::ownership)?;
        }
    }
    Ok(())
}

fn sync_rules(raw: &[RawSync]) -> Result<Vec<SyncRule>, ConfigError> {
    raw.iter().enumerate().map(|(i, rule)| sync_rule(i, rule)).collect()
}

fn sync_rule(index: usize, raw: &RawSync) -> Result<SyncRule, ConfigError> {
    let key = |name: &str| format!("sync[{index}].{name}");
    let filters = raw.filters.iter();
    Ok(SyncRule {
        src: check(&key("src"), &raw.src, validate::relative_path)?,
        dest: check(&key("dest"), &raw.dest, validate::relative_path)?,
        delete: raw.delete,
        filters: filters.map(|f| check(&key("filters"), f, validate::sync_filter)).collect::<Result<_, _>>()?,
    })
}

fn trust_table(raw: &RawTrust) -> Result<TrustConfig, ConfigError> {
    Ok(TrustConfig {
        signers: check_all("trust.signers", &raw.signers, validate::fingerprint)?,
        certificates: check_all("trust.certificates", &raw.certificates, validate::certificate_path)?,
    })
}

/// Deserializes the file, turning TOML and serde errors into [`ConfigError`]s.
fn parse(text: &str) -> Result<RawFile, ConfigError> {
    let deserializer = toml::Deserializer::parse(text).map_err(|e| syntax_error(text, &e))?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        schema_error(text, key, e.inner())
    })
}

fn syntax_error(text: &str, error: &toml::de::Error) -> ConfigError {
    let (line, column) = error.span().map_or((0, 0), |s| line_column(text, s.start));
    ConfigError::Syntax { file: DISTGIT_TOML.into(), line, column, message: error.message().trim().to_string() }
}

/// An error found while matching the document to the schema: an unknown key or a value of
/// the wrong type. `path` is serde_path_to_error's path of the value being read.
fn schema_error(text: &str, path: String, error: &toml::de::Error) -> ConfigError {
    let message = error.message().trim();
    if let Some((key, accepted)) = parse_unknown_field(message) {
        let parent = path.rsplit_once('.').map_or("", |(parent, _)| parent);
        let key = if parent.is_empty() || path == key { key.to_string() } else { format!("{parent}.{key}") };
        return ConfigError::UnknownKey { file: DISTGIT_TOML.into(), key, accepted };
    }
    if let Some(field) = parse_missing_field(message) {
        let key = if path == "." { field.to_string() } else { format!("{path}.{field}") };
        return ConfigError::MissingKey { file: DISTGIT_TOML.into(), key };
    }
    let at = error.span().map_or(String::new(), |s| {
        let (line, column) = line_column(text, s.start);
        format!(" (line {line}, column {column})")
    });
    ConfigError::WrongType { file: DISTGIT_TOML.into(), key: path, message: format!("{message}{at}") }
}

/// Reads serde's "missing field `x`" message.
fn parse_missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`" message into the key and
/// the accepted keys.
fn parse_unknown_field(message: &str) -> Option<(&str, String)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest.strip_prefix(", ")?;
    let accepted =
        expected.strip_prefix("expected one of ").or_else(|| expected.strip_prefix("expected ")).unwrap_or(expected);
    Some((key, accepted.replace(" or ", ", ")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{Ownership, SyncFilter, TarballMode};

    fn load(text: &str) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        apply(text, &mut config).map(|()| config)
    }

    fn error(text: &str) -> String {
        load(text).unwrap_err().to_string()
    }

    #[test]
    fn empty_file_changes_nothing() {
        assert_eq!(load(""), Ok(Config::default()));
    }

    #[test]
    fn every_key() {
        let sha = "AB".repeat(64);
        let text = format!(
            r#"
package = "foo"
[upstream]
tag_pattern = ["v*", "release-*"]
ignore_tags = ["*-rc*"]
version = '^v(?P<version>.*)$'
ref = "v1.2.3"
[tarball]
mode = "upstream"
name = "{{name}}-{{version}}.tar.gz"
prefix = "{{name}}-{{tag}}"
url = "https://example.org/{{name}}-{{version}}.tar.gz"
sha512 = "{sha}"
[patches]
ignore_paths = [".distro", ".packit.yaml"]
format_options = ["--no-signature", "--zero-commit", "-U5", "--stat=80", "--summary", "--patience"]
id_digits = 4
[spec]
path = ".distro/foo.spec"
version = "spec"
release = "spec"
changelog = "spec"
[[sync]]
src = ".distro/"
dest = "."
delete = true
filters = ["protect .git*", "exclude source-git.yaml"]
[[sync]]
src = "LICENSE"
dest = "LICENSE"
"#
        );
        let config = load(&text).unwrap();
        assert_eq!(config.package.as_deref(), Some("foo"));
        assert_eq!(config.spec_path.as_deref(), Some(".distro/foo.spec"));
        assert_eq!(config.upstream.tag_patterns, ["v*", "release-*"]);
        assert_eq!(config.upstream.ignore_tags, ["*-rc*"]);
        assert_eq!(config.upstream.version_expression, "^v(?P<version>.*)$");
        assert_eq!(config.upstream.upstream_ref.as_deref(), Some("v1.2.3"));
        assert_eq!(config.tarball.mode, TarballMode::Upstream);
        assert_eq!(config.tarball.name.as_deref(), Some("{name}-{version}.tar.gz"));
        assert_eq!(config.tarball.prefix.as_deref(), Some("{name}-{tag}"));
        assert_eq!(config.tarball.url.as_deref(), Some("https://example.org/{name}-{version}.tar.gz"));
        assert_eq!(config.tarball.sha512, Some("ab".repeat(64)));
        assert_eq!(config.patches.ignore_paths, [".distro", ".packit.yaml"]);
        assert_eq!(
            config.patches.format_options,
            ["--no-signature", "--zero-commit", "-U5", "--stat=80", "--summary", "--patience"]
        );
        assert_eq!(config.patches.id_digits, Some(4));
        assert_eq!(config.spec.version, Ownership::Spec);
        assert_eq!(config.spec.release, Ownership::Spec);
        assert_eq!(config.spec.changelog, Ownership::Spec);
        assert_eq!(
            config.sync,
            [
                SyncRule {
                    src: ".distro/".into(),
                    dest: ".".into(),
                    delete: true,
                    filters: vec![SyncFilter::Protect(".git*".into()), SyncFilter::Exclude("source-git.yaml".into()),],
                },
                SyncRule { src: "LICENSE".into(), dest: "LICENSE".into(), delete: false, filters: vec![] },
            ]
        );
        assert!(!config.packit);
    }

    #[test]
    fn trust_table() {
        let text = "[trust]\nsigners = [\"0123 4567 89ab cdef 0123  4567 89AB CDEF 0123 4567\"]\ncertificates = [\"keys/a.asc\"]";
        let trust = load(text).unwrap().trust.unwrap();
        assert_eq!(trust.signers, ["0123456789ABCDEF0123456789ABCDEF01234567"]);
        assert_eq!(trust.certificates, ["keys/a.asc"]);
        assert_eq!(load("[trust]").unwrap().trust, Some(TrustConfig::default()));
        assert_eq!(load("").unwrap().trust, None);
    }

    #[test]
    fn bad_trust_values_name_the_key() {
        let e = error("[trust]\nsigners = [\"0123456789ABCDEF0123456789ABCDEF0123456G\"]");
        assert!(
            e.contains("`trust.signers` = \"0123456789ABCDEF0123456789ABCDEF0123456G\": not a primary-key fingerprint"),
            "{e}"
        );
        let e = error("[trust]\ncertificates = [\"/etc/key.asc\"]");
        assert!(e.contains("`trust.certificates` = \"/etc/key.asc\": absolute path; accepted: a path relative to the directory of distgit.toml"), "{e}");
        let e = error("[trust]\nsigners = \"ABCD\"");
        assert!(e.contains("`trust.signers`: invalid type"), "{e}");
    }

    #[test]
    fn tag_pattern_may_be_a_single_string() {
        let config = load("[upstream]\ntag_pattern = \"v*\"").unwrap();
        assert_eq!(config.upstream.tag_patterns, ["v*"]);
    }

    #[test]
    fn empty_sync_list_removes_the_default_rules() {
        let config = load("sync = []").unwrap();
        assert!(config.sync.is_empty());
    }

    #[test]
    fn spec_render_values() {
        let text = "[spec]\nversion = \"render\"\nrelease = \"render\"\nchangelog = \"render\"";
        assert_eq!(load(text).unwrap().spec, Config::default().spec);
    }

    #[test]
    fn unknown_keys_in_each_table() {
        let cases = [
            ("bogus = 1", "bogus"),
            ("[upstream]\nbogus = 1", "upstream.bogus"),
            ("[tarball]\nbogus = 1", "tarball.bogus"),
            ("[patches]\nbogus = 1", "patches.bogus"),
            ("[spec]\nbogus = 1", "spec.bogus"),
            ("[[sync]]\nsrc = \"a\"\ndest = \"b\"\nbogus = 1", "sync[0].bogus"),
            ("[trust]\nbogus = 1", "trust.bogus"),
            ("[bogus]\nx = 1", "bogus"),
        ];
        for (text, key) in cases {
            match load(text) {
                Err(ConfigError::UnknownKey { file, key: got, .. }) => {
                    assert_eq!(file, DISTGIT_TOML);
                    assert_eq!(got, key, "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_key_message_lists_the_accepted_keys() {
        insta::assert_snapshot!(error("[tarball]\nmdoe = \"archive\""), @".distro/distgit.toml: unknown key `tarball.mdoe`; accepted keys here: `mode`, `name`, `prefix`, `url`, `sha512`");
        insta::assert_snapshot!(error("packages = \"foo\""), @".distro/distgit.toml: unknown key `packages`; accepted keys here: `package`, `upstream`, `tarball`, `patches`, `spec`, `sync`, `trust`");
    }

    #[test]
    fn bad_enum_values() {
        insta::assert_snapshot!(error("[tarball]\nmode = \"zip\""), @r#".distro/distgit.toml: `tarball.mode` = "zip": unknown tarball mode; accepted: `archive`, `upstream`"#);
        insta::assert_snapshot!(error("[spec]\nrelease = \"auto\""), @r#".distro/distgit.toml: `spec.release` = "auto": unknown owner; accepted: `render`, `spec`"#);
    }

    #[test]
    fn bad_regex() {
        insta::assert_snapshot!(error("[upstream]\nversion = '^v(?P<version>.*$'"), @r#".distro/distgit.toml: `upstream.version` = "^v(?P<version>.*$": bad regular expression: unclosed group; accepted: a regular expression (Rust `regex` syntax) whose group `version` (else group 1, else the whole match) is the version, e.g. `^v(?P<version>.+)$`"#);
    }

    #[test]
    fn bad_glob() {
        insta::assert_snapshot!(error("[upstream]\ntag_pattern = \"v[0-9\""), @r#".distro/distgit.toml: `upstream.tag_pattern` = "v[0-9": bad glob: unclosed character class; missing ']'; accepted: a glob such as `v*` or `release-[0-9]*` (`*`, `?`, `[...]`, `{a,b}`)"#);
        assert!(error("[upstream]\nignore_tags = [\"a{b\"]").contains("upstream.ignore_tags"));
        assert!(error("[upstream]\ntag_pattern = []").contains("empty list"));
    }

    #[test]
    fn bad_sha512() {
        insta::assert_snapshot!(
            error("[tarball]\nmode = \"upstream\"\nsha512 = \"abc\""),
            @r#".distro/distgit.toml: `tarball.sha512` = "abc": not a SHA-512 (3 characters); accepted: 128 hexadecimal digits (as `sha512sum` prints)"#
        );
    }

    #[test]
    fn sha512_needs_upstream_mode() {
        let sha = "ab".repeat(64);
        let text = format!("[tarball]\nsha512 = \"{sha}\"");
        assert!(error(&text).contains("only used for an upstream tarball"));
    }

    #[test]
    fn bad_template_placeholder() {
        insta::assert_snapshot!(error("[tarball]\nname = \"{name}-{release}.tar.gz\""), @r#".distro/distgit.toml: `tarball.name` = "{name}-{release}.tar.gz": unknown placeholder `{release}`; accepted: text with the placeholders `{name}`, `{version}`, `{tag}` (no other braces)"#);
        assert!(error("[tarball]\nprefix = \"{name\"").contains("tarball.prefix"));
        assert!(error("[tarball]\nurl = \"%{url}\"").contains("tarball.url"));
    }

    #[test]
    fn disallowed_format_option() {
        let text = "[patches]\nformat_options = [\"--zero-commit\", \"--stdout\"]";
        let err = load(text).unwrap_err();
        let ConfigError::BadValue { key, value, .. } = &err else { panic!("{err:?}") };
        assert_eq!((key.as_str(), value.as_str()), ("patches.format_options", "--stdout"));
        assert!(err.to_string().contains("--unified=<n>"));
        assert!(error("[patches]\nformat_options = [\"5\"]").contains("not an option"));
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = load("package = \"foo\"\n[tarball\nmode = 1").unwrap_err();
        let ConfigError::Syntax { line, column, .. } = &err else { panic!("{err:?}") };
        assert_eq!((*line, *column), (2, 9));
        insta::assert_snapshot!(err.to_string(), @".distro/distgit.toml:2:9: syntax error: unclosed table, expected `]`");
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let err = load("package = \"foo\"\n[patches]\nid_digits = \"4\"").unwrap_err();
        insta::assert_snapshot!(err.to_string(), @r#".distro/distgit.toml: `patches.id_digits`: invalid type: string "4", expected i64 (line 3, column 13)"#);
    }

    #[test]
    fn other_bad_values() {
        assert!(error("package = \"foo bar\"").contains("`package`"));
        assert!(error("[spec]\npath = \"/etc/foo.spec\"").contains("`spec.path`"));
        assert!(error("[upstream]\nref = \"v 1\"").contains("`upstream.ref`"));
        assert!(error("[patches]\nid_digits = 0").contains("`patches.id_digits`"));
        assert!(error("[patches]\nignore_paths = [\"../x\"]").contains("patches.ignore_paths"));
        let filter = "[[sync]]\nsrc = \"a\"\ndest = \"b\"\nfilters = [\"hide x\"]";
        assert!(error(filter).contains("`sync[0].filters`"));
        assert_eq!(
            load("[[sync]]\nsrc = \"a\""),
            Err(ConfigError::MissingKey { file: DISTGIT_TOML.into(), key: "sync[0].dest".into() })
        );
        assert!(error("[upstream]\ntag_pattern = 5").contains("a glob or a list of globs"));
        assert!(error("spec = \".distro/foo.spec\"").contains("`spec.path`"));
    }
}
