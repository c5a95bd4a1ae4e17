//! TEMPORARY stub; replaced by the real lookaside module.
use std::path::Path;
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LookasideError(pub String);
pub enum Uploaded { AlreadyPresent, Sent }
pub trait Lookaside {
    fn upload(&self, package: &str, file: &str, sha512: &str, path: &Path) -> Result<Uploaded, LookasideError>;
}
