//! Authorisation: one pure function per capability, deny by default, returning a typed reason.
//! The server calls these to enforce; the UI calls the same ones to disable and explain.
use super::plan::{NextPeriodSeats, SeatUsage};
use super::role::{Permission, Role, Tab};
use serde::{Deserialize, Serialize};

/// The facts about the acting member that policy decisions need. Loaded fresh from the
/// database on every request, so a changed role or removed seat bites immediately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: Role,
    pub has_seat: bool,
}

/// The seat-gated things a member does to a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InboxAction {
    Reply,
    SendMedia,
    InternalNote,
    Assign,
    BeAssigned,
    Tag,
    CreateOrder,
    SendFlow,
    /// Close and reopen conversations.
    Resolve,
    /// Ban and unban contacts.
    Ban,
    /// Take over from the bot or hand back to it.
    PauseBot,
    /// Edit a customer's details (custom attributes) in the profile panel.
    EditContact,
}

impl InboxAction {
    pub const ALL: [InboxAction; 12] = [
        InboxAction::Reply,
        InboxAction::SendMedia,
        InboxAction::InternalNote,
        InboxAction::Assign,
        InboxAction::BeAssigned,
        InboxAction::Tag,
        InboxAction::CreateOrder,
        InboxAction::SendFlow,
        InboxAction::Resolve,
        InboxAction::Ban,
        InboxAction::PauseBot,
        InboxAction::EditContact,
    ];

    /// Completes "You need an Inbox seat to …".
    pub fn phrase(self) -> &'static str {
        match self {
            InboxAction::Reply => "reply",
            InboxAction::SendMedia => "send media",
            InboxAction::InternalNote => "write internal notes",
            InboxAction::Assign => "assign conversations",
            InboxAction::BeAssigned => "be assigned conversations",
            InboxAction::Tag => "tag conversations",
            InboxAction::CreateOrder => "create orders",
            InboxAction::SendFlow => "send pre-built flows",
            InboxAction::Resolve => "close and reopen conversations",
            InboxAction::Ban => "ban contacts",
            InboxAction::PauseBot => "take over from the bot",
            InboxAction::EditContact => "edit customer details",
        }
    }
}

/// Why something was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Denied {
    /// Not a member of this bot (answered as "not found" so bots cannot be probed).
    #[error("You are not a member of this bot.")]
    NotMember,
    /// The member's role lacks the permission; the message names the roles that have it.
    #[error("{}", permission.only_message())]
    RoleLacks { role: Role, permission: Permission },
    /// The role may act in the Inbox, but only with a seat.
    #[error("You need an Inbox seat to {} — ask an admin.", action.phrase())]
    SeatRequired { action: InboxAction },
    #[error("{} cannot hold an Inbox seat.", role.plural())]
    NotSeatEligible { role: Role },
    #[error("No free seats — buy more in Add-ons.")]
    NoFreeSeats,
    /// Seats are free this period, but a scheduled change leaves none for another holder.
    #[error("{}", next.describe(*used))]
    NextPeriodFull { next: NextPeriodSeats, used: i64 },
    #[error("Only Owners can make another Owner.")]
    OwnerOnly,
    #[error("You cannot grant the {} role: it allows things your own role does not.", role.label())]
    RoleAboveYours { role: Role },
    #[error("You cannot change a member whose role is above yours.")]
    OutranksYou,
    #[error("A bot must keep at least one Owner.")]
    LastOwner,
    /// The chosen assignee cannot hold conversations.
    #[error("{name} cannot be assigned conversations: {}", match role { Some(role) => format!("{} cannot hold an Inbox seat.", role.plural()), None => "they have no Inbox seat.".to_string() })]
    CannotBeAssigned { name: String, role: Option<Role> },
    /// Nobody holds a conversation without a seat: reassign first.
    #[error("{name} holds {} (with {}) — reassign {} first.", super::text::count(held.count, "open conversation", "open conversations"), super::text::names_phrase(&held.first_contacts, held.count), if held.count == 1 { "it" } else { "them" })]
    HoldsConversations { name: String, held: Held },
}

impl Denied {
    /// The reason as `viewer` should read it: a way out their role cannot take ("buy more in
    /// Add-ons" for someone who cannot open Add-ons) is replaced by who can take it.
    pub fn explain_to(&self, viewer: &Actor) -> String {
        match self {
            Denied::NoFreeSeats if !viewer.role.can(Permission::ManageBilling) => {
                format!("No free seats — {} can buy more in Add-ons.", Permission::ManageBilling.holders_phrase())
            }
            other => other.to_string(),
        }
    }
}

fn member(actor: Option<&Actor>) -> Result<&Actor, Denied> {
    actor.ok_or(Denied::NotMember)
}

fn requires(actor: Option<&Actor>, permission: Permission) -> Result<&Actor, Denied> {
    let actor = member(actor)?;
    if actor.role.can(permission) { Ok(actor) } else { Err(Denied::RoleLacks { role: actor.role, permission }) }
}

/// May `actor` open `tab`?
pub fn can_open_tab(actor: Option<&Actor>, tab: Tab) -> Result<(), Denied> {
    requires(actor, tab.permission()).map(drop)
}

/// May `actor` do `action` to a conversation? Viewing needs the role; acting needs a seat too.
pub fn can_act(actor: Option<&Actor>, action: InboxAction) -> Result<(), Denied> {
    let actor = requires(actor, Permission::ViewInbox)?;
    if !actor.role.seat_eligible() {
        return Err(Denied::NotSeatEligible { role: actor.role });
    }
    if !actor.has_seat {
        return Err(Denied::SeatRequired { action });
    }
    Ok(())
}

/// Seeing conversations (lists, threads, live streams) needs only the role.
pub fn can_view_inbox(actor: Option<&Actor>) -> Result<(), Denied> {
    requires(actor, Permission::ViewInbox).map(drop)
}

/// Assigning a conversation to the member `assignee` (named `name`): the actor needs a seat to
/// assign, and the assignee must be able to hold conversations (an eligible role with a seat).
pub fn can_assign_to(actor: Option<&Actor>, assignee: &Actor, name: &str) -> Result<(), Denied> {
    can_act(actor, InboxAction::Assign)?;
    match can_act(Some(assignee), InboxAction::BeAssigned) {
        Ok(()) => Ok(()),
        Err(Denied::NotSeatEligible { role }) => {
            Err(Denied::CannotBeAssigned { name: name.to_string(), role: Some(role) })
        }
        Err(Denied::RoleLacks { role, .. }) => {
            Err(Denied::CannotBeAssigned { name: name.to_string(), role: Some(role) })
        }
        Err(_) => Err(Denied::CannotBeAssigned { name: name.to_string(), role: None }),
    }
}

/// The open conversations a member holds: how many, and the contacts of the first few (so a
/// refusal names them).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Held {
    pub count: i64,
    pub first_contacts: Vec<String>,
}

/// A member who holds open conversations may not lose the right to hold them (seat removed,
/// role without seats, removed from the team) until they are reassigned.
pub fn holds_nothing(name: &str, held: Held) -> Result<(), Denied> {
    if held.count > 0 { Err(Denied::HoldsConversations { name: name.to_string(), held }) } else { Ok(()) }
}

pub fn can_view_team(actor: Option<&Actor>) -> Result<(), Denied> {
    requires(actor, Permission::ViewTeam).map(drop)
}

/// The audit log sits in Team Manager and is readable by whoever can view the team.
pub fn can_view_audit_log(actor: Option<&Actor>) -> Result<(), Denied> {
    can_view_team(actor)
}

pub fn can_manage_team(actor: Option<&Actor>) -> Result<(), Denied> {
    requires(actor, Permission::ManageTeam).map(drop)
}

/// Granting `role` (by invitation or role change): only a role whose permissions are all your
/// own — nobody hands out rights they do not hold; Owner only by Owners.
pub fn can_grant_role(actor: Option<&Actor>, role: Role) -> Result<(), Denied> {
    let actor = requires(actor, Permission::ManageTeam)?;
    if role == Role::Owner && actor.role != Role::Owner {
        return Err(Denied::OwnerOnly);
    }
    if !role.permissions().iter().all(|p| actor.role.can(*p)) {
        return Err(Denied::RoleAboveYours { role });
    }
    Ok(())
}

/// Changing a member from `current` to `new`: you may not touch members above you.
/// (Keeping at least one Owner needs the live count and is checked by `keeps_an_owner`.)
pub fn can_change_role(actor: Option<&Actor>, current: Role, new: Role) -> Result<(), Denied> {
    can_grant_role(actor, new)?;
    let actor = member(actor)?;
    if current.rank() > actor.role.rank() {
        return Err(Denied::OutranksYou);
    }
    Ok(())
}

pub fn can_remove_member(actor: Option<&Actor>, target: Role) -> Result<(), Denied> {
    let actor = requires(actor, Permission::ManageTeam)?;
    if target.rank() > actor.role.rank() {
        return Err(Denied::OutranksYou);
    }
    Ok(())
}

/// Removing or demoting a member whose role is `current` when the bot has `owners` Owners.
pub fn keeps_an_owner(owners: i64, current: Role, new: Option<Role>) -> Result<(), Denied> {
    let loses_owner = current == Role::Owner && new != Some(Role::Owner);
    if loses_owner && owners <= 1 { Err(Denied::LastOwner) } else { Ok(()) }
}

/// Turning a member's seat on or off: never on a member ranked above you. `seats` is the
/// current pool (the server re-checks it atomically when it writes; this is for the decision
/// and the UI's explanation).
pub fn can_set_seat(actor: Option<&Actor>, target: Role, enable: bool, seats: &SeatUsage) -> Result<(), Denied> {
    let actor = requires(actor, Permission::ManageTeam)?;
    if target.rank() > actor.role.rank() {
        return Err(Denied::OutranksYou);
    }
    if enable {
        if !target.seat_eligible() {
            return Err(Denied::NotSeatEligible { role: target });
        }
        if let Some(refusal) = seats.grant_refusal() {
            return Err(refusal);
        }
    }
    Ok(())
}

pub fn can_view_channels(actor: Option<&Actor>) -> Result<(), Denied> {
    requires(actor, Permission::ViewChannels).map(drop)
}

/// Creating API channels, rotating their secrets, changing their outbound URL.
pub fn can_manage_channels(actor: Option<&Actor>) -> Result<(), Denied> {
    requires(actor, Permission::ManageChannels).map(drop)
}

pub fn can_view_billing(actor: Option<&Actor>) -> Result<(), Denied> {
    requires(actor, Permission::ViewBilling).map(drop)
}

pub fn can_manage_billing(actor: Option<&Actor>) -> Result<(), Denied> {
    requires(actor, Permission::ManageBilling).map(drop)
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    use Role::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn actor(role: Role, has_seat: bool) -> Actor {
        Actor { role, has_seat }
    }

    const SEATED_ROLES: [Role; 3] = [Owner, Admin, Agent];

    /// The expected decision for every role × seat × capability, written out by hand from the
    /// product rules (not computed by the code under test).
    #[test]
    fn exhaustive_role_seat_capability_matrix() {
        let team_managers = [Owner, Admin, Supervisor];
        let team_viewers = [Owner, Admin, Viewer, Supervisor];
        let billing_managers = [Owner, Admin];
        let billing_viewers = [Owner, Admin, Viewer];
        let inbox_viewers = [Owner, Admin, Editor, Agent, Viewer];
        let seats = SeatUsage { used: 1, included: 3, paid: 0, next: None };

        for role in Role::ALL {
            for has_seat in [false, true] {
                let a = actor(role, has_seat);
                let me = Some(&a);
                let lacks = |permission| Err(Denied::RoleLacks { role, permission });

                // Seat-gated Inbox actions.
                for action in InboxAction::ALL {
                    let expected = if !inbox_viewers.contains(&role) {
                        lacks(Permission::ViewInbox)
                    } else if !SEATED_ROLES.contains(&role) {
                        Err(Denied::NotSeatEligible { role })
                    } else if !has_seat {
                        Err(Denied::SeatRequired { action })
                    } else {
                        Ok(())
                    };
                    assert_eq!(can_act(me, action), expected, "{role:?} seat={has_seat} {action:?}");
                }

                let expect =
                    |allowed: &[Role], permission| if allowed.contains(&role) { Ok(()) } else { lacks(permission) };
                assert_eq!(can_manage_team(me), expect(&team_managers, Permission::ManageTeam), "{role:?}");
                assert_eq!(can_view_team(me), expect(&team_viewers, Permission::ViewTeam), "{role:?}");
                assert_eq!(can_view_audit_log(me), expect(&team_viewers, Permission::ViewTeam), "{role:?}");
                assert_eq!(can_manage_billing(me), expect(&billing_managers, Permission::ManageBilling), "{role:?}");
                assert_eq!(can_view_billing(me), expect(&billing_viewers, Permission::ViewBilling), "{role:?}");
                assert_eq!(can_open_tab(me, Tab::Inbox), expect(&inbox_viewers, Permission::ViewInbox), "{role:?}");

                // Seat toggles on each possible target.
                for target in Role::ALL {
                    let on = can_set_seat(me, target, true, &seats);
                    let off = can_set_seat(me, target, false, &seats);
                    if !team_managers.contains(&role) {
                        assert_eq!(on, lacks(Permission::ManageTeam));
                        assert_eq!(off, lacks(Permission::ManageTeam));
                    } else if role == Supervisor && [Owner, Admin].contains(&target) {
                        // Seniority: a Supervisor never changes an Owner's or an Admin's seat.
                        assert_eq!(on, Err(Denied::OutranksYou), "{role:?} → {target:?}");
                        assert_eq!(off, Err(Denied::OutranksYou), "{role:?} → {target:?}");
                    } else if role == Admin && target == Owner {
                        assert_eq!(on, Err(Denied::OutranksYou));
                        assert_eq!(off, Err(Denied::OutranksYou));
                    } else {
                        let expected_on = if SEATED_ROLES.contains(&target) {
                            Ok(())
                        } else {
                            Err(Denied::NotSeatEligible { role: target })
                        };
                        assert_eq!(on, expected_on, "{role:?} → {target:?}");
                        assert_eq!(off, Ok(()));
                    }
                }
            }
        }
    }

    #[test]
    fn granting_roles_follows_seniority() {
        let owner = actor(Owner, true);
        let admin = actor(Admin, true);
        let supervisor = actor(Supervisor, false);
        for role in Role::ALL {
            assert_eq!(can_grant_role(Some(&owner), role), Ok(()));
        }
        assert_eq!(can_grant_role(Some(&admin), Owner), Err(Denied::OwnerOnly));
        assert_eq!(can_grant_role(Some(&admin), Admin), Ok(()));
        assert_eq!(can_grant_role(Some(&supervisor), Owner), Err(Denied::OwnerOnly));
        assert_eq!(can_grant_role(Some(&supervisor), Admin), Err(Denied::RoleAboveYours { role: Admin }));
        // Only roles whose permissions are all the granter's own: a Supervisor (team only)
        // cannot hand out Inbox, content or channel rights.
        for role in [Editor, Agent, Analyst, Viewer, AppManager] {
            assert_eq!(can_grant_role(Some(&supervisor), role), Err(Denied::RoleAboveYours { role }), "{role:?}");
        }
        assert_eq!(can_grant_role(Some(&supervisor), Supervisor), Ok(()));
        assert_eq!(
            can_grant_role(Some(&supervisor), Editor).unwrap_err().to_string(),
            "You cannot grant the Editor role: it allows things your own role does not."
        );
        for role in [Admin, Editor, Agent, Analyst, Viewer, Supervisor, AppManager] {
            assert_eq!(can_grant_role(Some(&admin), role), Ok(()), "{role:?}");
        }
        assert_eq!(
            can_set_seat(Some(&supervisor), Owner, false, &SeatUsage { used: 1, included: 1, paid: 0, next: None }),
            Err(Denied::OutranksYou)
        );
        assert_eq!(can_change_role(Some(&supervisor), Admin, Supervisor), Err(Denied::OutranksYou));
        assert_eq!(can_change_role(Some(&admin), Owner, Admin), Err(Denied::OutranksYou));
        assert_eq!(can_change_role(Some(&owner), Owner, Admin), Ok(()));
        assert_eq!(can_remove_member(Some(&admin), Owner), Err(Denied::OutranksYou));
        assert_eq!(can_remove_member(Some(&admin), Agent), Ok(()));
        let agent = actor(Agent, true);
        assert_eq!(
            can_grant_role(Some(&agent), Agent),
            Err(Denied::RoleLacks { role: Agent, permission: Permission::ManageTeam })
        );
    }

    #[test]
    fn the_last_owner_stays() {
        assert_eq!(keeps_an_owner(1, Owner, Some(Admin)), Err(Denied::LastOwner));
        assert_eq!(keeps_an_owner(1, Owner, None), Err(Denied::LastOwner));
        assert_eq!(keeps_an_owner(1, Owner, Some(Owner)), Ok(()));
        assert_eq!(keeps_an_owner(2, Owner, None), Ok(()));
        assert_eq!(keeps_an_owner(1, Agent, None), Ok(()));
    }

    #[test]
    fn no_free_seat_is_explained_with_the_way_out() {
        let owner = actor(Owner, true);
        let full = SeatUsage { used: 1, included: 1, paid: 0, next: None };
        let denied = can_set_seat(Some(&owner), Agent, true, &full).unwrap_err();
        assert_eq!(denied, Denied::NoFreeSeats);
        assert_eq!(denied.to_string(), "No free seats — buy more in Add-ons.");
        assert_eq!(can_set_seat(Some(&owner), Agent, false, &full), Ok(()));
    }

    #[test]
    fn reasons_read_as_the_product_says_them() {
        let analyst = actor(Analyst, false);
        assert_eq!(
            can_manage_billing(Some(&analyst)).unwrap_err().to_string(),
            "Only Owners and Admins can buy seats and change the plan."
        );
        assert_eq!(
            can_set_seat(
                Some(&actor(Owner, true)),
                Analyst,
                true,
                &SeatUsage { used: 0, included: 5, paid: 0, next: None }
            )
            .unwrap_err()
            .to_string(),
            "Analysts cannot hold an Inbox seat."
        );
        assert_eq!(
            can_act(Some(&actor(Agent, false)), InboxAction::Reply).unwrap_err().to_string(),
            "You need an Inbox seat to reply — ask an admin."
        );
    }

    #[test]
    fn only_seat_holders_assign_and_only_seat_holders_are_assigned() {
        let holder = actor(Agent, true);
        for role in Role::ALL {
            for has_seat in [false, true] {
                let assignee = actor(role, has_seat);
                let expected = if SEATED_ROLES.contains(&role) && has_seat {
                    Ok(())
                } else if SEATED_ROLES.contains(&role) {
                    Err(Denied::CannotBeAssigned { name: "Mona".into(), role: None })
                } else {
                    Err(Denied::CannotBeAssigned { name: "Mona".into(), role: Some(role) })
                };
                assert_eq!(can_assign_to(Some(&holder), &assignee, "Mona"), expected, "{role:?} seat={has_seat}");
            }
        }
        assert_eq!(
            can_assign_to(Some(&actor(Agent, false)), &holder, "Mona"),
            Err(Denied::SeatRequired { action: InboxAction::Assign })
        );
        assert_eq!(
            can_assign_to(Some(&holder), &actor(Agent, false), "Mona").unwrap_err().to_string(),
            "Mona cannot be assigned conversations: they have no Inbox seat."
        );
        assert_eq!(
            can_assign_to(Some(&holder), &actor(Viewer, false), "Vic").unwrap_err().to_string(),
            "Vic cannot be assigned conversations: Viewers cannot hold an Inbox seat."
        );
    }

    #[test]
    fn nobody_loses_a_seat_while_holding_conversations() {
        let held =
            |count: i64, names: &[&str]| Held { count, first_contacts: names.iter().map(|n| n.to_string()).collect() };
        assert_eq!(holds_nothing("Mona", held(0, &[])), Ok(()));
        assert_eq!(
            holds_nothing("Mona", held(1, &["Ada"])).unwrap_err().to_string(),
            "Mona holds 1 open conversation (with Ada) — reassign it first."
        );
        assert_eq!(
            holds_nothing("Mona", held(3, &["Ada", "Bo", "Cy"])).unwrap_err().to_string(),
            "Mona holds 3 open conversations (with Ada, Bo and Cy) — reassign them first."
        );
        assert_eq!(
            holds_nothing("Mona", held(40, &["Ada", "Bo", "Cy"])).unwrap_err().to_string(),
            "Mona holds 40 open conversations (with Ada, Bo, Cy and 37 more) — reassign them first."
        );
    }

    #[test]
    fn viewing_the_inbox_needs_only_the_role() {
        for role in Role::ALL {
            let expected = if [Owner, Admin, Editor, Agent, Viewer].contains(&role) {
                Ok(())
            } else {
                Err(Denied::RoleLacks { role, permission: Permission::ViewInbox })
            };
            assert_eq!(can_view_inbox(Some(&actor(role, false))), expected, "{role:?}");
        }
        assert_eq!(can_view_inbox(None), Err(Denied::NotMember));
    }

    #[test]
    fn a_way_out_is_offered_only_to_those_who_can_take_it() {
        assert_eq!(Denied::NoFreeSeats.explain_to(&actor(Owner, true)), "No free seats — buy more in Add-ons.");
        assert_eq!(
            Denied::NoFreeSeats.explain_to(&actor(Supervisor, false)),
            "No free seats — Owners and Admins can buy more in Add-ons."
        );
        assert_eq!(Denied::OutranksYou.explain_to(&actor(Supervisor, false)), Denied::OutranksYou.to_string());
    }

    #[test]
    fn non_members_are_denied_everything() {
        for tab in Tab::ALL {
            assert_eq!(can_open_tab(None, tab), Err(Denied::NotMember));
        }
        assert_eq!(can_act(None, InboxAction::Reply), Err(Denied::NotMember));
        assert_eq!(can_manage_team(None), Err(Denied::NotMember));
        assert_eq!(can_manage_billing(None), Err(Denied::NotMember));
    }
}
