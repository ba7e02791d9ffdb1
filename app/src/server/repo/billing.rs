//! The bot's plan, paid seats and billing period; invoices and the billing ledger.
use crate::domain::billing::Period;
use crate::domain::views::{InvoiceLine, InvoiceView};
use crate::domain::{BotId, UserId};
use sqlx::{Any, Executor};

#[derive(Debug, Clone)]
pub struct BotBilling {
    pub plan_code: String,
    pub plan_code_next: String,
    pub seats_included: i64,
    pub seats_included_next: i64,
    pub paid_seats: i64,
    pub paid_seats_next: i64,
    pub seats_used: i64,
    pub anchor_day: u32,
    pub period: Period,
}

#[derive(sqlx::FromRow)]
struct BotBillingRow {
    plan_code: String,
    plan_code_next: String,
    seats_included: i64,
    seats_included_next: i64,
    paid_seats: i64,
    paid_seats_next: i64,
    seats_used: i64,
    billing_anchor_day: i64,
    period_start: i64,
    period_end: i64,
}

impl From<BotBillingRow> for BotBilling {
    fn from(row: BotBillingRow) -> Self {
        BotBilling {
            plan_code: row.plan_code,
            plan_code_next: row.plan_code_next,
            seats_included: row.seats_included,
            seats_included_next: row.seats_included_next,
            paid_seats: row.paid_seats,
            paid_seats_next: row.paid_seats_next,
            seats_used: row.seats_used,
            // The schema keeps it within 1..=31.
            anchor_day: row.billing_anchor_day as u32,
            period: Period { start: row.period_start, end: row.period_end },
        }
    }
}

pub async fn bot_billing<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
) -> Result<Option<BotBilling>, sqlx::Error> {
    let row: Option<BotBillingRow> = sqlx::query_as(
        r#"
        SELECT plan_code, plan_code_next, seats_included, seats_included_next, paid_seats, paid_seats_next,
               seats_used, billing_anchor_day, period_start, period_end
        FROM bots
        WHERE id = $1
        "#,
    )
    .bind(bot.0)
    .fetch_optional(db)
    .await?;
    Ok(row.map(BotBilling::from))
}

/// Starts the next period: scheduled changes take effect.
pub async fn roll_period<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    next: Period,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"
        UPDATE bots
        SET plan_code = plan_code_next, seats_included = seats_included_next, paid_seats = paid_seats_next,
            period_start = $1, period_end = $2
        WHERE id = $3
        "#,
    )
    .bind(next.start)
    .bind(next.end)
    .bind(bot.0)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn add_paid_seats<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    quantity: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE bots SET paid_seats = paid_seats + $1, paid_seats_next = paid_seats_next + $1 WHERE id = $2")
        .bind(quantity)
        .bind(bot.0)
        .execute(db)
        .await?;
    Ok(())
}

/// Schedules the paid seat count for the next period — only if the seats in use still fit
/// (one conditional statement, so a concurrent seat grant cannot slip past it).
pub async fn schedule_paid_seats<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    paid_next: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE bots SET paid_seats_next = $1 WHERE id = $2 AND $1 <= paid_seats AND seats_used <= seats_included_next + $1",
    )
    .bind(paid_next)
    .bind(bot.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn upgrade_plan_now<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    plan_code: &str,
    included: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE bots SET plan_code = $1, plan_code_next = $1, seats_included = $2, seats_included_next = $2 WHERE id = $3",
    )
    .bind(plan_code)
    .bind(included)
    .bind(bot.0)
    .execute(db)
    .await?;
    Ok(())
}

/// Schedules a plan for the next period if the seats in use fit it.
pub async fn schedule_plan<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    plan_code: &str,
    included: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE bots SET plan_code_next = $1, seats_included_next = $2 WHERE id = $3 AND seats_used <= $2 + paid_seats_next",
    )
    .bind(plan_code)
    .bind(included)
    .bind(bot.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct NewInvoice<'a> {
    pub bot: BotId,
    pub description: &'a str,
    pub period: Period,
    pub currency: &'a str,
    pub lines: Vec<InvoiceLine>,
    pub now: i64,
}

pub async fn insert_invoice(conn: &mut sqlx::AnyConnection, invoice: &NewInvoice<'_>) -> Result<i64, sqlx::Error> {
    let total: i64 = invoice.lines.iter().map(|l| l.amount_minor).sum();
    let id: i64 = sqlx::query_scalar(
        r#"
        INSERT INTO invoices (bot_id, description, period_start, period_end, total_minor, currency, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
        "#,
    )
    .bind(invoice.bot.0)
    .bind(invoice.description)
    .bind(invoice.period.start)
    .bind(invoice.period.end)
    .bind(total)
    .bind(invoice.currency)
    .bind(invoice.now)
    .fetch_one(&mut *conn)
    .await?;
    for line in &invoice.lines {
        sqlx::query(
            "INSERT INTO invoice_lines (invoice_id, description, quantity, unit_minor, amount_minor) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&line.description)
        .bind(line.quantity)
        .bind(line.unit_minor)
        .bind(line.amount_minor)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// What a ledger row records; stored as its `code()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    SeatsPurchased,
    SeatsScheduled,
    PlanUpgraded,
    PlanScheduled,
    PlanKept,
    PeriodRenewed,
}

impl LedgerKind {
    pub const ALL: [LedgerKind; 6] = [
        LedgerKind::SeatsPurchased,
        LedgerKind::SeatsScheduled,
        LedgerKind::PlanUpgraded,
        LedgerKind::PlanScheduled,
        LedgerKind::PlanKept,
        LedgerKind::PeriodRenewed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LedgerKind::SeatsPurchased => "seats.purchased",
            LedgerKind::SeatsScheduled => "seats.scheduled",
            LedgerKind::PlanUpgraded => "plan.upgraded",
            LedgerKind::PlanScheduled => "plan.scheduled",
            LedgerKind::PlanKept => "plan.kept",
            LedgerKind::PeriodRenewed => "period.renewed",
        }
    }

    pub fn from_code(code: &str) -> Option<LedgerKind> {
        LedgerKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

pub struct LedgerEntry<'a> {
    pub bot: BotId,
    pub entry: LedgerKind,
    /// The plan chosen, for plan entries.
    pub plan_code: Option<&'a str>,
    pub quantity: i64,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub effective_day: i64,
    pub invoice: Option<i64>,
    pub request_key: Option<&'a str>,
    pub actor: Option<UserId>,
    pub now: i64,
}

pub async fn insert_ledger<'c>(db: impl Executor<'c, Database = Any>, e: &LedgerEntry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"
        INSERT INTO billing_ledger (bot_id, entry, quantity, amount_minor, currency, effective_day, invoice_id,
                                    request_key, actor_user_id, created_at, plan_code)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        "#,
    )
    .bind(e.bot.0)
    .bind(e.entry.code())
    .bind(e.quantity)
    .bind(e.amount_minor)
    .bind(e.currency)
    .bind(e.effective_day)
    .bind(e.invoice)
    .bind(e.request_key)
    .bind(e.actor.map(|u| u.0))
    .bind(e.now)
    .bind(e.plan_code)
    .execute(db)
    .await?;
    Ok(())
}

/// What an earlier confirmation with the same key did.
#[derive(Debug, sqlx::FromRow)]
pub struct ConfirmedRequest {
    pub entry: String,
    pub quantity: i64,
    pub plan_code: Option<String>,
}

impl ConfirmedRequest {
    pub fn kind(&self) -> Option<LedgerKind> {
        LedgerKind::from_code(&self.entry)
    }
}

pub async fn confirmed_request<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    key: &str,
) -> Result<Option<ConfirmedRequest>, sqlx::Error> {
    sqlx::query_as("SELECT entry, quantity, plan_code FROM billing_ledger WHERE bot_id = $1 AND request_key = $2")
        .bind(bot.0)
        .bind(key)
        .fetch_optional(db)
        .await
}

#[derive(sqlx::FromRow)]
struct InvoiceRow {
    id: i64,
    description: String,
    period_start: i64,
    period_end: i64,
    total_minor: i64,
    currency: String,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct InvoiceLineRow {
    description: String,
    quantity: i64,
    unit_minor: i64,
    amount_minor: i64,
}

impl From<InvoiceLineRow> for InvoiceLine {
    fn from(row: InvoiceLineRow) -> Self {
        InvoiceLine {
            description: row.description,
            quantity: row.quantity,
            unit_minor: row.unit_minor,
            amount_minor: row.amount_minor,
        }
    }
}

pub async fn invoices(conn: &mut sqlx::AnyConnection, bot: BotId, limit: i64) -> Result<Vec<InvoiceView>, sqlx::Error> {
    let heads: Vec<InvoiceRow> = sqlx::query_as(
        r#"
        SELECT id, description, period_start, period_end, total_minor, currency, created_at
        FROM invoices
        WHERE bot_id = $1
        ORDER BY id DESC
        LIMIT $2
        "#,
    )
    .bind(bot.0)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(heads.len());
    for head in heads {
        let lines: Vec<InvoiceLineRow> = sqlx::query_as(
            r#"
            SELECT description, quantity, unit_minor, amount_minor
            FROM invoice_lines
            WHERE invoice_id = $1
            ORDER BY id
            "#,
        )
        .bind(head.id)
        .fetch_all(&mut *conn)
        .await?;
        out.push(InvoiceView {
            id: head.id,
            description: head.description,
            period: Period { start: head.period_start, end: head.period_end },
            total_minor: head.total_minor,
            currency: head.currency,
            created_at_ms: head.created_at,
            lines: lines.into_iter().map(InvoiceLine::from).collect(),
        });
    }
    Ok(out)
}
