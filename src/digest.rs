//! SHA-512 of streams and buffers, as `sources` and the lookaside use it.

use sha2::{Digest, Sha512};
use std::io::{Read, Write};
use std::path::Path;

/// Reads `from` to its end, copying it to `dest` when given; returns the lower-case hex
/// SHA-512 and the size.
pub fn copy_hashed(from: &mut dyn Read, dest: Option<&Path>) -> std::io::Result<(String, u64)> {
    let mut out = dest.map(std::fs::File::create).transpose()?;
    let mut hasher = Sha512::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
        if let Some(out) = out.as_mut() {
            out.write_all(&buf[..n])?;
        }
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Lower-case hex SHA-512 of `bytes`.
pub fn sha512_hex(bytes: &[u8]) -> String {
    hex::encode(Sha512::digest(bytes))
}
