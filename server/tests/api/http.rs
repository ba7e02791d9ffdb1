//! HTTP-level tests: real requests through the real router (`oneshot`, no socket), real
//! cookies, real status codes, on a fresh database per test (SQLite file, or Postgres when
//! SWITCHBOARD_TEST_POSTGRES is set).

use crate::common::TestApp;
use app::domain::AppError;
use app::domain::views::TeamView;
use app::server::Settings;
use axum::http::{StatusCode, header};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_starts_a_session_with_safe_cookie_attributes() {
    let t = TestApp::new().await;
    let reply = t
        .call(
            "/api/auth/sign-up",
            &[("name", "Ada"), ("email", "ada@example.com"), ("password", "correct horse battery")],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let set_cookie = reply.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "local default is not Secure: {set_cookie}");
    let cookie = reply.cookie.unwrap();
    let session = t.session(&cookie).await.expect("signed in");
    assert_eq!(session.email, "ada@example.com");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_cookies_when_configured() {
    let t = TestApp::with_settings(Settings { secure_cookies: true, ..Settings::default() }).await;
    let reply = t
        .call(
            "/api/auth/sign-up",
            &[("name", "Ada"), ("email", "ada@example.com"), ("password", "correct horse battery")],
            None,
        )
        .await;
    let set_cookie = reply.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_sign_up_is_a_clear_conflict() {
    let t = TestApp::new().await;
    t.sign_up("Ada", "ada@example.com").await;
    let reply = t
        .call(
            "/api/auth/sign-up",
            &[("name", "Ada"), ("email", "ADA@example.com"), ("password", "correct horse battery")],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(matches!(reply.error(), AppError::Conflict(m) if m.contains("already exists")));
    assert_eq!(t.count("users").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_sign_up_is_422_naming_the_field() {
    let t = TestApp::new().await;
    let reply = t
        .call("/api/auth/sign-up", &[("name", "Ada"), ("email", "ada@example.com"), ("password", "short")], None)
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error().field(), Some("password"));
    assert_eq!(t.count("users").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_cycles_the_session_id() {
    let t = TestApp::new().await;
    let first = t.sign_up("Ada", "ada@example.com").await;
    let reply = t
        .call("/api/auth/log-in", &[("email", "ada@example.com"), ("password", "correct horse battery")], Some(&first))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let second = reply.cookie.expect("log-in issues a new cookie");
    assert_ne!(first, second, "the session id must change at log-in");
    assert!(t.session(&first).await.is_none(), "the old id no longer works");
    assert_eq!(t.session(&second).await.unwrap().name, "Ada");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let t = TestApp::new().await;
    t.sign_up("Ada", "ada@example.com").await;
    let wrong = t.call("/api/auth/log-in", &[("email", "ada@example.com"), ("password", "not it at all")], None).await;
    let unknown =
        t.call("/api/auth/log-in", &[("email", "eve@example.com"), ("password", "not it at all")], None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!((wrong.status, &wrong.body), (unknown.status, &unknown.body));
    assert!(wrong.cookie.is_none() && unknown.cookie.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_deletes_the_server_side_session() {
    let t = TestApp::new().await;
    let cookie = t.sign_up("Ada", "ada@example.com").await;
    let bot = t.create_bot(&cookie, "Acme").await;
    assert_eq!(t.count("sessions").await, 1);
    let reply = t.call("/api/auth/log-out", &[], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(t.count("sessions").await, 0, "the session row is gone");
    // Replaying the old cookie gets nothing.
    let replay = t.call("/api/team/list", &[("bot_id", &bot.to_string())], Some(&cookie)).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(t.session(&cookie).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_bot_gives_its_creator_the_first_seat() {
    let t = TestApp::new().await;
    let cookie = t.sign_up("Ada", "ada@example.com").await;
    let reply = t.call("/api/bots/create", &[("name", "Acme Support")], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let bot: i64 = reply.json();
    assert_eq!(
        reply.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()),
        Some(format!("/bots/{bot}/inbox").as_str())
    );
    let team: TeamView = t.call("/api/team/list", &[("bot_id", &bot.to_string())], Some(&cookie)).await.json();
    assert_eq!(team.seats.summary(), "Inbox seats: 1 of 1 used");
    assert_eq!(team.members.len(), 1);
    assert!(team.members[0].has_seat);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_bot_is_not_found() {
    let t = TestApp::new().await;
    let ada = t.sign_up("Ada", "ada@example.com").await;
    let bob = t.sign_up("Bob", "bob@example.com").await;
    let ada_bot = t.create_bot(&ada, "Ada's").await.to_string();
    for path in ["/api/team/list", "/api/bots/section"] {
        let reply = t.call(path, &[("bot_id", &ada_bot), ("tab", "Inbox")], Some(&bob)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.body);
        assert!(!reply.body.contains("Ada"), "{}", reply.body);
    }
    let page = t.page(&format!("/bots/{ada_bot}/team"), Some(&bob)).await;
    assert!(!page.body.contains("ada@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_arguments_are_400() {
    let t = TestApp::new().await;
    let cookie = t.sign_up("Ada", "ada@example.com").await;
    let reply = t.call("/api/team/list", &[("bot_id", "not-a-number")], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_writes_are_rejected_and_change_nothing() {
    let t = TestApp::new().await;
    let cookie = t.sign_up("Ada", "ada@example.com").await;
    let evil_origin = t
        .call_with("/api/bots/create", &[("name", "Evil")], Some(&cookie), &[("origin", "https://evil.example")])
        .await;
    assert_eq!(evil_origin.status, StatusCode::FORBIDDEN);
    let cross_site =
        t.call_with("/api/bots/create", &[("name", "Evil")], Some(&cookie), &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    assert_eq!(t.count("bots").await, 0);
    // A same-origin form post (Origin matches Host) goes through.
    let same =
        t.call_with("/api/bots/create", &[("name", "Fine")], Some(&cookie), &[("origin", "http://localhost")]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert_eq!(t.count("bots").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failed_log_ins_are_rate_limited() {
    let t = TestApp::new().await;
    t.sign_up("Ada", "ada@example.com").await;
    let per_pair = t.state.settings.limits.log_in_per_address_and_email.max;
    for _ in 0..per_pair {
        let reply = t.call("/api/auth/log-in", &[("email", "ada@example.com"), ("password", "bad guess!")], None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply =
        t.call("/api/auth/log-in", &[("email", "ada@example.com"), ("password", "correct horse battery")], None).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        matches!(reply.error(), AppError::RateLimited { message, .. } if message.contains("Too many failed log-in attempts"))
    );
    let retry_after: u64 = reply.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    assert!(reply.cookie.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_failures_are_opaque_500s() {
    let t = TestApp::new().await;
    let cookie = t.sign_up("Ada", "ada@example.com").await;
    // Break the schema under the running app.
    let drop = match t.state.db.backend() {
        app::server::Backend::Postgres => "DROP TABLE members CASCADE",
        app::server::Backend::Sqlite => "DROP TABLE members",
    };
    sqlx::query(drop).execute(t.state.db.pool()).await.unwrap();
    let reply = t.call("/api/bots/create", &[("name", "Acme")], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.error(), AppError::Internal);
    let lower = reply.body.to_lowercase();
    for leak in ["members", "sql", "table", "relation", "database", "insert"] {
        assert!(!lower.contains(leak), "response leaks `{leak}`: {}", reply.body);
    }
    // The page render also stays generic.
    let page = t.page("/", Some(&cookie)).await;
    assert!(!page.body.to_lowercase().contains("no such table"));
    assert!(!page.body.to_lowercase().contains("does not exist"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_requires_a_session_except_the_public_ones() {
    let t = TestApp::new().await;
    let paths: Vec<&'static str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    assert!(paths.contains(&"/api/team/list"), "registered: {paths:?}");
    for public in app::api::PUBLIC_ENDPOINTS {
        assert!(paths.contains(public), "public endpoint {public} is not registered");
    }
    let mut checked = 0;
    for path in paths.iter().filter(|p| !app::api::PUBLIC_ENDPOINTS.contains(p)) {
        let reply = t.call(path, &[], None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path} answered {}: {}", reply.status, reply.body);
        assert_eq!(reply.error(), AppError::Unauthenticated);
        checked += 1;
    }
    assert!(checked >= 4, "walked {checked} endpoints");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_on_the_server_with_real_data() {
    let t = TestApp::new().await;
    let home = t.page("/", None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Sign up"), "{}", home.body);

    let cookie = t.sign_up("Ada", "ada@example.com").await;
    let bot = t.create_bot(&cookie, "Acme Support").await;
    let team = t.page(&format!("/bots/{bot}/team"), Some(&cookie)).await;
    assert_eq!(team.status, StatusCode::OK);
    assert!(team.body.contains("Inbox seats: 1 of 1 used"), "{}", team.body);
    assert!(team.body.contains("ada@example.com"));
    let inbox = t.page(&format!("/bots/{bot}/inbox"), Some(&cookie)).await;
    assert!(inbox.body.contains("You hold an Inbox seat"), "{}", inbox.body);

    let missing = t.page("/no/such/page", Some(&cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// A bundle folder as the build leaves it: the main module, a pack, and the pack compressed
/// against the main module (`dcb`: magic, the dictionary's SHA-256, the stream).
fn bundle_site(main_module: &[u8]) -> (std::path::PathBuf, [u8; 32]) {
    use sha2::Digest;
    let root = std::env::temp_dir().join(format!("switchboard-site-{}", app::server::secrets::random_hex(8)));
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let hash: [u8; 32] = sha2::Sha256::digest(main_module).into();
    std::fs::write(pkg.join("switchboard_bg.wasm"), main_module).unwrap();
    std::fs::write(pkg.join("pack_3.wasm"), b"the pack, plain").unwrap();
    let mut dcb = vec![0xff, 0x44, 0x43, 0x42];
    dcb.extend_from_slice(&hash);
    dcb.extend_from_slice(b"the pack, compressed against the main module");
    std::fs::write(pkg.join("pack_3.wasm.dcb"), &dcb).unwrap();
    // A chunk with a (well-formed) dcb copy beside it that no one should ever be served.
    std::fs::write(pkg.join("chunk_5.wasm"), b"a chunk, plain").unwrap();
    std::fs::write(pkg.join("chunk_5.wasm.dcb"), &dcb).unwrap();
    (root, hash)
}

async fn fetch_raw(
    t: &TestApp,
    path: &str,
    headers: &[(&str, String)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = axum::http::Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let reply = t.send(request.body(axum::body::Body::empty()).unwrap()).await;
    (reply.status, reply.headers, reply.bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_holding_the_main_module_gets_packs_compressed_against_it() {
    use base64::Engine;
    let (root, hash) = bundle_site(b"\0asm the main module");
    let t = TestApp::serving_site(&root).await;
    let held = format!(":{}:", base64::engine::general_purpose::STANDARD.encode(hash));

    // The main module says what it is a dictionary for, and stays fresh for a minute.
    let (status, headers, _) = fetch_raw(&t, "/pkg/switchboard_bg.wasm", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["use-as-dictionary"], "match=\"/pkg/pack_*.wasm\"");
    assert_eq!(headers[header::CACHE_CONTROL], "max-age=60");

    // Holding it and accepting dcb: the dictionary-compressed copy, as stored.
    let accept = ("accept-encoding", "gzip, br, zstd, dcb, dcz".to_string());
    let (status, headers, body) =
        fetch_raw(&t, "/pkg/pack_3.wasm", &[accept.clone(), ("available-dictionary", held.clone())]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "dcb");
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    assert!(headers[header::VARY].to_str().unwrap().contains("available-dictionary"));
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "the usual headers still apply");
    assert_eq!(&body[..4], b"\xffDCB");
    assert_eq!(&body[4..36], hash);

    // Another dictionary (an older main module), no dcb in Accept-Encoding, or no dictionary:
    // the plain file, marked as varying with the dictionary.
    let stale = format!(":{}:", base64::engine::general_purpose::STANDARD.encode([9u8; 32]));
    for headers in [
        vec![accept.clone(), ("available-dictionary", stale)],
        vec![("accept-encoding", "gzip, br".to_string()), ("available-dictionary", held.clone())],
        vec![accept.clone()],
    ] {
        let (status, reply, body) = fetch_raw(&t, "/pkg/pack_3.wasm", &headers).await;
        assert_eq!(status, StatusCode::OK);
        assert!(reply.get(header::CONTENT_ENCODING).is_none(), "{headers:?}");
        assert_eq!(body, b"the pack, plain");
        assert!(reply.get_all(header::VARY).iter().any(|v| v.to_str().unwrap().contains("available-dictionary")));
    }

    // Only packs are answered with a `.dcb` copy, whatever lies beside another file.
    let (status, reply, body) =
        fetch_raw(&t, "/pkg/chunk_5.wasm", &[accept.clone(), ("available-dictionary", held.clone())]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(reply.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body, b"a chunk, plain");
    let (status, _, _) = fetch_raw(&t, "/pkg/pack_..%2Fpack_3.wasm", &[accept, ("available-dictionary", held)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    std::fs::remove_dir_all(root).unwrap();
}
