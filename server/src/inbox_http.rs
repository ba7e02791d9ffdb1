//! The Inbox's HTTP endpoints outside server functions: API-channel webhooks, the website
//! widget (its page, script and JSON calls) and the live streams (server-sent events).
//!
//! Live updates use server-sent events rather than WebSockets: they are one-way (actions go
//! through ordinary requests), pass every proxy, and the browser's EventSource reconnects by
//! itself sending `Last-Event-ID` — exactly the resume cursor a stream needs.
use app::domain::events::{LiveEvent, Numbered};
use app::domain::{AppError, BotId};
use app::server::AppState;
use app::server::context::ClientIp;
use app::server::live::Hub;
use app::server::rate_limit::{self, Bucket};
use app::server::services::{inbox, intake};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use futures::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tower_sessions::Session;

/// How often a member's stream re-reads their rights (also at once on a change of their own).
const RECHECK: Duration = Duration::from_secs(30);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chat/{channel}", get(chat_page))
        .route("/widget.js", get(embed_script))
        .route("/widget/chat.js", get(chat_script))
        .route("/widget/chat.css", get(chat_style))
        .route("/widget/{channel}/start", post(widget_start))
        .route("/widget/{channel}/state", post(widget_state))
        .route("/widget/{channel}/send", post(widget_send))
        .route("/widget/{channel}/handover", post(widget_handover))
        .route("/widget/{channel}/typing", post(widget_typing))
        .route("/widget/{channel}/live", get(widget_live))
        .route("/live/{bot}", get(member_live))
        .route("/media/{id}", get(serve_file))
        .route("/media/{id}/thumb", get(serve_thumbnail))
}

/// Bodies these routes buffer (each up to the upload limit) at once: a fixed number bounds that
/// memory (~16 × 13 MB for uploads); more wait their turn within the request timeout. Webhooks
/// get their own, larger share (they are mostly small and must keep up with a connector).
const UPLOADS_AT_ONCE: usize = 16;
const WEBHOOKS_AT_ONCE: usize = 32;

/// Routes whose bodies may carry a file: their own body limit (the upload limit plus room for
/// base64 and JSON), outside the form limit of everything else.
pub fn upload_routes(max_upload_bytes: usize) -> Router<AppState> {
    let limit = max_upload_bytes / 3 * 4 + 64 * 1024;
    let uploads = Router::new()
        .route("/widget/{channel}/upload", post(widget_upload))
        .route("/media/upload/{bot}/{conversation}", post(member_upload))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(UPLOADS_AT_ONCE));
    let hooks = Router::new()
        .route("/hooks/{channel}", post(webhook))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(WEBHOOKS_AT_ONCE));
    uploads
        .merge(hooks)
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
}

fn media_sink(state: &AppState) -> intake::MediaSink<'_> {
    intake::MediaSink { store: &state.media, max_bytes: state.settings.max_upload_bytes }
}

/// Public JSON endpoints (webhooks, the widget) answer errors as `{"error": "<what to do>"}`
/// with the error's status (and `Retry-After` when limited): readable by any connector.
fn failure(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(serde_json::json!({ "error": err.to_string() }))).into_response();
    if let Some(secs) = err.retry_after_secs() {
        response.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    response
}

fn json<T: serde::Serialize>(value: &T) -> Response {
    axum::Json(value).into_response()
}

/// A public JSON call's answer: the value, or the error as `failure` words it.
fn answer<T: serde::Serialize>(result: Result<T, AppError>) -> Response {
    result.map(|value| json(&value)).unwrap_or_else(failure)
}

fn client_ip(headers: &axum::http::Extensions) -> String {
    headers.get::<ClientIp>().map(|ip| ip.0.clone()).unwrap_or_else(|| "unknown".into())
}

// ---------------------------------------------------------------------------------------------
// API channel webhooks

async fn webhook(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let limits = state.settings.limits;
    let ip = client_ip(&extensions);
    let refused_from_here = Bucket::WebhookRefusedFromAddress(&ip);
    let refusal = "Too many refused webhook deliveries from your address.";
    if let Err(err) = rate_limit::check(&state.db, refused_from_here, limits.webhook_refused_per_address, refusal).await
    {
        return failure(err);
    }
    let result = intake::ingest_webhook(
        &state.db,
        &state.hub,
        Some(limits.webhook_per_channel),
        Some(&media_sink(&state)),
        &channel,
        header("x-switchboard-timestamp"),
        header("x-switchboard-signature"),
        &body,
    )
    .await;
    // Only refusals are counted per address: accepted deliveries never wait for this write.
    if let Err(AppError::BadSignature | AppError::NotFound | AppError::BadRequest(_) | AppError::Invalid { .. }) =
        &result
        && let Err(err) =
            rate_limit::take(&state.db, refused_from_here, limits.webhook_refused_per_address, refusal).await
        && !matches!(err, AppError::RateLimited { .. })
    {
        tracing::warn!(error = %err, "could not count a refused webhook delivery");
    }
    answer(result)
}

// ---------------------------------------------------------------------------------------------
// The widget

/// The chat page a business embeds (in an iframe, from any site): server-rendered by Leptos,
/// made live by a small script rather than the dashboard's WebAssembly bundle, so a customer
/// on a phone downloads a few kilobytes.
async fn chat_page(State(state): State<AppState>, Path(channel): Path<String>) -> Response {
    let Ok(Some(row)) = app::server::repo::inbox::channel_by_public_id(state.db.pool(), &channel).await else {
        return (
            StatusCode::NOT_FOUND,
            Html("<!DOCTYPE html><title>Chat not found</title><p>This chat does not exist.</p>"),
        )
            .into_response();
    };
    if row.kind != app::domain::inbox::ChannelKind::Widget {
        return StatusCode::NOT_FOUND.into_response();
    }
    let bot_name = app::server::repo::bot_name(state.db.pool(), row.bot_id).await.ok().flatten().unwrap_or_default();
    let html = app::ui::widget::chat_page_html(&row.public_id, &bot_name);
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    // Framed by the business's own site: any ancestor may embed the chat, nothing else loosens.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
             base-uri 'none'; form-action 'self'; frame-ancestors *",
        ),
    );
    response
}

const EMBED_JS: &str = include_str!("../../style/widget-embed.js");
const CHAT_JS: &str = include_str!("../../style/widget-chat.js");
const CHAT_CSS: &str = include_str!("../../style/widget-chat.css");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    // The embed script runs on the business's site.
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    response
}

async fn embed_script() -> Response {
    asset(EMBED_JS, "text/javascript; charset=utf-8")
}

async fn chat_script() -> Response {
    asset(CHAT_JS, "text/javascript; charset=utf-8")
}

async fn chat_style() -> Response {
    asset(CHAT_CSS, "text/css; charset=utf-8")
}

#[derive(Deserialize)]
struct StartBody {
    name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

#[derive(Deserialize)]
struct SendBody {
    token: String,
    text: String,
    client_id: String,
    #[serde(default)]
    handover: bool,
}

/// Counts a widget call against the visitor's address and, given a token, against the visitor
/// — only once the token is checked, so nobody can spend another visitor's allowance.
async fn limit_widget(state: &AppState, ip: &str, channel: &str, token: Option<&str>) -> Result<(), AppError> {
    let limits = state.settings.limits;
    rate_limit::take(&state.db, Bucket::WidgetFromAddress(ip), limits.widget_per_address, "Too many messages.").await?;
    if let Some(token) = token {
        let visitor = intake::widget_visitor(&state.db, channel, token).await?;
        rate_limit::take(
            &state.db,
            Bucket::WidgetFromVisitor(&visitor),
            limits.widget_per_visitor,
            "Too many messages.",
        )
        .await?;
    }
    Ok(())
}

async fn widget_start(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    extensions: axum::http::Extensions,
    axum::Json(body): axum::Json<StartBody>,
) -> Response {
    let ip = client_ip(&extensions);
    let limit = state.settings.limits.widget_start_per_address;
    answer(
        async {
            rate_limit::take(&state.db, Bucket::WidgetStartFromAddress(&ip), limit, "Too many new chats.").await?;
            intake::widget_start(&state.db, &channel, body.name.as_deref(), body.email.as_deref()).await
        }
        .await,
    )
}

async fn widget_state(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    extensions: axum::http::Extensions,
    axum::Json(body): axum::Json<TokenBody>,
) -> Response {
    answer(
        async {
            limit_widget(&state, &client_ip(&extensions), &channel, None).await?;
            intake::widget_state(&state.db, &channel, &body.token).await
        }
        .await,
    )
}

async fn widget_send(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    extensions: axum::http::Extensions,
    axum::Json(body): axum::Json<SendBody>,
) -> Response {
    answer(
        async {
            limit_widget(&state, &client_ip(&extensions), &channel, Some(&body.token)).await?;
            let SendBody { token, text, client_id, handover } = &body;
            intake::widget_send(&state.db, &state.hub, &channel, token, text, client_id, *handover).await
        }
        .await,
    )
}

async fn widget_handover(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    extensions: axum::http::Extensions,
    axum::Json(body): axum::Json<TokenBody>,
) -> Response {
    answer(
        async {
            limit_widget(&state, &client_ip(&extensions), &channel, Some(&body.token)).await?;
            intake::widget_handover(&state.db, &state.hub, &channel, &body.token).await
        }
        .await,
    )
}

async fn widget_typing(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    extensions: axum::http::Extensions,
    axum::Json(body): axum::Json<TokenBody>,
) -> Response {
    let result = async {
        limit_widget(&state, &client_ip(&extensions), &channel, Some(&body.token)).await?;
        intake::widget_typing(&state.db, &state.hub, &channel, &body.token).await
    }
    .await;
    result.map(|()| StatusCode::NO_CONTENT.into_response()).unwrap_or_else(failure)
}

#[derive(Deserialize)]
struct LiveQuery {
    token: Option<String>,
    after: Option<i64>,
}

/// Where a stream resumes: the browser's `Last-Event-ID` on a reconnect, else `?after=`, else
/// "from now".
async fn start_point(state: &AppState, headers: &HeaderMap, after: Option<i64>, bot: BotId) -> Result<i64, AppError> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(after)
        .filter(|seq: &i64| *seq >= 0);
    match resume {
        Some(seq) => Ok(seq),
        None => Ok(app::server::repo::events::latest(state.db.pool(), bot).await?),
    }
}

fn sse_event(numbered: &Numbered, data: String) -> Event {
    Event::default().id(numbered.seq.to_string()).event(numbered.event.code()).data(data)
}

/// The visitor's stream: only their own conversation's customer-visible events.
async fn widget_live(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    Query(query): Query<LiveQuery>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> Response {
    let Some(token) = query.token else { return failure(AppError::Forbidden("A chat token is required.".into())) };
    // Each (re)connection counts against the visitor's address, like any widget call.
    if let Err(err) = limit_widget(&state, &client_ip(&extensions), &channel, None).await {
        return failure(err);
    }
    let intake::WidgetStream { bot, conversation, channel_secret } =
        match intake::widget_stream_target(&state.db, &channel, &token).await {
            Ok(target) => target,
            Err(err) => return failure(err),
        };
    let start = match start_point(&state, &headers, query.after, bot).await {
        Ok(seq) => seq,
        Err(err) => return failure(err),
    };
    let mut subscription = state.hub.subscribe(bot, start);
    let stream = async_stream(&state.hub, move |tx| async move {
        let Some(conversation) = conversation else {
            // Nothing to follow until the visitor writes; the widget reconnects then.
            std::future::pending::<()>().await;
            return;
        };
        loop {
            let Ok(numbered) = subscription.next().await else { return };
            if !numbered.event.customer_visible(conversation) {
                continue;
            }
            let data = match &numbered.event {
                LiveEvent::MessageAdded { message } => {
                    serde_json::to_string(&intake::customer_view(message, &channel_secret))
                }
                other => serde_json::to_string(other),
            };
            let Ok(data) = data else { continue };
            if tx.send(sse_event(&numbered, data)).await.is_err() {
                return;
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

// ---------------------------------------------------------------------------------------------
// Members' live stream

/// A member's stream of their bot's events. Authorised like a read (signed in, member, role
/// may view the Inbox), re-checked every `RECHECK` and at once when their own membership
/// changes; a member who loses the right gets a final `denied` event and the stream ends.
async fn member_live(
    State(state): State<AppState>,
    Path(bot): Path<i64>,
    Query(query): Query<LiveQuery>,
    headers: HeaderMap,
    session: Session,
) -> Response {
    let bot = BotId(bot);
    let user = match app::server::context::user_of_session(&session, &state).await {
        Ok(user) => user,
        Err(err) => return failure(err),
    };
    let me = match inbox::stream_access(&state.db, user, bot).await {
        Ok(me) => me,
        Err(err) => return failure(err),
    };
    let start = match start_point(&state, &headers, query.after, bot).await {
        Ok(seq) => seq,
        Err(err) => return failure(err),
    };
    let mut subscription = state.hub.subscribe(bot, start);
    let db = state.db.clone();
    let stream = async_stream(&state.hub, move |tx| async move {
        let _ = tx.send(Event::default().event("ready").data(start.to_string())).await;
        let mut recheck = tokio::time::interval(RECHECK);
        recheck.tick().await;
        loop {
            let must_recheck = tokio::select! {
                next = subscription.next() => {
                    let Ok(numbered) = next else { return };
                    let mine = matches!(numbered.event, LiveEvent::MemberChanged { member } if member == me);
                    let Ok(data) = serde_json::to_string(&*numbered.event.seen_by(me)) else { continue };
                    let mut event = sse_event(&numbered, data);
                    // A conversation given to this member: their own event name, so the Inbox
                    // can tell them.
                    if matches!(numbered.event, LiveEvent::Assigned { member, .. } if member == me) {
                        event = event.event("assigned_to_you");
                    }
                    if tx.send(event).await.is_err() {
                        return;
                    }
                    mine
                }
                _ = recheck.tick() => true,
            };
            if must_recheck && inbox::stream_access(&db, user, bot).await.is_err() {
                let _ = tx.send(Event::default().event("denied").data("Your access to this Inbox has changed.")).await;
                return;
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

/// A stream fed by `producer` through a small channel; it stops when the client goes away
/// (the next send fails) or the producer returns.
fn async_stream<F, Fut>(hub: &Hub, producer: F) -> impl Stream<Item = Result<Event, Infallible>> + use<F, Fut>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Event>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(64);
    let task = tokio::spawn(producer(tx));
    // A stream ends when the server begins to shut down (the browser reconnects, to another
    // process or to the restarted one, and resumes from its last event): an open stream must
    // not hold a restart up.
    let rx = futures::StreamExt::take_until(tokio_stream::wrappers::ReceiverStream::new(rx), Box::pin(hub.closing()));
    AbortOnDrop { task, inner: rx }
}

/// Ends the producer task when the response stream is dropped (the client disconnected).
struct AbortOnDrop<S> {
    task: tokio::task::JoinHandle<()>,
    inner: S,
}

impl<S> Drop for AbortOnDrop<S> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<S: Stream<Item = Event> + Unpin> Stream for AbortOnDrop<S> {
    type Item = Result<Event, Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::pin::Pin::new(&mut self.inner).poll_next(cx).map(|o| o.map(Ok))
    }
}

// ---------------------------------------------------------------------------------------------
// Files

#[derive(Deserialize)]
struct WidgetUploadQuery {
    token: String,
    name: String,
    client_id: String,
}

/// The visitor sends a file: the raw bytes as the body, its name in the query.
async fn widget_upload(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    Query(query): Query<WidgetUploadQuery>,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Response {
    answer(
        async {
            limit_widget(&state, &client_ip(&extensions), &channel, Some(&query.token)).await?;
            intake::widget_upload(
                &state.db,
                &state.hub,
                &media_sink(&state),
                &channel,
                &query.token,
                &query.name,
                body.to_vec(),
                &query.client_id,
            )
            .await
        }
        .await,
    )
}

#[derive(Deserialize)]
struct MemberUploadQuery {
    name: String,
    key: String,
}

/// A seat holder sends a file in a conversation: the raw bytes as the body (the browser's
/// `File`), its name and the client's idempotency key in the query.
async fn member_upload(
    State(state): State<AppState>,
    Path((bot, conversation)): Path<(i64, i64)>,
    Query(query): Query<MemberUploadQuery>,
    session: Session,
    body: Bytes,
) -> Response {
    let (bot, conversation) = (BotId(bot), app::domain::ids::ConversationId(conversation));
    answer(
        async {
            let user = app::server::context::user_of_session(&session, &state).await?;
            inbox::may_send_file(&state.db, user, bot).await?;
            let file = app::server::services::media::store(
                &state.media,
                &query.name,
                body.to_vec(),
                state.settings.max_upload_bytes,
            )
            .await?;
            inbox::send_file(&state.db, &state.hub, user, bot, conversation, &file, &query.key).await
        }
        .await,
    )
}

#[derive(Deserialize)]
struct LinkQuery {
    exp: Option<i64>,
    sig: Option<String>,
}

async fn serve_file(state: State<AppState>, id: Path<i64>, query: Query<LinkQuery>, session: Session) -> Response {
    serve(state, id, query, session, app::server::media::Variant::Original).await
}

async fn serve_thumbnail(state: State<AppState>, id: Path<i64>, query: Query<LinkQuery>, session: Session) -> Response {
    serve(state, id, query, session, app::server::media::Variant::Thumbnail).await
}

/// A file for a member of its bot (their session) or a signed link's holder. Served inert:
/// only raster images display inline; everything else downloads, and nothing it contains can
/// run (`nosniff` from the security headers, a sandboxing CSP here).
async fn serve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<LinkQuery>,
    session: Session,
    variant: app::server::media::Variant,
) -> Response {
    use app::server::services::media::{self, Requester};
    let user = app::server::context::user_of_session(&session, &state).await.ok();
    let who = match (&query.exp, &query.sig, user) {
        (Some(expires_s), Some(sig), _) => Requester::Link { expires_s: *expires_s, sig },
        (_, _, Some(user)) => Requester::User(user),
        _ => Requester::Nobody,
    };
    let served = match media::serve(&state.db, &state.media, who, app::domain::ids::AttachmentId(id), variant).await {
        Ok(served) => served,
        Err(err) => return failure(err),
    };
    let mut response = match served.body {
        media::ServedBody::Bytes(bytes) => bytes.into_response(),
        // Streamed from disk: a download holds a buffer, not the whole file, however slow the
        // client.
        media::ServedBody::File(path) => match tokio::fs::File::open(&path).await {
            Ok(file) => {
                let length = file.metadata().await.map(|m| m.len()).ok();
                let mut response =
                    axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
                if let Some(length) = length {
                    response.headers_mut().insert(header::CONTENT_LENGTH, length.into());
                }
                response
            }
            Err(err) => {
                tracing::error!(error = %err, "could not open a stored file");
                return failure(AppError::Internal);
            }
        },
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(served.media_type.code()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let disposition = if served.media_type.is_raster_image() { "inline" } else { "attachment" };
    if let Ok(value) = HeaderValue::from_str(&content_disposition(disposition, &served.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    response
}

/// `attachment; filename="photo.png"; filename*=UTF-8''photo.png`: an ASCII fallback with
/// anything unusual replaced, and the exact name percent-encoded.
fn content_disposition(kind: &str, file_name: &str) -> String {
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || "._- ()".contains(c) { c } else { '_' }).collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}
