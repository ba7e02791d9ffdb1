//! What an audit log entry records. One string form everywhere — the `action` column, the wire
//! and the page's `data-action`: its `code()` ("seat.granted"). Codes are stored, so a code
//! never changes once used; a new action gets a new variant and a new code.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum AuditAction {
    BotCreated,
    MemberJoined,
    MemberRemoved,
    RoleChanged,
    SeatGranted,
    SeatRemoved,
    InvitationCreated,
    InvitationRevoked,
    SeatsPurchased,
    SeatsScheduled,
    PlanUpgraded,
    PlanScheduled,
    PlanKept,
    PeriodRenewed,
    ContactsMerged,
}

impl AuditAction {
    pub const ALL: [AuditAction; 15] = [
        AuditAction::BotCreated,
        AuditAction::MemberJoined,
        AuditAction::MemberRemoved,
        AuditAction::RoleChanged,
        AuditAction::SeatGranted,
        AuditAction::SeatRemoved,
        AuditAction::InvitationCreated,
        AuditAction::InvitationRevoked,
        AuditAction::SeatsPurchased,
        AuditAction::SeatsScheduled,
        AuditAction::PlanUpgraded,
        AuditAction::PlanScheduled,
        AuditAction::PlanKept,
        AuditAction::PeriodRenewed,
        AuditAction::ContactsMerged,
    ];

    /// The stable string stored in `audit_events.action` and sent over the wire.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::BotCreated => "bot.created",
            AuditAction::MemberJoined => "member.joined",
            AuditAction::MemberRemoved => "member.removed",
            AuditAction::RoleChanged => "role.changed",
            AuditAction::SeatGranted => "seat.granted",
            AuditAction::SeatRemoved => "seat.removed",
            AuditAction::InvitationCreated => "invitation.created",
            AuditAction::InvitationRevoked => "invitation.revoked",
            AuditAction::SeatsPurchased => "seats.purchased",
            AuditAction::SeatsScheduled => "seats.scheduled",
            AuditAction::PlanUpgraded => "plan.upgraded",
            AuditAction::PlanScheduled => "plan.scheduled",
            AuditAction::PlanKept => "plan.kept",
            AuditAction::PeriodRenewed => "period.renewed",
            AuditAction::ContactsMerged => "contacts.merged",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl From<AuditAction> for &'static str {
    fn from(action: AuditAction) -> Self {
        action.code()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit action `{0}`")]
pub struct UnknownAuditAction(pub String);

impl FromStr for AuditAction {
    type Err = UnknownAuditAction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL.into_iter().find(|action| action.code() == s).ok_or_else(|| UnknownAuditAction(s.to_string()))
    }
}

impl TryFrom<String> for AuditAction {
    type Error = UnknownAuditAction;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            assert!(seen.insert(action.code()), "{action:?} repeats the code `{}`", action.code());
            assert_eq!(action.code().parse::<AuditAction>(), Ok(action));
            assert_eq!(AuditAction::try_from(action.code().to_string()), Ok(action));
        }
        assert!("seat.stolen".parse::<AuditAction>().is_err());
    }

    #[test]
    fn the_wire_form_is_the_code() {
        for action in AuditAction::ALL {
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.code()));
            assert_eq!(serde_json::from_str::<AuditAction>(&json).unwrap(), action);
        }
        assert!(serde_json::from_str::<AuditAction>("\"SeatGranted\"").is_err());
    }
}
