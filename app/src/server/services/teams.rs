//! Team Manager > Teams: named groups of members that conversations can be assigned to. Any
//! member may belong to several teams. Managed by whoever manages the team (members, roles).
use crate::domain::ids::TeamId;
use crate::domain::inbox::{TeamListing, TeamName, TeamsView};
use crate::domain::policy;
use crate::domain::{AppError, BotId, MemberId, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::repo::inbox as repo;
use crate::server::repo::team;
use crate::server::services::{acting, actor_of};

pub async fn teams(db: &Db, user: UserId, bot: BotId) -> Result<TeamsView, AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = actor_of(&acting(&mut conn, user, bot).await?);
    policy::can_view_team(me.as_ref())?;
    let memberships = repo::team_memberships_of_bot(&mut *conn, bot).await?;
    let members = repo::members_for_assignment(&mut *conn, bot).await?;
    let name_of = |id: MemberId| members.iter().find(|m| m.id == id).map(|m| m.name.clone()).unwrap_or_default();
    let teams = repo::teams_of_bot(&mut *conn, bot)
        .await?
        .into_iter()
        .map(|t| TeamListing {
            id: t.id,
            name: t.name,
            members: memberships
                .iter()
                .filter(|m| m.team_id == t.id)
                .map(|m| (m.member_id, name_of(m.member_id)))
                .collect(),
        })
        .collect();
    Ok(TeamsView {
        bot_id: bot,
        can_manage: policy::can_manage_team(me.as_ref()).is_ok(),
        teams,
        members: members.into_iter().map(|m| (m.id, m.name)).collect(),
    })
}

pub async fn create_team(db: &Db, user: UserId, bot: BotId, name: &str) -> Result<TeamId, AppError> {
    let name = TeamName::parse(name)?;
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    policy::can_manage_team(actor_of(&acting(&mut tx, user, bot).await?).as_ref())?;
    let id = repo::insert_team(&mut *tx, bot, name.as_str(), &name.key(), now_ms())
        .await?
        .ok_or_else(|| AppError::invalid("name", format!("There is already a team called {}.", name.as_str())))?;
    tx.commit().await?;
    Ok(id)
}

/// Adds (`member_of = true`) or removes a member of `team`; both must belong to this bot.
pub async fn set_team_member(
    db: &Db,
    user: UserId,
    bot: BotId,
    team_id: TeamId,
    member: MemberId,
    member_of: bool,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    policy::can_manage_team(actor_of(&acting(&mut tx, user, bot).await?).as_ref())?;
    repo::team_in_bot(&mut *tx, bot, team_id).await?.ok_or(AppError::NotFound)?;
    team::member_in_bot(&mut *tx, bot, member).await?.ok_or(AppError::NotFound)?;
    if member_of {
        repo::add_team_member(&mut *tx, team_id, member).await?;
        // The team's queue may now have someone to go to.
        let scope = crate::server::services::assignment::Scope::Automatic;
        crate::server::services::assignment::drain(db, &mut tx, bot, scope, crate::server::db::now_ms()).await?;
    } else {
        repo::remove_team_member(&mut *tx, team_id, member).await?;
    }
    tx.commit().await?;
    Ok(())
}
