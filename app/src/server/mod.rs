//! Server-only code: database, sessions, repositories and services.
pub mod context;
pub mod db;
pub mod live;
pub mod media;
pub mod outbox;
pub mod password;
pub mod rate_limit;
pub mod repo;
pub mod secrets;
pub mod services;
pub mod session_store;
pub mod state;
mod write_turn;

pub use db::{Backend, Db};
pub use state::{AppState, Settings};

use crate::domain::AppError;

/// Database failures are logged here, with where they happened, and leave as the opaque
/// `Internal` error: no SQL or driver text ever reaches a response.
impl From<sqlx::Error> for AppError {
    #[track_caller]
    fn from(err: sqlx::Error) -> Self {
        let at = std::panic::Location::caller();
        tracing::error!(error = %err, location = %at, "database error");
        AppError::Internal
    }
}
