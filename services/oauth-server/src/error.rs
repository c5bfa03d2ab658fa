//! OAuth error responses (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009, RFC 8707): a stable
//! `error` code, a human-readable `error_description`, the status each code calls for, and
//! `Cache-Control: no-store`. A server error says nothing internal; its cause is logged where
//! it happened.

use std::borrow::Cow;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// The `error` codes this server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A parameter is missing, repeated, malformed or unsupported.
    InvalidRequest,
    /// Client authentication failed (401, with `WWW-Authenticate`).
    InvalidClient,
    /// The code or refresh token is invalid, expired, revoked, already used, or was issued to
    /// another client or redirect URI; or the PKCE verifier does not match.
    InvalidGrant,
    /// The client may not use this grant type.
    UnauthorizedClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// The scope is unknown or wider than allowed.
    InvalidScope,
    /// The `resource` is not a valid or known target (RFC 8707).
    InvalidTarget,
    /// A redirect URI is not acceptable (RFC 7591).
    InvalidRedirectUri,
    /// Client metadata is not acceptable (RFC 7591).
    InvalidClientMetadata,
    /// The token type hint names a type this server cannot revoke (RFC 7009).
    UnsupportedTokenType,
    /// The user (or the policy) refused the authorization request.
    AccessDenied,
    /// The authorization request asked for a response type other than `code`.
    UnsupportedResponseType,
    /// `prompt=none`, but the server must ask the user.
    ConsentRequired,
    /// The server failed; nothing more is said.
    ServerError,
    /// A backend is down; try again later.
    TemporarilyUnavailable,
    /// Too many failed attempts (429, with `Retry-After`).
    TooManyAttempts,
}

impl ErrorCode {
    /// The code as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidTarget => "invalid_target",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ConsentRequired => "consent_required",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::TooManyAttempts => "too_many_attempts",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An OAuth error, answered as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// The `error` code.
    pub code: ErrorCode,
    /// The `error_description`.
    pub description: Cow<'static, str>,
    /// `Retry-After`, in seconds, when the client should wait.
    pub retry_after_secs: Option<u64>,
}

impl OAuthError {
    /// An error with its description.
    pub fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            description: description.into(),
            retry_after_secs: None,
        }
    }

    /// `too_many_attempts` (429): try again in `seconds`.
    pub fn too_many_attempts(seconds: u64) -> Self {
        Self {
            retry_after_secs: Some(seconds),
            ..Self::new(
                ErrorCode::TooManyAttempts,
                format!("too many failed attempts; try again in {seconds} s"),
            )
        }
    }

    /// `invalid_request` with a description.
    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `server_error`, saying nothing about the cause (log it before calling this).
    pub fn server_error() -> Self {
        Self::new(ErrorCode::ServerError, "the server failed; try again later")
    }

    /// `temporarily_unavailable`: a backend could not be reached.
    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::TemporarilyUnavailable,
            "the server cannot reach its storage; try again later",
        )
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)
    }
}

impl std::error::Error for OAuthError {}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.code.as_str(),
            "error_description": self.description,
        });
        let mut response = (self.code.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(seconds) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.code == ErrorCode::InvalidClient {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="oauth", charset="UTF-8""#),
            );
        }
        response
    }
}
