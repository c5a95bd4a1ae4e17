//! The `git distgit` command line.
