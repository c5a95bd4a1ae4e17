//! An in-process stand-in for dist-git's `upload.cgi` on 127.0.0.1, implementing the real
//! protocol: `name` + `sha512sum` + `filename` is an existence check answered `Available` or
//! `Missing`; `name` + `sha512sum` + a `file` part is an upload whose bytes are checked against
//! `sha512sum`. Downloads are GETs of `<prefix>/<package>/<file>/sha512/<hash>/<file>`.

#![allow(dead_code)]

use sha2::{Digest, Sha512};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How the fake misbehaves, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Every POST answers 500.
    FailAll,
    /// Uploads answer 200 but store nothing.
    ForgetUploads,
    /// Downloads serve the bytes with the first one changed.
    CorruptDownloads,
    /// Every POST answers 500 quoting the `Authorization` header it got.
    EchoAuth,
    /// Every POST answers 200 with an HTML page (a login portal, a wrong URL).
    Html,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub content_length: Option<u64>,
    /// Text fields, by name.
    pub fields: BTreeMap<String, String>,
    /// The file part: (field name, filename, bytes).
    pub file: Option<(String, String, Vec<u8>)>,
}

#[derive(Default)]
struct State {
    token: Option<String>,
    packages: Option<Vec<String>>,
    mode: Option<Mode>,
    store: HashMap<String, Vec<u8>>,
    seen: Vec<Seen>,
}

/// The running fake; stops when dropped.
pub struct FakeUploadCgi {
    pub port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl FakeUploadCgi {
    /// Starts a fake that requires `Authorization: Bearer <token>` when `token` is given.
    pub fn start(token: Option<&str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(Mutex::new(State { token: token.map(str::to_owned), ..State::default() }));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_state, thread_stop) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let _ = serve(stream, &thread_state);
                }
            }
        });
        FakeUploadCgi { port, state, stop }
    }

    /// The `upload.cgi` URL, in Fedora's place.
    pub fn upload_url(&self) -> String {
        format!("http://127.0.0.1:{}/repo/pkgs/upload.cgi", self.port)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().expect("fake state").mode = Some(mode);
    }

    /// Only these packages exist (others get 404, as upload.cgi without a dist-git repo).
    pub fn set_packages(&self, packages: &[&str]) {
        self.state.lock().expect("fake state").packages = Some(packages.iter().map(|p| p.to_string()).collect());
    }

    pub fn stored(&self, package: &str, file: &str, sha512: &str) -> Option<Vec<u8>> {
        self.state.lock().expect("fake state").store.get(&format!("{package}/{file}/sha512/{sha512}/{file}")).cloned()
    }

    pub fn put(&self, package: &str, file: &str, bytes: &[u8]) {
        let key = format!("{package}/{file}/sha512/{}/{file}", hex::encode(Sha512::digest(bytes)));
        self.state.lock().expect("fake state").store.insert(key, bytes.to_vec());
    }

    pub fn stored_count(&self) -> usize {
        self.state.lock().expect("fake state").store.len()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().expect("fake state").seen.clone()
    }
}

impl Drop for FakeUploadCgi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(seen) = read_request(&mut reader)? else { return Ok(()) };
    let (status, body) = answer(&seen, &mut state.lock().expect("fake state"));
    state.lock().expect("fake state").seen.push(seen);
    let mut stream = stream;
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    stream.flush()
}

fn read_request(reader: &mut impl BufRead) -> std::io::Result<Option<Seen>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let content_length = headers.get("content-length").and_then(|v| v.parse::<u64>().ok());
    let mut body = vec![0; content_length.unwrap_or(0) as usize];
    reader.read_exact(&mut body)?;
    let mut seen = Seen {
        method,
        path,
        authorization: headers.get("authorization").cloned(),
        content_length,
        fields: BTreeMap::new(),
        file: None,
    };
    if let Some(boundary) = headers.get("content-type").and_then(|t| t.split_once("boundary=")).map(|(_, b)| b) {
        parse_multipart(&body, boundary, &mut seen);
    }
    Ok(Some(seen))
}

fn parse_multipart(body: &[u8], boundary: &str, seen: &mut Seen) {
    let delimiter = format!("--{boundary}");
    for chunk in split(body, delimiter.as_bytes()).into_iter().skip(1) {
        if chunk.starts_with(b"--") {
            break;
        }
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        let Some(split_at) = find(chunk, b"\r\n\r\n") else { continue };
        let (head, content) = (String::from_utf8_lossy(&chunk[..split_at]).into_owned(), &chunk[split_at + 4..]);
        let name = quoted(&head, "name=\"").unwrap_or_default();
        match quoted(&head, "filename=\"") {
            Some(filename) => seen.file = Some((name, filename, content.to_vec())),
            None => {
                seen.fields.insert(name, String::from_utf8_lossy(content).into_owned());
            }
        }
    }
}

fn quoted(head: &str, key: &str) -> Option<String> {
    let start = head.find(&format!("; {key}"))? + key.len() + 2;
    let end = head[start..].find('"')?;
    Some(head[start..start + end].to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut haystack: &'a [u8], needle: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(at) = find(haystack, needle) {
        out.push(&haystack[..at]);
        haystack = &haystack[at + needle.len()..];
    }
    out.push(haystack);
    out
}

/// What upload.cgi would answer.
fn answer(seen: &Seen, state: &mut State) -> (&'static str, Vec<u8>) {
    let mode = state.mode.unwrap_or(Mode::Normal);
    if seen.method == "GET" {
        return download(seen, state, mode);
    }
    if !seen.path.ends_with("/upload.cgi") {
        return ("404 Not Found", b"no such script".to_vec());
    }
    if seen.content_length.is_none() {
        return ("411 Length Required", b"Content-Length required".to_vec());
    }
    if mode == Mode::Html {
        return ("200 OK", b"<html><body>Please log in</body></html>".to_vec());
    }
    if mode == Mode::EchoAuth {
        let echoed = format!("debug: got Authorization: {}", seen.authorization.clone().unwrap_or_default());
        return ("500 Internal Server Error", echoed.into_bytes());
    }
    if let Some(token) = &state.token {
        if seen.authorization.as_deref() != Some(&format!("Bearer {token}")) {
            return ("401 Unauthorized", b"You must present a valid token to upload.".to_vec());
        }
    }
    if mode == Mode::FailAll {
        return ("500 Internal Server Error", b"OSError: [Errno 28] No space left on device".to_vec());
    }
    let Some(name) = seen.fields.get("name") else {
        return ("400 Bad Request", b"Required field \"name\" is not present.".to_vec());
    };
    let Some(checksum) = seen.fields.get("sha512sum") else {
        return ("400 Bad Request", b"Required checksum is not present.".to_vec());
    };
    if state.packages.as_ref().is_some_and(|known| !known.contains(name)) {
        return ("404 Not Found", format!("Module \"{name}\" does not exist!").into_bytes());
    }
    if let Some(filename) = seen.fields.get("filename") {
        let key = format!("{name}/{filename}/sha512/{checksum}/{filename}");
        let text = if state.store.contains_key(&key) { "Available" } else { "Missing" };
        return ("200 OK", format!("{text}\n").into_bytes());
    }
    let Some((field, filename, bytes)) = &seen.file else {
        return ("400 Bad Request", b"Required field \"file\" is not present.".to_vec());
    };
    if field != "file" {
        return ("400 Bad Request", b"Required field \"file\" is not present.".to_vec());
    }
    let key = format!("{name}/{filename}/sha512/{checksum}/{filename}");
    if state.store.contains_key(&key) {
        return ("200 OK", format!("File {filename} already exists\n").into_bytes());
    }
    let got = hex::encode(Sha512::digest(bytes));
    if &got != checksum {
        return ("400 Bad Request", format!("SHA512 check failed. Received {got} instead of {checksum}.").into_bytes());
    }
    if mode != Mode::ForgetUploads {
        state.store.insert(key, bytes.clone());
    }
    ("200 OK", format!("File {filename} size {} SHA512 {checksum} stored OK\n", bytes.len()).into_bytes())
}

fn download(seen: &Seen, state: &State, mode: Mode) -> (&'static str, Vec<u8>) {
    let key = ["/repo/pkgs/", "/sources/"].iter().find_map(|prefix| seen.path.strip_prefix(prefix));
    let key = key.map(|k| k.replace("%20", " "));
    match key.and_then(|k| state.store.get(&k)) {
        Some(bytes) => {
            let mut bytes = bytes.clone();
            if mode == Mode::CorruptDownloads && !bytes.is_empty() {
                bytes[0] ^= 0xff;
            }
            ("200 OK", bytes)
        }
        None => ("404 Not Found", b"Not Found".to_vec()),
    }
}
