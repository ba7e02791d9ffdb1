use crate::domain::deferred::Deferred;
use crate::domain::views::{BillingView, PlanChangePreview, ProrationPreview, SeatPurchase};
use crate::domain::{AppError, BotId};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "billing/overview")]
pub async fn billing_overview(bot_id: BotId) -> Result<Deferred<BillingView>, AppError> {
    use crate::server::{context, services::billing};
    let (state, user) = context::signed_in_user().await?;
    Deferred::new(&billing::overview(&state.db, user, bot_id).await?)
}

#[server(prefix = "/api", endpoint = "billing/preview-seats")]
pub async fn preview_seats(bot_id: BotId, quantity: i64) -> Result<ProrationPreview, AppError> {
    use crate::server::{context, services::billing};
    let (state, user) = context::signed_in_user().await?;
    billing::preview_seat_purchase(&state.db, user, bot_id, quantity).await
}

#[server(prefix = "/api", endpoint = "billing/buy-seats")]
pub async fn buy_seats(
    bot_id: BotId,
    quantity: i64,
    expected_amount_minor: i64,
    request_key: String,
) -> Result<SeatPurchase, AppError> {
    use crate::server::{context, services::billing};
    let (state, user) = context::signed_in_user().await?;
    let seats = billing::buy_seats(&state.db, user, bot_id, quantity, expected_amount_minor, &request_key).await?;
    Ok(SeatPurchase { seats, request_key })
}

#[server(prefix = "/api", endpoint = "billing/schedule-seats")]
pub async fn schedule_paid_seats(bot_id: BotId, paid_seats: i64) -> Result<(), AppError> {
    use crate::server::{context, services::billing};
    let (state, user) = context::signed_in_user().await?;
    billing::schedule_paid_seats(&state.db, user, bot_id, paid_seats).await
}

#[server(prefix = "/api", endpoint = "billing/preview-plan")]
pub async fn preview_plan_change(bot_id: BotId, plan: String) -> Result<PlanChangePreview, AppError> {
    use crate::server::{context, services::billing};
    let (state, user) = context::signed_in_user().await?;
    billing::preview_plan_change(&state.db, user, bot_id, &plan).await
}

#[server(prefix = "/api", endpoint = "billing/change-plan")]
pub async fn change_plan(
    bot_id: BotId,
    plan: String,
    expected_amount_minor: i64,
    request_key: String,
) -> Result<String, AppError> {
    use crate::server::{context, services::billing};
    let (state, user) = context::signed_in_user().await?;
    billing::change_plan(&state.db, user, bot_id, &plan, expected_amount_minor, &request_key).await?;
    Ok(request_key)
}
