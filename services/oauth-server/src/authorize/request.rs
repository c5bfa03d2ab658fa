//! Checking an authorization request, in the order RFC 6749 §4.1.2.1 sets: first the client and
//! its redirect URI (failures are shown to the user, never redirected), then everything else
//! (failures are redirected to the client).

use crate::{
    AppState,
    clients::{Client, GrantType, LookupError},
    error::{ErrorCode, OAuthError},
    params::Params,
    pkce::CodeChallenge,
    scope::Scope,
};

/// A request that passed every check.
#[derive(Debug, Clone)]
pub(super) struct AuthorizationRequest {
    pub(super) client: Client,
    /// Where the answer goes: the request's `redirect_uri`, or the only registered one.
    pub(super) redirect_uri: String,
    pub(super) redirect_uri_given: bool,
    pub(super) state: Option<String>,
    pub(super) scope: Scope,
    pub(super) challenge: CodeChallenge,
    pub(super) resource: Option<String>,
    /// `prompt=none`: the user must not be asked anything.
    pub(super) prompt_none: bool,
}

/// Why a request is refused, and how the refusal travels.
#[derive(Debug)]
pub(super) enum Refusal {
    /// To the user: the client or its redirect URI cannot be trusted.
    Page(OAuthError),
    /// To the client, by redirect.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
    },
}

pub(super) async fn check(
    app: &AppState,
    params: &Params,
) -> Result<AuthorizationRequest, Refusal> {
    let client_id = params
        .one("client_id")
        .map_err(Refusal::Page)?
        .ok_or_else(|| Refusal::Page(OAuthError::invalid_request("client_id is required")))?;
    let client = app.clients.find(client_id).await.map_err(|error| {
        Refusal::Page(match error {
            LookupError::Unknown => OAuthError::invalid_request("unknown client_id"),
            LookupError::Document(error) => OAuthError::invalid_request(error.to_string()),
            LookupError::Store => OAuthError::unavailable(),
        })
    })?;
    let requested_uri = params.one("redirect_uri").map_err(Refusal::Page)?;
    let redirect_uri = match requested_uri {
        Some(requested) => {
            if client.redirect_uri(requested).is_none() {
                return Err(Refusal::Page(OAuthError::invalid_request(
                    "redirect_uri does not match any registered for this client",
                )));
            }
            requested.to_owned()
        }
        None => match client.redirect_uris.as_slice() {
            [only] => only.clone(),
            _ => {
                return Err(Refusal::Page(OAuthError::invalid_request(
                    "redirect_uri is required: this client registered several (or none)",
                )));
            }
        },
    };
    // From here on, the client is told by redirect.
    let state = params.one("state").ok().flatten().map(str::to_owned);
    let refuse = |error: OAuthError| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
    };
    if params.one("state").is_err() {
        return Err(refuse(OAuthError::invalid_request(
            "parameter state must not be repeated",
        )));
    }
    match params.one("response_type").map_err(refuse)? {
        Some("code") => {}
        Some(_) => {
            return Err(refuse(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            )));
        }
        None => {
            return Err(refuse(OAuthError::invalid_request(
                "response_type is required",
            )));
        }
    }
    if let Some(mode) = params.one("response_mode").map_err(refuse)?
        && mode != "query"
    {
        return Err(refuse(OAuthError::invalid_request(
            "only response_mode=query is supported",
        )));
    }
    if !client.allows(GrantType::AuthorizationCode) {
        return Err(refuse(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client did not register the authorization_code grant",
        )));
    }
    let challenge = CodeChallenge::parse(
        params.one("code_challenge").map_err(refuse)?,
        params.one("code_challenge_method").map_err(refuse)?,
    )
    .map_err(|error| refuse(OAuthError::invalid_request(error.to_string())))?;
    let scope =
        granted_scope(app, &client, params.one("scope").map_err(refuse)?).map_err(refuse)?;
    let resource = app
        .settings
        .resources
        .check(&params.all("resource"))
        .map_err(refuse)?
        .or_else(|| app.settings.resources.default_audience().map(str::to_owned));
    let prompt_none = params
        .one("prompt")
        .map_err(refuse)?
        .is_some_and(|prompt| prompt.split(' ').any(|value| value == "none"));
    Ok(AuthorizationRequest {
        client,
        redirect_uri,
        redirect_uri_given: requested_uri.is_some(),
        state,
        scope,
        challenge,
        resource,
        prompt_none,
    })
}

/// The scope to grant: the requested one, or the client's registered one, or the server's
/// default; never beyond what the server knows or the client registered.
pub(crate) fn granted_scope(
    app: &AppState,
    client: &Client,
    requested: Option<&str>,
) -> Result<Scope, OAuthError> {
    let scope = match requested {
        Some(text) => Scope::parse(text)
            .map_err(|error| OAuthError::new(ErrorCode::InvalidScope, error.to_string()))?,
        None => client
            .scope
            .clone()
            .unwrap_or_else(|| app.settings.default_scope.clone()),
    };
    let unknown = scope.difference(&app.settings.scopes);
    if !unknown.is_empty() {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!(
                "scope {unknown} is not known here (known: {})",
                app.settings.scopes
            ),
        ));
    }
    if let Some(allowed) = &client.scope
        && !scope.is_subset(allowed)
    {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("this client registered scope {allowed}; it may not ask for {scope}"),
        ));
    }
    Ok(scope)
}
