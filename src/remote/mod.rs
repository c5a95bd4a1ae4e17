//! `git-remote-distgit`: the gitremote-helpers(7) helper behind `git push distgit::<pkg>` and
//! `git fetch distgit::<pkg>`.
//!
//! * [`protocol`] — the command loop git drives over stdin/stdout, independent of what a push or
//!   fetch does; the work itself sits behind [`protocol::Backend`].
//! * [`backend`] — that work: listing, pushing (render + dist-git commit), fetching.
//! * [`fetch`] — the fetch direction: the source-git commit for each dist-git branch.

pub mod backend;
pub mod fetch;
pub mod protocol;

use std::io::Write;
use std::process::ExitCode;

/// Entry point of `git-remote-distgit <remote> <url>`: serves git on stdin/stdout. Fatal errors
/// go to stderr as `fatal: …` (git ignores a helper's exit status once the loop runs, so
/// per-ref problems are reported in-protocol by the loop).
pub fn main() -> ExitCode {
    if let Some(code) = crate::distgit::credentials::askpass_main() {
        return code;
    }
    let args: Vec<String> = std::env::args().collect();
    let result = match args.as_slice() {
        [_, remote, url] => serve(remote, url),
        [_, remote] => serve(remote, remote),
        _ => Err(anyhow::anyhow!("usage: git-remote-distgit <remote> [<url>] (git runs this for `distgit::` remotes)")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "fatal: distgit: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(remote: &str, url: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    let given = url.strip_prefix("distgit::").unwrap_or(url);
    let git_dir = std::env::var_os("GIT_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| ".".into());
    let repo = gix::discover(&git_dir).with_context(|| format!("no source-git repository at {}", git_dir.display()))?;
    let source = repo.workdir().map(std::path::Path::to_path_buf).unwrap_or_else(|| repo.git_dir().to_path_buf());
    let settings = crate::distgit::settings::read(&repo);
    let address = crate::distgit::address::resolve(given, settings.url_template.as_deref())?;
    let lookaside = crate::distgit::session::open_lookaside(&settings)?;
    let mut backend = backend::DistGitBackend::new(source, repo.common_dir(), address, settings, lookaside)?;
    if crate::distgit::meter::Metered::is_configured(&repo) {
        backend = backend.with_meter(crate::distgit::meter::Metered::open(&repo, None));
    }
    let namespace = format!("refs/distgit/{}", namespace_component(remote));
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    protocol::run(stdin, stdout, &mut backend, &namespace)?;
    Ok(())
}

/// A remote name made safe for a ref component (`distgit::foo` as a URL-remote → `distgit__foo`).
fn namespace_component(remote: &str) -> String {
    let s: String =
        remote.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let s = s.trim_matches('.').to_owned();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}
