//! Keeps one request's Leptos context out of another's.
//!
//! Leptos (reactive_graph 0.2, and 0.3's release candidate) makes a page
//! render's root owner the worker thread's current owner when the render
//! starts, and nothing unsets it. A request polled next on that thread that
//! creates an owner of its own (a server function, or a site file such as the
//! favicon) becomes that page's child: it reads the page's context and,
//! answering, took the page's response headers, which left the page without
//! its Content Security Policy and its scripts blocked. So each poll of a
//! request starts with no current owner; a render sets its own as before.
//!
//! A layer of its own rather than `from_fn`, which clones the service inside
//! it and boxes a future on every request. What it costs is within the
//! bench's noise on pages; `/healthz`, which does nearly nothing else, serves
//! 2 to 4 % fewer requests a second (`benches/pages.rs`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use leptos::reactive::owner::Owner;
use tower::{Layer, Service};

#[derive(Clone, Copy, Debug, Default)]
pub struct ForgetOtherRequestsOwnerLayer;

impl<S> Layer<S> for ForgetOtherRequestsOwnerLayer {
    type Service = ForgetOtherRequestsOwner<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ForgetOtherRequestsOwner { inner }
    }
}

#[derive(Clone, Debug)]
pub struct ForgetOtherRequestsOwner<S> {
    inner: S,
}

impl<S, Request> Service<Request> for ForgetOtherRequestsOwner<S>
where
    S: Service<Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = WithoutOtherRequestsOwner<S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // Handlers start work in `call` too (a server function makes its owner there).
        forget_current_owner();
        WithoutOtherRequestsOwner { answer: self.inner.call(request) }
    }
}

pin_project_lite::pin_project! {
    /// A request's answer, each poll of which starts with no current owner.
    pub struct WithoutOtherRequestsOwner<F> {
        #[pin]
        answer: F,
    }
}

impl<F: Future> Future for WithoutOtherRequestsOwner<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        forget_current_owner();
        self.project().answer.poll(context)
    }
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
