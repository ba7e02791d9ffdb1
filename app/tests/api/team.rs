//! Team Manager services on a real database (SQLite file, or Postgres with SWITCHBOARD_TEST_POSTGRES).

use crate::support::*;
use app::domain::audit::AuditAction;
use app::domain::views::InvitationStatus;
use app::domain::{AppError, BotId, Role};
use app::server::services::{accounts, team};
use testkit::TestDb;

const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seat_toggle_respects_the_pool_and_eligibility() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let (_, agent) = member(&t.db, bot, "Agent Smith", Role::Agent).await;
    let (_, analyst) = member(&t.db, bot, "Ana Lyst", Role::Analyst).await;

    // Free plan: one seat, held by the owner.
    let err = team::set_seat(&t.db, owner, bot, agent, true).await.unwrap_err();
    assert_eq!(err, AppError::PaymentRequired("No free seats — buy more in Add-ons.".into()));
    add_paid_seats(&t.db, bot, 1).await;
    let seats = team::set_seat(&t.db, owner, bot, agent, true).await.unwrap();
    assert_eq!(seats.summary(), "Inbox seats: 2 of 2 used");

    add_paid_seats(&t.db, bot, 1).await;
    let err = team::set_seat(&t.db, owner, bot, analyst, true).await.unwrap_err();
    assert_eq!(err, AppError::Forbidden("Analysts cannot hold an Inbox seat.".into()));

    let seats = team::set_seat(&t.db, owner, bot, agent, false).await.unwrap();
    assert_eq!(seats.used, 1);
    assert_eq!(assert_seat_count_consistent(&t.db, bot).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_without_team_rights_change_nothing() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    add_paid_seats(&t.db, bot, 3).await;
    let (agent_user, agent) = member(&t.db, bot, "Agent", Role::Agent).await;
    let (_, other) = member(&t.db, bot, "Other", Role::Agent).await;
    let owner_member = team::team_view(&t.db, owner, bot, None, None).await.unwrap().viewer_member_id;

    assert_eq!(team::set_seat(&t.db, agent_user, bot, other, true).await.unwrap_err().status(), 403);
    assert_eq!(team::change_role(&t.db, agent_user, bot, other, Role::Admin).await.unwrap_err().status(), 403);
    assert_eq!(team::remove_member(&t.db, agent_user, bot, owner_member).await.unwrap_err().status(), 403);
    assert_eq!(
        team::invite(
            &t.db,
            agent_user,
            bot,
            team::InviteRequest { email: "x@example.com", role: Role::Agent, with_seat: false },
            DAY
        )
        .await
        .unwrap_err()
        .status(),
        403
    );
    // Agents cannot open Team Manager at all.
    assert_eq!(team::team_view(&t.db, agent_user, bot, None, None).await.unwrap_err().status(), 403);
    let view = team::team_view(&t.db, owner, bot, None, None).await.unwrap();
    assert!(view.members.iter().all(|m| m.role != Role::Admin));
    assert_eq!(view.seats.used, 1);
    assert!(view.invitations.is_empty());
    let _ = agent;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn role_rules_and_the_last_owner() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let (admin_user, admin) = member(&t.db, bot, "Admin", Role::Admin).await;
    let (supervisor_user, _) = member(&t.db, bot, "Sup", Role::Supervisor).await;
    let (_, agent) = member(&t.db, bot, "Agent", Role::Agent).await;
    let owner_member = team::team_view(&t.db, owner, bot, None, None).await.unwrap().viewer_member_id;

    // Only owners make owners; nobody grants above their own role.
    assert_eq!(
        team::change_role(&t.db, admin_user, bot, agent, Role::Owner).await.unwrap_err(),
        AppError::Forbidden("Only Owners can make another Owner.".into())
    );
    assert_eq!(team::change_role(&t.db, supervisor_user, bot, agent, Role::Admin).await.unwrap_err().status(), 403);
    assert_eq!(team::change_role(&t.db, supervisor_user, bot, admin, Role::Agent).await.unwrap_err().status(), 403);
    // A Supervisor holds only team rights, so grants only the Supervisor role; an Admin grants Viewer.
    assert_eq!(team::change_role(&t.db, supervisor_user, bot, agent, Role::Viewer).await.unwrap_err().status(), 403);
    team::change_role(&t.db, supervisor_user, bot, agent, Role::Supervisor).await.unwrap();
    team::change_role(&t.db, admin_user, bot, agent, Role::Viewer).await.unwrap();

    // The last owner can neither be demoted nor removed.
    assert_eq!(team::change_role(&t.db, owner, bot, owner_member, Role::Admin).await.unwrap_err().status(), 409);
    assert_eq!(team::remove_member(&t.db, owner, bot, owner_member).await.unwrap_err().status(), 409);
    // With a second owner, the first may step down.
    team::change_role(&t.db, owner, bot, admin, Role::Owner).await.unwrap();
    team::change_role(&t.db, owner, bot, owner_member, Role::Admin).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn demoting_a_seat_holder_to_an_ineligible_role_frees_the_seat_in_the_same_step() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    add_paid_seats(&t.db, bot, 1).await;
    let (_, agent) = member(&t.db, bot, "Agent", Role::Agent).await;
    team::set_seat(&t.db, owner, bot, agent, true).await.unwrap();
    team::change_role(&t.db, owner, bot, agent, Role::Analyst).await.unwrap();
    let view = team::team_view(&t.db, owner, bot, None, None).await.unwrap();
    let row = view.members.iter().find(|m| m.member_id == agent).unwrap();
    assert_eq!((row.role, row.has_seat), (Role::Analyst, false));
    assert_eq!(view.seats.used, 1);
    assert_seat_count_consistent(&t.db, bot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removing_a_seated_member_returns_the_seat_to_the_pool() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    add_paid_seats(&t.db, bot, 1).await;
    let (_, agent) = member(&t.db, bot, "Agent", Role::Agent).await;
    team::set_seat(&t.db, owner, bot, agent, true).await.unwrap();
    team::remove_member(&t.db, owner, bot, agent).await.unwrap();
    assert_eq!(assert_seat_count_consistent(&t.db, bot).await, 1);
    assert_eq!(team::team_view(&t.db, owner, bot, None, None).await.unwrap().members.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn fifty_concurrent_seat_grants_against_n_free_seats_yield_exactly_n() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    const FREE: i64 = 7;
    add_paid_seats(&t.db, bot, FREE).await;
    let mut agents = Vec::new();
    for i in 0..50 {
        agents.push(member(&t.db, bot, &format!("Agent {i:02}"), Role::Agent).await.1);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(agents.len()));
    let tasks: Vec<_> = agents
        .into_iter()
        .map(|agent| {
            let (db, barrier) = (t.db.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                team::set_seat(&db, owner, bot, agent, true).await
            })
        })
        .collect();
    let mut granted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => granted += 1,
            Err(AppError::PaymentRequired(_)) => {}
            Err(other) => panic!("unexpected error under contention: {other:?}"),
        }
    }
    assert_eq!(granted, FREE, "exactly the free seats are granted");
    assert_eq!(assert_seat_count_consistent(&t.db, bot).await, FREE + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_demotions_never_leave_a_bot_without_an_owner() {
    let t = TestDb::new().await;
    let (bot, first) = bot_with_owner(&t).await;
    let first_member = team::team_view(&t.db, first, bot, None, None).await.unwrap().viewer_member_id;
    let (second, second_member) = member(&t.db, bot, "Second Owner", Role::Owner).await;
    for _ in 0..5 {
        // Each owner demotes the other at the same moment; at most one can succeed.
        let (db1, db2) = (t.db.clone(), t.db.clone());
        let a = tokio::spawn(async move { team::change_role(&db1, first, bot, second_member, Role::Admin).await });
        let b = tokio::spawn(async move { team::change_role(&db2, second, bot, first_member, Role::Admin).await });
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let owners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE bot_id = $1 AND role = 'owner'")
            .bind(bot.0)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert!(owners >= 1, "a bot lost its last owner: {a:?} {b:?}");
        assert!(a.is_err() || b.is_err(), "both demotions succeeded");
        // Restore two owners for the next round (whoever is still owner promotes the other).
        let _ = team::change_role(&t.db, first, bot, second_member, Role::Owner).await;
        let _ = team::change_role(&t.db, second, bot, first_member, Role::Owner).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invitations_are_single_use_personal_and_expire() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let created = team::invite(
        &t.db,
        owner,
        bot,
        team::InviteRequest { email: "New.Agent@Example.com", role: Role::Agent, with_seat: true },
        DAY,
    )
    .await
    .unwrap();
    assert_eq!(created.email, "new.agent@example.com");
    let token = created.path.trim_start_matches("/invite/").to_string();
    let preview = team::preview_invitation(&t.db, &token).await.unwrap();
    assert_eq!(
        (preview.status, preview.role, preview.bot_name.as_str()),
        (InvitationStatus::Valid, Role::Agent, "Acme")
    );

    // Someone else cannot use it.
    let eve = accounts::sign_up(&t.db, "Eve", "eve@example.com", PASSWORD).await.unwrap();
    assert_eq!(team::accept_invitation(&t.db, eve, &token).await.unwrap_err().status(), 403);

    let agent = accounts::sign_up(&t.db, "New Agent", "new.agent@example.com", PASSWORD).await.unwrap();
    let joined: (BotId, Role) = team::accept_invitation(&t.db, agent, &token).await.unwrap();
    assert_eq!(joined, (bot, Role::Agent));
    assert_eq!(team::preview_invitation(&t.db, &token).await.unwrap().status, InvitationStatus::Used);
    assert_eq!(team::accept_invitation(&t.db, agent, &token).await.unwrap_err().status(), 409);

    // Offered a seat, but the Free plan's only seat is taken: joins without one, and it shows.
    let view = team::team_view(&t.db, owner, bot, None, None).await.unwrap();
    let row = view.members.iter().find(|m| m.user_id == agent).unwrap();
    assert_eq!((row.role, row.has_seat, row.seat_wanted), (Role::Agent, false, true));
    assert!(view.invitations.is_empty());

    // Expired links say so.
    let expired = team::invite(
        &t.db,
        owner,
        bot,
        team::InviteRequest { email: "late@example.com", role: Role::Viewer, with_seat: false },
        DAY,
    )
    .await
    .unwrap();
    sqlx::query("UPDATE invitations SET expires_at = 1 WHERE email = 'late@example.com'")
        .execute(t.db.pool())
        .await
        .unwrap();
    let token = expired.path.trim_start_matches("/invite/");
    assert_eq!(team::preview_invitation(&t.db, token).await.unwrap().status, InvitationStatus::Expired);
    let late = accounts::sign_up(&t.db, "Late", "late@example.com", PASSWORD).await.unwrap();
    assert_eq!(team::accept_invitation(&t.db, late, token).await.unwrap_err().status(), 409);
    assert_eq!(team::preview_invitation(&t.db, "no-such-token").await.unwrap_err(), AppError::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revoking_and_reinviting() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let first = team::invite(
        &t.db,
        owner,
        bot,
        team::InviteRequest { email: "a@example.com", role: Role::Agent, with_seat: false },
        DAY,
    )
    .await
    .unwrap();
    let second = team::invite(
        &t.db,
        owner,
        bot,
        team::InviteRequest { email: "a@example.com", role: Role::Viewer, with_seat: false },
        DAY,
    )
    .await
    .unwrap();
    let first_token = first.path.trim_start_matches("/invite/");
    assert_eq!(team::preview_invitation(&t.db, first_token).await.unwrap().status, InvitationStatus::Revoked);
    let view = team::team_view(&t.db, owner, bot, None, None).await.unwrap();
    assert_eq!(view.invitations.len(), 1);
    assert_eq!(view.invitations[0].role, Role::Viewer);
    team::revoke_invitation(&t.db, owner, bot, view.invitations[0].id).await.unwrap();
    let second_token = second.path.trim_start_matches("/invite/");
    assert_eq!(team::preview_invitation(&t.db, second_token).await.unwrap().status, InvitationStatus::Revoked);
    // Members cannot be invited again.
    let err = team::invite(
        &t.db,
        owner,
        bot,
        team::InviteRequest { email: "owner@example.com", role: Role::Agent, with_seat: false },
        DAY,
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_audit_log_records_every_change_and_pages() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    add_paid_seats(&t.db, bot, 1).await;
    let (_, agent) = member(&t.db, bot, "Agent", Role::Agent).await;
    team::set_seat(&t.db, owner, bot, agent, true).await.unwrap();
    team::change_role(&t.db, owner, bot, agent, Role::Viewer).await.unwrap();
    team::invite(
        &t.db,
        owner,
        bot,
        team::InviteRequest { email: "x@example.com", role: Role::Agent, with_seat: false },
        DAY,
    )
    .await
    .unwrap();
    let page = team::audit_log(&t.db, owner, bot, None).await.unwrap();
    let actions: Vec<AuditAction> = page.events.iter().map(|e| e.action.parse().unwrap()).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::InvitationCreated,
            AuditAction::RoleChanged,
            AuditAction::SeatGranted,
            AuditAction::BotCreated
        ]
    );
    assert!(page.events[1].summary.contains("removed their Inbox seat"), "{}", page.events[1].summary);
    assert_eq!(page.events[0].actor, "Owner");
    assert_eq!(page.next_before, None);

    for i in 0..60 {
        team::invite(
            &t.db,
            owner,
            bot,
            team::InviteRequest { email: &format!("p{i}@example.com"), role: Role::Viewer, with_seat: false },
            DAY,
        )
        .await
        .unwrap();
    }
    let first = team::audit_log(&t.db, owner, bot, None).await.unwrap();
    assert_eq!(first.events.len(), 50);
    let second = team::audit_log(&t.db, owner, bot, first.next_before).await.unwrap();
    assert_eq!(second.events.len(), 14);
    assert!(second.events.iter().all(|e| e.id < first.events.last().unwrap().id));

    // Append-only: the database refuses edits.
    let edit = sqlx::query("UPDATE audit_events SET summary = 'x'").execute(t.db.pool()).await;
    assert!(edit.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_team_list_pages_and_searches() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    for i in 0..120 {
        member(&t.db, bot, &format!("Member {i:03}"), Role::Viewer).await;
    }
    let first = team::team_view(&t.db, owner, bot, None, None).await.unwrap();
    assert_eq!((first.page.number, first.page.matching, first.page.pages()), (1, 121, 3));
    assert_eq!(first.members.len(), 50);
    assert_eq!(first.owners, 1);
    let last = team::team_view(&t.db, owner, bot, Some(3), None).await.unwrap();
    assert_eq!(last.members.len(), 21);
    let beyond = team::team_view(&t.db, owner, bot, Some(99), None).await.unwrap();
    assert_eq!(beyond.page.number, 3, "a page past the end shows the last page");
    let found = team::team_view(&t.db, owner, bot, None, Some("MEMBER 11")).await.unwrap();
    let names: Vec<&str> = found.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "Member 110",
            "Member 111",
            "Member 112",
            "Member 113",
            "Member 114",
            "Member 115",
            "Member 116",
            "Member 117",
            "Member 118",
            "Member 119"
        ]
    );
    let by_email = team::team_view(&t.db, owner, bot, None, Some("owner@example")).await.unwrap();
    assert_eq!(by_email.members.len(), 1);
    let none = team::team_view(&t.db, owner, bot, None, Some("%")).await.unwrap();
    assert_eq!(none.page.matching, 121, "a bare wildcard is not a filter");
}

/// Ten admins' clicks inviting one email at once leave exactly one live link (every team write
/// locks the bot's team first, on both databases).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_invitations_for_one_email_leave_one_live_link() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let invites = (0..10).map(|_| {
        let db = t.db.clone();
        tokio::spawn(async move {
            let request = team::InviteRequest { email: "new@example.com", role: Role::Agent, with_seat: false };
            team::invite(&db, owner, bot, request, DAY).await
        })
    });
    for invite in invites.collect::<Vec<_>>() {
        invite.await.unwrap().unwrap();
    }
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM invitations WHERE bot_id = $1 AND email = $2 AND revoked_at IS NULL AND accepted_at IS NULL",
    )
    .bind(bot.0)
    .bind("new@example.com")
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(live, 1);
}

/// A Supervisor manages seats and members below Admin, and grants only roles whose rights
/// they hold themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn supervisors_cannot_touch_seniors_or_hand_out_rights_they_lack() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let (supervisor, _) = member(&t.db, bot, "Sue", Role::Supervisor).await;
    let (_, admin) = member(&t.db, bot, "Adam", Role::Admin).await;
    let owner_member = app::server::repo::member_id_of(t.db.pool(), bot, owner).await.unwrap().unwrap();
    for target in [owner_member, admin] {
        let err = team::set_seat(&t.db, supervisor, bot, target, false).await.unwrap_err();
        assert_eq!(err.status(), 403, "{err}");
    }
    let request = team::InviteRequest { email: "ed@example.com", role: Role::Editor, with_seat: false };
    let err = team::invite(&t.db, supervisor, bot, request, DAY).await.unwrap_err();
    assert_eq!(err.to_string(), "You cannot grant the Editor role: it allows things your own role does not.");
    let owner_seated: i64 = sqlx::query_scalar("SELECT has_seat FROM members WHERE id = $1")
        .bind(owner_member.0)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(owner_seated, 1, "the Owner keeps their seat");
    assert_seat_count_consistent(&t.db, bot).await;
}
