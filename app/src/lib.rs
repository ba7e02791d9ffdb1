//! Switchboard's shared crate: domain types and policy (compiled for the server and the
//! browser), server functions, UI, and — behind the `ssr` feature — the server-only services.
#![recursion_limit = "256"]

pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod server;
pub mod ui;

pub use ui::{App, shell};
