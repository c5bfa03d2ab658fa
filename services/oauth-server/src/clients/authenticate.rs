//! Client authentication at the token, introspection and revocation endpoints: HTTP Basic
//! (RFC 6749 §2.3.1, with form-encoded id and secret), the secret in the form body, or no
//! secret for a public client, each only as the client registered. Any failure is
//! `invalid_client` (401), and says what to send.

use axum::http::{HeaderMap, header};
use base64::{Engine, engine::general_purpose::STANDARD};

use super::{AuthMethod, Client, Origin};
use crate::error::{ErrorCode, OAuthError};

/// The credentials a request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The client id.
    pub client_id: String,
    /// The secret, if one was sent.
    pub secret: Option<String>,
    /// How they were sent.
    pub method: AuthMethod,
}

fn invalid_client(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClient, description.into())
}

impl ClientCredentials {
    /// Reads the credentials from the `Authorization` header and the form's `client_id` and
    /// `client_secret`; `None` when the request carries none at all.
    pub fn from_request(
        headers: &HeaderMap,
        form_id: Option<&str>,
        form_secret: Option<&str>,
    ) -> Result<Option<Self>, OAuthError> {
        let basic = match headers.get(header::AUTHORIZATION) {
            None => None,
            Some(value) => Some(basic_credentials(value.to_str().unwrap_or(""))?),
        };
        match (basic, form_id, form_secret) {
            (Some(_), _, Some(_)) => Err(OAuthError::invalid_request(
                "use one client authentication method: HTTP Basic or client_secret in the body, not both",
            )),
            (Some((id, _)), Some(form_id), None) if form_id != id => {
                Err(OAuthError::invalid_request(
                    "client_id in the body differs from the one in the Authorization header",
                ))
            }
            (Some((client_id, secret)), _, None) => Ok(Some(Self {
                client_id,
                secret: Some(secret),
                method: AuthMethod::ClientSecretBasic,
            })),
            (None, Some(id), Some(secret)) => Ok(Some(Self {
                client_id: id.to_owned(),
                secret: Some(secret.to_owned()),
                method: AuthMethod::ClientSecretPost,
            })),
            (None, Some(id), None) => Ok(Some(Self {
                client_id: id.to_owned(),
                secret: None,
                method: AuthMethod::None,
            })),
            (None, None, Some(_)) => Err(OAuthError::invalid_request(
                "client_secret was sent without client_id",
            )),
            (None, None, None) => Ok(None),
        }
    }
}

/// Splits `Basic base64(urlencode(id):urlencode(secret))`.
fn basic_credentials(value: &str) -> Result<(String, String), OAuthError> {
    let malformed = || {
        invalid_client(
            "the Authorization header must be Basic base64(client_id:client_secret), each form-encoded",
        )
    };
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let decode = |part: &str| {
        form_urlencoded::parse(format!("x={part}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    let id = decode(id);
    if id.is_empty() {
        return Err(malformed());
    }
    Ok((id, decode(secret)))
}

/// Checks `credentials` against `client`: the registered method (presets accept Basic and the
/// body alike), and the secret.
pub fn authenticate(credentials: &ClientCredentials, client: &Client) -> Result<(), OAuthError> {
    if client.auth_method == AuthMethod::None {
        return match &credentials.secret {
            None => Ok(()),
            Some(_) => Err(invalid_client(
                "this client is public (token_endpoint_auth_method none): send client_id only, no secret",
            )),
        };
    }
    let Some(secret) = &credentials.secret else {
        return Err(invalid_client(format!(
            "this client must authenticate with {}",
            client.auth_method.as_str()
        )));
    };
    let method_ok = credentials.method == client.auth_method
        || (client.origin == Origin::Preset && credentials.method != AuthMethod::None);
    if !method_ok {
        return Err(invalid_client(format!(
            "this client registered {}; authenticate that way",
            client.auth_method.as_str()
        )));
    }
    if !client.secret_matches(secret) {
        return Err(invalid_client("client authentication failed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(authorization).unwrap(),
        );
        headers
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        // "demo:x" / "s3cr+t", each form-encoded, then base64.
        let found =
            ClientCredentials::from_request(&headers("Basic ZGVtbyUzQXg6czNjciUyQnQ="), None, None)
                .unwrap()
                .unwrap();
        assert_eq!(found.client_id, "demo:x");
        assert_eq!(found.secret.as_deref(), Some("s3cr+t"));
        assert_eq!(found.method, AuthMethod::ClientSecretBasic);
    }

    #[test]
    fn mixed_or_malformed_credentials_are_refused() {
        let basic = headers("Basic YTpi");
        assert!(ClientCredentials::from_request(&basic, None, Some("s")).is_err());
        assert!(ClientCredentials::from_request(&basic, Some("other"), None).is_err());
        assert!(ClientCredentials::from_request(&headers("Bearer x"), None, None).is_err());
        assert!(ClientCredentials::from_request(&headers("Basic !!!"), None, None).is_err());
        assert!(ClientCredentials::from_request(&HeaderMap::new(), None, Some("s")).is_err());
        assert_eq!(
            ClientCredentials::from_request(&HeaderMap::new(), None, None),
            Ok(None)
        );
    }
}
