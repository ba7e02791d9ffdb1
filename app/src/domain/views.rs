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
    /// Their availability for automatic assignment (meaningful for seat holders).
    #[serde(default)]
    pub online: bool,
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
    /// Their status from the top bar (it matters only while they hold a seat).
    #[serde(default)]
    pub online: bool,
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

/// When a plan change applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanChangeTiming {
    /// An upgrade: at once, the price difference prorated for the rest of the period.
    Now,
    /// A downgrade: from the next period, nothing charged now.
    NextPeriod,
    /// Choosing the current plan again cancels a scheduled change.
    KeepCurrent,
}

/// What a plan change does and costs, shown before it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChangePreview {
    pub from: Plan,
    pub to: Plan,
    pub timing: PlanChangeTiming,
    /// Charged on confirm (0 unless `timing` is `Now` and the new plan costs more).
    pub amount_minor: i64,
    pub remaining_days: i64,
    pub period: Period,
    /// Sent back with the confirmation so a repeated submit applies it once.
    pub request_key: String,
}

impl PlanChangePreview {
    /// The sentence above the confirm button.
    pub fn describe(&self) -> String {
        use super::billing::{format_day, format_money};
        use super::text::count_s;
        let monthly = format_money(self.to.price_minor, &self.to.currency);
        match self.timing {
            PlanChangeTiming::Now if self.amount_minor > 0 => format!(
                "Upgrade to {} now: {} is charged today for the {} left in this period, then {} a month. It includes {}.",
                self.to.name,
                format_money(self.amount_minor, &self.to.currency),
                count_s(self.remaining_days, "day"),
                monthly,
                count_s(self.to.included_seats, "seat"),
            ),
            PlanChangeTiming::Now => format!(
                "Switch to {} now: nothing is charged now; {} a month from the next period. It includes {}.",
                self.to.name,
                monthly,
                count_s(self.to.included_seats, "seat"),
            ),
            PlanChangeTiming::NextPeriod => format!(
                "Switch to {} on {}: nothing is charged now; then {} a month with {}.",
                self.to.name,
                format_day(self.period.end),
                monthly,
                count_s(self.to.included_seats, "included seat"),
            ),
            PlanChangeTiming::KeepCurrent => {
                format!("Stay on {}: the scheduled plan change is cancelled; nothing is charged.", self.from.name)
            }
        }
    }
}

/// A confirmed seat purchase: the pool afterwards and the confirmation it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatPurchase {
    pub seats: SeatUsage,
    pub request_key: String,
}
