//! Introspection (RFC 7662) and revocation (RFC 7009).

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn introspection_needs_the_callers_credentials_and_says_so() {
    let app = spawn_as().await;
    let response = app
        .http
        .post(app.url("/introspect"))
        .form(&[("token", "anything")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains("client_id") && description.contains("client_secret"),
        "{description}"
    );
}

#[tokio::test]
async fn a_client_sees_only_its_own_tokens_and_a_preset_sees_all() {
    let app = spawn_as().await;
    let (_, tokens) = public_tokens(&app, &["authorization_code"], &[]).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(access).await["active"], true);
    let other = app
        .register("client_secret_basic", &["authorization_code"])
        .await;
    let response = app
        .http
        .post(app.url("/introspect"))
        .basic_auth(&other.id, other.secret.as_deref())
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"active": false}));
    let unknown = app.introspect("not-a-token").await;
    assert_eq!(unknown, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn expired_access_tokens_are_inactive() {
    let app = spawn_as_with(&[("OAUTH_ACCESS_TOKEN_TTL_SECS", "1")]).await;
    let (_, tokens) = public_tokens(&app, &["authorization_code"], &[]).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        app.introspect(tokens["access_token"].as_str().unwrap())
            .await["active"],
        false
    );
}

#[tokio::test]
async fn revoking_an_access_token_or_a_refresh_token() {
    let app = spawn_as().await;
    let (client, tokens) = public_tokens(&app, &["authorization_code", "refresh_token"], &[]).await;
    let access = tokens["access_token"].as_str().unwrap();
    let revoke = |token: &str, hint: Option<&str>| {
        let mut form = vec![
            ("token", token.to_owned()),
            ("client_id", client.id.clone()),
        ];
        if let Some(hint) = hint {
            form.push(("token_type_hint", hint.to_owned()));
        }
        app.http.post(app.url("/revoke")).form(&form).send()
    };
    assert_eq!(
        revoke(access, Some("access_token")).await.unwrap().status(),
        200
    );
    assert_eq!(app.introspect(access).await["active"], false);
    assert_eq!(
        revoke("unknown-token", None).await.unwrap().status(),
        200,
        "unknown tokens are fine"
    );

    // A refresh token ends the whole grant.
    let (client2, tokens2) =
        public_tokens(&app, &["authorization_code", "refresh_token"], &[]).await;
    let access2 = tokens2["access_token"].as_str().unwrap();
    let response = app
        .http
        .post(app.url("/revoke"))
        .form(&[
            ("token", tokens2["refresh_token"].as_str().unwrap()),
            ("client_id", client2.id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.introspect(access2).await["active"], false);

    // Nobody revokes another client's token.
    let (_, tokens3) = public_tokens(&app, &["authorization_code"], &[]).await;
    let response = app
        .http
        .post(app.url("/revoke"))
        .form(&[
            ("token", tokens3["access_token"].as_str().unwrap()),
            ("client_id", client.id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(response, 400).await, "unauthorized_client");
    assert_eq!(
        app.introspect(tokens3["access_token"].as_str().unwrap())
            .await["active"],
        true
    );
}
