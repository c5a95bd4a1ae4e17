//! Integration tests, compiled into one binary: real git, real rpmbuild, temp dirs.

mod common;
mod common_sig;
mod compat_fixtures;
mod compat_real;
mod fake_upload_cgi;
mod http_cgi_server;
mod lookaside_dir;
mod lookaside_http;
mod lookaside_real_cgi;
mod push_caches;
mod remote_fetch;
mod remote_options;
mod remote_push;
mod remote_race;
mod remote_refusals;
mod remote_sign;
mod remote_transports;
mod render_cli;
mod render_errors;
mod render_format;
mod render_rpm;
mod render_spec;
mod render_tarball;
mod reverse;
mod roundtrip_real;
mod trust_verdicts;
