//! Live updates: what happened in a bot, as stored in its event log and sent on its streams.
//! Each bot numbers its events 1, 2, 3, … (`seq`); a client that reconnects says the last
//! number it saw and gets everything after it, once and in order.
use super::ids::{ConversationId, MemberId, MessageId};
use super::inbox::{Delivery, MessageView};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A conversation appeared or its list row changed (status, assignment, last message).
    ConversationChanged { conversation: ConversationId },
    /// A message was added (customer, bot, agent, note or system event).
    MessageAdded { message: MessageView },
    /// An API-channel reply was delivered or failed.
    DeliveryChanged { conversation: ConversationId, message: MessageId, delivery: Delivery },
    /// Someone is typing: an agent (named) or the customer.
    Typing { conversation: ConversationId, name: String, customer: bool },
    /// A member's role, seat or membership changed: their open streams re-check their rights.
    MemberChanged { member: MemberId },
    /// A tag was renamed, recoloured, merged or deleted: every list showing tags refreshes.
    TagsChanged,
    /// A conversation was given to `member` (by hand, by automatic assignment or in a
    /// handoff): their Inbox tells them.
    Assigned { conversation: ConversationId, member: MemberId, contact: String },
    /// A member opened or left a conversation: who has it open now. Each member's stream
    /// leaves them out of the list (`seen_by`).
    ViewersChanged { conversation: ConversationId, viewers: Vec<Viewer> },
}

impl LiveEvent {
    /// The stored `kind` column: one code per variant.
    pub fn code(&self) -> &'static str {
        match self {
            LiveEvent::ConversationChanged { .. } => "conversation_changed",
            LiveEvent::MessageAdded { .. } => "message_added",
            LiveEvent::DeliveryChanged { .. } => "delivery_changed",
            LiveEvent::Typing { .. } => "typing",
            LiveEvent::MemberChanged { .. } => "member_changed",
            LiveEvent::TagsChanged => "tags_changed",
            LiveEvent::Assigned { .. } => "assigned",
            LiveEvent::ViewersChanged { .. } => "viewers_changed",
        }
    }

    /// The conversation this event is about, if any (the log's `conversation_id`).
    pub fn conversation(&self) -> Option<ConversationId> {
        match self {
            LiveEvent::ConversationChanged { conversation }
            | LiveEvent::DeliveryChanged { conversation, .. }
            | LiveEvent::Typing { conversation, .. }
            | LiveEvent::Assigned { conversation, .. }
            | LiveEvent::ViewersChanged { conversation, .. } => Some(*conversation),
            LiveEvent::MessageAdded { message } => Some(message.conversation_id),
            LiveEvent::MemberChanged { .. } | LiveEvent::TagsChanged => None,
        }
    }

    /// The event as `member`'s stream sends it: a list of viewers leaves them out (every other
    /// event is sent as it is, without a copy).
    pub fn seen_by(&self, member: MemberId) -> std::borrow::Cow<'_, LiveEvent> {
        match self {
            LiveEvent::ViewersChanged { conversation, viewers } => {
                let viewers = viewers.iter().filter(|v| v.member != member).cloned().collect();
                std::borrow::Cow::Owned(LiveEvent::ViewersChanged { conversation: *conversation, viewers })
            }
            other => std::borrow::Cow::Borrowed(other),
        }
    }

    /// Whether the customer of `conversation` may see this event (the widget's stream).
    pub fn customer_visible(&self, conversation: ConversationId) -> bool {
        self.conversation() == Some(conversation)
            && match self {
                LiveEvent::MessageAdded { message } => message.kind.customer_visible(),
                LiveEvent::Typing { customer, .. } => !customer,
                _ => false,
            }
    }
}

/// A member with a conversation open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub member: MemberId,
    pub name: String,
}

/// One numbered event of a bot's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Numbered {
    pub seq: i64,
    pub event: LiveEvent,
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    use crate::domain::inbox::MessageKind;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn message(kind: MessageKind, conversation: i64) -> LiveEvent {
        LiveEvent::MessageAdded {
            message: MessageView {
                id: MessageId(1),
                conversation_id: ConversationId(conversation),
                kind,
                body: "x".into(),
                author_name: String::new(),
                delivery: Delivery::None,
                created_at_ms: 0,
                attachment: None,
            },
        }
    }

    #[test]
    fn customers_never_see_notes_system_events_or_other_conversations() {
        let mine = ConversationId(7);
        assert!(message(MessageKind::Agent, 7).customer_visible(mine));
        assert!(message(MessageKind::Customer, 7).customer_visible(mine));
        assert!(!message(MessageKind::Note, 7).customer_visible(mine));
        assert!(!message(MessageKind::System, 7).customer_visible(mine));
        assert!(!message(MessageKind::Agent, 8).customer_visible(mine));
        let agent_typing = LiveEvent::Typing { conversation: mine, name: "Mona".into(), customer: false };
        assert!(agent_typing.customer_visible(mine));
        assert!(!LiveEvent::Typing { conversation: mine, name: String::new(), customer: true }.customer_visible(mine));
        assert!(!LiveEvent::MemberChanged { member: MemberId(1) }.customer_visible(mine));
    }

    #[test]
    fn stored_codes_match_the_wire_tag() {
        let events = [
            LiveEvent::ConversationChanged { conversation: ConversationId(1) },
            message(MessageKind::Agent, 1),
            LiveEvent::DeliveryChanged {
                conversation: ConversationId(1),
                message: MessageId(2),
                delivery: Delivery::Delivered,
            },
            LiveEvent::Typing { conversation: ConversationId(1), name: "A".into(), customer: false },
            LiveEvent::MemberChanged { member: MemberId(3) },
            LiveEvent::TagsChanged,
            LiveEvent::ViewersChanged {
                conversation: ConversationId(1),
                viewers: vec![Viewer { member: MemberId(2), name: "Mona".into() }],
            },
        ];
        for event in events {
            let json: serde_json::Value = serde_json::to_value(&event).unwrap();
            assert_eq!(json["type"], event.code());
            assert_eq!(serde_json::from_value::<LiveEvent>(json).unwrap(), event);
        }
    }

    #[test]
    fn a_members_stream_leaves_them_out_of_the_viewers() {
        let mona = Viewer { member: MemberId(1), name: "Mona".into() };
        let ali = Viewer { member: MemberId(2), name: "Ali".into() };
        let event =
            LiveEvent::ViewersChanged { conversation: ConversationId(3), viewers: vec![mona.clone(), ali.clone()] };
        assert_eq!(
            *event.seen_by(MemberId(1)),
            LiveEvent::ViewersChanged { conversation: ConversationId(3), viewers: vec![ali] }
        );
        assert_eq!(*event.seen_by(MemberId(9)), event);
        assert!(!event.customer_visible(ConversationId(3)), "customers never learn who is looking");
        let typing = LiveEvent::Typing { conversation: ConversationId(3), name: "Mona".into(), customer: false };
        assert!(matches!(typing.seen_by(MemberId(1)), std::borrow::Cow::Borrowed(t) if *t == typing));
    }
}
