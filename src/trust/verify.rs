//! Checking one commit's signature against a [`Policy`] with sequoia.

use super::{signed_payload, Policy, TrustError, Verdict};

/// The verdict on the signature of commit `id`. Errors only when the object cannot be read.
pub fn verify_commit(repo: &gix::Repository, id: gix::ObjectId, policy: &Policy) -> Result<Verdict, TrustError> {
    let object = repo
        .find_object(id)
        .map_err(|e| TrustError::Git { what: format!("reading commit {id}"), message: e.to_string() })?;
    Ok(match signed_payload(&object.data) {
        None => Verdict::Unsigned,
        Some((signature, payload)) => verify_signature(&signature, &payload, policy),
    })
}

/// The verdict on a detached `signature` (as in a `gpgsig` header) over `payload`.
pub fn verify_signature(signature: &[u8], payload: &[u8], policy: &Policy) -> Verdict {
    let _ = (signature, payload, policy);
    Verdict::Malformed { detail: "not implemented yet".into() }
}
