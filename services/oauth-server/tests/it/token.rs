//! `/token` with the authorization code grant: single use, PKCE, redirect URI, resource.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn a_code_buys_an_access_token_that_introspects_as_granted() {
    let app = spawn_as().await;
    let (client, tokens) =
        public_tokens(&app, &["authorization_code"], &[("resource", RESOURCE)]).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "mcp:tools");
    assert!(
        tokens.get("refresh_token").is_none(),
        "the client did not register refresh_token"
    );
    let info = app
        .introspect(tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(info["active"], true);
    assert_eq!(info["client_id"], client.id);
    assert_eq!(info["aud"], RESOURCE);
    assert_eq!(info["iss"], app.issuer);
    assert_eq!(info["sub"], "demo-user");
    assert_eq!(info["token_type"], "Bearer");
}

#[tokio::test]
async fn token_responses_are_never_cached() {
    let app = spawn_as().await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let code = app.code(&client, &pkce, &[]).await;
    let response = app.exchange(&client, &code, &pkce).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_what_it_issued() {
    let app = spawn_as().await;
    let client = app
        .register("none", &["authorization_code", "refresh_token"])
        .await;
    let pkce = pkce();
    let code = app.code(&client, &pkce, &[]).await;
    let first: Value = app
        .exchange(&client, &code, &pkce)
        .await
        .json()
        .await
        .unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(access).await["active"], true);
    let replay = app.exchange(&client, &code, &pkce).await;
    assert_eq!(oauth_error(replay, 400).await, "invalid_grant");
    assert_eq!(app.introspect(access).await["active"], false);
    let refresh = app
        .token_as(
            &client,
            "none",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", first["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(oauth_error(refresh, 400).await, "invalid_grant");
}

#[tokio::test]
async fn pkce_redirect_uri_and_client_must_match_the_code() {
    let app = spawn_as().await;
    let client = app.register("none", &["authorization_code"]).await;
    let other = app.register("none", &["authorization_code"]).await;
    let pkce_pair = pkce();
    for attempt in ["verifier", "redirect", "client", "missing verifier"] {
        let code = app.code(&client, &pkce_pair, &[]).await;
        let wrong_verifier = pkce().verifier;
        let (who, verifier, redirect) = match attempt {
            "verifier" => (
                &client,
                wrong_verifier.as_str(),
                client.redirect_uri.as_str(),
            ),
            "redirect" => (
                &client,
                pkce_pair.verifier.as_str(),
                "http://127.0.0.1/elsewhere",
            ),
            "client" => (
                &other,
                pkce_pair.verifier.as_str(),
                client.redirect_uri.as_str(),
            ),
            _ => (&client, "", client.redirect_uri.as_str()),
        };
        let response = app
            .token_as(
                who,
                "none",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("code_verifier", verifier),
                    ("redirect_uri", redirect),
                ],
            )
            .await;
        let expected = if attempt == "missing verifier" {
            "invalid_request"
        } else {
            "invalid_grant"
        };
        assert_eq!(oauth_error(response, 400).await, expected, "{attempt}");
    }
}

#[tokio::test]
async fn the_resource_must_agree_with_the_authorization() {
    let app = spawn_as_with(&[(
        "OAUTH_RESOURCES",
        "http://localhost:3000/mcp,https://other.example/mcp",
    )])
    .await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce_pair = pkce();
    // Granted for RESOURCE, asked for another known one; granted for the default, asked for an
    // unknown one.
    for (granted, asked) in [
        (Some(RESOURCE), "https://other.example/mcp"),
        (None, "https://unknown.example/mcp"),
    ] {
        let extra: Vec<(&str, &str)> = granted.map(|r| ("resource", r)).into_iter().collect();
        let code = app.code(&client, &pkce_pair, &extra).await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", pkce_pair.verifier.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
            ("resource", asked),
        ];
        let response = app.token_as(&client, "none", &form).await;
        assert_eq!(
            oauth_error(response, 400).await,
            "invalid_target",
            "{asked}"
        );
    }
}

#[tokio::test]
async fn an_expired_code_is_invalid() {
    let app = spawn_as_with(&[("OAUTH_CODE_TTL_SECS", "1")]).await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let code = app.code(&client, &pkce, &[]).await;
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let response = app.exchange(&client, &code, &pkce).await;
    assert_eq!(oauth_error(response, 400).await, "invalid_grant");
}

#[tokio::test]
async fn unknown_grants_and_bad_bodies_are_refused() {
    let app = spawn_as().await;
    let client = app.register("none", &["authorization_code"]).await;
    let password = app
        .token_as(&client, "none", &[("grant_type", "password")])
        .await;
    assert_eq!(oauth_error(password, 400).await, "unsupported_grant_type");
    let json = app
        .http
        .post(app.url("/token"))
        .json(&serde_json::json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(json, 400).await, "invalid_request");
}

#[tokio::test]
async fn jwt_access_tokens_follow_rfc_9068() {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
    let app = spawn_as_with(&[("ACCESS_TOKEN_FORMAT", "jwt")]).await;
    let (client, tokens) =
        public_tokens(&app, &["authorization_code"], &[("resource", RESOURCE)]).await;
    let token = tokens["access_token"].as_str().unwrap();
    let header = decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, Algorithm::ES256);
    let jwks: JwkSet =
        serde_json::from_value(app.get_json("/.well-known/jwks.json").await).unwrap();
    let key = DecodingKey::from_jwk(jwks.find(header.kid.as_deref().unwrap()).unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&[&app.issuer]);
    validation.set_audience(&[RESOURCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = decode::<Value>(token, &key, &validation).unwrap().claims;
    assert_eq!(claims["client_id"], client.id);
    assert_eq!(claims["scope"], "mcp:tools");
    assert_eq!(claims["sub"], "demo-user");
    assert!(claims["jti"].is_string() && claims["iat"].is_u64());
    assert_eq!(app.introspect(token).await["active"], true);
}
