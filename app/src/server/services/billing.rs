//! Add-ons: the plan, paid seats, proration and invoices. The ledger is the source of truth;
//! a payment processor will plug in where invoices are created.
use super::{acting, actor_of};
use crate::domain::billing::{self, Day, Period};
use crate::domain::plan::{Plan, SeatUsage};
use crate::domain::policy::{self, Actor, Denied};
use crate::domain::views::{BillingView, InvoiceLine, ProrationPreview};
use crate::domain::{AppError, BotId, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::repo::{self, audit, billing as store};
use sqlx::{Any, AnyConnection, Transaction};

pub const MAX_SEATS_PER_PURCHASE: i64 = 100;

/// Rolls the bot into the current period if one or more ended: scheduled changes take
/// effect and each new period gets its renewal invoice. Runs inside the caller's write.
async fn ensure_current_period(conn: &mut AnyConnection, bot: BotId, today: Day, now: i64) -> Result<(), AppError> {
    for _ in 0..120 {
        let state = store::bot_billing(&mut *conn, bot).await?.ok_or(AppError::NotFound)?;
        if today < state.period.end {
            return Ok(());
        }
        let next = billing::period_containing(state.anchor_day, state.period.end);
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
                    entry: "period.renewed",
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
            "period.renewed",
            &format!("Billing period {} started", period_label(next)),
            now,
        )
        .await?;
    }
    Ok(())
}

async fn plan(conn: &mut AnyConnection, code: &str) -> Result<Plan, AppError> {
    repo::plan(conn, code).await?.ok_or_else(|| {
        tracing::error!(plan = code, "a bot refers to a plan missing from the catalogue");
        AppError::Internal
    })
}

/// A billing write in progress: the bot row locked, the actor checked, the period current.
struct BillingWrite {
    tx: Transaction<'static, Any>,
    viewer: Actor,
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
    let viewer = me.ok_or(AppError::NotFound)?.actor();
    ensure_current_period(&mut tx, bot, today, now).await?;
    let state = store::bot_billing(&mut *tx, bot).await?.ok_or(AppError::NotFound)?;
    Ok(BillingWrite { tx, viewer, state, today, now })
}

pub async fn overview(db: &Db, user: UserId, bot: BotId) -> Result<BillingView, AppError> {
    let BillingWrite { mut tx, viewer, state, today, .. } = open(db, user, bot, policy::can_view_billing).await?;
    let view = BillingView {
        viewer,
        plan: plan(&mut tx, &state.plan_code).await?,
        plan_next: plan(&mut tx, &state.plan_code_next).await?,
        plans: repo::plans(&mut *tx).await?,
        seats: SeatUsage { used: state.seats_used, included: state.seats_included, paid: state.paid_seats },
        paid_seats_next: state.paid_seats_next,
        period: state.period,
        today,
        invoices: store::invoices(&mut tx, bot, 24).await?,
    };
    tx.commit().await?;
    Ok(view)
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
    let BillingWrite { mut tx, state, today, .. } = open(db, user, bot, policy::can_manage_billing).await?;
    let preview = quote(&plan(&mut tx, &state.plan_code).await?, quantity, state.period, today);
    tx.commit().await?;
    Ok(preview)
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
    let request_key = request_key.trim();
    if request_key.is_empty() || request_key.len() > 64 {
        return Err(AppError::BadRequest("The purchase request is missing its key.".into()));
    }
    let BillingWrite { mut tx, state, today, now, .. } = open(db, user, bot, policy::can_manage_billing).await?;
    if store::request_seen(&mut *tx, bot, request_key).await? {
        // Already bought by an earlier submit of this same confirmation.
        return Ok(repo::team::seat_usage(&mut *tx, bot).await?);
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
            "{quantity} Inbox seat{} prorated for {} of {} days",
            if quantity == 1 { "" } else { "s" },
            preview.remaining_days,
            state.period.days()
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
            entry: "seats.purchased",
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
        "seats.purchased",
        &format!(
            "Bought {quantity} paid seat(s) for {}",
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
            format!("Choose between 0 and {} paid seats; buy seats to add more.", state.paid_seats),
        ));
    }
    let needed = state.seats_used - state.seats_included_next;
    if paid_next < needed {
        let to_free = needed - paid_next;
        return Err(AppError::Conflict(format!(
            "{} seats are in use. Remove {to_free} seat{} from members first, or keep at least {needed} paid seats.",
            state.seats_used,
            if to_free == 1 { "" } else { "s" }
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
            entry: "seats.scheduled",
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
    audit::record(&mut *tx, bot, Some(user), "seats.scheduled", &summary, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Upgrades take effect now (the price difference prorated for the rest of the period);
/// downgrades are scheduled for the next period and must still fit the seats in use.
pub async fn change_plan(db: &Db, user: UserId, bot: BotId, plan_code: &str) -> Result<(), AppError> {
    let BillingWrite { mut tx, state, today, now, .. } = open(db, user, bot, policy::can_manage_billing).await?;
    let target = repo::plan(&mut *tx, plan_code)
        .await?
        .ok_or_else(|| AppError::invalid("plan", "Choose a plan from the list."))?;
    let current = plan(&mut tx, &state.plan_code).await?;
    let (entry, amount, summary) = if target.code == current.code {
        if !store::schedule_plan(&mut *tx, bot, &current.code, current.included_seats).await? {
            return Err(AppError::Conflict("Seats changed meanwhile — reload and try again.".into()));
        }
        ("plan.kept", 0, format!("Kept the {} plan (cancelled a scheduled change)", current.name))
    } else if target.price_minor >= current.price_minor && target.included_seats >= current.included_seats {
        let amount = billing::prorate(target.price_minor - current.price_minor, 1, state.period, today);
        store::upgrade_plan_now(&mut *tx, bot, &target.code, target.included_seats).await?;
        if amount > 0 {
            store::insert_invoice(
                &mut tx,
                &store::NewInvoice {
                    bot,
                    description: "Plan upgrade",
                    period: state.period,
                    currency: &target.currency,
                    lines: vec![InvoiceLine {
                        description: format!(
                            "{} → {} prorated for {} days",
                            current.name,
                            target.name,
                            state.period.end - today
                        ),
                        quantity: 1,
                        unit_minor: amount,
                        amount_minor: amount,
                    }],
                    now,
                },
            )
            .await?;
        }
        ("plan.upgraded", amount, format!("Upgraded from {} to {}", current.name, target.name))
    } else {
        let needed = state.seats_used - state.paid_seats_next;
        if target.included_seats < needed {
            return Err(AppError::Conflict(format!(
                "{} seats are in use; the {} plan includes {}. Remove {} seat(s) from members first.",
                state.seats_used,
                target.name,
                target.included_seats,
                needed - target.included_seats
            )));
        }
        if !store::schedule_plan(&mut *tx, bot, &target.code, target.included_seats).await? {
            return Err(AppError::Conflict("Seats changed meanwhile — reload and try again.".into()));
        }
        (
            "plan.scheduled",
            0,
            format!("Scheduled a change to {} from {}", target.name, billing::format_day(state.period.end)),
        )
    };
    store::insert_ledger(
        &mut *tx,
        &store::LedgerEntry {
            bot,
            entry,
            quantity: 0,
            amount_minor: amount,
            currency: &target.currency,
            effective_day: if entry == "plan.scheduled" { state.period.end } else { today },
            invoice: None,
            request_key: None,
            actor: Some(user),
            now,
        },
    )
    .await?;
    audit::record(&mut *tx, bot, Some(user), entry, &summary, now).await?;
    tx.commit().await?;
    Ok(())
}

fn period_label(period: Period) -> String {
    format!("{} – {}", billing::format_day(period.start), billing::format_day(period.last_day()))
}
