//! Data transfer objects shared by server functions and the UI.
use super::ids::{BotId, MemberId, UserId};
use super::plan::SeatUsage;
use super::policy::Actor;
use super::role::Role;
use serde::{Deserialize, Serialize};

/// The signed-in user and the bots they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub bots: Vec<BotMembership>,
}

/// One bot as seen by one of its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotMembership {
    pub bot_id: BotId,
    pub bot_name: String,
    pub role: Role,
    pub has_seat: bool,
}

impl BotMembership {
    pub fn actor(&self) -> Actor {
        Actor { role: self.role, has_seat: self.has_seat }
    }
}

/// Bot Settings > Team Manager > Team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub bot_id: BotId,
    pub plan_name: String,
    pub seats: SeatUsage,
    pub members: Vec<MemberRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub member_id: MemberId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub has_seat: bool,
    pub joined_at_ms: i64,
}
