//! `git-remote-distgit`: the gitremote-helpers(7) helper behind `git push distgit::<pkg>` and
//! `git fetch distgit::<pkg>`.
//!
//! * [`protocol`] — the command loop git drives over stdin/stdout, independent of what a push or
//!   fetch does; the work itself sits behind [`protocol::Backend`].

pub mod protocol;
