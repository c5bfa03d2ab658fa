//! Dynamic client registration (RFC 7591): checking the metadata a client sends and building
//! its record. Unknown metadata is ignored, as the RFC allows; anything inconsistent or
//! unsupported is refused with `invalid_redirect_uri` or `invalid_client_metadata`.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use url::Url;

use super::{AuthMethod, Client, GrantType, Origin};
use crate::{
    error::{ErrorCode, OAuthError},
    redirect_uri::RedirectUri,
    scope::Scope,
    secret,
};

/// Metadata a client registers with (the fields this server acts on).
#[derive(Debug, Default, Deserialize)]
pub struct RegistrationRequest {
    redirect_uris: Option<Vec<String>>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    client_name: Option<String>,
    scope: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    tos_uri: Option<String>,
    policy_uri: Option<String>,
    contacts: Option<Vec<String>>,
    software_id: Option<String>,
    software_version: Option<String>,
}

/// Display metadata kept and returned as registered, each an http(s) URL.
const URL_FIELDS: [&str; 4] = ["client_uri", "logo_uri", "tos_uri", "policy_uri"];

fn metadata_error(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClientMetadata, description.into())
}

/// Checks `request` and builds the client's record, with its secret (if confidential) in the
/// clear: the one time it is seen. `supported` is the server's scope.
pub fn register(
    request: RegistrationRequest,
    supported: &Scope,
    now: u64,
) -> Result<(Client, Option<String>), OAuthError> {
    let auth_method = match request.token_endpoint_auth_method.as_deref() {
        // RFC 7591 §2: the default is client_secret_basic.
        None | Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
        Some("client_secret_post") => AuthMethod::ClientSecretPost,
        Some("none") => AuthMethod::None,
        Some(other) => {
            return Err(metadata_error(format!(
                "token_endpoint_auth_method {other:?} is not supported (use none, client_secret_post or client_secret_basic)"
            )));
        }
    };
    let grant_names = request
        .grant_types
        .unwrap_or_else(|| vec!["authorization_code".to_owned()]);
    let mut grant_types = Vec::new();
    for name in &grant_names {
        let grant = GrantType::parse(name).ok_or_else(|| {
            metadata_error(format!(
                "grant type {name:?} is not supported (authorization_code, refresh_token, client_credentials)"
            ))
        })?;
        if !grant_types.contains(&grant) {
            grant_types.push(grant);
        }
    }
    let response_types = request.response_types.unwrap_or_else(|| {
        if grant_types.contains(&GrantType::AuthorizationCode) {
            vec!["code".to_owned()]
        } else {
            Vec::new()
        }
    });
    if let Some(other) = response_types.iter().find(|kind| *kind != "code") {
        return Err(metadata_error(format!(
            "response type {other:?} is not supported (only code)"
        )));
    }
    let uses_code = grant_types.contains(&GrantType::AuthorizationCode);
    if uses_code != response_types.iter().any(|kind| kind == "code") {
        return Err(metadata_error(
            "grant_types and response_types disagree: authorization_code goes with the code response type (RFC 7591 §2.1)",
        ));
    }
    if grant_types.contains(&GrantType::ClientCredentials) && auth_method == AuthMethod::None {
        return Err(metadata_error(
            "client_credentials needs a confidential client (token_endpoint_auth_method other than none)",
        ));
    }
    let redirect_uris = request.redirect_uris.unwrap_or_default();
    if uses_code && redirect_uris.is_empty() {
        return Err(OAuthError::new(
            ErrorCode::InvalidRedirectUri,
            "redirect_uris is required for the authorization_code grant",
        ));
    }
    for uri in &redirect_uris {
        RedirectUri::parse(uri)
            .map_err(|error| OAuthError::new(ErrorCode::InvalidRedirectUri, error.to_string()))?;
    }
    let scope = match request.scope.as_deref() {
        None => None,
        Some(text) => {
            let scope = Scope::parse(text).map_err(|error| metadata_error(error.to_string()))?;
            let unknown = scope.difference(supported);
            if !unknown.is_empty() {
                return Err(metadata_error(format!(
                    "scope {unknown} is not supported (supported: {supported})"
                )));
            }
            Some(scope)
        }
    };
    let mut extra = Map::new();
    let urls = [
        request.client_uri,
        request.logo_uri,
        request.tos_uri,
        request.policy_uri,
    ];
    for (field, value) in URL_FIELDS.into_iter().zip(urls) {
        if let Some(value) = value {
            let web = Url::parse(&value).is_ok_and(|url| matches!(url.scheme(), "https" | "http"));
            if !web {
                return Err(metadata_error(format!("{field} must be an http(s) URL")));
            }
            extra.insert(field.to_owned(), json!(value));
        }
    }
    if let Some(contacts) = request.contacts {
        extra.insert("contacts".to_owned(), json!(contacts));
    }
    for (field, value) in [
        ("software_id", request.software_id),
        ("software_version", request.software_version),
    ] {
        if let Some(value) = value {
            extra.insert(field.to_owned(), json!(value));
        }
    }
    if let Some(name) = &request.client_name
        && (name.trim().is_empty() || name.chars().count() > 200)
    {
        return Err(metadata_error("client_name must have 1 to 200 characters"));
    }
    let secret = (auth_method != AuthMethod::None).then(secret::generate);
    let client = Client {
        client_id: secret::generate(),
        secret_hash: secret.as_deref().map(secret::digest),
        redirect_uris,
        grant_types,
        auth_method,
        scope,
        client_name: request.client_name,
        extra,
        issued_at: now,
        origin: Origin::Registered,
    };
    Ok((client, secret))
}

impl Client {
    /// The registration response (RFC 7591 §3.2.1): the metadata as registered, the id, and the
    /// secret when one was just issued.
    pub fn registration_response(&self, secret: Option<&str>) -> Value {
        let mut body = json!({
            "client_id": self.client_id,
            "client_id_issued_at": self.issued_at,
            "redirect_uris": self.redirect_uris,
            "grant_types": self.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
            "response_types": if self.allows(GrantType::AuthorizationCode) { vec!["code"] } else { vec![] },
            "token_endpoint_auth_method": self.auth_method.as_str(),
        });
        if let Some(secret) = secret {
            body["client_secret"] = json!(secret);
            body["client_secret_expires_at"] = json!(0);
        }
        if let Some(scope) = &self.scope {
            body["scope"] = json!(scope.to_string());
        }
        if let Some(name) = &self.client_name {
            body["client_name"] = json!(name);
        }
        for (field, value) in &self.extra {
            body[field] = value.clone();
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn supported() -> Scope {
        Scope::parse("mcp:tools openid profile email").unwrap()
    }

    fn request(value: Value) -> RegistrationRequest {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_seed_registration_gets_a_confidential_client() {
        let (client, secret) = register(
            request(json!({
                "client_name": "cli",
                "redirect_uris": ["https://oauth.pstmn.io/v1/callback"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_post",
                "scope": "mcp:tools",
            })),
            &supported(),
            1,
        )
        .unwrap();
        let secret = secret.unwrap();
        assert!(client.secret_matches(&secret));
        assert_eq!(client.auth_method, AuthMethod::ClientSecretPost);
        let body = client.registration_response(Some(&secret));
        assert_eq!(body["client_secret"], secret);
        assert_eq!(body["scope"], "mcp:tools");
        assert_eq!(body["client_secret_expires_at"], 0);
    }

    #[test]
    fn public_clients_get_no_secret_and_defaults_follow_the_rfc() {
        let (client, secret) = register(
            request(json!({"redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "none"})),
            &supported(),
            1,
        )
        .unwrap();
        assert!(secret.is_none() && !client.is_confidential());
        assert_eq!(client.grant_types, [GrantType::AuthorizationCode]);
        let (confidential, secret) = register(
            request(json!({"redirect_uris": ["https://a.example/cb"]})),
            &supported(),
            1,
        )
        .unwrap();
        assert_eq!(confidential.auth_method, AuthMethod::ClientSecretBasic);
        assert!(secret.is_some());
    }

    #[test]
    fn bad_metadata_is_refused_with_the_right_code() {
        let cases = [
            (json!({}), ErrorCode::InvalidRedirectUri),
            (
                json!({"redirect_uris": ["http://evil.example/cb"]}),
                ErrorCode::InvalidRedirectUri,
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb#f"]}),
                ErrorCode::InvalidRedirectUri,
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["implicit"]}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "response_types": ["token"]}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["refresh_token"], "response_types": ["code"]}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "scope": "admin"}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "logo_uri": "javascript:x"}),
                ErrorCode::InvalidClientMetadata,
            ),
        ];
        for (metadata, code) in cases {
            let error = register(request(metadata.clone()), &supported(), 1).unwrap_err();
            assert_eq!(error.code, code, "{metadata}");
        }
    }

    #[test]
    fn service_accounts_register_without_redirects() {
        let (client, secret) = register(
            request(json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_basic"})),
            &supported(),
            1,
        )
        .unwrap();
        assert!(secret.is_some());
        assert!(client.redirect_uris.is_empty());
        assert_eq!(
            client.registration_response(None)["response_types"],
            json!([])
        );
    }
}
