//! A `multipart/form-data` request body (RFC 7578) as dist-git's `upload.cgi` reads it with
//! Python's `cgi.FieldStorage`: text fields, then at most one file, streamed from disk.
//!
//! Names and values are checked by the caller ([`super::check_names`]): no quotes, CR or LF,
//! so they go into the part headers as they are.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{Cursor, Read};
use std::path::Path;

/// An encoded body: its `Content-Type` header, exact length and bytes.
pub(crate) struct Body {
    pub content_type: String,
    pub len: u64,
    pub reader: Box<dyn Read + Send>,
}

/// The file part: form field name, the file name the server sees, and where the bytes are.
pub(crate) struct FilePart<'a> {
    pub field: &'a str,
    pub file_name: &'a str,
    pub path: &'a Path,
}

/// A boundary of 128 random bits: the chance that it occurs inside a tarball is nil.
pub(crate) fn new_boundary() -> String {
    let mut boundary = String::from("----git-distgit-");
    for salt in 0..2u64 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(salt);
        boundary.push_str(&format!("{:016x}", hasher.finish()));
    }
    boundary
}

/// Encodes `fields` and, if given, the file (opened now, read while sending).
pub(crate) fn encode(fields: &[(&str, &str)], file: Option<FilePart<'_>>, boundary: &str) -> std::io::Result<Body> {
    let mut head = Vec::new();
    for (name, value) in fields {
        head.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
        );
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    let tail = format!("--{boundary}--\r\n").into_bytes();
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let Some(part) = file else {
        let len = (head.len() + tail.len()) as u64;
        return Ok(Body { content_type, len, reader: Box::new(Cursor::new(head).chain(Cursor::new(tail))) });
    };
    head.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            part.field, part.file_name
        )
        .as_bytes(),
    );
    let opened = File::open(part.path)?;
    let size = opened.metadata()?.len();
    let tail = [b"\r\n".as_slice(), &tail].concat();
    let len = head.len() as u64 + size + tail.len() as u64;
    let reader = Cursor::new(head).chain(opened.take(size)).chain(Cursor::new(tail));
    Ok(Body { content_type, len, reader: Box::new(reader) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(body: Body) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reader = body.reader;
        reader.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn fields_only_body_is_exact() {
        let body = encode(&[("name", "foo"), ("sha512sum", "ab")], None, "B").unwrap();
        assert_eq!(body.content_type, "multipart/form-data; boundary=B");
        let expected = "--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nfoo\r\n\
                        --B\r\nContent-Disposition: form-data; name=\"sha512sum\"\r\n\r\nab\r\n--B--\r\n";
        assert_eq!(body.len, expected.len() as u64);
        assert_eq!(String::from_utf8(read_all(body)).unwrap(), expected);
    }

    #[test]
    fn file_body_streams_the_file_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local-name");
        std::fs::write(&path, b"\x00\x01tar").unwrap();
        let part = FilePart { field: "file", file_name: "foo-1.tar.gz", path: &path };
        let body = encode(&[("name", "foo")], Some(part), "B").unwrap();
        let len = body.len;
        let bytes = read_all(body);
        assert_eq!(bytes.len() as u64, len);
        let expected = b"--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nfoo\r\n\
                         --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"foo-1.tar.gz\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n\x00\x01tar\r\n--B--\r\n";
        assert_eq!(bytes, expected.to_vec());
    }

    #[test]
    fn boundaries_differ() {
        let (a, b) = (new_boundary(), new_boundary());
        assert_ne!(a, b);
        assert_eq!(a.len(), "----git-distgit-".len() + 32);
    }
}
