//! Refresh tokens: rotation, reuse detection, scope narrowing; client credentials.

use serde_json::Value;

use crate::helpers::*;

async fn refresh(
    app: &TestAs,
    client: &Registered,
    token: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    form.extend_from_slice(extra);
    app.token_as(client, "none", &form).await
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_grant() {
    let app = spawn_as_with(&[("OAUTH_REFRESH_REUSE_GRACE_SECS", "0")]).await;
    let (client, first) = public_tokens(&app, &["authorization_code", "refresh_token"], &[]).await;
    let old = first["refresh_token"].as_str().unwrap();
    let second: Value = refresh(&app, &client, old, &[]).await.json().await.unwrap();
    let new = second["refresh_token"].as_str().unwrap();
    assert_ne!(old, new, "rotated");
    let access = second["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(access).await["active"], true);

    let reuse = refresh(&app, &client, old, &[]).await;
    assert_eq!(oauth_error(reuse, 400).await, "invalid_grant");
    assert_eq!(
        app.introspect(access).await["active"],
        false,
        "the grant is revoked"
    );
    let after = refresh(&app, &client, new, &[]).await;
    assert_eq!(oauth_error(after, 400).await, "invalid_grant");
}

#[tokio::test]
async fn a_second_use_moments_later_is_a_concurrent_refresh_and_later_a_replay() {
    let app = spawn_as_with(&[("OAUTH_REFRESH_REUSE_GRACE_SECS", "1")]).await;
    let (client, first) = public_tokens(&app, &["authorization_code", "refresh_token"], &[]).await;
    let old = first["refresh_token"].as_str().unwrap();
    // Two requests saw the same 401 and refresh at once: both get tokens, none is revoked.
    let (one, two) = tokio::join!(
        refresh(&app, &client, old, &[]),
        refresh(&app, &client, old, &[])
    );
    let (one, two): (Value, Value) = (one.json().await.unwrap(), two.json().await.unwrap());
    for answer in [&one, &two] {
        let access = answer["access_token"].as_str().unwrap();
        assert_eq!(app.introspect(access).await["active"], true, "{answer}");
    }
    // Once the grace has passed, the same token again is a replay: the grant is revoked.
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let replay = refresh(&app, &client, old, &[]).await;
    assert_eq!(oauth_error(replay, 400).await, "invalid_grant");
    let access = one["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(access).await["active"], false);
}

#[tokio::test]
async fn a_refresh_may_narrow_the_scope_but_not_widen_it() {
    let app = spawn_as().await;
    let (client, first) = public_tokens(
        &app,
        &["authorization_code", "refresh_token"],
        &[("scope", "mcp:tools email")],
    )
    .await;
    let narrowed: Value = refresh(
        &app,
        &client,
        first["refresh_token"].as_str().unwrap(),
        &[("scope", "mcp:tools")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(narrowed["scope"], "mcp:tools");
    let widened = refresh(
        &app,
        &client,
        narrowed["refresh_token"].as_str().unwrap(),
        &[("scope", "mcp:tools email profile")],
    )
    .await;
    assert_eq!(oauth_error(widened, 400).await, "invalid_scope");
}

#[tokio::test]
async fn another_client_cannot_use_a_refresh_token() {
    let app = spawn_as().await;
    let (_, first) = public_tokens(&app, &["authorization_code", "refresh_token"], &[]).await;
    let thief = app
        .register("none", &["authorization_code", "refresh_token"])
        .await;
    let stolen = refresh(&app, &thief, first["refresh_token"].as_str().unwrap(), &[]).await;
    assert_eq!(oauth_error(stolen, 400).await, "invalid_grant");
}

#[tokio::test]
async fn confidential_clients_get_tokens_for_themselves() {
    let app = spawn_as().await;
    let preset = app
        .http
        .post(app.url("/token"))
        .basic_auth(PRESET_ID, Some(PRESET_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", "mcp:tools")])
        .send()
        .await
        .unwrap();
    assert_eq!(preset.status(), 200);
    let body: Value = preset.json().await.unwrap();
    assert!(body.get("refresh_token").is_none());
    let info = app.introspect(body["access_token"].as_str().unwrap()).await;
    assert_eq!(info["sub"], PRESET_ID);
    assert_eq!(info["client_id"], PRESET_ID);

    let service = app
        .register("client_secret_basic", &["client_credentials"])
        .await;
    let response = app
        .token_as(
            &service,
            "client_secret_basic",
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(response.status(), 200);

    let public = app.register("none", &["authorization_code"]).await;
    let refused = app
        .token_as(&public, "none", &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(oauth_error(refused, 400).await, "unauthorized_client");
}
