//! Addressing: `distgit::<pkg>` goes through the URL template in git config `distgit.url`;
//! `distgit::<url>` (a scheme, an absolute or relative path, or `host:path`) is used as is.

/// The URL template used when git config sets no `distgit.url` (Fedora's dist-git).
pub const DEFAULT_URL_TEMPLATE: &str = "ssh://pkgs.fedoraproject.org/rpms/{pkg}.git";

/// A resolved dist-git address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// What the remote URL said after `distgit::`.
    pub given: String,
    /// The dist-git repository URL (or path).
    pub url: String,
    /// The package name (the `<pkg>`, or the URL's last path component without `.git`).
    pub package: String,
}

/// A `distgit::` address that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    #[error("empty dist-git address: use `distgit::<package>` or `distgit::<url>`")]
    Empty,
    #[error(
        "`distgit.url` = `{template}` has no `{{pkg}}` placeholder; e.g. `ssh://pkgs.example.org/rpms/{{pkg}}.git`"
    )]
    Template { template: String },
    #[error("`{given}` is not a package name (letters, digits, `-._+`) or a URL/path")]
    BadPackage { given: String },
}

/// Resolves `given` (the part after `distgit::`) with the URL template (`None` = default).
pub fn resolve(given: &str, template: Option<&str>) -> Result<Address, AddressError> {
    let given = given.trim();
    if given.is_empty() {
        return Err(AddressError::Empty);
    }
    if is_url_or_path(given) {
        let package = package_of_url(given);
        return Ok(Address { given: given.into(), url: given.into(), package });
    }
    if !given.chars().all(|c| c.is_ascii_alphanumeric() || "-._+".contains(c)) {
        return Err(AddressError::BadPackage { given: given.into() });
    }
    let template = template.unwrap_or(DEFAULT_URL_TEMPLATE);
    if !template.contains("{pkg}") {
        return Err(AddressError::Template { template: template.into() });
    }
    Ok(Address { given: given.into(), url: template.replace("{pkg}", given), package: given.into() })
}

fn is_url_or_path(s: &str) -> bool {
    s.contains("://")
        || s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('~')
        || s.split_once(':').is_some_and(|(host, _)| !host.contains('/') && !host.is_empty())
}

/// `ssh://host/rpms/foo.git` → `foo`.
fn package_of_url(url: &str) -> String {
    let last = url.trim_end_matches('/').rsplit(['/', ':']).next().unwrap_or(url);
    last.strip_suffix(".git").unwrap_or(last).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_use_the_template() {
        let a = resolve("systemd", None).unwrap();
        assert_eq!(a.url, "ssh://pkgs.fedoraproject.org/rpms/systemd.git");
        assert_eq!(a.package, "systemd");
        let b = resolve("foo", Some("https://git.example.org/rpms/{pkg}")).unwrap();
        assert_eq!(b.url, "https://git.example.org/rpms/foo");
        assert_eq!(
            resolve("foo", Some("https://x/rpms")),
            Err(AddressError::Template { template: "https://x/rpms".into() })
        );
    }

    #[test]
    fn urls_and_paths_are_used_as_is() {
        for (given, package) in [
            ("file:///srv/rpms/foo.git", "foo"),
            ("/srv/rpms/bar.git", "bar"),
            ("../dist/baz", "baz"),
            ("git://127.0.0.1:9418/rpms/qux.git", "qux"),
            ("https://src.example.org/rpms/quux.git/", "quux"),
            ("pkgs.example.org:rpms/corge.git", "corge"),
        ] {
            let a = resolve(given, None).unwrap();
            assert_eq!((a.url.as_str(), a.package.as_str()), (given, package));
        }
    }

    #[test]
    fn bad_addresses() {
        assert_eq!(resolve("  ", None), Err(AddressError::Empty));
        assert!(matches!(resolve("foo bar", None), Err(AddressError::BadPackage { .. })));
    }
}
