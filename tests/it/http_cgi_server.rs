//! A smart-HTTP git server on 127.0.0.1 for tests: a small HTTP/1.1 server (std only, one
//! thread per connection, `Connection: close`) that runs `git http-backend` as a CGI and
//! requires HTTP Basic auth for every request, fetch and push alike (`401` with
//! `WWW-Authenticate: Basic realm="dist-git"` otherwise). Chunked request bodies (git's large
//! POSTs) are de-chunked before they reach the CGI; `Expect: 100-continue` is answered.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one connection may stay silent before the server gives up on it.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// One request as the server saw it (for assertions).
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// Whether it carried the right credentials.
    pub authorized: bool,
    /// The response status.
    pub status: u16,
}

/// The running server; stops accepting when dropped.
pub struct HttpGitServer {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

struct Config {
    root: PathBuf,
    user: String,
    /// `Basic <base64(user:password)>`.
    expected: String,
}

impl HttpGitServer {
    /// Serves the repositories below `root` to `user`:`password` only.
    pub fn start(root: &Path, user: &str, password: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let config = Arc::new(Config {
            root: root.to_path_buf(),
            user: user.to_owned(),
            expected: format!("Basic {}", base64(format!("{user}:{password}").as_bytes())),
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_seen, thread_stop) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (config, seen) = (config.clone(), thread_seen.clone());
                std::thread::spawn(move || {
                    if let Ok(entry) = serve(stream, &config) {
                        seen.lock().expect("lock").push(entry);
                    }
                });
            }
        });
        HttpGitServer { port, seen, stop }
    }

    /// `http://127.0.0.1:<port>/<path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    /// Every request answered so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for HttpGitServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_secs(1));
    }
}

/// A parsed request head.
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn serve(stream: TcpStream, config: &Config) -> std::io::Result<Seen> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let request = read_head(&mut reader)?;
    let authorized = request.header("Authorization") == Some(config.expected.as_str());
    let mut seen = Seen { method: request.method.clone(), target: request.target.clone(), authorized, status: 401 };
    if !authorized {
        writer.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"dist-git\"\r\n\
              Content-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nUnauthorized\n",
        )?;
        return Ok(seen);
    }
    if request.header("Expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = read_body(&mut reader, &request)?;
    let (status, response) = run_cgi(config, &request, body)?;
    seen.status = status;
    writer.write_all(&response)?;
    writer.flush()?;
    Ok(seen)
}

fn read_head(reader: &mut impl BufRead) -> std::io::Result<Request> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    Ok(Request { method, target, headers })
}

fn read_body(reader: &mut impl BufRead, request: &Request) -> std::io::Result<Vec<u8>> {
    if request.header("Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return read_chunked(reader);
    }
    let len: usize = request.header("Content-Length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    Ok(body)
}

/// De-chunks a `Transfer-Encoding: chunked` body (RFC 9112 §7.1), dropping extensions and trailers.
fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line)?;
        let hex = size_line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(hex, 16)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("chunk size {size_line:?}")))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
    }
}

/// Runs `git http-backend` for the request; returns the status and the full HTTP response.
fn run_cgi(config: &Config, request: &Request, body: Vec<u8>) -> std::io::Result<(u16, Vec<u8>)> {
    let (path, query) = request.target.split_once('?').unwrap_or((&request.target, ""));
    let mut cmd = Command::new("git");
    for (key, _) in std::env::vars() {
        if key.starts_with("GIT_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("http-backend")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PROJECT_ROOT", &config.root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REMOTE_USER", &config.user)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("AUTH_TYPE", "Basic")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("REQUEST_METHOD", &request.method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("CONTENT_TYPE", request.header("Content-Type").unwrap_or(""));
    for (header, var) in [("Content-Encoding", "HTTP_CONTENT_ENCODING"), ("Git-Protocol", "GIT_PROTOCOL")] {
        if let Some(value) = request.header(header) {
            cmd.env(var, value);
        }
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    let output = child.wait_with_output()?;
    let _ = writer.join();
    Ok(cgi_to_http(&output.stdout))
}

/// A CGI response (`Header: value` lines, a blank line, the body) as an HTTP/1.1 response.
fn cgi_to_http(cgi: &[u8]) -> (u16, Vec<u8>) {
    let split = cgi.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, i + 4));
    let split = split.or_else(|| cgi.windows(2).position(|w| w == b"\n\n").map(|i| (i, i + 2)));
    let (head_end, body_start) = split.unwrap_or((0, 0));
    let head = String::from_utf8_lossy(&cgi[..head_end]);
    let body = &cgi[body_start..];
    let mut status = 200;
    let mut reason = "OK".to_owned();
    let mut headers = String::new();
    for line in head.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
        match line.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("Status") => {
                let v = v.trim();
                let (code, text) = v.split_once(' ').unwrap_or((v, ""));
                status = code.parse().unwrap_or(500);
                reason = text.to_owned();
            }
            Some((k, _)) if k.eq_ignore_ascii_case("Content-Length") => {}
            _ => headers.push_str(&format!("{line}\r\n")),
        }
    }
    let mut response =
        format!("HTTP/1.1 {status} {reason}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n", body.len())
            .into_bytes();
    response.extend_from_slice(body);
    (status, response)
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_rfc_4648_vectors() {
    for (input, expected) in
        [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")]
    {
        assert_eq!(base64(input.as_bytes()), expected);
    }
}

#[test]
fn chunked_bodies_are_dechunked() {
    let wire = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n";
    assert_eq!(read_chunked(&mut &wire[..]).unwrap(), b"Wikipedia");
}
