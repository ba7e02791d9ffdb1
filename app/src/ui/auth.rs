use super::use_session_actions;
use super::widgets::ActionError;
use crate::domain::input::NewPassword;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let actions = use_session_actions();
    view! {
        <Title text="Sign up · Switchboard" />
        <section class="auth-card">
            <h1>"Create your Switchboard account"</h1>
            <ActionForm action=actions.sign_up>
                <label>
                    "Your name" <input type="text" name="name" autocomplete="name" required maxlength="80" />
                </label>
                <label>
                    "Email" <input type="email" name="email" autocomplete="email" required />
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
                <ActionError value=actions.sign_up.value() />
                <button type="submit" disabled=move || actions.sign_up.pending().get()>
                    "Sign up"
                </button>
            </ActionForm>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

#[component]
pub fn LogInPage() -> impl IntoView {
    let actions = use_session_actions();
    view! {
        <Title text="Log in · Switchboard" />
        <section class="auth-card">
            <h1>"Log in to Switchboard"</h1>
            <ActionForm action=actions.log_in>
                <label>
                    "Email" <input type="email" name="email" autocomplete="username" required />
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                <ActionError value=actions.log_in.value() />
                <button type="submit" disabled=move || actions.log_in.pending().get()>
                    "Log in"
                </button>
            </ActionForm>
            <p>"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
