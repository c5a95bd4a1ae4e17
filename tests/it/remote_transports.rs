//! `git push distgit::<url>` over each transport dist-git can be reached by, with real git on
//! the server side: `file://`, `git daemon` (`git://` on 127.0.0.1) and smart HTTP
//! (`git http-backend` behind [`HttpGitServer`], Basic auth required for fetch and push).
//! Each runs the same story: the first push creates the branch, `--dry-run` changes nothing
//! anywhere, the second push adds one commit with the trailer, an unchanged push is a no-op.

use crate::common::*;
use crate::http_cgi_server::HttpGitServer;
use crate::remote_push::{bare_git, dist_git, DistGit};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "packager";
const PASSWORD: &str = "s3cr3t-Pa55word-7781";

/// A dist-git repository reachable over one transport, plus what keeps its server running.
struct Served {
    url: String,
    env: Vec<(&'static str, String)>,
    _daemon: Option<GitDaemon>,
    http: Option<HttpGitServer>,
}

#[derive(Debug, Clone, Copy)]
enum Transport {
    File,
    Daemon,
    Http,
}

fn serve(transport: Transport, repo: &Repo, dist: &DistGit) -> Served {
    let base = dist.bare.parent().expect("parent").to_path_buf();
    let name = dist.bare.file_name().expect("name").to_string_lossy().into_owned();
    match transport {
        Transport::File => {
            Served { url: format!("file://{}", dist.bare.display()), env: vec![], _daemon: None, http: None }
        }
        Transport::Daemon => {
            let daemon = GitDaemon::start(repo.home(), &base, true);
            let port = daemon.port;
            Served { url: format!("git://127.0.0.1:{port}/{name}"), env: vec![], _daemon: Some(daemon), http: None }
        }
        Transport::Http => {
            let server = HttpGitServer::start(&base, USER, PASSWORD);
            Served {
                url: server.url(&name),
                env: vec![("DISTGIT_HTTP_USERNAME", USER.into()), ("DISTGIT_HTTP_PASSWORD", PASSWORD.into())],
                _daemon: None,
                http: Some(server),
            }
        }
    }
}

/// `git <args>` in the source repo with the helper on PATH and `env` set; killed after 120 s.
fn git_via(repo: &Repo, env: &[(&str, String)], args: &[&str]) -> Output {
    let helper = PathBuf::from(env!("CARGO_BIN_EXE_git-remote-distgit"));
    let bin_dir = helper.parent().expect("bin dir").to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = repo.git_cmd(args);
    cmd.env("PATH", path).env_remove("DISTGIT_HTTP_USERNAME").env_remove("DISTGIT_HTTP_PASSWORD");
    for (key, value) in env {
        cmd.env(key, value);
    }
    output_within(cmd, Duration::from_secs(120))
}

/// Runs `cmd` to completion, killing it if it takes longer than `limit`.
fn output_within(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn push_ok(repo: &Repo, served: &Served, args: &[&str]) -> String {
    let out = git_via(repo, &served.env, args);
    let all = text(&out);
    assert!(out.status.success(), "git {args:?} failed:\n{all}");
    assert!(!all.contains(PASSWORD), "the password leaked into git's output:\n{all}");
    all
}

/// Every file below `dir`, relative, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).expect("prefix").display().to_string())
        .collect();
    out.sort();
    out
}

/// Every ref (and its target) of a repository.
fn refs_of(repo: &Repo, git_dir: &Path) -> String {
    let out = hermetic("git", repo.home())
        .arg("--git-dir")
        .arg(git_dir)
        .args(["for-each-ref", "--format=%(refname) %(objectname)"])
        .output()
        .expect("git");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn trailer_of(dist: &DistGit, repo: &Repo, rev: &str) -> String {
    let message = bare_git(dist, repo, &["log", "-1", "--format=%B", rev]);
    message
        .lines()
        .find_map(|l| l.strip_prefix("From-source-git-commit: "))
        .unwrap_or_else(|| panic!("no trailer in:\n{message}"))
        .to_owned()
}

/// First push, dry run, second push, unchanged push.
fn push_story(transport: Transport) {
    let repo = hello_package();
    let dist = dist_git(&repo);
    let served = serve(transport, &repo, &dist);
    let url = format!("distgit::{}", served.url);

    push_ok(&repo, &served, &["push", &url, "HEAD:rawhide"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(trailer_of(&dist, &repo, "rawhide"), head, "{transport:?}: first push");
    let first = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);

    repo.write("README", "Hello project\n\nMore.\n");
    let new = repo.commit("Say more");
    let (dist_refs, source_refs, lookaside) =
        (refs_of(&repo, &dist.bare), refs_of(&repo, &repo.dir.join(".git")), files_below(&dist.lookaside));
    push_ok(&repo, &served, &["push", "--dry-run", &url, "HEAD:rawhide"]);
    assert_eq!(refs_of(&repo, &dist.bare), dist_refs, "{transport:?}: --dry-run changed dist-git");
    assert_eq!(refs_of(&repo, &repo.dir.join(".git")), source_refs, "{transport:?}: --dry-run changed source-git");
    assert_eq!(files_below(&dist.lookaside), lookaside, "{transport:?}: --dry-run uploaded");

    push_ok(&repo, &served, &["push", &url, "HEAD:rawhide"]);
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide~1"]), first, "{transport:?}: one new commit");
    assert_eq!(trailer_of(&dist, &repo, "rawhide"), new, "{transport:?}: second push");

    let second = bare_git(&dist, &repo, &["rev-parse", "rawhide"]);
    let out = push_ok(&repo, &served, &["push", &url, "HEAD:rawhide"]);
    assert!(out.contains("up-to-date") || out.contains("up to date"), "{transport:?}: {out}");
    assert_eq!(bare_git(&dist, &repo, &["rev-parse", "rawhide"]), second, "{transport:?}: no-op push");

    if let Some(server) = &served.http {
        let seen = server.seen();
        assert!(seen.iter().any(|s| s.status == 401), "the server never asked for credentials: {seen:?}");
        assert!(
            seen.iter().any(|s| s.authorized && s.target.contains("git-receive-pack")),
            "no authenticated push: {seen:?}"
        );
        assert!(
            seen.iter().any(|s| s.authorized && s.target.contains("git-upload-pack")),
            "no authenticated fetch: {seen:?}"
        );
    }
}

#[test]
fn push_over_file_url() {
    push_story(Transport::File);
}

#[test]
fn push_over_git_daemon() {
    push_story(Transport::Daemon);
}

#[test]
fn push_over_smart_http_with_basic_auth() {
    push_story(Transport::Http);
}

/// A push with `password` (or none) that must fail without touching anything; returns the output.
fn refused_http_push(password: Option<&str>) -> String {
    let repo = hello_package();
    let dist = dist_git(&repo);
    let mut served = serve(Transport::Http, &repo, &dist);
    served.env.retain(|(key, _)| *key != "DISTGIT_HTTP_PASSWORD");
    if let Some(password) = password {
        served.env.push(("DISTGIT_HTTP_PASSWORD", password.into()));
    }
    let url = format!("distgit::{}", served.url);
    let out = git_via(&repo, &served.env, &["push", &url, "HEAD:rawhide"]);
    let all = text(&out);
    assert!(!out.status.success(), "push succeeded:\n{all}");
    assert_eq!(refs_of(&repo, &dist.bare), "", "dist-git changed");
    assert_eq!(files_below(&dist.lookaside), Vec::<String>::new(), "something was uploaded");
    let seen = served.http.as_ref().expect("http").seen();
    assert!(seen.iter().all(|s| !s.authorized), "{seen:?}");
    all
}

#[test]
fn wrong_http_password_is_a_clear_error_that_does_not_show_the_password() {
    let wrong = "wr0ng-Pa55word-1234";
    let all = refused_http_push(Some(wrong));
    assert!(!all.contains(wrong) && !all.contains(PASSWORD), "a password leaked:\n{all}");
    assert!(all.contains("DISTGIT_HTTP_PASSWORD"), "no hint at the credentials:\n{all}");
    assert!(all.contains("did not accept"), "unclear error:\n{all}");
}

#[test]
fn missing_http_credentials_name_the_variables() {
    let all = refused_http_push(None);
    assert!(all.contains("DISTGIT_HTTP_USERNAME") && all.contains("DISTGIT_HTTP_PASSWORD"), "{all}");
}

#[test]
fn the_helper_binary_answers_gits_askpass_prompts_from_its_environment() {
    let home = tempfile::tempdir().expect("tempdir");
    let ask = |prompt: &str, marker: bool| {
        let mut cmd = hermetic(env!("CARGO_BIN_EXE_git-remote-distgit"), home.path());
        cmd.current_dir(home.path())
            .arg(prompt)
            .env("DISTGIT_HTTP_USERNAME", USER)
            .env("DISTGIT_HTTP_PASSWORD", PASSWORD);
        if marker {
            cmd.env("GIT_DISTGIT_ASKPASS", "1");
        } else {
            cmd.env_remove("GIT_DISTGIT_ASKPASS");
        }
        output_within(cmd, Duration::from_secs(30))
    };
    let user = ask("Username for 'http://127.0.0.1:1': ", true);
    assert!(user.status.success());
    assert_eq!(String::from_utf8_lossy(&user.stdout), format!("{USER}\n"));
    let pass = ask("Password for 'http://packager@127.0.0.1:1': ", true);
    assert_eq!(String::from_utf8_lossy(&pass.stdout), format!("{PASSWORD}\n"));
    let other = ask("Are you sure you want to continue connecting (yes/no)? ", true);
    assert!(!other.status.success() && other.stdout.is_empty());
    // Without the marker it is the remote helper, which needs a repository.
    let helper = ask("Password for 'x': ", false);
    assert!(!helper.status.success() && !text(&helper).contains(PASSWORD), "{}", text(&helper));
}

#[test]
fn the_test_server_takes_chunked_pushes_from_real_git() {
    let repo = Repo::init();
    let mut state: u32 = 12345;
    let noise: Vec<u8> = (0..300_000)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect();
    repo.write("noise.bin", noise);
    let head = repo.commit("Noise");
    let bare = repo.path("big.git");
    let out = hermetic("git", repo.home()).args(["init", "-q", "--bare"]).arg(&bare).output().expect("git");
    assert!(out.status.success());
    let server = HttpGitServer::start(repo.tmp.path(), USER, PASSWORD);
    let url = server.url("big.git").replace("http://", &format!("http://{USER}:{PASSWORD}@"));
    // A post buffer smaller than the pack makes git send the pack with chunked encoding.
    let mut cmd = repo.git_cmd(&["-c", "http.postBuffer=65536", "push", &url, "HEAD:refs/heads/main"]);
    cmd.env("GIT_TRACE_CURL", "1").env("GIT_TRACE_CURL_NO_DATA", "1");
    let out = output_within(cmd, Duration::from_secs(60));
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("Transfer-Encoding: chunked"), "git did not chunk the push:\n{all}");
    let pushed = hermetic("git", repo.home()).arg("--git-dir").arg(&bare).args(["rev-parse", "main"]).output();
    assert_eq!(String::from_utf8_lossy(&pushed.expect("git").stdout).trim(), head);
}
