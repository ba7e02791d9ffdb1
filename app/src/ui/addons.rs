//! The Add-ons tab: plan, paid seats (buy with an exact proration preview, schedule
//! reductions), plan changes and invoices.
use super::bot::use_bot_id;
use super::form_action::{FormAction, PostForm};
use super::team::format_time;
use super::widgets::{ActionError, Loaded, page_data};
use crate::api::billing::{BuySeats, ChangePlan, PreviewPlanChange, PreviewSeats, SchedulePaidSeats, billing_overview};
use crate::domain::billing::{format_day, format_money};
use crate::domain::policy;
use crate::domain::text::count_s;
use crate::domain::views::{BillingView, PlanChangeTiming};
use crate::domain::views::{PlanChangePreview, ProrationPreview, SeatPurchase};
use crate::domain::{AppError, BotId};
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct BillingActions {
    preview: FormAction,
    preview_plan: FormAction,
    buy: FormAction,
    schedule: FormAction,
    change_plan: FormAction,
}

#[component]
pub fn AddonsPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let actions = BillingActions {
        preview: FormAction::of::<PreviewSeats>(),
        preview_plan: FormAction::of::<PreviewPlanChange>(),
        buy: FormAction::of::<BuySeats>(),
        schedule: FormAction::of::<SchedulePaidSeats>(),
        change_plan: FormAction::of::<ChangePlan>(),
    };
    provide_context(actions);
    let overview = page_data(
        move || {
            (
                bot_id.get(),
                actions.buy.version().get(),
                actions.schedule.version().get(),
                actions.change_plan.version().get(),
            )
        },
        |(bot, ..)| async move {
            match bot {
                Some(bot) => billing_overview(bot).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Add-ons · Switchboard" />
        <Loaded resource=overview ok=|view| view! { <Addons view /> } />
    }
}

#[component]
fn Addons(view: BillingView) -> impl IntoView {
    let actions = expect_context::<BillingActions>();
    let bot = use_bot_id().get_untracked().unwrap_or(BotId(0));
    let seats = view.seats.clone();
    let currency = view.plan.currency.clone();
    let manage = policy::can_manage_billing(Some(&view.viewer));
    let denied = manage.clone().err().map(|d| d.to_string());
    let scheduled = (view.paid_seats_next != seats.paid).then(|| {
        format!("Scheduled: {} from {}.", count_s(view.paid_seats_next, "paid seat"), format_day(view.period.end))
    });
    let plans = view.plans.clone();
    let (current_code, next_code) = (view.plan.code.clone(), view.plan_next.code.clone());
    let plan_scheduled = (view.plan_next.code != view.plan.code)
        .then(|| format!("Scheduled: the {} plan from {}.", view.plan_next.name, format_day(view.period.end)));
    view! {
        <section class="page addons">
            <h1>"Add-ons"</h1>
            <div class="cards">
                <div class="card">
                    <h2>"Plan"</h2>
                    <p class="big">{view.plan.name.clone()}</p>
                    <p>{format!("{} included · {} / month", count_s(view.plan.included_seats, "Inbox seat"), format_money(view.plan.price_minor, &currency))}</p>
                    {plan_scheduled.map(|s| view! { <p class="scheduled">{s}</p> })}
                </div>
                <div class="card">
                    <h2>"Inbox seats"</h2>
                    <p class="big" data-testid="addons-seats">{format!("{} of {} used", seats.used, seats.available())}</p>
                    <p>{format!("{} included + {} paid · {} per paid seat / month", seats.included, seats.paid, format_money(view.plan.seat_price_minor, &currency))}</p>
                    {scheduled.map(|s| view! { <p class="scheduled">{s}</p> })}
                </div>
                <div class="card">
                    <h2>"Billing period"</h2>
                    <p class="big">{format!("{} – {}", format_day(view.period.start), format_day(view.period.end - 1))}</p>
                    <p>{format!("{} left including today", count_s(view.period.end - view.today, "day"))}</p>
                </div>
            </div>

            <h2>"Buy seats"</h2>
            {match manage.clone() {
                Ok(()) => view! {
                    <PostForm action=actions.preview attr:class="inline-form">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <label>"How many seats" <input type="number" name="quantity" min="1" max="100" value="1" required /></label>
                        <ActionError value=actions.preview.value() />
                        <button type="submit" class="secondary">"Preview price"</button>
                    </PostForm>
                    <PurchasePreview bot />
                }
                .into_any(),
                Err(_) => view! { <p class="muted reason">{denied.clone()}</p> }.into_any(),
            }}

            <h2>"Reduce paid seats"</h2>
            {match manage.clone() {
                Ok(()) if seats.paid > 0 => view! {
                    <p class="muted">"Takes effect at the start of the next billing period; never below the seats in use."</p>
                    <PostForm action=actions.schedule attr:class="inline-form">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <label>
                            "Paid seats from next period"
                            <input type="number" name="paid_seats" min="0" max=seats.paid value=view.paid_seats_next required />
                        </label>
                        <ActionError value=actions.schedule.value() />
                        <button type="submit" class="secondary">"Schedule"</button>
                    </PostForm>
                }
                .into_any(),
                Ok(()) => view! { <p class="muted">"No paid seats to reduce."</p> }.into_any(),
                Err(_) => view! { <p class="muted reason">{denied.clone()}</p> }.into_any(),
            }}

            <h2>"Change plan"</h2>
            <p class="muted">"Choose a plan to see exactly what changes and what it costs; nothing changes until you confirm."</p>
            <ActionError value=actions.preview_plan.value() />
            <PlanChangeConfirm bot />
            <table class="members plans">
                <thead>
                    <tr>
                        <th scope="col">"Plan"</th>
                        <th scope="col">"Included seats"</th>
                        <th scope="col">"Price / month"</th>
                        <th scope="col">"Seat price / month"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {plans
                        .into_iter()
                        .map(|plan| {
                            let current = plan.code == current_code;
                            let button = match &manage {
                                Ok(()) if current && next_code == current_code => view! { <span class="muted">"Current plan"</span> }.into_any(),
                                Ok(()) => view! {
                                    <PostForm action=actions.preview_plan attr:class="inline">
                                        <input type="hidden" name="bot_id" value=bot.to_string() />
                                        <input type="hidden" name="plan" value=plan.code.clone() />
                                        <button type="submit" class="small secondary">
                                            {if current { "Keep this plan…" } else { "Switch…" }}
                                        </button>
                                    </PostForm>
                                }
                                .into_any(),
                                Err(denied) => view! {
                                    <button type="button" class="small" disabled=true title=denied.to_string()>"Switch"</button>
                                }
                                .into_any(),
                            };
                            view! {
                                <tr>
                                    <td>{plan.name.clone()}</td>
                                    <td>{plan.included_seats}</td>
                                    <td>{format_money(plan.price_minor, &plan.currency)}</td>
                                    <td>{format_money(plan.seat_price_minor, &plan.currency)}</td>
                                    <td>{button}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>

            <h2>"Invoices"</h2>
            {if view.invoices.is_empty() {
                view! { <p class="muted">"No invoices yet."</p> }.into_any()
            } else {
                view! {
                    <table class="members invoices">
                        <thead>
                            <tr>
                                <th scope="col">"Date (UTC)"</th>
                                <th scope="col">"Description"</th>
                                <th scope="col">"Lines"</th>
                                <th scope="col">"Total"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {view
                                .invoices
                                .into_iter()
                                .map(|inv| view! {
                                    <tr>
                                        <td>{format_time(inv.created_at_ms)}</td>
                                        <td>{inv.description}</td>
                                        <td>
                                            {inv.lines.into_iter().map(|l| view! {
                                                <div>{format!("{} × {} — {}", l.quantity, l.description, format_money(l.amount_minor, &inv.currency))}</div>
                                            }).collect_view()}
                                        </td>
                                        <td>{format_money(inv.total_minor, &inv.currency)}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
    }
}

/// The exact charge from the last preview, with the confirmation that charges exactly that.
#[component]
fn PurchasePreview(bot: BotId) -> impl IntoView {
    let actions = expect_context::<BillingActions>();
    move || {
        let bought = actions.buy.output::<SeatPurchase>();
        actions.preview.output::<ProrationPreview>().map(move |p| {
            // The confirmation of this very preview already went through: say so, and don't offer it again.
            let done = bought.filter(|b| b.request_key == p.request_key);
            let is_done = done.is_some();
            let done =
                done.map(|b| view! { <p class="ok" role="status">{format!("Done — {}.", b.seats.summary())}</p> });
            view! {
                <div class="preview" data-testid="proration-preview">
                    <p>
                        {format!(
                            "{} × {} per month, prorated for the {} of this {}-day period (through {}):",
                            count_s(p.quantity, "seat"),
                            format_money(p.unit_price_minor, &p.currency),
                            count_s(p.remaining_days, "remaining day"),
                            p.period.end - p.period.start,
                            format_day(p.period.end - 1),
                        )}
                    </p>
                    <p class="big" data-testid="proration-amount">{format_money(p.amount_minor, &p.currency)}</p>
                    <PostForm action=actions.buy attr:class="inline">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="quantity" value=p.quantity.to_string() />
                        <input type="hidden" name="expected_amount_minor" value=p.amount_minor.to_string() />
                        <input type="hidden" name="request_key" value=p.request_key.clone() />
                        <button type="submit" disabled=move || is_done || actions.buy.pending().get()>
                            {format!("Confirm purchase of {}", format_money(p.amount_minor, &p.currency))}
                        </button>
                    </PostForm>
                    <ActionError value=actions.buy.value() />
                    {done}
                </div>
            }
        })
    }
}

/// The plan change the admin chose, described exactly (what is charged now, from when), with
/// the confirmation that applies exactly that, once.
#[component]
fn PlanChangeConfirm(bot: BotId) -> impl IntoView {
    let actions = expect_context::<BillingActions>();
    move || {
        let changed = actions.change_plan.output::<String>();
        actions.preview_plan.output::<PlanChangePreview>().map(move |p| {
            let done = changed.as_ref().is_some_and(|key| *key == p.request_key);
            let label = match (p.timing, p.amount_minor) {
                (PlanChangeTiming::Now, amount) if amount > 0 => {
                    format!("Confirm and pay {}", format_money(amount, &p.to.currency))
                }
                (PlanChangeTiming::KeepCurrent, _) => format!("Confirm: stay on {}", p.from.name),
                _ => format!("Confirm switch to {}", p.to.name),
            };
            view! {
                <div class="preview" data-testid="plan-change-preview">
                    <p data-testid="plan-change-text">{p.describe()}</p>
                    <PostForm action=actions.change_plan attr:class="inline">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="plan" value=p.to.code.clone() />
                        <input type="hidden" name="expected_amount_minor" value=p.amount_minor.to_string() />
                        <input type="hidden" name="request_key" value=p.request_key.clone() />
                        <button type="submit" disabled=move || done || actions.change_plan.pending().get()>{label}</button>
                    </PostForm>
                    <ActionError value=actions.change_plan.value() />
                    {done.then(|| view! { <p class="ok" role="status">"Done — the plan change is saved."</p> })}
                </div>
            }
        })
    }
}
