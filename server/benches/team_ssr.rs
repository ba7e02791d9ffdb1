//! Benchmark: server-side render of Bot Settings > Team Manager > Team for a bot with 1,000
//! members (its first page of 50, with counts over all 1,000), on SQLite, through the real
//! router (session cookie, policy checks, SQL, SSR).
//! Prints latency percentiles. Run: `cargo bench -p switchboard --bench team_ssr`
//! (env: TEAM_SIZE, REQUESTS, SWITCHBOARD_TEST_POSTGRES to run it on Postgres instead).
use app::server::db::now_ms;
use app::server::{Settings, repo};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use switchboard::{SESSION_COOKIE, app, state_for};
use testkit::TestDb;
use tower::ServiceExt;

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let team_size = env_or("TEAM_SIZE", 1000);
    let requests = env_or("REQUESTS", 300);
    let t = TestDb::new().await;
    let options = leptos::config::LeptosOptions::builder().output_name("switchboard").build();
    let state = state_for(t.db.clone(), options, Settings::default());
    let router = app(state.clone());

    let post = |path: &str, body: String, cookie: Option<String>| {
        let mut req = Request::post(path)
            .header(header::HOST, "localhost")
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        req.body(Body::from(body)).unwrap()
    };
    let reply = router
        .clone()
        .oneshot(post(
            "/api/auth/sign-up",
            "name=Owner&email=owner%40example.com&password=correct+horse+battery".into(),
            None,
        ))
        .await
        .unwrap();
    let cookie = reply
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(SESSION_COOKIE))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("session cookie");
    let reply =
        router.clone().oneshot(post("/api/bots/create", "name=Big+Team".into(), Some(cookie.clone()))).await.unwrap();
    let bot: i64 = serde_json::from_slice(&reply.into_body().collect().await.unwrap().to_bytes()).unwrap();

    // Seed members directly (accounts with a placeholder hash: nobody logs in as them).
    let seed = Instant::now();
    let mut tx = t.db.pool().begin().await.unwrap();
    for i in 1..team_size {
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, 'x', $3) RETURNING id",
        )
        .bind(format!("member{i:04}@example.com"))
        .bind(format!("Member {i:04}"))
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        let role = ["agent", "viewer", "analyst", "editor"][i % 4].parse().unwrap();
        repo::insert_member(&mut *tx, app::domain::BotId(bot), app::domain::UserId(user), role, false, now_ms())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    eprintln!("seeded {team_size} members in {:?}", seed.elapsed());

    let page = || {
        Request::get(format!("/bots/{bot}/team"))
            .header(header::HOST, "localhost")
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, cookie.clone())
            .body(Body::empty())
            .unwrap()
    };
    // Warm up, and check the page really holds the whole team.
    let reply = router.clone().oneshot(page()).await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let html = String::from_utf8(reply.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(html.contains("Inbox seats: 1 of 1 used"));
    let rows = html.matches("data-member-id=").count();
    let expected_rows = team_size.min(app::domain::views::MemberPage::SIZE as usize);
    assert_eq!(rows, expected_rows, "the first page of members is rendered");
    assert!(html.contains(&format!("of {team_size}")), "the page says how many members there are");
    for _ in 0..10 {
        let _ = router.clone().oneshot(page()).await.unwrap().into_body().collect().await.unwrap();
    }

    let mut times: Vec<Duration> = Vec::with_capacity(requests);
    for _ in 0..requests {
        let start = Instant::now();
        let reply = router.clone().oneshot(page()).await.unwrap();
        let _ = reply.into_body().collect().await.unwrap();
        times.push(start.elapsed());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1).min(times.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "team_ssr ({:?}): {team_size} members, {requests} requests, {} KB page — p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        t.db.backend(),
        html.len() / 1024,
        ms(pct(0.50)),
        ms(pct(0.95)),
        ms(pct(0.99)),
        ms(*times.last().unwrap()),
    );
}
