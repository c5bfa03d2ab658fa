//! JWT mode (RFC 9068): access tokens verified offline against the issuer's JWKS. Only the
//! configured asymmetric algorithms pass (never `none`, never HMAC, so a public key cannot be
//! used as a shared secret); `typ` must say `at+jwt`; `iss` must be the issuer; `aud` must
//! name this server (its resource URL or `JWT_AUDIENCE`); `exp` and `nbf` hold with a small
//! leeway.
//!
//! A verified token is remembered (by its SHA-256) for `JWT_CACHE_SECS`, never past its `exp`:
//! checking an ES256 or RS256 signature costs far more than serving a request, and a client
//! sends the same token until it expires. Only verified tokens are remembered.

use std::{
    collections::BTreeSet,
    time::{SystemTime, UNIX_EPOCH},
};

use jsonwebtoken::{Algorithm, Validation, decode, decode_header, errors::ErrorKind};
use moka::sync::Cache;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{AuthError, Principal, jwks::Jwks};
use crate::config::JwtConfig;

/// The claims this server reads.
#[derive(Debug, Deserialize)]
struct Claims {
    exp: u64,
    sub: Option<String>,
    client_id: Option<String>,
    azp: Option<String>,
    scope: Option<String>,
    scp: Option<Scopes>,
}

/// `scp` as some identity providers write it: a list, or a space-separated string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scopes {
    List(Vec<String>),
    Text(String),
}

/// Verifies JWT access tokens.
#[derive(Debug)]
pub(super) struct JwtVerifier {
    issuer: String,
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    token_types: Option<Vec<String>>,
    leeway: u64,
    keys: Jwks,
    /// Verified tokens by SHA-256, with their `exp`; `None` when `JWT_CACHE_SECS=0`.
    verified: Option<Cache<[u8; 32], (Principal, u64)>>,
}

/// Tokens remembered at most; the least used go first.
const CACHE_CAPACITY: u64 = 100_000;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

impl JwtVerifier {
    /// A verifier of tokens meant for `resource`.
    pub(super) fn new(config: &JwtConfig, resource: String) -> anyhow::Result<Self> {
        let mut audiences = vec![resource];
        audiences.extend(config.audience.clone());
        Ok(Self {
            issuer: config.issuer.clone(),
            audiences,
            algorithms: config.algorithms.clone(),
            token_types: config.token_types.clone(),
            leeway: config.leeway.as_secs(),
            keys: Jwks::new(config.jwks_url.clone(), config.jwks_refresh_min)?,
            verified: (!config.cache_ttl.is_zero()).then(|| {
                Cache::builder()
                    .max_capacity(CACHE_CAPACITY)
                    .time_to_live(config.cache_ttl)
                    .build()
            }),
        })
    }

    /// The principal of `token`.
    pub(super) async fn check(&self, token: &str) -> Result<Principal, AuthError> {
        let Some(verified) = &self.verified else {
            return self.verify(token).await.map(|(principal, _)| principal);
        };
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some((principal, expires)) = verified.get(&key) {
            if now() <= expires.saturating_add(self.leeway) {
                return Ok(principal);
            }
            verified.invalidate(&key);
            return Err(AuthError::Invalid("the token expired".to_owned()));
        }
        let (principal, expires) = self.verify(token).await?;
        verified.insert(key, (principal.clone(), expires));
        Ok(principal)
    }

    /// Checks `token`'s signature and claims; its principal and `exp`.
    async fn verify(&self, token: &str) -> Result<(Principal, u64), AuthError> {
        let invalid = |why: &str| AuthError::Invalid(why.to_owned());
        let header = decode_header(token)
            .map_err(|_| invalid("the token is not a JWT with a supported algorithm"))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(invalid("the token's signature algorithm is not accepted"));
        }
        if let Some(types) = &self.token_types {
            let typ = header
                .typ
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !types.contains(&typ) {
                return Err(invalid(
                    "the token is not an access token (typ must be at+jwt)",
                ));
            }
        }
        let key = self.keys.key(header.kid.as_deref(), header.alg).await?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&self.audiences);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let claims = decode::<Claims>(token, &key, &validation)
            .map_err(|error| {
                AuthError::Invalid(
                    match error.kind() {
                        ErrorKind::ExpiredSignature => "the token expired",
                        ErrorKind::ImmatureSignature => "the token is not valid yet",
                        ErrorKind::InvalidAudience => {
                            "the token is meant for another resource (audience)"
                        }
                        ErrorKind::InvalidIssuer => "the token comes from another issuer",
                        ErrorKind::InvalidSignature => "the token's signature does not verify",
                        ErrorKind::MissingRequiredClaim(_) => "the token lacks exp, iss or aud",
                        _ => "the token cannot be verified",
                    }
                    .to_owned(),
                )
            })?
            .claims;
        let scopes: BTreeSet<String> = match (&claims.scope, &claims.scp) {
            (Some(scope), _) | (None, Some(Scopes::Text(scope))) => scope
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            (None, Some(Scopes::List(list))) => list.iter().cloned().collect(),
            (None, None) => BTreeSet::new(),
        };
        let principal = Principal {
            subject: claims.sub,
            client_id: claims.client_id.or(claims.azp),
            scopes,
        };
        Ok((principal, claims.exp))
    }
}
