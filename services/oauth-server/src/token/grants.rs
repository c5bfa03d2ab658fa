//! The three grants of the token endpoint.

use axum::response::Response;

use super::issued;
use crate::{
    AppState,
    authorize::CodeRecord,
    clients::{Client, GrantType},
    error::{ErrorCode, OAuthError},
    params::Params,
    scope::Scope,
    secret,
    store::{Key, Kind, Use},
    tokens::Grant,
};

fn invalid_grant(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, description.into())
}

fn require_grant(client: &Client, grant: GrantType) -> Result<(), OAuthError> {
    if client.allows(grant) {
        return Ok(());
    }
    Err(OAuthError::new(
        ErrorCode::UnauthorizedClient,
        format!("this client did not register the {} grant", grant.as_str()),
    ))
}

/// The resource of a token request, against the one the grant was issued for: the same, or
/// none (the grant's then applies).
fn resource_for(
    app: &AppState,
    params: &Params,
    granted: Option<&String>,
) -> Result<Option<String>, OAuthError> {
    let requested = app.settings.resources.check(&params.all("resource"))?;
    match (requested, granted) {
        (None, granted) => Ok(granted.cloned()),
        (Some(requested), Some(granted)) if &requested == granted => Ok(Some(requested)),
        (Some(requested), None) => Ok(Some(requested)),
        (Some(_), Some(_)) => Err(OAuthError::new(
            ErrorCode::InvalidTarget,
            "resource differs from the one the authorization was granted for",
        )),
    }
}

/// `grant_type=authorization_code`.
pub(super) async fn authorization_code(
    app: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Response, OAuthError> {
    require_grant(client, GrantType::AuthorizationCode)?;
    let code = params.required("code")?;
    let verifier = params.required("code_verifier")?;
    let key = Key::new(Kind::Code, secret::digest(code));
    let record: CodeRecord = match app
        .store
        .consume::<CodeRecord>(&key)
        .await
        .map_err(store_failed)?
    {
        Use::Missing => {
            return Err(invalid_grant(
                "the authorization code is invalid or expired",
            ));
        }
        Use::Again(record, _) => {
            // RFC 6749 §4.1.2 / OAuth 2.1: a replayed code revokes what it issued.
            tracing::warn!(client.id = %client.client_id, grant.id = %record.grant.id, "authorization code replayed");
            app.tokens.revoke_grant(&record.grant.id).await?;
            return Err(invalid_grant(
                "the authorization code was already used; the tokens issued with it are revoked",
            ));
        }
        Use::First(record) => record,
    };
    if record.grant.client_id != client.client_id {
        return Err(invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    match params.one("redirect_uri")? {
        Some(uri) if uri == record.redirect_uri => {}
        None if !record.redirect_uri_given => {}
        _ => {
            return Err(invalid_grant(
                "redirect_uri must be the one of the authorization request",
            ));
        }
    }
    if !record.challenge.verify(verifier) {
        return Err(invalid_grant(
            "code_verifier does not match the code_challenge (PKCE)",
        ));
    }
    let mut grant = record.grant;
    grant.audience = resource_for(app, params, grant.audience.as_ref())?;
    let access = app.tokens.issue_access(&grant).await?;
    let refresh = if client.allows(GrantType::RefreshToken) {
        Some(app.tokens.issue_refresh(&grant).await?)
    } else {
        None
    };
    tracing::info!(client.id = %client.client_id, grant.id = %grant.id, "tokens issued for an authorization code");
    Ok(issued(&grant, access, refresh))
}

/// `grant_type=refresh_token`.
pub(super) async fn refresh_token(
    app: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Response, OAuthError> {
    require_grant(client, GrantType::RefreshToken)?;
    let token = params.required("refresh_token")?;
    let record = match app.tokens.use_refresh(token).await? {
        Use::Missing => return Err(invalid_grant("the refresh token is invalid or expired")),
        Use::Again(record, _) => {
            tracing::warn!(client.id = %client.client_id, grant.id = %record.grant.id, "refresh token reused");
            app.tokens.revoke_grant(&record.grant.id).await?;
            return Err(invalid_grant(
                "the refresh token was already used; every token of this grant is revoked",
            ));
        }
        Use::First(record) => record,
    };
    if record.grant.client_id != client.client_id {
        return Err(invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if app.tokens.grant_revoked(&record.grant.id).await? {
        return Err(invalid_grant("the grant of this refresh token was revoked"));
    }
    let mut grant = record.grant;
    if let Some(requested) = params.one("scope")? {
        let requested = Scope::parse(requested)
            .map_err(|error| OAuthError::new(ErrorCode::InvalidScope, error.to_string()))?;
        if !requested.is_subset(&grant.scope) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!(
                    "a refresh may narrow the scope, not widen it (granted: {})",
                    grant.scope
                ),
            ));
        }
        grant.scope = requested;
    }
    grant.audience = resource_for(app, params, grant.audience.as_ref())?;
    let access = app.tokens.issue_access(&grant).await?;
    let refresh = app.tokens.issue_refresh(&grant).await?;
    Ok(issued(&grant, access, Some(refresh)))
}

/// `grant_type=client_credentials`.
pub(super) async fn client_credentials(
    app: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Response, OAuthError> {
    require_grant(client, GrantType::ClientCredentials)?;
    if !client.is_confidential() {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "client_credentials needs a confidential client",
        ));
    }
    let scope = crate::authorize::granted_scope(app, client, params.one("scope")?)?;
    let audience = app
        .settings
        .resources
        .check(&params.all("resource"))?
        .or_else(|| app.settings.resources.default_audience().map(str::to_owned));
    let grant = Grant {
        id: secret::generate(),
        client_id: client.client_id.clone(),
        subject: client.client_id.clone(),
        scope,
        audience,
    };
    let access = app.tokens.issue_access(&grant).await?;
    Ok(issued(&grant, access, None))
}

fn store_failed(error: crate::store::StoreError) -> OAuthError {
    tracing::error!(%error, "store failed during a token request");
    OAuthError::unavailable()
}
