//! Team Manager › Assignment: automatic assignment on or off, round-robin or balanced, the
//! workload capacity (the bot's default and each member's own), "assign all to one team",
//! each team's own queue, and who is online with how much they hold.
use super::bot::use_bot_id;
use super::form_action::{FormAction, PostForm};
use super::team::TeamTabs;
use super::widgets::{ActionError, Loaded, PageData, page_data};
use crate::api::assignment::{
    AutoAssign, SaveAssignmentSettings, SetMemberCapacity, SetTeamAutoAssign, SetTeamMode, assignment_overview,
};
use crate::domain::assignment::{AssignMode, AssignmentView, Availability, CAPACITY_MAX};
use crate::domain::text::count;
use crate::domain::{AppError, BotId};
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct AssignmentActions {
    save: FormAction,
    team: FormAction,
    team_mode: FormAction,
    capacity: FormAction,
    drain: FormAction,
}

#[component]
pub fn AssignmentPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let actions = AssignmentActions {
        save: FormAction::of::<SaveAssignmentSettings>(),
        team: FormAction::of::<SetTeamAutoAssign>(),
        team_mode: FormAction::of::<SetTeamMode>(),
        capacity: FormAction::of::<SetMemberCapacity>(),
        drain: FormAction::of::<AutoAssign>(),
    };
    provide_context(actions);
    let data = page_data(
        move || {
            (
                bot_id.get(),
                actions.save.version().get(),
                actions.team.version().get(),
                actions.team_mode.version().get(),
                actions.capacity.version().get(),
                actions.drain.version().get(),
            )
        },
        |(bot, ..)| async move {
            match bot {
                Some(bot) => assignment_overview(bot).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Assignment · Switchboard" />
        {move || bot_id.get().map(|bot| view! { <Assignment bot data /> })}
    }
}

#[component]
fn Assignment(bot: BotId, data: PageData<AssignmentView>) -> impl IntoView {
    let actions = expect_context::<AssignmentActions>();
    view! {
        <section class="page assignment">
            <TeamTabs bot />
            <h1>"Assignment"</h1>
            <Loaded resource=data ok=move |view: AssignmentView| {
                let can_edit = view.cannot_edit.is_none();
                let s = view.settings.clone();
                let bot_mode = s.mode;
                let teams = view.teams.clone();
                view! {
                    {view.cannot_edit.clone().map(|reason| view! { <p class="notice">{reason}</p> })}
                    <PostForm action=actions.save attr:class="settings-form">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <fieldset disabled=!can_edit>
                            <label class="check">
                                <input type="checkbox" name="auto_assign" value="on" checked=s.auto_assign />
                                " Assign new conversations automatically"
                            </label>
                            <label>
                                "Mode "
                                <select name="mode">
                                    <option value=AssignMode::Balanced.code() selected=s.mode == AssignMode::Balanced>
                                        "Balanced — fewest open conversations first"
                                    </option>
                                    <option value=AssignMode::RoundRobin.code() selected=s.mode == AssignMode::RoundRobin>
                                        "Round-robin — in turn"
                                    </option>
                                </select>
                            </label>
                            <label>
                                "Workload capacity (open conversations per agent) "
                                <input name="default_capacity" type="number" min="1" max=CAPACITY_MAX.to_string()
                                    value=s.default_capacity.to_string() required />
                            </label>
                            <label>
                                "Assign all conversations to "
                                <select name="route_team_id">
                                    <option value="" selected=s.route_team.is_none()>"No one team (each to anyone who can take it)"</option>
                                    {teams.iter().map(|t| view! {
                                        <option value=t.team.to_string() selected=s.route_team == Some(t.team)>{format!("the {} team", t.name)}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                            <label>
                                "Go offline when the last Inbox tab has been closed for (minutes, 0 = never) "
                                <input name="auto_offline_minutes" type="number" min="0" max="1440"
                                    value=s.auto_offline_minutes.to_string() />
                            </label>
                            <label>
                                "If the assignee leaves a customer unanswered for (minutes, 0 = never) "
                                <input name="unanswered_minutes" type="number" min="0" max="10080"
                                    value=s.unanswered_minutes.to_string() />
                            </label>
                            <label>
                                " …then give it to "
                                <select name="unanswered_team_id">
                                    <option value="" selected=s.unanswered_team.is_none()>"someone else who can take it"</option>
                                    {teams.iter().map(|t| view! {
                                        <option value=t.team.to_string() selected=s.unanswered_team == Some(t.team)>{format!("the {} team's queue", t.name)}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                            <button type="submit">"Save"</button>
                        </fieldset>
                        <ActionError value=actions.save.value() />
                    </PostForm>

                    <h2>"Queue"</h2>
                    <p data-testid="queue-waiting">{format!("{} waiting for a person.", count(view.waiting, "conversation", "conversations"))}</p>
                    {(can_edit && view.waiting > 0).then(|| view! {
                        <PostForm action=actions.drain attr:class="inline">
                            <input type="hidden" name="bot_id" value=bot.to_string() />
                            <button type="submit" class="small">"Auto assign the queue now"</button>
                        </PostForm>
                    })}
                    <ActionError value=actions.drain.value() />

                    {(!view.teams.is_empty()).then(|| view! {
                        <h2>"Teams"</h2>
                        <table class="teams-table">
                            <thead><tr><th>"Team"</th><th>"Waiting"</th><th>"Its queue"</th><th>"Picks"</th></tr></thead>
                            <tbody>
                                {view.teams.into_iter().map(|t| view! {
                                    <tr>
                                        <td>{t.name.clone()}</td>
                                        <td>{t.waiting}</td>
                                        <td>
                                            <PostForm action=actions.team attr:class="inline">
                                                <input type="hidden" name="bot_id" value=bot.to_string() />
                                                <input type="hidden" name="team_id" value=t.team.to_string() />
                                                <input type="hidden" name="auto_assign" value=(!t.auto_assign).to_string() />
                                                <button type="submit" class="small secondary" disabled=!can_edit>
                                                    {if t.auto_assign { "Automatic — turn off" } else { "By hand — assign automatically" }}
                                                </button>
                                            </PostForm>
                                        </td>
                                        <td><TeamMode bot team=t.team name=t.name.clone() mode=t.mode bot_mode can_edit /></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <ActionError value=actions.team.value() />
                        <ActionError value=actions.team_mode.value() />
                    })}

                    <h2>"Seat holders"</h2>
                    <table class="load-table">
                        <thead><tr><th>"Name"</th><th>"Status"</th><th>"Open"</th><th>"Capacity"</th></tr></thead>
                        <tbody>
                            {view.members.into_iter().map(|m| {
                                let online = m.availability == Availability::Online;
                                let label = format!("Capacity of {}", m.name);
                                view! {
                                    <tr data-member=m.name.clone()>
                                        <td><span class=if online { "dot online" } else { "dot offline" } aria-hidden="true"></span>{m.name.clone()}</td>
                                        <td>{if online { "Online" } else { "Offline" }}</td>
                                        <td>{format!("{} of {}", m.open, m.capacity)}</td>
                                        <td>
                                            <PostForm action=actions.capacity attr:class="inline">
                                                <input type="hidden" name="bot_id" value=bot.to_string() />
                                                <input type="hidden" name="member_id" value=m.member.to_string() />
                                                <input name="capacity" type="number" min="1" max=CAPACITY_MAX.to_string() aria-label=label
                                                    placeholder="default" value=m.own_capacity.map(|c| c.to_string()).unwrap_or_default() disabled=!can_edit />
                                                <button type="submit" class="small secondary" disabled=!can_edit>"Set"</button>
                                            </PostForm>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <ActionError value=actions.capacity.value() />
                }
            } />
        </section>
    }
}

/// A team's own mode, or the bot's.
#[component]
fn TeamMode(
    bot: BotId,
    team: crate::domain::ids::TeamId,
    name: String,
    mode: Option<AssignMode>,
    bot_mode: AssignMode,
    can_edit: bool,
) -> impl IntoView {
    let actions = expect_context::<AssignmentActions>();
    let label = |m: AssignMode| match m {
        AssignMode::Balanced => "Balanced",
        AssignMode::RoundRobin => "Round-robin",
    };
    view! {
        <PostForm action=actions.team_mode attr:class="inline">
            <input type="hidden" name="bot_id" value=bot.to_string() />
            <input type="hidden" name="team_id" value=team.to_string() />
            <select name="mode" aria-label=format!("How {name} picks") disabled=!can_edit>
                <option value="" selected=mode.is_none()>{format!("Like the bot ({})", label(bot_mode).to_lowercase())}</option>
                {[AssignMode::RoundRobin, AssignMode::Balanced].into_iter().map(|m| view! {
                    <option value=m.code() selected=mode == Some(m)>{label(m)}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="small secondary" disabled=!can_edit aria-label=format!("Save how {name} picks")>
                "Save"
            </button>
        </PostForm>
    }
}
