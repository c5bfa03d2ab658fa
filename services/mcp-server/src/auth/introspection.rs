//! Introspection mode (RFC 7662): the authorization server says whether a token is active.
//!
//! This server authenticates to it as a confidential client. Answers are cached by the token's
//! SHA-256, positive ones no longer than the token lives (and at most the configured maximum),
//! negative ones briefly; concurrent requests with the same token share one call. An
//! unreachable or failing authorization server is [`AuthError::Unavailable`] (503), and such
//! outcomes are not cached.

use service_kit::http_telemetry;
use std::{
    collections::BTreeSet,
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use moka::{Expiry, future::Cache};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use super::{AuthError, Principal};
use crate::config::IntrospectionConfig;

/// Most answers kept at once (a flood of random tokens cannot grow the cache beyond this).
const CACHE_CAPACITY: u64 = 100_000;

/// What the authorization server said about a token.
#[derive(Debug, Clone)]
enum Verdict {
    /// Active, until `expires_at` (seconds since the epoch), if known.
    Active {
        principal: Principal,
        expires_at: Option<u64>,
    },
    /// Not usable here, and why.
    Refused(String),
}

/// How long each verdict is kept.
struct VerdictExpiry {
    positive_max: Duration,
    negative: Duration,
}

impl Expiry<[u8; 32], Arc<Verdict>> for VerdictExpiry {
    fn expire_after_create(
        &self,
        _key: &[u8; 32],
        verdict: &Arc<Verdict>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(match verdict.as_ref() {
            Verdict::Active {
                expires_at: Some(expires_at),
                ..
            } => Duration::from_secs(expires_at.saturating_sub(now())).min(self.positive_max),
            Verdict::Active {
                expires_at: None, ..
            } => self.positive_max,
            Verdict::Refused(_) => self.negative,
        })
    }
}

/// The introspection response fields this server reads.
#[derive(Debug, Deserialize)]
struct Introspection {
    active: bool,
    scope: Option<String>,
    client_id: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<u64>,
    nbf: Option<u64>,
    token_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, resource: &str) -> bool {
        match self {
            Self::One(one) => one == resource,
            Self::Many(many) => many.iter().any(|one| one == resource),
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Checks tokens by introspection.
pub(super) struct Introspector {
    http: reqwest::Client,
    url: Url,
    authorization: String,
    resource: String,
    /// By the SHA-256 of the token: the token itself is never kept.
    cache: Cache<[u8; 32], Arc<Verdict>>,
    /// `MCP_INTROSPECTION_CACHE_SECS=0`: every request is introspected.
    cache_disabled: bool,
}

impl std::fmt::Debug for Introspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Introspector")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl Introspector {
    /// An introspector for tokens meant for `resource`.
    pub(super) fn new(config: &IntrospectionConfig, resource: String) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        // RFC 6749 §2.3.1: id and secret are form-encoded before the Basic encoding.
        let encode =
            |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        let credentials = format!(
            "{}:{}",
            encode(&config.client_id),
            encode(&config.client_secret)
        );
        let cache = Cache::builder()
            .max_capacity(CACHE_CAPACITY)
            .expire_after(VerdictExpiry {
                positive_max: config.cache_ttl,
                negative: config.negative_ttl,
            })
            .build();
        Ok(Self {
            http,
            url: config.introspect_url.clone(),
            authorization: format!("Basic {}", STANDARD.encode(credentials)),
            resource,
            cache,
            cache_disabled: config.cache_ttl.is_zero(),
        })
    }

    /// The principal of `token`.
    pub(super) async fn check(&self, token: &str) -> Result<Principal, AuthError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cached = self.cache.get(&key).await;
        crate::instruments::cache_lookup(crate::instruments::INTROSPECTION_CACHE, cached.is_some());
        let verdict = match cached {
            Some(verdict) => verdict,
            None if self.cache_disabled => Arc::new(self.introspect(token).await?),
            // Concurrent misses for one token share one introspection.
            None => self
                .cache
                .try_get_with(key, async { self.introspect(token).await.map(Arc::new) })
                .await
                .map_err(|error: Arc<AuthError>| error.as_ref().clone())?,
        };
        match verdict.as_ref() {
            Verdict::Active {
                expires_at: Some(expires_at),
                ..
            } if *expires_at <= now() => Err(AuthError::Invalid("the token expired".into())),
            Verdict::Active { principal, .. } => Ok(principal.clone()),
            Verdict::Refused(why) => Err(AuthError::Invalid(why.clone())),
        }
    }

    async fn introspect(&self, token: &str) -> Result<Verdict, AuthError> {
        let request = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::AUTHORIZATION, &self.authorization)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("token", token), ("token_type_hint", "access_token")]);
        let response = http_telemetry::send(request).await.map_err(|error| {
            tracing::warn!(%error, url = %self.url, "introspection request failed");
            AuthError::Unavailable
        })?;
        let status = response.status();
        if !status.is_success() {
            tracing::error!(%status, url = %self.url, "the authorization server refused introspection (check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET)");
            return Err(AuthError::Unavailable);
        }
        let answer: Introspection = response.json().await.map_err(|error| {
            tracing::error!(%error, "the introspection answer is not valid JSON");
            AuthError::Unavailable
        })?;
        Ok(self.judge(answer))
    }

    fn judge(&self, answer: Introspection) -> Verdict {
        let now = now();
        let refused = |why: &str| Verdict::Refused(why.to_owned());
        if !answer.active {
            return refused("the token is not active");
        }
        if answer.exp.is_some_and(|exp| exp <= now) {
            return refused("the token expired");
        }
        if answer.nbf.is_some_and(|nbf| nbf > now + 30) {
            return refused("the token is not valid yet");
        }
        if answer
            .token_type
            .as_deref()
            .is_some_and(|kind| kind.eq_ignore_ascii_case("refresh_token"))
        {
            return refused("a refresh token is not an access token");
        }
        if let Some(audience) = &answer.aud
            && !audience.contains(&self.resource)
        {
            return refused("the token is meant for another resource (audience)");
        }
        let scopes: BTreeSet<String> = answer
            .scope
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|scope| !scope.is_empty())
            .map(str::to_owned)
            .collect();
        Verdict::Active {
            principal: Principal {
                subject: answer.sub,
                client_id: answer.client_id,
                scopes,
            },
            expires_at: answer.exp,
        }
    }
}
