//! Calling a server function from a form, without its typed client. A `ServerAction<S>` and
//! its `ActionForm` compile the whole action machinery, a form-data decoder and an encoder
//! into the bundle once per server function; a page with a dozen actions paid for a dozen
//! copies. A `FormAction` posts the form's own fields (what the form sends without JavaScript,
//! in the encoding the server function reads) and keeps the answer as the JSON it came as, so
//! one copy serves every action and only a reader of an answer carries its decoder.
use super::widgets::encode_query as encode;
use crate::domain::AppError;
use crate::domain::deferred::Deferred;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[derive(Clone, Copy)]
pub struct FormAction {
    path: &'static str,
    pending: RwSignal<bool>,
    version: RwSignal<usize>,
    value: RwSignal<Option<Result<Deferred<()>, AppError>>>,
    /// The fields of the last submission, URL-encoded.
    sent: RwSignal<Option<String>>,
}

impl FormAction {
    /// An action posting to server function `S`.
    pub fn of<S: ServerFn>() -> Self {
        Self::posting_to(S::PATH)
    }

    // Not inlined into `of`: one copy of the signals' set-up, not one per server function.
    #[inline(never)]
    fn posting_to(path: &'static str) -> Self {
        Self {
            path,
            pending: RwSignal::new(false),
            version: RwSignal::new(0),
            value: RwSignal::new(None),
            sent: RwSignal::new(None),
        }
    }

    /// The server function's URL path.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// Whether a submission is on its way.
    pub fn pending(&self) -> ReadSignal<bool> {
        self.pending.read_only()
    }

    /// Counts completed submissions (page data refetches on it).
    pub fn version(&self) -> ReadSignal<usize> {
        self.version.read_only()
    }

    /// The answer to the last submission, as sent.
    pub fn value(&self) -> ReadSignal<Option<Result<Deferred<()>, AppError>>> {
        self.value.read_only()
    }

    /// The last successful answer, read as `T` (the server function's output type).
    pub fn output<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        self.value.get().and_then(Result::ok).and_then(|json| json.retype::<T>().decode().ok())
    }

    /// Field `name` of the last submission (tracked: changes with every submission).
    pub fn sent_field(&self, name: &str) -> Option<String> {
        self.sent.with(|sent| sent.as_deref().and_then(|body| form_field(body, name)))
    }

    /// Sends `fields` as a form would.
    pub fn dispatch(&self, fields: &[(&str, &str)]) {
        let body = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        self.send(body);
    }

    fn send(self, body: String) {
        self.sent.set(Some(body.clone()));
        self.pending.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let answer = post(self.path, body).await;
            self.value.set(Some(answer));
            self.pending.set(false);
            self.version.update(|n| *n += 1);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = body;
    }
}

/// A form posting to `action`: without JavaScript the browser posts it (and the server sends
/// it back to the page); in the app the action sends it and keeps the answer.
#[component]
pub fn PostForm(action: FormAction, children: Children) -> impl IntoView {
    view! {
        <form
            method="post"
            action=action.path
            on:submit=move |ev| {
                ev.prevent_default();
                #[cfg(feature = "hydrate")]
                {
                    let form: leptos::web_sys::HtmlFormElement = event_target(&ev);
                    if let Some(body) = form_body(&form) {
                        action.send(body);
                    }
                }
            }
        >
            {children()}
        </form>
    }
}

/// The form's fields, URL-encoded as the browser would post them.
#[cfg(feature = "hydrate")]
fn form_body(form: &leptos::web_sys::HtmlFormElement) -> Option<String> {
    let data = leptos::web_sys::FormData::new_with_form(form).ok()?;
    let params = leptos::web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    Some(params.to_string().into())
}

/// Posts a URL-encoded body to a server function; its answer is JSON, an error's too.
#[cfg(feature = "hydrate")]
async fn post(path: &str, body: String) -> Result<Deferred<()>, AppError> {
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    let init = leptos::web_sys::RequestInit::new();
    init.set_method("POST");
    // A URLSearchParams body is sent as application/x-www-form-urlencoded.
    let params = leptos::web_sys::UrlSearchParams::new_with_str(&body).map_err(|_| AppError::Internal)?;
    init.set_body(&JsValue::from(params));
    let window = leptos::web_sys::window().ok_or(AppError::Unreachable)?;
    let response =
        JsFuture::from(window.fetch_with_str_and_init(path, &init)).await.map_err(|_| AppError::Unreachable)?;
    let response: leptos::web_sys::Response = response.dyn_into().map_err(|_| AppError::Unreachable)?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    // A server function that redirects (log out, say) names the page in `Location`.
    if response.headers().get(leptos::server_fn::redirect::REDIRECT_HEADER).ok().flatten().is_some() {
        if let Ok(Some(location)) = response.headers().get("location") {
            leptos::server_fn::redirect::call_redirect_hook(&location);
        }
    }
    if response.ok() { Deferred::from_json(text) } else { Err(error_from(response.status(), &text)) }
}

/// A refusal as the user should read it: our server answers `AppError` as JSON; anything else
/// came from between us (a proxy that could not reach the server, say) or is a fault.
#[cfg(any(feature = "hydrate", test))]
fn error_from(status: u16, body: &str) -> AppError {
    serde_json::from_slice::<AppError>(body.as_bytes()).unwrap_or(match status {
        502..=504 => AppError::Unreachable,
        _ => AppError::Internal,
    })
}

/// Field `name` of a URL-encoded body, decoded.
fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key) == name).then(|| decode(value))
    })
}

fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn refusals_read_as_the_server_meant_them() {
        let refused = serde_json::to_string(&AppError::Forbidden("Only admins can do that.".into())).unwrap();
        assert_eq!(error_from(403, &refused), AppError::Forbidden("Only admins can do that.".into()));
        assert_eq!(error_from(502, "<html>Bad gateway</html>"), AppError::Unreachable);
        assert_eq!(error_from(500, ""), AppError::Internal);
    }

    #[test]
    fn reads_back_the_fields_it_sent() {
        let body = ["bot_id=3", "member_id=12", &format!("note={}", encode("Back at 5 & then ∞"))].join("&");
        assert_eq!(form_field(&body, "member_id").as_deref(), Some("12"));
        assert_eq!(form_field(&body, "note").as_deref(), Some("Back at 5 & then ∞"));
        assert_eq!(form_field("role=app_manager&x=a+b%2", "x").as_deref(), Some("a b%2"));
        assert_eq!(form_field(&body, "missing"), None);
    }
}
