//! The handoff step on a real database: removing a seat, a member or moving them to a role
//! without seats hands their open conversations off in the same transaction, or nothing
//! happens at all.
use crate::inbox::Inbox;
use crate::support::*;
use app::domain::handoff::{Handoff, HandoffItem, HandoffTarget};
use app::domain::ids::ConversationId;
use app::domain::inbox::MessageKind;
use app::domain::{MemberId, Role, UserId};
use app::server::services::{handoff, inbox, team, teams};

struct Held {
    i: Inbox,
    ada: (UserId, MemberId),
    bob: (UserId, MemberId),
    conversations: Vec<ConversationId>,
}

/// Ada (seated agent) holds three open conversations; Bob is another seat holder.
async fn ada_holds_three() -> Held {
    let i = Inbox::new().await;
    add_paid_seats(i.db(), i.bot, 2).await;
    let ada = member(i.db(), i.bot, "Ada Agent", Role::Agent).await;
    let bob = member(i.db(), i.bot, "Bob Agent", Role::Agent).await;
    for m in [ada.1, bob.1] {
        team::set_seat(i.db(), i.owner, i.bot, m, true).await.unwrap();
    }
    let mut conversations = Vec::new();
    for n in 0..3 {
        let c = i.customer_says(&format!("h{n}"), &format!("h{n}"), "Help", true).await;
        inbox::assign_member(i.db(), &i.hub, i.owner, i.bot, c, Some(ada.1)).await.unwrap();
        conversations.push(c);
    }
    Held { i, ada, bob, conversations }
}

async fn holder(i: &Inbox, c: ConversationId) -> (Option<i64>, Option<i64>) {
    sqlx::query_as("SELECT assignee_id, team_id FROM conversations WHERE id = $1")
        .bind(c.0)
        .fetch_one(i.db().pool())
        .await
        .unwrap()
}

async fn has_seat(i: &Inbox, m: MemberId) -> bool {
    let seat: i64 = sqlx::query_scalar("SELECT has_seat FROM members WHERE id = $1")
        .bind(m.0)
        .fetch_one(i.db().pool())
        .await
        .unwrap();
    seat == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removing_a_seat_hands_every_open_conversation_off_in_the_same_step() {
    let Held { i, ada, bob, conversations: c } = ada_holds_three().await;
    let billing = teams::create_team(i.db(), i.owner, i.bot, "Billing").await.unwrap();
    // Without a plan the removal is refused and names how many to reassign.
    let err = team::set_seat(i.db(), i.owner, i.bot, ada.1, false).await.unwrap_err();
    assert_eq!(err.status(), 409);
    assert!(err.to_string().contains('3'), "{err}");

    let step = handoff::step(i.db(), i.owner, i.bot, ada.1).await.unwrap();
    assert_eq!(step.conversations.len(), 3);
    let targets: Vec<HandoffTarget> = step.options.iter().map(|o| o.target).collect();
    assert!(targets.contains(&HandoffTarget::Member(bob.1)));
    assert!(targets.contains(&HandoffTarget::Team(billing)));
    assert!(targets.contains(&HandoffTarget::Auto));
    assert!(!targets.contains(&HandoffTarget::Member(ada.1)), "never back to the one leaving");

    let seats_before = assert_seat_count_consistent(i.db(), i.bot).await;
    let told_before: i64 = i.count("SELECT COUNT(*) FROM events WHERE kind = 'assigned'").await;
    let plan = Handoff {
        items: vec![
            HandoffItem { conversation: c[0], target: HandoffTarget::Member(bob.1) },
            HandoffItem { conversation: c[1], target: HandoffTarget::Team(billing) },
            HandoffItem { conversation: c[2], target: HandoffTarget::Auto },
        ],
        note: "Ada is on leave from today".into(),
    };
    team::set_seat_handing_off(i.db(), i.owner, i.bot, ada.1, false, Some(&plan)).await.unwrap();
    assert!(!has_seat(&i, ada.1).await);
    assert_eq!(assert_seat_count_consistent(i.db(), i.bot).await, seats_before - 1, "the seat counter drops");
    assert_eq!(holder(&i, c[0]).await, (Some(bob.1.0), None));
    // Bob's Inbox is told (live) that it is his now, as is whoever automatic assignment chose.
    let told: i64 = i.count("SELECT COUNT(*) FROM events WHERE kind = 'assigned'").await;
    assert_eq!(told - told_before, 2);
    assert_eq!(holder(&i, c[1]).await, (None, Some(billing.0)), "in the Billing team's queue");
    let (auto, _) = holder(&i, c[2]).await;
    assert!(auto.is_some() && auto != Some(ada.1.0), "automatic assignment gave it to a seat holder");
    for conversation in &c {
        let thread = inbox::thread(i.db(), i.owner, i.bot, *conversation, None).await.unwrap();
        assert!(thread.messages.iter().any(|m| m.kind == MessageKind::Note && m.body == "Ada is on leave from today"));
        assert!(thread.messages.iter().any(|m| m.kind == MessageKind::System && m.body.starts_with("Handed off to")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_plan_that_misses_a_conversation_or_names_a_seatless_target_changes_nothing() {
    let Held { i, ada, bob, conversations: c } = ada_holds_three().await;
    let (_, sam) = member(i.db(), i.bot, "Sam Seatless", Role::Agent).await;
    let partial = Handoff {
        items: c[..2]
            .iter()
            .map(|id| HandoffItem { conversation: *id, target: HandoffTarget::Member(bob.1) })
            .collect(),
        note: String::new(),
    };
    let err = team::set_seat_handing_off(i.db(), i.owner, i.bot, ada.1, false, Some(&partial)).await.unwrap_err();
    assert_eq!(err.status(), 409);
    let to_seatless = Handoff {
        items: c.iter().map(|id| HandoffItem { conversation: *id, target: HandoffTarget::Member(sam) }).collect(),
        note: String::new(),
    };
    let err = team::remove_member_handing_off(i.db(), i.owner, i.bot, ada.1, Some(&to_seatless)).await.unwrap_err();
    assert_eq!(err.status(), 409, "{err}");
    assert!(err.to_string().contains("no Inbox seat"), "{err}");
    let to_herself = Handoff {
        items: c.iter().map(|id| HandoffItem { conversation: *id, target: HandoffTarget::Member(ada.1) }).collect(),
        note: String::new(),
    };
    let err = team::set_seat_handing_off(i.db(), i.owner, i.bot, ada.1, false, Some(&to_herself)).await.unwrap_err();
    assert_eq!(err.status(), 422);
    // Nothing moved, the seat stayed, no note was written.
    assert!(has_seat(&i, ada.1).await);
    for conversation in &c {
        assert_eq!(holder(&i, *conversation).await, (Some(ada.1.0), None));
    }
    assert_eq!(i.count("SELECT COUNT(*) FROM messages WHERE kind = 'note'").await, 0);
    // A seatless member cannot run the step.
    let (sam_user, _) = member(i.db(), i.bot, "Sam Too", Role::Agent).await;
    assert_eq!(handoff::step(i.db(), sam_user, i.bot, ada.1).await.unwrap_err().status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removing_the_member_or_moving_them_to_a_seatless_role_hands_off_too() {
    let Held { i, ada, bob, conversations: c } = ada_holds_three().await;
    let all_to_bob = |c: &[ConversationId]| Handoff {
        items: c.iter().map(|id| HandoffItem { conversation: *id, target: HandoffTarget::Member(bob.1) }).collect(),
        note: String::new(),
    };
    team::change_role_handing_off(i.db(), i.owner, i.bot, ada.1, Role::Viewer, Some(&all_to_bob(&c))).await.unwrap();
    assert!(!has_seat(&i, ada.1).await);
    for conversation in &c {
        assert_eq!(holder(&i, *conversation).await.0, Some(bob.1.0));
    }
    // Bob leaves the team; his conversations go back to the queue for automatic assignment.
    let back = Handoff {
        items: c.iter().map(|id| HandoffItem { conversation: *id, target: HandoffTarget::Auto }).collect(),
        note: String::new(),
    };
    team::remove_member_handing_off(i.db(), i.owner, i.bot, bob.1, Some(&back)).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE id = $1")
        .bind(bob.1.0)
        .fetch_one(i.db().pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
    // The owner is the only seat holder left: automatic assignment gave everything to them.
    let owner_member =
        app::server::repo::team::member_of_user(i.db().pool(), i.bot, i.owner).await.unwrap().unwrap().id;
    for conversation in &c {
        assert_eq!(holder(&i, *conversation).await.0, Some(owner_member.0));
    }
}
