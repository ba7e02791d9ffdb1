use super::form_action::PostForm;
use super::session_action;
use super::widgets::ActionError;
use crate::api::auth::{LogIn, SignUp};
use crate::domain::input::NewPassword;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// `?next=/invite/…`: where to continue after signing in (the server only follows local paths).
fn next_param() -> Option<String> {
    use_query_map().read_untracked().get("next")
}

/// `?email=…`: filled in when arriving from an invitation for that email.
fn email_param() -> String {
    use_query_map().read_untracked().get("email").unwrap_or_default()
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let sign_up = session_action::<SignUp>();
    let next = next_param();
    let login_href = next.as_ref().map(|n| format!("/login?next={n}")).unwrap_or_else(|| "/login".into());
    view! {
        <Title text="Sign up · Switchboard" />
        <section class="auth-card">
            <h1>"Create your Switchboard account"</h1>
            <PostForm action=sign_up>
                {next.clone().map(|n| view! { <input type="hidden" name="next" value=n /> })}
                <label>
                    "Your name" <input type="text" name="name" autocomplete="name" required maxlength="80" />
                </label>
                <label>
                    "Email" <input type="email" name="email" autocomplete="email" required value=email_param() />
                </label>
                <label>
                    "Password"
                    <input
                        type="password"
                        name="password"
                        autocomplete="new-password"
                        required
                        minlength=NewPassword::MIN
                        maxlength=NewPassword::MAX
                    />
                    <small>{format!("{}–{} characters.", NewPassword::MIN, NewPassword::MAX)}</small>
                </label>
                <ActionError value=sign_up.value() />
                <button type="submit" disabled=move || sign_up.pending().get()>
                    "Sign up"
                </button>
            </PostForm>
            <p>"Already have an account? " <A href=login_href>"Log in"</A></p>
        </section>
    }
}

#[component]
pub fn LogInPage() -> impl IntoView {
    let log_in = session_action::<LogIn>();
    let next = next_param();
    let signup_href = next.as_ref().map(|n| format!("/signup?next={n}")).unwrap_or_else(|| "/signup".into());
    view! {
        <Title text="Log in · Switchboard" />
        <section class="auth-card">
            <h1>"Log in to Switchboard"</h1>
            <PostForm action=log_in>
                {next.clone().map(|n| view! { <input type="hidden" name="next" value=n /> })}
                <label>
                    "Email" <input type="email" name="email" autocomplete="username" required value=email_param() />
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                <ActionError value=log_in.value() />
                <button type="submit" disabled=move || log_in.pending().get()>
                    "Log in"
                </button>
            </PostForm>
            <p>"New here? " <A href=signup_href>"Create an account"</A></p>
        </section>
    }
}
