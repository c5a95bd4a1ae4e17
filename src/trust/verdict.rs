//! The outcome of checking one commit's signature, with the message that says why and the fix.

use std::fmt;

/// What the signature of one commit means under a [`super::Policy`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// A good signature by a key of a listed signer, valid when the signature was made.
    Trusted {
        /// Primary-key fingerprint of the signer (uppercase hex).
        signer: String,
        /// The signer's primary user id, when the certificate has one.
        user_id: Option<String>,
    },
    /// No `gpgsig` header.
    Unsigned,
    /// An SSH signature (`-----BEGIN SSH SIGNATURE-----`).
    SshSignature,
    /// An X.509 (gpgsm) signature (`-----BEGIN SIGNED MESSAGE-----`).
    X509Signature,
    /// The issuing key is in none of the policy's certificates.
    UnknownKey {
        /// The issuer fingerprint or key id the signature names (uppercase hex).
        issuer: String,
    },
    /// The certificate is known but its fingerprint is not in `trust.signers`.
    NotTrusted { signer: String },
    /// The key had expired (or was not yet valid) when the signature was made.
    Expired { signer: String },
    /// The key or certificate was revoked at the time of the signature.
    Revoked { signer: String },
    /// The signing (sub)key is not marked for signing.
    NotSigningCapable {
        /// Fingerprint of the (sub)key that made the signature.
        key: String,
    },
    /// An algorithm refused by sequoia's standard policy (e.g. a SHA-1 signature).
    WeakAlgorithm { detail: String },
    /// Not a parsable OpenPGP signature.
    Malformed { detail: String },
    /// The signature does not match the commit (altered after signing).
    BadSignature { signer: String },
}

impl Verdict {
    /// Whether the commit may be synced.
    pub fn is_trusted(&self) -> bool {
        matches!(self, Verdict::Trusted { .. })
    }

    /// One word for tables: `trusted`, `unsigned`, `ssh_signature`, …, the same as the JSON `verdict`.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Trusted { .. } => "trusted",
            Verdict::Unsigned => "unsigned",
            Verdict::SshSignature => "ssh_signature",
            Verdict::X509Signature => "x509_signature",
            Verdict::UnknownKey { .. } => "unknown_key",
            Verdict::NotTrusted { .. } => "not_trusted",
            Verdict::Expired { .. } => "expired",
            Verdict::Revoked { .. } => "revoked",
            Verdict::NotSigningCapable { .. } => "not_signing_capable",
            Verdict::WeakAlgorithm { .. } => "weak_algorithm",
            Verdict::Malformed { .. } => "malformed",
            Verdict::BadSignature { .. } => "bad_signature",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const RESIGN: &str = "sign it again with a trusted key: `git commit -S --amend`";
        match self {
            Verdict::Trusted { signer, user_id: Some(uid) } => write!(f, "trusted: signed by {uid} ({signer})"),
            Verdict::Trusted { signer, user_id: None } => write!(f, "trusted: signed by {signer}"),
            Verdict::Unsigned => write!(f, "unsigned: sign it with `git commit -S --amend`"),
            Verdict::SshSignature => {
                write!(f, "SSH signature: not accepted by policy; sign with an OpenPGP key (`git -c gpg.format=openpgp commit -S --amend`)")
            }
            Verdict::X509Signature => {
                write!(f, "X.509 signature: not accepted by policy; sign with an OpenPGP key (`git -c gpg.format=openpgp commit -S --amend`)")
            }
            Verdict::UnknownKey { issuer } => write!(
                f,
                "unknown key {issuer}: no certificate in `trust.certificates` has it; add the signer's certificate and fingerprint to [trust], or {RESIGN}"
            ),
            Verdict::NotTrusted { signer } => write!(
                f,
                "not trusted: {signer} is not in `trust.signers`; add it there, or {RESIGN}"
            ),
            Verdict::Expired { signer } => {
                write!(f, "expired: key of {signer} was not valid when the signature was made; extend its expiry (`gpg --quick-set-expire`) and update the certificate, or {RESIGN}")
            }
            Verdict::Revoked { signer } => write!(f, "revoked: key of {signer} was revoked at signing time; {RESIGN}"),
            Verdict::NotSigningCapable { key } => {
                write!(f, "key {key} is not signing-capable (no signing flag); {RESIGN}")
            }
            Verdict::WeakAlgorithm { detail } => {
                write!(f, "weak algorithm refused by policy: {detail}; {RESIGN}")
            }
            Verdict::Malformed { detail } => write!(f, "malformed signature: {detail}; {RESIGN}"),
            Verdict::BadSignature { signer } => {
                write!(f, "bad signature by {signer}: the commit does not match it (altered after signing?); {RESIGN}")
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn all() -> Vec<Verdict> {
        let s = || "ABCD".to_owned();
        vec![
            Verdict::Trusted { signer: s(), user_id: None },
            Verdict::Unsigned,
            Verdict::SshSignature,
            Verdict::X509Signature,
            Verdict::UnknownKey { issuer: s() },
            Verdict::NotTrusted { signer: s() },
            Verdict::Expired { signer: s() },
            Verdict::Revoked { signer: s() },
            Verdict::NotSigningCapable { key: s() },
            Verdict::WeakAlgorithm { detail: s() },
            Verdict::Malformed { detail: s() },
            Verdict::BadSignature { signer: s() },
        ]
    }

    #[test]
    fn word_is_the_json_tag() {
        for verdict in all() {
            let json = serde_json::to_value(&verdict).unwrap();
            assert_eq!(json["verdict"], verdict.word(), "{verdict:?}");
        }
    }

    #[test]
    fn only_trusted_is_trusted_and_every_refusal_says_a_fix() {
        for verdict in all() {
            let text = verdict.to_string();
            assert!(!text.contains('\n'), "one line: {text}");
            assert_eq!(verdict.is_trusted(), matches!(verdict, Verdict::Trusted { .. }));
            if !verdict.is_trusted() {
                assert!(text.contains("git commit -S --amend") || text.contains("-S --amend`"), "{text}");
            }
        }
    }

    #[test]
    fn json_fields() {
        let v = Verdict::Trusted { signer: "AB".into(), user_id: Some("A <a@x>".into()) };
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!({"verdict": "trusted", "signer": "AB", "user_id": "A <a@x>"})
        );
        assert_eq!(serde_json::to_value(Verdict::Unsigned).unwrap(), serde_json::json!({"verdict": "unsigned"}));
    }
}
