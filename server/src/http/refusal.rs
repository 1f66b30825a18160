//! A refusal by a layer in front of the handlers (the body limit, the
//! caller's lookup, the cross-site check, the page allowance), in the form
//! its caller reads: the app's server-function calls get the function's own
//! error JSON, which the browser's side of the call turns back into the
//! `AppError` its page shows; the REST API its error body; a page view, or a
//! plain HTML form posted without JavaScript, a page. All with
//! `Retry-After` when there is a time to come back.

use app::error::AppError;
use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::http::api::error::ApiError;
use crate::http::plain_page::page;

pub fn refuse(request: &Request, error: AppError) -> Response {
    refuse_as(Form::of(request.uri(), request.headers()), error)
}

/// Who reads the refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// The app's code calling a server function.
    ServerFunction,
    /// A person's browser showing what comes back.
    Page,
    /// The REST API's clients.
    Api,
}

impl Form {
    fn of(uri: &Uri, headers: &HeaderMap) -> Self {
        let path = uri.path();
        let accepts_html = headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
        if path.starts_with("/api/") || path == "/api" {
            Form::Api
        } else if path.starts_with("/fn/") && !accepts_html {
            Form::ServerFunction
        } else {
            // Pages, and a plain HTML form posted to a server function.
            Form::Page
        }
    }
}

fn refuse_as(form: Form, error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry_after_secs = match &error {
        AppError::TooManyRequests { retry_after_secs, .. } => Some(*retry_after_secs),
        _ => None,
    };
    let mut response = match form {
        Form::Api => return ApiError::from(error).into_response(),
        Form::Page => page(status, status.canonical_reason().unwrap_or("Refused"), &error.to_string()),
        Form::ServerFunction => match serde_json::to_string(&error) {
            Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
            Err(_) => status.into_response(),
        },
    };
    if let Some(seconds) = retry_after_secs {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(path: &str, accept: Option<&'static str>) -> Form {
        let mut headers = HeaderMap::new();
        if let Some(accept) = accept {
            headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
        }
        Form::of(&path.parse().unwrap(), &headers)
    }

    #[test]
    fn each_caller_gets_the_form_it_reads() {
        assert_eq!(form("/fn/create_spec", Some("application/json")), Form::ServerFunction);
        assert_eq!(form("/fn/create_spec", None), Form::ServerFunction);
        assert_eq!(form("/fn/sign_in", Some("text/html,application/xhtml+xml")), Form::Page);
        assert_eq!(form("/specs", Some("text/html")), Form::Page);
        assert_eq!(form("/specs", None), Form::Page);
        assert_eq!(form("/api/specs", Some("text/html")), Form::Api);
        assert_eq!(form("/api/specs", None), Form::Api);
    }

    #[test]
    fn a_server_function_reads_back_the_error_it_was_refused_with() {
        let refused = AppError::TooManyRequests { message: "Slow down.".into(), retry_after_secs: 7 };
        let response = refuse_as(Form::ServerFunction, refused.clone());
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let body = runtime.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).unwrap();
        assert_eq!(serde_json::from_slice::<AppError>(&body).unwrap(), refused);
    }
}
