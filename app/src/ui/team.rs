//! Bot Settings > Team Manager: the Team tab (members, seats, roles, invitations), the Roles
//! help table and the Audit log tab. Every control asks the shared policy whether the viewer
//! may use it and, if not, shows the reason instead of silently doing nothing.
use super::bot::use_bot_id;
use super::form_action::{FormAction, PostForm};
use super::handoff::{HandoffArgs, Removal, handoff_panel, needs_handoff};
use super::widgets::{ActionError, Loaded, Loading, encode_query, page_data};
use crate::api::team::{ChangeRole, HandOff, Invite, RemoveMember, RevokeInvitation, SetSeat, audit_log, team};
use crate::domain::plan::SeatUsage;
use crate::domain::policy::{self, Actor, Denied};
use crate::domain::role::Permission;
use crate::domain::views::{
    AuditPage as AuditEntries, InvitationCreated, InvitationView, MemberPage, MemberRow, TeamView,
};
use crate::domain::{AppError, BotId, MemberId, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

/// The Team Manager sub-tabs.
#[component]
pub fn TeamTabs(bot: BotId) -> impl IntoView {
    view! {
        <p class="breadcrumb">"Bot Settings › Team Manager"</p>
        <nav class="subtabs" aria-label="Team Manager">
            <A href=format!("/bots/{bot}/team") exact=true>"Team"</A>
            <A href=format!("/bots/{bot}/team/teams")>"Teams"</A>
            <A href=format!("/bots/{bot}/team/assignment")>"Assignment"</A>
            <A href=format!("/bots/{bot}/team/audit")>"Audit log"</A>
        </nav>
    }
}

#[derive(Clone, Copy)]
struct TeamActions {
    set_seat: FormAction,
    change_role: FormAction,
    remove: FormAction,
    invite: FormAction,
    revoke: FormAction,
    hand_off: FormAction,
    /// The role the last role change asked for (the handoff step repeats it).
    last_role: RwSignal<Option<Role>>,
    /// The row the most recent row action was sent for, so its error shows in that row. Kept
    /// at page level: the table re-renders when the data refetches after the action.
    last_target: RwSignal<Option<RowTarget>>,
}

/// What a row action was about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RowTarget {
    Seat(MemberId),
    Role(MemberId),
    Remove(MemberId),
    Revoke(i64),
}

impl TeamActions {
    /// Records each dispatched row action's target (from the fields it sent).
    fn track_targets(self) {
        let member = |action: FormAction| action.sent_field("member_id").and_then(|m| m.parse::<MemberId>().ok());
        Effect::new(move |_| {
            if let Some(member) = member(self.set_seat) {
                self.last_target.set(Some(RowTarget::Seat(member)));
            }
        });
        Effect::new(move |_| {
            if let Some(member) = member(self.change_role) {
                self.last_target.set(Some(RowTarget::Role(member)));
                self.last_role.set(self.change_role.sent_field("role").and_then(|r| r.parse::<Role>().ok()));
            }
        });
        Effect::new(move |_| {
            if let Some(member) = member(self.remove) {
                self.last_target.set(Some(RowTarget::Remove(member)));
            }
        });
        // A completed handoff settles the refusal it answered.
        Effect::new(move |_| {
            if matches!(self.hand_off.value().get(), Some(Ok(_))) {
                self.last_target.set(None);
            }
        });
        Effect::new(move |_| {
            if let Some(invitation) = self.revoke.sent_field("invitation_id").and_then(|i| i.parse::<i64>().ok()) {
                self.last_target.set(Some(RowTarget::Revoke(invitation)));
            }
        });
    }

    /// The error of the last action, if it was for `target`.
    fn error_for(self, target: RowTarget) -> Option<AppError> {
        if self.last_target.get() != Some(target) {
            return None;
        }
        let action = match target {
            RowTarget::Seat(_) => self.set_seat,
            RowTarget::Role(_) => self.change_role,
            RowTarget::Remove(_) => self.remove,
            RowTarget::Revoke(_) => self.revoke,
        };
        action.value().get().and_then(Result::err)
    }
}

/// A row action's error, shown in the row that was clicked.
#[component]
fn RowError(target: RowTarget, viewer: Actor, #[prop(optional)] bot: Option<BotId>) -> impl IntoView {
    let actions = expect_context::<TeamActions>();
    move || {
        actions.error_for(target).map(|err| {
            let text = match &err {
                AppError::PaymentRequired(_) if !viewer.role.can(Permission::ManageBilling) => {
                    Denied::NoFreeSeats.explain_to(&viewer)
                }
                other => other.to_string(),
            };
            // "Holds N open conversations": the handoff step, right here in the row.
            let removal = match target {
                RowTarget::Seat(m) => Some((m, Removal { what: "seat", role: None })),
                RowTarget::Remove(m) => Some((m, Removal { what: "member", role: None })),
                RowTarget::Role(m) => Some((m, Removal { what: "role", role: actions.last_role.get_untracked() })),
                RowTarget::Revoke(_) => None,
            };
            let step = (needs_handoff(&err) && bot.is_some()).then_some(removal).flatten().map(|(member, removal)| {
                let (bot, action) = (bot.unwrap_or(BotId(0)), actions.hand_off);
                view! {
                    <Suspense fallback=Loading>
                        {Suspend::new(async move { handoff_panel(HandoffArgs { bot, member, removal, action }).await })}
                    </Suspense>
                }
            });
            view! { <p class="form-error row-error" role="alert">{text}</p> {step} }
        })
    }
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let actions = TeamActions {
        set_seat: FormAction::of::<SetSeat>(),
        change_role: FormAction::of::<ChangeRole>(),
        remove: FormAction::of::<RemoveMember>(),
        invite: FormAction::of::<Invite>(),
        revoke: FormAction::of::<RevokeInvitation>(),
        hand_off: FormAction::of::<HandOff>(),
        last_role: RwSignal::new(None),
        last_target: RwSignal::new(None),
    };
    actions.track_targets();
    provide_context(actions);
    let query = use_query_map();
    let page = Memo::new(move |_| query.read().get("page").and_then(|p| p.parse::<i64>().ok()));
    let search = Memo::new(move |_| query.read().get("q").filter(|q| !q.trim().is_empty()));
    let team_view = page_data(
        move || {
            (
                bot_id.get(),
                page.get(),
                search.get(),
                actions.set_seat.version().get(),
                actions.change_role.version().get(),
                actions.remove.version().get(),
                actions.invite.version().get(),
                actions.revoke.version().get(),
                actions.hand_off.version().get(),
            )
        },
        |(bot, page, search, ..)| async move {
            match bot {
                Some(bot) => team(bot, page, search).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Team Manager · Switchboard" />
        <Loaded resource=team_view ok=|view| view! { <TeamTab view /> } />
    }
}

#[component]
fn TeamTab(view: TeamView) -> impl IntoView {
    let bot = view.bot_id;
    let seats = view.seats.clone();
    let addons = format!("/bots/{bot}/addons");
    let can_manage = policy::can_manage_team(Some(&view.viewer));
    let rows = view.members.clone();
    let facts = RowFacts { viewer: view.viewer, bot, owners: view.owners, viewer_member_id: view.viewer_member_id };
    let search_value = view.page.search.clone().unwrap_or_default();
    view! {
        <section class="page team">
            <TeamTabs bot />
            <h1>"Team"</h1>
            <p class="seat-counter" data-testid="seat-counter">{seats.summary()}</p>
            <p class="muted" data-testid="seat-detail">
                {format!(
                    "{} plan: {} included + {} paid · {} ",
                    view.plan_name,
                    seats.included,
                    seats.paid,
                    if seats.grantable() == seats.free() {
                        format!("{} free.", seats.free())
                    } else {
                        format!("{} can be given now.", seats.grantable())
                    },
                )}
                {seats.next_period_note().map(|note| view! { <span class="scheduled">{note} " "</span> })}
                {match policy::can_manage_billing(Some(&view.viewer)) {
                    Ok(()) => view! { <A href=addons.clone()>"Buy more seats in Add-ons"</A> }.into_any(),
                    Err(_) => view! { <span>{Permission::ManageBilling.only_message()}</span> }.into_any(),
                }}
            </p>
            <Form method="GET" action="" attr:class="search" attr:role="search">
                <input
                    type="search"
                    name="q"
                    value=search_value
                    placeholder="Search members by name or email"
                    aria-label="Search members"
                />
                <button type="submit" class="small secondary">"Search"</button>
            </Form>
            <table class="members team-list">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Inbox seat"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">
                            <span class="sr-only">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|member| view! { <MemberLine member facts seats=seats.clone() /> })
                        .collect_view()}
                </tbody>
            </table>
            <Pager bot page=view.page.clone() />
            <InviteSection
                bot
                viewer=view.viewer
                invitations=view.invitations.clone()
                can_manage=can_manage.clone()
            />
            <RolesHelp />
        </section>
    }
}

/// "Members 51–100 of 1000" with previous/next links that keep the search.
#[component]
fn Pager(bot: BotId, page: MemberPage) -> impl IntoView {
    let first = (page.number - 1) * page.size + 1;
    let last = (page.number * page.size).min(page.matching);
    let q = page.search.as_ref().map(|q| format!("&q={}", encode_query(q))).unwrap_or_default();
    let link = move |n: i64| format!("/bots/{bot}/team?page={n}{q}");
    let (number, pages) = (page.number, page.pages());
    let summary = if page.matching == 0 {
        "No members match.".to_string()
    } else {
        format!("Members {first}–{last} of {}", page.matching)
    };
    view! {
        <p class="pager">
            <span data-testid="member-range">{summary}</span>
            {(number > 1).then(|| view! { " " <A href=link(number - 1)>"← Previous"</A> })}
            {(number < pages).then(|| view! { " " <A href=link(number + 1)>"Next →"</A> })}
        </p>
    }
}

/// The few facts about the page that every member row needs.
#[derive(Clone, Copy)]
struct RowFacts {
    viewer: Actor,
    bot: BotId,
    owners: i64,
    viewer_member_id: MemberId,
}

#[component]
fn MemberLine(member: MemberRow, facts: RowFacts, seats: SeatUsage) -> impl IntoView {
    let actions = expect_context::<TeamActions>();
    let RowFacts { viewer, bot, owners, viewer_member_id } = facts;
    let enable = !member.has_seat;
    let seat_decision = policy::can_set_seat(Some(&viewer), member.role, enable, &seats);
    let role_options: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| policy::can_change_role(Some(&viewer), member.role, *r).is_ok())
        .filter(|r| policy::keeps_an_owner(owners, member.role, Some(*r)).is_ok())
        .collect();
    let can_change = role_options.len() > 1 && role_options.contains(&member.role);
    let remove_decision = policy::can_remove_member(Some(&viewer), member.role)
        .and_then(|_| policy::keeps_an_owner(owners, member.role, None));
    let is_me = member.member_id == viewer_member_id;
    let member_id = member.member_id;
    let status =
        if member.seat_wanted && !member.has_seat { "Active · offered a seat, none was free" } else { "Active" };
    let seat_label = if member.has_seat { "Remove seat" } else { "Give seat" };
    let addons = format!("/bots/{bot}/addons");
    let can_buy = policy::can_manage_billing(Some(&viewer)).is_ok();
    let role_label = format!("Role of {}", member.name);
    let remove_label = format!("Remove {}", member.name);
    let remove_question = format!(
        "Remove {} from the team?{}",
        member.name,
        if member.has_seat { " Their Inbox seat is freed." } else { "" }
    );
    let remove_yes = format!("Yes, remove {}", member.name);
    view! {
        <tr data-member-id=member_id.to_string() data-email=member.email.clone()>
            <td>
                {member.has_seat.then(|| {
                    let status = if member.online { "Online" } else { "Offline" };
                    view! { <span class=if member.online { "dot online" } else { "dot offline" } role="img" aria-label=status title=status></span> }
                })}
                {member.name.clone()} {is_me.then(|| view! { <span class="muted">" (you)"</span> })}
            </td>
            <td>{member.email.clone()}</td>
            <td>
                {if can_change {
                    view! {
                        <PostForm action=actions.change_role attr:class="inline role-form">
                            <input type="hidden" name="bot_id" value=bot.to_string() />
                            <input type="hidden" name="member_id" value=member_id.to_string() />
                            <select name="role" aria-label=role_label>
                                {role_options
                                    .into_iter()
                                    .map(|r| {
                                        view! {
                                            <option value=r.code() selected=r == member.role>
                                                {r.label()}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                            <button type="submit" class="small secondary">"Change"</button>
                        </PostForm>
                    }
                        .into_any()
                } else {
                    view! { <span>{member.role.label()}</span> }.into_any()
                }}
                <RowError target=RowTarget::Role(member_id) viewer bot />
            </td>
            <td class="seat-cell">
                {if member.has_seat {
                    view! { <span class="badge seat">"Seat"</span> }.into_any()
                } else {
                    view! { <span class="badge none">"No seat"</span> }.into_any()
                }}
                {match seat_decision {
                    Ok(()) => view! {
                        <PostForm action=actions.set_seat attr:class="inline">
                            <input type="hidden" name="bot_id" value=bot.to_string() />
                            <input type="hidden" name="member_id" value=member_id.to_string() />
                            <input type="hidden" name="enable" value=enable.to_string() />
                            <button type="submit" class="small">{seat_label}</button>
                        </PostForm>
                    }
                    .into_any(),
                    Err(denied) => view! {
                        <button type="button" class="small" disabled=true title=denied.to_string()>
                            {seat_label}
                        </button>
                        <small class="reason">
                            {denied.explain_to(&viewer)}
                            {(denied == Denied::NoFreeSeats && can_buy).then(|| view! { " " <A href=addons.clone()>"Open Add-ons"</A> })}
                        </small>
                    }
                    .into_any(),
                }}
                <RowError target=RowTarget::Seat(member_id) viewer bot />
            </td>
            <td>{status}</td>
            <td>
                {match remove_decision {
                    // Removing asks first (a <details> works before hydration too).
                    Ok(()) => view! {
                        <details class="confirm-remove">
                            <summary class="button small danger">"Remove"</summary>
                            <div class="confirm-box" role="group" aria-label=remove_label>
                                <p>{remove_question}</p>
                                <PostForm action=actions.remove attr:class="inline">
                                    <input type="hidden" name="bot_id" value=bot.to_string() />
                                    <input type="hidden" name="member_id" value=member_id.to_string() />
                                    <button type="submit" class="small danger">{remove_yes}</button>
                                </PostForm>
                            </div>
                        </details>
                    }
                    .into_any(),
                    Err(denied) => view! {
                        <button type="button" class="small danger" disabled=true title=denied.to_string()>
                            "Remove"
                        </button>
                    }
                    .into_any(),
                }}
                <RowError target=RowTarget::Remove(member_id) viewer bot />
            </td>
        </tr>
    }
}

#[component]
fn InviteSection(
    bot: BotId,
    viewer: Actor,
    invitations: Vec<InvitationView>,
    can_manage: Result<(), Denied>,
) -> impl IntoView {
    let actions = expect_context::<TeamActions>();
    let grantable: Vec<Role> =
        Role::ALL.into_iter().filter(|r| policy::can_grant_role(Some(&viewer), *r).is_ok()).collect();
    let created = move || {
        actions.invite.output::<InvitationCreated>().map(|created| {
            let link = absolute_url(&created.path);
            view! {
                <div class="invite-created" role="status">
                    <p>
                        {format!(
                            "Invitation link for {} (single use, expires {} UTC):",
                            created.email,
                            format_time(created.expires_at_ms)
                        )}
                    </p>
                    <div class="copy-row">
                        <input type="text" readonly value=link.clone() aria-label="Invitation link" class="invite-link" />
                        <CopyButton text=link />
                    </div>
                </div>
            }
        })
    };
    let manage_denied = can_manage.clone().err().map(|d| d.to_string());
    view! {
        <h2>"Invitations"</h2>
        {match can_manage {
            Ok(()) => view! {
                <details class="invite-form">
                    <summary class="button">"+ Assign new team member"</summary>
                    <PostForm action=actions.invite attr:class="inline-form">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <label>"Invitee email" <input type="email" name="email" required /></label>
                        <label>
                            "Role"
                            <select name="role">
                                {grantable
                                    .into_iter()
                                    .map(|r| view! { <option value=r.code() selected=r == Role::Agent>{r.label()}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                        <label class="checkbox">
                            <input type="checkbox" name="with_seat" />
                            " Give an Inbox seat when they join (Owners, Admins and Agents; if one is free)"
                        </label>
                        <ActionError value=actions.invite.value() />
                        <button type="submit">"Create invitation link"</button>
                    </PostForm>
                </details>
            }
            .into_any(),
            Err(_) => view! { <p class="muted">{manage_denied.clone()}</p> }.into_any(),
        }}
        {created}
        {if invitations.is_empty() {
            view! { <p class="muted">"No pending invitations."</p> }.into_any()
        } else {
            let can_revoke = policy::can_manage_team(Some(&viewer)).is_ok();
            view! {
                <table class="members invitations">
                    <thead>
                        <tr>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Seat"</th>
                            <th scope="col">"Invited by"</th>
                            <th scope="col">"Expires"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {invitations
                            .into_iter()
                            .map(|inv| {
                                view! {
                                    <tr>
                                        <td>{inv.email}</td>
                                        <td>{inv.role.label()}</td>
                                        <td>{if inv.with_seat { "Offered" } else { "—" }}</td>
                                        <td>{inv.invited_by}</td>
                                        <td>{format_time(inv.expires_at_ms)}</td>
                                        <td>
                                            {can_revoke.then(|| view! {
                                                <PostForm action=actions.revoke attr:class="inline">
                                                    <input type="hidden" name="bot_id" value=bot.to_string() />
                                                    <input type="hidden" name="invitation_id" value=inv.id.to_string() />
                                                    <button type="submit" class="small secondary">"Revoke"</button>
                                                </PostForm>
                                            })}
                                            <RowError target=RowTarget::Revoke(inv.id) viewer />
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }}
    }
}

/// The Roles help table, rendered from the same permission matrix the server enforces.
#[component]
fn RolesHelp() -> impl IntoView {
    view! {
        <details class="roles-help">
            <summary>"Roles"</summary>
            <div class="table-scroll">
            <table class="members">
                <thead>
                    <tr>
                        <th scope="col">"Role"</th>
                        <th scope="col">"What it can do"</th>
                        <th scope="col">"Inbox seat"</th>
                        {Permission::ALL.into_iter().map(|p| view! { <th scope="col" class="perm">{p.phrase()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {Role::ALL
                        .into_iter()
                        .map(|role| {
                            view! {
                                <tr>
                                    <th scope="row">{role.label()}</th>
                                    <td>{role.summary()}</td>
                                    <td>{if role.seat_eligible() { "Can hold" } else { "—" }}</td>
                                    {Permission::ALL
                                        .into_iter()
                                        .map(|p| view! { <td class="perm">{if role.can(p) { "✓" } else { "" }}</td> })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            </div>
        </details>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let query = use_query_map();
    let before = Memo::new(move |_| query.read().get("before").and_then(|b| b.parse::<i64>().ok()));
    let page = page_data(
        move || (bot_id.get(), before.get()),
        |(bot, before)| async move {
            match bot {
                Some(bot) => audit_log(bot, before).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Audit log · Switchboard" />
        <Loaded
            resource=page
            ok=move |page| view! { <AuditTab bot=bot_id.get_untracked().unwrap_or(BotId(0)) page /> }
        />
    }
}

#[component]
fn AuditTab(bot: BotId, page: AuditEntries) -> impl IntoView {
    view! {
        <section class="page audit">
            <TeamTabs bot />
            <h1>"Audit log"</h1>
            <table class="members">
                <thead>
                    <tr>
                        <th scope="col">"When (UTC)"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .events
                        .into_iter()
                        .map(|e| view! {
                            <tr data-action=e.action.clone()>
                                <td>{format_time(e.at_ms)}</td>
                                <td>{e.actor}</td>
                                <td>{e.summary}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
            {page.next_before.map(|id| view! {
                <p><A href=format!("/bots/{bot}/team/audit?before={id}")>"Older entries →"</A></p>
            })}
        </section>
    }
}

/// "2026-11-25 14:03" (UTC) from Unix milliseconds.
pub fn format_time(ms: i64) -> String {
    let day = crate::domain::billing::day_of_ms(ms);
    let minutes = (ms - day * crate::domain::billing::DAY_MS) / 60_000;
    format!("{} {:02}:{:02}", crate::domain::billing::format_day(day), minutes / 60, minutes % 60)
}

/// Copies `text` to the clipboard and says so (the link stays selectable beside it).
#[component]
fn CopyButton(text: String) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let text = text.clone();
            leptos::task::spawn_local(async move {
                let promise = window().navigator().clipboard().write_text(&text);
                let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
                copied.set(Some(ok));
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <button type="button" class="small secondary" on:click=copy>"Copy link"</button>
        <span class="muted" aria-live="polite">
            {move || match copied.get() {
                Some(true) => "Copied.",
                Some(false) => "Could not copy — select the link and copy it.",
                None => "",
            }}
        </span>
    }
}

/// A full link for copying: the browser knows its origin; the server render shows the path.
fn absolute_url(path: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(origin) = window().location().origin() {
            return format!("{origin}{path}");
        }
    }
    path.to_string()
}
