//! `distgit.toml`.
