//! Pages need a signed-in user: an anonymous visitor is sent to sign-in
//! (303) with the page they wanted in `next`, and a signed-in one who opens
//! sign-in or sign-up goes to the dashboard. Applied to page routes only;
//! server functions answer 401 themselves.

use app::model::accounts::{sign_in_path_returning_to, PUBLIC_PAGES};
use app::ports::Caller;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

pub async fn require_sign_in_for_pages(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_page_view = matches!(*request.method(), Method::GET | Method::HEAD) && !path.starts_with("/fn/");
    if !is_page_view {
        return next.run(request).await;
    }
    let is_public = PUBLIC_PAGES.contains(&path);
    let is_signed_in = request.extensions().get::<Caller>().is_some();
    match (is_signed_in, is_public) {
        (false, false) => {
            let wanted = request.uri().path_and_query().map_or(path, |target| target.as_str());
            Redirect::to(&sign_in_path_returning_to(wanted)).into_response()
        }
        (true, true) => Redirect::to("/").into_response(),
        _ => next.run(request).await,
    }
}
