//! `distgit-pre-push`: git's pre-push hook for source-git clones (installed by
//! `git distgit install-hooks`). All logic lives in the library.
fn main() -> std::process::ExitCode {
    git_distgit::hooks::pre_push::main()
}
