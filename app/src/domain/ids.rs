use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                $name(raw)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

id_type!(
    /// A person's account, across all bots.
    UserId
);
id_type!(
    /// A bot (workspace): the tenant boundary.
    BotId
);
id_type!(
    /// A user's membership of one bot.
    MemberId
);
id_type!(
    /// A channel conversations arrive through (a website widget or a signed API channel).
    ChannelId
);
id_type!(
    /// A customer, as known on one channel.
    ContactId
);
id_type!(
    /// One conversation with a contact.
    ConversationId
);
id_type!(
    /// One message (customer, bot, agent, internal note or system event).
    MessageId
);
id_type!(
    /// A named group of members that conversations can be assigned to.
    TeamId
);
id_type!(
    /// A bot's label for conversations.
    TagId
);
id_type!(
    /// A file sent in a conversation.
    AttachmentId
);
