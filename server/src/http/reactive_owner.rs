//! Keeps one request's Leptos context out of another's.
//!
//! Leptos (reactive_graph 0.2) makes a page render's root owner the worker
//! thread's current owner when the render starts, and nothing unsets it. A
//! request polled next on that thread that creates an owner of its own (a
//! server function, or a site file such as the favicon) becomes that page's
//! child: it reads the page's context and, answering, took the page's
//! response headers, which left the page without its Content Security Policy
//! and its scripts blocked. So each poll of a request starts with no current
//! owner; a render sets its own as before.

use std::future::{poll_fn, Future};
use std::pin::pin;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use leptos::reactive::owner::Owner;

/// Middleware: forgets the thread's current owner before every poll of the
/// request, so whatever the request builds is rooted in its own owner.
pub async fn forget_other_requests_owner(request: Request, next: Next) -> Response {
    let mut answer = pin!(next.run(request));
    poll_fn(|context| {
        forget_current_owner();
        answer.as_mut().poll(context)
    })
    .await
}

fn forget_current_owner() {
    if let Some(owner) = Owner::current() {
        owner.unset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_left_current_is_forgotten() {
        let render = Owner::new_root(None);
        assert!(Owner::current().is_some(), "Leptos leaves a new root current");
        forget_current_owner();
        assert!(Owner::current().is_none());
        let next = Owner::new();
        assert!(next.parent().is_none(), "the next owner is a root, not the render's child");
        drop(render);
    }
}
