//! Shared by the HTTP test files: the real router on a fresh database, and a client that
//! speaks to server functions the way the browser does.

use app::domain::AppError;
use app::domain::views::SessionView;
use app::server::{AppState, Settings};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use switchboard::{SESSION_COOKIE, app, state_for};
use testkit::TestDb;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    _db: TestDb,
}

pub struct Reply {
    pub status: StatusCode,
    pub cookie: Option<String>,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (`body` is its lossy text).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn error(&self) -> AppError {
        self.json()
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_settings(Settings::default()).await
    }

    pub async fn with_settings(settings: Settings) -> TestApp {
        Self::with_site(settings, leptos::config::LeptosOptions::builder().output_name("switchboard").build()).await
    }

    /// An app serving its bundle from `site_root` (`<site_root>/pkg`).
    pub async fn serving_site(site_root: &std::path::Path) -> TestApp {
        let options = leptos::config::LeptosOptions::builder()
            .output_name("switchboard")
            .site_root(site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .build();
        Self::with_site(Settings::default(), options).await
    }

    async fn with_site(mut settings: Settings, options: leptos::config::LeptosOptions) -> TestApp {
        let db = TestDb::new().await;
        // Each app stores files in a folder of its own.
        if settings.media_dir == Settings::default().media_dir {
            settings.media_dir =
                std::env::temp_dir().join(format!("switchboard-http-media-{}", app::server::secrets::random_hex(8)));
        }
        let state = state_for(db.db.clone(), options, settings);
        TestApp { router: app(state.clone()), state, _db: db }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let cookie = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(SESSION_COOKIE))
            .map(|v| v.split(';').next().unwrap().to_string());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, cookie, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    /// A server function call as the browser's fetch makes it (same-origin).
    pub async fn call(&self, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        self.call_with(path, form, cookie, &[("sec-fetch-site", "same-origin")]).await
    }

    pub async fn call_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::post(path)
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        for (k, v) in extra {
            request = request.header(*k, *v);
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(path).header(header::HOST, "localhost").header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Signs up and returns the session cookie.
    pub async fn sign_up(&self, name: &str, email: &str) -> String {
        let reply = self
            .call("/api/auth/sign-up", &[("name", name), ("email", email), ("password", "correct horse battery")], None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.cookie.expect("sign-up sets a session cookie")
    }

    pub async fn session(&self, cookie: &str) -> Option<SessionView> {
        let reply = self.call("/api/auth/session", &[], Some(cookie)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()
    }

    pub async fn create_bot(&self, cookie: &str, name: &str) -> i64 {
        let reply = self.call("/api/bots/create", &[("name", name)], Some(cookie)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(self.state.db.pool()).await.unwrap()
    }
}
