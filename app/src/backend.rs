//! What the server functions need from the engine room. `app` declares it,
//! `server` implements it and provides it as context, so `app` never imports
//! `server`.

use std::sync::Arc;

use crate::api::system::SystemStatus;
use crate::error::AppError;

/// Reports on the health of what the platform depends on.
#[async_trait::async_trait]
pub trait SystemProbe: Send + Sync + 'static {
    async fn system_status(&self) -> Result<SystemStatus, AppError>;
}

/// Everything server functions can reach, provided once at router set-up.
#[derive(Clone)]
pub struct Backend {
    pub system: Arc<dyn SystemProbe>,
}

/// The backend provided by the router, or an error a person can read when a
/// server function is mounted without it (a wiring mistake, logged loudly).
pub fn use_backend() -> Result<Backend, AppError> {
    leptos::prelude::use_context::<Backend>().ok_or_else(|| {
        tracing::error!("server function called without the Backend context");
        AppError::Internal
    })
}

/// Sets the HTTP status of the current server-function response to match `error`.
pub fn respond_with_error(error: AppError) -> AppError {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        let status = axum_status(error.status_code());
        response.set_status(status);
    }
    error
}

fn axum_status(code: u16) -> http::StatusCode {
    http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR)
}
