//! Abuse limits, request bounds, sessions that slide, safe redirects and security headers —
//! each through the real router.
use crate::common::TestApp;
use app::domain::AppError;
use app::server::Settings;
use app::server::rate_limit::Limit;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use std::time::Duration;
use tower::ServiceExt;

fn sign_up_form(email: &str) -> Vec<(&'static str, String)> {
    vec![("name", "Ada".into()), ("email", email.into()), ("password", "correct horse battery".into())]
}

async fn sign_up_from(t: &TestApp, email: &str, forwarded_for: &str) -> crate::common::Reply {
    let form = sign_up_form(email);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    t.call_with(
        "/api/auth/sign-up",
        &form,
        None,
        &[("sec-fetch-site", "same-origin"), ("x-forwarded-for", forwarded_for)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_is_limited_per_address_behind_the_trusted_proxy() {
    let mut settings = Settings { trusted_proxy_hops: 1, ..Settings::default() };
    settings.limits.sign_up_per_address = Limit::per(3, Duration::from_secs(3600));
    let t = TestApp::with_settings(settings).await;
    for i in 0..3 {
        let reply = sign_up_from(&t, &format!("u{i}@example.com"), "203.0.113.5").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let refused = sign_up_from(&t, "u3@example.com", "203.0.113.5").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.error().to_string().starts_with("Too many sign-ups from your network. Try again in "));
    let retry: u64 = refused.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&retry), "{retry}");
    assert_eq!(t.count("users").await, 3, "the refused sign-up created nothing");
    // The client cannot dodge the limit by forging the left of X-Forwarded-For…
    let forged = sign_up_from(&t, "u4@example.com", "10.9.9.9, 203.0.113.5").await;
    assert_eq!(forged.status, StatusCode::TOO_MANY_REQUESTS);
    // …and another address is not affected.
    let other = sign_up_from(&t, "u5@example.com", "198.51.100.1").await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_non_utf8_bodies_are_clear_client_errors() {
    let t = TestApp::new().await;
    let big = "x".repeat(switchboard::limits::FORM_BODY_BYTES + 1);
    let make = |body: Vec<u8>, with_length: bool| {
        let mut request = Request::post("/api/auth/sign-up")
            .header(header::HOST, "localhost")
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if with_length {
            request = request.header(header::CONTENT_LENGTH, body.len());
        }
        request.body(Body::from(body)).unwrap()
    };
    for with_length in [true, false] {
        let reply = t.send(make(format!("name={big}").into_bytes(), with_length)).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "content-length sent: {with_length}");
        assert!(matches!(reply.error(), AppError::TooLarge(m) if m.contains("64 KB")), "{}", reply.body);
    }
    let mut invalid = b"name=Ad".to_vec();
    invalid.push(0xff);
    invalid.extend_from_slice(b"&email=a%40b.co&password=correct+horse");
    let reply = t.send(make(invalid, true)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error(), AppError::BadRequest("The form data is not valid UTF-8.".into()));
    let reply = t.send(make(b"name=%FF&email=a%40b.co&password=correct+horse".to_vec(), true)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.count("users").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_accepts_only_a_same_site_path() {
    let t = TestApp::new().await;
    let cases = [
        ("/\n", "/"),
        ("/\r\nSet-Cookie: evil=1", "/"),
        ("/\u{7f}", "/"),
        ("/\0", "/"),
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("/invite/abc", "/invite/abc"),
    ];
    for (i, (next, expected)) in cases.into_iter().enumerate() {
        let email = format!("n{i}@example.com");
        let reply = t
            .call(
                "/api/auth/sign-up",
                &[("name", "Ada"), ("email", &email), ("password", "correct horse battery"), ("next", next)],
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{next:?}: {}", reply.body);
        let location = reply.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(location.as_deref(), Some(expected), "{next:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_session_slides_and_an_idle_one_ends() {
    let settings = Settings { idle_timeout: Duration::from_secs(3), ..Settings::default() };
    let t = TestApp::with_settings(settings).await;
    let cookie = t.sign_up("Ada", "ada@example.com").await;
    // Active for twice the idle period: still signed in.
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(t.session(&cookie).await.is_some(), "an active session must not end");
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(t.session(&cookie).await.is_none(), "an idle session ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_carry_security_headers_and_unknown_endpoints_are_404() {
    let t = TestApp::new().await;
    let page = t.page("/login", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a script nonce");
    assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry the header's nonce");
    for reply in [&page, &t.call("/api/auth/session", &[], None).await] {
        assert_eq!(reply.headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(reply.headers[header::REFERRER_POLICY], "same-origin");
        assert!(reply.headers.contains_key(header::CONTENT_SECURITY_POLICY));
    }
    let cookie = t.sign_up("Ada", "ada@example.com").await;
    let unknown = t.call("/api/no/such-thing", &[], Some(&cookie)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.error(), AppError::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_answers_are_compressed_for_browsers_that_accept_it() {
    use std::io::Read;
    let t = TestApp::new().await;
    let request = |path: &str, encoding: &str| {
        Request::get(path).header(header::ACCEPT_ENCODING, encoding).body(Body::empty()).unwrap()
    };
    let gzipped = t.router.clone().oneshot(request("/login", "gzip")).await.unwrap();
    assert_eq!(gzipped.status(), StatusCode::OK);
    assert_eq!(gzipped.headers()[header::CONTENT_ENCODING], "gzip");
    assert!(gzipped.headers().contains_key(header::CONTENT_SECURITY_POLICY), "headers survive compression");
    let bytes = gzipped.into_body().collect().await.unwrap().to_bytes();
    let mut page = String::new();
    flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut page).unwrap();
    assert!(page.contains("Log in to Switchboard"), "{page}");
    assert!(bytes.len() * 2 < page.len(), "compressed {} of {} bytes", bytes.len(), page.len());

    let brotli = t.router.clone().oneshot(request("/login", "br, gzip")).await.unwrap();
    assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br", "brotli is preferred");
    // A client that asks for nothing gets the plain page.
    let plain = t.page("/login", None).await;
    assert!(!plain.headers.contains_key(header::CONTENT_ENCODING));
    assert!(plain.body.contains("Log in to Switchboard"));
}
