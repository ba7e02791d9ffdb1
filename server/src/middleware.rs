use app::server::context::ClientIp;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// CSRF defence: a state-changing request must come from our own origin. Browsers label
/// cross-site requests with `Sec-Fetch-Site` and `Origin`; a request carrying neither header
/// is not from a browser and so cannot ride on a victim's cookie.
pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !is_same_origin(req.headers()) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "rejected cross-site request");
        return (StatusCode::FORBIDDEN, "Cross-site request rejected.").into_response();
    }
    next.run(req).await
}

fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("null");
            !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
        }
    }
}

/// Every server function outside `api::PUBLIC_ENDPOINTS` needs a signed-in session; without
/// one it answers 401 before its arguments are even parsed.
pub async fn require_session(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") && !app::api::PUBLIC_ENDPOINTS.contains(&path) {
        let signed_in = match req.extensions().get::<tower_sessions::Session>() {
            Some(session) => app::server::context::has_signed_in_user(session).await,
            None => false,
        };
        if !signed_in {
            let body = serde_json::to_string(&app::domain::AppError::Unauthenticated).unwrap_or_default();
            return (StatusCode::UNAUTHORIZED, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        }
    }
    next.run(req).await
}

/// Gives every failed server function call the HTTP status of its `AppError`. The server-fn
/// framework answers every error with 500, including argument errors raised before our code
/// runs; the encoded error itself knows its status (400, 401, 402, …).
pub async fn error_status(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(bytes) => bytes,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response(),
    };
    if let Ok(err) = serde_json::from_slice::<app::domain::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Records the client address for rate limiting: the socket peer, or the left-most
/// `X-Forwarded-For` entry when configured to trust a proxy in front.
pub async fn client_ip(State(trust_forwarded_for): State<bool>, mut req: Request, next: Next) -> Response {
    let forwarded = trust_forwarded_for
        .then(|| req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let ip = forwarded.or(peer).unwrap_or_else(|| "unknown".into());
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

pub fn request_span(req: &Request<Body>) -> tracing::Span {
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn same_origin_rules() {
        assert!(is_same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(is_same_origin(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!is_same_origin(&headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")])));
        assert!(!is_same_origin(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")])));
        assert!(is_same_origin(&headers(&[])));
    }
}
