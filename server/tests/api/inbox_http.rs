//! The Inbox over real HTTP routing: webhooks, the widget endpoints and page, and the live
//! streams (server-sent events), through the same router the binary serves.

use crate::common::TestApp;
use app::domain::inbox::ChannelSecret;
use app::server::db::now_ms;
use app::server::secrets;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

struct Setup {
    app: TestApp,
    owner: String,
    bot: i64,
    api: ChannelSecret,
}

async fn setup() -> Setup {
    setup_with(app::server::Settings::default()).await
}

async fn setup_with(settings: app::server::Settings) -> Setup {
    let app = TestApp::with_settings(settings).await;
    let owner = app.sign_up("Olive Owner", "olive@example.com").await;
    let bot = app.create_bot(&owner, "Acme").await;
    let reply = app
        .call(
            "/api/channels/create-api",
            &[("bot_id", &bot.to_string()), ("name", "WhatsApp"), ("outbound_url", "https://example.com/replies")],
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let api: ChannelSecret = reply.json();
    Setup { app, owner, bot, api }
}

/// The public id of the setup bot's website widget.
async fn widget_id(s: &Setup) -> String {
    let channels = s
        .app
        .call("/api/channels/list", &[("bot_id", &s.bot.to_string())], Some(&s.owner))
        .await
        .json::<app::domain::inbox::ChannelsView>()
        .channels;
    channels.into_iter().find(|c| c.kind == app::domain::inbox::ChannelKind::Widget).unwrap().public_id
}

fn hook(public_id: &str, secret: &str, body: &serde_json::Value, ts_offset: i64) -> Request<Body> {
    let raw = serde_json::to_vec(body).unwrap();
    let ts = now_ms() / 1000 + ts_offset;
    let sig = secrets::sign_webhook(secret, ts, &raw);
    Request::post(format!("/hooks/{public_id}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-switchboard-timestamp", ts.to_string())
        .header("x-switchboard-signature", format!("sha256={sig}"))
        .body(Body::from(raw))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_are_acknowledged_after_commit_and_refused_when_unsigned() {
    let s = setup().await;
    let body = serde_json::json!({"message_id": "w1", "contact": {"id": "+1555"}, "text": "hello", "handover": true});
    let ok = s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &body, 0)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let receipt: serde_json::Value = ok.json();
    assert_eq!(receipt["duplicate"], false);
    assert_eq!(s.app.count("messages").await, 1, "acknowledged means stored");

    let again = s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &body, 0)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json::<serde_json::Value>()["duplicate"], true);

    let other = serde_json::json!({"message_id": "w2", "contact": {"id": "+1555"}, "text": "x"});
    for reply in [
        s.app.send(hook(&s.api.channel.public_id, "wrong secret", &other, 0)).await,
        s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &other, -3600)).await,
    ] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        assert!(reply.body.contains("signature"), "{}", reply.body);
    }
    let unknown = s.app.send(hook("0000", &s.api.secret, &other, 0)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // A long text is refused by its rule; a body past the upload limit before it is read.
    let long = serde_json::json!({"message_id": "w3", "contact": {"id": "x"}, "text": "a".repeat(100_000)});
    let refused = s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &long, 0)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let huge = serde_json::json!({"message_id": "w4", "contact": {"id": "x"}, "text": "a".repeat(14 << 20)});
    let too_large = s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &huge, 0)).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(s.app.count("messages").await, 1, "nothing stored from refused deliveries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhook_deliveries_are_limited_per_channel_and_counted_with_the_message() {
    let mut settings = app::server::Settings::default();
    settings.limits.webhook_per_channel = app::server::rate_limit::Limit::per(2, std::time::Duration::from_secs(3600));
    let Setup { app, api, .. } = setup_with(settings).await;
    let delivery =
        |n: usize| serde_json::json!({"message_id": format!("m{n}"), "contact": {"id": "+1555"}, "text": "hi"});
    for n in 0..2 {
        let ok = app.send(hook(&api.channel.public_id, &api.secret, &delivery(n), 0)).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    }
    let refused = app.send(hook(&api.channel.public_id, &api.secret, &delivery(2), 0)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    assert!(refused.headers.get(header::RETRY_AFTER).is_some());
    assert!(refused.body.contains("Too many webhook deliveries."), "{}", refused.body);
    assert_eq!(app.count("messages").await, 2, "the refused delivery stored nothing");
    // A redelivery of a stored message is answered from what is stored, over the limit or not.
    let again = app.send(hook(&api.channel.public_id, &api.secret, &delivery(0), 0)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json::<serde_json::Value>()["duplicate"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_address_sending_refused_deliveries_is_refused_until_the_window_ends() {
    let mut settings = app::server::Settings::default();
    settings.limits.webhook_refused_per_address =
        app::server::rate_limit::Limit::per(3, std::time::Duration::from_secs(3600));
    let Setup { app, api, .. } = setup_with(settings).await;
    let body = serde_json::json!({"message_id": "m1", "contact": {"id": "+1555"}, "text": "hi"});
    for _ in 0..4 {
        let bad = app.send(hook(&api.channel.public_id, "a guessed secret", &body, 0)).await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED, "{}", bad.body);
    }
    let unknown = app.send(hook("no-such-channel", &api.secret, &body, 0)).await;
    assert_eq!(unknown.status, StatusCode::TOO_MANY_REQUESTS, "{}", unknown.body);
    let signed = app.send(hook(&api.channel.public_id, &api.secret, &body, 0)).await;
    assert_eq!(signed.status, StatusCode::TOO_MANY_REQUESTS, "{}", signed.body);
    assert!(signed.headers.get(header::RETRY_AFTER).is_some());
    assert!(signed.body.contains("Too many refused webhook deliveries"), "{}", signed.body);
    assert_eq!(app.count("messages").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_chat_page_can_be_framed_anywhere_and_the_dashboard_nowhere() {
    let s = setup().await;
    let channels = s.app.call("/api/channels/list", &[("bot_id", &s.bot.to_string())], Some(&s.owner)).await;
    assert_eq!(channels.status, StatusCode::OK, "{}", channels.body);
    let channels = channels.json::<app::domain::inbox::ChannelsView>().channels;
    let widget = channels.iter().find(|c| c.kind == app::domain::inbox::ChannelKind::Widget).expect("a widget");

    let page = s.app.page(&format!("/chat/{}", widget.public_id), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Chat with Acme"), "{}", page.body);
    assert!(page.body.contains("/widget/chat.js"));
    assert!(page.body.len() < 4096, "the chat page is small: {} bytes", page.body.len());
    let csp = page.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert!(page.headers.get(header::X_FRAME_OPTIONS).is_none());

    let dashboard = s.app.page("/", None).await;
    assert_eq!(dashboard.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    assert_eq!(s.app.page("/chat/nope", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.app.page(&format!("/chat/{}", s.api.channel.public_id), None).await.status, StatusCode::NOT_FOUND);
}

async fn json_post(app: &TestApp, path: &str, body: serde_json::Value) -> crate::common::Reply {
    let request = Request::post(path)
        .header(header::HOST, "localhost")
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visitor_chats_through_the_widget_endpoints() {
    let s = setup().await;
    let widget = widget_id(&s).await;
    let start = json_post(&s.app, &format!("/widget/{widget}/start"), serde_json::json!({"name": "Ada"})).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    let token = start.json::<serde_json::Value>()["token"].as_str().unwrap().to_string();
    let sent = json_post(
        &s.app,
        &format!("/widget/{widget}/send"),
        serde_json::json!({"token": token, "text": "<img src=x onerror=alert(1)>", "client_id": "client-key-0001"}),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let state = json_post(&s.app, &format!("/widget/{widget}/state"), serde_json::json!({"token": token})).await;
    let state: serde_json::Value = state.json();
    assert_eq!(state["messages"][0]["body"], "<img src=x onerror=alert(1)>", "stored as text, as sent");
    assert_eq!(state["agents_online"], false);

    let bad = json_post(&s.app, &format!("/widget/{widget}/state"), serde_json::json!({"token": "x.y"})).await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    // A cross-site page cannot post as the visitor.
    let request = Request::post(format!("/widget/{widget}/send"))
        .header(header::HOST, "localhost")
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(
            serde_json::json!({"token": token, "text": "forged", "client_id": "client-key-0002"}).to_string(),
        ))
        .unwrap();
    assert_eq!(s.app.send(request).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.app.count("messages").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visitors_limit_is_spent_only_by_their_own_token() {
    let mut settings = app::server::Settings::default();
    settings.limits.widget_per_visitor = app::server::rate_limit::Limit::per(3, std::time::Duration::from_secs(60));
    let s = setup_with(settings).await;
    let widget = widget_id(&s).await;
    let start = json_post(&s.app, &format!("/widget/{widget}/start"), serde_json::json!({})).await;
    let token = start.json::<serde_json::Value>()["token"].as_str().unwrap().to_string();
    let path = format!("/widget/{widget}/send");
    let app = &s.app;
    let send = |token: String, n: usize| {
        let body = serde_json::json!({"token": token, "text": format!("hello {n}"), "client_id": format!("client-key-{n:04}")});
        let path = path.clone();
        async move { json_post(app, &path, body).await }
    };
    // Someone who learnt the visitor's id, with a token they cannot sign.
    let visitor_id = token.split('.').next().unwrap();
    for n in 0..5 {
        let forged = send(format!("{visitor_id}.{}", "0".repeat(64)), n).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    }
    for n in 10..13 {
        let sent = send(token.clone(), n).await;
        assert_eq!(sent.status, StatusCode::OK, "the visitor's own allowance is whole: {}", sent.body);
    }
    let over = send(token.clone(), 13).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{}", over.body);
    assert_eq!(s.app.count("messages").await, 3);
}

/// Reads server-sent events from a streaming response until `n` data events arrived.
async fn read_events(body: Body, n: usize) -> Vec<(String, String, String)> {
    let mut body = body.into_data_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while events.len() < n {
        let chunk = tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut body))
            .await
            .expect("events in time")
            .expect("stream open")
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let (mut id, mut kind, mut data) = (String::new(), String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id: ").or_else(|| line.strip_prefix("id:")) {
                    id = v.to_string();
                } else if let Some(v) = line.strip_prefix("event: ").or_else(|| line.strip_prefix("event:")) {
                    kind = v.to_string();
                } else if let Some(v) = line.strip_prefix("data: ").or_else(|| line.strip_prefix("data:")) {
                    data = v.to_string();
                }
            }
            if !id.is_empty() {
                events.push((id, kind, data));
            }
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_member_stream_is_authorised_and_resumes_from_last_event_id() {
    let s = setup().await;
    let live = |cookie: Option<&str>, bot: i64, last: Option<&str>| {
        let mut request = Request::get(format!("/live/{bot}")).header(header::HOST, "localhost");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(last) = last {
            request = request.header("last-event-id", last);
        }
        request.body(Body::empty()).unwrap()
    };
    let router = s.app.router.clone();
    assert_eq!(router.clone().oneshot(live(None, s.bot, None)).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let stranger = s.app.sign_up("Stan Stranger", "stan@example.com").await;
    assert_eq!(
        router.clone().oneshot(live(Some(&stranger), s.bot, None)).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    let first = serde_json::json!({"message_id": "a", "contact": {"id": "c"}, "text": "one", "handover": true});
    s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &first, 0)).await;
    let response = router.clone().oneshot(live(Some(&s.owner), s.bot, Some("0"))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "text/event-stream");
    let events = read_events(response.into_body(), 2).await;
    assert_eq!(events[0].1, "message_added");
    assert!(events[0].2.contains("\"one\""));
    let last_seen = events[1].0.clone();
    // Cut off; two messages arrive meanwhile; the browser reconnects with Last-Event-ID.
    for (id, text) in [("b", "two"), ("c", "three")] {
        let body = serde_json::json!({"message_id": id, "contact": {"id": "c"}, "text": text});
        s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &body, 0)).await;
    }
    let mut resume = live(Some(&s.owner), s.bot, Some(&last_seen));
    resume.headers_mut().insert(header::ACCEPT_ENCODING, "br, gzip".parse().unwrap());
    let response = router.oneshot(resume).await.unwrap();
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none(), "a stream is never held back to compress");
    let events = read_events(response.into_body(), 4).await;
    let messages: Vec<&str> = events.iter().filter(|e| e.1 == "message_added").map(|e| e.2.as_str()).collect();
    assert_eq!(messages.len(), 2);
    assert!(messages[0].contains("\"two\"") && messages[1].contains("\"three\""));
    let ids: Vec<i64> = events.iter().map(|e| e.0.parse().unwrap()).collect();
    let resumed: i64 = last_seen.parse().unwrap();
    assert_eq!(ids, (resumed + 1..=resumed + 4).collect::<Vec<_>>(), "every event after the cursor, once, in order");
}

/// Reads every server-sent event (numbered or not) until `until` matches one, or the stream ends.
async fn events_until(body: Body, until: impl Fn(&str, &str) -> bool) -> (Vec<(String, String)>, bool) {
    let mut body = body.into_data_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let Some(chunk) =
            tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut body)).await.expect("in time")
        else {
            return (events, true);
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim_start().to_string()).unwrap_or_default()
            };
            let (kind, data) = (field("event:"), field("data:"));
            let done = until(&kind, &data);
            events.push((kind, data));
            if done {
                return (events, false);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_open_stream_follows_the_members_rights_at_once() {
    let s = setup().await;
    let bot = s.bot.to_string();
    let invited: app::domain::views::InvitationCreated = s
        .app
        .call("/api/team/invite", &[("bot_id", &bot), ("email", "ali@example.com"), ("role", "agent")], Some(&s.owner))
        .await
        .json();
    let ali = s.app.sign_up("Ali Agent", "ali@example.com").await;
    let token = invited.path.trim_start_matches("/invite/").to_string();
    assert_eq!(s.app.call("/api/invitations/accept", &[("token", &token)], Some(&ali)).await.status, StatusCode::OK);
    let team: app::domain::views::TeamView =
        s.app.call("/api/team/list", &[("bot_id", &bot)], Some(&s.owner)).await.json();
    let member = team.members.iter().find(|m| m.email == "ali@example.com").unwrap().member_id.to_string();
    let stream = || {
        let request = Request::get(format!("/live/{bot}"))
            .header(header::HOST, "localhost")
            .header(header::COOKIE, ali.clone())
            .body(Body::empty())
            .unwrap();
        s.app.router.clone().oneshot(request)
    };

    // A seat given while the stream is open: the stream tells the member at once (the Inbox
    // re-reads its rights on this event).
    app::server::repo::billing::add_paid_seats(s.app.state.db.pool(), app::domain::BotId(s.bot), 1).await.unwrap();
    let response = stream().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let seat_form = [("bot_id", bot.as_str()), ("member_id", member.as_str()), ("enable", "true")];
    let seat = s.app.call("/api/team/set-seat", &seat_form, Some(&s.owner));
    let (seat, (events, ended)) = tokio::join!(
        seat,
        events_until(response.into_body(), |kind, data| kind == "member_changed" && data.contains(&member))
    );
    assert_eq!(seat.status, StatusCode::OK, "{}", seat.body);
    assert!(!ended, "the stream stays open for a member who may still view: {events:?}");

    // The seat taken back: the member may still view, so the stream tells them and stays open.
    let response = stream().await.unwrap();
    let unseat_form = [("bot_id", bot.as_str()), ("member_id", member.as_str()), ("enable", "false")];
    let unseat = s.app.call("/api/team/set-seat", &unseat_form, Some(&s.owner));
    let (unseat, (events, ended)) = tokio::join!(
        unseat,
        events_until(response.into_body(), |kind, data| kind == "member_changed" && data.contains(&member))
    );
    assert_eq!(unseat.status, StatusCode::OK, "{}", unseat.body);
    assert!(!ended, "a seatless agent still views: {events:?}");

    // Moved to a role that cannot open the Inbox: the open stream ends at once.
    let response = stream().await.unwrap();
    let role = |role: &'static str| {
        let form = [("bot_id", bot.clone()), ("member_id", member.clone()), ("role", role.to_string())];
        let app = &s.app;
        let owner = s.owner.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call("/api/team/change-role", &form, Some(&owner)).await
        }
    };
    let (changed, (events, _)) =
        tokio::join!(role("analyst"), events_until(response.into_body(), |kind, _| kind == "denied"));
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(events.last().map(|e| e.0.as_str()), Some("denied"), "{events:?}");
    assert_eq!(stream().await.unwrap().status(), StatusCode::FORBIDDEN, "an Analyst's new stream is refused");
    assert_eq!(role("agent").await.status, StatusCode::OK);

    // Removed while the stream is open: it says so and closes, with nothing more sent.
    let response = stream().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let remove_form = [("bot_id", bot.as_str()), ("member_id", member.as_str())];
    let removed = s.app.call("/api/team/remove", &remove_form, Some(&s.owner));
    let (removed, (events, _)) = tokio::join!(removed, events_until(response.into_body(), |kind, _| kind == "denied"));
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(events.last().map(|e| e.0.as_str()), Some("denied"), "{events:?}");
    assert_eq!(stream().await.unwrap().status(), StatusCode::NOT_FOUND, "and a new stream is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visitors_stream_carries_only_their_conversation_and_never_a_note() {
    let s = setup().await;
    let widget = widget_id(&s).await;
    let visitor = || async {
        let start = json_post(&s.app, &format!("/widget/{widget}/start"), serde_json::json!({})).await;
        start.json::<serde_json::Value>()["token"].as_str().unwrap().to_string()
    };
    let (ada, bea) = (visitor().await, visitor().await);
    let say = |token: String, text: &'static str| {
        let path = format!("/widget/{widget}/send");
        let body = serde_json::json!({"token": token, "text": text, "client_id": format!("client-{}", text.replace(' ', "-"))});
        let app = &s.app;
        async move {
            let sent = json_post(app, &path, body).await;
            assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
            sent.json::<serde_json::Value>()["conversation_id"].as_i64().unwrap().to_string()
        }
    };
    let adas = say(ada.clone(), "hello from ada").await;
    say(bea.clone(), "hello from bea").await;
    let bot = s.bot.to_string();
    for (path, body, key) in [
        ("/api/inbox/note", "a private note", "note-key-000000001"),
        ("/api/inbox/reply", "a public reply", "reply-key-00000001"),
    ] {
        let form = [("bot_id", bot.as_str()), ("conversation_id", adas.as_str()), ("body", body), ("key", key)];
        let reply = s.app.call(path, &form, Some(&s.owner)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    say(bea.clone(), "last from bea").await;
    let live = |token: &str| {
        let request = Request::get(format!("/widget/{widget}/live?token={token}&after=0"))
            .header(header::HOST, "localhost")
            .body(Body::empty())
            .unwrap();
        s.app.router.clone().oneshot(request)
    };
    let (events, _) =
        events_until(live(&ada).await.unwrap().into_body(), |_, data| data.contains("a public reply")).await;
    let seen: String = events.iter().map(|e| e.1.as_str()).collect();
    assert!(seen.contains("hello from ada"));
    assert!(!seen.contains("a private note"), "notes never reach the customer: {seen}");
    assert!(!seen.contains("from bea"), "nor another visitor's conversation: {seen}");
    let (events, _) =
        events_until(live(&bea).await.unwrap().into_body(), |_, data| data.contains("last from bea")).await;
    let seen: String = events.iter().map(|e| e.1.as_str()).collect();
    assert!(!seen.contains("from ada") && !seen.contains("a public reply"), "{seen}");
    let forged = format!("{}.{}", ada.split('.').next().unwrap(), "0".repeat(64));
    assert_eq!(live(&forged).await.unwrap().status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_waiting_visitor_sees_their_place_in_the_queue_and_an_estimate() {
    let s = setup().await;
    let widget = widget_id(&s).await;
    let mut visitors = Vec::new();
    for n in 0..3 {
        let start = json_post(&s.app, &format!("/widget/{widget}/start"), serde_json::json!({})).await;
        let token = start.json::<serde_json::Value>()["token"].as_str().unwrap().to_string();
        let body = serde_json::json!({"token": token, "text": "A person, please", "client_id": format!("client-key-{n:04}"), "handover": true});
        let sent = json_post(&s.app, &format!("/widget/{widget}/send"), body).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        visitors.push((token, sent.json::<serde_json::Value>()["conversation_id"].as_i64().unwrap()));
    }
    let queue = |token: String| {
        let path = format!("/widget/{widget}/state");
        let app = &s.app;
        async move {
            json_post(app, &path, serde_json::json!({"token": token})).await.json::<serde_json::Value>()["queue"]
                .clone()
        }
    };
    let last = queue(visitors[2].0.clone()).await;
    assert_eq!((last["position"].as_i64(), last["waiting"].as_i64()), (Some(3), Some(3)), "{last}");
    assert!(last["estimated_minutes"].is_null(), "no pace to go by yet: {last}");

    // The first is assigned (the Auto assign button): the last moves up, with an estimate from
    // the pace of the last hour (one an hour: two ahead, about two hours).
    let bot = s.bot.to_string();
    let first = visitors[0].1.to_string();
    let assigned = s
        .app
        .call("/api/assignment/auto-assign", &[("bot_id", &bot), ("conversation_id", &first)], Some(&s.owner))
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    assert!(queue(visitors[0].0.clone()).await.is_null(), "an assigned visitor waits in no queue");
    let last = queue(visitors[2].0.clone()).await;
    assert_eq!((last["position"].as_i64(), last["waiting"].as_i64()), (Some(2), Some(2)), "{last}");
    assert_eq!(last["estimated_minutes"].as_i64(), Some(120), "{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_offline_member_can_be_given_a_conversation_by_hand_and_is_told_live() {
    let s = setup().await;
    let bot = s.bot.to_string();
    let (ali, member) = seated_agent(&s, "ali@example.com").await;
    let offline =
        s.app.call("/api/assignment/availability", &[("bot_id", &bot), ("availability", "offline")], Some(&ali)).await;
    assert_eq!(offline.status, StatusCode::OK, "{}", offline.body);
    let body = serde_json::json!({"message_id": "o1", "contact": {"id": "c"}, "text": "Hello", "handover": true});
    let receipt: serde_json::Value = s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &body, 0)).await.json();
    let conversation = receipt["conversation_id"].as_i64().unwrap().to_string();
    let request = Request::get(format!("/live/{bot}")).header(header::HOST, "localhost").header(header::COOKIE, ali);
    let response = s.app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let form = [("bot_id", bot.as_str()), ("conversation_id", conversation.as_str()), ("member_id", member.as_str())];
    let assign = s.app.call("/api/inbox/assign", &form, Some(&s.owner));
    let (assigned, (events, _)) =
        tokio::join!(assign, events_until(response.into_body(), |kind, _| kind == "assigned_to_you"));
    assert_eq!(
        assigned.status,
        StatusCode::OK,
        "offline members may be given conversations by hand: {}",
        assigned.body
    );
    assert!(events.last().unwrap().1.contains(&conversation), "{events:?}");
}

/// Opening or leaving a conversation tells whoever else has it open at once, on their stream,
/// naming everyone but themselves; a leave that arrives after the member opened another
/// conversation changes nothing; a tab that closed without a word fades out.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn who_else_is_viewing_is_pushed_when_a_member_opens_or_leaves_a_conversation() {
    let s = setup().await;
    let bot = s.bot.to_string();
    let (ali, ali_member) = seated_agent(&s, "ali@example.com").await;
    let mut conversations = Vec::new();
    for id in ["v1", "v2"] {
        let body = serde_json::json!({"message_id": id, "contact": {"id": id}, "text": "Hello", "handover": true});
        let receipt: serde_json::Value =
            s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &body, 0)).await.json();
        conversations.push(receipt["conversation_id"].as_i64().unwrap().to_string());
    }
    let (first, second) = (conversations[0].clone(), conversations[1].clone());
    let app = &s.app;
    let bot_ref = &bot;
    // What the Inbox's beacon sends: `opened`, `viewing` (every 10 s) or `left`.
    let check_in = |cookie: &str, how: &'static str, conversation: &str| {
        let (cookie, conversation) = (cookie.to_string(), conversation.to_string());
        async move {
            let form = [("bot_id", bot_ref.as_str()), (how, conversation.as_str())];
            let reply = app.call("/api/inbox/presence", &form, Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::OK, "{how} {conversation}: {}", reply.body);
            reply.json::<Vec<String>>()
        }
    };
    let stream_of = |cookie: &str| {
        let request = Request::get(format!("/live/{bot}"))
            .header(header::HOST, "localhost")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        s.app.router.clone().oneshot(request)
    };
    // The next `viewers_changed` about `conversation` on a stream: who it names.
    let told = |body: Body, conversation: String| async move {
        let about = format!("\"conversation\":{conversation},");
        let (events, ended) = events_until(body, |kind, data| kind == "viewers_changed" && data.contains(&about)).await;
        assert!(!ended, "{events:?}");
        let data: serde_json::Value = serde_json::from_str(&events.last().unwrap().1).unwrap();
        data["viewers"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert!(check_in(&s.owner, "opened", &first).await.is_empty());

    // Ali opens it: Olive's stream names him at once; his own names only her.
    let (olives, alis) = (stream_of(&s.owner).await.unwrap(), stream_of(&ali).await.unwrap());
    let (others, to_olive, to_ali) = tokio::join!(
        check_in(&ali, "opened", &first),
        told(olives.into_body(), first.clone()),
        told(alis.into_body(), first.clone())
    );
    assert_eq!(
        (others, to_olive, to_ali),
        (vec!["Olive Owner".to_string()], vec!["Ali Agent".to_string()], vec!["Olive Owner".to_string()])
    );
    assert_eq!(check_in(&s.owner, "viewing", &first).await, ["Ali Agent"]);

    // He moves to the second: the first's viewers hear of it at once.
    let olives = stream_of(&s.owner).await.unwrap();
    let (_, to_olive) = tokio::join!(check_in(&ali, "opened", &second), told(olives.into_body(), first.clone()));
    assert!(to_olive.is_empty(), "{to_olive:?}");
    assert!(check_in(&s.owner, "viewing", &first).await.is_empty());
    // The first's leave, arriving late, leaves him on the second.
    assert!(check_in(&ali, "left", &first).await.is_empty());
    assert_eq!(check_in(&s.owner, "viewing", &second).await, ["Ali Agent"]);

    // Olive closes the second (her tab's beacon): Ali is told at once.
    let alis = stream_of(&ali).await.unwrap();
    let (_, to_ali) = tokio::join!(check_in(&s.owner, "left", &second), told(alis.into_body(), second.clone()));
    assert!(to_ali.is_empty(), "{to_ali:?}");

    // Ali's tab dies without a word: once his last check-in is older than the window, the next
    // check-in on that conversation drops him and says so.
    assert_eq!(check_in(&s.owner, "opened", &second).await, ["Ali Agent"]);
    sqlx::query("UPDATE presence SET seen_at = seen_at - 120000 WHERE member_id = $1")
        .bind(ali_member.parse::<i64>().unwrap())
        .execute(s.app.state.db.pool())
        .await
        .unwrap();
    let olives = stream_of(&s.owner).await.unwrap();
    let (others, to_olive) =
        tokio::join!(check_in(&s.owner, "viewing", &second), told(olives.into_body(), second.clone()));
    assert!(others.is_empty() && to_olive.is_empty(), "{others:?} {to_olive:?}");

    // A conversation that is not the bot's: not found, however it is named, and nothing is told.
    for how in ["opened", "viewing", "left"] {
        let form = [("bot_id", bot.as_str()), (how, "987654")];
        assert_eq!(s.app.call("/api/inbox/presence", &form, Some(&ali)).await.status, StatusCode::NOT_FOUND);
    }
}

/// An Agent invited to the bot and given a (newly bought) seat: (cookie, member id).
async fn seated_agent(s: &Setup, email: &str) -> (String, String) {
    let bot = s.bot.to_string();
    let invited: app::domain::views::InvitationCreated = s
        .app
        .call("/api/team/invite", &[("bot_id", &bot), ("email", email), ("role", "agent")], Some(&s.owner))
        .await
        .json();
    let cookie = s.app.sign_up("Ali Agent", email).await;
    let token = invited.path.trim_start_matches("/invite/").to_string();
    assert_eq!(s.app.call("/api/invitations/accept", &[("token", &token)], Some(&cookie)).await.status, StatusCode::OK);
    let team: app::domain::views::TeamView =
        s.app.call("/api/team/list", &[("bot_id", &bot)], Some(&s.owner)).await.json();
    let member = team.members.iter().find(|m| m.email == email).unwrap().member_id.to_string();
    app::server::repo::billing::add_paid_seats(s.app.state.db.pool(), app::domain::BotId(s.bot), 1).await.unwrap();
    let seat = s
        .app
        .call("/api/team/set-seat", &[("bot_id", &bot), ("member_id", &member), ("enable", "true")], Some(&s.owner))
        .await;
    assert_eq!(seat.status, StatusCode::OK, "{}", seat.body);
    (cookie, member)
}

/// What another tenant's calls must leave as it was.
async fn inbox_snapshot(app: &TestApp) -> String {
    let pool = app.state.db.pool();
    let conversations: Vec<(i64, String, Option<i64>, Option<i64>, i64, i64)> =
        sqlx::query_as("SELECT id, status, assignee_id, team_id, banned, bot_paused FROM conversations ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    let channels: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, secret, outbound_url FROM channels ORDER BY id").fetch_all(pool).await.unwrap();
    let tags: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, color FROM tags ORDER BY id").fetch_all(pool).await.unwrap();
    let mut counts = Vec::new();
    for table in ["messages", "conversation_tags", "teams", "team_members", "contacts", "contact_attributes", "outbox"]
    {
        counts.push(app.count(table).await);
    }
    format!("{conversations:?} {channels:?} {tags:?} {counts:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_inbox_id_of_another_bot_is_not_found_and_changes_nothing() {
    let s = setup().await;
    let a_bot = s.bot.to_string();
    // Ada's bot (the setup's): a conversation with a message, a tag on it, a team, a contact.
    let body = serde_json::json!({"message_id": "x1", "contact": {"id": "+1555"}, "text": "Hello", "handover": true});
    let receipt: serde_json::Value = s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &body, 0)).await.json();
    let (conversation, message) =
        (receipt["conversation_id"].as_i64().unwrap().to_string(), receipt["message_id"].as_i64().unwrap().to_string());
    let tag: serde_json::Value = s
        .app
        .call(
            "/api/tags/apply",
            &[("bot_id", &a_bot), ("conversation_id", &conversation), ("name", "VIP")],
            Some(&s.owner),
        )
        .await
        .json();
    let tag = tag["id"].as_i64().unwrap().to_string();
    let team = s.app.call("/api/teams/create", &[("bot_id", &a_bot), ("name", "Billing")], Some(&s.owner)).await.body;
    assert!(team.parse::<i64>().is_ok(), "a team id: {team}");
    let contact: i64 = sqlx::query_scalar("SELECT contact_id FROM conversations WHERE id = $1")
        .bind(receipt["conversation_id"].as_i64().unwrap())
        .fetch_one(s.app.state.db.pool())
        .await
        .unwrap();
    let contact = contact.to_string();
    let a_team: app::domain::views::TeamView =
        s.app.call("/api/team/list", &[("bot_id", &a_bot)], Some(&s.owner)).await.json();
    let ada = a_team.viewer_member_id.to_string();
    let channel = s.api.channel.id.to_string();

    // Bob's bot, with its own tag and contact (as merge targets).
    let bob = s.app.sign_up("Bob Other", "bob@example.com").await;
    let b_bot = s.app.create_bot(&bob, "Bob's bot").await.to_string();
    let b_tag: serde_json::Value =
        s.app.call("/api/tags/create", &[("bot_id", &b_bot), ("name", "Mine")], Some(&bob)).await.json();
    let b_tag = b_tag["id"].as_i64().unwrap().to_string();
    let before = inbox_snapshot(&s.app).await;

    let c = conversation.as_str();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/inbox/thread", vec![("conversation_id", c)]),
        ("/api/inbox/reply", vec![("conversation_id", c), ("body", "hi"), ("key", "idor-key-000000001")]),
        ("/api/inbox/note", vec![("conversation_id", c), ("body", "hi"), ("key", "idor-key-000000002")]),
        ("/api/inbox/close", vec![("conversation_id", c), ("closed", "true")]),
        ("/api/inbox/ban", vec![("conversation_id", c), ("banned", "true")]),
        ("/api/inbox/pause-bot", vec![("conversation_id", c), ("paused", "true")]),
        ("/api/inbox/assign", vec![("conversation_id", c), ("member_id", &ada)]),
        ("/api/inbox/assign-team", vec![("conversation_id", c), ("team_id", &team)]),
        ("/api/inbox/contact-attribute", vec![("conversation_id", c), ("key", "plan"), ("value", "gold")]),
        ("/api/inbox/retry-delivery", vec![("message_id", &message)]),
        ("/api/inbox/typing", vec![("conversation_id", c)]),
        ("/api/tags/apply", vec![("conversation_id", c), ("name", "Mine")]),
        ("/api/tags/untag", vec![("conversation_id", c), ("tag_id", &tag)]),
        ("/api/tags/edit", vec![("tag_id", &tag), ("name", "Renamed"), ("color", "red")]),
        ("/api/tags/delete", vec![("tag_id", &tag), ("conversations", "1")]),
        ("/api/tags/merge", vec![("tag_id", &tag), ("into", &b_tag)]),
        ("/api/tags/merge", vec![("tag_id", &b_tag), ("into", &tag)]),
        ("/api/contacts/detail", vec![("contact_id", &contact)]),
        ("/api/contacts/attribute", vec![("contact_id", &contact), ("key", "plan"), ("value", "gold")]),
        ("/api/channels/rotate-secret", vec![("channel_id", &channel)]),
        ("/api/channels/set-outbound-url", vec![("channel_id", &channel), ("outbound_url", "https://evil.example/x")]),
        ("/api/teams/set-member", vec![("team_id", &team), ("member_id", &ada), ("member_of", "false")]),
    ];
    for (path, form) in calls {
        // Bob names his own bot with Ada's ids, then Ada's bot itself.
        for bot in [&b_bot, &a_bot] {
            let mut form = form.clone();
            form.push(("bot_id", bot));
            let reply = s.app.call(path, &form, Some(&bob)).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path} on bot {bot}: {}", reply.body);
        }
    }
    assert_eq!(inbox_snapshot(&s.app).await, before, "another tenant's call changed something");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn new_widget_chats_are_limited_per_address() {
    let mut settings = app::server::Settings::default();
    settings.limits.widget_start_per_address =
        app::server::rate_limit::Limit::per(2, std::time::Duration::from_secs(3600));
    let app = TestApp::with_settings(settings).await;
    let owner = app.sign_up("Olive Owner", "olive@example.com").await;
    let bot = app.create_bot(&owner, "Acme").await;
    let channels = app
        .call("/api/channels/list", &[("bot_id", &bot.to_string())], Some(&owner))
        .await
        .json::<app::domain::inbox::ChannelsView>()
        .channels;
    let widget = &channels[0].public_id;
    for _ in 0..2 {
        let ok = json_post(&app, &format!("/widget/{widget}/start"), serde_json::json!({})).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    }
    let refused = json_post(&app, &format!("/widget/{widget}/start"), serde_json::json!({})).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.get(header::RETRY_AFTER).is_some());
    assert!(refused.body.contains("Too many new chats."), "{}", refused.body);
    assert_eq!(app.count("contacts").await, 2, "the refused start created nothing");
}

/// Over HTTP, as the browser calls them: a seatless Agent gets 402 and a Viewer 403 from every
/// action on a conversation, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seatless_members_get_402_or_403_from_every_action_and_nothing_changes() {
    let s = setup().await;
    let body = serde_json::json!({"message_id": "w1", "contact": {"id": "+1555"}, "text": "hello", "handover": true});
    let receipt: serde_json::Value = s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &body, 0)).await.json();
    let conversation = receipt["conversation_id"].as_i64().unwrap().to_string();
    let bot = s.bot.to_string();
    let join = |name: &'static str, email: &'static str, role: app::domain::Role| {
        let app = &s.app;
        async move {
            let cookie = app.sign_up(name, email).await;
            let user = app.session(&cookie).await.unwrap().user_id;
            app::server::repo::insert_member(
                app.state.db.pool(),
                app::domain::BotId(s.bot),
                user,
                role,
                false,
                now_ms(),
            )
            .await
            .unwrap();
            cookie
        }
    };
    let agent = join("Sam Seatless", "sam@example.com", app::domain::Role::Agent).await;
    let viewer = join("Vic Viewer", "vic@example.com", app::domain::Role::Viewer).await;
    let snapshot = || async {
        let db = s.app.state.db.pool();
        let messages: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM tags) + (SELECT COUNT(*) FROM conversation_tags) \
             + (SELECT COUNT(*) FROM contact_attributes) + (SELECT COUNT(*) FROM attachments)",
        )
        .fetch_one(db)
        .await
        .unwrap();
        let row: (String, Option<i64>, Option<i64>, i64, i64) =
            sqlx::query_as("SELECT status, assignee_id, team_id, banned, bot_paused FROM conversations")
                .fetch_one(db)
                .await
                .unwrap();
        (messages, row)
    };
    let team = s.app.call("/api/teams/create", &[("bot_id", &bot), ("name", "Billing")], Some(&s.owner)).await.body;
    let message = receipt["message_id"].as_i64().unwrap().to_string();
    let before = snapshot().await;
    for (cookie, status) in [(&agent, StatusCode::PAYMENT_REQUIRED), (&viewer, StatusCode::FORBIDDEN)] {
        let read = s
            .app
            .call("/api/inbox/thread", &[("bot_id", &bot), ("conversation_id", &conversation)], Some(cookie))
            .await;
        assert_eq!(read.status, StatusCode::OK, "they may view: {}", read.body);
        let calls: [(&str, Vec<(&str, &str)>); 11] = [
            ("/api/inbox/assign-team", vec![("team_id", team.as_str())]),
            ("/api/inbox/reply", vec![("body", "hi"), ("key", "key-000000001")]),
            ("/api/inbox/note", vec![("body", "hi"), ("key", "key-000000002")]),
            ("/api/inbox/assign", vec![("member_id", "1")]),
            ("/api/inbox/close", vec![("closed", "true")]),
            ("/api/inbox/ban", vec![("banned", "true")]),
            ("/api/inbox/pause-bot", vec![("paused", "true")]),
            ("/api/inbox/typing", vec![]),
            ("/api/tags/apply", vec![("name", "VIP")]),
            ("/api/tags/untag", vec![("tag_id", "1")]),
            ("/api/inbox/contact-attribute", vec![("key", "Plan"), ("value", "Pro")]),
        ];
        for (path, extra) in calls {
            let mut form = vec![("bot_id", bot.as_str()), ("conversation_id", conversation.as_str())];
            form.extend(extra);
            let reply = s.app.call(path, &form, Some(cookie)).await;
            assert_eq!(reply.status, status, "{path}: {}", reply.body);
        }
        let retry =
            s.app.call("/api/inbox/retry-delivery", &[("bot_id", &bot), ("message_id", &message)], Some(cookie)).await;
        assert_eq!(retry.status, status, "retry-delivery: {}", retry.body);
        let path = format!("/media/upload/{bot}/{conversation}?name=dot.png&key={}", secrets::random_hex(8));
        let uploaded = s.app.send(upload(&path, PNG_1X1.to_vec(), Some(cookie), "same-origin")).await;
        assert_eq!(uploaded.status, status, "upload: {}", uploaded.body);
    }
    let reason = s
        .app
        .call(
            "/api/inbox/reply",
            &[("bot_id", &bot), ("conversation_id", &conversation), ("body", "hi"), ("key", "key-000000003")],
            Some(&agent),
        )
        .await;
    assert_eq!(reason.error().to_string(), "You need an Inbox seat to reply — ask an admin.");
    assert_eq!(snapshot().await, before, "nothing changed");
}

fn upload(path: &str, bytes: Vec<u8>, cookie: Option<&str>, site: &str) -> Request<Body> {
    let mut request = Request::post(path).header(header::HOST, "localhost").header("sec-fetch-site", site);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(bytes)).unwrap()
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path).header(header::HOST, "localhost");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

const PNG_1X1: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx\x9cc\xf8\xcf\xc0\0\0\x03\x01\x01\0\xc9\xfe\x92\xef\0\0\0\0IEND\xaeB`\x82";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn files_are_uploaded_by_seat_holders_and_served_inert_to_members_only() {
    let s = setup().await;
    let body =
        serde_json::json!({"message_id": "f1", "contact": {"id": "+1555"}, "text": "Invoice?", "handover": true});
    let receipt: serde_json::Value = s.app.send(hook(&s.api.channel.public_id, &s.api.secret, &body, 0)).await.json();
    let conversation = receipt["conversation_id"].as_i64().unwrap();
    let path =
        |name: &str| format!("/media/upload/{}/{conversation}?name={name}&key={}", s.bot, secrets::random_hex(8));

    let text =
        s.app.send(upload(&path("notes%20%C3%A9.txt"), b"Order 4411".to_vec(), Some(&s.owner), "same-origin")).await;
    assert_eq!(text.status, StatusCode::OK, "{}", text.body);
    let message: serde_json::Value = text.json();
    let url = message["attachment"]["url"].as_str().unwrap().to_string();
    let served = s.app.send(get(&url, Some(&s.owner))).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.body, "Order 4411");
    let h = |name: &str| served.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(h("content-type"), "text/plain");
    assert_eq!(h("content-disposition"), "attachment; filename=\"notes _.txt\"; filename*=UTF-8''notes%20%C3%A9.txt");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert!(h("content-security-policy").contains("sandbox"), "{}", h("content-security-policy"));
    // Without a session, or from another bot, the file does not exist.
    assert_eq!(s.app.send(get(&url, None)).await.status, StatusCode::NOT_FOUND);
    let stranger = s.app.sign_up("Stan Stranger", "stan@example.com").await;
    assert_eq!(s.app.send(get(&url, Some(&stranger))).await.status, StatusCode::NOT_FOUND);

    // Images display inline, with a preview.
    let image = s.app.send(upload(&path("dot.png"), PNG_1X1.to_vec(), Some(&s.owner), "same-origin")).await;
    assert_eq!(image.status, StatusCode::OK, "{}", image.body);
    let message: serde_json::Value = image.json();
    let shown = s.app.send(get(message["attachment"]["url"].as_str().unwrap(), Some(&s.owner))).await;
    assert!(shown.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline"));
    assert_eq!(shown.headers[header::CONTENT_TYPE], "image/png");
    let thumb = s.app.send(get(message["attachment"]["thumb_url"].as_str().unwrap(), Some(&s.owner))).await;
    assert_eq!(thumb.status, StatusCode::OK);
    assert_eq!(thumb.headers[header::CONTENT_TYPE], "image/jpeg");

    // Refused: markup whatever its name, a byte over the limit, another site, no session,
    // another bot's member. Nothing is stored for any of them.
    let before = s.app.count("attachments").await;
    let html = s
        .app
        .send(upload(&path("cat.png"), b"<html><script>alert(1)</script>".to_vec(), Some(&s.owner), "same-origin"))
        .await;
    assert_eq!(html.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.body.contains("HTML"), "{}", html.body);
    let over =
        s.app.send(upload(&path("big.txt"), vec![b'a'; 10 * 1024 * 1024 + 1], Some(&s.owner), "same-origin")).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(over.body.contains("10 MB"), "{}", over.body);
    let cross = s.app.send(upload(&path("a.txt"), b"hi".to_vec(), Some(&s.owner), "cross-site")).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.app.send(upload(&path("a.txt"), b"hi".to_vec(), None, "same-origin")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let theirs = s.app.send(upload(&path("a.txt"), b"hi".to_vec(), Some(&stranger), "same-origin")).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(s.app.count("attachments").await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visitor_uploads_from_the_widget_and_opens_only_their_own_signed_link() {
    let s = setup().await;
    let widget = widget_id(&s).await;
    let start = json_post(&s.app, &format!("/widget/{widget}/start"), serde_json::json!({})).await;
    let token = start.json::<serde_json::Value>()["token"].as_str().unwrap().to_string();
    let path = format!("/widget/{widget}/upload?token={token}&name=photo.png&client_id={}", secrets::random_hex(8));
    let sent = s.app.send(Request::post(&path).body(Body::from(PNG_1X1.to_vec())).unwrap()).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let sent: serde_json::Value = sent.json();
    let url = sent["message"]["attachment"]["url"].as_str().unwrap().to_string();
    assert!(url.contains("sig="));
    assert_eq!(s.app.send(get(&url, None)).await.status, StatusCode::OK, "the signed link needs no session");
    let altered = url.replace("exp=", "exp=9");
    assert_eq!(s.app.send(get(&altered, None)).await.status, StatusCode::NOT_FOUND);
    let bare = url.split('?').next().unwrap();
    assert_eq!(s.app.send(get(bare, None)).await.status, StatusCode::NOT_FOUND, "no link, no session: nothing");
}
