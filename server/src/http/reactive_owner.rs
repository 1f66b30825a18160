//! Gives each request its own Leptos owner, on whatever thread polls it.
//!
//! Leptos keeps the current reactive owner in a thread-local. A page render
//! makes its root owner current when it starts (reactive_graph 0.2, and
//! 0.3's release candidate), nothing unsets it, and leptos_axum relies on it
//! staying current: it reads context from it across awaits (the chunks to
//! preload) and while streaming the body. Requests share worker threads,
//! though:
//! - A request polled next on the thread that created an owner (a server
//!   function, or a site file such as the favicon) became the page's child.
//!   It read the page's context and, answering, took the page's response
//!   headers, which left the page without its Content Security Policy.
//! - A page whose head waits for its data (`load_subject`) is polled again
//!   after other requests ran, so leptos_axum found another request's owner
//!   or none, and the head lost its WASM preloads; a body streamed without
//!   its owner sometimes never ended.
//!
//! So the owner goes with the request: every poll of its answer and of its
//! body starts with the owner the request's own code left current (none at
//! first), and leaves the thread with none.
//!
//! A layer of its own rather than `from_fn`, which clones the service inside
//! it and boxes a future on every request. What it costs is within the
//! bench's noise (`benches/pages.rs`, with and without it in turn, twice:
//! each came out ahead once, `/healthz` included).

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::http::Response;
use http_body::{Body, Frame, SizeHint};
use leptos::reactive::owner::{Owner, WeakOwner};
use tower::{Layer, Service};

#[derive(Clone, Copy, Debug, Default)]
pub struct OwnerPerRequestLayer;

impl<S> Layer<S> for OwnerPerRequestLayer {
    type Service = OwnerPerRequest<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OwnerPerRequest { inner }
    }
}

#[derive(Clone, Debug)]
pub struct OwnerPerRequest<S> {
    inner: S,
}

impl<S, Request, B> Service<Request> for OwnerPerRequest<S>
where
    S: Service<Request, Response = Response<B>>,
{
    type Response = Response<WithItsOwner<B>>;
    type Error = S::Error;
    type Future = WithItsOwner<S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // Handlers start work in `call` too (a server function makes its owner there).
        let mut owner = None;
        let work = with_owner(&mut owner, || self.inner.call(request));
        WithItsOwner { work, owner }
    }
}

pin_project_lite::pin_project! {
    /// A request's answer, then its body, polled with the request's owner.
    pub struct WithItsOwner<T> {
        #[pin]
        work: T,
        // Weak, as the thread-local is: the request's code decides how long it lives.
        owner: Option<WeakOwner>,
    }
}

impl<F, B, E> Future for WithItsOwner<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<WithItsOwner<B>>, E>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let work = this.work;
        let answer = ready!(with_owner(this.owner, || work.poll(context)));
        let owner = this.owner.clone();
        Poll::Ready(answer.map(|response| response.map(|body| WithItsOwner { work: body, owner })))
    }
}

impl<B: Body> Body for WithItsOwner<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let body = this.work;
        with_owner(this.owner, || body.poll_frame(context))
    }

    fn is_end_stream(&self) -> bool {
        self.work.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.work.size_hint()
    }
}

/// Runs `work` with `owner` current (or none), then remembers the owner
/// `work` left current in `owner` and leaves the thread with none.
fn with_owner<T>(owner: &mut Option<WeakOwner>, work: impl FnOnce() -> T) -> T {
    match owner.as_ref().and_then(WeakOwner::upgrade) {
        Some(owner) => owner.set(),
        None => forget_current_owner(),
    }
    let outcome = work();
    *owner = Owner::current().map(|current| current.downgrade());
    forget_current_owner();
    outcome
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
    fn a_root_left_current_stays_with_its_request() {
        let mut first = None;
        let render = with_owner(&mut first, || Owner::new_root(None));
        assert!(first.is_some(), "Leptos leaves a new root current, and it is remembered");
        assert!(Owner::current().is_none(), "the thread is left with no owner");

        let mut second = None;
        let next = with_owner(&mut second, Owner::new);
        assert!(next.parent().is_none(), "another request's owner is a root, not the render's child");

        let again = with_owner(&mut first, Owner::current);
        assert!(again == Some(render.clone()), "the render's request finds its own owner when polled again");
        drop((render, next));
    }
}
