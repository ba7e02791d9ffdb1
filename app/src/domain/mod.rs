//! Pure domain: no IO, compiles for both the server and the browser.
pub mod assignment;
pub mod audit;
pub mod billing;
pub mod contacts;
pub mod deferred;
pub mod error;
pub mod events;
pub mod handoff;
pub mod ids;
pub mod inbox;
pub mod input;
pub mod media;
pub mod plan;
pub mod policy;
pub mod role;
pub mod search;
pub mod tags;
pub mod text;
pub mod views;

pub use error::AppError;
pub use ids::{BotId, MemberId, UserId};
pub use role::{Role, Tab};
