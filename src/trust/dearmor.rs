//! A fast path for the one armor shape git commits carry: a detached signature exactly as gpg
//! (and sequoia) write it. Decoding it here skips sequoia's tolerant armor reader, which
//! allocates and zeroes a 64 KiB buffer per signature and builds an error (a backtrace under
//! `RUST_BACKTRACE`) while sniffing the input. Anything else gives `None`, and the caller
//! falls back to sequoia; where this accepts, it decodes exactly the bytes sequoia would.

/// The armor header line of a detached signature.
const BEGIN: &[u8] = b"-----BEGIN PGP SIGNATURE-----";
/// Its footer line.
const END: &[u8] = b"-----END PGP SIGNATURE-----";

/// The binary packets of a canonically armored detached signature: the header line, an
/// empty line (no armor headers), base64 lines (padding only at the very end, unused bits
/// zero), an optional `=XXXX` checksum line (ignored, as RFC 9580 and sequoia do), the footer
/// line and at most one final newline, all with `\n` line ends. `None` for any other input.
pub fn dearmor_signature(text: &[u8]) -> Option<Vec<u8>> {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    let [first, blank, body @ .., last] = lines.as_slice() else {
        return None;
    };
    if *first != BEGIN || !blank.is_empty() || *last != END {
        return None;
    }
    let body = match body {
        [data @ .., crc] if is_checksum(crc) => data,
        all => all,
    };
    if body.is_empty() || body.iter().any(|line| line.is_empty() || !line.iter().all(|b| is_base64(*b) || *b == b'=')) {
        return None;
    }
    decode_base64(&body.concat())
}

/// A `=` and four base64 characters.
fn is_checksum(line: &[u8]) -> bool {
    line.len() == 5 && line[0] == b'=' && line[1..].iter().all(|b| is_base64(*b))
}

/// A base64 character other than the padding `=`.
fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// Strict, canonical base64 (standard alphabet, padded, padding only in the last quantum,
/// unused bits zero: the `base64` crate's standard engine). `None` for anything else.
fn decode_base64(data: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    if data.is_empty() {
        return None;
    }
    base64::engine::general_purpose::STANDARD.decode(data).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use openpgp::armor::{Kind, Reader, ReaderMode, Writer};
    use sequoia_openpgp as openpgp;
    use std::io::{Read, Write};

    /// What sequoia's own reader makes of `text`.
    fn sequoia(text: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        Reader::from_bytes(text, ReaderMode::VeryTolerant).read_to_end(&mut out).ok()?;
        Some(out)
    }

    fn armored(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer = Writer::new(&mut out, Kind::Signature).unwrap();
        writer.write_all(data).unwrap();
        writer.finalize().unwrap();
        out
    }

    #[test]
    fn decodes_what_sequoia_decodes() {
        for len in [1, 2, 3, 4, 5, 47, 48, 49, 50, 119, 300] {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = armored(&data);
            assert_eq!(dearmor_signature(&text), Some(data.clone()), "length {len}");
            assert_eq!(sequoia(&text), Some(data), "length {len}");
        }
    }

    #[test]
    fn checksum_line_is_optional_and_not_checked() {
        let body = "-----BEGIN PGP SIGNATURE-----\n\nwsBcBAA=\n";
        for text in
            [format!("{body}-----END PGP SIGNATURE-----"), format!("{body}=AAAA\n-----END PGP SIGNATURE-----\n")]
        {
            assert_eq!(dearmor_signature(text.as_bytes()), Some(vec![0xc2, 0xc0, 0x5c, 0x04, 0x00]), "{text}");
            assert_eq!(dearmor_signature(text.as_bytes()), sequoia(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn other_shapes_are_left_to_sequoia() {
        let good = "-----BEGIN PGP SIGNATURE-----\n\nwsBcBAA=\n-----END PGP SIGNATURE-----\n";
        assert!(dearmor_signature(good.as_bytes()).is_some());
        for bad in [
            good.replace("\n\nws", "\nComment: x\n\nws"),
            good.replace('\n', "\r\n"),
            good.replace("wsBcBAA=", "wsBcBAA"),
            good.replace("wsBcBAA=", "wsBc\n\nBAA="),
            good.replace("wsBcBAA=", "ws=cBAA="),
            good.replace("wsBcBAA=", "wsBcBAB="),
            good.replace("wsBcBAA=", "wsBc BAA="),
            good.replace("wsBcBAA=\n", ""),
            format!("{good}\n"),
            format!("{good}trailing"),
            good.replace("SIGNATURE", "MESSAGE"),
            "wsBcBAA=".to_owned(),
            String::new(),
        ] {
            assert_eq!(dearmor_signature(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
