//! Automatic assignment on a real database: capacity, availability, the queue draining in
//! order when capacity frees, team routing, the "Auto assign" button, who may change what,
//! and 100 conversations arriving at once.
use crate::inbox::Inbox;
use crate::support::*;
use app::domain::assignment::{AssignMode, AssignmentSettings, Availability};
use app::domain::ids::ConversationId;
use app::domain::{AppError, MemberId, Role, UserId};
use app::server::db::now_ms;
use app::server::secrets;
use app::server::services::inbox::CheckIn;
use app::server::services::{assignment, inbox, intake, team, teams};

/// `n` agents with seats, plus the owner set offline (so only the agents take conversations).
async fn agents(i: &Inbox, n: usize) -> Vec<(UserId, MemberId)> {
    add_paid_seats(i.db(), i.bot, n as i64).await;
    let mut out = Vec::new();
    for k in 0..n {
        let (u, m) = member(i.db(), i.bot, &format!("Agent {k}"), Role::Agent).await;
        team::set_seat(i.db(), i.owner, i.bot, m, true).await.unwrap();
        out.push((u, m));
    }
    assignment::set_availability(i.db(), &i.hub, i.owner, i.bot, Availability::Offline).await.unwrap();
    out
}

async fn turn_on(i: &Inbox, mode: AssignMode, capacity: i64) {
    let settings = AssignmentSettings { auto_assign: true, mode, default_capacity: capacity, ..Default::default() };
    assignment::save_settings(i.db(), &i.hub, i.owner, i.bot, settings).await.unwrap();
}

async fn assignee(i: &Inbox, c: ConversationId) -> Option<MemberId> {
    let id: Option<i64> = sqlx::query_scalar("SELECT assignee_id FROM conversations WHERE id = $1")
        .bind(c.0)
        .fetch_one(i.db().pool())
        .await
        .unwrap();
    id.map(MemberId)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn balanced_assignment_fills_capacity_then_the_queue_drains_in_order_as_capacity_frees() {
    let i = Inbox::new().await;
    let a = agents(&i, 2).await;
    let (ua, ma) = a[0];
    let (ub, mb) = a[1];
    turn_on(&i, AssignMode::Balanced, 2).await;
    let mut c = Vec::new();
    for n in 0..6 {
        c.push(i.customer_says(&format!("m{n}"), &format!("k{n}"), "Help", true).await);
    }
    let got: Vec<Option<MemberId>> = futures_join(&i, &c).await;
    assert_eq!(got[..4], [Some(ma), Some(mb), Some(ma), Some(mb)], "fewest open first, then the longest waiting");
    assert_eq!(got[4..], [None, None], "everyone is at capacity: they wait");
    let thread = inbox::thread(i.db(), i.owner, i.bot, c[0], None).await.unwrap();
    assert!(thread.messages.iter().any(|m| m.body == "Assigned to Agent 0 automatically"));

    // Closing one frees capacity: the oldest waiting goes first.
    inbox::set_closed(i.db(), &i.hub, ua, i.bot, c[0], true).await.unwrap();
    assert_eq!(assignee(&i, c[4]).await, Some(ma));
    assert_eq!(assignee(&i, c[5]).await, None);

    // Offline agents keep theirs and get nothing new; a raised capacity drains again.
    assignment::set_availability(i.db(), &i.hub, ub, i.bot, Availability::Offline).await.unwrap();
    inbox::set_closed(i.db(), &i.hub, ub, i.bot, c[1], true).await.unwrap();
    assert_eq!(assignee(&i, c[5]).await, None, "the only free capacity is offline");
    assert_eq!(assignee(&i, c[3]).await, Some(mb), "offline members keep what they hold");
    assignment::set_capacity(i.db(), &i.hub, i.owner, i.bot, ma, Some(3)).await.unwrap();
    assert_eq!(assignee(&i, c[5]).await, Some(ma));
    // Coming online takes from the queue at once.
    let late = i.customer_says("m9", "k9", "Anyone?", true).await;
    assert_eq!(assignee(&i, late).await, None);
    assignment::set_availability(i.db(), &i.hub, ub, i.bot, Availability::Online).await.unwrap();
    assert_eq!(assignee(&i, late).await, Some(mb));
    let changes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM availability_changes WHERE member_id = $1 AND automatic = 0")
            .bind(mb.0)
            .fetch_one(i.db().pool())
            .await
            .unwrap();
    assert_eq!(changes, 2, "every change is recorded with its time");
}

async fn futures_join(i: &Inbox, c: &[ConversationId]) -> Vec<Option<MemberId>> {
    let mut out = Vec::new();
    for id in c {
        out.push(assignee(i, *id).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn round_robin_takes_turns_and_one_team_gets_everything_when_routed_there() {
    let i = Inbox::new().await;
    let a = agents(&i, 3).await;
    turn_on(&i, AssignMode::RoundRobin, 10).await;
    let mut got = Vec::new();
    for n in 0..4 {
        let c = i.customer_says(&format!("r{n}"), &format!("r{n}"), "Hi", true).await;
        got.push(assignee(&i, c).await.unwrap());
    }
    assert_eq!(got, vec![a[0].1, a[1].1, a[2].1, a[0].1]);

    // Assign everything to Billing (only Agent 2 is in it).
    let billing = teams::create_team(i.db(), i.owner, i.bot, "Billing").await.unwrap();
    teams::set_team_member(i.db(), i.owner, i.bot, billing, a[2].1, true).await.unwrap();
    let routed = AssignmentSettings {
        auto_assign: true,
        mode: AssignMode::RoundRobin,
        default_capacity: 10,
        route_team: Some(billing),
        ..Default::default()
    };
    assignment::save_settings(i.db(), &i.hub, i.owner, i.bot, routed).await.unwrap();
    for n in 0..3 {
        let c = i.customer_says(&format!("t{n}"), &format!("t{n}"), "Invoice", true).await;
        assert_eq!(assignee(&i, c).await, Some(a[2].1), "only the team's members take its queue");
        let team_id: Option<i64> = sqlx::query_scalar("SELECT team_id FROM conversations WHERE id = $1")
            .bind(c.0)
            .fetch_one(i.db().pool())
            .await
            .unwrap();
        assert_eq!(team_id, Some(billing.0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_auto_assign_button_works_with_automatic_assignment_off_and_says_when_nobody_can() {
    let i = Inbox::new().await;
    let a = agents(&i, 1).await;
    let first = i.customer_says("b1", "b1", "Hi", true).await;
    let second = i.customer_says("b2", "b2", "Hi", true).await;
    assert_eq!(assignee(&i, first).await, None, "automatic assignment is off by default");
    assert_eq!(assignment::auto_assign_now(i.db(), &i.hub, i.owner, i.bot, Some(second)).await.unwrap(), 1);
    assert_eq!(assignee(&i, second).await, Some(a[0].1));
    assert_eq!(assignee(&i, first).await, None, "one conversation means that one");
    let err = assignment::auto_assign_now(i.db(), &i.hub, i.owner, i.bot, Some(second)).await.unwrap_err();
    assert_eq!(err.status(), 409);
    assert_eq!(assignment::auto_assign_now(i.db(), &i.hub, i.owner, i.bot, None).await.unwrap(), 1);
    assert_eq!(assignee(&i, first).await, Some(a[0].1));
    assignment::set_availability(i.db(), &i.hub, a[0].0, i.bot, Availability::Offline).await.unwrap();
    let third = i.customer_says("b3", "b3", "Hi", true).await;
    let err = assignment::auto_assign_now(i.db(), &i.hub, i.owner, i.bot, Some(third)).await.unwrap_err();
    assert!(err.to_string().contains("Nobody can take it"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_seat_holders_have_a_status_and_only_team_managers_change_the_settings() {
    let i = Inbox::new().await;
    let (sam, _) = member(i.db(), i.bot, "Sam Seatless", Role::Agent).await;
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    assert_eq!(
        assignment::set_availability(i.db(), &i.hub, sam, i.bot, Availability::Offline).await.unwrap_err().status(),
        402
    );
    assert_eq!(
        assignment::set_availability(i.db(), &i.hub, vic, i.bot, Availability::Offline).await.unwrap_err().status(),
        403
    );
    assert_eq!(assignment::auto_assign_now(i.db(), &i.hub, vic, i.bot, None).await.unwrap_err().status(), 403);
    let settings = AssignmentSettings { auto_assign: true, ..Default::default() };
    let err = assignment::save_settings(i.db(), &i.hub, sam, i.bot, settings.clone()).await.unwrap_err();
    assert_eq!(err.status(), 403);
    let bad = AssignmentSettings { default_capacity: 0, ..settings.clone() };
    assert_eq!(assignment::save_settings(i.db(), &i.hub, i.owner, i.bot, bad).await.unwrap_err().status(), 422);
    let stranger = user(i.db(), "Stranger").await;
    let other = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    let theirs = teams::create_team(i.db(), stranger, other, "Theirs").await.unwrap();
    let routed = AssignmentSettings { route_team: Some(theirs), ..settings };
    assert_eq!(
        assignment::save_settings(i.db(), &i.hub, i.owner, i.bot, routed).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(assignment::overview(i.db(), stranger, i.bot).await.unwrap_err(), AppError::NotFound);
    let view = assignment::overview(i.db(), vic, i.bot).await.unwrap();
    assert!(view.cannot_edit.is_some());
    assert!(!view.settings.auto_assign, "nothing was saved");
}

/// 100 conversations arriving at once with 5 agents of capacity 10: nobody over capacity, no
/// conversation assigned twice, the other 50 waiting in arrival order.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn a_hundred_arrivals_at_once_never_overfill_anyone() {
    let i = Inbox::new().await;
    let a = agents(&i, 5).await;
    turn_on(&i, AssignMode::Balanced, 10).await;
    let mut tasks = Vec::new();
    for n in 0..100 {
        let (db, hub, secret, public_id) =
            (i.db().clone(), i.hub.clone(), i.api.secret.clone(), i.api.channel.public_id.clone());
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({
                "message_id": format!("burst-{n}"), "contact": {"id": format!("burst-{n}")}, "text": "Help", "handover": true,
            });
            let raw = serde_json::to_vec(&body).unwrap();
            let ts = now_ms() / 1000;
            let sig = secrets::sign_webhook(&secret, ts, &raw);
            intake::ingest_webhook(&db, &hub, None, None, &public_id, Some(&ts.to_string()), Some(&sig), &raw).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for (_, m) in &a {
        let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE assignee_id = $1")
            .bind(m.0)
            .fetch_one(i.db().pool())
            .await
            .unwrap();
        assert_eq!(held, 10, "filled to capacity, never over");
    }
    let events: Vec<i64> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE kind = 'system' AND body LIKE 'Assigned to %' GROUP BY conversation_id",
    )
    .fetch_all(i.db().pool())
    .await
    .unwrap();
    assert_eq!(events.len(), 50);
    assert!(events.iter().all(|n| *n == 1), "no conversation assigned twice");
    // Waiting in arrival order: when each customer's message came in (ties by id).
    let queued: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM conversations WHERE queued_at IS NOT NULL ORDER BY queued_at, id")
            .fetch_all(i.db().pool())
            .await
            .unwrap();
    assert_eq!(queued.len(), 50);
    let by_arrival: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM conversations c JOIN messages m ON m.conversation_id = c.id AND m.kind = 'customer' \
         WHERE c.queued_at IS NOT NULL ORDER BY m.created_at, c.id",
    )
    .fetch_all(i.db().pool())
    .await
    .unwrap();
    assert_eq!(queued, by_arrival, "the queue is in arrival order");
    // Capacity frees: the oldest waiting goes first.
    let first_assigned: i64 = sqlx::query_scalar("SELECT MIN(id) FROM conversations WHERE assignee_id IS NOT NULL")
        .fetch_one(i.db().pool())
        .await
        .unwrap();
    inbox::set_closed(i.db(), &i.hub, i.owner, i.bot, ConversationId(first_assigned), true).await.unwrap();
    assert!(assignee(&i, ConversationId(queued[0])).await.is_some());
    assert!(assignee(&i, ConversationId(queued[1])).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn auto_offline_takes_idle_seat_holders_offline_and_records_it() {
    let i = Inbox::new().await;
    let a = agents(&i, 2).await;
    // Ada has an Inbox open; Bob has none.
    inbox::mark_presence(i.db(), &i.hub, a[0].0, i.bot, CheckIn::Elsewhere).await.unwrap();
    assert_eq!(assignment::sweep_idle(i.db(), &i.hub).await.unwrap(), 0, "off by default");
    let settings = AssignmentSettings { auto_offline_minutes: 5, ..Default::default() };
    assignment::save_settings(i.db(), &i.hub, i.owner, i.bot, settings).await.unwrap();
    assert_eq!(assignment::sweep_idle(i.db(), &i.hub).await.unwrap(), 1);
    let view = assignment::overview(i.db(), i.owner, i.bot).await.unwrap();
    let status = |name: &str| view.members.iter().find(|m| m.name == name).unwrap().availability;
    assert_eq!(status("Agent 0"), Availability::Online);
    assert_eq!(status("Agent 1"), Availability::Offline);
    let automatic: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM availability_changes WHERE automatic = 1")
        .fetch_one(i.db().pool())
        .await
        .unwrap();
    assert_eq!(automatic, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_unanswered_rule_moves_a_waiting_customer_to_someone_else_or_to_a_team() {
    let i = Inbox::new().await;
    let a = agents(&i, 2).await;
    turn_on(&i, AssignMode::RoundRobin, 10).await;
    let c = i.customer_says("u1", "u1", "Hello?", true).await;
    let first = assignee(&i, c).await.unwrap();
    assert_eq!(assignment::sweep_unanswered(i.db(), &i.hub).await.unwrap(), 0, "off by default");
    let rule = AssignmentSettings {
        auto_assign: true,
        mode: AssignMode::RoundRobin,
        default_capacity: 10,
        unanswered_minutes: 15,
        ..Default::default()
    };
    assignment::save_settings(i.db(), &i.hub, i.owner, i.bot, rule.clone()).await.unwrap();
    assert_eq!(assignment::sweep_unanswered(i.db(), &i.hub).await.unwrap(), 0, "not late yet");
    // The customer has waited 20 minutes.
    let db = i.db().clone();
    let late = move |c: ConversationId| {
        let db = db.clone();
        async move {
            sqlx::query("UPDATE conversations SET waiting_since = $1 WHERE id = $2")
                .bind(now_ms() - 20 * 60_000)
                .bind(c.0)
                .execute(db.pool())
                .await
                .unwrap();
        }
    };
    late(c).await;
    assert_eq!(assignment::sweep_unanswered(i.db(), &i.hub).await.unwrap(), 1);
    let second = assignee(&i, c).await.unwrap();
    assert_ne!(second, first, "someone else takes it");
    assert!(a.iter().any(|(_, m)| *m == second));
    let thread = inbox::thread(i.db(), i.owner, i.bot, c, None).await.unwrap();
    assert!(thread.messages.iter().any(|m| m.body.contains("within 15 minutes: back in the queue")));

    // An answer stops the clock.
    let (agent_user, _) = a.iter().find(|(_, m)| *m == second).copied().unwrap();
    late(c).await;
    inbox::compose(i.db(), &i.hub, agent_user, i.bot, c, inbox::Compose::Reply, "On it", &crate::inbox::key())
        .await
        .unwrap();
    assert_eq!(assignment::sweep_unanswered(i.db(), &i.hub).await.unwrap(), 0);

    // Escalation to a team's queue instead.
    let escalations = teams::create_team(i.db(), i.owner, i.bot, "Escalations").await.unwrap();
    let to_team = AssignmentSettings { unanswered_team: Some(escalations), ..rule };
    assignment::save_settings(i.db(), &i.hub, i.owner, i.bot, to_team).await.unwrap();
    let d = i.customer_says("u2", "u2", "Still there?", true).await;
    late(d).await;
    assert_eq!(assignment::sweep_unanswered(i.db(), &i.hub).await.unwrap(), 1);
    let (held, team): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT assignee_id, team_id FROM conversations WHERE id = $1")
            .bind(d.0)
            .fetch_one(i.db().pool())
            .await
            .unwrap();
    assert_eq!((held, team), (None, Some(escalations.0)), "waiting in the Escalations queue (nobody is in it)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seat_holder_joining_by_invitation_takes_what_waits() {
    let i = Inbox::new().await;
    agents(&i, 0).await;
    turn_on(&i, AssignMode::Balanced, 5).await;
    let waiting = i.customer_says("m1", "k1", "Help", true).await;
    assert_eq!(assignee(&i, waiting).await, None, "nobody online can take it");
    add_paid_seats(i.db(), i.bot, 1).await;
    let invited = team::invite(
        i.db(),
        i.owner,
        i.bot,
        team::InviteRequest { email: "joiner@example.com", role: Role::Agent, with_seat: true },
        std::time::Duration::from_secs(86_400),
    )
    .await
    .unwrap();
    let token = invited.path.trim_start_matches("/invite/").to_string();
    let joiner =
        app::server::services::accounts::sign_up(i.db(), "Joiner", "joiner@example.com", PASSWORD).await.unwrap();
    team::accept_invitation(i.db(), joiner, &token).await.unwrap();
    let member: i64 = sqlx::query_scalar("SELECT id FROM members WHERE user_id = $1 AND bot_id = $2")
        .bind(joiner.0)
        .bind(i.bot.0)
        .fetch_one(i.db().pool())
        .await
        .unwrap();
    assert_eq!(assignee(&i, waiting).await, Some(MemberId(member)), "the new seat holder is online and takes it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_team_picks_its_own_way_while_the_bot_assigns_nothing_itself() {
    let i = Inbox::new().await;
    let a = agents(&i, 2).await;
    let support = teams::create_team(i.db(), i.owner, i.bot, "Support").await.unwrap();
    for (_, m) in &a {
        teams::set_team_member(i.db(), i.owner, i.bot, support, *m, true).await.unwrap();
    }
    // Agent 1 already holds two, given by hand.
    for n in 0..2 {
        let c = i.customer_says(&format!("h{n}"), &format!("h{n}"), "Hi", true).await;
        inbox::assign_member(i.db(), &i.hub, i.owner, i.bot, c, Some(a[1].1)).await.unwrap();
    }
    // The bot assigns nothing itself (balanced, were it on); everything goes to Support, whose
    // queue is assigned automatically, in turn.
    let settings = AssignmentSettings {
        auto_assign: false,
        mode: AssignMode::Balanced,
        default_capacity: 10,
        route_team: Some(support),
        ..Default::default()
    };
    assignment::save_settings(i.db(), &i.hub, i.owner, i.bot, settings).await.unwrap();
    assignment::set_team_auto_assign(i.db(), &i.hub, i.owner, i.bot, support, true).await.unwrap();
    assignment::set_team_mode(i.db(), &i.hub, i.owner, i.bot, support, Some(AssignMode::RoundRobin)).await.unwrap();
    let mut got = Vec::new();
    for n in 0..2 {
        let c = i.customer_says(&format!("r{n}"), &format!("r{n}"), "Hi", true).await;
        got.push(assignee(&i, c).await);
    }
    assert_eq!(got, vec![Some(a[0].1), Some(a[1].1)], "in turn, though Agent 1 holds more");
    let view = assignment::overview(i.db(), i.owner, i.bot).await.unwrap();
    assert_eq!(view.teams[0].mode, Some(AssignMode::RoundRobin));

    // Back to the bot's mode: balanced, so the one holding fewer takes it.
    assignment::set_team_mode(i.db(), &i.hub, i.owner, i.bot, support, None).await.unwrap();
    let c = i.customer_says("b0", "b0", "Hi", true).await;
    assert_eq!(assignee(&i, c).await, Some(a[0].1));

    // Another bot's team is not found; an agent may not change it.
    let (agent_user, _) = a[0];
    let refused = assignment::set_team_mode(i.db(), &i.hub, agent_user, i.bot, support, None).await.unwrap_err();
    assert_eq!(refused.status(), 403);
    let unknown = app::domain::ids::TeamId(support.0 + 1000);
    let missing = assignment::set_team_mode(i.db(), &i.hub, i.owner, i.bot, unknown, None).await.unwrap_err();
    assert_eq!(missing.status(), 404);
}
