//! Refusals of `/mcp` requests: 401 with a `WWW-Authenticate: Bearer` challenge that names the
//! protected resource metadata (RFC 9728) and the scope to ask for, and `error="invalid_token"`
//! when a token was sent; 403 `insufficient_scope` for step-up; 400 for a malformed header;
//! 503 with `Retry-After` when the authorization server cannot be reached (never a 401, which
//! would send clients into a re-authorization loop).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use url::Url;

use super::AuthError;

/// What refusals tell the client.
#[derive(Debug, Clone, Default)]
pub struct Challenge {
    metadata_url: String,
    scope: String,
}

/// The URL of the protected resource metadata of `resource` (RFC 9728 §3.1: the well-known
/// prefix inserted before the resource's path).
pub fn metadata_url(resource: &Url) -> String {
    let path = resource.path().trim_end_matches('/');
    format!(
        "{}/.well-known/oauth-protected-resource{path}",
        resource.origin().ascii_serialization()
    )
}

/// Makes `text` safe inside a quoted-string.
fn quoted(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
        .collect()
}

impl Challenge {
    /// The challenge for the resource at `public_url`, which requires `scopes`.
    pub fn new(public_url: &Url, scopes: &[String]) -> Self {
        Self {
            metadata_url: metadata_url(public_url),
            scope: scopes.join(" "),
        }
    }

    /// The response refusing a request for `error`.
    pub fn refuse(&self, error: &AuthError) -> Response {
        let description = error.to_string();
        let (status, code) = match error {
            AuthError::Missing => (StatusCode::UNAUTHORIZED, None),
            AuthError::Malformed(_) => (StatusCode::BAD_REQUEST, Some("invalid_request")),
            AuthError::Invalid(_) => (StatusCode::UNAUTHORIZED, Some("invalid_token")),
            AuthError::InsufficientScope => (StatusCode::FORBIDDEN, Some("insufficient_scope")),
            AuthError::Unavailable => {
                let body = json!({
                    "error": "temporarily_unavailable",
                    "error_description": "the authorization server cannot be reached; try again shortly",
                });
                let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                return response;
            }
        };
        let mut challenge = format!("Bearer resource_metadata=\"{}\"", self.metadata_url);
        if !self.scope.is_empty() {
            challenge.push_str(&format!(", scope=\"{}\"", quoted(&self.scope)));
        }
        if let Some(code) = code {
            challenge.push_str(&format!(
                ", error=\"{code}\", error_description=\"{}\"",
                quoted(&description)
            ));
        }
        let body = json!({
            "error": code.unwrap_or("unauthorized"),
            "error_description": description,
        });
        let mut response = (status, Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge() -> Challenge {
        Challenge::new(
            &Url::parse("https://mcp.example.com/mcp").unwrap(),
            &["mcp:tools".to_owned()],
        )
    }

    fn www_authenticate(response: &Response) -> String {
        response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_missing_token_gets_the_metadata_and_scope() {
        let response = challenge().refuse(&AuthError::Missing);
        assert_eq!(response.status(), 401);
        assert_eq!(
            www_authenticate(&response),
            r#"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools""#
        );
    }

    #[test]
    fn bad_tokens_scopes_and_outages_each_have_their_answer() {
        let invalid = challenge().refuse(&AuthError::Invalid("the token \"x\" expired".into()));
        assert_eq!(invalid.status(), 401);
        assert!(
            www_authenticate(&invalid)
                .ends_with(r#"error="invalid_token", error_description="the token x expired""#)
        );
        let scope = challenge().refuse(&AuthError::InsufficientScope);
        assert_eq!(scope.status(), 403);
        assert!(www_authenticate(&scope).contains(r#"error="insufficient_scope""#));
        assert!(www_authenticate(&scope).contains(r#"scope="mcp:tools""#));
        let down = challenge().refuse(&AuthError::Unavailable);
        assert_eq!(down.status(), 503);
        assert_eq!(down.headers()[header::RETRY_AFTER], "5");
        assert!(down.headers().get(header::WWW_AUTHENTICATE).is_none());
    }
}
