//! Add-ons services: buying and reducing seats, plans, invoices, period roll-over.
#![cfg(feature = "ssr")]
mod support;

use app::domain::billing::{self, DAY_MS};
use app::domain::{AppError, Role};
use app::server::db::now_ms;
use app::server::services::{billing as svc, team};
use app::server::testing::TestDb;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn buying_seats_charges_the_previewed_proration_once() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let preview = svc::preview_seat_purchase(&t.db, owner, bot, 2).await.unwrap();
    let today = billing::day_of_ms(now_ms());
    let expected = billing::prorate(1500, 2, preview.period, today);
    assert_eq!(preview.amount_minor, expected);
    assert_eq!(preview.unit_price_minor, 1500);
    assert_eq!(preview.remaining_days, preview.period.end - today);

    // A stale price is refused; the previewed one is charged.
    let stale = svc::buy_seats(&t.db, owner, bot, 2, expected + 1, "key-1").await.unwrap_err();
    assert_eq!(stale.status(), 409);
    let seats = svc::buy_seats(&t.db, owner, bot, 2, expected, "key-1").await.unwrap();
    assert_eq!((seats.available(), seats.used, seats.paid), (3, 1, 2));
    // The same confirmation submitted again buys nothing more.
    let again = svc::buy_seats(&t.db, owner, bot, 2, expected, "key-1").await.unwrap();
    assert_eq!(again.paid, 2);

    let view = svc::overview(&t.db, owner, bot).await.unwrap();
    assert_eq!(view.invoices.len(), 1);
    assert_eq!(view.invoices[0].total_minor, expected);
    assert_eq!(view.invoices[0].lines[0].quantity, 2);
    let ledger: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM billing_ledger WHERE entry = 'seats.purchased'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(ledger, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_owners_and_admins_manage_billing() {
    let t = TestDb::new().await;
    let (bot, _) = bot_with_owner(&t).await;
    let (admin, _) = member(&t.db, bot, "Admin", Role::Admin).await;
    let (analyst, _) = member(&t.db, bot, "Analyst", Role::Analyst).await;
    let (viewer, _) = member(&t.db, bot, "Viewer", Role::Viewer).await;
    assert!(svc::preview_seat_purchase(&t.db, admin, bot, 1).await.is_ok());
    let denied = svc::preview_seat_purchase(&t.db, viewer, bot, 1).await.unwrap_err();
    assert_eq!(denied, AppError::Forbidden("Only Owners and Admins can buy seats and change the plan.".into()));
    assert!(svc::overview(&t.db, viewer, bot).await.is_ok(), "viewers see billing read-only");
    assert_eq!(svc::overview(&t.db, analyst, bot).await.unwrap_err().status(), 403);
    assert_eq!(svc::buy_seats(&t.db, analyst, bot, 1, 0, "k").await.unwrap_err().status(), 403);
    assert_eq!(svc::change_plan(&t.db, viewer, bot, "pro").await.unwrap_err().status(), 403);
    let paid: i64 = sqlx::query_scalar("SELECT paid_seats FROM bots WHERE id = $1")
        .bind(bot.0)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(paid, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_quantities_are_rejected() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    for q in [0, -1, 101] {
        let err = svc::preview_seat_purchase(&t.db, owner, bot, q).await.unwrap_err();
        assert_eq!(err.field(), Some("quantity"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reductions_never_go_below_seats_in_use_and_apply_next_period() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    add_paid_seats(&t.db, bot, 3).await;
    let (_, a) = member(&t.db, bot, "A", Role::Agent).await;
    let (_, b) = member(&t.db, bot, "B", Role::Agent).await;
    team::set_seat(&t.db, owner, bot, a, true).await.unwrap();
    team::set_seat(&t.db, owner, bot, b, true).await.unwrap();
    // 3 in use, 1 included: at least 2 paid seats must stay.
    let err = svc::schedule_paid_seats(&t.db, owner, bot, 1).await.unwrap_err();
    assert_eq!(err.status(), 409);
    assert!(err.to_string().contains("Remove 1 seat from members first"), "{err}");
    svc::schedule_paid_seats(&t.db, owner, bot, 2).await.unwrap();
    let view = svc::overview(&t.db, owner, bot).await.unwrap();
    assert_eq!((view.seats.paid, view.paid_seats_next), (3, 2), "takes effect next period");
    // The seat that will disappear cannot be handed out meanwhile.
    let (_, c) = member(&t.db, bot, "C", Role::Agent).await;
    assert_eq!(team::set_seat(&t.db, owner, bot, c, true).await.unwrap_err().status(), 402);

    // Move the period into the past: the reduction applies and a renewal invoice is issued.
    sqlx::query("UPDATE bots SET period_start = period_start - 40, period_end = $1 WHERE id = $2")
        .bind(billing::day_of_ms(now_ms()) - 1)
        .bind(bot.0)
        .execute(t.db.pool())
        .await
        .unwrap();
    let view = svc::overview(&t.db, owner, bot).await.unwrap();
    assert_eq!((view.seats.paid, view.paid_seats_next), (2, 2));
    assert!(view.period.start <= view.today && view.today < view.period.end);
    let renewal = view.invoices.iter().find(|i| i.description == "Renewal").expect("renewal invoice");
    assert_eq!(renewal.total_minor, 2 * 1500);
    assert_seat_count_consistent(&t.db, bot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn plans_upgrade_now_and_downgrade_next_period() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    svc::change_plan(&t.db, owner, bot, "pro").await.unwrap();
    let view = svc::overview(&t.db, owner, bot).await.unwrap();
    assert_eq!((view.plan.code.as_str(), view.seats.included), ("pro", 3));
    let (_, a) = member(&t.db, bot, "A", Role::Agent).await;
    let (_, b) = member(&t.db, bot, "B", Role::Agent).await;
    team::set_seat(&t.db, owner, bot, a, true).await.unwrap();
    team::set_seat(&t.db, owner, bot, b, true).await.unwrap();
    // Three seats in use: Free (1 seat) does not fit.
    let err = svc::change_plan(&t.db, owner, bot, "free").await.unwrap_err();
    assert_eq!(err.status(), 409);
    team::set_seat(&t.db, owner, bot, a, false).await.unwrap();
    team::set_seat(&t.db, owner, bot, b, false).await.unwrap();
    svc::change_plan(&t.db, owner, bot, "free").await.unwrap();
    let view = svc::overview(&t.db, owner, bot).await.unwrap();
    assert_eq!((view.plan.code.as_str(), view.plan_next.code.as_str()), ("pro", "free"));
    assert_eq!(svc::change_plan(&t.db, owner, bot, "platinum").await.unwrap_err().field(), Some("plan"));
    let _ = DAY_MS;
}
