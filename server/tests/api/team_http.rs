//! Team Manager and Add-ons over HTTP: role checks answer 403 and change nothing; ids from
//! another bot answer 404 (IDOR matrix across two tenants).

use crate::common::TestApp;
use axum::http::StatusCode;

struct Tenant {
    owner: String,
    bot: String,
    owner_member: String,
}

async fn tenant(t: &TestApp, name: &str) -> Tenant {
    let owner = t.sign_up(name, &format!("{}@example.com", name.to_lowercase())).await;
    let bot = t.create_bot(&owner, &format!("{name}'s bot")).await.to_string();
    let team: app::domain::views::TeamView = t.call("/api/team/list", &[("bot_id", &bot)], Some(&owner)).await.json();
    Tenant { owner, bot, owner_member: team.viewer_member_id.to_string() }
}

/// Invites `email` as `role` and accepts with a new account; returns (cookie, member id).
async fn join(t: &TestApp, tenant: &Tenant, name: &str, role: &str) -> (String, String) {
    let email = format!("{}@example.com", name.to_lowercase());
    let created: app::domain::views::InvitationCreated = t
        .call("/api/team/invite", &[("bot_id", &tenant.bot), ("email", &email), ("role", role)], Some(&tenant.owner))
        .await
        .json();
    let cookie = t.sign_up(name, &email).await;
    let token = created.path.trim_start_matches("/invite/").to_string();
    let reply = t.call("/api/invitations/accept", &[("token", &token)], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let team: app::domain::views::TeamView =
        t.call("/api/team/list", &[("bot_id", &tenant.bot)], Some(&tenant.owner)).await.json();
    let member = team.members.iter().find(|m| m.email == email).unwrap().member_id.to_string();
    (cookie, member)
}

async fn snapshot(t: &TestApp) -> String {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as("SELECT id, role, has_seat FROM members ORDER BY id")
        .fetch_all(t.state.db.pool())
        .await
        .unwrap();
    let bots: Vec<(i64, i64, i64, String)> =
        sqlx::query_as("SELECT id, paid_seats, seats_used, plan_code FROM bots ORDER BY id")
            .fetch_all(t.state.db.pool())
            .await
            .unwrap();
    let invitations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM invitations").fetch_one(t.state.db.pool()).await.unwrap();
    format!("{rows:?} {bots:?} {invitations}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_calling_admin_functions_gets_403_and_nothing_changes() {
    let t = TestApp::new().await;
    let a = tenant(&t, "Ada").await;
    let (agent, agent_member) = join(&t, &a, "Agent", "agent").await;
    let before = snapshot(&t).await;
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/team/invite", vec![("email", "x@example.com"), ("role", "agent")]),
        ("/api/team/change-role", vec![("member_id", &a.owner_member), ("role", "agent")]),
        ("/api/team/change-role", vec![("member_id", &agent_member), ("role", "admin")]),
        ("/api/team/set-seat", vec![("member_id", &agent_member), ("enable", "true")]),
        ("/api/team/remove", vec![("member_id", &a.owner_member)]),
        ("/api/billing/preview-seats", vec![("quantity", "1")]),
        ("/api/billing/buy-seats", vec![("quantity", "1"), ("expected_amount_minor", "0"), ("request_key", "k")]),
        ("/api/billing/schedule-seats", vec![("paid_seats", "0")]),
        ("/api/billing/preview-plan", vec![("plan", "pro")]),
        ("/api/billing/change-plan", vec![("plan", "pro"), ("expected_amount_minor", "0"), ("request_key", "k")]),
        ("/api/team/list", vec![]),
        ("/api/team/audit", vec![]),
    ];
    for (path, mut form) in calls {
        form.push(("bot_id", &a.bot));
        let reply = t.call(path, &form, Some(&agent)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}: {}", reply.body);
        assert!(matches!(reply.error(), app::domain::AppError::Forbidden(_)), "{path}");
    }
    assert_eq!(snapshot(&t).await, before, "a refused call changed data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_of_another_bot_are_not_found_and_move_nothing() {
    let t = TestApp::new().await;
    let a = tenant(&t, "Ada").await;
    let b = tenant(&t, "Bob").await;
    let (_, a_agent) = join(&t, &a, "Agnes", "agent").await;
    let invited = t
        .call("/api/team/invite", &[("bot_id", &a.bot), ("email", "p@example.com"), ("role", "viewer")], Some(&a.owner))
        .await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    let a_team: app::domain::views::TeamView =
        t.call("/api/team/list", &[("bot_id", &a.bot)], Some(&a.owner)).await.json();
    let a_invitation = a_team.invitations[0].id.to_string();
    let before = snapshot(&t).await;

    // Bob addresses Ada's bot directly: everything is "not found".
    let on_a_bot: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/team/list", vec![]),
        ("/api/team/audit", vec![]),
        ("/api/team/invite", vec![("email", "z@example.com"), ("role", "agent")]),
        ("/api/team/set-seat", vec![("member_id", &a_agent), ("enable", "true")]),
        ("/api/team/change-role", vec![("member_id", &a_agent), ("role", "admin")]),
        ("/api/team/remove", vec![("member_id", &a_agent)]),
        ("/api/team/revoke-invitation", vec![("invitation_id", &a_invitation)]),
        ("/api/billing/overview", vec![]),
        ("/api/billing/preview-seats", vec![("quantity", "1")]),
        ("/api/billing/buy-seats", vec![("quantity", "1"), ("expected_amount_minor", "0"), ("request_key", "k")]),
        ("/api/billing/schedule-seats", vec![("paid_seats", "0")]),
        ("/api/billing/preview-plan", vec![("plan", "pro")]),
        ("/api/billing/change-plan", vec![("plan", "pro"), ("expected_amount_minor", "0"), ("request_key", "k")]),
        ("/api/bots/section", vec![("tab", "Inbox")]),
    ];
    for (path, mut form) in on_a_bot {
        form.push(("bot_id", &a.bot));
        let reply = t.call(path, &form, Some(&b.owner)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.body);
    }

    // Bob names his own bot but Ada's member / invitation ids: still not found, nothing moves.
    let cross: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/team/set-seat", vec![("member_id", &a_agent), ("enable", "true")]),
        ("/api/team/set-seat", vec![("member_id", &a.owner_member), ("enable", "false")]),
        ("/api/team/change-role", vec![("member_id", &a_agent), ("role", "viewer")]),
        ("/api/team/remove", vec![("member_id", &a_agent)]),
        ("/api/team/revoke-invitation", vec![("invitation_id", &a_invitation)]),
    ];
    for (path, mut form) in cross {
        form.push(("bot_id", &b.bot));
        let reply = t.call(path, &form, Some(&b.owner)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.body);
    }
    assert_eq!(snapshot(&t).await, before, "another tenant's call changed data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_free_seat_is_a_402_naming_add_ons() {
    let t = TestApp::new().await;
    let a = tenant(&t, "Ada").await;
    let (_, agent) = join(&t, &a, "Agent", "agent").await;
    let reply = t
        .call("/api/team/set-seat", &[("bot_id", &a.bot), ("member_id", &agent), ("enable", "true")], Some(&a.owner))
        .await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
    assert!(reply.body.contains("buy more in Add-ons"), "{}", reply.body);

    // Buy exactly the previewed amount, then the seat can be given.
    let preview: app::domain::views::ProrationPreview =
        t.call("/api/billing/preview-seats", &[("bot_id", &a.bot), ("quantity", "1")], Some(&a.owner)).await.json();
    let amount = preview.amount_minor.to_string();
    let bought = t
        .call(
            "/api/billing/buy-seats",
            &[
                ("bot_id", &a.bot),
                ("quantity", "1"),
                ("expected_amount_minor", &amount),
                ("request_key", &preview.request_key),
            ],
            Some(&a.owner),
        )
        .await;
    assert_eq!(bought.status, StatusCode::OK, "{}", bought.body);
    let reply = t
        .call("/api/team/set-seat", &[("bot_id", &a.bot), ("member_id", &agent), ("enable", "true")], Some(&a.owner))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let seats: app::domain::plan::SeatUsage = reply.json();
    assert_eq!(seats.summary(), "Inbox seats: 2 of 2 used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_pages_render_each_state() {
    let t = TestApp::new().await;
    let a = tenant(&t, "Ada").await;
    let created: app::domain::views::InvitationCreated = t
        .call(
            "/api/team/invite",
            &[("bot_id", &a.bot), ("email", "new@example.com"), ("role", "agent")],
            Some(&a.owner),
        )
        .await
        .json();
    let page = t.page(&created.path, None).await;
    assert!(page.body.contains("Join Ada&#x27;s bot") || page.body.contains("Join Ada's bot"), "{}", page.body);
    sqlx::query("UPDATE invitations SET expires_at = 1").execute(t.state.db.pool()).await.unwrap();
    let page = t.page(&created.path, None).await;
    assert!(page.body.contains("This invitation has expired"), "{}", page.body);
    let page = t.page("/invite/not-a-real-token", None).await;
    assert!(page.body.contains("Invitation not found"));

    // Used: accepted once, the link then says so.
    let used: app::domain::views::InvitationCreated = t
        .call(
            "/api/team/invite",
            &[("bot_id", &a.bot), ("email", "used@example.com"), ("role", "agent")],
            Some(&a.owner),
        )
        .await
        .json();
    let joiner = t.sign_up("Used", "used@example.com").await;
    let token = used.path.trim_start_matches("/invite/").to_string();
    assert_eq!(t.call("/api/invitations/accept", &[("token", &token)], Some(&joiner)).await.status, StatusCode::OK);
    let page = t.page(&used.path, None).await;
    assert!(page.body.contains("This invitation has already been used"), "{}", page.body);

    // Revoked.
    let revoked: app::domain::views::InvitationCreated = t
        .call(
            "/api/team/invite",
            &[("bot_id", &a.bot), ("email", "gone@example.com"), ("role", "agent")],
            Some(&a.owner),
        )
        .await
        .json();
    let team: app::domain::views::TeamView =
        t.call("/api/team/list", &[("bot_id", &a.bot)], Some(&a.owner)).await.json();
    let id = team.invitations.iter().find(|i| i.email == "gone@example.com").unwrap().id.to_string();
    let reply =
        t.call("/api/team/revoke-invitation", &[("bot_id", &a.bot), ("invitation_id", &id)], Some(&a.owner)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page = t.page(&revoked.path, None).await;
    assert!(page.body.contains("This invitation was revoked"), "{}", page.body);
}
