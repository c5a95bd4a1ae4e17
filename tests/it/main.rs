//! Integration tests, compiled into one binary: real git, real rpmbuild, temp dirs.

mod common;
mod compat_fixtures;
mod compat_real;
mod fake_upload_cgi;
mod lookaside_dir;
mod lookaside_http;
mod lookaside_real_cgi;
mod remote_fetch;
mod remote_push;
mod render_cli;
mod render_errors;
mod render_format;
mod render_rpm;
mod render_spec;
mod render_tarball;
mod reverse;
mod roundtrip_real;
