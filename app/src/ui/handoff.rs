//! The handoff step in the Team tab: when a seat, a member or a seat-holding role is removed
//! from someone who holds open conversations, this lists them and sends them on — all to one
//! target or each to its own — with an optional note, in the same action as the removal.
use super::form_action::FormAction;
use super::team::format_time;
use super::widgets::{ActionError, Loaded, page_data};
use crate::api::team::handoff_step;
use crate::domain::handoff::{HANDOFF_NOTE_MAX, Handoff, HandoffItem, HandoffOption, HandoffStep, HandoffTarget};
use crate::domain::ids::MemberId;
use crate::domain::{AppError, BotId, Role};
#[cfg(not(test))]
use leptos::lazy;
use leptos::prelude::*;

/// One string per target for `<select>` values: "auto", "m-4", "t-7".
fn target_code(target: HandoffTarget) -> String {
    match target {
        HandoffTarget::Auto => "auto".into(),
        HandoffTarget::Member(m) => format!("m-{m}"),
        HandoffTarget::Team(t) => format!("t-{t}"),
    }
}

fn parse_target(code: &str) -> Option<HandoffTarget> {
    match code.split_once('-') {
        Some(("m", id)) => id.parse().ok().map(HandoffTarget::Member),
        Some(("t", id)) => id.parse().ok().map(HandoffTarget::Team),
        _ if code == "auto" => Some(HandoffTarget::Auto),
        _ => None,
    }
}

/// What the removal is: "seat", "member" or "role" (with the new role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    pub what: &'static str,
    pub role: Option<Role>,
}

impl Removal {
    fn button(self, n: usize) -> String {
        let them = if n == 1 { "it" } else { "them" };
        match self.what {
            "seat" => format!("Hand {them} off and remove the seat"),
            "member" => format!("Hand {them} off and remove the member"),
            _ => format!("Hand {them} off and change the role"),
        }
    }
}

/// What the Team tab passes to the handoff step (all cheap handles).
pub struct HandoffArgs {
    pub bot: BotId,
    pub member: MemberId,
    pub removal: Removal,
    pub action: FormAction,
}

/// The handoff step, behind its own chunk: it only ever appears after a removal was refused,
/// never on a first load, so the Team tab's first load does not carry it.
#[cfg(not(test))]
#[lazy]
pub fn handoff_panel(args: HandoffArgs) -> AnyView {
    build_handoff_panel(args)
}

/// Unit-test builds have no chunk loader to import (wasm-bindgen-test runs one module).
#[cfg(test)]
pub async fn handoff_panel(args: HandoffArgs) -> AnyView {
    build_handoff_panel(args)
}

fn build_handoff_panel(args: HandoffArgs) -> AnyView {
    let HandoffArgs { bot, member, removal, action } = args;
    view! { <HandoffPanel bot member removal action /> }.into_any()
}

#[component]
fn HandoffPanel(bot: BotId, member: MemberId, removal: Removal, action: FormAction) -> impl IntoView {
    let step = page_data(move || (), move |_| handoff_step(bot, member));
    view! {
        <div class="handoff" role="group" aria-label="Hand off conversations" data-testid="handoff">
            <Loaded resource=step ok=move |step: HandoffStep| view! { <HandoffForm bot step removal action /> } />
        </div>
    }
}

#[component]
fn HandoffForm(bot: BotId, step: HandoffStep, removal: Removal, action: FormAction) -> impl IntoView {
    let first = step.options.first().map(|o| target_code(o.target)).unwrap_or_default();
    let all = RwSignal::new(first);
    let note = RwSignal::new(String::new());
    let rows: Vec<(crate::domain::ids::ConversationId, RwSignal<String>)> =
        step.conversations.iter().map(|c| (c.id, RwSignal::new(String::new()))).collect();
    let count = step.conversations.len();
    let member = step.member;
    let options = StoredValue::new(step.options.clone());
    let plan = {
        let rows = rows.clone();
        move || Handoff {
            items: rows
                .iter()
                .filter_map(|(id, own)| {
                    let code = own.get_untracked();
                    let code = if code.is_empty() { all.get_untracked() } else { code };
                    parse_target(&code).map(|target| HandoffItem { conversation: *id, target })
                })
                .collect(),
            note: note.get_untracked(),
        }
    };
    let heading = format!(
        "{} holds {} — choose who takes {} first.",
        step.name,
        crate::domain::text::count(count as i64, "open conversation", "open conversations"),
        if count == 1 { "it" } else { "them" }
    );
    view! {
        <p><strong>{heading}</strong></p>
        <form on:submit=move |ev| {
            ev.prevent_default();
            let (bot, member, plan) = (bot.to_string(), member.to_string(), plan().to_json());
            let mut fields = vec![("bot_id", bot.as_str()), ("member_id", &member), ("what", removal.what), ("plan", &plan)];
            if let Some(role) = removal.role {
                fields.push(("role", role.code()));
            }
            action.dispatch(&fields);
        }>
            <label>
                "All to "
                <select aria-label="Hand all to" on:change=move |ev| all.set(event_target_value(&ev))>
                    <TargetOptions options=options.get_value() />
                </select>
            </label>
            <table class="handoff-list">
                <thead><tr><th>"Customer"</th><th>"Last activity"</th><th>"Goes to"</th></tr></thead>
                <tbody>
                    {step.conversations.into_iter().zip(rows).map(|(c, (_, own))| {
                        let label = format!("Hand {} to", c.contact_name);
                        view! {
                            <tr>
                                <td>{c.contact_name.clone()} <span class="preview">{c.preview.clone()}</span></td>
                                <td>{format_time(c.last_activity_ms)}</td>
                                <td>
                                    <select aria-label=label on:change=move |ev| own.set(event_target_value(&ev))>
                                        <option value="">"Same as all"</option>
                                        <TargetOptions options=options.get_value() />
                                    </select>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <label class="block">
                "Note for each conversation (internal, optional)"
                <textarea rows="2" maxlength=HANDOFF_NOTE_MAX.to_string() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            </label>
            <button type="submit" class="small danger" disabled=move || action.pending().get()>{removal.button(count)}</button>
            <ActionError value=action.value() />
        </form>
    }
}

#[component]
fn TargetOptions(options: Vec<HandoffOption>) -> impl IntoView {
    options.into_iter().map(|o| view! { <option value=target_code(o.target)>{o.label}</option> }).collect_view()
}

/// Whether a refusal is "holds N open conversations — reassign them first" (the handoff step
/// applies).
pub fn needs_handoff(err: &AppError) -> bool {
    matches!(err, AppError::Conflict(msg) if msg.contains("open conversation") && msg.contains("first."))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn target_codes_round_trip() {
        for t in [
            HandoffTarget::Auto,
            HandoffTarget::Member(MemberId(4)),
            HandoffTarget::Team(crate::domain::ids::TeamId(9)),
        ] {
            assert_eq!(parse_target(&target_code(t)), Some(t));
        }
        assert_eq!(parse_target("x-1"), None);
        let denied = crate::domain::policy::Denied::HoldsConversations {
            name: "Ada".into(),
            held: crate::domain::policy::Held { count: 2, first_contacts: vec!["Bo".into(), "Cy".into()] },
        };
        assert!(needs_handoff(&AppError::from(denied)));
        assert!(!needs_handoff(&AppError::Conflict("Something else.".into())));
    }
}
