use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member's role in one bot. One string form everywhere — database, wire, form values:
/// its `code()` ("app_manager"), which serde reads and writes too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
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

/// What a role allows. The permission matrix (`Role::permissions`) is the single source for
/// the server's checks, the UI's disabled controls and the "Roles" help table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// See conversations (acting on them also needs an Inbox seat).
    ViewInbox,
    ViewAnalytics,
    ViewTeam,
    /// Invite and remove members, change roles, toggle seats.
    ManageTeam,
    ViewBilling,
    /// Buy and reduce seats, change plan.
    ManageBilling,
    ViewChannels,
    ManageChannels,
    ViewContent,
    /// Flows and catalog.
    EditContent,
    ViewSettings,
    EditSettings,
    DeleteBot,
}

impl Permission {
    pub const ALL: [Permission; 13] = [
        Permission::ViewInbox,
        Permission::ViewAnalytics,
        Permission::ViewTeam,
        Permission::ManageTeam,
        Permission::ViewBilling,
        Permission::ManageBilling,
        Permission::ViewChannels,
        Permission::ManageChannels,
        Permission::ViewContent,
        Permission::EditContent,
        Permission::ViewSettings,
        Permission::EditSettings,
        Permission::DeleteBot,
    ];

    /// Completes "… can <phrase>".
    pub fn phrase(self) -> &'static str {
        match self {
            Permission::ViewInbox => "view the Inbox",
            Permission::ViewAnalytics => "view analytics",
            Permission::ViewTeam => "view the team",
            Permission::ManageTeam => "manage team members, roles and seats",
            Permission::ViewBilling => "view Add-ons and billing",
            Permission::ManageBilling => "buy seats and change the plan",
            Permission::ViewChannels => "view channels",
            Permission::ManageChannels => "manage channels",
            Permission::ViewContent => "view flows and the catalog",
            Permission::EditContent => "edit flows and the catalog",
            Permission::ViewSettings => "view settings",
            Permission::EditSettings => "edit settings",
            Permission::DeleteBot => "delete the bot",
        }
    }

    /// The roles holding this permission, in `Role::ALL` order.
    pub fn holders(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| r.can(self)).collect()
    }

    /// "Owners and Admins" — who holds this permission, for sentences.
    pub fn holders_phrase(self) -> String {
        roles_phrase(&self.holders())
    }

    /// "Only Owners and Admins can buy seats and change the plan." — derived from the matrix.
    pub fn only_message(self) -> String {
        format!("Only {} can {}.", self.holders_phrase(), self.phrase())
    }
}

/// "Owners, Admins and Agents" ("nobody" for none).
pub fn roles_phrase(roles: &[Role]) -> String {
    let names: Vec<&str> = roles.iter().map(|r| r.plural()).collect();
    match names.as_slice() {
        [] => "nobody".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The top-level sections of the product.
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
    pub const ALL: [Tab; 7] =
        [Tab::Inbox, Tab::Analytics, Tab::TeamManager, Tab::Billing, Tab::Channels, Tab::Flows, Tab::Settings];

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

    /// The label in the top bar's section links (Team Manager sits under Bot Settings).
    pub fn nav_label(self) -> &'static str {
        match self {
            Tab::TeamManager => "Bot Settings › Team Manager",
            other => other.label(),
        }
    }

    /// The one table of where each section lives under `/bots/{id}/`; `None` for sections
    /// that are not built yet (shown as "soon").
    pub fn path(self) -> Option<&'static str> {
        match self {
            Tab::Inbox => Some("inbox"),
            Tab::TeamManager => Some("team"),
            Tab::Billing => Some("addons"),
            Tab::Channels => Some("channels"),
            Tab::Analytics | Tab::Flows | Tab::Settings => None,
        }
    }

    /// The section's address in `bot`, if it is built.
    pub fn href(self, bot: crate::domain::BotId) -> Option<String> {
        self.path().map(|path| format!("/bots/{bot}/{path}"))
    }

    /// The permission that opens this tab.
    pub fn permission(self) -> Permission {
        match self {
            Tab::Inbox => Permission::ViewInbox,
            Tab::Analytics => Permission::ViewAnalytics,
            Tab::TeamManager => Permission::ViewTeam,
            Tab::Billing => Permission::ViewBilling,
            Tab::Channels => Permission::ViewChannels,
            Tab::Flows => Permission::ViewContent,
            Tab::Settings => Permission::ViewSettings,
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

    pub fn plural(self) -> &'static str {
        match self {
            Role::Owner => "Owners",
            Role::Admin => "Admins",
            Role::Editor => "Editors",
            Role::Agent => "Agents",
            Role::Analyst => "Analysts",
            Role::Viewer => "Viewers",
            Role::Supervisor => "Supervisors",
            Role::AppManager => "App Managers",
        }
    }

    /// One line for the Roles help table.
    pub fn summary(self) -> &'static str {
        match self {
            Role::Owner => "Everything, including billing and deleting the bot. Only Owners make other Owners.",
            Role::Admin => "Everything except deleting the bot.",
            Role::Editor => "Edits all configuration and content (flows, catalog); cannot manage the team.",
            Role::Agent => "Inbox only: views and works conversations (working them needs a seat).",
            Role::Analyst => "Analytics and audience insight, read-only.",
            Role::Viewer => "Sees every section, edits nothing.",
            Role::Supervisor => "Manages team members' roles and seats, nothing else.",
            Role::AppManager => "Manages channels only.",
        }
    }

    /// The permission matrix.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Owner => &[
                ViewInbox,
                ViewAnalytics,
                ViewTeam,
                ManageTeam,
                ViewBilling,
                ManageBilling,
                ViewChannels,
                ManageChannels,
                ViewContent,
                EditContent,
                ViewSettings,
                EditSettings,
                DeleteBot,
            ],
            Role::Admin => &[
                ViewInbox,
                ViewAnalytics,
                ViewTeam,
                ManageTeam,
                ViewBilling,
                ManageBilling,
                ViewChannels,
                ManageChannels,
                ViewContent,
                EditContent,
                ViewSettings,
                EditSettings,
            ],
            Role::Editor => &[
                ViewInbox,
                ViewAnalytics,
                ViewChannels,
                ManageChannels,
                ViewContent,
                EditContent,
                ViewSettings,
                EditSettings,
            ],
            Role::Agent => &[ViewInbox],
            Role::Analyst => &[ViewAnalytics],
            Role::Viewer => &[ViewInbox, ViewAnalytics, ViewTeam, ViewBilling, ViewChannels, ViewContent, ViewSettings],
            Role::Supervisor => &[ViewTeam, ManageTeam],
            Role::AppManager => &[ViewChannels, ManageChannels],
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    /// The sections this role may open, derived from the permission matrix.
    pub fn tabs(self) -> Vec<Tab> {
        Tab::ALL.into_iter().filter(|t| self.can(t.permission())).collect()
    }

    /// Where a member of this role lands in a bot: the first built section they may open,
    /// else the Inbox page, whose shell shows what their role opens and why the rest is closed.
    pub fn landing_path(self, bot: crate::domain::BotId) -> String {
        Tab::ALL
            .into_iter()
            .filter(|tab| self.can(tab.permission()))
            .find_map(|tab| tab.href(bot))
            .unwrap_or_else(|| format!("/bots/{bot}/inbox"))
    }

    /// Only these roles may hold an Inbox seat.
    pub fn seat_eligible(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Agent)
    }

    /// Seniority for "never grant a role above your own": Owner > Admin > everyone else.
    pub fn rank(self) -> u8 {
        match self {
            Role::Owner => 3,
            Role::Admin => 2,
            _ => 1,
        }
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
        Role::ALL.into_iter().find(|role| role.code() == s).ok_or_else(|| UnknownRole(s.to_string()))
    }
}

impl From<Role> for &'static str {
    fn from(role: Role) -> Self {
        role.code()
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
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
        assert!("superuser".parse::<Role>().is_err());
    }

    #[test]
    fn only_owner_admin_agent_hold_seats() {
        let eligible: Vec<Role> = Role::ALL.into_iter().filter(|r| r.seat_eligible()).collect();
        assert_eq!(eligible, vec![Role::Owner, Role::Admin, Role::Agent]);
    }

    #[test]
    fn owner_has_everything_and_admin_all_but_deleting() {
        assert_eq!(Role::Owner.permissions().len(), Permission::ALL.len());
        let admin_lacks: Vec<Permission> = Permission::ALL.into_iter().filter(|p| !Role::Admin.can(*p)).collect();
        assert_eq!(admin_lacks, vec![Permission::DeleteBot]);
    }

    #[test]
    fn viewer_sees_everything_and_edits_nothing() {
        assert_eq!(Role::Viewer.tabs(), Tab::ALL.to_vec());
        for p in [
            Permission::ManageTeam,
            Permission::ManageBilling,
            Permission::ManageChannels,
            Permission::EditContent,
            Permission::EditSettings,
            Permission::DeleteBot,
        ] {
            assert!(!Role::Viewer.can(p), "{p:?}");
        }
    }

    #[test]
    fn narrow_roles_open_only_their_tabs() {
        assert_eq!(Role::Agent.tabs(), vec![Tab::Inbox]);
        assert_eq!(Role::Analyst.tabs(), vec![Tab::Analytics]);
        assert_eq!(Role::Supervisor.tabs(), vec![Tab::TeamManager]);
        assert_eq!(Role::AppManager.tabs(), vec![Tab::Channels]);
        assert!(!Role::Editor.tabs().contains(&Tab::TeamManager));
        assert!(!Role::Editor.can(Permission::ManageTeam));
    }

    #[test]
    fn members_land_where_their_role_can_go() {
        let bot = crate::domain::BotId(7);
        assert_eq!(Role::Agent.landing_path(bot), "/bots/7/inbox");
        assert_eq!(Role::Supervisor.landing_path(bot), "/bots/7/team");
        assert_eq!(Role::Analyst.landing_path(bot), "/bots/7/inbox", "no built section: the shell explains");
        assert_eq!(Role::AppManager.landing_path(bot), "/bots/7/channels");
    }

    #[test]
    fn messages_are_derived_from_the_matrix() {
        assert_eq!(
            Permission::ManageBilling.only_message(),
            "Only Owners and Admins can buy seats and change the plan."
        );
        assert_eq!(
            Permission::ManageTeam.only_message(),
            "Only Owners, Admins and Supervisors can manage team members, roles and seats."
        );
        assert_eq!(Permission::DeleteBot.only_message(), "Only Owners can delete the bot.");
    }
}
