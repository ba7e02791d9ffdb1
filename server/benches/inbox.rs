//! Benchmarks of the Inbox through the real router (sessions, policy, SQL, SSR), on SQLite by
//! default (SWITCHBOARD_TEST_POSTGRES for Postgres). Prints figures; asserts only that the
//! work was really done. Run: `cargo bench -p switchboard --bench inbox`.
//!
//! 1. Inbox list server render, bot with INBOX_CONVERSATIONS (100,000) × 10 messages: p50/p95
//!    for the first page of Open and for Mine, Unassigned and Closed.
//! 2. Reply server function with 8 agents replying at once: p50/p95/p99.
//! 3. Webhook ingest: sustained messages/s and acknowledgement p99, beside a bare axum + sqlx
//!    single-insert route measured the same way in the same run.
//! 4. Ingest → live stream: 200 connected agents, 200 messages/s for 10 s: delivery p50/p99.
use app::server::Settings;
use app::server::db::now_ms;
use app::server::secrets;
use app::server::services::seed::{self, SeedPlan};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::{SESSION_COOKIE, app, state_for};
use testkit::TestDb;
use tower::ServiceExt;

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn pct(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let i = ((times.len() as f64 * p).ceil() as usize).saturating_sub(1).min(times.len() - 1);
    times[i].as_secs_f64() * 1000.0
}

fn form(path: &str, body: String, cookie: &str) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, "localhost")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap()
}

fn hook(public_id: &str, secret: &str, body: &serde_json::Value) -> Request<Body> {
    let raw = serde_json::to_vec(body).unwrap();
    let ts = now_ms() / 1000;
    let sig = secrets::sign_webhook(secret, ts, &raw);
    Request::post(format!("/hooks/{public_id}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-switchboard-timestamp", ts.to_string())
        .header("x-switchboard-signature", format!("sha256={sig}"))
        .body(Body::from(raw))
        .unwrap()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let conversations = env_or("INBOX_CONVERSATIONS", 100_000) as i64;
    let t = TestDb::new().await;
    let options = leptos::config::LeptosOptions::builder().output_name("switchboard").build();
    let mut settings = Settings::default();
    // The webhook limit is generous but finite; the benchmark measures the work, not the limit.
    settings.limits.webhook_per_channel = app::server::rate_limit::Limit::per(i64::MAX / 2, Duration::from_secs(60));
    let state = state_for(t.db.clone(), options, settings);
    let router = app(state.clone());

    let started = Instant::now();
    let seeded = seed::seed(&t.db, &SeedPlan { conversations, messages_per: 10 }).await.unwrap();
    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages").fetch_one(t.db.pool()).await.unwrap();
    eprintln!("seeded {conversations} conversations, {messages} messages in {:.1}s", started.elapsed().as_secs_f64());

    let reply = router
        .clone()
        .oneshot(
            Request::post("/api/auth/log-in")
                .header(header::HOST, "localhost")
                .header("sec-fetch-site", "same-origin")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "email={}&password=benchmark+password",
                    seeded.owner_email.replace('@', "%40")
                )))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let cookie = reply
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(SESSION_COOKIE))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("session cookie");
    let bot = seeded.bot.0;

    // 1. List SSR.
    let requests = env_or("REQUESTS", 100);
    let mut figures = Vec::new();
    for (label, query) in [
        ("Open", "status=open&scope=all"),
        ("Mine", "status=open&scope=mine"),
        ("Unassigned", "status=open&scope=unassigned"),
        ("Closed", "status=closed&scope=all"),
    ] {
        let page = || {
            Request::get(format!("/bots/{bot}/inbox?{query}"))
                .header(header::HOST, "localhost")
                .header(header::ACCEPT, "text/html")
                .header(header::COOKIE, cookie.clone())
                .body(Body::empty())
                .unwrap()
        };
        let html = router.clone().oneshot(page()).await.unwrap().into_body().collect().await.unwrap().to_bytes();
        let rows = String::from_utf8_lossy(&html).matches("data-conversation=").count();
        assert_eq!(rows, 50, "{label}: a full first page is rendered");
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let start = Instant::now();
            let _ = router.clone().oneshot(page()).await.unwrap().into_body().collect().await.unwrap();
            times.push(start.elapsed());
        }
        figures.push(format!("{label} p50 {:.1} ms p95 {:.1} ms", pct(&mut times, 0.5), pct(&mut times, 0.95)));
    }
    println!(
        "inbox_list_ssr ({:?}): {conversations} conversations, {messages} messages, {requests} renders each — {}",
        t.db.backend(),
        figures.join(", ")
    );

    // 1b. Search: two-word queries over every message of the bot, through the real router.
    let searches = env_or("SEARCHES", 100);
    // Pairs that occur together in the seeded text (its word choice leaves some pairs out).
    let pairs = [("refund", "payment"), ("tracking", "invoice"), ("order", "shipping"), ("warranty", "colour")];
    let common = |n: usize| format!("{}+{}", pairs[n % pairs.len()].0, pairs[n % pairs.len()].1);
    // A word in every message beside one in a single conversation: too rare to fill a page from
    // the newest conversations, so it measures the full-text index path.
    let rare = |n: usize| format!("conversation+{}", (n as i64 * 7919) % conversations);
    let mut figures = Vec::new();
    for (label, extra, words) in [
        ("All", "status=all&scope=everyone", &common as &dyn Fn(usize) -> String),
        ("Open, Mine", "status=open&scope=mine", &common),
        ("All, a rare word", "status=all&scope=everyone", &rare),
    ] {
        let mut times = Vec::with_capacity(searches);
        for n in 0..searches {
            let body = format!("bot_id={bot}&q={}&{extra}", words(n));
            let start = Instant::now();
            let reply = router.clone().oneshot(form("/api/inbox/search", body, &cookie)).await.unwrap();
            assert_eq!(reply.status(), StatusCode::OK);
            let bytes = reply.into_body().collect().await.unwrap().to_bytes();
            times.push(start.elapsed());
            if n == 0 {
                let found: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert!(!found["hits"].as_array().unwrap().is_empty(), "{label}: {} finds conversations", words(n));
            }
        }
        figures.push(format!(
            "{label} p50 {:.1} ms p95 {:.1} ms p99 {:.1} ms",
            pct(&mut times, 0.5),
            pct(&mut times, 0.95),
            pct(&mut times, 0.99)
        ));
    }
    println!(
        "inbox_search ({:?}): two-word queries over {messages} messages, {searches} each — {} (bar p95 ≤ 100 ms)",
        t.db.backend(),
        figures.join(", ")
    );

    // 2. Replies, 8 agents at once (each on its own open conversations).
    let open: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE bot_id = $1 AND status = 'open' AND banned = 0 ORDER BY id DESC LIMIT 400",
    )
    .bind(bot)
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    let per_agent = 50;
    let started = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|agent| {
            let (router, cookie, open) = (router.clone(), cookie.clone(), open.clone());
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(per_agent);
                for i in 0..per_agent {
                    let conversation = open[agent * per_agent + i];
                    let body = format!(
                        "bot_id={bot}&conversation_id={conversation}&body=Thanks+for+waiting&key=bench{agent:02}x{i:04}xxxx"
                    );
                    let start = Instant::now();
                    let reply = router.clone().oneshot(form("/api/inbox/reply", body, &cookie)).await.unwrap();
                    assert_eq!(reply.status(), StatusCode::OK);
                    let _ = reply.into_body().collect().await.unwrap();
                    times.push(start.elapsed());
                }
                times
            })
        })
        .collect();
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    println!(
        "inbox_reply ({:?}): 8 agents × {per_agent} replies (write + event{}) — p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, {:.0} replies/s",
        t.db.backend(),
        " + outbox row",
        pct(&mut times, 0.5),
        pct(&mut times, 0.95),
        pct(&mut times, 0.99),
        times.len() as f64 / elapsed.as_secs_f64()
    );

    // 3. Webhook ingest vs a bare axum + sqlx single insert, same concurrency and database.
    let api: (String, String) =
        sqlx::query_as("SELECT public_id, secret FROM channels WHERE bot_id = $1 AND kind = 'api'")
            .bind(bot)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    let api = Arc::new(api);
    let ingest_total = env_or("INGEST_MESSAGES", 3000);
    let senders = 8;
    let started = Instant::now();
    let tasks: Vec<_> = (0..senders)
        .map(|s| {
            let (router, api) = (router.clone(), api.clone());
            tokio::spawn(async move {
                let mut times = Vec::new();
                for i in 0..ingest_total / senders {
                    let body = serde_json::json!({
                        "message_id": format!("ingest-{s}-{i}"),
                        "contact": {"id": format!("ingest-contact-{}", (s * 1000 + i) % 500)},
                        "text": "Hello, is anyone there?",
                    });
                    let start = Instant::now();
                    let reply = router.clone().oneshot(hook(&api.0, &api.1, &body)).await.unwrap();
                    assert_eq!(reply.status(), StatusCode::OK);
                    let _ = reply.into_body().collect().await.unwrap();
                    times.push(start.elapsed());
                }
                times
            })
        })
        .collect();
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap());
    }
    let ingest_rate = times.len() as f64 / started.elapsed().as_secs_f64();
    let ingest_p99 = pct(&mut times, 0.99);

    // The bar's shape: a sustained rate (open loop: one delivery every 2 ms whatever the
    // answers), acknowledgement latency measured per delivery.
    let sustained_rate = env_or("INGEST_RATE", 500);
    let sustained_total = sustained_rate * env_or("INGEST_SECONDS", 6);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / sustained_rate as f64));
    let started = Instant::now();
    let mut pending = Vec::with_capacity(sustained_total);
    for i in 0..sustained_total {
        tick.tick().await;
        let (router, api) = (router.clone(), api.clone());
        pending.push(tokio::spawn(async move {
            let body = serde_json::json!({
                "message_id": format!("sustained-{i}"),
                "contact": {"id": format!("sustained-contact-{}", i % 500)},
                "text": "Hello, is anyone there?",
            });
            let start = Instant::now();
            let reply = router.oneshot(hook(&api.0, &api.1, &body)).await.unwrap();
            assert_eq!(reply.status(), StatusCode::OK);
            let _ = reply.into_body().collect().await.unwrap();
            start.elapsed()
        }));
    }
    let mut sustained = Vec::with_capacity(sustained_total);
    for p in pending {
        sustained.push(p.await.unwrap());
    }
    let achieved = sustained.len() as f64 / started.elapsed().as_secs_f64();
    println!(
        "webhook_ingest_sustained ({:?}): {sustained_total} deliveries offered at {sustained_rate}/s — achieved {:.0}/s, ack p50 {:.1} ms, p99 {:.1} ms",
        t.db.backend(),
        achieved,
        pct(&mut sustained, 0.5),
        pct(&mut sustained, 0.99)
    );

    let bare_id = match t.db.backend() {
        app::server::db::Backend::Sqlite => "INTEGER PRIMARY KEY",
        app::server::db::Backend::Postgres => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    };
    sqlx::query(&format!("CREATE TABLE bench_bare (id {bare_id}, body TEXT NOT NULL, at BIGINT NOT NULL)"))
        .execute(t.db.pool())
        .await
        .unwrap();
    let bare = {
        let db = t.db.clone();
        axum::Router::new().route(
            "/bare",
            axum::routing::post(move |body: axum::body::Bytes| {
                let db = db.clone();
                async move {
                    sqlx::query("INSERT INTO bench_bare (body, at) VALUES ($1, $2)")
                        .bind(String::from_utf8_lossy(&body).into_owned())
                        .bind(now_ms())
                        .execute(db.pool())
                        .await
                        .unwrap();
                    "ok"
                }
            }),
        )
    };
    let started = Instant::now();
    let tasks: Vec<_> = (0..senders)
        .map(|_| {
            let bare = bare.clone();
            tokio::spawn(async move {
                let mut times = Vec::new();
                for _ in 0..ingest_total / senders {
                    let start = Instant::now();
                    let req =
                        Request::post("/bare").body(Body::from("{\"text\":\"Hello, is anyone there?\"}")).unwrap();
                    let _ = bare.clone().oneshot(req).await.unwrap().into_body().collect().await.unwrap();
                    times.push(start.elapsed());
                }
                times
            })
        })
        .collect();
    let mut bare_times = Vec::new();
    for task in tasks {
        bare_times.extend(task.await.unwrap());
    }
    let bare_rate = bare_times.len() as f64 / started.elapsed().as_secs_f64();
    println!(
        "webhook_ingest_max ({:?}): {ingest_total} signed deliveries from {senders} senders at once — {:.0} messages/s, ack p99 {:.1} ms; bare axum + sqlx single insert the same way: {:.0} inserts/s, p99 {:.1} ms",
        t.db.backend(),
        ingest_rate,
        ingest_p99,
        bare_rate,
        pct(&mut bare_times, 0.99)
    );

    // 4. Ingest → live: 200 agents' streams, 200 messages/s for LIVE_SECONDS.
    let agents = env_or("LIVE_AGENTS", 200);
    let rate = env_or("LIVE_RATE", 200);
    let seconds = env_or("LIVE_SECONDS", 10);
    let total = rate * seconds;
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<Duration>::with_capacity(agents * total)));
    let epoch = Instant::now();
    let mut readers = Vec::new();
    for _ in 0..agents {
        let request = Request::get(format!("/live/{bot}"))
            .header(header::HOST, "localhost")
            .header(header::COOKIE, cookie.clone())
            .body(Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let latencies = latencies.clone();
        readers.push(tokio::spawn(async move {
            let mut body = response.into_body().into_data_stream();
            let mut buffer = String::new();
            let mut seen = 0;
            while seen < total {
                let Ok(Some(Ok(chunk))) =
                    tokio::time::timeout(Duration::from_secs(30), futures::StreamExt::next(&mut body)).await
                else {
                    break;
                };
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    if !block.contains("event: message_added") {
                        continue;
                    }
                    // The text carries the send time in µs since the run's epoch.
                    if let Some(sent) = block
                        .split("live-at-")
                        .nth(1)
                        .and_then(|r| r.split('"').next())
                        .and_then(|v| v.parse::<u64>().ok())
                    {
                        let now = epoch.elapsed().as_micros() as u64;
                        latencies.lock().unwrap().push(Duration::from_micros(now.saturating_sub(sent)));
                        seen += 1;
                    }
                }
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut tick = tokio::time::interval(interval);
    let mut senders = Vec::new();
    for i in 0..total {
        tick.tick().await;
        let (router, api) = (router.clone(), api.clone());
        let sent = epoch.elapsed().as_micros();
        senders.push(tokio::spawn(async move {
            let body = serde_json::json!({
                "message_id": format!("live-{i}"),
                "contact": {"id": format!("live-contact-{}", i % 100)},
                "text": format!("live-at-{sent}"),
            });
            let reply = router.oneshot(hook(&api.0, &api.1, &body)).await.unwrap();
            assert_eq!(reply.status(), StatusCode::OK);
        }));
    }
    for s in senders {
        s.await.unwrap();
    }
    let mut delivered = 0;
    for r in readers {
        delivered += r.await.unwrap();
    }
    let mut lat = latencies.lock().unwrap().clone();
    println!(
        "ingest_to_live ({:?}): {agents} agents, {rate} messages/s for {seconds}s — {delivered} of {} deliveries, p50 {:.1} ms, p99 {:.1} ms",
        t.db.backend(),
        agents * total,
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    );
}
