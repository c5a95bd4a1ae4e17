//! Hermetic helpers: fixture repositories built with real git, fixed identities and dates.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Base of the fixed commit timestamps (2026-11-21T00:00:00Z).
pub const EPOCH: i64 = 1_795_219_200;

/// A command with user/system config ignored and the locale fixed.
pub fn hermetic(program: &str, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars() {
        if key.starts_with("GIT_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", home)
        .env("LC_ALL", "C")
        .env("TZ", "UTC");
    cmd
}

/// Whether an outside tool is present; under `CI=true` a missing tool fails the test.
pub fn require_tool(tool: &str) -> bool {
    let found =
        Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "`{tool}` is required under CI=true but missing");
        eprintln!("skipping: `{tool}` not installed");
    }
    found
}

/// A git repository in a temporary directory.
pub struct Repo {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    clock: std::cell::Cell<i64>,
}

impl Repo {
    /// `git init` with `main` as the branch.
    pub fn init() -> Repo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("src");
        std::fs::create_dir(&dir).expect("mkdir");
        let repo = Repo { tmp, dir, clock: std::cell::Cell::new(EPOCH) };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A clone of `other` (tags included) in a new temporary directory, at the same clock.
    pub fn clone_of(other: &Repo) -> Repo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("src");
        let out =
            hermetic("git", tmp.path()).args(["clone", "-q"]).arg(&other.dir).arg(&dir).output().expect("git clone");
        assert!(out.status.success(), "git clone: {}", String::from_utf8_lossy(&out.stderr));
        Repo { tmp, dir, clock: std::cell::Cell::new(other.clock.get()) }
    }

    pub fn home(&self) -> &Path {
        self.tmp.path()
    }

    /// A hermetic git command in this repository.
    pub fn git_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = hermetic("git", self.home());
        let t = self.clock.get();
        cmd.current_dir(&self.dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "Ada Upstream")
            .env("GIT_AUTHOR_EMAIL", "ada@example.org")
            .env("GIT_COMMITTER_NAME", "Pat Packager")
            .env("GIT_COMMITTER_EMAIL", "pat@example.org")
            .env("GIT_AUTHOR_DATE", format!("@{t} +0000"))
            .env("GIT_COMMITTER_DATE", format!("@{t} +0000"));
        cmd
    }

    /// Runs git, asserting success; returns trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_cmd(args).output().expect("run git");
        assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    }

    /// Raw stdout of git.
    pub fn git_bytes(&self, args: &[&str]) -> Vec<u8> {
        let out = self.git_cmd(args).output().expect("run git");
        assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let p = self.dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, content).expect("write");
    }

    /// Commits everything with a fixed date (one minute after the previous commit).
    pub fn commit(&self, message: &str) -> String {
        self.commit_as(message, None)
    }

    /// Commits with an explicit author `(name, email)`.
    pub fn commit_as(&self, message: &str, author: Option<(&str, &str)>) -> String {
        self.clock.set(self.clock.get() + 60);
        self.git(&["add", "-A"]);
        let mut cmd = self.git_cmd(&["commit", "-q", "--allow-empty", "-F", "-"]);
        if let Some((name, email)) = author {
            cmd.env("GIT_AUTHOR_NAME", name).env("GIT_AUTHOR_EMAIL", email);
        }
        run_with_stdin(cmd, message.as_bytes());
        self.git(&["rev-parse", "HEAD"])
    }

    /// An annotated tag at HEAD.
    pub fn tag(&self, name: &str) {
        self.git(&["tag", "-a", "-m", &format!("Release {name}"), name]);
    }

    /// Runs `git-distgit` in this repository.
    pub fn distgit(&self, args: &[&str]) -> Output {
        let mut cmd = hermetic(env!("CARGO_BIN_EXE_git-distgit"), self.home());
        cmd.current_dir(&self.dir).args(args).output().expect("run git-distgit")
    }

    /// Runs `git-distgit`, asserting success; returns stdout.
    pub fn distgit_ok(&self, args: &[&str]) -> String {
        let out = self.distgit(args);
        assert!(out.status.success(), "git-distgit {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A fresh path under the temp dir (not created).
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
}

fn run_with_stdin(mut cmd: Command, input: &[u8]) {
    use std::io::Write;
    cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    child.stdin.take().expect("stdin").write_all(input).expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "command failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// The spec of the `hello` fixture package.
pub const HELLO_SPEC: &str = "\
Name:           hello
Version:        0.9
Release:        1%{?dist}
Summary:        A friendly greeter
License:        MIT
URL:            https://example.org/hello
Source0:        %{url}/archive/v%{version}/%{name}-%{version}.tar.gz
BuildArch:      noarch

%description
Says hello.

%prep
%autosetup -p1

%build

%install

%files

%changelog
* Mon Jan 01 2024 Pat Packager <pat@example.org> - 0.9-1
- Initial package
";

/// Builds the upstream part of the `hello` fixture: files with spaces, CRLF, a script, a
/// file to rename; tagged `v1.0` (annotated). Returns the repo.
pub fn hello_upstream() -> Repo {
    let repo = Repo::init();
    repo.write("README", "Hello project\n");
    repo.write("src/hello.sh", "#!/bin/sh\necho hello\n");
    repo.write("doc/file with spaces.txt", "one\ntwo\nthree\n");
    repo.write("dos.txt", "line one\r\nline two\r\nline three\r\n");
    repo.write("old-name.txt", "this file will be renamed\nit has\nseveral\nlines\n");
    repo.commit("Initial upstream import");
    repo.write("README", "Hello project\n\nNow with docs.\n");
    repo.commit("Document the project");
    repo.tag("v0.9");
    repo.write("src/hello.sh", "#!/bin/sh\necho hello world\n");
    repo.commit("Greet the world");
    repo.tag("v1.0");
    repo
}

/// Adds `.distro/` (spec + optional config files) in one commit.
pub fn add_distro(repo: &Repo, extra: &[(&str, &str)]) {
    repo.write(".distro/hello.spec", HELLO_SPEC);
    repo.write(".distro/.gitignore", "*.tar.gz\n");
    for (path, content) in extra {
        repo.write(path, content);
    }
    repo.commit("Add packaging");
}

/// Plain downstream commits exercising renames, modes, spaces, CRLF, non-ASCII authors and a
/// `.distro/`-only commit.
pub fn plain_downstream(repo: &Repo) {
    repo.write("src/hello.sh", "#!/bin/sh\necho 'hello, world'\n");
    repo.commit_as(
        "Quote the greeting\n\nShells are picky.\n",
        Some(("Zbigniew Jędrzejewski-Szmek", "zbyszek@example.org")),
    );
    repo.git(&["mv", "old-name.txt", "new-name.txt"]);
    repo.commit("Rename old-name.txt");
    repo.git(&["update-index", "--chmod=+x", "src/hello.sh"]);
    std::fs::set_permissions(repo.dir.join("src/hello.sh"), std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    repo.commit("Make hello.sh executable");
    repo.write("doc/file with spaces.txt", "one\n2\nthree\n");
    repo.commit("Fix the docs");
    repo.write(".distro/hello.spec", HELLO_SPEC.replace("Says hello.", "Says hello, politely."));
    repo.commit("Packaging: better description");
    repo.write("dos.txt", "line one\r\nline 2\r\nline three\r\n");
    repo.commit("Fix a CRLF file");
}

/// The `hello` fixture: upstream, `.distro/`, and the plain downstream commits.
pub fn hello_package() -> Repo {
    let repo = hello_upstream();
    add_distro(&repo, &[]);
    plain_downstream(&repo);
    repo
}

/// `git-daemon` serving `base` on 127.0.0.1, killed when dropped. It is started directly (not
/// as `git daemon`, whose wrapper process would leave the daemon behind when killed).
pub struct GitDaemon {
    child: std::process::Child,
    pub port: u16,
}

impl GitDaemon {
    /// Starts the daemon (read-only, or read-write with `receive_pack`); waits at most 10 s
    /// until it accepts connections.
    pub fn start(home: &Path, base: &Path, receive_pack: bool) -> GitDaemon {
        let exec_path = hermetic("git", home).arg("--exec-path").output().expect("git --exec-path");
        let exec_path = String::from_utf8_lossy(&exec_path.stdout).trim().to_owned();
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let mut cmd = hermetic(&format!("{exec_path}/git-daemon"), home);
        cmd.args(["--listen=127.0.0.1", "--reuseaddr", "--export-all"])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if receive_pack {
            cmd.arg("--enable=receive-pack");
        }
        let mut daemon = GitDaemon { child: cmd.spawn().expect("git-daemon"), port };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(daemon.child.try_wait().expect("git-daemon status").is_none(), "git-daemon exited early");
            assert!(std::time::Instant::now() < deadline, "git-daemon did not listen on port {port} within 10 s");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        daemon
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Packit `source-git.yaml` in the shape `packit source-git init` writes, with `upstream_ref`,
/// the `sources` item and the patch number width given.
pub fn packit_source_git_yaml(upstream_ref: &str, source_path: &str, digits: u32) -> String {
    format!(
        "\
upstream_project_url: https://example.org/hello
upstream_ref: {upstream_ref}
downstream_package_name: hello
specfile_path: .distro/hello.spec
patch_generation_ignore_paths:
- .distro
patch_generation_patch_id_digits: {digits}
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
- path: {source_path}
  url: https://example.org/lookaside/{source_path}
"
    )
}
