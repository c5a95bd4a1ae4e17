//! `distgit-post-receive`: git's post-receive hook for source-git hosting repositories
//! (installed by `git distgit install-hooks --server`). All logic lives in the library.
fn main() -> std::process::ExitCode {
    git_distgit::hooks::post_receive::main()
}
