//! Add-ons services: buying and reducing seats, plans, invoices, period roll-over.

use crate::support::*;
use app::domain::audit::AuditAction;
use app::domain::billing::{self, DAY_MS};
use app::domain::views::{PlanChangePreview, PlanChangeTiming};
use app::domain::{AppError, BotId, Role, UserId};
use app::server::db::now_ms;
use app::server::services::{billing as svc, team};
use std::time::Duration;
use testkit::TestDb;

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
    assert_eq!(svc::preview_plan_change(&t.db, viewer, bot, "pro").await.unwrap_err().status(), 403);
    assert_eq!(svc::change_plan(&t.db, viewer, bot, "pro", 0, "k").await.unwrap_err().status(), 403);
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
    let refused = team::set_seat(&t.db, owner, bot, c, true).await.unwrap_err();
    assert_eq!(refused.status(), 409);
    assert!(refused.to_string().starts_with("Paid seats drop on "), "{refused}");
    assert!(refused.to_string().ends_with("leaving 3 seats — 3 of 3 would be used."), "{refused}");

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

/// Previews a plan change and confirms exactly what it showed.
async fn switch_plan(
    db: &app::server::Db,
    user: UserId,
    bot: BotId,
    code: &str,
) -> Result<PlanChangePreview, AppError> {
    let preview = svc::preview_plan_change(db, user, bot, code).await?;
    svc::change_plan(db, user, bot, code, preview.amount_minor, &preview.request_key).await?;
    Ok(preview)
}

async fn ledger_total(db: &app::server::Db, bot: BotId) -> i64 {
    sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM billing_ledger WHERE bot_id = $1")
        .bind(bot.0)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn plans_upgrade_now_and_downgrade_next_period() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    switch_plan(&t.db, owner, bot, "pro").await.unwrap();
    let view = svc::overview(&t.db, owner, bot).await.unwrap();
    assert_eq!((view.plan.code.as_str(), view.seats.included), ("pro", 3));
    let (_, a) = member(&t.db, bot, "A", Role::Agent).await;
    let (_, b) = member(&t.db, bot, "B", Role::Agent).await;
    team::set_seat(&t.db, owner, bot, a, true).await.unwrap();
    team::set_seat(&t.db, owner, bot, b, true).await.unwrap();
    // Three seats in use: Free (1 seat) does not fit — said already at the preview.
    let err = svc::preview_plan_change(&t.db, owner, bot, "free").await.unwrap_err();
    assert_eq!(err.status(), 409);
    assert!(err.to_string().contains("3 seats are in use; the Free plan includes 1 seat. Remove 2 seats"), "{err}");
    team::set_seat(&t.db, owner, bot, a, false).await.unwrap();
    team::set_seat(&t.db, owner, bot, b, false).await.unwrap();
    let down = switch_plan(&t.db, owner, bot, "free").await.unwrap();
    assert_eq!((down.timing, down.amount_minor), (PlanChangeTiming::NextPeriod, 0));
    assert!(down.describe().contains("nothing is charged now"), "{}", down.describe());
    let view = svc::overview(&t.db, owner, bot).await.unwrap();
    assert_eq!((view.plan.code.as_str(), view.plan_next.code.as_str()), ("pro", "free"));
    assert_eq!(svc::preview_plan_change(&t.db, owner, bot, "platinum").await.unwrap_err().field(), Some("plan"));
    let _ = DAY_MS;
}

/// A plan change charges nothing until confirmed, then exactly the previewed amount, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn plan_changes_are_previewed_confirmed_and_idempotent() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let preview = svc::preview_plan_change(&t.db, owner, bot, "business").await.unwrap();
    assert_eq!(preview.timing, PlanChangeTiming::Now);
    assert!(preview.amount_minor > 0);
    assert!(preview.describe().contains("is charged today"), "{}", preview.describe());
    let view = svc::overview(&t.db, owner, bot).await.unwrap();
    assert_eq!(view.plan.code, "free", "a preview changes nothing");
    assert_eq!(ledger_total(&t.db, bot).await, 0);

    // A stale amount is refused with the real one.
    let stale = svc::change_plan(&t.db, owner, bot, "business", preview.amount_minor + 1, &preview.request_key).await;
    assert_eq!(stale.unwrap_err().status(), 409);
    for _ in 0..2 {
        svc::change_plan(&t.db, owner, bot, "business", preview.amount_minor, &preview.request_key).await.unwrap();
    }
    assert_eq!(ledger_total(&t.db, bot).await, preview.amount_minor, "charged once");
    let linked: Option<i64> =
        sqlx::query_scalar("SELECT invoice_id FROM billing_ledger WHERE bot_id = $1 AND entry = 'plan.upgraded'")
            .bind(bot.0)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    let invoice_total: i64 = sqlx::query_scalar("SELECT total_minor FROM invoices WHERE id = $1")
        .bind(linked.expect("the upgrade's ledger row names its invoice"))
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(invoice_total, preview.amount_minor);
    // The same key for another plan is not a repeat: refused.
    let reused = svc::change_plan(&t.db, owner, bot, "pro", 0, &preview.request_key).await.unwrap_err();
    assert_eq!(reused.status(), 409);
    assert_eq!(svc::overview(&t.db, owner, bot).await.unwrap().plan_next.code, "business");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_purchase_key_replayed_for_another_quantity_is_refused() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let preview = svc::preview_seat_purchase(&t.db, owner, bot, 1).await.unwrap();
    svc::buy_seats(&t.db, owner, bot, 1, preview.amount_minor, &preview.request_key).await.unwrap();
    let replay = svc::buy_seats(&t.db, owner, bot, 5, preview.amount_minor * 5, &preview.request_key).await;
    assert_eq!(replay.unwrap_err().status(), 409);
    let again = svc::buy_seats(&t.db, owner, bot, 1, preview.amount_minor, &preview.request_key).await.unwrap();
    assert_eq!(again.paid, 1, "the same confirmation again buys nothing more");
}

/// With a downgrade scheduled, the Team tab and the refusal tell the same truth.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scheduled_downgrade_limits_seats_that_can_be_given_now() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    switch_plan(&t.db, owner, bot, "pro").await.unwrap();
    switch_plan(&t.db, owner, bot, "free").await.unwrap();
    let (_, agent) = member(&t.db, bot, "Agent", Role::Agent).await;
    let view = team::team_view(&t.db, owner, bot, None, None).await.unwrap();
    assert_eq!((view.seats.used, view.seats.available(), view.seats.free()), (1, 3, 2));
    assert_eq!(view.seats.grantable(), 0);
    let note = view.seats.next_period_note().unwrap();
    assert!(note.starts_with("The Free plan starts on "), "{note}");
    assert!(note.ends_with(" with 1 seat — 1 of 1 would be used."), "{note}");
    let refused = team::set_seat(&t.db, owner, bot, agent, true).await.unwrap_err();
    assert_eq!(refused.status(), 409);
    assert_eq!(refused.to_string(), note);
    // Keeping Pro (cancelling the downgrade) frees them again.
    switch_plan(&t.db, owner, bot, "pro").await.unwrap();
    team::set_seat(&t.db, owner, bot, agent, true).await.unwrap();
    assert_seat_count_consistent(&t.db, bot).await;
}

/// Quoting a price is a read: it answers while another transaction holds the write lock
/// (SQLite's `BEGIN IMMEDIATE`; on Postgres the bot row locked `FOR UPDATE`), and it writes
/// nothing, even when the period has ended and must roll over first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn previews_read_without_taking_the_write_lock() {
    let t = TestDb::new().await;
    let (bot, owner) = bot_with_owner(&t).await;
    let today = billing::day_of_ms(now_ms());
    // The period ended yesterday: the previews price the one a purchase would roll into.
    sqlx::query("UPDATE bots SET period_start = period_start - 40, period_end = $1 WHERE id = $2")
        .bind(today - 1)
        .bind(bot.0)
        .execute(t.db.pool())
        .await
        .unwrap();

    let mut writer = t.db.begin_write().await.unwrap();
    t.db.lock_bot(&mut writer, bot.0).await.unwrap();
    // Well under SQLite's 5 s busy timeout: a preview that waited for the lock would time out.
    let within = Duration::from_secs(3);
    let seats = tokio::time::timeout(within, svc::preview_seat_purchase(&t.db, owner, bot, 1))
        .await
        .expect("a seat preview does not wait for the writer")
        .unwrap();
    let plan = tokio::time::timeout(within, svc::preview_plan_change(&t.db, owner, bot, "pro"))
        .await
        .expect("a plan preview does not wait for the writer")
        .unwrap();
    writer.rollback().await.unwrap();

    assert!(seats.period.start <= today && today < seats.period.end, "{:?} contains today", seats.period);
    assert_eq!(seats.amount_minor, billing::prorate(1500, 1, seats.period, today));
    assert_eq!((plan.period, plan.timing), (seats.period, PlanChangeTiming::Now));
    // Nothing was written: the stored period is still the ended one and no renewal is recorded.
    let period_end: i64 = sqlx::query_scalar("SELECT period_end FROM bots WHERE id = $1")
        .bind(bot.0)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(period_end, today - 1);
    let renewals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE bot_id = $1 AND action = $2")
        .bind(bot.0)
        .bind(AuditAction::PeriodRenewed.code())
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(renewals, 0);

    // The purchase rolls the period over for real and charges exactly what was quoted.
    let bought = svc::buy_seats(&t.db, owner, bot, 1, seats.amount_minor, &seats.request_key).await.unwrap();
    assert_eq!(bought.paid, 1);
    let view = svc::overview(&t.db, owner, bot).await.unwrap();
    assert_eq!(view.period, seats.period);
}
