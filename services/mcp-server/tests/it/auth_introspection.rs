//! Introspection mode against the real demo authorization server: who gets in, what refusals
//! say, caching, outages, and sessions bound to their creator.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    helpers::{read_answer, stateless_body},
    oauth::{
        ALICE, BOB, RESOURCE, challenge, counting_proxy, free_port, spawn_as, spawn_protected,
    },
};

#[tokio::test]
async fn a_request_without_a_token_is_told_where_to_authenticate() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;
    let response = app.list_tools_with(None).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        challenge(&response),
        r#"Bearer resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/mcp", scope="mcp:tools""#
    );
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    // Another scheme carries no bearer token: the same challenge.
    let response = app.list_tools_with(Some("Basic YWxpY2U6c2VjcmV0")).await;
    assert_eq!(response.status(), 401);
    assert!(!challenge(&response).contains("error="));
}

#[tokio::test]
async fn unknown_malformed_and_revoked_tokens_are_refused_with_their_reason() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;

    let response = app
        .list_tools_with(Some("Bearer not-a-token-we-issued"))
        .await;
    assert_eq!(response.status(), 401);
    let header = challenge(&response);
    assert!(header.contains(r#"error="invalid_token""#), "{header}");
    assert!(header.contains("resource_metadata="), "{header}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");

    let response = app.list_tools_with(Some("Bearer two words")).await;
    assert_eq!(response.status(), 400);
    assert!(challenge(&response).contains(r#"error="invalid_request""#));

    let token = authorization_server.alice().await;
    authorization_server.revoke(ALICE, &token).await;
    let response = app.list_tools_with(Some(&format!("Bearer {token}"))).await;
    assert_eq!(response.status(), 401);
    assert!(challenge(&response).contains(r#"error="invalid_token""#));
}

#[tokio::test]
async fn a_valid_token_reaches_the_tools_in_both_protocol_eras() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;
    let token = authorization_server.alice().await;

    let session = app.initialize_as(&token).await;
    assert_eq!(app.greet_as(&token, &session, "Ada").await, "Hello, Ada!");

    let body = stateless_body(
        7,
        "tools/call",
        json!({"name": "count", "arguments": {}}),
        json!({}),
    );
    let response = app
        .post_stateless(&body)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (answer, _) = read_answer(response).await;
    assert!(answer["result"]["content"].is_array(), "{answer}");
}

#[tokio::test]
async fn a_token_without_the_scope_gets_403_naming_the_scope_to_ask_for() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;
    let token = authorization_server.token(ALICE, "profile", RESOURCE).await;
    let response = app.list_tools_with(Some(&format!("Bearer {token}"))).await;
    assert_eq!(response.status(), 403);
    let header = challenge(&response);
    assert!(header.contains(r#"error="insufficient_scope""#), "{header}");
    assert!(header.contains(r#"scope="mcp:tools""#), "{header}");
}

#[tokio::test]
async fn a_token_issued_for_another_resource_is_refused() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;
    let token = authorization_server
        .token(ALICE, "mcp:tools", "http://other.example/mcp")
        .await;
    let response = app.list_tools_with(Some(&format!("Bearer {token}"))).await;
    assert_eq!(response.status(), 401);
    assert!(challenge(&response).contains("audience"));
}

#[tokio::test]
async fn each_token_is_introspected_once_however_many_requests_carry_it() {
    let authorization_server = spawn_as(&[]).await;
    let proxy = counting_proxy(&authorization_server).await;
    let app = spawn_protected(&authorization_server.base, &proxy.base, &[]).await;
    let token = authorization_server.alice().await;
    let authorization = format!("Bearer {token}");
    // Concurrent first uses share one call; later ones hit the cache.
    let answers =
        futures::future::join_all((0..8).map(|_| app.list_tools_with(Some(&authorization)))).await;
    assert!(answers.iter().all(|response| response.status() != 401));
    for _ in 0..4 {
        app.list_tools_with(Some(&authorization)).await;
    }
    assert_eq!(proxy.count(), 1);
    // Refusals are cached too (briefly), so a bad token cannot be used to flood the AS.
    for _ in 0..4 {
        let response = app.list_tools_with(Some("Bearer forged-token")).await;
        assert_eq!(response.status(), 401);
    }
    assert_eq!(proxy.count(), 2);
}

#[tokio::test]
async fn a_cached_answer_does_not_outlive_the_token() {
    let authorization_server = spawn_as(&[("OAUTH_ACCESS_TOKEN_TTL_SECS", "1")]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;
    let token = authorization_server.alice().await;
    let session = app.initialize_as(&token).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let body = json!({"jsonrpc":"2.0","id":3,"method":"tools/list"});
    let response = app
        .post_as(&token, Some(&session), &body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(challenge(&response).contains(r#"error="invalid_token""#));
}

#[tokio::test]
async fn an_unreachable_authorization_server_is_503_with_a_retry_hint_not_401() {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let app = spawn_protected(&closed, &closed, &[]).await;
    let response = app.list_tools_with(Some("Bearer some-token")).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    assert!(response.headers().get("www-authenticate").is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    // Probes stay outside authentication.
    let health = app
        .client
        .get(app.url.replace("/mcp", "/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn wrong_introspection_credentials_are_an_outage_not_the_callers_fault() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(
        &authorization_server.base,
        &authorization_server.base,
        &[("OAUTH_CLIENT_SECRET", "not-the-secret")],
    )
    .await;
    let token = authorization_server.alice().await;
    let response = app.list_tools_with(Some(&format!("Bearer {token}"))).await;
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn a_session_answers_only_to_the_principal_that_created_it() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;
    let alice = authorization_server.alice().await;
    let bob = authorization_server.token(BOB, "mcp:tools", RESOURCE).await;
    let session = app.initialize_as(&alice).await;

    let list = json!({"jsonrpc":"2.0","id":3,"method":"tools/list"});
    let response = app
        .post_as(&bob, Some(&session), &list)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let stream = app
        .client
        .get(&app.url)
        .bearer_auth(&bob)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session.id)
        .header("mcp-protocol-version", &session.version)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 404);
    let delete = app
        .client
        .delete(&app.url)
        .bearer_auth(&bob)
        .header("mcp-session-id", &session.id)
        .header("mcp-protocol-version", &session.version)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 404);

    // A second token of the same caller is the same principal.
    let alice_again = authorization_server.alice().await;
    assert_ne!(alice, alice_again);
    assert_eq!(
        app.greet_as(&alice_again, &session, "Alice").await,
        "Hello, Alice!"
    );
}

#[tokio::test]
async fn everything_under_mcp_needs_a_token_and_probes_do_not() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;
    let below = format!("{}/anything", app.url);
    let response = app.client.get(&below).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let token = authorization_server.alice().await;
    let response = app
        .client
        .get(&below)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    for probe in ["/healthz", "/readyz"] {
        let response = app
            .client
            .get(app.url.replace("/mcp", probe))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{probe}");
    }
}

#[tokio::test]
async fn with_the_authorization_server_down_cached_tokens_work_until_their_bound_and_new_ones_get_503()
 {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(
        &authorization_server.base,
        &authorization_server.base,
        &[("MCP_INTROSPECTION_CACHE_SECS", "2")],
    )
    .await;
    let alice = authorization_server.alice().await;
    let bob = authorization_server.token(BOB, "mcp:tools", RESOURCE).await;
    let session = app.initialize_as(&alice).await;
    drop(authorization_server);

    let list = json!({"jsonrpc":"2.0","id":3,"method":"tools/list"});
    let cached = app
        .post_as(&alice, Some(&session), &list)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 200, "the cached answer still holds");
    let unseen = app.list_tools_with(Some(&format!("Bearer {bob}"))).await;
    assert_eq!(
        unseen.status(),
        503,
        "a token never seen cannot be checked: 503, not 401"
    );
    assert!(unseen.headers().contains_key("retry-after"));
    assert!(unseen.headers().get("www-authenticate").is_none());

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = app
        .post_as(&alice, Some(&session), &list)
        .send()
        .await
        .unwrap();
    assert_eq!(
        expired.status(),
        503,
        "past the cache bound, the token must be checked again"
    );
}
