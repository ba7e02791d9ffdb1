//! How the browser bundle's files (`/pkg/…`) are served beyond what `ServeDir` does: a minute of
//! freshness, and Compression Dictionary Transport (RFC 9842) for the chunk packs. The main
//! module is announced as a dictionary for the packs; a browser that holds it asks for a pack
//! with its hash in `Available-Dictionary`, and gets the pack compressed against it (`dcb`,
//! written by the build, `.ci/wasm-split`) — the chunks share much of the main module's code,
//! so about an eighth less than plain brotli. Everyone else gets the usual brotli or gzip.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use std::path::PathBuf;
use std::sync::Arc;

/// The module every page loads first, and so the dictionary for the rest.
const DICTIONARY_FILE: &str = "switchboard_bg.wasm";
/// `dcb` files start with these four bytes, then the dictionary's SHA-256.
const DCB_MAGIC: [u8; 4] = [0xff, 0x44, 0x43, 0x42];
/// Long enough for a page's later requests to use what it loaded first (a browser only uses a
/// dictionary while it is fresh), short enough that a new release reaches every tab within a
/// minute (the files are not content-hashed); afterwards a browser revalidates.
const FRESH_FOR: HeaderValue = HeaderValue::from_static("max-age=60");

/// Where the bundle's files are, as configured (`<site_root>/<pkg_dir>`), and their URL prefix.
#[derive(Clone)]
pub struct BundleDir {
    dir: Arc<PathBuf>,
    prefix: Arc<str>,
    /// `Use-As-Dictionary` for the main module: which requests it is a dictionary for.
    dictionary_for: HeaderValue,
}

impl BundleDir {
    /// `prefix`: the files' URL path (`/pkg`).
    pub fn new(dir: impl Into<PathBuf>, prefix: &str) -> Self {
        let dictionary_for = HeaderValue::from_str(&format!("match=\"{prefix}/pack_*.wasm\""))
            .unwrap_or_else(|_| HeaderValue::from_static("match=\"/pkg/pack_*.wasm\""));
        Self { dir: Arc::new(dir.into()), prefix: prefix.into(), dictionary_for }
    }
}

/// Middleware on the whole router (it only looks at `GET <prefix>/…`).
pub async fn dictionary_encoding(State(bundle): State<BundleDir>, req: Request, next: Next) -> Response {
    let Some(file) = req.uri().path().strip_prefix(&*bundle.prefix).and_then(|rest| rest.strip_prefix('/')) else {
        return next.run(req).await;
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let file = file.to_string();
    if is_pack(&file) && req.method() == Method::GET {
        if let Some(response) = dictionary_compressed(&bundle, &file, req.headers()).await {
            return response;
        }
    }
    let mut response = next.run(req).await;
    let found = matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED);
    let headers = response.headers_mut();
    if found {
        headers.insert(header::CACHE_CONTROL, FRESH_FOR);
        if file == DICTIONARY_FILE {
            headers.insert("use-as-dictionary", bundle.dictionary_for.clone());
        }
    }
    if is_pack(&file) {
        // The answer differs with the dictionary a browser holds.
        headers.append(header::VARY, HeaderValue::from_static("available-dictionary"));
    }
    response
}

/// `pack_<n>.wasm`, nothing else (the name is joined to a path below).
fn is_pack(file: &str) -> bool {
    file.strip_prefix("pack_")
        .and_then(|rest| rest.strip_suffix(".wasm"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The pack's `dcb` copy, when the browser accepts `dcb` and holds the dictionary it was
/// compressed against (the copy names its dictionary's hash: a rebuilt bundle never answers
/// for a stale one).
async fn dictionary_compressed(bundle: &BundleDir, file: &str, headers: &HeaderMap) -> Option<Response> {
    let accepts = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| coding.split(';').next().is_some_and(|c| c.trim().eq_ignore_ascii_case("dcb")));
    let held = available_dictionary(headers)?;
    if !accepts {
        return None;
    }
    let body = tokio::fs::read(bundle.dir.join(format!("{file}.dcb"))).await.ok()?;
    if body.len() < 36 || body[..4] != DCB_MAGIC || body[4..36] != held {
        return None;
    }
    let mut response = (StatusCode::OK, Body::from(body)).into_response();
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/wasm"));
    out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("dcb"));
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding, available-dictionary"));
    out.insert(header::CACHE_CONTROL, FRESH_FOR);
    Some(response)
}

/// The SHA-256 in `Available-Dictionary: :<base64>:` (a structured-field byte sequence).
fn available_dictionary(headers: &HeaderMap) -> Option<[u8; 32]> {
    let value = headers.get("available-dictionary")?.to_str().ok()?.trim();
    let encoded = value.strip_prefix(':')?.strip_suffix(':')?;
    base64::engine::general_purpose::STANDARD.decode(encoded).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pack_names_are_packs() {
        assert!(is_pack("pack_0.wasm") && is_pack("pack_17.wasm"));
        for name in
            ["pack_.wasm", "pack_1.wasm.br", "pack_../x.wasm", "chunk_1.wasm", "pack_1a.wasm", "switchboard_bg.wasm"]
        {
            assert!(!is_pack(name), "{name}");
        }
    }

    #[test]
    fn reads_the_dictionary_hash_header() {
        let mut headers = HeaderMap::new();
        let hash = [7u8; 32];
        let encoded = base64::engine::general_purpose::STANDARD.encode(hash);
        headers.insert("available-dictionary", HeaderValue::from_str(&format!(":{encoded}:")).unwrap());
        assert_eq!(available_dictionary(&headers), Some(hash));
        for bad in [encoded.clone(), format!(":{}:", &encoded[..10]), ":not base64!:".to_string()] {
            headers.insert("available-dictionary", HeaderValue::from_str(&bad).unwrap());
            assert_eq!(available_dictionary(&headers), None, "{bad}");
        }
    }
}
