//! Optional: the HTTP lookaside against dist-git's own `upload.cgi`, run by Python's CGI
//! server on 127.0.0.1. Set `DISTGIT_UPLOAD_CGI` to the script (dist-git's
//! `dist-git/scripts/httpd/upload.cgi`); needs `/usr/bin/python3` with the `cgi` module
//! (Python ≤ 3.12). Skipped otherwise. The script is not part of this repository.
//!
//! Python's CGI server always answers `200` and passes the script's `Status:` line on as a
//! header, so this checks the protocol and the layout; statuses are covered by the fake.

use git_distgit::digest::sha512_hex;
use git_distgit::lookaside::{self, Uploaded};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

const SERVER: &str = "\
import http.server
class Handler(http.server.CGIHTTPRequestHandler):
    cgi_directories = ['/cgi-bin']
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
";

/// The Python server, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(top: &Path, script: &Path) -> (Server, u16) {
    let cgi = top.join("cgi-bin/upload.cgi");
    std::fs::create_dir_all(cgi.parent().expect("test setup")).expect("test setup");
    std::fs::copy(script, &cgi).expect("test setup");
    std::fs::set_permissions(&cgi, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("test setup");
    std::fs::create_dir_all(top.join("git/rpms/foo.git")).expect("test setup");
    std::fs::create_dir_all(top.join("repo/pkgs")).expect("test setup");
    // Python's CGI server runs the script as `nobody` when started as root.
    std::fs::set_permissions(top.join("repo/pkgs"), std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .expect("test setup");
    let config = "[dist-git]\nlookaside_dir = repo/pkgs\ngitroot_dir = git\ndefault_namespace = rpms\n\n\
                  [upload]\ndisable_group_check = True\nfedmsgs = False\nfedora_messaging = False\n";
    std::fs::write(top.join("dist-git.conf"), config).expect("test setup");
    let mut child = Command::new("/usr/bin/python3")
        .args(["-W", "ignore", "-c", SERVER])
        .current_dir(top)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("DISTGIT_CONFIG", top.join("dist-git.conf"))
        .env("REQUEST_URI", "/repo/pkgs/upload.cgi")
        .env("PYTHONWARNINGS", "ignore")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("test setup");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("test setup")).read_line(&mut line).expect("test setup");
    let port = line.trim().parse().expect("test setup");
    (Server(child), port)
}

#[test]
fn upload_check_and_download_against_dist_gits_upload_cgi() {
    let Some(script) = std::env::var_os("DISTGIT_UPLOAD_CGI") else {
        eprintln!("skipping: set DISTGIT_UPLOAD_CGI to dist-git's upload.cgi to run this test");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (_server, port) = start(tmp.path(), Path::new(&script));
    let bytes = b"real cgi tarball bytes\r\n--x--\r\n";
    let hash = sha512_hex(bytes);
    let src = tmp.path().join("local.tar.gz");
    std::fs::write(&src, bytes).unwrap();
    let upload = format!("http://127.0.0.1:{port}/cgi-bin/upload.cgi");
    let download = format!("http://127.0.0.1:{port}/repo/pkgs");
    let la = lookaside::open_with_download(&upload, Some(&download), None).unwrap();

    assert!(!la.has("rpms/foo", "foo-1.0.tar.gz", &hash).unwrap());
    assert_eq!(la.upload("rpms/foo", "foo-1.0.tar.gz", &hash, &src).unwrap(), Uploaded::Sent);
    assert_eq!(la.upload("rpms/foo", "foo-1.0.tar.gz", &hash, &src).unwrap(), Uploaded::AlreadyPresent);

    let stored = tmp.path().join(format!("repo/pkgs/rpms/foo/foo-1.0.tar.gz/sha512/{hash}/foo-1.0.tar.gz"));
    assert_eq!(std::fs::read(stored).unwrap(), bytes);
    let out = tmp.path().join("out.tar.gz");
    la.download("rpms/foo", "foo-1.0.tar.gz", &hash, &out).unwrap();
    assert_eq!(std::fs::read(out).unwrap(), bytes);

    let err = la.has("rpms/nosuch", "foo-1.0.tar.gz", &hash).unwrap_err();
    assert!(err.to_string().contains("Module \\\"rpms/nosuch\\\" does not exist!"), "{err}");
}
