//! The page an invitation link opens: who invites you to which bot, and a way in — sign up,
//! log in, or join if already signed in. Expired, used and revoked links say so plainly.
use super::form_action::PostForm;
use super::team::format_time;
use super::widgets::{ActionError, Loaded, Loading, SimpleTopBar, page_data};
use super::{session_action, use_session_actions};
use crate::api::team::{AcceptInvitation, preview_invitation};
use crate::domain::AppError;
use crate::domain::deferred::Deferred;
use crate::domain::views::{InvitationPreview, InvitationStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    // An unknown link is an answer to explain on this page, not an error page.
    let preview = page_data(
        move || token.get(),
        |token| async move {
            match preview_invitation(token).await {
                Ok(preview) => Ok(preview.some()),
                Err(AppError::NotFound) => Ok(Deferred::none()),
                Err(other) => Err(other),
            }
        },
    );
    view! {
        <Title text="Invitation · Switchboard" />
        <SimpleTopBar />
        <Loaded
            resource=preview
            ok=move |preview| match preview {
                Some(preview) => view! { <Invitation preview token=token.get_untracked() /> }.into_any(),
                None => view! {
                    <section class="auth-card invitation" data-status="unknown">
                        <h1>"Invitation not found"</h1>
                        <p>"This link is not valid. Check that you copied all of it, or ask for a new one."</p>
                        <p><A href="/">"Back to your bots"</A></p>
                    </section>
                }
                .into_any(),
            }
        />
    }
}

#[component]
fn Invitation(preview: InvitationPreview, token: String) -> impl IntoView {
    let actions = use_session_actions();
    let accept = session_action::<AcceptInvitation>();
    let next = format!("/invite/{token}");
    let (status, heading, text) = match preview.status {
        InvitationStatus::Valid => ("valid", format!("Join {}", preview.bot_name), String::new()),
        InvitationStatus::Expired => (
            "expired",
            "This invitation has expired".to_string(),
            format!(
                "It expired {} UTC. Ask {} for a new link.",
                format_time(preview.expires_at_ms),
                preview.invited_by
            ),
        ),
        InvitationStatus::Used => (
            "used",
            "This invitation has already been used".to_string(),
            "Each link works once. If it was you, log in to find the bot.".to_string(),
        ),
        InvitationStatus::Revoked => (
            "revoked",
            "This invitation was revoked".to_string(),
            format!("Ask {} for a new link if you still need access.", preview.invited_by),
        ),
    };
    let valid = preview.status == InvitationStatus::Valid;
    view! {
        <section class="auth-card invitation" data-status=status>
            <h1>{heading}</h1>
            {(!text.is_empty()).then(|| view! { <p>{text.clone()}</p> })}
            {(!valid).then(|| view! { <p><A href="/">"Back to your bots"</A></p> })}
            {valid.then(|| {
                let next = format!("{}&email={}", next, super::widgets::encode_query(&preview.email));
                let token = token.clone();
                view! {
                    <p>
                        {format!(
                            "{} invited {} to join {} as {}{}.",
                            preview.invited_by,
                            preview.email,
                            preview.bot_name,
                            preview.role.label(),
                            if preview.with_seat { " with an Inbox seat (if one is free)" } else { "" },
                        )}
                    </p>
                    <p class="muted">{format!("The link expires {} UTC.", format_time(preview.expires_at_ms))}</p>
                    <Transition fallback=Loading>
                        {move || {
                            let next = next.clone();
                            let token = token.clone();
                            Suspend::new(async move {
                                match actions.session.await {
                                    Ok(Some(session)) => view! {
                                        <p>{format!("Signed in as {}.", session.email)}</p>
                                        <PostForm action=accept>
                                            <input type="hidden" name="token" value=token />
                                            <ActionError value=accept.value() />
                                            <button type="submit">"Accept and join"</button>
                                        </PostForm>
                                    }
                                    .into_any(),
                                    _ => view! {
                                        <p class="cta">
                                            <A href=format!("/signup?next={next}") attr:class="button">"Sign up to join"</A>
                                            " "
                                            <A href=format!("/login?next={next}") attr:class="button secondary">"Log in to join"</A>
                                        </p>
                                    }
                                    .into_any(),
                                }
                            })
                        }}
                    </Transition>
                }
            })}
        </section>
    }
}
