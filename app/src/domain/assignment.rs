//! Automatic assignment, as pure functions: who may take a conversation now, and which of them
//! gets it (round-robin or balanced). The server loads the facts inside the bot-locked
//! transaction and asks these; tests ask them without a database.
use super::error::AppError;
use super::ids::{MemberId, TeamId};
use super::policy::{self, Actor, InboxAction};
use super::role::Role;
use serde::{Deserialize, Serialize};

super::inbox::coded_enum!(
    /// How automatic assignment picks among the agents who can take a conversation.
    AssignMode {
        /// In turn, by member, starting after the one assigned last.
        RoundRobin => "round_robin",
        /// Fewest open conversations first, then the one who waited longest since their last.
        Balanced => "balanced",
    }
);

super::inbox::coded_enum!(
    /// A seat holder's status, set from the top bar: automatic assignment picks only online
    /// members (offline members keep, see and may be given conversations by hand).
    Availability {
        Online => "online",
        Offline => "offline",
    }
);

pub const CAPACITY_MAX: i64 = 1000;

/// A workload capacity as typed: a whole number of open conversations, 1–1000.
pub fn parse_capacity(raw: &str) -> Result<i64, AppError> {
    raw.trim().parse::<i64>().ok().filter(|n| (1..=CAPACITY_MAX).contains(n)).ok_or_else(|| {
        AppError::invalid("capacity", format!("Capacity is a number of conversations from 1 to {CAPACITY_MAX}."))
    })
}

/// A bot's automatic assignment settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentSettings {
    pub auto_assign: bool,
    pub mode: AssignMode,
    /// Open conversations per agent at most, unless the member has their own.
    pub default_capacity: i64,
    /// "Assign all conversations to one team": new conversations join this team's queue.
    pub route_team: Option<TeamId>,
    /// Members whose last Inbox tab closed this many minutes ago go offline (0: never).
    pub auto_offline_minutes: i64,
    /// The unanswered rule: minutes an assignee may leave a customer's message unanswered
    /// before the conversation goes to someone else (0: off).
    #[serde(default)]
    pub unanswered_minutes: i64,
    /// …or to this team's queue instead.
    #[serde(default)]
    pub unanswered_team: Option<TeamId>,
}

impl Default for AssignmentSettings {
    fn default() -> Self {
        AssignmentSettings {
            auto_assign: false,
            mode: AssignMode::Balanced,
            default_capacity: 10,
            route_team: None,
            auto_offline_minutes: 0,
            unanswered_minutes: 0,
            unanswered_team: None,
        }
    }
}

/// One team on the Assignment page: whether its queue is assigned automatically, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamAssignment {
    pub team: TeamId,
    pub name: String,
    pub auto_assign: bool,
    /// Its own mode; `None`: the bot's.
    #[serde(default)]
    pub mode: Option<AssignMode>,
    pub waiting: i64,
}

/// One seat holder on the Assignment page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLoad {
    pub member: MemberId,
    pub name: String,
    pub availability: Availability,
    pub open: i64,
    /// Their own capacity, if set.
    pub own_capacity: Option<i64>,
    pub capacity: i64,
}

/// Team Manager › Assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentView {
    pub settings: AssignmentSettings,
    pub teams: Vec<TeamAssignment>,
    pub members: Vec<MemberLoad>,
    /// Conversations waiting for a person (the whole queue).
    pub waiting: i64,
    /// Why this member may not change the settings, if so.
    pub cannot_edit: Option<String>,
}

/// What assignment knows about one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub member: MemberId,
    pub role: Role,
    pub has_seat: bool,
    pub online: bool,
    /// Open conversations they hold now.
    pub open: i64,
    /// Their workload capacity (their own, else the bot's default).
    pub capacity: i64,
    pub last_assigned_ms: Option<i64>,
    /// In the team the conversation is for (always true when it is for no team).
    pub in_team: bool,
}

/// Why a member cannot take a conversation now (the first reason that applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotCandidate {
    /// No seat, or a role that cannot hold one.
    CannotBeAssigned,
    Offline,
    AtCapacity,
    NotInTeam,
}

pub fn why_not(c: &Candidate) -> Option<NotCandidate> {
    let actor = Actor { role: c.role, has_seat: c.has_seat };
    if policy::can_act(Some(&actor), InboxAction::BeAssigned).is_err() {
        Some(NotCandidate::CannotBeAssigned)
    } else if !c.in_team {
        Some(NotCandidate::NotInTeam)
    } else if !c.online {
        Some(NotCandidate::Offline)
    } else if c.open >= c.capacity {
        Some(NotCandidate::AtCapacity)
    } else {
        None
    }
}

/// The member who gets the next conversation, or `None` (it waits in the queue).
/// `last_round_robin`: the member the previous round-robin pick went to.
pub fn choose(mode: AssignMode, candidates: &[Candidate], last_round_robin: Option<MemberId>) -> Option<MemberId> {
    let mut able: Vec<&Candidate> = candidates.iter().filter(|c| why_not(c).is_none()).collect();
    match mode {
        AssignMode::RoundRobin => {
            able.sort_by_key(|c| c.member);
            let after = last_round_robin.unwrap_or(MemberId(i64::MIN));
            able.iter().find(|c| c.member > after).or(able.first()).map(|c| c.member)
        }
        AssignMode::Balanced => able
            .into_iter()
            .min_by_key(|c| (c.open, c.last_assigned_ms.unwrap_or(i64::MIN), c.member))
            .map(|c| c.member),
    }
}

/// Assigns `queue_len` waiting conversations (oldest first) one by one, as `choose` would with
/// each pick counted; returns who gets each, in queue order (`None` from the first that waits).
/// Used to drain the queue when capacity frees.
pub fn plan_drain(
    mode: AssignMode,
    mut candidates: Vec<Candidate>,
    mut last_round_robin: Option<MemberId>,
    queue_len: usize,
    now_ms: i64,
) -> Vec<MemberId> {
    let mut picks = Vec::new();
    for n in 0..queue_len {
        let Some(member) = choose(mode, &candidates, last_round_robin) else { break };
        let c = candidates.iter_mut().find(|c| c.member == member).expect("chosen from the list");
        c.open += 1;
        // Later picks in one drain count as later, so balanced ties keep rotating.
        c.last_assigned_ms = Some(now_ms + n as i64);
        last_round_robin = Some(member);
        picks.push(member);
    }
    picks
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn agent(id: i64, open: i64) -> Candidate {
        Candidate {
            member: MemberId(id),
            role: Role::Agent,
            has_seat: true,
            online: true,
            open,
            capacity: 10,
            last_assigned_ms: None,
            in_team: true,
        }
    }

    #[test]
    fn round_robin_goes_in_turn_and_wraps() {
        let all = [agent(3, 0), agent(1, 5), agent(2, 9)];
        assert_eq!(choose(AssignMode::RoundRobin, &all, None), Some(MemberId(1)));
        assert_eq!(choose(AssignMode::RoundRobin, &all, Some(MemberId(1))), Some(MemberId(2)));
        assert_eq!(choose(AssignMode::RoundRobin, &all, Some(MemberId(3))), Some(MemberId(1)), "wraps");
        // The one after the last pick left: the next in turn.
        assert_eq!(choose(AssignMode::RoundRobin, &[agent(1, 0), agent(3, 0)], Some(MemberId(2))), Some(MemberId(3)));
    }

    #[test]
    fn balanced_prefers_the_least_loaded_then_the_longest_waiting() {
        let mut a = agent(1, 2);
        let mut b = agent(2, 2);
        let c = agent(3, 4);
        a.last_assigned_ms = Some(500);
        b.last_assigned_ms = Some(100);
        assert_eq!(choose(AssignMode::Balanced, &[a.clone(), b.clone(), c.clone()], None), Some(MemberId(2)));
        b.open = 3;
        assert_eq!(choose(AssignMode::Balanced, &[a.clone(), b.clone(), c], None), Some(MemberId(1)));
        // Never assigned beats any time; then the lower id.
        let fresh = agent(9, 2);
        assert_eq!(choose(AssignMode::Balanced, &[a, fresh], None), Some(MemberId(9)));
        assert_eq!(choose(AssignMode::Balanced, &[agent(5, 0), agent(4, 0)], None), Some(MemberId(4)));
    }

    #[test]
    fn never_seatless_offline_at_capacity_or_outside_the_team() {
        let mut seatless = agent(1, 0);
        seatless.has_seat = false;
        let mut viewer = agent(2, 0);
        viewer.role = Role::Viewer;
        let mut offline = agent(3, 0);
        offline.online = false;
        let full = agent(4, 10);
        let mut elsewhere = agent(5, 0);
        elsewhere.in_team = false;
        let all = [seatless, viewer, offline, full, elsewhere];
        assert_eq!(why_not(&all[0]), Some(NotCandidate::CannotBeAssigned));
        assert_eq!(why_not(&all[1]), Some(NotCandidate::CannotBeAssigned));
        assert_eq!(why_not(&all[2]), Some(NotCandidate::Offline));
        assert_eq!(why_not(&all[3]), Some(NotCandidate::AtCapacity));
        assert_eq!(why_not(&all[4]), Some(NotCandidate::NotInTeam));
        for mode in AssignMode::ALL {
            assert_eq!(choose(*mode, &all, None), None, "{mode:?}: nobody can take it, it waits");
        }
        let mut with_one = all.to_vec();
        with_one.push(agent(6, 9));
        assert_eq!(choose(AssignMode::Balanced, &with_one, None), Some(MemberId(6)));
    }

    #[test]
    fn capacities_are_whole_numbers_in_range() {
        assert_eq!(parse_capacity(" 12 ").unwrap(), 12);
        for bad in ["0", "-3", "1001", "ten", ""] {
            assert_eq!(parse_capacity(bad).unwrap_err().status(), 422, "{bad}");
        }
    }

    #[test]
    fn a_drain_fills_capacity_in_order_and_stops_when_everyone_is_full() {
        let mut a = agent(1, 8);
        a.capacity = 10;
        let mut b = agent(2, 0);
        b.capacity = 3;
        let picks = plan_drain(AssignMode::Balanced, vec![a, b], None, 10, 1000);
        assert_eq!(picks.len(), 5, "2 free for one, 3 for the other, the rest wait");
        assert_eq!(picks.iter().filter(|m| **m == MemberId(1)).count(), 2);
        assert_eq!(picks.iter().filter(|m| **m == MemberId(2)).count(), 3);
        let rr =
            plan_drain(AssignMode::RoundRobin, vec![agent(1, 0), agent(2, 0), agent(3, 0)], Some(MemberId(2)), 4, 0);
        assert_eq!(rr, vec![MemberId(3), MemberId(1), MemberId(2), MemberId(3)]);
    }
}
