//! Authorisation: one pure function per capability, deny by default, returning a typed reason.
//! The server calls these to enforce; the UI calls the same ones to disable and explain.
use super::role::{Role, Tab};
use serde::{Deserialize, Serialize};

/// The facts about the acting member that policy decisions need. Loaded fresh from the
/// database on every request, so a changed role or removed seat bites immediately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: Role,
    pub has_seat: bool,
}

/// Why something was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Denied {
    /// Not a member of this bot (answered as "not found" so bots cannot be probed).
    #[error("You are not a member of this bot.")]
    NotMember,
    /// The member's role does not include this.
    #[error("{role}s cannot {what}.", role = role.label(), what = action)]
    RoleLacks { role: Role, action: String },
    /// The role allows it, but it needs an Inbox seat.
    #[error("You need an Inbox seat to {action} — ask an admin.")]
    SeatRequired { action: String },
}

/// May `actor` open `tab`?
pub fn can_open_tab(actor: Option<&Actor>, tab: Tab) -> Result<(), Denied> {
    let actor = actor.ok_or(Denied::NotMember)?;
    if actor.role.tabs().contains(&tab) {
        Ok(())
    } else {
        Err(Denied::RoleLacks {
            role: actor.role,
            action: format!("open {}", tab.label()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_matrix_is_exactly_the_role_data() {
        for role in Role::ALL {
            for has_seat in [false, true] {
                let actor = Actor { role, has_seat };
                for tab in Tab::ALL {
                    let decision = can_open_tab(Some(&actor), tab);
                    if role.tabs().contains(&tab) {
                        assert_eq!(decision, Ok(()), "{role:?} {tab:?}");
                    } else {
                        assert!(
                            matches!(decision, Err(Denied::RoleLacks { role: r, .. }) if r == role),
                            "{role:?} {tab:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn non_members_are_denied_everything() {
        for tab in Tab::ALL {
            assert_eq!(can_open_tab(None, tab), Err(Denied::NotMember));
        }
    }

    #[test]
    fn owner_opens_everything_and_agent_only_inbox() {
        let owner = Actor {
            role: Role::Owner,
            has_seat: true,
        };
        let agent = Actor {
            role: Role::Agent,
            has_seat: false,
        };
        assert!(
            Tab::ALL
                .iter()
                .all(|t| can_open_tab(Some(&owner), *t).is_ok())
        );
        assert_eq!(can_open_tab(Some(&agent), Tab::Inbox), Ok(()));
        assert_eq!(
            can_open_tab(Some(&agent), Tab::TeamManager)
                .unwrap_err()
                .to_string(),
            "Agents cannot open Team Manager."
        );
    }
}
