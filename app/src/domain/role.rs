use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member's role in one bot. Stored as its `code()` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Owner,
    Admin,
    Editor,
    Agent,
    Analyst,
    Viewer,
    Supervisor,
    AppManager,
}

/// The top-level sections of the product. Which ones a role may open is data (`Role::tabs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tab {
    Inbox,
    Analytics,
    TeamManager,
    Billing,
    Channels,
    Flows,
    Settings,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Inbox,
        Tab::Analytics,
        Tab::TeamManager,
        Tab::Billing,
        Tab::Channels,
        Tab::Flows,
        Tab::Settings,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Inbox => "Inbox",
            Tab::Analytics => "Analytics",
            Tab::TeamManager => "Team Manager",
            Tab::Billing => "Add-ons",
            Tab::Channels => "Channels",
            Tab::Flows => "Flows & Catalog",
            Tab::Settings => "Settings",
        }
    }
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Owner,
        Role::Admin,
        Role::Editor,
        Role::Agent,
        Role::Analyst,
        Role::Viewer,
        Role::Supervisor,
        Role::AppManager,
    ];

    /// The stable string stored in the database and sent over the wire.
    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Agent => "agent",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
            Role::Supervisor => "supervisor",
            Role::AppManager => "app_manager",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Editor => "Editor",
            Role::Agent => "Agent",
            Role::Analyst => "Analyst",
            Role::Viewer => "Viewer",
            Role::Supervisor => "Supervisor",
            Role::AppManager => "App Manager",
        }
    }

    /// The sections this role may open — the single source of the tab matrix.
    pub fn tabs(self) -> &'static [Tab] {
        use Tab::*;
        match self {
            Role::Owner | Role::Admin => &[
                Inbox,
                Analytics,
                TeamManager,
                Billing,
                Channels,
                Flows,
                Settings,
            ],
            Role::Editor => &[Inbox, Analytics, Channels, Flows, Settings],
            Role::Agent => &[Inbox],
            Role::Analyst => &[Analytics],
            Role::Viewer => &[
                Inbox,
                Analytics,
                TeamManager,
                Billing,
                Channels,
                Flows,
                Settings,
            ],
            Role::Supervisor => &[TeamManager],
            Role::AppManager => &[Channels],
        }
    }

    /// Only these roles may hold an Inbox seat.
    pub fn seat_eligible(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Agent)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.code() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

impl TryFrom<String> for Role {
    type Error = UnknownRole;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
        assert!("superuser".parse::<Role>().is_err());
    }

    #[test]
    fn only_owner_admin_agent_hold_seats() {
        let eligible: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.seat_eligible())
            .collect();
        assert_eq!(eligible, vec![Role::Owner, Role::Admin, Role::Agent]);
    }
}
