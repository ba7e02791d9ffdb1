//! The customer profile beside a conversation: who they are on their channel, what the team
//! noted about them (custom attributes), and their past conversations.
use super::error::AppError;
use super::ids::{ContactId, ConversationId};
use super::inbox::{ChannelKind, ConversationStatus};
use serde::{Deserialize, Serialize};

pub const ATTRIBUTE_KEY_MAX: usize = 40;
pub const ATTRIBUTE_VALUE_MAX: usize = 500;
pub const ATTRIBUTES_PER_CONTACT: usize = 30;

/// An attribute's name ("Plan", "Order number"): 1–40 characters, one per contact in any case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeKey(String);

impl AttributeKey {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let key = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let key: String = key.chars().filter(|c| !c.is_control()).collect();
        match key.chars().count() {
            0 => Err(AppError::invalid("key", "Name the detail (for example “Plan”).")),
            n if n > ATTRIBUTE_KEY_MAX => {
                Err(AppError::invalid("key", format!("Detail names can be at most {ATTRIBUTE_KEY_MAX} characters.")))
            }
            _ => Ok(AttributeKey(key)),
        }
    }

    /// As typed, for display.
    pub fn label(&self) -> &str {
        &self.0
    }

    /// The case-insensitive key it is stored under.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// An attribute's value: up to 500 characters, trimmed; empty removes the attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue(String);

impl AttributeValue {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let value: String = raw.trim().chars().filter(|c| !c.is_control()).collect();
        if value.chars().count() > ATTRIBUTE_VALUE_MAX {
            return Err(AppError::invalid("value", format!("Values can be at most {ATTRIBUTE_VALUE_MAX} characters.")));
        }
        Ok(AttributeValue(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub label: String,
    pub value: String,
}

/// One of the contact's other conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastConversation {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub banned: bool,
    pub started_ms: i64,
    pub last_activity_ms: i64,
    pub assignee: Option<String>,
    pub preview: String,
}

/// The profile panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactProfile {
    pub id: ContactId,
    pub name: String,
    pub channel: ChannelKind,
    pub channel_name: String,
    /// Their id on the channel (the provider's, or the widget visitor's).
    pub channel_identity: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    /// By name.
    pub attributes: Vec<Attribute>,
    /// Newest first, without the open one.
    pub past: Vec<PastConversation>,
}

pub const CONTACT_QUERY_MAX: usize = 100;

/// What the Contacts page searches for: part of a name, email or phone (trimmed, ≤ 100
/// characters); empty lists everyone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactQuery(String);

impl ContactQuery {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > CONTACT_QUERY_MAX {
            return Err(AppError::invalid("q", format!("Search for at most {CONTACT_QUERY_MAX} characters.")));
        }
        Ok(ContactQuery(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One row of the Contacts page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactSummary {
    pub id: ContactId,
    pub name: String,
    pub channel: ChannelKind,
    pub channel_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub last_seen_ms: i64,
    pub conversations: i64,
}

/// The Contacts page: most recently seen first, `next` continues the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactsPage {
    pub contacts: Vec<ContactSummary>,
    pub next: Option<String>,
}

/// Another channel identity of the same person (merged into this contact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub channel_name: String,
    pub external_id: String,
}

/// A contact's page: the profile with every conversation, the identities merged into it and,
/// when the member searched for one, the contacts it could be merged with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetail {
    pub profile: ContactProfile,
    pub merged: Vec<Identity>,
    pub candidates: Vec<ContactSummary>,
    /// Why this member may not edit details or merge (the policy's reason), if so.
    pub cannot_edit: Option<String>,
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn keys_and_values_are_parsed_at_the_boundary() {
        let key = AttributeKey::parse("  Order   number ").unwrap();
        assert_eq!(key.label(), "Order number");
        assert_eq!(key.key(), "order number");
        assert!(AttributeKey::parse(" ").is_err());
        assert!(AttributeKey::parse(&"k".repeat(ATTRIBUTE_KEY_MAX + 1)).is_err());
        assert!(AttributeValue::parse("  ").unwrap().is_empty(), "empty removes");
        assert_eq!(AttributeValue::parse(" Pro ").unwrap().as_str(), "Pro");
        assert!(AttributeValue::parse(&"v".repeat(ATTRIBUTE_VALUE_MAX + 1)).is_err());
    }

    #[test]
    fn contact_queries_are_trimmed_and_bounded() {
        assert_eq!(ContactQuery::parse("  olivia   b ").unwrap().as_str(), "olivia b");
        assert!(ContactQuery::parse("   ").unwrap().is_empty());
        assert!(ContactQuery::parse(&"x".repeat(CONTACT_QUERY_MAX + 1)).is_err());
    }
}
