use crate::domain::AppError;
use crate::domain::deferred::Deferred;
use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use leptos_router::components::A;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

/// Shows the message of the last failed submission of an action, if any.
#[component]
pub fn ActionError<S, T>(
    value: S,
    /// Where to buy seats, linked from "no free seats" errors.
    #[prop(optional, into)]
    addons: Option<String>,
) -> impl IntoView
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    move || {
        value.get().and_then(Result::err).map(|err| {
            let link = match (&err, &addons) {
                (AppError::PaymentRequired(_), Some(href)) => {
                    Some(view! { " " <A href=href.clone()>"Open Add-ons"</A> })
                }
                _ => None,
            };
            view! {
                <p class="form-error" role="alert">
                    {err.to_string()}
                    {link}
                </p>
            }
        })
    }
}

/// Percent-encodes a query parameter value.
pub fn encode_query(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The top bar of pages outside a bot (errors, not found): the brand and a way home.
#[component]
pub fn SimpleTopBar() -> impl IntoView {
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">"Switchboard"</A>
            <nav class="tabs" aria-label="Sections">
                <A href="/">"Your bots"</A>
            </nav>
        </header>
    }
}

/// A full-page explanation of an error from loading data, with a way on.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let hint = match error {
        AppError::Unauthenticated => view! {
            <p>
                <A href="/login">"Log in"</A>
                " to continue, or "
                <A href="/signup">"create an account"</A>
                "."
            </p>
        }
        .into_any(),
        _ => view! {
            <p>
                <A href="/">"Back to your bots"</A>
            </p>
        }
        .into_any(),
    };
    view! {
        <section class="notice" role="alert">
            <h1>
                {match error {
                    AppError::NotFound => "Not found".to_string(),
                    AppError::Forbidden(_) => "Not available for your role".to_string(),
                    AppError::Unauthenticated => "Please log in".to_string(),
                    _ => "Something is in the way".to_string(),
                }}
            </h1>
            <p>
                {match &error {
                    AppError::NotFound => "This page doesn't exist, or you are not a member of this bot.".to_string(),
                    other => other.to_string(),
                }}
            </p>
            {hint}
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <SimpleTopBar />
        <ErrorNotice error=AppError::NotFound />
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

/// How a page's data travels from the server render into the browser: JSON, decoded through
/// the same serde_json entry point (`from_slice`) that server functions use for responses, so
/// each type's decoder is compiled into the browser bundle once instead of twice.
pub struct PageJson;

impl<T: serde::Serialize> Encoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: serde::de::DeserializeOwned> Decoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// A page's data: loaded by a server function, rendered on the server, hydrated in the browser.
/// Every page's data is held by one kind of resource, as the JSON it crossed the wire as, and
/// decoded where it is read: resources are generic, and one per data type would compile the
/// whole resource machinery into the bundle once per page type.
pub struct PageData<T> {
    raw: RawResource,
    of: PhantomData<fn() -> T>,
}

type RawResource = Resource<Result<Deferred<()>, AppError>, PageJson>;
type RawFetch =
    Arc<dyn Fn(SourceKey) -> Pin<Box<dyn Future<Output = Result<Deferred<()>, AppError>> + Send>> + Send + Sync>;

impl<T> Clone for PageData<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for PageData<T> {}

impl<T: serde::de::DeserializeOwned> PageData<T> {
    pub fn get_untracked(&self) -> Option<Result<T, AppError>> {
        self.raw.get_untracked().map(decode)
    }
}

fn decode<T: serde::de::DeserializeOwned>(raw: Result<Deferred<()>, AppError>) -> Result<T, AppError> {
    raw.and_then(|json| json.retype::<T>().decode())
}

impl<T: serde::de::DeserializeOwned + 'static> std::future::IntoFuture for PageData<T> {
    type Output = Result<T, AppError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let raw = self.raw;
        Box::pin(async move { decode(raw.await) })
    }
}

/// What a page's data depends on (refetched when it changes), behind one type.
#[derive(Clone)]
struct SourceKey(Arc<dyn AnyKey>);

trait AnyKey: Send + Sync {
    fn as_any(&self) -> &dyn std::any::Any;
    fn same(&self, other: &dyn AnyKey) -> bool;
}

impl<S: PartialEq + Send + Sync + 'static> AnyKey for S {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn same(&self, other: &dyn AnyKey) -> bool {
        other.as_any().downcast_ref::<S>() == Some(self)
    }
}

impl PartialEq for SourceKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.same(&*other.0)
    }
}

/// Creates a page's data resource (`source` is tracked; `fetch` loads, with a server function
/// that answers `Deferred<T>`).
pub fn page_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    T: 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Deferred<T>, AppError>> + Send + 'static,
{
    let fetch: RawFetch = Arc::new(move |key: SourceKey| {
        let source = key.0.as_any().downcast_ref::<S>().cloned().expect("keys come from this source");
        let loading = fetch(source);
        Box::pin(async move { loading.await.map(Deferred::retype) })
    });
    PageData { raw: raw_resource(Arc::new(move || SourceKey(Arc::new(source()))), fetch), of: PhantomData }
}

/// The one resource implementation behind every page's data.
fn raw_resource(source: Arc<dyn Fn() -> SourceKey + Send + Sync>, fetch: RawFetch) -> RawResource {
    Resource::new_with_options(move || source(), move |key| fetch(key), false)
}

/// Renders a page's resource: a loading line, then `ok(data)`, or the error's explanation.
#[component]
pub fn Loaded<T, V, F>(resource: PageData<T>, ok: F) -> impl IntoView
where
    T: serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    view! {
        <Transition fallback=Loading>
            {move || {
                let ok = ok.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => ok(data).into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_data_refetches_exactly_when_its_source_changes() {
        let key = |value: (Option<i64>, u64)| SourceKey(Arc::new(value));
        assert!(key((Some(1), 0)) == key((Some(1), 0)));
        assert!(key((Some(1), 0)) != key((Some(1), 1)));
        assert!(key((Some(1), 0)) != key((None, 0)));
        // Sources of different types are never the same, whatever their values.
        assert!(SourceKey(Arc::new(1i64)) != SourceKey(Arc::new(1u64)));
    }
}
