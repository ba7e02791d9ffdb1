//! The Inbox's vocabulary: channels, conversation states, message kinds, list filters and the
//! parsed inputs of its public and agent-facing endpoints. Pure; shared by server and browser.
use super::error::AppError;
use super::ids::{ChannelId, ConversationId, MemberId, MessageId, TeamId};
use serde::{Deserialize, Serialize};

/// An enum with one string form everywhere (database, wire, form values, tests): its `code()`.
/// Serde goes through the code too: besides being the one form, a string read and parsed is a
/// fraction of the browser code of a derived enum visitor, per enum.
macro_rules! coded_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl From<$name> for &'static str {
            fn from(value: $name) -> Self {
                value.code()
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(code: String) -> Result<Self, String> {
                Self::parse(&code).ok_or_else(|| format!(concat!("unknown ", stringify!($name), " `{}`"), code))
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(
    /// Where a conversation came from.
    ChannelKind {
        /// The chat widget a business embeds on its website.
        Widget => "widget",
        /// A signed HTTP channel that messaging connectors (WhatsApp, Messenger, …) plug into.
        Api => "api",
    }
);

coded_enum!(
    /// A conversation's state. It starts with the bot and needs a person once the customer asks
    /// for one (or a seat holder takes over).
    ConversationStatus {
        Bot => "bot",
        Open => "open",
        Closed => "closed",
    }
);

coded_enum!(
    /// Who wrote a message, which decides how it looks and who may see it.
    MessageKind {
        Customer => "customer",
        Bot => "bot",
        Agent => "agent",
        /// Internal note: members only, never sent to the customer.
        Note => "note",
        /// "Assigned to Mona by Ali", "Closed by Ali", "Bot paused".
        System => "system",
    }
);

coded_enum!(
    /// Delivery of an agent reply on an API channel (widget replies are read live: `None`).
    Delivery {
        None => "none",
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
);

coded_enum!(
    /// The status tabs of the conversation list.
    StatusFilter {
        Open => "open",
        Closed => "closed",
        All => "all",
        Banned => "banned",
    }
);

impl MessageKind {
    /// Whether the customer (widget, API channel) ever sees messages of this kind.
    pub fn customer_visible(self) -> bool {
        matches!(self, MessageKind::Customer | MessageKind::Bot | MessageKind::Agent)
    }
}

impl StatusFilter {
    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Open => "Open",
            StatusFilter::Closed => "Closed",
            StatusFilter::All => "All",
            StatusFilter::Banned => "Banned",
        }
    }
}

/// Whose conversations the list shows, within the status filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Everyone,
    Mine,
    Unassigned,
    Team(TeamId),
}

/// The text of a message: trimmed, 1–4,000 characters, no control characters but new lines
/// and tabs. What customers send is stored as text and always rendered as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageText(String);

impl MessageText {
    pub const MAX_CHARS: usize = 4000;

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let cleaned: String = raw.trim().chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect();
        if cleaned.is_empty() {
            return Err(AppError::invalid("body", "Write a message first."));
        }
        let chars = cleaned.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(AppError::invalid(
                "body",
                format!("Messages can be at most {} characters (this one has {chars}).", Self::MAX_CHARS),
            ));
        }
        Ok(MessageText(cleaned))
    }

    /// The text beside a file: like `parse`, but it may be empty.
    pub fn parse_caption(raw: &str) -> Result<Self, AppError> {
        if raw.trim().is_empty() { Ok(MessageText(String::new())) } else { Self::parse(raw) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// One line for the conversation list: the first 120 characters, new lines as spaces.
    pub fn preview(&self) -> String {
        preview_of(&self.0)
    }
}

/// The list's one-line preview of any message text.
pub fn preview_of(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut preview: String = flat.chars().take(120).collect();
    if flat.chars().count() > 120 {
        preview.push('…');
    }
    preview
}

/// The client's key that makes a reply idempotent: 8–64 characters of `[A-Za-z0-9_-]`
/// (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let ok =
            (8..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(IdempotencyKey(raw.to_string()))
        } else {
            Err(AppError::BadRequest("The request key must be 8–64 letters, digits, '-' or '_'.".into()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional short field a customer or connector supplies (name, email, phone): trimmed,
/// control characters dropped, cut to `max` characters; empty becomes `None`.
pub fn optional_field(raw: Option<&str>, max: usize) -> Option<String> {
    let cleaned: String = raw?.trim().chars().filter(|c| !c.is_control()).take(max).collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// A team's name: 1–60 characters after trimming; compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamName(String);

impl TeamName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let name: String = raw.trim().chars().filter(|c| !c.is_control()).collect();
        match name.chars().count() {
            0 => Err(AppError::invalid("name", "Give the team a name.")),
            n if n > 60 => Err(AppError::invalid("name", "Team names can be at most 60 characters.")),
            _ => Ok(TeamName(name)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive uniqueness key.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// One message as members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub kind: MessageKind,
    pub body: String,
    /// The agent's or note writer's name when written; empty for customer and bot messages.
    pub author_name: String,
    pub delivery: Delivery,
    pub created_at_ms: i64,
    /// A file sent with the message (links for members).
    #[serde(default)]
    pub attachment: Option<super::media::AttachmentView>,
}

/// One message as the customer sees it (the widget): no internal notes, no member ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerMessage {
    pub id: MessageId,
    /// "customer", "bot" or "agent".
    pub from: MessageKind,
    pub body: String,
    pub author_name: String,
    pub created_at_ms: i64,
    /// The file sent with the message; the server signs its links for the visitor.
    pub attachment: Option<super::media::AttachmentView>,
}

impl MessageView {
    /// The customer's view of this message, or `None` for what the customer must never see.
    pub fn for_customer(&self) -> Option<CustomerMessage> {
        self.kind.customer_visible().then(|| CustomerMessage {
            id: self.id,
            from: self.kind,
            body: self.body.clone(),
            author_name: self.author_name.clone(),
            created_at_ms: self.created_at_ms,
            attachment: self.attachment.clone(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
    pub public_id: String,
    pub outbound_url: Option<String>,
}

/// A secret is shown exactly once: when a channel is created or its secret rotated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSecret {
    pub channel: ChannelView,
    pub secret: String,
}

/// A freshly made demo bot and the teammates one can log in as (passwords shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoBot {
    pub bot_id: super::ids::BotId,
    pub logins: Vec<DemoLogin>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoLogin {
    pub name: String,
    pub role: super::role::Role,
    pub has_seat: bool,
    pub email: String,
    pub password: String,
}

/// Bot Settings > Channels, as one member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelsView {
    pub bot_id: super::ids::BotId,
    pub viewer: super::policy::Actor,
    pub channels: Vec<ChannelView>,
}

/// Team Manager > Teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamsView {
    pub bot_id: super::ids::BotId,
    pub can_manage: bool,
    pub teams: Vec<TeamListing>,
    /// Every member of the bot, for the "add a member" menus.
    pub members: Vec<(MemberId, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamListing {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<(MemberId, String)>,
}

/// One row of the conversation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub banned: bool,
    pub contact_name: String,
    pub channel: ChannelKind,
    pub channel_name: String,
    /// Plain text, one line.
    pub preview: String,
    pub last_activity_ms: i64,
    /// The customer's oldest unanswered message, if they are waiting.
    pub waiting_since_ms: Option<i64>,
    /// The customer asked for a person.
    pub asked_for_agent: bool,
    pub bot_paused: bool,
    pub assignee: Option<(MemberId, String)>,
    pub team: Option<(TeamId, String)>,
    /// Customer messages the viewer has not read.
    pub unread: i64,
    /// By name.
    pub tags: Vec<super::tags::TagView>,
}

/// A page of the list; `next` continues after its last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationPage {
    pub rows: Vec<ConversationSummary>,
    pub next: Option<String>,
    /// The bot's teams, for the list's team filters.
    pub teams: Vec<TeamOption>,
    /// The bot's tags, for the list's tag filters.
    pub tags: Vec<super::tags::TagView>,
    /// The live event number this page is current as of: the page's stream starts after it,
    /// so nothing that happens between the render and the stream's connection is missed.
    pub as_of_seq: i64,
}

/// Someone a conversation can be assigned to, as the assign menu offers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssigneeOption {
    pub member_id: MemberId,
    pub name: String,
    /// Available for automatic assignment (offline members can still be given one by hand).
    #[serde(default)]
    pub online: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamOption {
    pub team_id: TeamId,
    pub name: String,
}

/// One conversation with its latest messages, for the conversation view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadView {
    pub summary: ConversationSummary,
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// Pass as `before` for the previous page, if there are older messages.
    pub older: Option<MessageId>,
    /// Only seat holders with an eligible role: who the assign menu offers.
    pub assignable: Vec<AssigneeOption>,
    pub teams: Vec<TeamOption>,
    /// The bot's tags, offered when tagging.
    pub tags: Vec<super::tags::TagView>,
    /// The customer, for the profile panel.
    pub profile: super::contacts::ContactProfile,
    /// The live event number this view is current as of (a stream resumes after it).
    pub as_of_seq: i64,
}

/// The list cursor on the wire: "{last_activity_ms}.{id}".
pub fn encode_cursor(activity_ms: i64, id: ConversationId) -> String {
    format!("{activity_ms}.{id}")
}

pub fn decode_cursor(raw: &str) -> Result<(i64, ConversationId), AppError> {
    let bad = || AppError::BadRequest("The page cursor is not valid.".into());
    let (activity, id) = raw.split_once('.').ok_or_else(bad)?;
    Ok((activity.parse().map_err(|_| bad())?, ConversationId(id.parse().map_err(|_| bad())?)))
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn codes_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            code: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            let mut seen = std::collections::HashSet::new();
            for v in all {
                assert!(seen.insert(code(*v)), "duplicate code {}", code(*v));
                assert_eq!(parse(code(*v)), Some(*v));
            }
            assert_eq!(parse("nonsense"), None);
        }
        check(ChannelKind::ALL, ChannelKind::code, ChannelKind::parse);
        check(ConversationStatus::ALL, ConversationStatus::code, ConversationStatus::parse);
        check(MessageKind::ALL, MessageKind::code, MessageKind::parse);
        check(Delivery::ALL, Delivery::code, Delivery::parse);
        check(StatusFilter::ALL, StatusFilter::code, StatusFilter::parse);
    }

    #[test]
    fn the_wire_form_is_the_code() {
        assert_eq!(serde_json::to_string(&MessageKind::Note).unwrap(), "\"note\"");
        assert_eq!(serde_json::to_string(&ConversationStatus::Closed).unwrap(), "\"closed\"");
    }

    #[test]
    fn message_text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(MessageText::parse("  hi\u{0}\u{7} there\n ").unwrap().as_str(), "hi there");
        assert_eq!(MessageText::parse("line 1\nline 2").unwrap().as_str(), "line 1\nline 2");
        assert!(MessageText::parse(" \n ").is_err());
        assert!(MessageText::parse(&"é".repeat(4000)).is_ok(), "characters, not bytes");
        let err = MessageText::parse(&"a".repeat(4001)).unwrap_err();
        assert_eq!(err.field(), Some("body"));
    }

    #[test]
    fn previews_are_one_bounded_line() {
        assert_eq!(preview_of("Hello\n\n  there"), "Hello there");
        let long = preview_of(&"word ".repeat(100));
        assert_eq!(long.chars().count(), 121);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn idempotency_keys_are_bounded_tokens() {
        assert!(IdempotencyKey::parse("3f2b8c1e-9d4a-4c6e-8b7a-1234567890ab").is_ok());
        assert!(IdempotencyKey::parse("short").is_err());
        assert!(IdempotencyKey::parse("has space in it").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(65)).is_err());
    }

    #[test]
    fn optional_fields_are_cleaned_or_absent() {
        assert_eq!(optional_field(Some("  Ada \u{1b}[31m "), 80).as_deref(), Some("Ada [31m"));
        assert_eq!(optional_field(Some("   "), 80), None);
        assert_eq!(optional_field(None, 80), None);
        assert_eq!(optional_field(Some("abcdef"), 3).as_deref(), Some("abc"));
    }

    #[test]
    fn list_cursors_round_trip_and_refuse_garbage() {
        let raw = encode_cursor(1_700_000_000_123, ConversationId(42));
        assert_eq!(decode_cursor(&raw).unwrap(), (1_700_000_000_123, ConversationId(42)));
        for bad in ["", "12", "a.b", "1.2.3", "1."] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn team_names_compare_without_case() {
        assert_eq!(TeamName::parse(" Billing ").unwrap().key(), "billing");
        assert!(TeamName::parse("  ").is_err());
        assert!(TeamName::parse(&"x".repeat(61)).is_err());
    }
}
