//! The web app (`app/web`, built by `cargo xtask web` into `app/web/dist`) served at `/` by
//! `civnet index --serve`, next to the JSON API, plus `/config.json`: where the page finds the
//! cluster's RPC, the oracle and the DAS API, and which network it shows.
//!
//! The files are read from disk at request time (`--web-dir`), so rebuilding the page needs no
//! rebuild of civnet; a missing build answers `/` with how to make it.
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Where `cargo xtask web` puts the build, as seen from this crate's sources.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist")
}

/// `/config.json` and the files of `dir` (its `index.html` at `/`); `root` answers the other
/// methods at `/` (the DAS API's `POST /`).
pub fn routes(dir: PathBuf, config: Value, root: MethodRouter) -> Router {
    let config_route = Router::new().route("/config.json", get(move || async move { Json(config) }));
    if dir.join("index.html").is_file() {
        let files = tower_http::services::ServeDir::new(&dir).append_index_html_on_directories(true);
        config_route.route("/", root.fallback_service(files.clone())).fallback_service(files)
    } else {
        let missing = dir.display().to_string();
        config_route.route("/", root.get(move || async move { not_built(&missing) })).fallback(crate::api::not_found)
    }
}

fn not_built(dir: &str) -> Response {
    let body = format!(
        "<!doctype html><title>civnet</title><h1>The civnet web app is not built</h1>\
         <p>No <code>index.html</code> in <code>{dir}</code>. Build it with <code>cargo xtask web</code> \
         (or <code>npm ci &amp;&amp; npm run build</code> in <code>app/web</code>), or point \
         <code>civnet index --web-dir</code> at a build. The JSON API is served meanwhile: \
         <a href=\"/status\">/status</a>.</p>"
    );
    (StatusCode::SERVICE_UNAVAILABLE, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}
