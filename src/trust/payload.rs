//! Splitting a raw commit object into its signature and the bytes that were signed, the way
//! git does (`parse_buffer_signed_by_header` in git's `commit.c`).

/// The header holding the signature in a SHA-1 repository.
const SIGNATURE_HEADER: &[u8] = b"gpgsig";

/// Splits a raw commit object (without the `commit <size>\0` prefix) into the signature of
/// its `gpgsig` header (continuation lines joined, the leading space of each removed) and
/// the payload: the object without the `gpgsig` header and without any other signature
/// header (`gpgsig-sha256`, the signature of the SHA-256 form of the commit). `None` when
/// the commit has no `gpgsig` header.
pub fn signed_payload(raw_commit: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut signature = Vec::new();
    let mut payload = Vec::with_capacity(raw_commit.len());
    let mut saw_signature = false;
    let mut in_signature = false;
    let mut other_signature = false;
    let mut rest = raw_commit;
    while !rest.is_empty() {
        let end = rest.iter().position(|b| *b == b'\n').map_or(rest.len(), |i| i + 1);
        let (line, next) = rest.split_at(end);
        if line.first() == Some(&b'\n') {
            // The end of the headers: the message is payload, whatever it holds.
            payload.extend_from_slice(rest);
            break;
        }
        let continuation = line.first() == Some(&b' ');
        if in_signature && continuation {
            signature.extend_from_slice(&line[1..]);
        } else if let Some(value) = line.strip_prefix(SIGNATURE_HEADER).and_then(|v| v.strip_prefix(b" ")) {
            signature.extend_from_slice(value);
            saw_signature = true;
            in_signature = true;
            other_signature = false;
        } else {
            in_signature = false;
            if line.starts_with(SIGNATURE_HEADER) {
                other_signature = true;
            } else if other_signature && !continuation {
                other_signature = false;
            }
            if !other_signature {
                payload.extend_from_slice(line);
            }
        }
        rest = next;
    }
    saw_signature.then_some((signature, payload))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const HEADERS: &str =
        "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\n";

    #[test]
    fn unsigned_commit_has_no_signature() {
        let raw = format!("{HEADERS}\nmessage\n");
        assert_eq!(signed_payload(raw.as_bytes()), None);
    }

    #[test]
    fn signature_lines_are_joined_and_removed_from_the_payload() {
        let raw = format!(
            "{HEADERS}gpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\nmessage\n"
        );
        let (sig, payload) = signed_payload(raw.as_bytes()).unwrap();
        assert_eq!(sig, b"-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n");
        assert_eq!(payload, format!("{HEADERS}\nmessage\n").as_bytes());
    }

    #[test]
    fn sha256_signature_is_left_out_of_the_payload_but_not_taken() {
        let raw = format!("{HEADERS}gpgsig-sha256 -----BEGIN PGP SIGNATURE-----\n x\n -----END PGP SIGNATURE-----\ngpgsig S\n T\n\nmsg\n");
        let (sig, payload) = signed_payload(raw.as_bytes()).unwrap();
        assert_eq!(sig, b"S\nT\n");
        assert_eq!(payload, format!("{HEADERS}\nmsg\n").as_bytes());
        let only_sha256 = format!("{HEADERS}gpgsig-sha256 X\n Y\n\nmsg\n");
        assert_eq!(signed_payload(only_sha256.as_bytes()), None);
    }

    #[test]
    fn headers_after_the_signature_and_mergetag_stay_in_the_payload() {
        let raw = format!("{HEADERS}mergetag object 1\n type commit\n gpgsig lookalike\ngpgsig S\nencoding latin1\n\n gpgsig in message\n");
        let (sig, payload) = signed_payload(raw.as_bytes()).unwrap();
        assert_eq!(sig, b"S\n");
        let expected = format!(
            "{HEADERS}mergetag object 1\n type commit\n gpgsig lookalike\nencoding latin1\n\n gpgsig in message\n"
        );
        assert_eq!(payload, expected.as_bytes());
    }

    #[test]
    fn message_lines_that_look_like_headers_are_payload() {
        let raw = format!("{HEADERS}gpgsig S\n\ngpgsig not a header\n");
        let (_, payload) = signed_payload(raw.as_bytes()).unwrap();
        assert_eq!(payload, format!("{HEADERS}\ngpgsig not a header\n").as_bytes());
    }
}
