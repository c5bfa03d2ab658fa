//! Client ID metadata documents: a `client_id` that is an https URL names a JSON document,
//! fetched from that URL, that describes the client. The fetch is guarded (https only, no
//! redirects, a deadline, a size cap, no private or loopback addresses unless configured for
//! local testing), the document is checked (its `client_id` must be its own URL; a public
//! client with valid redirect URIs), and the result is cached for a while.

mod address;

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use futures::StreamExt;
use serde::Deserialize;
use service_kit::http_telemetry;
use url::{Host, Url};

use self::address::{PublicOnly, is_public};
use super::{AuthMethod, Client, GrantType, Origin};
use crate::{redirect_uri::RedirectUri, scope::Scope};

/// How documents are fetched.
#[derive(Debug, Clone)]
pub struct MetadataDocumentSettings {
    /// `OAUTH_CIMD_ALLOW_PRIVATE`: also fetch from private and loopback addresses, over http
    /// too (local testing only; default false).
    pub allow_private: bool,
    /// `OAUTH_CIMD_TIMEOUT_SECS`: deadline for the whole fetch (default 5).
    pub timeout: Duration,
    /// `OAUTH_CIMD_MAX_BYTES`: largest document accepted (default 5120).
    pub max_bytes: usize,
    /// `OAUTH_CIMD_CACHE_SECS`: how long a fetched document is reused (default 300).
    pub cache_ttl: Duration,
}

/// Why a client ID metadata document cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataDocumentError {
    /// The URL itself is not acceptable.
    #[error("client_id {0}")]
    Url(&'static str),
    /// The document could not be fetched.
    #[error("the client metadata document could not be fetched: {0}")]
    Unreachable(String),
    /// The server answered something other than 200.
    #[error("the client metadata document URL answered HTTP {0} (redirects are not followed)")]
    Status(u16),
    /// Larger than allowed.
    #[error("the client metadata document is larger than {0} bytes")]
    TooLarge(usize),
    /// Not an acceptable document.
    #[error("the client metadata document is invalid: {0}")]
    Invalid(String),
}

/// Whether `client_id` is meant as a metadata document URL.
pub(crate) fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// Fetches, checks and caches client ID metadata documents.
#[derive(Debug, Clone)]
pub struct MetadataDocuments {
    http: reqwest::Client,
    settings: MetadataDocumentSettings,
    cache: Arc<Mutex<HashMap<String, (Instant, Client)>>>,
}

impl MetadataDocuments {
    /// A fetcher with `settings`.
    pub fn new(settings: MetadataDocumentSettings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            // A proxy would resolve names itself, around the address check.
            .no_proxy()
            .dns_resolver(Arc::new(PublicOnly {
                allow_private: settings.allow_private,
            }))
            .https_only(!settings.allow_private)
            .referer(false)
            .user_agent(concat!("oauth-server/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            settings,
            cache: Arc::default(),
        })
    }

    /// The client described by the document at `client_id`.
    pub async fn client(&self, client_id: &str) -> Result<Client, MetadataDocumentError> {
        if let Some(client) = self.cached(client_id) {
            return Ok(client);
        }
        let url = self.check_url(client_id)?;
        let document = self.fetch(&url).await?;
        let client = validate(client_id, &document)?;
        let expires = Instant::now() + self.settings.cache_ttl;
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(client_id.to_owned(), (expires, client.clone()));
        Ok(client)
    }

    fn cached(&self, client_id: &str) -> Option<Client> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        cache.retain(|_, (expires, _)| *expires > now);
        cache.get(client_id).map(|(_, client)| client.clone())
    }

    /// The checks the resolver cannot make (IP literals never reach it).
    fn check_url(&self, client_id: &str) -> Result<Url, MetadataDocumentError> {
        let url = Url::parse(client_id).map_err(|_| MetadataDocumentError::Url("is not a URL"))?;
        if url.scheme() != "https" && !(self.settings.allow_private && url.scheme() == "http") {
            return Err(MetadataDocumentError::Url("must be an https URL"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(MetadataDocumentError::Url("must not carry credentials"));
        }
        if url.fragment().is_some() {
            return Err(MetadataDocumentError::Url("must not have a fragment"));
        }
        if url.path() == "/" || url.path().is_empty() {
            return Err(MetadataDocumentError::Url("must have a path"));
        }
        let allowed = match url.host() {
            Some(Host::Domain(_)) => true,
            Some(Host::Ipv4(ip)) => self.settings.allow_private || is_public(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.settings.allow_private || is_public(IpAddr::V6(ip)),
            None => false,
        };
        if !allowed {
            return Err(MetadataDocumentError::Url(
                "must not point at a private address",
            ));
        }
        Ok(url)
    }

    async fn fetch(&self, url: &Url) -> Result<serde_json::Value, MetadataDocumentError> {
        let unreachable = |error: reqwest::Error| {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message = format!("{message}: {cause}");
                source = cause.source();
            }
            MetadataDocumentError::Unreachable(message)
        };
        let request = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        let response = http_telemetry::send(request).await.map_err(unreachable)?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(MetadataDocumentError::Status(response.status().as_u16()));
        }
        let limit = self.settings.max_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(MetadataDocumentError::TooLarge(limit));
        }
        let mut body = Vec::new();
        let mut chunks = response.bytes_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(unreachable)?;
            if body.len() + chunk.len() > limit {
                return Err(MetadataDocumentError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body)
            .map_err(|error| MetadataDocumentError::Invalid(format!("not JSON ({error})")))
    }
}

/// The fields of a document this server acts on.
#[derive(Debug, Deserialize)]
struct Document {
    client_id: Option<String>,
    client_name: Option<String>,
    redirect_uris: Option<Vec<String>>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    token_endpoint_auth_method: Option<String>,
    scope: Option<String>,
    client_secret: Option<serde_json::Value>,
}

/// Checks a fetched document and builds the client it describes.
fn validate(
    client_id: &str,
    document: &serde_json::Value,
) -> Result<Client, MetadataDocumentError> {
    let invalid = |why: String| MetadataDocumentError::Invalid(why);
    let document: Document = serde_json::from_value(document.clone())
        .map_err(|error| invalid(format!("unexpected shape ({error})")))?;
    if document.client_id.as_deref() != Some(client_id) {
        return Err(invalid(
            "its client_id must equal the URL it was fetched from".into(),
        ));
    }
    if document.client_secret.is_some() {
        return Err(invalid("it must not carry a client_secret".into()));
    }
    match document.token_endpoint_auth_method.as_deref() {
        None | Some("none") => {}
        Some(other) => {
            return Err(invalid(format!(
                "token_endpoint_auth_method {other:?} is not supported for metadata documents (only none)"
            )));
        }
    }
    let redirect_uris = document.redirect_uris.unwrap_or_default();
    if redirect_uris.is_empty() {
        return Err(invalid("redirect_uris is required".into()));
    }
    for uri in &redirect_uris {
        RedirectUri::parse(uri).map_err(|error| invalid(error.to_string()))?;
    }
    let mut grant_types = Vec::new();
    for name in document
        .grant_types
        .unwrap_or_else(|| vec!["authorization_code".into()])
    {
        match GrantType::parse(&name) {
            Some(grant @ (GrantType::AuthorizationCode | GrantType::RefreshToken)) => {
                grant_types.push(grant)
            }
            _ => {
                return Err(invalid(format!(
                    "grant type {name:?} is not supported here"
                )));
            }
        }
    }
    if !grant_types.contains(&GrantType::AuthorizationCode) {
        return Err(invalid(
            "grant_types must include authorization_code".into(),
        ));
    }
    if let Some(types) = &document.response_types
        && types.iter().any(|kind| kind != "code")
    {
        return Err(invalid("response_types may only contain code".into()));
    }
    let scope = document
        .scope
        .as_deref()
        .map(Scope::parse)
        .transpose()
        .map_err(|error| invalid(error.to_string()))?;
    Ok(Client {
        client_id: client_id.to_owned(),
        secret_hash: None,
        redirect_uris,
        grant_types,
        auth_method: AuthMethod::None,
        scope,
        client_name: document.client_name,
        extra: serde_json::Map::new(),
        issued_at: crate::tokens::now(),
        origin: Origin::MetadataDocument,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn documents_must_describe_themselves_as_public_clients() {
        let url = "https://app.example.com/oauth/client.json";
        let good = json!({"client_id": url, "client_name": "App", "redirect_uris": ["http://127.0.0.1/cb"]});
        let client = validate(url, &good).unwrap();
        assert_eq!(client.auth_method, AuthMethod::None);
        assert_eq!(client.origin, Origin::MetadataDocument);
        for bad in [
            json!({"client_id": "https://other.example/c.json", "redirect_uris": ["http://127.0.0.1/cb"]}),
            json!({"client_id": url}),
            json!({"client_id": url, "redirect_uris": ["http://evil.example/cb"]}),
            json!({"client_id": url, "redirect_uris": ["http://127.0.0.1/cb"], "client_secret": "s"}),
            json!({"client_id": url, "redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "client_secret_basic"}),
            json!({"client_id": url, "redirect_uris": ["http://127.0.0.1/cb"], "grant_types": ["client_credentials"]}),
            json!(["not", "an", "object"]),
        ] {
            assert!(validate(url, &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_are_checked_before_any_fetch() {
        service_kit::tls::install_crypto_provider();
        let strict = MetadataDocuments::new(MetadataDocumentSettings {
            allow_private: false,
            timeout: Duration::from_secs(1),
            max_bytes: 1024,
            cache_ttl: Duration::from_secs(1),
        });
        let strict = strict.unwrap_or_else(|_| panic!("client builds"));
        for bad in [
            "http://app.example.com/c.json",
            "https://user:pw@app.example.com/c.json",
            "https://app.example.com/",
            "https://127.0.0.1/c.json",
            "https://[::1]/c.json",
            "https://10.0.0.1/c.json",
            "https://app.example.com/c.json#x",
        ] {
            assert!(strict.check_url(bad).is_err(), "{bad}");
        }
        assert!(strict.check_url("https://app.example.com/c.json").is_ok());
    }
}
