//! Finding the spec and planning the tarballs it names.

use super::RenderError;
use crate::config::{Config, TarballMode};
use crate::snapshot::Release;
use crate::spec::Spec;
use crate::tarball::{TarballPlan, TarballSource};
use std::collections::BTreeMap;

/// The spec's path in source-git: the configured one, or the single `*.spec` in `.distro/`.
pub fn spec_path(files: &BTreeMap<String, Vec<u8>>, config: &Config) -> Result<String, RenderError> {
    if let Some(path) = &config.spec_path {
        let path = path.trim_start_matches("./").to_owned();
        return match files.contains_key(&path) {
            true => Ok(path),
            false => Err(RenderError::NoSpec(format!(
                "the configured spec `{path}` does not exist in the candidate commit; fix `spec` in \
                 .distro/distgit.toml (Packit: `specfile_path`)"
            ))),
        };
    }
    let specs: Vec<&String> = files
        .keys()
        .filter(|p| p.ends_with(".spec") && p.matches('/').count() == 1 && p.starts_with(".distro/"))
        .collect();
    match specs.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(RenderError::NoSpec(
            "no spec file in .distro/: add `.distro/<package>.spec`, or set `spec` in .distro/distgit.toml".into(),
        )),
        many => Err(RenderError::NoSpec(format!(
            "several spec files in .distro/ ({}): set `spec` in .distro/distgit.toml to the one to render",
            many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Reads and parses the spec.
pub fn load_spec(files: &BTreeMap<String, Vec<u8>>, config: &Config) -> Result<Spec, RenderError> {
    let path = spec_path(files, config)?;
    let bytes = &files[&path];
    let text = std::str::from_utf8(bytes).map_err(|_| RenderError::NotText { path: path.clone() })?;
    Ok(Spec::parse(&path, text)?)
}

/// Expands `{name}`, `{version}` and `{tag}` in a config template.
fn fill(template: &str, name: &str, release: &Release) -> String {
    template.replace("{name}", name).replace("{version}", &release.version).replace("{tag}", &release.tag)
}

/// Plans the release tarball named by `Source0` (or the config).
pub fn plan_tarballs(spec: &Spec, config: &Config, release: &Release) -> Result<Vec<TarballPlan>, RenderError> {
    let name = config.package.clone().unwrap_or_else(|| spec.name());
    let overrides = [("version", release.version.as_str())];
    let file_name = match &config.tarball.name {
        Some(t) => fill(t, &name, release),
        None => spec.source_file_name(0, &overrides).unwrap_or_default(),
    };
    if file_name.is_empty() || file_name.contains(['%', '/']) {
        return Err(RenderError::Tarball(format!(
            "{}: cannot tell the tarball's file name from Source0 (`{}`); set `tarball.name` in .distro/distgit.toml",
            spec.path(),
            spec.source(0, &overrides).unwrap_or_else(|| "missing".into())
        )));
    }
    let prefix = match &config.tarball.prefix {
        Some(t) => fill(t, &name, release),
        None => spec.setup_dir(&overrides),
    };
    let source = match config.tarball.mode {
        TarballMode::Archive => TarballSource::Archive,
        TarballMode::Upstream => TarballSource::Upstream {
            location: match &config.tarball.url {
                Some(t) => fill(t, &name, release),
                None => spec.source(0, &overrides).unwrap_or_default(),
            },
            sha512: config.tarball.sha512.clone(),
        },
    };
    Ok(vec![TarballPlan { file_name, prefix: prefix.trim_end_matches('/').to_owned(), source }])
}
