use crate::domain::audit::AuditAction;
use crate::domain::billing;
use crate::domain::input::BotName;
use crate::domain::plan::DEFAULT_PLAN_CODE;
use crate::domain::policy::{self, Actor};
use crate::domain::views::BotMembership;
use crate::domain::{AppError, BotId, Role, Tab, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::repo;

/// Creates a bot on the default plan. The creator becomes its Owner and takes the bot's first
/// Inbox seat in the same transaction.
pub async fn create_bot(db: &Db, creator: UserId, name: &str) -> Result<BotId, AppError> {
    let name = BotName::parse(name)?;
    let now = now_ms();
    let today = billing::day_of_ms(now);
    let anchor = billing::anchor_of(today);
    let period = billing::period_containing(anchor, today);
    let mut tx = db.begin_write().await?;
    let plan = repo::plan(&mut *tx, DEFAULT_PLAN_CODE).await?.ok_or_else(|| {
        tracing::error!("the default plan is missing from the catalogue");
        AppError::Internal
    })?;
    let bot = repo::insert_bot(&mut *tx, name.as_str(), &plan, creator, anchor, period, now).await?;
    repo::insert_member(&mut *tx, bot, creator, Role::Owner, true, now).await?;
    repo::audit::record(
        &mut *tx,
        bot,
        Some(creator),
        AuditAction::BotCreated,
        &format!(
            "Created the bot \"{}\" on the {} plan; the creator holds its first Inbox seat",
            name.as_str(),
            plan.name
        ),
        now,
    )
    .await?;
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
