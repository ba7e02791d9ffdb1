//! Use cases. Each loads the facts it needs, asks the shared policy, then writes — inside one
//! transaction where it reads before writing.
pub mod accounts;
pub mod assignment;
pub mod billing;
pub mod bots;
pub mod channels;
pub mod contacts;
pub mod demo;
pub mod handoff;
pub mod inbox;
pub mod intake;
pub mod media;
pub mod seed;
pub mod tags;
pub mod team;
pub mod teams;

use crate::domain::policy::Actor;
use crate::domain::views::BotMembership;
use crate::domain::{BotId, UserId};
use crate::server::repo;

/// The acting member, read inside the caller's transaction (fresh on every request).
pub(crate) async fn acting(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    bot: BotId,
) -> Result<Option<BotMembership>, sqlx::Error> {
    repo::membership_of(conn, user, bot).await
}

pub(crate) fn actor_of(member: &Option<BotMembership>) -> Option<Actor> {
    member.as_ref().map(BotMembership::actor)
}

/// Runs a writer that may share its commit with others (`Db::begin_grouped_write`): first
/// grouped, then — if the group was rolled back by another member, or it must start over —
/// on its own. `attempt(grouped)` answers `None` when nothing of it was stored.
pub(crate) async fn grouped_then_alone<T, F, Fut>(what: &str, mut attempt: F) -> Result<T, crate::domain::AppError>
where
    F: FnMut(bool) -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, crate::domain::AppError>>,
{
    for grouped in [true, false, false] {
        if let Some(done) = attempt(grouped).await? {
            return Ok(done);
        }
    }
    tracing::error!(what, "a write could not be stored in three attempts");
    Err(crate::domain::AppError::Internal)
}
