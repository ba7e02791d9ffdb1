//! The app's integration tests, one binary (each extra binary links leptos + sqlx + axum again):
//! services on a real database — a fresh SQLite file per test, or a fresh Postgres database
//! when SWITCHBOARD_TEST_POSTGRES is set.
#![cfg(feature = "ssr")]
#![allow(dead_code)]
mod assignment;
mod billing;
mod contacts;
mod handoff;
mod inbox;
mod media;
mod search;
mod services;
mod support;
mod tags;
mod team;
mod write_turns;
