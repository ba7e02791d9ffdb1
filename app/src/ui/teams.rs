//! Team Manager > Teams: name teams and choose their members (anyone may be in several).
//! Conversations assigned to a team show under that team's filter in the Inbox.
use super::bot::use_bot_id;
use super::form_action::{FormAction, PostForm};
use super::team::TeamTabs;
use super::widgets::{ActionError, Loaded, page_data};
use crate::api::inbox::{TeamsCreate, TeamsSetMember, teams_list};
use crate::domain::AppError;
use crate::domain::inbox::{TeamListing, TeamsView};
use crate::domain::{BotId, MemberId};
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct TeamsActions {
    create: FormAction,
    set_member: FormAction,
}

#[component]
pub fn TeamsPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let actions =
        TeamsActions { create: FormAction::of::<TeamsCreate>(), set_member: FormAction::of::<TeamsSetMember>() };
    provide_context(actions);
    let data = page_data(
        move || (bot_id.get(), actions.create.version().get(), actions.set_member.version().get()),
        |(bot, ..)| async move {
            match bot {
                Some(bot) => teams_list(bot).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Teams · Switchboard" />
        <Loaded resource=data ok=|view| view! { <Teams view /> } />
    }
}

#[component]
fn Teams(view: TeamsView) -> impl IntoView {
    let actions = expect_context::<TeamsActions>();
    let bot = view.bot_id;
    let members = view.members.clone();
    view! {
        <section class="page teams">
            <TeamTabs bot />
            <h1>"Teams"</h1>
            <ActionError value=actions.set_member.value() />
            {view.teams.is_empty().then(|| view! { <p class="muted">"No teams yet."</p> })}
            <ul class="team-cards">
                {view
                    .teams
                    .into_iter()
                    .map(|team| view! { <TeamCard bot team members=members.clone() can_manage=view.can_manage /> })
                    .collect_view()}
            </ul>
            {view.can_manage.then(|| view! {
                <PostForm action=actions.create attr:class="inline-form">
                    <input type="hidden" name="bot_id" value=bot.to_string() />
                    <label>"New team" <input name="name" required maxlength="60" placeholder="e.g. Billing" /></label>
                    <ActionError value=actions.create.value() />
                    <button type="submit">"Create team"</button>
                </PostForm>
            })}
        </section>
    }
}

#[component]
fn TeamCard(bot: BotId, team: TeamListing, members: Vec<(MemberId, String)>, can_manage: bool) -> impl IntoView {
    let actions = expect_context::<TeamsActions>();
    let in_team: Vec<MemberId> = team.members.iter().map(|(id, _)| *id).collect();
    let addable: Vec<(MemberId, String)> = members.into_iter().filter(|(id, _)| !in_team.contains(id)).collect();
    let team_id = team.id;
    let team_name = team.name.clone();
    let rows: Vec<(MemberId, String, String)> = team
        .members
        .iter()
        .map(|(id, name)| (*id, name.clone(), format!("Remove {name} from {}", team.name)))
        .collect();
    let add_label = format!("Add a member to {}", team.name);
    view! {
        <li class="card team-card" data-team=team_name.clone()>
            <h2>{team.name.clone()}</h2>
            <ul class="team-members">
                {rows.into_iter().map(|(id, name, remove_label)| view! {
                    <li>
                        {name}
                        {can_manage.then(|| view! {
                            <PostForm action=actions.set_member attr:class="inline">
                                <input type="hidden" name="bot_id" value=bot.to_string() />
                                <input type="hidden" name="team_id" value=team_id.to_string() />
                                <input type="hidden" name="member_id" value=id.to_string() />
                                <input type="hidden" name="member_of" value="false" />
                                <button type="submit" class="small secondary" aria-label=remove_label.clone()>"Remove"</button>
                            </PostForm>
                        })}
                    </li>
                }).collect_view()}
            </ul>
            {(can_manage && !addable.is_empty()).then(|| view! {
                <PostForm action=actions.set_member attr:class="inline">
                    <input type="hidden" name="bot_id" value=bot.to_string() />
                    <input type="hidden" name="team_id" value=team_id.to_string() />
                    <input type="hidden" name="member_of" value="true" />
                    <select name="member_id" aria-label=add_label.clone()>
                        {addable.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="small">"Add"</button>
                </PostForm>
            })}
        </li>
    }
}
