//! Data transfer objects shared by server functions and the UI.
use super::billing::Period;
use super::ids::{BotId, MemberId, UserId};
use super::plan::{Plan, SeatUsage};
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
    /// The member looking at the page (the UI asks the policy what they may do).
    pub viewer: Actor,
    pub viewer_member_id: MemberId,
    pub plan_name: String,
    pub seats: SeatUsage,
    /// How many Owners the bot has (the last one cannot be demoted or removed).
    pub owners: i64,
    /// This page of members (ordered by name), and where it sits in the whole list.
    pub members: Vec<MemberRow>,
    pub page: MemberPage,
    pub invitations: Vec<InvitationView>,
}

/// Which slice of the member list a Team view holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPage {
    /// 1-based.
    pub number: i64,
    pub size: i64,
    /// Members matching the search (all members without one).
    pub matching: i64,
    pub search: Option<String>,
}

impl MemberPage {
    pub const SIZE: i64 = 50;

    pub fn pages(&self) -> i64 {
        ((self.matching + self.size - 1) / self.size).max(1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub member_id: MemberId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub has_seat: bool,
    /// Invited with a seat, but none was free when they joined.
    pub seat_wanted: bool,
    pub joined_at_ms: i64,
}

/// A pending invitation (its link is shown once, when created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub with_seat: bool,
    pub invited_by: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

/// The answer to creating an invitation: the only time its link is visible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationCreated {
    pub email: String,
    pub path: String,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    Valid,
    Expired,
    Used,
    Revoked,
}

/// What the invitation page shows before joining (public: the link is the credential).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub status: InvitationStatus,
    pub bot_name: String,
    pub role: Role,
    pub with_seat: bool,
    pub email: String,
    pub invited_by: String,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub summary: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Pass as `before` to get the next (older) page.
    pub next_before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: i64,
    pub unit_minor: i64,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceView {
    pub id: i64,
    pub description: String,
    pub period: Period,
    pub total_minor: i64,
    pub currency: String,
    pub created_at_ms: i64,
    pub lines: Vec<InvoiceLine>,
}

/// The Add-ons tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingView {
    pub viewer: Actor,
    pub plan: Plan,
    /// The plan from the next period on (equal to `plan` unless a change is scheduled).
    pub plan_next: Plan,
    pub plans: Vec<Plan>,
    pub seats: SeatUsage,
    /// Paid seats from the next period on (lower than `seats.paid` if a reduction is scheduled).
    pub paid_seats_next: i64,
    pub period: Period,
    pub today: i64,
    pub invoices: Vec<InvoiceView>,
}

/// The exact charge for buying seats now, shown before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProrationPreview {
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub currency: String,
    pub period: Period,
    pub remaining_days: i64,
    pub amount_minor: i64,
    /// Sent back with the confirmation so a repeated submit buys only once.
    pub request_key: String,
}
