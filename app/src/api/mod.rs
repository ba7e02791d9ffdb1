//! Server functions: thin adapters with explicit, stable endpoints under `/api`. Each loads the
//! acting user from the session, calls one service, and returns a DTO or an `AppError`.
pub mod assignment;
pub mod auth;
pub mod billing;
pub mod bots;
pub mod contacts;
pub mod inbox;
pub mod tags;
pub mod team;

/// Endpoints that answer without a session (everything else must answer 401).
pub const PUBLIC_ENDPOINTS: &[&str] =
    &["/api/auth/sign-up", "/api/auth/log-in", "/api/auth/session", "/api/invitations/preview"];
