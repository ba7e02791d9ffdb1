//! The server's integration tests, one binary: real requests through the real router.
#![allow(dead_code)]
mod common;
mod hardening;
mod http;
mod inbox_http;
mod processes;
mod team_http;
