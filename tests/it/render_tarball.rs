//! The upstream-tarball mode: a local path or an HTTP URL, checked against a known SHA-512.

use crate::common::*;
use std::io::{Read, Write};

/// Serves `body` to exactly one HTTP request on 127.0.0.1; returns the URL.
fn serve_once(body: Vec<u8>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://127.0.0.1:{port}/hello-1.0.tar.gz")
}

fn upstream_config(url: &str, sha512: &str) -> String {
    format!("[tarball]\nmode = \"upstream\"\nurl = \"{url}\"\nsha512 = \"{sha512}\"\n")
}

const RELEASE_TARBALL: &[u8] = b"pretend this is the upstream release tarball\n";

#[test]
fn local_path_with_matching_checksum() {
    let repo = hello_upstream();
    let file = repo.path("hello-1.0.tar.gz");
    std::fs::write(&file, RELEASE_TARBALL).expect("write");
    let sha = git_distgit::digest::sha512_hex(RELEASE_TARBALL);
    add_distro(&repo, &[(".distro/distgit.toml", &upstream_config(file.to_str().expect("utf-8"), &sha))]);
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(std::fs::read(out.join("hello-1.0.tar.gz")).expect("tarball"), RELEASE_TARBALL);
    let sources = std::fs::read_to_string(out.join("sources")).expect("sources");
    assert_eq!(sources, format!("SHA512 (hello-1.0.tar.gz) = {sha}\n"));
}

#[test]
fn http_download_with_matching_checksum() {
    let repo = hello_upstream();
    let url = serve_once(RELEASE_TARBALL.to_vec());
    let sha = git_distgit::digest::sha512_hex(RELEASE_TARBALL);
    add_distro(&repo, &[(".distro/distgit.toml", &upstream_config(&url, &sha))]);
    let out = repo.path("out");
    repo.distgit_ok(&["render", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(std::fs::read(out.join("hello-1.0.tar.gz")).expect("tarball"), RELEASE_TARBALL);
}

#[test]
fn checksum_mismatch_is_an_error_and_writes_nothing() {
    let repo = hello_upstream();
    let url = serve_once(b"a tampered tarball\n".to_vec());
    let sha = git_distgit::digest::sha512_hex(RELEASE_TARBALL);
    add_distro(&repo, &[(".distro/distgit.toml", &upstream_config(&url, &sha))]);
    let out = repo.path("out");
    let result = repo.distgit(&["render", "--out", out.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    assert!(stderr.contains("SHA-512 is") && stderr.contains(&sha), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn unreachable_url_is_an_error() {
    let repo = hello_upstream();
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}/gone.tar.gz");
    let sha = git_distgit::digest::sha512_hex(RELEASE_TARBALL);
    add_distro(&repo, &[(".distro/distgit.toml", &upstream_config(&url, &sha))]);
    let result = repo.distgit(&["render"]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    assert!(stderr.contains("cannot read") && stderr.contains(&url), "{stderr}");
}
