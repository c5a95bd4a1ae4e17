//! `git-remote-distgit`: the helper git runs for `distgit::` remotes. All logic lives in the library.
fn main() -> std::process::ExitCode {
    git_distgit::remote::main()
}
