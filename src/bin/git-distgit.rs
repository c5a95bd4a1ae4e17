//! `git distgit`: render source-git into dist-git.
fn main() {}
