//! The issuer's signing keys (JWKS), fetched on first use, kept, and fetched again when a token
//! names a key id not in the set (key rotation), at most once per configured interval. A key
//! set older than an hour is fetched again on the next lookup (and kept if that fails).

use service_kit::http_telemetry;
use std::time::{Duration, Instant};

use jsonwebtoken::{
    Algorithm, DecodingKey,
    jwk::{Jwk, JwkSet},
};
use tokio::sync::{Mutex, RwLock};
use url::Url;

use super::AuthError;

/// A key set older than this is fetched again on the next lookup.
const MAX_AGE: Duration = Duration::from_secs(3600);
/// The largest JWKS document accepted.
const MAX_BYTES: usize = 1024 * 1024;

#[derive(Debug)]
struct Fetched {
    keys: JwkSet,
    at: Instant,
}

/// The cached JWKS of one issuer.
#[derive(Debug)]
pub(super) struct Jwks {
    http: reqwest::Client,
    url: Url,
    min_interval: Duration,
    current: RwLock<Option<Fetched>>,
    /// Held while fetching, so concurrent misses cause one fetch; remembers the last attempt.
    fetching: Mutex<Option<Instant>>,
}

impl Jwks {
    pub(super) fn new(url: Url, min_interval: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .build()?;
        Ok(Self {
            http,
            url,
            min_interval,
            current: RwLock::new(None),
            fetching: Mutex::new(None),
        })
    }

    /// The key for a token signed with `algorithm` under `kid`.
    pub(super) async fn key(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<DecodingKey, AuthError> {
        {
            let current = self.current.read().await;
            if let Some(fetched) = current.as_ref()
                && fetched.at.elapsed() < MAX_AGE
                && let Some(key) = select(&fetched.keys, kid, algorithm)?
            {
                return key_for(key);
            }
        }
        // No set yet, an old one, or an unknown key id (perhaps a rotation): fetch again.
        self.refresh().await?;
        let current = self.current.read().await;
        let fetched = current.as_ref().ok_or(AuthError::Unavailable)?;
        match select(&fetched.keys, kid, algorithm)? {
            Some(key) => key_for(key),
            None => Err(AuthError::Invalid(
                "the token is signed with an unknown key".into(),
            )),
        }
    }

    /// Fetches the set again, unless a fetch was tried within the minimum interval (so unknown
    /// key ids, or an unreachable JWKS, cannot turn requests into a flood of fetches).
    async fn refresh(&self) -> Result<(), AuthError> {
        let mut last = self.fetching.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.min_interval) {
            return if self.current.read().await.is_some() {
                Ok(())
            } else {
                Err(AuthError::Unavailable)
            };
        }
        *last = Some(Instant::now());
        let fetched = self.fetch().await;
        let outcome = if fetched.is_ok() { "ok" } else { "error" };
        metrics::counter!(crate::instruments::JWKS_FETCHES, "outcome" => outcome).increment(1);
        match fetched {
            Ok(keys) => {
                tracing::info!(url = %self.url, keys = keys.keys.len(), "JWKS fetched");
                *self.current.write().await = Some(Fetched {
                    keys,
                    at: Instant::now(),
                });
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, url = %self.url, "cannot fetch the JWKS");
                // Keys already known stay usable; with none, the token cannot be judged.
                if self.current.read().await.is_some() {
                    Ok(())
                } else {
                    Err(AuthError::Unavailable)
                }
            }
        }
    }

    async fn fetch(&self) -> anyhow::Result<JwkSet> {
        let response = http_telemetry::send(self.http.get(self.url.clone()))
            .await?
            .error_for_status()?;
        let body = response.bytes().await?;
        anyhow::ensure!(
            body.len() <= MAX_BYTES,
            "the JWKS is larger than {MAX_BYTES} bytes"
        );
        Ok(serde_json::from_slice(&body)?)
    }
}

/// The key of `keys` for `kid` (or the only key, when the token names none), refusing a key
/// published for another algorithm.
fn select<'a>(
    keys: &'a JwkSet,
    kid: Option<&str>,
    algorithm: Algorithm,
) -> Result<Option<&'a Jwk>, AuthError> {
    let key = match kid {
        Some(kid) => keys.find(kid),
        None => match keys.keys.as_slice() {
            [only] => Some(only),
            _ => return Err(AuthError::Invalid("the token names no key id (kid)".into())),
        },
    };
    if let Some(key) = key
        && let Some(published) = key.common.key_algorithm
        && published.to_string() != format!("{algorithm:?}")
    {
        return Err(AuthError::Invalid(
            "the token's algorithm does not match its key".into(),
        ));
    }
    Ok(key)
}

fn key_for(key: &Jwk) -> Result<DecodingKey, AuthError> {
    DecodingKey::from_jwk(key)
        .map_err(|_| AuthError::Invalid("the token's key cannot be used".into()))
}
