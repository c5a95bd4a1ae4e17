//! Packit's `.distro/source-git.yaml`.
//!
//! Only the keys that decide what the rendered dist-git holds are read (see `docs/config.md`);
//! every other key Packit's schema (`packit/schema.py`, `CommonConfigSchema` plus `jobs` and
//! `packages`) knows is accepted and ignored, and a key Packit does not know is an error, as
//! it is for Packit.

use serde_yaml_ng::{Mapping, Value};

use super::load::{line_column, ConfigError, Invalid, SOURCE_GIT_YAML};
use super::validate::{self, Piece};
use super::{Config, Ownership, SyncRule};

/// Keys this module reads.
const READ: &[&str] = &[
    "downstream_package_name",
    "files_to_sync",
    "patch_generation_ignore_paths",
    "patch_generation_patch_id_digits",
    "sources",
    "specfile_path",
    "sync_changelog",
    "upstream_package_name",
    "upstream_ref",
    "upstream_tag_template",
];

/// Keys Packit knows that do not change what is rendered (Packit 1.x `CommonConfigSchema`,
/// with `targets` for its `_targets`, plus `PackageConfigSchema`'s `jobs` and `packages`).
const IGNORED: &[&str] = &[
    "actions",
    "additional_packages",
    "additional_repos",
    "allowed_builders",
    "allowed_committers",
    "allowed_gpg_keys",
    "allowed_pr_authors",
    "archive_root_dir_template",
    "bodhi_extra_params",
    "bootstrap",
    "branch",
    "clone_repos_before_run_condition",
    "config_file_path",
    "copr_chroot",
    "copy_upstream_release_description",
    "create_pr",
    "create_sync_note",
    "csmock_args",
    "dist_git_base_url",
    "dist_git_branches",
    "dist_git_namespace",
    "dist_git_url",
    "enable_net",
    "env",
    "fmf_path",
    "fmf_ref",
    "fmf_url",
    "identifier",
    "image_customizations",
    "image_distribution",
    "image_request",
    "issue_repository",
    "jobs",
    "list_on_homepage",
    "merge_pr_in_ci",
    "module_hotfixes",
    "notifications",
    "osh_diff_scan_after_copr_build",
    "osh_options",
    "owner",
    "packages",
    "packit_instances",
    "parse_time_macros",
    "paths",
    "pkg_tool",
    "prerelease_suffix_macro",
    "prerelease_suffix_pattern",
    "preserve_project",
    "preserve_spec",
    "project",
    "release_suffix",
    "require",
    "scratch",
    "sig",
    "skip_missing_branched_composes",
    "spec_source_id",
    "srpm_build_deps",
    "status_name_template",
    "sync_test_job_statuses_with_builds",
    "targets",
    "test_command",
    "tf_extra_params",
    "tf_post_install_script",
    "timeout",
    "tmt_plan",
    "update_release",
    "upload_sources",
    "upstream_project_url",
    "upstream_tag_exclude",
    "upstream_tag_include",
    "use_internal_tf",
    "use_target_repo_for_fmf_url",
    "version_suffix",
    "version_update_mask",
    "version_update_specifiers",
];

/// Keys of one `files_to_sync` mapping.
const SYNC_KEYS: &[&str] = &["src", "dest", "delete", "filters", "mkpath"];
/// Keys of one `sources` item.
const SOURCE_KEYS: &[&str] = &["path", "url"];
/// Packit's `patch_generation_patch_id_digits` when absent.
const PACKIT_DEFAULT_ID_DIGITS: usize = 4;

/// The top-level keys read, by name; `null` values count as absent.
struct Keys<'a>(Vec<(&'a str, &'a Value)>);

impl<'a> Keys<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
    }
}

/// Parses `source-git.yaml` and writes what it sets over `config`.
pub fn apply(text: &str, config: &mut Config) -> Result<(), ConfigError> {
    let document: Value = serde_yaml_ng::from_str(text).map_err(|e| syntax_error(text, &e))?;
    let empty = Mapping::new();
    let mapping = match &document {
        Value::Null => &empty,
        Value::Mapping(mapping) => mapping,
        other => return Err(wrong_type("(top level)", "a mapping of keys", other)),
    };
    let keys = known_keys(mapping)?;
    apply_names(&keys, config)?;
    apply_upstream(&keys, config)?;
    apply_patches_and_sync(&keys, config)?;
    check_sources(&keys)?;
    if let Some(value) = keys.get("sync_changelog") {
        if boolean("sync_changelog", value)? {
            config.spec.changelog = Ownership::Spec;
            config.spec.release = Ownership::Spec;
        }
    }
    Ok(())
}

/// The keys this module reads; an error for keys Packit does not know.
fn known_keys(mapping: &Mapping) -> Result<Keys<'_>, ConfigError> {
    let mut keys = Vec::new();
    for (key, value) in mapping {
        let Some(name) = key.as_str() else {
            return Err(wrong_type(&describe(key), "a string key", key));
        };
        if READ.contains(&name) {
            if !value.is_null() {
                keys.push((name, value));
            }
        } else if !IGNORED.contains(&name) {
            return Err(ConfigError::UnknownKey {
                file: SOURCE_GIT_YAML.into(),
                key: name.into(),
                accepted: format!(
                    "{}, and the other keys of Packit's configuration (see docs/config.md)",
                    quoted(READ)
                ),
            });
        }
    }
    Ok(Keys(keys))
}

fn apply_names(keys: &Keys<'_>, config: &mut Config) -> Result<(), ConfigError> {
    if let Some(value) = keys.get("downstream_package_name") {
        let key = "downstream_package_name";
        config.package = Some(check(key, &string(key, value)?, validate::package_name)?);
    }
    if let Some(value) = keys.get("specfile_path") {
        let key = "specfile_path";
        config.spec_path = Some(check(key, &string(key, value)?, validate::relative_path)?);
    }
    Ok(())
}

fn apply_upstream(keys: &Keys<'_>, config: &mut Config) -> Result<(), ConfigError> {
    if let Some(value) = keys.get("upstream_ref") {
        let key = "upstream_ref";
        config.upstream.upstream_ref = Some(check(key, &string(key, value)?, validate::git_ref)?);
    }
    if let Some(value) = keys.get("upstream_tag_template") {
        let key = "upstream_tag_template";
        let package = match keys.get("upstream_package_name") {
            Some(name) => Some(string("upstream_package_name", name)?),
            None => None,
        };
        let template = string(key, value)?;
        let (glob, regex) = check(key, &template, |t| tag_template(t, package.as_deref()))?;
        config.upstream.tag_patterns = vec![glob];
        config.upstream.version_expression = regex;
    }
    Ok(())
}

/// Turns Packit's `upstream_tag_template` (`v{version}`) into a tag glob (`v*`) and a version
/// expression (`^v(?P<version>.+)$`). `{upstream_package_name}` becomes the name when known.
fn tag_template(template: &str, package: Option<&str>) -> Result<(String, String), Invalid> {
    let accepted = "text with `{version}` once, and optionally `{upstream_package_name}`, \
                    e.g. `v{version}`";
    let (mut glob, mut regex, mut versions) = (String::new(), String::from("^"), 0);
    for piece in validate::template_pieces(template) {
        let piece = piece.map_err(|e| Invalid::new(e.why, accepted))?;
        match (piece, package) {
            (Piece::Literal(text), _) | (Piece::Placeholder("upstream_package_name"), Some(text)) => {
                glob.push_str(&globset::escape(text));
                regex.push_str(&regex::escape(text));
            }
            (Piece::Placeholder("upstream_package_name"), None) => {
                glob.push('*');
                regex.push_str(".+");
            }
            (Piece::Placeholder("version"), _) => {
                versions += 1;
                glob.push('*');
                regex.push_str("(?P<version>.+)");
            }
            (Piece::Placeholder(other), _) => {
                return Err(Invalid::new(format!("unknown placeholder `{{{other}}}`"), accepted));
            }
        }
    }
    if versions != 1 {
        return Err(Invalid::new("`{version}` must appear exactly once", accepted));
    }
    regex.push('$');
    Ok((glob, regex))
}

/// `files_to_sync`, `patch_generation_ignore_paths` and `patch_generation_patch_id_digits`.
fn apply_patches_and_sync(keys: &Keys<'_>, config: &mut Config) -> Result<(), ConfigError> {
    if let Some(value) = keys.get("files_to_sync") {
        config.sync = files_to_sync(value)?;
    }
    config.patches.ignore_paths = ignore_paths(keys, &config.sync)?;
    config.patches.id_digits = Some(id_digits(keys)?);
    Ok(())
}

/// `patch_generation_ignore_paths` (Packit's default: none) followed, as Packit does, by the
/// source of every sync rule, so synced files never land in patches.
fn ignore_paths(keys: &Keys<'_>, sync: &[SyncRule]) -> Result<Vec<String>, ConfigError> {
    let key = "patch_generation_ignore_paths";
    let mut paths = match keys.get(key) {
        Some(value) => string_list(key, value)?
            .iter()
            .map(|p| check(key, p, validate::relative_path))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    for rule in sync {
        let path = pathspec_of(&rule.src);
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    Ok(paths)
}

/// `patch_generation_patch_id_digits`, Packit's default 4 when absent.
fn id_digits(keys: &Keys<'_>) -> Result<usize, ConfigError> {
    let key = "patch_generation_patch_id_digits";
    let Some(value) = keys.get(key) else {
        return Ok(PACKIT_DEFAULT_ID_DIGITS);
    };
    let digits = integer(key, value)?;
    check(key, &digits.to_string(), |_| validate::id_digits(digits))
}

/// A sync source as Packit passes it to the patch generator: `Path(src)` relative to the
/// repository, so `.distro/` → `.distro`, `./foo` → `foo`.
fn pathspec_of(src: &str) -> String {
    let trimmed = src.trim_end_matches('/');
    let trimmed = trimmed.strip_prefix("./").unwrap_or(trimmed);
    if trimmed.is_empty() {
        ".".into()
    } else {
        trimmed.into()
    }
}

fn files_to_sync(value: &Value) -> Result<Vec<SyncRule>, ConfigError> {
    let items = sequence("files_to_sync", value)?;
    let mut rules = Vec::new();
    for (index, item) in items.iter().enumerate() {
        rules.extend(sync_item(&format!("files_to_sync[{index}]"), item)?);
    }
    Ok(rules)
}

/// One `files_to_sync` entry: a path (source = destination) or a mapping. A mapping with a
/// list of sources becomes one rule per source.
fn sync_item(key: &str, item: &Value) -> Result<Vec<SyncRule>, ConfigError> {
    if let Value::String(path) = item {
        let path = check(key, path, validate::relative_path)?;
        let rule = SyncRule { src: path.clone(), dest: path, delete: false, filters: Vec::new() };
        return Ok(vec![rule]);
    }
    let Value::Mapping(mapping) = item else {
        return Err(wrong_type(key, "a path or a mapping with `src` and `dest`", item));
    };
    let fields = sub_keys(key, mapping, SYNC_KEYS)?;
    let src_key = format!("{key}.src");
    let sources = match required(&fields, key, "src")? {
        Value::String(one) => vec![one.clone()],
        many => string_list(&src_key, many)?,
    };
    let dest_key = format!("{key}.dest");
    let dest = check(&dest_key, &string(&dest_key, required(&fields, key, "dest")?)?, validate::relative_path)?;
    let delete_key = format!("{key}.delete");
    let delete = optional(&fields, "delete").map_or(Ok(false), |v| boolean(&delete_key, v))?;
    let filters = sync_filters(&format!("{key}.filters"), optional(&fields, "filters"))?;
    if delete && sources.len() > 1 {
        let why = Invalid::new(
            "`delete: true` with several sources is not supported yet",
            "one source with `delete: true`, or several sources without it",
        );
        return Err(why.at(SOURCE_GIT_YAML, &src_key, &sources.join(", ")));
    }
    sources
        .iter()
        .map(|src| {
            Ok(SyncRule {
                src: check(&src_key, src, validate::relative_path)?,
                dest: dest.clone(),
                delete,
                filters: filters.clone(),
            })
        })
        .collect()
}

fn sync_filters(key: &str, value: Option<&Value>) -> Result<Vec<super::SyncFilter>, ConfigError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let filters = string_list(key, value)?;
    filters.iter().map(|f| check(key, f, validate::sync_filter)).collect()
}

/// `sources`: checked for shape only (a list of mappings with the strings `path` and `url`).
///
/// Packit's `sources` are downloads for building an SRPM from source-git
/// (`download_remote_sources`), written by `packit source-git init` from the dist-git
/// `sources` file and not kept up to date afterwards (sgallagher/sscg lists
/// `sscg-3.0.3.tar.gz` while its spec builds 3.0.5; dracut lists `dracut-ng-109.tar.gz`
/// while `Source0` names `109.tar.gz`). The tarball the dist-git needs is the one the spec's
/// `Source0` names, so these items neither name it nor say where it comes from.
fn check_sources(keys: &Keys<'_>) -> Result<(), ConfigError> {
    let Some(value) = keys.get("sources") else {
        return Ok(());
    };
    let items = sequence("sources", value)?;
    for (index, item) in items.iter().enumerate() {
        let key = format!("sources[{index}]");
        let Value::Mapping(mapping) = item else {
            return Err(wrong_type(&key, "a mapping with `path` and `url`", item));
        };
        let fields = sub_keys(&key, mapping, SOURCE_KEYS)?;
        string(&format!("{key}.path"), required(&fields, &key, "path")?)?;
        string(&format!("{key}.url"), required(&fields, &key, "url")?)?;
    }
    Ok(())
}

/// The entries of a nested mapping, refusing keys outside `accepted`.
fn sub_keys<'a>(key: &str, mapping: &'a Mapping, accepted: &[&str]) -> Result<Vec<(&'a str, &'a Value)>, ConfigError> {
    let mut fields = Vec::new();
    for (name, value) in mapping {
        match name.as_str() {
            Some(name) if accepted.contains(&name) => fields.push((name, value)),
            Some(name) => return Err(unknown_key(&format!("{key}.{name}"), accepted)),
            None => return Err(wrong_type(&format!("{key}.{}", describe(name)), "a string key", name)),
        }
    }
    Ok(fields)
}

fn optional<'a>(fields: &[(&str, &'a Value)], name: &str) -> Option<&'a Value> {
    fields.iter().find(|(k, v)| *k == name && !v.is_null()).map(|&(_, v)| v)
}

fn required<'a>(fields: &[(&str, &'a Value)], key: &str, name: &str) -> Result<&'a Value, ConfigError> {
    optional(fields, name)
        .ok_or_else(|| ConfigError::MissingKey { file: SOURCE_GIT_YAML.into(), key: format!("{key}.{name}") })
}

fn check<T>(key: &str, value: &str, validate: impl FnOnce(&str) -> Result<T, Invalid>) -> Result<T, ConfigError> {
    validate(value).map_err(|e| e.at(SOURCE_GIT_YAML, key, value))
}

fn string(key: &str, value: &Value) -> Result<String, ConfigError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => {
            let hint = format!("a string (quote it: \"{}\")", describe(value));
            Err(wrong_type(key, &hint, value))
        }
        _ => Err(wrong_type(key, "a string", value)),
    }
}

fn string_list(key: &str, value: &Value) -> Result<Vec<String>, ConfigError> {
    let items = sequence(key, value)?;
    items.iter().map(|item| string(key, item)).collect()
}

fn sequence<'a>(key: &str, value: &'a Value) -> Result<&'a Vec<Value>, ConfigError> {
    value.as_sequence().ok_or_else(|| wrong_type(key, "a list", value))
}

fn boolean(key: &str, value: &Value) -> Result<bool, ConfigError> {
    value.as_bool().ok_or_else(|| wrong_type(key, "`true` or `false`", value))
}

fn integer(key: &str, value: &Value) -> Result<i64, ConfigError> {
    value.as_i64().ok_or_else(|| wrong_type(key, "an integer", value))
}

/// A short rendering of a YAML value for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

fn wrong_type(key: &str, expected: &str, found: &Value) -> ConfigError {
    ConfigError::WrongType {
        file: SOURCE_GIT_YAML.into(),
        key: key.into(),
        message: format!("expected {expected}, found {}", describe(found)),
    }
}

fn unknown_key(key: &str, accepted: &[&str]) -> ConfigError {
    ConfigError::UnknownKey { file: SOURCE_GIT_YAML.into(), key: key.into(), accepted: quoted(accepted) }
}

/// `a`, `b`, `c` with backticks.
fn quoted(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    quoted.join(", ")
}

fn syntax_error(text: &str, error: &serde_yaml_ng::Error) -> ConfigError {
    let (line, column) = match error.location() {
        Some(location) => (location.line(), location.column()),
        None => line_column(text, text.len()),
    };
    ConfigError::Syntax { file: SOURCE_GIT_YAML.into(), line, column, message: error.to_string() }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "packit_tests.rs"]
mod tests;
