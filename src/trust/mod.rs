//! OpenPGP commit signatures checked against a trust policy.
//!
//! A [`Policy`] is the `[trust]` table of a `distgit.toml`: the fingerprints allowed to sign
//! (`signers`) and the armored certificates holding their keys (`certificates`), parsed once.
//! [`verify_commit`] gives one commit's [`Verdict`]; [`candidate`] walks a branch first-parent
//! and finds the newest commit with a trusted signature (the one the bot may sync), listing
//! the newer commits that wait and why. See `docs/signatures.md`.

mod candidate;
mod dearmor;
mod payload;
mod policy;
mod verdict;
mod verify;

pub use candidate::{
    candidate, downstream, downstream_commits, first_parents, subject_of, Candidate, Waiting, MAX_WALK,
};
pub use payload::signed_payload;
pub use policy::Policy;
pub use verdict::Verdict;
pub use verify::{read_commit, verify_commit, verify_raw_commit, verify_signature};

/// A policy or commit that cannot be read. A commit whose signature is bad is not an error
/// but a [`Verdict`].
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The `distgit.toml` holding the policy is not valid (syntax, unknown key, bad fingerprint).
    #[error("trust policy: {source}")]
    Config {
        /// Where the file was read: a path, or `<commit>:<path>` (the error names it too).
        file: String,
        #[source]
        source: Box<crate::config::ConfigError>,
    },
    /// A file named by `trust.certificates` does not exist.
    #[error("{policy}: `trust.certificates` names {cert:?}, which does not exist ({why}); add the armored certificate there (`gpg --export --armor FPR > {cert}`) or fix the path")]
    MissingCertificate {
        /// The policy file listing it.
        policy: String,
        /// The path as listed.
        cert: String,
        why: String,
    },
    /// A file named by `trust.certificates` is not an OpenPGP certificate.
    #[error("{policy}: `trust.certificates` entry {cert:?} is not a readable OpenPGP certificate: {message}; export it with `gpg --export --armor FPR`")]
    BadCertificate { policy: String, cert: String, message: String },
    /// The policy file cannot be read.
    #[error("cannot read trust policy {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A git object cannot be read.
    #[error("{what}: {message}")]
    Git { what: String, message: String },
}

impl TrustError {
    /// A [`TrustError::Git`] for `what`.
    pub(crate) fn git(what: impl Into<String>) -> impl FnOnce(gix::Error) -> TrustError {
        let what = what.into();
        move |e| TrustError::Git { what, message: e.to_string() }
    }
}
