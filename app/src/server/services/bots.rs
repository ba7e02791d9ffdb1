use crate::domain::input::BotName;
use crate::domain::plan::DEFAULT_PLAN_CODE;
use crate::domain::policy::{self, Actor};
use crate::domain::views::{BotMembership, TeamView};
use crate::domain::{AppError, BotId, Role, Tab, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::repo;

/// Creates a bot on the default plan. The creator becomes its Owner and takes the bot's first
/// Inbox seat in the same transaction.
pub async fn create_bot(db: &Db, creator: UserId, name: &str) -> Result<BotId, AppError> {
    let name = BotName::parse(name)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let bot = repo::insert_bot(&mut *tx, name.as_str(), DEFAULT_PLAN_CODE, creator, now).await?;
    repo::insert_member(&mut *tx, bot, creator, Role::Owner, true, now).await?;
    tx.commit().await?;
    tracing::info!(bot = %bot, user = %creator, "bot created");
    Ok(bot)
}

/// The acting member of `bot`, or `None` if `user` does not belong to it.
pub async fn membership(db: &Db, user: UserId, bot: BotId) -> Result<Option<BotMembership>, AppError> {
    Ok(repo::membership_of(db.pool(), user, bot).await?)
}

/// Loads the actor and checks they may open `tab`; not a member → 404.
pub async fn authorize_tab(db: &Db, user: UserId, bot: BotId, tab: Tab) -> Result<BotMembership, AppError> {
    let member = membership(db, user, bot).await?;
    let actor: Option<Actor> = member.as_ref().map(BotMembership::actor);
    policy::can_open_tab(actor.as_ref(), tab)?;
    member.ok_or(AppError::NotFound)
}

/// Bot Settings > Team Manager > Team.
pub async fn team(db: &Db, user: UserId, bot: BotId) -> Result<TeamView, AppError> {
    authorize_tab(db, user, bot, Tab::TeamManager).await?;
    let (plan, seats) = repo::plan_and_seats(db.pool(), bot).await?.ok_or(AppError::NotFound)?;
    let members = repo::members_of(db.pool(), bot).await?;
    Ok(TeamView { bot_id: bot, plan_name: plan.name, seats, members })
}
