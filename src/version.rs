//! Choosing the upstream release tag and turning it into a version.
