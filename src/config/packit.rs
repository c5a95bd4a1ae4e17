//! Packit `source-git.yaml`.
