//! Per-client rate and concurrency limits on `/mcp`: over either, `429 Too Many Requests` with
//! `Retry-After`.
//!
//! A client is its token's subject and OAuth client ([`Principal::owner_key`]); without
//! authentication, its IP address. The rate is a token bucket (GCRA, from `governor`): a
//! steady rate per second and a burst. The concurrency limit counts the client's requests
//! being processed at once, a POST until its answer (JSON or SSE) has been sent in full;
//! standalone GET streams are not counted (a session has at most one). Both are per replica:
//! behind a balancer spreading a client over N replicas, the client gets up to N times each.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    Extension,
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use http_body_util::BodyExt;

use super::TransportError;
use crate::{auth::Principal, instruments};

/// How often (in checked requests) clients idle long enough to have a full bucket are
/// forgotten, so the rate limiter's table stays as large as its recent clients.
const FORGET_EVERY: u64 = 4096;

/// The limits as configured; `None` switches one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Requests per second per client, sustained.
    pub rate_per_second: Option<NonZeroU32>,
    /// Requests a client may make at once above the steady rate.
    pub burst: NonZeroU32,
    /// Requests per client being processed at once.
    pub concurrency: Option<NonZeroU32>,
}

impl LimitSettings {
    /// No limits.
    pub const OFF: Self = Self {
        rate_per_second: None,
        burst: NonZeroU32::MIN,
        concurrency: None,
    };

    /// Whether any limit is on.
    pub fn any(&self) -> bool {
        self.rate_per_second.is_some() || self.concurrency.is_some()
    }
}

/// Who a limit applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ClientKey {
    /// An authenticated caller, by [`Principal::owner_key`].
    Principal(Box<str>),
    /// An anonymous caller, by address.
    Address(IpAddr),
}

impl ClientKey {
    fn of(principal: &Principal, peer: Option<SocketAddr>) -> Self {
        if principal.subject.is_none() && principal.client_id.is_none() {
            // Loopback stands in when the connection's address is unknown (in-process tests).
            let address = peer.map_or(IpAddr::from([127, 0, 0, 1]), |peer| peer.ip());
            Self::Address(address)
        } else {
            Self::Principal(principal.owner_key().into_boxed_str())
        }
    }
}

/// The limits' state on this replica.
#[derive(Debug)]
pub struct ClientLimits {
    rate: Option<DefaultKeyedRateLimiter<ClientKey>>,
    checked: AtomicU64,
    concurrency: Option<(u32, Arc<InFlight>)>,
}

/// Requests being processed, per client.
#[derive(Debug, Default)]
struct InFlight(Mutex<HashMap<ClientKey, u32>>);

/// One request counted in [`InFlight`]; dropping it (with the response body) uncounts it.
struct Permit {
    in_flight: Arc<InFlight>,
    key: ClientKey,
}

impl InFlight {
    fn acquire(self: &Arc<Self>, key: ClientKey, limit: u32) -> Option<Permit> {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(key.clone()).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Permit {
            in_flight: Arc::clone(self),
            key,
        })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut counts = self
            .in_flight
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Over the rate: may try again after this long.
    Rate(Duration),
    /// Too many requests at once.
    Concurrency,
}

impl ClientLimits {
    /// The limits for `settings`.
    pub fn new(settings: LimitSettings) -> Self {
        let rate = settings.rate_per_second.map(|per_second| {
            RateLimiter::keyed(Quota::per_second(per_second).allow_burst(settings.burst))
        });
        let concurrency = settings
            .concurrency
            .map(|limit| (limit.get(), Arc::new(InFlight::default())));
        Self {
            rate,
            checked: AtomicU64::new(0),
            concurrency,
        }
    }

    /// Lets a request through (with its permit, if concurrency is limited) or refuses it.
    fn admit(&self, key: ClientKey, counted: bool) -> Result<Option<Permit>, Refusal> {
        if let Some(rate) = &self.rate {
            if self.checked.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
                rate.retain_recent();
                rate.shrink_to_fit();
            }
            if let Err(not_until) = rate.check_key(&key) {
                return Err(Refusal::Rate(
                    not_until.wait_time_from(DefaultClock::default().now()),
                ));
            }
        }
        match &self.concurrency {
            Some((limit, in_flight)) if counted => in_flight
                .acquire(key, *limit)
                .map(Some)
                .ok_or(Refusal::Concurrency),
            _ => Ok(None),
        }
    }
}

/// Middleware enforcing [`ClientLimits`] on an authenticated request.
pub(super) async fn enforce(
    State(limits): State<Arc<ClientLimits>>,
    Extension(principal): Extension<Principal>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>();
    let key = ClientKey::of(&principal, peer.map(|ConnectInfo(peer)| *peer));
    let counted = request.method() != Method::GET;
    match limits.admit(key, counted) {
        Ok(None) => next.run(request).await,
        Ok(Some(permit)) => {
            let (parts, body) = next.run(request).await.into_parts();
            // The permit lives as long as the body: an SSE answer counts until it ends.
            let body = body.map_frame(move |frame| {
                let _held = &permit;
                frame
            });
            Response::from_parts(parts, Body::new(body))
        }
        Err(refusal) => too_many_requests(refusal),
    }
}

/// `429` with a JSON-RPC error and `Retry-After` in whole seconds (at least 1).
fn too_many_requests(refusal: Refusal) -> Response {
    let (limit, reason, wait) = match refusal {
        Refusal::Rate(wait) => ("rate", "over this client's request rate", wait),
        Refusal::Concurrency => (
            "concurrency",
            "this client has too many requests in progress",
            Duration::from_secs(1),
        ),
    };
    instruments::limited(limit);
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    TransportError::TooManyRequests {
        reason,
        retry_after_secs: seconds.max(1),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use axum::http::{StatusCode, header};

    use super::*;

    fn caller(subject: &str) -> ClientKey {
        let principal = Principal {
            subject: Some(subject.to_owned()),
            client_id: Some("app".to_owned()),
            scopes: BTreeSet::new(),
        };
        ClientKey::of(&principal, None)
    }

    fn settings(rate: u32, burst: u32, concurrency: u32) -> LimitSettings {
        LimitSettings {
            rate_per_second: NonZeroU32::new(rate),
            burst: NonZeroU32::new(burst).unwrap(),
            concurrency: NonZeroU32::new(concurrency),
        }
    }

    #[test]
    fn the_burst_passes_then_the_rate_refuses_with_the_wait() {
        let limits = ClientLimits::new(settings(1, 3, 0));
        for _ in 0..3 {
            assert!(limits.admit(caller("ann"), true).is_ok());
        }
        match limits.admit(caller("ann"), true) {
            Err(Refusal::Rate(wait)) => {
                assert!(
                    wait > Duration::ZERO && wait <= Duration::from_secs(1),
                    "{wait:?}"
                )
            }
            other => panic!("expected a rate refusal, got {:?}", other.map(|_| ())),
        }
        assert!(
            limits.admit(caller("bob"), true).is_ok(),
            "another client has its own bucket"
        );
    }

    #[test]
    fn concurrency_counts_until_the_permit_is_dropped_and_skips_streams() {
        let limits = ClientLimits::new(settings(0, 1, 2));
        let first = limits.admit(caller("ann"), true).unwrap();
        let second = limits.admit(caller("ann"), true).unwrap();
        assert!(first.is_some() && second.is_some());
        assert!(matches!(
            limits.admit(caller("ann"), true),
            Err(Refusal::Concurrency)
        ));
        assert!(
            matches!(limits.admit(caller("ann"), false), Ok(None)),
            "GET streams are not counted"
        );
        drop(first);
        assert!(limits.admit(caller("ann"), true).unwrap().is_some());
        drop(second);
        let in_flight = &limits.concurrency.as_ref().unwrap().1;
        let counts = in_flight.0.lock().unwrap();
        assert_eq!(counts.get(&caller("ann")), None, "forgotten once idle");
    }

    #[test]
    fn anonymous_callers_are_told_apart_by_address() {
        let anonymous = Principal::anonymous();
        let one = ClientKey::of(&anonymous, Some(([10, 0, 0, 1], 5000).into()));
        let two = ClientKey::of(&anonymous, Some(([10, 0, 0, 2], 5000).into()));
        let same = ClientKey::of(&anonymous, Some(([10, 0, 0, 1], 6000).into()));
        assert_ne!(one, two);
        assert_eq!(one, same, "the port does not matter");
    }

    #[test]
    fn a_refusal_is_429_with_a_whole_second_retry_hint() {
        let response = too_many_requests(Refusal::Rate(Duration::from_millis(1500)));
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let response = too_many_requests(Refusal::Rate(Duration::from_millis(10)));
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
