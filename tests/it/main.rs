//! Integration tests, compiled into one binary: real git, real rpmbuild, temp dirs.

mod common;
mod compat_fixtures;
mod compat_real;
mod render_cli;
mod render_errors;
mod render_format;
mod render_rpm;
mod render_spec;
mod render_tarball;
mod reverse;
