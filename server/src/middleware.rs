use app::server::context::ClientIp;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
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
            return app_error(&app::domain::AppError::Unauthenticated);
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
    if is_api && response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // From the body limit layer (a declared Content-Length over the limit): say it in JSON.
        return app_error(&too_large_error());
    }
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
        if let Some(secs) = err.retry_after_secs() {
            parts.headers.insert(header::RETRY_AFTER, secs.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Records the client address for rate limiting: the socket peer, or — behind `hops` trusted
/// proxies — the address the outermost of them saw. Each proxy *appends* to `X-Forwarded-For`,
/// so that is the `hops`-th entry from the right; everything left of it came from the client
/// and could be forged.
pub async fn client_ip(State(hops): State<usize>, mut req: Request, next: Next) -> Response {
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let ip = forwarded_client(forwarded, hops).or(peer).unwrap_or_else(|| "unknown".into());
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

fn forwarded_client(header: Option<&str>, hops: usize) -> Option<String> {
    if hops == 0 {
        return None;
    }
    let entries: Vec<&str> = header?.split(',').map(str::trim).collect();
    let entry = entries.len().checked_sub(hops).map(|i| entries[i])?;
    entry.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
}

/// Signed-in sessions slide: a request made after a tenth of the idle period refreshes the
/// session's expiry (one write per session per such interval, not one per request). The
/// absolute lifetime still applies (`context::signed_in_user`).
pub async fn keep_session_alive(State(idle): State<std::time::Duration>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/pkg/") && path != "/healthz" {
        if let Some(session) = req.extensions().get::<tower_sessions::Session>() {
            app::server::context::keep_alive(session, idle).await;
        }
    }
    next.run(req).await
}

/// The framework answers an unknown `/api/…` path with its own help text; we answer 404.
pub async fn known_endpoints(
    State(known): State<std::sync::Arc<std::collections::HashSet<String>>>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") && !known.contains(path) {
        return app_error(&app::domain::AppError::NotFound);
    }
    next.run(req).await
}

/// Buffers a server function's body (the body limit layer outside this bounds it) and refuses
/// what the framework would turn into a 500: a body over the limit (413) and a form that is
/// not UTF-8 (400).
pub async fn read_api_body(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            let too_large = std::error::Error::source(&err).is_some_and(|e| e.is::<http_body_util::LengthLimitError>())
                || err.to_string().contains("length limit");
            return if too_large {
                app_error(&too_large_error())
            } else {
                app_error(&app::domain::AppError::BadRequest("The request body could not be read.".into()))
            };
        }
    };
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form && !form_is_utf8(&bytes) {
        return app_error(&app::domain::AppError::BadRequest("The form data is not valid UTF-8.".into()));
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Whether a urlencoded form decodes to UTF-8 (the raw bytes and every %-escape).
fn form_is_utf8(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    text.split('&').flat_map(|pair| pair.split('=')).all(|part| {
        let plus_decoded = part.replace('+', " ");
        percent_decode(&plus_decoded).is_some_and(|raw| std::str::from_utf8(&raw).is_ok())
    })
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

fn too_large_error() -> app::domain::AppError {
    app::domain::AppError::TooLarge(format!(
        "The request is too large (the limit is {} KB).",
        crate::limits::FORM_BODY_BYTES / 1024
    ))
}

/// An `AppError` as a JSON response with its status (and `Retry-After` where it has one).
pub fn app_error(err: &app::domain::AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(err).unwrap_or_default();
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(secs) = err.retry_after_secs() {
        response.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    response
}

/// Headers every response carries. Pages set their own `Content-Security-Policy` with the
/// render's script nonce (`app::server::context::page_security_policy`); everything else gets
/// a policy that allows nothing to run.
pub async fn security_headers(req: Request, next: Next) -> Response {
    // The customer chat page is made to be framed by the business's own site (its CSP says
    // `frame-ancestors *`); everything else refuses framing.
    let framable = req.uri().path().starts_with("/chat/");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        );
    }
    if !framable {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Invitation tokens travel in URLs: never tell another site which page linked to it. Our
    // own pages do say where a form was sent from: a plain form's server function sends the
    // browser back there.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    response
}

/// What a panicking handler answers (the panic itself is logged).
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = what, "a request handler panicked");
    app_error(&app::domain::AppError::Internal)
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
    fn the_client_is_the_entry_the_trusted_proxy_added() {
        let header = Some("203.0.113.9, 198.51.100.7");
        assert_eq!(forwarded_client(header, 0), None, "no proxy trusted: use the socket peer");
        assert_eq!(forwarded_client(header, 1).as_deref(), Some("198.51.100.7"), "right-most, not the forgeable left");
        assert_eq!(forwarded_client(header, 2).as_deref(), Some("203.0.113.9"));
        assert_eq!(forwarded_client(header, 3), None, "fewer hops than trusted proxies");
        assert_eq!(forwarded_client(Some("not-an-ip"), 1), None);
        assert_eq!(forwarded_client(None, 1), None);
    }

    #[test]
    fn forms_must_decode_to_utf8() {
        assert!(form_is_utf8(b"name=Ada+Lovelace&email=a%40b.c"));
        assert!(form_is_utf8("name=Zo%C3%AB".as_bytes()));
        assert!(!form_is_utf8(b"name=%FF%FE"));
        assert!(!form_is_utf8(&[b'n', b'=', 0xff]), "a raw byte that is not UTF-8");
        assert!(!form_is_utf8(b"name=%G1"));
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
