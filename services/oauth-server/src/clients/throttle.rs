//! Throttling of failed client authentication: after too many wrong secrets for one client
//! within a window, that client's authentication is refused (429 with `Retry-After`) until the
//! window ends, even with the right secret, so guessing gets no answer at all.
//!
//! The window starts at a client's first failure; entries live in a bounded cache and vanish
//! with their window. Counts are per replica.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use moka::sync::Cache;

use crate::error::OAuthError;

/// Client ids tracked at once; beyond this the least recently failing are forgotten.
const TRACKED: u64 = 100_000;

/// The failures of one client in its current window.
#[derive(Debug)]
struct Window {
    started: Instant,
    failures: AtomicU32,
}

/// Failed client authentications per client id.
#[derive(Debug, Clone)]
pub struct FailedAuthentications {
    windows: Option<Cache<String, Arc<Window>>>,
    max_failures: u32,
    window: Duration,
}

impl FailedAuthentications {
    /// Allows `max_failures` failures per client within `window` (0: no throttling).
    pub fn new(max_failures: u32, window: Duration) -> Self {
        let windows = (max_failures > 0).then(|| {
            Cache::builder()
                .max_capacity(TRACKED)
                .time_to_live(window)
                .build()
        });
        Self {
            windows,
            max_failures,
            window,
        }
    }

    /// Refuses `client_id` while it has used up its failures.
    pub fn check(&self, client_id: &str) -> Result<(), OAuthError> {
        let Some(window) = self.windows.as_ref().and_then(|w| w.get(client_id)) else {
            return Ok(());
        };
        if window.failures.load(Ordering::Relaxed) < self.max_failures {
            return Ok(());
        }
        let left = self.window.saturating_sub(window.started.elapsed());
        Err(OAuthError::too_many_attempts(left.as_secs().max(1)))
    }

    /// Counts a failure for `client_id`.
    pub fn failed(&self, client_id: &str) {
        if let Some(windows) = &self.windows {
            let window = windows.get_with_by_ref(client_id, || {
                Arc::new(Window {
                    started: Instant::now(),
                    failures: AtomicU32::new(0),
                })
            });
            window.failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_refused_after_its_failures_until_the_window_ends() {
        let throttle = FailedAuthentications::new(3, Duration::from_millis(300));
        for _ in 0..3 {
            assert!(throttle.check("app").is_ok());
            throttle.failed("app");
        }
        let refused = throttle.check("app").unwrap_err();
        assert_eq!(refused.retry_after_secs, Some(1));
        assert!(throttle.check("other").is_ok(), "per client");
        std::thread::sleep(Duration::from_millis(350));
        assert!(throttle.check("app").is_ok(), "the window ended");
    }

    #[test]
    fn zero_switches_it_off() {
        let throttle = FailedAuthentications::new(0, Duration::from_secs(60));
        for _ in 0..100 {
            throttle.failed("app");
        }
        assert!(throttle.check("app").is_ok());
    }
}
