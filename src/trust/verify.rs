//! Checking one commit's signature against a [`Policy`] with sequoia.
//!
//! The steps follow sequoia's own streaming verifier (`parse::stream`): find the issuing key
//! in the policy's certificates, check the signature and the key against the
//! [`StandardPolicy`] at the signature's creation time, check the key was alive, not revoked
//! and signing-capable then, check the signature over the payload, and finally that the
//! certificate is a listed signer. Each failure is its own [`Verdict`].

use super::dearmor::dearmor_signature;
use super::{signed_payload, Policy, TrustError, Verdict};
use openpgp::cert::amalgamation::{ValidAmalgamation, ValidateAmalgamation};
use openpgp::cert::prelude::{ErasedKeyAmalgamation, ValidErasedKeyAmalgamation};
use openpgp::packet::{key, Signature};
use openpgp::parse::{Dearmor, PacketParserBuilder, PacketParserResult, Parse};
use openpgp::policy::{HashAlgoSecurity, Policy as _, StandardPolicy};
use openpgp::types::RevocationStatus;
use openpgp::{Packet, PacketPile};
use sequoia_openpgp as openpgp;
use std::time::SystemTime;

/// The algorithm policy: sequoia's defaults (SHA-1 refused for signatures over data, small
/// RSA keys refused, …), judged at the time each signature was made.
static STANDARD: StandardPolicy<'static> = StandardPolicy::new();

/// The verdict on the signature of commit `id`. Errors only when the object cannot be read.
pub fn verify_commit(repo: &gix::Repository, id: gix::ObjectId, policy: &Policy) -> Result<Verdict, TrustError> {
    let object = read_commit(repo, id)?;
    Ok(verify_raw_commit(&object.data, policy))
}

/// The raw object of commit `id` (without the `commit <size>\0` prefix).
pub fn read_commit(repo: &gix::Repository, id: gix::ObjectId) -> Result<gix::Object<'_>, TrustError> {
    let object = repo
        .find_object(id)
        .map_err(|e| TrustError::Git { what: format!("reading commit {id}"), message: e.to_string() })?;
    if object.kind != gix::object::Kind::Commit {
        return Err(TrustError::Git {
            what: format!("reading commit {id}"),
            message: format!("a {}, not a commit", object.kind),
        });
    }
    Ok(object)
}

/// The verdict on the signature of a raw commit object, as [`read_commit`] returns it.
pub fn verify_raw_commit(raw_commit: &[u8], policy: &Policy) -> Verdict {
    match signed_payload(raw_commit) {
        None => Verdict::Unsigned,
        Some((signature, payload)) => verify_signature(&signature, &payload, policy),
    }
}

/// The verdict on a detached `signature` (as in a `gpgsig` header) over `payload`. With
/// several OpenPGP signatures, one trusted signature is enough; otherwise the first one's
/// verdict is given.
pub fn verify_signature(signature: &[u8], payload: &[u8], policy: &Policy) -> Verdict {
    if signature.starts_with(b"-----BEGIN SSH SIGNATURE-----") {
        return Verdict::SshSignature;
    }
    if signature.starts_with(b"-----BEGIN SIGNED MESSAGE-----") {
        return Verdict::X509Signature;
    }
    let signatures = match parse_signatures(signature) {
        Ok(signatures) => signatures,
        Err(detail) => return Verdict::Malformed { detail },
    };
    let mut first = None;
    for sig in &signatures {
        let verdict = verify_one(sig, payload, policy);
        if verdict.is_trusted() {
            return verdict;
        }
        first.get_or_insert(verdict);
    }
    first.unwrap_or_else(|| Verdict::Malformed { detail: "no signature packet".into() })
}

/// The signature packets of an armored (or binary) detached signature.
fn parse_signatures(bytes: &[u8]) -> Result<Vec<Signature>, String> {
    if let Some(signatures) = dearmor_signature(bytes).and_then(|binary| parse_binary_signatures(&binary)) {
        return Ok(signatures);
    }
    let pile = PacketPile::from_bytes(bytes).map_err(|e| error_text(&e))?;
    let mut signatures = Vec::new();
    for packet in pile.into_children() {
        match packet {
            Packet::Signature(sig) => signatures.push(sig),
            Packet::Unknown(unknown) => return Err(format!("unreadable packet: {}", error_text(unknown.error()))),
            other => return Err(format!("a {} packet where a signature belongs", other.tag())),
        }
    }
    Ok(signatures)
}

/// The fast path of [`parse_signatures`]: binary packets that are all good signature
/// packets, parsed one after the other as [`PacketPile`] would. `None` for anything else
/// (an error, another packet, no packet), which the slow path then reports in its words.
fn parse_binary_signatures(binary: &[u8]) -> Option<Vec<Signature>> {
    let mut next = PacketParserBuilder::from_bytes(binary).ok()?.dearmor(Dearmor::Disabled).build().ok()?;
    let mut signatures = Vec::new();
    while let PacketParserResult::Some(parser) = next {
        let (packet, rest) = parser.next().ok()?;
        let Packet::Signature(sig) = packet else {
            return None;
        };
        signatures.push(sig);
        next = rest;
    }
    (!signatures.is_empty()).then_some(signatures)
}

/// The verdict on one signature packet.
fn verify_one(sig: &Signature, payload: &[u8], policy: &Policy) -> Verdict {
    let Some(time) = sig.signature_creation_time() else {
        return Verdict::Malformed { detail: "no signature creation time".into() };
    };
    let issuers = sig.get_issuers();
    let Some(first_issuer) = issuers.first() else {
        return Verdict::Malformed { detail: "the signature names no issuer key".into() };
    };
    let mut first = None;
    for cert in policy.certs() {
        for ka in cert.keys().key_handles(issuers.iter()) {
            let verdict = judge_key(sig, time, &ka, payload, policy);
            if verdict.is_trusted() {
                return verdict;
            }
            first.get_or_insert(verdict);
        }
    }
    first.unwrap_or_else(|| Verdict::UnknownKey { issuer: first_issuer.to_hex() })
}

/// The verdict on `sig` made at `time` by the key `ka` of a policy certificate.
fn judge_key(
    sig: &Signature,
    time: SystemTime,
    ka: &ErasedKeyAmalgamation<'_, key::PublicParts>,
    payload: &[u8],
    policy: &Policy,
) -> Verdict {
    let signer = ka.cert().fingerprint().to_hex();
    if let Err(e) = STANDARD.signature(sig, HashAlgoSecurity::CollisionResistance) {
        return Verdict::WeakAlgorithm { detail: format!("{} signature: {}", sig.hash_algo(), error_text(&e)) };
    }
    if sig.verify_message(ka.key(), payload).is_err() {
        return Verdict::BadSignature { signer };
    }
    let valid = match ka.clone().with_policy(&STANDARD, time) {
        Ok(valid) => valid,
        Err(e) if is_policy_violation(&e) => {
            return Verdict::WeakAlgorithm { detail: format!("key {}: {}", ka.key().fingerprint(), error_text(&e)) };
        }
        Err(_) => return Verdict::Expired { signer },
    };
    if let Some(verdict) = key_state(&valid, signer.clone()) {
        return verdict;
    }
    if !policy.is_signer(&signer) {
        return Verdict::NotTrusted { signer };
    }
    let user_id =
        valid.valid_cert().primary_userid().ok().map(|u| String::from_utf8_lossy(u.userid().value()).into_owned());
    Verdict::Trusted { signer, user_id }
}

/// Why a key that is bound at the signature's time still cannot have made it: expired,
/// revoked or not signing-capable then. `None` when it could.
fn key_state(valid: &ValidErasedKeyAmalgamation<'_, key::PublicParts>, signer: String) -> Option<Verdict> {
    if valid.valid_cert().alive().is_err() || valid.alive().is_err() {
        return Some(Verdict::Expired { signer });
    }
    let revoked = |status: RevocationStatus<'_>| matches!(status, RevocationStatus::Revoked(_));
    if revoked(valid.valid_cert().revocation_status()) || revoked(valid.revocation_status()) {
        return Some(Verdict::Revoked { signer });
    }
    if !valid.for_signing() {
        return Some(Verdict::NotSigningCapable { key: valid.key().fingerprint().to_hex() });
    }
    None
}

/// Whether a sequoia error is (caused by) a policy violation.
fn is_policy_violation(error: &anyhow::Error) -> bool {
    error.chain().any(|e| matches!(e.downcast_ref::<openpgp::Error>(), Some(openpgp::Error::PolicyViolation(..))))
}

/// An error with its causes on one line.
fn error_text(error: &anyhow::Error) -> String {
    error.chain().map(ToString::to_string).collect::<Vec<_>>().join(": ")
}
