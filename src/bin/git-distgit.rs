//! `git distgit`: render source-git into dist-git. All logic lives in the library.
fn main() -> std::process::ExitCode {
    git_distgit::cli::main()
}
