//! RPM spec files: reading what the render needs and editing only the lines it owns.

/// A spec that cannot be read or edited.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{path}:{line}: {message}")]
pub struct SpecError {
    pub path: String,
    /// 1-based line number (0 when the error is about the whole file).
    pub line: usize,
    pub message: String,
}

/// A parsed spec file; keeps the original text so edits are minimal.
#[derive(Debug, Clone)]
pub struct Spec {
    path: String,
    text: String,
}

/// One existing `PatchN:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchTag {
    /// The number, `None` for a bare `Patch:`.
    pub number: Option<u32>,
    /// The file name (basename of the expanded value).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
}

/// A patch line the render adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPatch {
    pub number: u32,
    pub file: String,
    /// Comment lines written above the tag, without the leading `# `.
    pub comment: Vec<String>,
}

/// The edits the render asks for; `None`/empty means "leave as is".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecEdits {
    pub version: Option<String>,
    pub release: Option<String>,
    /// Number width for new `PatchN` tags (`4` → `Patch0001`).
    pub patch_digits: Option<usize>,
    pub patches: Vec<NewPatch>,
    /// Replace the body of `%changelog` (e.g. with the previous dist-git's).
    pub changelog_body: Option<String>,
    /// An entry prepended to the `%changelog` body, complete with its `* ` header line.
    pub changelog_entry: Option<String>,
}

impl Spec {
    /// Parses a spec; `path` is used in errors.
    pub fn parse(path: &str, text: &str) -> Result<Spec, SpecError> {
        Ok(Spec {
            path: path.into(),
            text: text.into(),
        })
    }
    /// The path given to [`Spec::parse`].
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The original text.
    pub fn text(&self) -> &str {
        &self.text
    }
}
