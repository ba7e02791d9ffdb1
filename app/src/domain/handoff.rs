//! The handoff step: before a member loses the right to hold conversations (seat removed,
//! member removed, moved to a role without seats), their open conversations go to someone
//! else in the same action. Pure; shared by server and browser.
use super::error::AppError;
use super::ids::{ConversationId, MemberId, TeamId};
use serde::{Deserialize, Serialize};

pub const HANDOFF_NOTE_MAX: usize = 1000;

/// Where one conversation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", content = "id", rename_all = "snake_case")]
pub enum HandoffTarget {
    /// A seat holder who may be assigned.
    Member(MemberId),
    /// A team's queue.
    Team(TeamId),
    /// Automatic assignment (it waits in the queue if nobody can take it now).
    Auto,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffItem {
    pub conversation: ConversationId,
    pub target: HandoffTarget,
}

/// The whole plan: every open conversation of the member, each with its target, and a note
/// added to each as an internal note (optional).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Handoff {
    pub items: Vec<HandoffItem>,
    #[serde(default)]
    pub note: String,
}

impl Handoff {
    /// The plan as sent by the Team tab (JSON), checked: each conversation once, a note of at
    /// most 1,000 characters.
    pub fn parse(raw: &str) -> Result<Handoff, AppError> {
        let mut plan: Handoff =
            serde_json::from_str(raw).map_err(|_| AppError::BadRequest("The handoff plan is not valid.".into()))?;
        plan.note = plan.note.trim().to_string();
        if plan.note.chars().count() > HANDOFF_NOTE_MAX {
            return Err(AppError::invalid("note", format!("The note can be at most {HANDOFF_NOTE_MAX} characters.")));
        }
        let mut seen = std::collections::HashSet::new();
        if !plan.items.iter().all(|i| seen.insert(i.conversation)) {
            return Err(AppError::BadRequest("A conversation appears twice in the handoff plan.".into()));
        }
        Ok(plan)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One conversation to hand off, as the step lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldConversation {
    pub id: ConversationId,
    pub contact_name: String,
    pub preview: String,
    pub last_activity_ms: i64,
}

/// Someone a conversation can go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffOption {
    pub target: HandoffTarget,
    pub label: String,
}

/// The handoff step for one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffStep {
    pub member: MemberId,
    pub name: String,
    pub conversations: Vec<HeldConversation>,
    pub options: Vec<HandoffOption>,
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn plans_round_trip_and_are_checked() {
        let plan = Handoff {
            items: vec![
                HandoffItem { conversation: ConversationId(1), target: HandoffTarget::Member(MemberId(4)) },
                HandoffItem { conversation: ConversationId(2), target: HandoffTarget::Team(TeamId(7)) },
                HandoffItem { conversation: ConversationId(3), target: HandoffTarget::Auto },
            ],
            note: "  Ada is on leave ".into(),
        };
        let parsed = Handoff::parse(&plan.to_json()).unwrap();
        assert_eq!(parsed.items, plan.items);
        assert_eq!(parsed.note, "Ada is on leave");
        let twice = Handoff { items: vec![plan.items[0].clone(), plan.items[0].clone()], note: String::new() };
        assert_eq!(Handoff::parse(&twice.to_json()).unwrap_err().status(), 400);
        let long = Handoff { items: vec![], note: "x".repeat(HANDOFF_NOTE_MAX + 1) };
        assert_eq!(Handoff::parse(&long.to_json()).unwrap_err().status(), 422);
        assert_eq!(Handoff::parse("{").unwrap_err().status(), 400);
    }
}
