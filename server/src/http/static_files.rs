//! The compiled site assets under `/pkg` (WASM, JS, CSS).

use axum::http::{header, HeaderValue};
use axum::Router;
use leptos::config::LeptosOptions;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Serves `<site-root>/<pkg-dir>`. When file names carry a content hash they
/// never change, so browsers may keep them for a year; otherwise they must
/// revalidate, or a rebuilt app would run against stale WASM.
pub fn pkg_router<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let directory = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let cache_control = if options.hash_files {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    let service = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, cache_control))
        .service(ServeDir::new(directory).precompressed_br().precompressed_gzip());
    Router::new().nest_service(&format!("/{}", options.site_pkg_dir.trim_matches('/')), service)
}
