//! The pages' request limit: each page view and each call of a server
//! function (`/fn/…`) takes one from its caller's per-minute allowance (the
//! user's, or before sign-in the client address's). Past it: 429 with
//! `Retry-After`, as a server function's error its page can show, or as a
//! plain page.
//!
//! Unlike the REST API's limit, which PostgreSQL keeps for every server at
//! once, this one lives in the process's memory, so the pages' path pays
//! no round trip for it. With several servers a caller has an allowance on
//! each, which still bounds what one caller can make one server do.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use app::error::AppError;
use app::ports::{Caller, ClientAddress};
use axum::extract::Request;
use axum::extract::State;
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use uuid::Uuid;

use crate::http::refusal::refuse;
use crate::http::AppState;
use crate::rate_limits::counted_address;

/// Whose allowance a request takes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Counted {
    User(Uuid),
    Address(IpAddr),
}

pub struct PageRequestLimiter {
    limiter: DefaultKeyedRateLimiter<Counted>,
    per_minute: NonZeroU32,
}

impl PageRequestLimiter {
    /// `per_minute` requests a minute, all of which may come at once.
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self { limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)), per_minute }
    }

    /// Takes one request from `counted`'s allowance, or says how long until
    /// there is one again.
    fn take(&self, counted: &Counted) -> Result<(), Duration> {
        self.limiter
            .check_key(counted)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets the callers whose allowance is whole again, so it holds only
    /// those seen in the minute before; run now and then.
    pub fn forget_refilled(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// How many callers it holds an allowance for.
    pub fn callers(&self) -> usize {
        self.limiter.len()
    }
}

pub async fn limit_page_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let caller = request.extensions().get::<Caller>().map(|caller| caller.user.id);
    let address = request.extensions().get::<ClientAddress>().map(|ClientAddress(address)| *address);
    let counted = match (caller, address) {
        (Some(user_id), _) => Counted::User(user_id),
        (None, Some(address)) => Counted::Address(counted_address(address)),
        // Only a request that came through no socket (an in-process call).
        (None, None) => return next.run(request).await,
    };
    let Err(wait) = state.page_requests.take(&counted) else {
        return next.run(request).await;
    };
    tracing::info!(?counted, "refused a page request over the limit");
    // Whole seconds, rounded up: a client waiting that long finds a request free.
    let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let whose = if caller.is_some() { "You have" } else { "This address has" };
    let message = format!(
        "{whose} asked for more than {} pages and page updates in the last minute, the most allowed. Try \
         again in {retry_after_secs} second{}.",
        state.page_requests.per_minute,
        if retry_after_secs == 1 { "" } else { "s" }
    );
    refuse(&request, AppError::TooManyRequests { message, retry_after_secs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_caller_has_an_allowance_of_its_own_that_refills_over_the_minute() {
        let limiter = PageRequestLimiter::new(NonZeroU32::new(3).unwrap());
        let ada = Counted::User(Uuid::now_v7());
        for _ in 0..3 {
            assert_eq!(limiter.take(&ada), Ok(()));
        }
        // One comes back every 20 s.
        let wait = limiter.take(&ada).expect_err("the fourth is refused");
        assert!(wait > Duration::from_secs(19) && wait <= Duration::from_secs(20), "{wait:?}");
        let address = Counted::Address(counted_address("2001:db8::1".parse().unwrap()));
        assert_eq!(limiter.take(&address), Ok(()));
        assert_eq!(limiter.callers(), 2);
        // Neither is whole yet, so both are kept.
        limiter.forget_refilled();
        assert_eq!(limiter.callers(), 2);
    }
}
