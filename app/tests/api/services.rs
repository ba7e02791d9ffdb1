//! Service and database tests. Each test gets a fresh database: an SQLite file by default, or
//! a new Postgres database when SWITCHBOARD_TEST_POSTGRES is set (the test script runs both).

use app::domain::{AppError, Role, Tab};
use app::server::rate_limit::Limit;
use app::server::services::{accounts, bots, team};
use app::server::state::Limits;
use app::server::{db::now_ms, repo};
use std::time::Duration;
use testkit::TestDb;

const PASSWORD: &str = "correct horse battery";

fn limits() -> Limits {
    Limits::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_up_normalises_email_and_rejects_duplicates() {
    let t = TestDb::new().await;
    let user = accounts::sign_up(&t.db, "Ada", "  Ada@Example.com ", PASSWORD).await.unwrap();
    let view = accounts::session_view(&t.db, user).await.unwrap().unwrap();
    assert_eq!(view.email, "ada@example.com");
    assert_eq!(view.name, "Ada");
    assert!(view.bots.is_empty());

    let again = accounts::sign_up(&t.db, "Ada Again", "ADA@example.com", PASSWORD).await.unwrap_err();
    assert!(matches!(again, AppError::Conflict(_)), "{again:?}");
    assert_eq!(again.status(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_up_rejects_bad_input_and_stores_nothing() {
    let t = TestDb::new().await;
    let short = accounts::sign_up(&t.db, "Ada", "ada@example.com", "short").await.unwrap_err();
    assert_eq!(short.field(), Some("password"));
    let email = accounts::sign_up(&t.db, "Ada", "not-an-email", PASSWORD).await.unwrap_err();
    assert_eq!(email.field(), Some("email"));
    let name = accounts::sign_up(&t.db, "   ", "ada@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(name.field(), Some("name"));
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(t.db.pool()).await.unwrap();
    assert_eq!(users, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn log_in_answers_unknown_email_and_wrong_password_alike() {
    let t = TestDb::new().await;
    let user = accounts::sign_up(&t.db, "Ada", "ada@example.com", PASSWORD).await.unwrap();
    let ok = accounts::log_in(&t.db, &limits(), "10.0.0.1", "ADA@example.com", PASSWORD.into()).await.unwrap();
    assert_eq!(ok, user);
    let wrong =
        accounts::log_in(&t.db, &limits(), "10.0.0.1", "ada@example.com", "wrong password".into()).await.unwrap_err();
    let unknown = accounts::log_in(&t.db, &limits(), "10.0.0.1", "bob@example.com", PASSWORD.into()).await.unwrap_err();
    assert_eq!(wrong, AppError::BadCredentials);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.to_string(), unknown.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn log_in_is_rate_limited_per_address_and_email_without_locking_the_user_out() {
    let t = TestDb::new().await;
    accounts::sign_up(&t.db, "Ada", "ada@example.com", PASSWORD).await.unwrap();
    let limits = Limits {
        log_in_per_address_and_email: Limit::per(3, Duration::from_secs(900)),
        log_in_per_address: Limit::per(5, Duration::from_secs(900)),
        ..Limits::default()
    };
    for _ in 0..3 {
        let err = accounts::log_in(&t.db, &limits, "10.0.0.1", "ada@example.com", "nope nope".into()).await;
        assert_eq!(err.unwrap_err(), AppError::BadCredentials);
    }
    // The guesser's address is stopped, even with the right password…
    let locked = accounts::log_in(&t.db, &limits, "10.0.0.1", "ada@example.com", PASSWORD.into()).await;
    assert!(matches!(locked, Err(AppError::RateLimited { .. })), "{locked:?}");
    assert_eq!(locked.unwrap_err().status(), 429);
    // …but Ada, from her own address, is not locked out.
    let ada = accounts::log_in(&t.db, &limits, "10.0.0.2", "ada@example.com", PASSWORD.into()).await;
    assert!(ada.is_ok(), "{ada:?}");

    // Per address: many emails from one address (password spraying).
    for i in 0..5 {
        let email = format!("nobody{i}@example.com");
        let _ = accounts::log_in(&t.db, &limits, "10.0.0.9", &email, "nope nope".into()).await;
    }
    let by_ip = accounts::log_in(&t.db, &limits, "10.0.0.9", "someone@example.com", "nope nope".into()).await;
    assert!(matches!(by_ip, Err(AppError::RateLimited { .. })), "{by_ip:?}");
}

/// 40 guesses at once for one email from one address: the attempt is counted before the
/// password is checked, so exactly the limit are checked and the rest refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_meet_the_limit_too() {
    let t = TestDb::new().await;
    accounts::sign_up(&t.db, "Ada", "ada@example.com", PASSWORD).await.unwrap();
    let limits = Limits::default();
    let guesses = (0..40).map(|i| {
        let db = t.db.clone();
        tokio::spawn(async move {
            accounts::log_in(&db, &limits, "10.0.0.1", "ada@example.com", format!("guess number {i}")).await
        })
    });
    let mut checked = 0;
    let mut refused = 0;
    for guess in guesses.collect::<Vec<_>>() {
        match guess.await.unwrap() {
            Err(AppError::BadCredentials) => checked += 1,
            Err(AppError::RateLimited { .. }) => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(checked, limits.log_in_per_address_and_email.max);
    assert_eq!(refused, 40 - checked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn creating_a_bot_makes_the_creator_its_seated_owner() {
    let t = TestDb::new().await;
    let ada = accounts::sign_up(&t.db, "Ada", "ada@example.com", PASSWORD).await.unwrap();
    let bot = bots::create_bot(&t.db, ada, "  Acme Support ").await.unwrap();

    let team = team::team_view(&t.db, ada, bot, None, None).await.unwrap();
    assert_eq!(team.plan_name, "Free");
    assert_eq!(team.seats.used, 1);
    assert_eq!(team.seats.available(), 1);
    assert_eq!(team.seats.summary(), "Inbox seats: 1 of 1 used");
    assert_eq!(team.members.len(), 1);
    let owner = &team.members[0];
    assert_eq!((owner.user_id, owner.role, owner.has_seat), (ada, Role::Owner, true));

    let view = accounts::session_view(&t.db, ada).await.unwrap().unwrap();
    assert_eq!(view.bots.len(), 1);
    assert_eq!(view.bots[0].bot_name, "Acme Support");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bot_names_are_validated() {
    let t = TestDb::new().await;
    let ada = accounts::sign_up(&t.db, "Ada", "ada@example.com", PASSWORD).await.unwrap();
    let err = bots::create_bot(&t.db, ada, " ").await.unwrap_err();
    assert_eq!(err.field(), Some("name"));
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bots").fetch_one(t.db.pool()).await.unwrap();
    assert_eq!(count, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenants_never_see_each_others_bots() {
    let t = TestDb::new().await;
    let ada = accounts::sign_up(&t.db, "Ada", "ada@example.com", PASSWORD).await.unwrap();
    let bob = accounts::sign_up(&t.db, "Bob", "bob@example.com", PASSWORD).await.unwrap();
    let ada_bot = bots::create_bot(&t.db, ada, "Ada's bot").await.unwrap();
    let bob_bot = bots::create_bot(&t.db, bob, "Bob's bot").await.unwrap();

    assert_eq!(team::team_view(&t.db, bob, ada_bot, None, None).await.unwrap_err(), AppError::NotFound);
    assert_eq!(bots::authorize_tab(&t.db, bob, ada_bot, Tab::Inbox).await.unwrap_err(), AppError::NotFound);
    let bob_view = accounts::session_view(&t.db, bob).await.unwrap().unwrap();
    assert_eq!(bob_view.bots.iter().map(|b| b.bot_id).collect::<Vec<_>>(), vec![bob_bot]);
    // Each team lists only its own members.
    let ada_team = team::team_view(&t.db, ada, ada_bot, None, None).await.unwrap();
    assert!(ada_team.members.iter().all(|m| m.user_id == ada));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_can_belong_to_several_bots_with_different_roles() {
    let t = TestDb::new().await;
    let ada = accounts::sign_up(&t.db, "Ada", "ada@example.com", PASSWORD).await.unwrap();
    let bob = accounts::sign_up(&t.db, "Bob", "bob@example.com", PASSWORD).await.unwrap();
    let ada_bot = bots::create_bot(&t.db, ada, "Alpha").await.unwrap();
    let bob_bot = bots::create_bot(&t.db, bob, "Beta").await.unwrap();
    // Memberships by invitation arrive with the team issue; insert one directly here.
    repo::insert_member(t.db.pool(), bob_bot, ada, Role::Analyst, false, now_ms()).await.unwrap();

    let view = accounts::session_view(&t.db, ada).await.unwrap().unwrap();
    let roles: Vec<(String, Role)> = view.bots.iter().map(|b| (b.bot_name.clone(), b.role)).collect();
    assert_eq!(roles, vec![("Alpha".into(), Role::Owner), ("Beta".into(), Role::Analyst)]);

    // The analyst's role does not open Team Manager or the Inbox of Beta; the policy says why.
    let err = team::team_view(&t.db, ada, bob_bot, None, None).await.unwrap_err();
    assert_eq!(err, AppError::Forbidden("Only Owners, Admins, Viewers and Supervisors can view the team.".into()));
    assert_eq!(err.status(), 403);
    assert!(bots::authorize_tab(&t.db, ada, bob_bot, Tab::Inbox).await.is_err());
    assert!(bots::authorize_tab(&t.db, ada, ada_bot, Tab::Inbox).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_refuses_a_seat_for_an_ineligible_role() {
    let t = TestDb::new().await;
    let ada = accounts::sign_up(&t.db, "Ada", "ada@example.com", PASSWORD).await.unwrap();
    let bob = accounts::sign_up(&t.db, "Bob", "bob@example.com", PASSWORD).await.unwrap();
    let bot = bots::create_bot(&t.db, ada, "Alpha").await.unwrap();
    let refused = repo::insert_member(t.db.pool(), bot, bob, Role::Analyst, true, now_ms()).await;
    assert!(refused.is_err(), "CHECK constraint must refuse a seated analyst");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_bot_creation_never_fails_with_busy_errors() {
    let t = TestDb::new().await;
    let ada = accounts::sign_up(&t.db, "Ada", "ada@example.com", PASSWORD).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move { bots::create_bot(&db, ada, &format!("Bot {i:02}")).await }));
    }
    for task in tasks {
        task.await.unwrap().expect("every concurrent create succeeds");
    }
    let view = accounts::session_view(&t.db, ada).await.unwrap().unwrap();
    assert_eq!(view.bots.len(), 24);
    assert!(view.bots.iter().all(|b| b.role == Role::Owner && b.has_seat));
}

/// The database's CHECK lists agree with the Rust enums: every role code is accepted in
/// `members` and in `invitations`, nothing else is, and a seat is accepted exactly for the roles
/// `seat_eligible()` names.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schema_checks_agree_with_the_role_enum() {
    let t = TestDb::new().await;
    let owner = accounts::sign_up(&t.db, "Owner", "owner@example.com", PASSWORD).await.unwrap();
    let bot = bots::create_bot(&t.db, owner, "Acme").await.unwrap();
    for (i, role) in Role::ALL.into_iter().enumerate() {
        let user = accounts::sign_up(&t.db, "M", &format!("m{i}@example.com"), PASSWORD).await.unwrap();
        let inserted =
            sqlx::query("INSERT INTO members (bot_id, user_id, role, has_seat, joined_at) VALUES ($1, $2, $3, 1, 0)")
                .bind(bot.0)
                .bind(user.0)
                .bind(role.code())
                .execute(t.db.pool())
                .await;
        assert_eq!(inserted.is_ok(), role.seat_eligible(), "{role:?} with a seat");
        if !role.seat_eligible() {
            repo::insert_member(t.db.pool(), bot, user, role, false, now_ms())
                .await
                .expect("every role code is allowed");
        }
        let invitation = repo::team::NewInvitation {
            bot,
            email: &format!("invitee{i}@example.com"),
            role,
            with_seat: false,
            token_hash: &format!("token-hash-{i}"),
            invited_by: owner,
            created_at: 0,
            expires_at: 1,
        };
        repo::team::insert_invitation(t.db.pool(), &invitation)
            .await
            .unwrap_or_else(|e| panic!("an invitation as {role:?} is allowed: {e}"));
        assert_eq!(role.code().parse::<Role>().unwrap(), role);
        assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{}\"", role.code()), "one string form");
    }
    let stranger = accounts::sign_up(&t.db, "X", "x@example.com", PASSWORD).await.unwrap();
    let bogus =
        sqlx::query("INSERT INTO members (bot_id, user_id, role, has_seat, joined_at) VALUES ($1, $2, 'root', 0, 0)")
            .bind(bot.0)
            .bind(stranger.0)
            .execute(t.db.pool())
            .await;
    assert!(bogus.is_err());
    let bogus_invitation = sqlx::query(
        r#"
        INSERT INTO invitations (bot_id, email, role, with_seat, token_hash, invited_by, created_at, expires_at)
        VALUES ($1, 'root@example.com', 'root', 0, 'token-hash-root', $2, 0, 1)
        "#,
    )
    .bind(bot.0)
    .bind(owner.0)
    .execute(t.db.pool())
    .await;
    assert!(bogus_invitation.is_err(), "the invitations CHECK refuses an unknown role");
}

/// The repository's seat grant names its roles from `seat_eligible()`: it seats exactly those
/// roles, and its SQL list is exactly their codes (the same list as the schema's CHECK).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seat_grants_follow_seat_eligible() {
    let t = TestDb::new().await;
    let owner = accounts::sign_up(&t.db, "Owner", "owner@example.com", PASSWORD).await.unwrap();
    let bot = bots::create_bot(&t.db, owner, "Acme").await.unwrap();
    for (i, role) in Role::ALL.into_iter().enumerate() {
        let user = accounts::sign_up(&t.db, "M", &format!("m{i}@example.com"), PASSWORD).await.unwrap();
        let member = repo::insert_member(t.db.pool(), bot, user, role, false, now_ms()).await.unwrap();
        let seated = repo::team::seat_member(t.db.pool(), bot, member).await.unwrap();
        assert_eq!(seated, role.seat_eligible(), "{role:?}");
    }
    let codes: Vec<String> =
        Role::ALL.into_iter().filter(|r| r.seat_eligible()).map(|r| format!("'{}'", r.code())).collect();
    assert_eq!(repo::team::seat_eligible_role_list(), codes.join(", "));
    assert_eq!(repo::team::seat_eligible_role_list(), "'owner', 'admin', 'agent'", "as in the migrations");
}
