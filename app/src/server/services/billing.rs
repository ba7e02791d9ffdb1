//! Add-ons: the plan, paid seats, proration and invoices. The ledger is the source of truth;
//! a payment processor will plug in where invoices are created.
use super::{acting, actor_of};
use crate::domain::audit::AuditAction;
use crate::domain::billing::{self, Day, Period};
use crate::domain::plan::{Plan, SeatUsage};
use crate::domain::policy::{self, Actor, Denied};
use crate::domain::text::count_s;
use crate::domain::views::{BillingView, InvoiceLine, PlanChangePreview, PlanChangeTiming, ProrationPreview};
use crate::domain::{AppError, BotId, UserId};
use crate::server::db::WriteTx;
use crate::server::db::{Db, now_ms};
use crate::server::repo::billing::LedgerKind;
use crate::server::repo::{self, audit, billing as store};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection};

pub const MAX_SEATS_PER_PURCHASE: i64 = 100;

/// Rolls the bot into the current period if one or more ended: scheduled changes take
/// effect and each new period gets its renewal invoice. Runs inside the caller's write.
async fn ensure_current_period(conn: &mut AnyConnection, bot: BotId, today: Day, now: i64) -> Result<(), AppError> {
    for _ in 0..120 {
        let state = store::bot_billing(&mut *conn, bot).await?.ok_or(AppError::NotFound)?;
        if today < state.period.end {
            return Ok(());
        }
        let next = next_period(&state);
        store::roll_period(&mut *conn, bot, next).await?;
        let plan = plan(&mut *conn, &state.plan_code_next).await?;
        let mut lines = Vec::new();
        if plan.price_minor > 0 {
            lines.push(InvoiceLine {
                description: format!("{} plan", plan.name),
                quantity: 1,
                unit_minor: plan.price_minor,
                amount_minor: plan.price_minor,
            });
        }
        if state.paid_seats_next > 0 {
            lines.push(InvoiceLine {
                description: "Paid Inbox seats".into(),
                quantity: state.paid_seats_next,
                unit_minor: plan.seat_price_minor,
                amount_minor: plan.seat_price_minor * state.paid_seats_next,
            });
        }
        if !lines.is_empty() {
            let total = lines.iter().map(|l| l.amount_minor).sum();
            let invoice = store::insert_invoice(
                conn,
                &store::NewInvoice { bot, description: "Renewal", period: next, currency: &plan.currency, lines, now },
            )
            .await?;
            store::insert_ledger(
                &mut *conn,
                &store::LedgerEntry {
                    bot,
                    entry: LedgerKind::PeriodRenewed,
                    plan_code: Some(&plan.code),
                    quantity: state.paid_seats_next,
                    amount_minor: total,
                    currency: &plan.currency,
                    effective_day: next.start,
                    invoice: Some(invoice),
                    request_key: None,
                    actor: None,
                    now,
                },
            )
            .await?;
        }
        audit::record(
            &mut *conn,
            bot,
            None,
            AuditAction::PeriodRenewed,
            &format!("Billing period {} started", period_label(next)),
            now,
        )
        .await?;
    }
    Ok(())
}

/// The period after `state`'s, which starts the day it ends.
fn next_period(state: &store::BotBilling) -> Period {
    billing::period_containing(state.anchor_day, state.period.end)
}

/// The billing state as `ensure_current_period` would leave it on `today` — worked out in
/// memory, never written, so a read can show the current period without the write lock.
fn current_as_of(mut state: store::BotBilling, today: Day) -> store::BotBilling {
    for _ in 0..120 {
        if today < state.period.end {
            break;
        }
        // The same changes as `store::roll_period`: what was scheduled takes effect.
        state.period = next_period(&state);
        state.plan_code = state.plan_code_next.clone();
        state.seats_included = state.seats_included_next;
        state.paid_seats = state.paid_seats_next;
    }
    state
}

async fn plan(conn: &mut AnyConnection, code: &str) -> Result<Plan, AppError> {
    repo::plan(conn, code).await?.ok_or_else(|| {
        tracing::error!(plan = code, "a bot refers to a plan missing from the catalogue");
        AppError::Internal
    })
}

/// A billing write in progress: the bot row locked, the actor checked, the period current.
struct BillingWrite {
    tx: WriteTx,
    state: store::BotBilling,
    today: Day,
    now: i64,
}

/// lock → load the acting member → ask `check` → roll the period forward → load the state.
async fn open(
    db: &Db,
    user: UserId,
    bot: BotId,
    check: fn(Option<&Actor>) -> Result<(), Denied>,
) -> Result<BillingWrite, AppError> {
    let now = now_ms();
    let today = billing::day_of_ms(now);
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    let me = acting(&mut tx, user, bot).await?;
    check(actor_of(&me).as_ref())?;
    ensure_current_period(&mut tx, bot, today, now).await?;
    let state = store::bot_billing(&mut *tx, bot).await?.ok_or(AppError::NotFound)?;
    Ok(BillingWrite { tx, state, today, now })
}

/// A billing read: a plain pooled connection (no transaction, so no write lock — on SQLite
/// a reader runs beside the writer, on Postgres it waits for no row lock), the acting member
/// loaded fresh and checked, and the bot's billing state as stored.
struct BillingRead {
    conn: PoolConnection<Any>,
    viewer: Actor,
    state: store::BotBilling,
    today: Day,
}

async fn read(
    db: &Db,
    user: UserId,
    bot: BotId,
    check: fn(Option<&Actor>) -> Result<(), Denied>,
) -> Result<BillingRead, AppError> {
    let today = billing::day_of_ms(now_ms());
    let mut conn = db.pool().acquire().await?;
    let me = acting(&mut conn, user, bot).await?;
    check(actor_of(&me).as_ref())?;
    let viewer = me.ok_or(AppError::NotFound)?.actor();
    let state = store::bot_billing(&mut *conn, bot).await?.ok_or(AppError::NotFound)?;
    Ok(BillingRead { conn, viewer, state, today })
}

/// The Add-ons tab. A read: it takes no write lock, unless the billing period has ended and
/// must first roll over (once per period) so the renewal invoice exists.
pub async fn overview(db: &Db, user: UserId, bot: BotId) -> Result<BillingView, AppError> {
    let BillingRead { mut conn, viewer, mut state, today } = read(db, user, bot, policy::can_view_billing).await?;
    if today >= state.period.end {
        let write = open(db, user, bot, policy::can_view_billing).await?;
        write.tx.commit().await?;
        state = store::bot_billing(&mut *conn, bot).await?.ok_or(AppError::NotFound)?;
    }
    Ok(BillingView {
        viewer,
        plan: plan(&mut conn, &state.plan_code).await?,
        plan_next: plan(&mut conn, &state.plan_code_next).await?,
        plans: repo::plans(&mut *conn).await?,
        seats: repo::team::seat_usage(&mut *conn, bot).await?,
        paid_seats_next: state.paid_seats_next,
        period: state.period,
        today,
        invoices: store::invoices(&mut conn, bot, 24).await?,
    })
}

fn parse_quantity(quantity: i64) -> Result<i64, AppError> {
    if (1..=MAX_SEATS_PER_PURCHASE).contains(&quantity) {
        Ok(quantity)
    } else {
        Err(AppError::invalid("quantity", format!("Choose between 1 and {MAX_SEATS_PER_PURCHASE} seats.")))
    }
}

fn quote(plan: &Plan, quantity: i64, period: Period, today: Day) -> ProrationPreview {
    ProrationPreview {
        quantity,
        unit_price_minor: plan.seat_price_minor,
        currency: plan.currency.clone(),
        period,
        remaining_days: (period.end - today).clamp(0, period.days()),
        amount_minor: billing::prorate(plan.seat_price_minor, quantity, period, today),
        request_key: super::team::new_token()[..32].to_string(),
    }
}

/// The exact charge for buying `quantity` seats now, for the rest of the current period.
pub async fn preview_seat_purchase(
    db: &Db,
    user: UserId,
    bot: BotId,
    quantity: i64,
) -> Result<ProrationPreview, AppError> {
    let quantity = parse_quantity(quantity)?;
    let BillingRead { mut conn, state, today, .. } = read(db, user, bot, policy::can_manage_billing).await?;
    // A quote writes nothing: if the period has ended, price the one the purchase will roll into.
    let state = current_as_of(state, today);
    Ok(quote(&plan(&mut conn, &state.plan_code).await?, quantity, state.period, today))
}

/// Buys seats: available at once, charged as previewed (refused if the price changed since),
/// recorded as an invoice and a ledger entry. `request_key` makes a repeated submit harmless.
pub async fn buy_seats(
    db: &Db,
    user: UserId,
    bot: BotId,
    quantity: i64,
    expected_amount_minor: i64,
    request_key: &str,
) -> Result<SeatUsage, AppError> {
    let quantity = parse_quantity(quantity)?;
    let request_key = parse_request_key(request_key)?;
    let BillingWrite { mut tx, state, today, now, .. } = open(db, user, bot, policy::can_manage_billing).await?;
    if let Some(earlier) = store::confirmed_request(&mut *tx, bot, request_key).await? {
        if earlier.kind() == Some(LedgerKind::SeatsPurchased) && earlier.quantity == quantity {
            // Already bought by an earlier submit of this same confirmation.
            return Ok(repo::team::seat_usage(&mut *tx, bot).await?);
        }
        return Err(reused_key());
    }
    let plan = plan(&mut tx, &state.plan_code).await?;
    let preview = quote(&plan, quantity, state.period, today);
    if preview.amount_minor != expected_amount_minor {
        return Err(AppError::Conflict(format!(
            "The price is now {} — review the new preview and confirm again.",
            billing::format_money(preview.amount_minor, &preview.currency)
        )));
    }
    let line = InvoiceLine {
        description: format!(
            "{} prorated for {} of {}",
            count_s(quantity, "Inbox seat"),
            preview.remaining_days,
            count_s(state.period.days(), "day")
        ),
        quantity,
        unit_minor: plan.seat_price_minor,
        amount_minor: preview.amount_minor,
    };
    let invoice = store::insert_invoice(
        &mut tx,
        &store::NewInvoice {
            bot,
            description: "Seat purchase",
            period: state.period,
            currency: &plan.currency,
            lines: vec![line],
            now,
        },
    )
    .await?;
    store::insert_ledger(
        &mut *tx,
        &store::LedgerEntry {
            bot,
            entry: LedgerKind::SeatsPurchased,
            plan_code: None,
            quantity,
            amount_minor: preview.amount_minor,
            currency: &plan.currency,
            effective_day: today,
            invoice: Some(invoice),
            request_key: Some(request_key),
            actor: Some(user),
            now,
        },
    )
    .await?;
    store::add_paid_seats(&mut *tx, bot, quantity).await?;
    audit::record(
        &mut *tx,
        bot,
        Some(user),
        AuditAction::SeatsPurchased,
        &format!(
            "Bought {} for {}",
            count_s(quantity, "paid seat"),
            billing::format_money(preview.amount_minor, &preview.currency)
        ),
        now,
    )
    .await?;
    let seats = repo::team::seat_usage(&mut *tx, bot).await?;
    tx.commit().await?;
    Ok(seats)
}

/// Schedules fewer paid seats from the next period on; never below the seats in use.
/// Setting it back to the current number cancels a scheduled reduction.
pub async fn schedule_paid_seats(db: &Db, user: UserId, bot: BotId, paid_next: i64) -> Result<(), AppError> {
    let BillingWrite { mut tx, state, now, .. } = open(db, user, bot, policy::can_manage_billing).await?;
    if paid_next < 0 || paid_next > state.paid_seats {
        return Err(AppError::invalid(
            "paid_seats",
            format!("Choose between 0 and {}; buy seats to add more.", count_s(state.paid_seats, "paid seat")),
        ));
    }
    let needed = state.seats_used - state.seats_included_next;
    if paid_next < needed {
        let to_free = needed - paid_next;
        return Err(AppError::Conflict(format!(
            "{} in use. Remove {} from members first, or keep at least {}.",
            in_use(state.seats_used),
            count_s(to_free, "seat"),
            count_s(needed, "paid seat")
        )));
    }
    if !store::schedule_paid_seats(&mut *tx, bot, paid_next).await? {
        return Err(AppError::Conflict("Seats changed meanwhile — reload and try again.".into()));
    }
    let plan = plan(&mut tx, &state.plan_code).await?;
    store::insert_ledger(
        &mut *tx,
        &store::LedgerEntry {
            bot,
            entry: LedgerKind::SeatsScheduled,
            plan_code: None,
            quantity: paid_next - state.paid_seats,
            amount_minor: 0,
            currency: &plan.currency,
            effective_day: state.period.end,
            invoice: None,
            request_key: None,
            actor: Some(user),
            now,
        },
    )
    .await?;
    let summary = if paid_next == state.paid_seats {
        "Cancelled the scheduled paid seat reduction".to_string()
    } else {
        format!(
            "Scheduled paid seats {} → {paid_next} from {}",
            state.paid_seats,
            billing::format_day(state.period.end)
        )
    };
    audit::record(&mut *tx, bot, Some(user), AuditAction::SeatsScheduled, &summary, now).await?;
    tx.commit().await?;
    Ok(())
}

/// How a plan change applies: upgrades now (the price difference prorated for the rest of
/// the period), downgrades from the next period (and only if the seats in use still fit).
fn plan_change(
    state: &store::BotBilling,
    current: &Plan,
    target: &Plan,
    today: Day,
) -> Result<PlanChangePreview, AppError> {
    let remaining_days = (state.period.end - today).clamp(0, state.period.days());
    let (timing, amount_minor) = if target.code == current.code {
        (PlanChangeTiming::KeepCurrent, 0)
    } else if target.price_minor >= current.price_minor && target.included_seats >= current.included_seats {
        (PlanChangeTiming::Now, billing::prorate(target.price_minor - current.price_minor, 1, state.period, today))
    } else {
        let needed = state.seats_used - state.paid_seats_next;
        if target.included_seats < needed {
            return Err(AppError::Conflict(format!(
                "{} in use; the {} plan includes {}. Remove {} from members first.",
                in_use(state.seats_used),
                target.name,
                count_s(target.included_seats, "seat"),
                count_s(needed - target.included_seats, "seat")
            )));
        }
        (PlanChangeTiming::NextPeriod, 0)
    };
    Ok(PlanChangePreview {
        from: current.clone(),
        to: target.clone(),
        timing,
        amount_minor,
        remaining_days,
        period: state.period,
        request_key: super::team::new_token()[..32].to_string(),
    })
}

async fn target_plan(conn: &mut AnyConnection, plan_code: &str) -> Result<Plan, AppError> {
    repo::plan(conn, plan_code).await?.ok_or_else(|| AppError::invalid("plan", "Choose a plan from the list."))
}

/// What switching to `plan_code` would do and cost, shown before confirming. Charges nothing
/// and writes nothing (a read, like `preview_seat_purchase`).
pub async fn preview_plan_change(
    db: &Db,
    user: UserId,
    bot: BotId,
    plan_code: &str,
) -> Result<PlanChangePreview, AppError> {
    let BillingRead { mut conn, state, today, .. } = read(db, user, bot, policy::can_manage_billing).await?;
    let state = current_as_of(state, today);
    let target = target_plan(&mut conn, plan_code).await?;
    let current = plan(&mut conn, &state.plan_code).await?;
    plan_change(&state, &current, &target, today)
}

/// Applies a previewed plan change: charged exactly as previewed (refused if the price changed
/// since), once per `request_key` (a repeated confirm changes nothing; the key reused for
/// another plan is refused).
pub async fn change_plan(
    db: &Db,
    user: UserId,
    bot: BotId,
    plan_code: &str,
    expected_amount_minor: i64,
    request_key: &str,
) -> Result<(), AppError> {
    let request_key = parse_request_key(request_key)?;
    let BillingWrite { mut tx, state, today, now, .. } = open(db, user, bot, policy::can_manage_billing).await?;
    let target = target_plan(&mut tx, plan_code).await?;
    if let Some(earlier) = store::confirmed_request(&mut *tx, bot, request_key).await? {
        let plan_entry =
            matches!(earlier.kind(), Some(LedgerKind::PlanUpgraded | LedgerKind::PlanScheduled | LedgerKind::PlanKept));
        if plan_entry && earlier.plan_code.as_deref() == Some(target.code.as_str()) {
            return Ok(()); // this confirmation was already applied
        }
        return Err(reused_key());
    }
    let current = plan(&mut tx, &state.plan_code).await?;
    let change = plan_change(&state, &current, &target, today)?;
    if change.amount_minor != expected_amount_minor {
        return Err(AppError::Conflict(format!(
            "The price is now {} — review the new preview and confirm again.",
            billing::format_money(change.amount_minor, &target.currency)
        )));
    }
    let (entry, summary, invoice, effective_day) = match change.timing {
        PlanChangeTiming::KeepCurrent => {
            if !store::schedule_plan(&mut *tx, bot, &current.code, current.included_seats).await? {
                return Err(AppError::Conflict("Seats changed meanwhile — reload and try again.".into()));
            }
            (
                LedgerKind::PlanKept,
                format!("Kept the {} plan (cancelled a scheduled change)", current.name),
                None,
                today,
            )
        }
        PlanChangeTiming::Now => {
            store::upgrade_plan_now(&mut *tx, bot, &target.code, target.included_seats).await?;
            let invoice = if change.amount_minor > 0 {
                let line = InvoiceLine {
                    description: format!(
                        "{} → {} prorated for {} of {}",
                        current.name,
                        target.name,
                        count_s(change.remaining_days, "day"),
                        count_s(state.period.days(), "day")
                    ),
                    quantity: 1,
                    unit_minor: change.amount_minor,
                    amount_minor: change.amount_minor,
                };
                let invoice = store::NewInvoice {
                    bot,
                    description: "Plan upgrade",
                    period: state.period,
                    currency: &target.currency,
                    lines: vec![line],
                    now,
                };
                Some(store::insert_invoice(&mut tx, &invoice).await?)
            } else {
                None
            };
            let summary = format!(
                "Upgraded from {} to {} for {}",
                current.name,
                target.name,
                billing::format_money(change.amount_minor, &target.currency)
            );
            (LedgerKind::PlanUpgraded, summary, invoice, today)
        }
        PlanChangeTiming::NextPeriod => {
            if !store::schedule_plan(&mut *tx, bot, &target.code, target.included_seats).await? {
                return Err(AppError::Conflict("Seats changed meanwhile — reload and try again.".into()));
            }
            let summary =
                format!("Scheduled a change to {} from {}", target.name, billing::format_day(state.period.end));
            (LedgerKind::PlanScheduled, summary, None, state.period.end)
        }
    };
    store::insert_ledger(
        &mut *tx,
        &store::LedgerEntry {
            bot,
            entry,
            plan_code: Some(&target.code),
            quantity: 0,
            amount_minor: change.amount_minor,
            currency: &target.currency,
            effective_day,
            invoice,
            request_key: Some(request_key),
            actor: Some(user),
            now,
        },
    )
    .await?;
    audit::record(&mut *tx, bot, Some(user), audited_as(entry), &summary, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The audit log entry recorded beside a ledger entry: the same event, the same code.
fn audited_as(entry: LedgerKind) -> AuditAction {
    match entry {
        LedgerKind::SeatsPurchased => AuditAction::SeatsPurchased,
        LedgerKind::SeatsScheduled => AuditAction::SeatsScheduled,
        LedgerKind::PlanUpgraded => AuditAction::PlanUpgraded,
        LedgerKind::PlanScheduled => AuditAction::PlanScheduled,
        LedgerKind::PlanKept => AuditAction::PlanKept,
        LedgerKind::PeriodRenewed => AuditAction::PeriodRenewed,
    }
}

fn parse_request_key(key: &str) -> Result<&str, AppError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 64 {
        return Err(AppError::BadRequest("The confirmation is missing its key — preview again.".into()));
    }
    Ok(key)
}

fn reused_key() -> AppError {
    AppError::Conflict("This confirmation was already used for a different change — preview again.".into())
}

/// "1 seat is" / "3 seats are".
fn in_use(n: i64) -> String {
    format!("{} {}", count_s(n, "seat"), if n == 1 { "is" } else { "are" })
}

fn period_label(period: Period) -> String {
    format!("{} – {}", billing::format_day(period.start), billing::format_day(period.last_day()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_period_rolls_over_in_memory_as_the_write_would() {
        let day = billing::days_from_civil;
        let ended = store::BotBilling {
            plan_code: "pro".into(),
            plan_code_next: "free".into(),
            seats_included: 3,
            seats_included_next: 1,
            paid_seats: 2,
            paid_seats_next: 1,
            seats_used: 2,
            anchor_day: 24,
            period: Period { start: day(2026, 10, 24), end: day(2026, 11, 24) },
        };
        // Two periods later: both roll-overs apply, landing on the period that contains today.
        let today = day(2027, 1, 2);
        let now = current_as_of(ended.clone(), today);
        assert_eq!(now.period, Period { start: day(2026, 12, 24), end: day(2027, 1, 24) });
        assert_eq!((now.plan_code.as_str(), now.seats_included, now.paid_seats), ("free", 1, 1));
        assert_eq!((now.plan_code_next.as_str(), now.seats_included_next, now.paid_seats_next), ("free", 1, 1));
        assert_eq!(now.seats_used, 2);
        // A current period is left as it is.
        let current = current_as_of(ended.clone(), day(2026, 11, 23));
        assert_eq!((current.period, current.plan_code), (ended.period, ended.plan_code));
    }
}
